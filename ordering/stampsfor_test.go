package ordering

import (
	"math/rand"
	"testing"
)

// TestStampsForMatchesStamps: computing stamps for a subset of keys gives
// exactly the full computation's stamps for those keys (and nothing for
// keys nobody reported), so restricting the work never changes a decision.
func TestStampsForMatchesStamps(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for run := 0; run < 300; run++ {
		keys := make([]TxKey, 1+rng.Intn(30))
		for i := range keys {
			rng.Read(keys[i][:])
		}
		in := genFairFor(rng, keys)
		all := Stamps(*in)
		var subset []TxKey
		for _, k := range keys {
			if rng.Intn(2) == 0 {
				subset = append(subset, k)
			}
		}
		var unknown TxKey
		rng.Read(unknown[:])
		subset = append(subset, unknown)
		got := StampsFor(*in, subset)
		for _, k := range subset {
			want, ok := all[k]
			g, gok := got[k]
			if ok != gok || g != want {
				t.Fatalf("run %d key %x: StampsFor %+v,%v; Stamps %+v,%v", run, k, g, gok, want, ok)
			}
		}
		if len(got) > len(subset) {
			t.Fatalf("run %d: StampsFor returned %d stamps for %d keys", run, len(got), len(subset))
		}
	}
}

// TestStampsClampNoOverflow: clamp windows at the int64 limits saturate
// instead of wrapping (a wrapped window would clamp every clock alike).
func TestStampsClampNoOverflow(t *testing.T) {
	k := TxKey{1}
	in := FairInput{
		Params:     testFairParams,
		TotalPower: 3,
		BlockTime:  1_700_000_000_000,
		Reporters: []Reporter{
			{Power: 1, Report: Report{Now: 1_700_000_000_500, Seen: []Seen{{Key: k, At: 1_700_000_000_100}}}},
			{Power: 1, Report: Report{Now: 1_700_000_000_600, Seen: []Seen{{Key: k, At: 1_700_000_000_200}}}},
			{Power: 1, Report: Report{Now: 1_700_000_000_700}},
		},
	}
	in.Params.MaxLagMs = 1<<63 - 1
	in.Params.ClockSkewMs = 1<<63 - 1
	in.Params.MaxAgeMs = 1<<63 - 1
	st := Stamps(in)[k]
	if st.Median != 1_700_000_000_200 || !st.Eligible {
		t.Fatalf("stamp %+v, want median 1700000000200 (honest values, no wrap)", st)
	}
}
