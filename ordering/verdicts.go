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
// a block, in block order, with the voter's power. A report whose length is
// not the number of bundles counts as unknown for every bundle.
type OutcomeReport struct {
	Power    int64
	Outcomes []byte
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
	diverged := false
	for i := range n {
		if diverged {
			continue
		}
		var success, fail int64
		for _, r := range reports {
			if len(r.Outcomes) != n {
				continue
			}
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

// ValidOutcomes reports whether b is a well-formed outcome vector: every
// byte a known Outcome, at most maxBundles long.
func ValidOutcomes(b []byte, maxBundles int) bool {
	if len(b) > maxBundles {
		return false
	}
	for _, o := range b {
		if o > byte(OutcomeFail) {
			return false
		}
	}
	return true
}
