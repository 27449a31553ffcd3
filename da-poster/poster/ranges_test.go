package poster

import (
	"math/rand/v2"
	"testing"
)

// TestRangeSetAgainstMap checks rangeSet against a naive set of heights.
func TestRangeSetAgainstMap(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 1))
		var s rangeSet
		naive := map[int64]bool{}
		for range 60 {
			a := r.Int64N(80)
			b := a + r.Int64N(6) - 1 // sometimes empty
			switch r.IntN(5) {
			case 0:
				s.dropThrough(a)
				for h := range naive {
					if h <= a {
						delete(naive, h)
					}
				}
			default:
				s.add(Range{a, b})
				for h := a; h <= b; h++ {
					naive[h] = true
				}
			}
			// Sorted, disjoint, non-adjacent, non-empty.
			for i, x := range s.rs {
				if x.Len() == 0 || (i > 0 && s.rs[i-1].Last+1 >= x.First) {
					t.Fatalf("seed %d: malformed %v", seed, s.rs)
				}
			}
			for h := int64(-2); h < 90; h++ {
				if s.contains(h) != naive[h] {
					t.Fatalf("seed %d: contains(%d) = %v, want %v (%v)", seed, h, s.contains(h), naive[h], s.rs)
				}
				q := Range{h, h + int64(r.IntN(4))}
				all, any := true, false
				for x := q.First; x <= q.Last; x++ {
					all = all && naive[x]
					any = any || naive[x]
				}
				if s.containsAll(q) != all || s.containsAny(q) != any {
					t.Fatalf("seed %d: %v all=%v any=%v, want %v %v (%v)", seed, q, s.containsAll(q), s.containsAny(q), all, any, s.rs)
				}
			}
		}
	}
}
