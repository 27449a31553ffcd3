package ordering

import (
	"math"
	"math/rand"
	"reflect"
	"sort"
	"testing"

	"github.com/ordolabs/ordo/sequencer/ledger"
)

// naiveStamps is Stamps written from its description, independently:
// clamp each reporter's clock and times, expand every reporter into Power
// copies of its value for the key, sort, and take the lower median (the
// element at index ⌈n/2⌉-1 of the n sorted copies). Reporters with no
// positive power take no part, not even in the key set.
func naiveStamps(in FairInput) map[TxKey]Stamp {
	lo, hi := in.BlockTime-in.Params.ClockSkewMs, in.BlockTime+in.Params.MaxLagMs
	type rep struct {
		power int64
		now   int64
		at    map[TxKey]int64
	}
	var reps []rep
	keys := make(map[TxKey]bool)
	for _, r := range in.Reporters {
		if r.Power <= 0 {
			continue
		}
		now := r.Report.Now
		if now < lo {
			now = lo
		}
		if now > hi {
			now = hi
		}
		x := rep{power: r.Power, now: now, at: make(map[TxKey]int64)}
		for _, s := range r.Report.Seen {
			at := s.At
			if at > now {
				at = now
			}
			if at < now-in.Params.MaxAgeMs {
				at = now - in.Params.MaxAgeMs
			}
			x.at[s.Key] = at
			keys[s.Key] = true
		}
		reps = append(reps, x)
	}
	out := make(map[TxKey]Stamp)
	for k := range keys {
		var flat []int64
		var reported int64
		for _, r := range reps {
			v, ok := r.at[k]
			if ok {
				reported += r.power
			} else {
				v = r.now
			}
			for i := int64(0); i < r.power; i++ {
				flat = append(flat, v)
			}
		}
		sort.Slice(flat, func(i, j int) bool { return flat[i] < flat[j] })
		out[k] = Stamp{
			Median:        flat[(len(flat)+1)/2-1],
			ReportedPower: reported,
			Eligible:      float64(reported) > float64(in.TotalPower)/3,
		}
	}
	return out
}

// genFairInput returns a random FairInput over a small key space with
// overlapping reports, clocks and times inside and outside the clamp
// windows, zero and negative powers, and non-reporting validator power.
func genFairInput(rng *rand.Rand, keys []TxKey) FairInput {
	in := FairInput{
		Params: ledger.FairParams{
			Enabled:     true,
			ClockSkewMs: int64(rng.Intn(3) * 500), MaxLagMs: int64(rng.Intn(3) * 1000),
			MaxAgeMs: int64([]int{0, 1, 700, 5000, 600000}[rng.Intn(5)]),
		},
		BlockTime: 1_700_000_000_000 + rng.Int63n(1e6),
		PrevHash:  []byte{byte(rng.Intn(256))},
	}
	spread := in.Params.ClockSkewMs + in.Params.MaxLagMs + 500
	for n := 1 + rng.Intn(7); n > 0; n-- {
		r := Reporter{Power: int64(rng.Intn(6))}
		if rng.Intn(15) == 0 {
			r.Power = -int64(rng.Intn(3))
		}
		r.Report.Now = in.BlockTime - in.Params.ClockSkewMs - 500 + rng.Int63n(2*spread)
		for _, k := range keys {
			if rng.Intn(3) == 0 {
				continue
			}
			var at int64
			switch rng.Intn(5) {
			case 0:
				at = r.Report.Now
			case 1:
				at = r.Report.Now - in.Params.MaxAgeMs + int64(rng.Intn(3)-1) // at the age bound
			case 2:
				at = r.Report.Now + int64(rng.Intn(1000)) // after its own clock (only byzantine)
			default:
				at = r.Report.Now - rng.Int63n(2*in.Params.MaxAgeMs+2000)
			}
			r.Report.Seen = append(r.Report.Seen, Seen{Key: k, At: at})
		}
		if r.Power > 0 {
			in.TotalPower += r.Power
		}
		in.Reporters = append(in.Reporters, r)
	}
	in.TotalPower += int64(rng.Intn(4)) // validators not in E
	return in
}

func testKeys(n int) []TxKey {
	out := make([]TxKey, n)
	for i := range out {
		out[i] = TxKey{byte(i + 1), 0xaa}
	}
	return out
}

func TestStampsMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	keys := testKeys(6)
	var eligible, clampedLow, clampedHigh int
	for run := 0; run < 2000; run++ {
		in := genFairInput(rng, keys)
		got, want := Stamps(in), naiveStamps(in)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("run %d: Stamps differs from the naive reference\ninput %+v\n got %+v\nwant %+v", run, in, got, want)
		}
		// Independent of the order of reporters and of their entries.
		perm := in
		perm.Reporters = append([]Reporter(nil), in.Reporters...)
		rng.Shuffle(len(perm.Reporters), func(i, j int) { perm.Reporters[i], perm.Reporters[j] = perm.Reporters[j], perm.Reporters[i] })
		for i := range perm.Reporters {
			s := append([]Seen(nil), perm.Reporters[i].Report.Seen...)
			rng.Shuffle(len(s), func(a, b int) { s[a], s[b] = s[b], s[a] })
			perm.Reporters[i].Report.Seen = s
		}
		if again := Stamps(perm); !reflect.DeepEqual(again, got) {
			t.Fatalf("run %d: permuting reporters changed the stamps", run)
		}
		for _, st := range got {
			if st.Eligible {
				eligible++
			}
		}
		for _, r := range in.Reporters {
			if r.Report.Now < in.BlockTime-in.Params.ClockSkewMs {
				clampedLow++
			}
			if r.Report.Now > in.BlockTime+in.Params.MaxLagMs {
				clampedHigh++
			}
		}
	}
	if eligible < 700 || clampedLow < 300 || clampedHigh < 300 {
		t.Fatalf("weak inputs: %d eligible stamps, %d clocks clamped up, %d down", eligible, clampedLow, clampedHigh)
	}
}

func TestStampsClampEdges(t *testing.T) {
	const bt = 1_000_000
	params := ledger.FairParams{Enabled: true, ClockSkewMs: 100, MaxLagMs: 200, MaxAgeMs: 50}
	k := TxKey{1}
	// One reporter: the median is its clamped value.
	for _, c := range []struct {
		name    string
		now, at int64
		want    int64
	}{
		{"inside", bt + 10, bt - 5, bt - 5},
		{"at now", bt + 10, bt + 10, bt + 10},
		{"after now", bt + 10, bt + 11, bt + 10},
		{"far after now", bt + 10, math.MaxInt64, bt + 10},
		{"at the age bound", bt + 10, bt + 10 - 50, bt + 10 - 50},
		{"one past the age bound", bt + 10, bt + 10 - 51, bt + 10 - 50},
		{"far in the past", bt + 10, math.MinInt64, bt + 10 - 50},
		{"clock at the skew bound", bt - 100, bt - 120, bt - 120},
		{"clock one past the skew bound", bt - 101, bt - 101, bt - 101},
		{"clock one past the skew bound, time at it", bt - 101, bt - 99, bt - 100},
		{"clock far behind", math.MinInt64, math.MinInt64, bt - 100 - 50},
		{"clock far behind, time at its clock", 0, 0, bt - 100 - 50},
		{"clock at the lag bound", bt + 200, bt + 200, bt + 200},
		{"clock one past the lag bound", bt + 201, bt + 201, bt + 200},
		{"clock far ahead", math.MaxInt64, math.MaxInt64, bt + 200},
		{"clock far ahead, old time", math.MaxInt64, bt, bt + 200 - 50},
	} {
		in := FairInput{Params: params, TotalPower: 1, BlockTime: bt, Reporters: []Reporter{{Power: 1, Report: Report{Now: c.now, Seen: []Seen{{k, c.at}}}}}}
		st, ok := Stamps(in)[k]
		if !ok || st.Median != c.want || !st.Eligible || st.ReportedPower != 1 {
			t.Errorf("%s: stamp %+v (%v), want median %d", c.name, st, ok, c.want)
		}
		if n := naiveStamps(in)[k]; n != st {
			t.Errorf("%s: naive %+v, Stamps %+v", c.name, n, st)
		}
	}
	// MaxAgeMs 0: every reported time is the reporter's clamped clock.
	in := FairInput{Params: ledger.FairParams{ClockSkewMs: 100, MaxLagMs: 200}, TotalPower: 2, BlockTime: bt, Reporters: []Reporter{
		{Power: 1, Report: Report{Now: bt + 7, Seen: []Seen{{k, 0}}}},
		{Power: 1, Report: Report{Now: bt + 9, Seen: []Seen{{k, bt}}}},
	}}
	if st := Stamps(in)[k]; st.Median != bt+7 {
		t.Errorf("MaxAgeMs 0: median %d, want %d", st.Median, bt+7)
	}
	// A non-reporter counts at its clamped clock.
	in = FairInput{Params: params, TotalPower: 3, BlockTime: bt, Reporters: []Reporter{
		{Power: 1, Report: Report{Now: bt, Seen: []Seen{{k, bt - 40}}}},
		{Power: 2, Report: Report{Now: bt + 1000}}, // clamped to bt+200
	}}
	if st := Stamps(in)[k]; st.Median != bt+200 || st.ReportedPower != 1 || st.Eligible {
		t.Errorf("non-reporter: %+v, want median %d, power 1, not eligible", st, bt+200)
	}
	// No reporters, or only powerless ones: no stamps.
	if s := Stamps(FairInput{Params: params, TotalPower: 4, BlockTime: bt}); len(s) != 0 {
		t.Errorf("no reporters: %v", s)
	}
	in = FairInput{Params: params, TotalPower: 4, BlockTime: bt, Reporters: []Reporter{
		{Power: 0, Report: Report{Now: bt, Seen: []Seen{{k, bt}}}},
		{Power: -3, Report: Report{Now: bt, Seen: []Seen{{TxKey{2}, bt}}}},
	}}
	if s := Stamps(in); len(s) != 0 {
		t.Errorf("powerless reporters produced stamps: %v", s)
	}
}

// TestStampsMedianIsLowerMedian pins the lower median on even splits.
func TestStampsMedianIsLowerMedian(t *testing.T) {
	const bt = 1_000_000
	params := ledger.FairParams{ClockSkewMs: 1000, MaxLagMs: 1000, MaxAgeMs: 1000}
	k := TxKey{9}
	rep := func(p int64, at int64) Reporter {
		return Reporter{Power: p, Report: Report{Now: bt, Seen: []Seen{{k, at}}}}
	}
	for _, c := range []struct {
		name string
		reps []Reporter
		want int64
	}{
		{"two equal", []Reporter{rep(1, bt-10), rep(1, bt-20)}, bt - 20},
		{"four equal", []Reporter{rep(1, bt-1), rep(1, bt-2), rep(1, bt-3), rep(1, bt-4)}, bt - 3},
		{"weighted half", []Reporter{rep(3, bt-1), rep(1, bt-2), rep(2, bt-3)}, bt - 2},
		{"heavy one", []Reporter{rep(5, bt-1), rep(1, bt-2), rep(1, bt-3)}, bt - 1},
		{"three", []Reporter{rep(1, bt-1), rep(1, bt-2), rep(1, bt-3)}, bt - 2},
	} {
		st := Stamps(FairInput{Params: params, TotalPower: 100, BlockTime: bt, Reporters: c.reps})[k]
		if st.Median != c.want {
			t.Errorf("%s: median %d, want %d", c.name, st.Median-bt, c.want-bt)
		}
	}
}

func TestStampsEligibilityAtOneThird(t *testing.T) {
	const bt = 1_000_000
	params := ledger.FairParams{ClockSkewMs: 1000, MaxLagMs: 1000, MaxAgeMs: 1000}
	k := TxKey{5}
	for _, c := range []struct {
		total, reported, silent int64
		want                    bool
	}{
		{3, 1, 2, false}, // exactly 1/3
		{3, 2, 1, true},
		{4, 1, 3, false},
		{4, 2, 2, true},        // 1/2
		{300, 100, 200, false}, // exactly 1/3
		{300, 101, 199, true},  // just above
		{301, 100, 201, false}, // just below
		{9, 3, 6, false},
		{9, 4, 5, true},
		{10, 3, 4, false}, // 3 validators' power not in E
		{10, 4, 3, true},  // 4 > 10/3
		{1 << 40, 1<<40/3 + 1, 1 << 39, true},
		{3 << 40, 1 << 40, 1 << 41, false},
	} {
		reps := []Reporter{{Power: c.reported, Report: Report{Now: bt, Seen: []Seen{{k, bt - 1}}}}}
		if c.silent > 0 {
			reps = append(reps, Reporter{Power: c.silent, Report: Report{Now: bt}})
		}
		in := FairInput{Params: params, TotalPower: c.total, BlockTime: bt, Reporters: reps}
		st := Stamps(in)[k]
		if st.Eligible != c.want || st.ReportedPower != c.reported {
			t.Errorf("reported %d of %d: eligible %v (power %d), want %v", c.reported, c.total, st.Eligible, st.ReportedPower, c.want)
		}
	}
	// Split across several reporters: 1+1+1 of 9 is not eligible, 1+1+1+1 is.
	for n, want := range map[int]bool{3: false, 4: true} {
		var reps []Reporter
		for i := 0; i < 9; i++ {
			r := Reporter{Power: 1, Report: Report{Now: bt}}
			if i < n {
				r.Report.Seen = []Seen{{k, bt - int64(i)}}
			}
			reps = append(reps, r)
		}
		if st := Stamps(FairInput{Params: params, TotalPower: 9, BlockTime: bt, Reporters: reps})[k]; st.Eligible != want {
			t.Errorf("%d of 9 unit reporters: eligible %v, want %v", n, st.Eligible, want)
		}
	}
}

// TestStampsByzantineRobustness: honest reporters hold more than 2/3 of
// the total power and report honestly (clock within the clamp window,
// times within MaxAgeMs of it); byzantine ones (less than 1/3) report
// anything: arbitrary clocks, times, extreme values, keys they never saw,
// nothing at all. Every key's median lies within the range of the honest
// values for it (an honest non-reporter counting at its clock), over the
// honest reporters in E.
func TestStampsByzantineRobustness(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	keys := testKeys(8)
	params := ledger.FairParams{Enabled: true, ClockSkewMs: 1000, MaxLagMs: 30000, MaxAgeMs: 600000}
	var checked, movedByByz int
	for run := 0; run < 2000; run++ {
		bt := 1_700_000_000_000 + rng.Int63n(1e9)
		in := FairInput{Params: params, BlockTime: bt}
		var honest, byz []Reporter
		var honestPower, byzPower int64
		for n := 1 + rng.Intn(6); n > 0; n-- {
			r := Reporter{Power: 1 + int64(rng.Intn(10))}
			r.Report.Now = bt - params.ClockSkewMs + rng.Int63n(params.ClockSkewMs+params.MaxLagMs+1)
			for _, k := range keys {
				if rng.Intn(4) != 0 {
					r.Report.Seen = append(r.Report.Seen, Seen{Key: k, At: r.Report.Now - rng.Int63n(params.MaxAgeMs+1)})
				}
			}
			honest = append(honest, r)
			honestPower += r.Power
		}
		// Byzantine power strictly below a third of the total.
		budget := (honestPower - 1) / 2 // 3b < honest + b  ⇔  2b < honest
		for budget > 0 && rng.Intn(4) != 0 {
			p := 1 + rng.Int63n(budget)
			budget -= p
			r := Reporter{Power: p}
			switch rng.Intn(4) {
			case 0:
				r.Report.Now = math.MinInt64 + rng.Int63n(10)
			case 1:
				r.Report.Now = math.MaxInt64 - rng.Int63n(10)
			default:
				r.Report.Now = bt + rng.Int63n(200000) - 100000
			}
			for _, k := range append(keys, TxKey{0xee}) {
				if rng.Intn(3) == 0 {
					continue
				}
				var at int64
				switch rng.Intn(4) {
				case 0:
					at = math.MinInt64
				case 1:
					at = math.MaxInt64
				default:
					at = bt + rng.Int63n(2e6) - 1e6
				}
				r.Report.Seen = append(r.Report.Seen, Seen{Key: k, At: at})
			}
			byz = append(byz, r)
			byzPower += r.Power
		}
		in.TotalPower = honestPower + byzPower
		if !quorumMoreThanTwoThirds(honestPower, in.TotalPower) {
			t.Fatalf("run %d: generator gave honest power %d of %d", run, honestPower, in.TotalPower)
		}
		in.Reporters = append(append([]Reporter(nil), honest...), byz...)
		rng.Shuffle(len(in.Reporters), func(i, j int) { in.Reporters[i], in.Reporters[j] = in.Reporters[j], in.Reporters[i] })
		stamps := Stamps(in)
		honestOnly := Stamps(FairInput{Params: params, BlockTime: bt, TotalPower: in.TotalPower, Reporters: honest})
		for _, k := range keys {
			lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
			anyReported := false
			for _, h := range honest {
				v := h.Report.Now
				for _, s := range h.Report.Seen {
					if s.Key == k {
						v, anyReported = s.At, true
					}
				}
				lo, hi = min(lo, v), max(hi, v)
			}
			st, ok := stamps[k]
			if !ok {
				if anyReported {
					t.Fatalf("run %d: key %x reported by an honest validator has no stamp", run, k)
				}
				continue
			}
			if st.Median < lo || st.Median > hi {
				t.Fatalf("run %d: key %x median %d outside honest range [%d, %d] (byzantine power %d of %d)",
					run, k, st.Median-bt, lo-bt, hi-bt, byzPower, in.TotalPower)
			}
			if h, ok := honestOnly[k]; ok && h.Median != st.Median {
				movedByByz++
			}
			checked++
		}
	}
	if checked < 5000 || movedByByz < 500 {
		t.Fatalf("weak coverage: %d stamps checked, %d moved by byzantine reports", checked, movedByByz)
	}
	t.Logf("%d stamps checked, %d of them moved by byzantine reports (within the honest range)", checked, movedByByz)
}

func quorumMoreThanTwoThirds(part, total int64) bool { return 3*part > 2*total }
