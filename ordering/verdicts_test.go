package ordering

import (
	"math/rand"
	"testing"
)

// TestDecideVerdictsSafety is the property the verdict rule exists for.
// Honest validators hold more than 2/3 of the power and all compute the
// same simulation bits (honest[i]: bundle i succeeds when the block runs
// in order, failing bundles rolled back); each honest validator reports
// them, reports unknown, or is missing from E; byzantine validators
// report anything. Then every COMMIT bundle is one the honest simulation
// succeeded, and every verdict before it equals the honest bit — so the
// rollups, which apply the verdicts, execute each COMMIT bundle on the
// state the honest validators simulated it on.
func TestDecideVerdictsSafety(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for iter := 0; iter < 20000; iter++ {
		n := 1 + rng.Intn(6)
		honest := make([]byte, n)
		for i := range honest {
			honest[i] = byte(OutcomeFail)
			if rng.Intn(3) > 0 {
				honest[i] = byte(OutcomeSuccess)
			}
		}
		vals := 1 + rng.Intn(7)
		powers := make([]int64, vals)
		var total int64
		for i := range powers {
			powers[i] = 1 + int64(rng.Intn(10))
			total += powers[i]
		}
		// Pick a byzantine set with less than 1/3 of the power.
		byz := make([]bool, vals)
		var byzPower int64
		for _, i := range rng.Perm(vals) {
			if rng.Intn(2) == 0 && 3*(byzPower+powers[i]) < total {
				byz[i], byzPower = true, byzPower+powers[i]
			}
		}
		var reports []OutcomeReport
		for i := range vals {
			if byz[i] {
				out := make([]byte, n)
				if rng.Intn(5) == 0 {
					out = out[:rng.Intn(n)] // wrong length
				}
				for j := range out {
					out[j] = byte(rng.Intn(3))
				}
				reports = append(reports, OutcomeReport{Power: powers[i], Outcomes: PackOutcomes(out)})
				continue
			}
			switch rng.Intn(6) {
			case 0: // missing from E
			case 1:
				reports = append(reports, OutcomeReport{Power: powers[i]}) // unknown
			default:
				reports = append(reports, OutcomeReport{Power: powers[i], Outcomes: PackOutcomes(honest)})
			}
		}
		got := DecideVerdicts(n, reports, total)
		for i, commit := range got {
			if !commit {
				continue
			}
			for j := 0; j <= i; j++ {
				if want := honest[j] == byte(OutcomeSuccess); got[j] != want {
					t.Fatalf("iter %d: bundle %d committed, but verdict %d is %v while the honest simulation says %v (honest %v, reports %+v, total %d)",
						iter, i, j, got[j], want, honest, reports, total)
				}
			}
		}
	}
}

// TestDecideVerdictsLiveness: with every validator honest and reporting,
// the verdicts are exactly the simulation bits.
func TestDecideVerdictsLiveness(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for iter := 0; iter < 2000; iter++ {
		n := rng.Intn(8)
		honest := make([]byte, n)
		for i := range honest {
			honest[i] = byte(1 + rng.Intn(2))
		}
		var reports []OutcomeReport
		var total int64
		for v := 0; v < 1+rng.Intn(6); v++ {
			p := 1 + int64(rng.Intn(5))
			total += p
			reports = append(reports, OutcomeReport{Power: p, Outcomes: PackOutcomes(honest)})
		}
		got := DecideVerdicts(n, reports, total)
		for i := range got {
			if got[i] != (honest[i] == byte(OutcomeSuccess)) {
				t.Fatalf("iter %d: verdict %d = %v for honest bit %d", iter, i, got[i], honest[i])
			}
		}
	}
}

// TestDecideVerdictsRule pins the thresholds and the abort cascade.
func TestDecideVerdictsRule(t *testing.T) {
	s, f, u := byte(OutcomeSuccess), byte(OutcomeFail), byte(OutcomeUnknown)
	cases := []struct {
		name    string
		n       int
		reports []OutcomeReport
		want    []bool
	}{
		{"3 of 4 success commits", 1, []OutcomeReport{{1, []byte{s}}, {1, []byte{s}}, {1, []byte{s}}, {1, []byte{u}}}, []bool{true}},
		{"2 of 4 success aborts", 1, []OutcomeReport{{1, []byte{s}}, {1, []byte{s}}, {1, []byte{u}}, {1, []byte{u}}}, []bool{false}},
		{"proven failure keeps later bundles", 2, []OutcomeReport{{1, []byte{f, s}}, {1, []byte{f, s}}, {1, []byte{f, s}}, {1, nil}}, []bool{false, true}},
		{"unproven abort cascades", 2, []OutcomeReport{{1, []byte{s, s}}, {1, []byte{s, s}}, {1, []byte{u, s}}, {1, []byte{u, s}}}, []bool{false, false}},
		{"1 of 4 failure does not prove", 2, []OutcomeReport{{1, []byte{f, s}}, {1, []byte{s, s}}, {1, []byte{s, s}}, {1, []byte{u, s}}}, []bool{false, false}},
		{"wrong length counts as unknown", 1, []OutcomeReport{{3, []byte{s, s}}, {1, []byte{s}}}, []bool{false}},
		{"no bundles", 0, []OutcomeReport{{1, nil}}, []bool{}},
	}
	for _, c := range cases {
		for i := range c.reports {
			c.reports[i].Outcomes = PackOutcomes(c.reports[i].Outcomes)
		}
		got := DecideVerdicts(c.n, c.reports, 4)
		if len(got) != len(c.want) {
			t.Fatalf("%s: %v", c.name, got)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
	if !ValidPackedOutcomes(PackOutcomes([]byte{0, 1, 2}), 3) || ValidPackedOutcomes([]byte{3}, 3) || ValidPackedOutcomes([]byte{0, 0}, 4) {
		t.Error("ValidPackedOutcomes")
	}
}

// TestPackOutcomes: packing round-trips, and only the canonical packing of
// the right count unpacks.
func TestPackOutcomes(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for iter := 0; iter < 1000; iter++ {
		o := make([]byte, rng.Intn(20))
		for i := range o {
			o[i] = byte(rng.Intn(3))
		}
		p := PackOutcomes(o)
		back, ok := UnpackOutcomes(p, len(o))
		if !ok || string(back) != string(o) {
			t.Fatalf("round trip of %v: %v %v", o, back, ok)
		}
		if !ValidPackedOutcomes(p, len(o)) {
			t.Fatalf("packing of %v is not valid", o)
		}
		if _, ok := UnpackOutcomes(p, len(o)+4); ok {
			t.Fatalf("%v unpacked as %d outcomes", o, len(o)+4)
		}
		if len(o)%4 != 0 {
			bad := append([]byte(nil), p...)
			bad[len(bad)-1] |= 1 << 6 // a padding bit (or a 4th outcome slot)
			if _, ok := UnpackOutcomes(bad, len(o)); ok {
				t.Fatalf("non-zero padding accepted for %v", o)
			}
		}
	}
	if _, ok := UnpackOutcomes([]byte{3}, 1); ok {
		t.Fatal("outcome 3 accepted")
	}
}
