package ordering

import "github.com/ordolabs/ordo/ordering/quorum"

// Outcome is one validator's report on one atomic bundle: whether every
// atomic leg succeeds when the bundle's block executes in order on its
// verifier-mode executors (docs/spec/bundles.md).
type Outcome byte

// Outcomes, as encoded in vote extensions (one byte per bundle).
const (
	OutcomeUnknown Outcome = 0
	OutcomeSuccess Outcome = 1
	OutcomeFail    Outcome = 2
)

// OutcomeReport is one committed vote's outcomes for the atomic bundles of
// a block, in block order, packed (PackOutcomes), with the voter's power. A
// report that does not unpack to the number of bundles counts as unknown
// for every bundle.
type OutcomeReport struct {
	Power    int64
	Outcomes []byte
}

// PackOutcomes packs outcomes four to a byte, outcome i in bits 2(i%4) and
// 2(i%4)+1 of byte i/4; unused bits are zero. Nil for no outcomes.
func PackOutcomes(outcomes []byte) []byte {
	if len(outcomes) == 0 {
		return nil
	}
	out := make([]byte, (len(outcomes)+3)/4)
	for i, o := range outcomes {
		out[i/4] |= (o & 3) << (2 * (i % 4))
	}
	return out
}

// UnpackOutcomes is PackOutcomes' inverse for n outcomes. It accepts only
// the canonical packing of n valid outcomes: exactly (n+3)/4 bytes, every
// outcome 0, 1 or 2, unused bits zero.
func UnpackOutcomes(b []byte, n int) ([]byte, bool) {
	if len(b) != (n+3)/4 {
		return nil, false
	}
	out := make([]byte, n)
	for i := range out {
		out[i] = (b[i/4] >> (2 * (i % 4))) & 3
		if out[i] > byte(OutcomeFail) {
			return nil, false
		}
	}
	if n%4 != 0 && b[len(b)-1]>>(2*(n%4)) != 0 {
		return nil, false
	}
	return out, true
}

// DecideVerdicts decides the n atomic bundles of a block, in block order,
// from the reports of the committed votes on it (E). It returns true for
// COMMIT. The rule, applied bundle by bundle:
//
//   - once a bundle was aborted without proof that it fails (below), every
//     later bundle is aborted: the validators simulated the later bundles
//     on a state that included the aborted one, so their reports no longer
//     describe the state the rollups will execute on;
//   - COMMIT when validators with more than 2/3 of totalPower report
//     success;
//   - otherwise ABORT. The abort is proven when validators with more than
//     1/3 of totalPower report failure (one of them is honest, so the
//     honest simulation failed the bundle and rolled it back, as the
//     rollups will); any other abort triggers the first rule.
//
// With more than 2/3 of the power honest, a COMMIT bundle therefore always
// succeeds on every atomic rollup: every bundle before it was decided as
// the honest simulation decided it, so the rollups execute it on the state
// the honest validators simulated.
func DecideVerdicts(n int, reports []OutcomeReport, totalPower int64) []bool {
	out := make([]bool, n)
	var unpacked []OutcomeReport
	for _, r := range reports {
		if o, ok := UnpackOutcomes(r.Outcomes, n); ok && n > 0 {
			unpacked = append(unpacked, OutcomeReport{Power: r.Power, Outcomes: o})
		}
	}
	diverged := false
	for i := range n {
		if diverged {
			continue
		}
		var success, fail int64
		for _, r := range unpacked {
			switch Outcome(r.Outcomes[i]) {
			case OutcomeSuccess:
				success += r.Power
			case OutcomeFail:
				fail += r.Power
			}
		}
		switch {
		case quorum.MoreThanTwoThirds(success, totalPower):
			out[i] = true
		case quorum.MoreThanOneThird(fail, totalPower):
			// proven failure: the rollups roll it back as the simulation did
		default:
			diverged = true
		}
	}
	return out
}

// ValidPackedOutcomes reports whether b can be a packed outcome vector for
// at most maxBundles bundles: not longer than their packing, no outcome 3.
// (Whether it matches a block's bundle count is UnpackOutcomes' check.)
func ValidPackedOutcomes(b []byte, maxBundles int) bool {
	if len(b) > (maxBundles+3)/4 {
		return false
	}
	for _, x := range b {
		for k := 0; k < 8; k += 2 {
			if (x>>k)&3 > byte(OutcomeFail) {
				return false
			}
		}
	}
	return true
}
