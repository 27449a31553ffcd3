package quorum

import (
	"math/rand"
	"testing"
)

func BenchmarkMedian(b *testing.B) {
	for _, n := range []int{4, 100} {
		rng := rand.New(rand.NewSource(1))
		vs := make([]Weighted, n)
		for i := range vs {
			vs[i] = Weighted{Value: rng.Int63n(1e6), Power: rng.Int63n(100) + 1}
		}
		work := make([]Weighted, n)
		b.Run(map[int]string{4: "4-validators", 100: "100-validators"}[n], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				copy(work, vs)
				Median(work)
			}
		})
	}
}
