package quorum

import (
	"math/rand"
	"testing"
)

// naiveMedian expands every entry into Power copies of its value and takes
// the lower median of the expanded list.
func naiveMedian(vs []Weighted) (int64, bool) {
	var flat []int64
	for _, w := range vs {
		for i := int64(0); i < w.Power; i++ {
			flat = append(flat, w.Value)
		}
	}
	if len(flat) == 0 {
		return 0, false
	}
	for i := 1; i < len(flat); i++ { // insertion sort: obviously correct
		for j := i; j > 0 && flat[j] < flat[j-1]; j-- {
			flat[j], flat[j-1] = flat[j-1], flat[j]
		}
	}
	return flat[(len(flat)-1)/2], true
}

func TestMedianMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for run := 0; run < 5000; run++ {
		n := rng.Intn(8)
		vs := make([]Weighted, n)
		for i := range vs {
			vs[i] = Weighted{Value: int64(rng.Intn(20) - 5), Power: int64(rng.Intn(6))}
		}
		want, wantOK := naiveMedian(vs)
		got, ok := Median(append([]Weighted(nil), vs...))
		if ok != wantOK || got != want {
			t.Fatalf("run %d: Median(%v) = %d,%v; naive %d,%v", run, vs, got, ok, want, wantOK)
		}
	}
}

func TestThresholdsMatchNaive(t *testing.T) {
	for total := int64(0); total < 60; total++ {
		for part := int64(0); part <= total; part++ {
			// naive: compare fractions with floating point on small integers
			third := float64(part) > float64(total)/3
			twoThirds := float64(part) > 2*float64(total)/3
			if MoreThanOneThird(part, total) != third || MoreThanTwoThirds(part, total) != twoThirds {
				t.Fatalf("part %d total %d", part, total)
			}
		}
	}
}

// TestMedianWithinHonestValues is the robustness property: byzantine
// entries holding less than half the power cannot move the median outside
// the range of the honest values.
func TestMedianWithinHonestValues(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for run := 0; run < 5000; run++ {
		var vs []Weighted
		var honestPower, byzPower int64
		lo, hi := int64(1<<62), int64(-1<<62)
		for i := rng.Intn(6) + 1; i > 0; i-- {
			w := Weighted{Value: int64(rng.Intn(1000)), Power: int64(rng.Intn(10) + 1)}
			honestPower += w.Power
			lo, hi = min(lo, w.Value), max(hi, w.Value)
			vs = append(vs, w)
		}
		for byzPower*2+2 < honestPower { // byzantine power stays below half
			p := int64(rng.Intn(3) + 1)
			if 2*(byzPower+p) >= honestPower+byzPower+p {
				break
			}
			byzPower += p
			extreme := int64(-1e9)
			if rng.Intn(2) == 0 {
				extreme = 1e9
			}
			vs = append(vs, Weighted{Value: extreme, Power: p})
		}
		m, ok := Median(vs)
		if !ok || m < lo || m > hi {
			t.Fatalf("run %d: median %d outside honest range [%d,%d] (honest power %d, byzantine %d)", run, m, lo, hi, honestPower, byzPower)
		}
	}
}
