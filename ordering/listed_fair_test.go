package ordering

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/ordolabs/ordo/sequencer/tx"
)

const listedBT = 1_700_000_000_000

// listedFairInput has three reporters of power 1 whose clocks are
// BlockTime+100, +700 and +900 ms (inside the clamp window), so the clock
// median is +700. reports[t][i] is reporter i's first-seen offset for t,
// or noReport (reporter i did not report t); txs absent from the map are
// reported by nobody.
func listedFairInput(reports map[*tx.Tx][3]int64) Input {
	in, _ := fixture()
	in.State = fairReader()
	in.Fair = &FairInput{Params: testFairParams, TotalPower: 3, BlockTime: listedBT, PrevHash: []byte("listed prev")}
	for i, now := range []int64{100, 700, 900} {
		r := Reporter{Power: 1, Report: Report{Now: listedBT + now}}
		for t, at := range reports {
			if at[i] != noReport {
				r.Report.Seen = append(r.Report.Seen, Seen{Key: KeyOf(t.Hash), At: listedBT + at[i]})
			}
		}
		in.Fair.Reporters = append(in.Fair.Reporters, r)
	}
	return in
}

const noReport = -1 << 62

// TestFairListedPlacement: under fair ordering, listed txs are eligible
// and placed by their median: x (all at -50) → -50; d (one reporter of
// three, at -400: not eligible by reports) → median of {-400, +100, +700}
// = +100; a (all at +300, clamped to +100 by the first reporter's clock)
// → +300; L (nobody reported it) → the clock median +700.
func TestFairListedPlacement(t *testing.T) {
	txs := oneTxPerAccount(t)
	x, d, a, L := txs[10], txs[11], txs[12], txs[13]
	in := listedFairInput(map[*tx.Tx][3]int64{
		x: {-50, -50, -50},
		d: {noReport, noReport, -400},
		a: {300, 300, 300},
	})

	stamps := StampsFor(*in.Fair, nil)
	if st := stamps[KeyOf(d.Hash)]; st.Eligible || st.ReportedPower != 1 || st.Median != listedBT+100 {
		t.Fatalf("d's stamp %+v", st)
	}
	stampListed(*in.Fair, stamps, []TxKey{KeyOf(d.Hash), KeyOf(L.Hash)})
	if st := stamps[KeyOf(d.Hash)]; !st.Eligible || st.Median != listedBT+100 || st.ReportedPower != 1 {
		t.Fatalf("listed d's stamp %+v: want eligible at its median +100", st)
	}
	if st := stamps[KeyOf(L.Hash)]; !st.Eligible || st.Median != listedBT+700 {
		t.Fatalf("listed unreported L's stamp %+v: want eligible at the clock median +700", st)
	}

	pool := cands(L, a, d, x)
	if got := mustOrder(t, in, pool).Txs; !sameTxs(got, x, a) {
		t.Fatalf("nothing listed: Order built %v, want [x a]", hashes(got))
	}
	lin := withListedTxs(in, d, L)
	wantRequired(t, lin, firstBy(d, L), secondBy(d, L))
	want := []*tx.Tx{x, d, a, L}
	for name, c := range map[string]struct {
		pool []Candidate
		want []*tx.Tx
	}{
		"pool holds all":     {pool, want},
		"pool holds x and a": {cands(a, x), want},
		"pool holds none":    {nil, []*tx.Tx{d, L}},
	} {
		if got := mustOrder(t, lin, c.pool).Txs; !sameTxs(got, c.want...) {
			t.Fatalf("%s: Order built %v, want %v", name, hashes(got), hashes(c.want))
		}
	}
	if v := fairListedViolation(lin, want); v != "" {
		t.Fatalf("naive fair check: %s", v)
	}

	for _, c := range []struct {
		name  string
		in    Input
		block []*tx.Tx
		frag  string
	}{
		{"fair", lin, want, ""},
		{"d at its own report time, ahead of x", lin, []*tx.Tx{d, x, a, L}, "fair order"},
		{"d after a", lin, []*tx.Tx{x, a, d, L}, "fair order"},
		{"L first", lin, []*tx.Tx{L, x, d, a}, "fair order"},
		{"L before a", lin, []*tx.Tx{x, d, L, a}, "fair order"},
		{"L missing", lin, []*tx.Tx{x, d, a}, "listed tx " + L.Hash.String()},
		{"d missing", lin, []*tx.Tx{x, a, L}, "listed tx " + d.Hash.String()},
		{"d not listed", withListedTxs(in, L), want, "not eligible"},
		{"L not listed", withListedTxs(in, d), want, "not eligible"},
	} {
		err := Check(c.in, c.block)
		if c.frag == "" {
			if err != nil {
				t.Errorf("%s: rejected: %v", c.name, err)
			}
			continue
		}
		if err == nil || tx.CodeOf(err) != tx.ErrBlockRule.Code || !strings.Contains(err.Error(), c.frag) {
			t.Errorf("%s: Check = %v, want ErrBlockRule mentioning %q", c.name, err, c.frag)
		}
	}
}

func sameTxs(got []*tx.Tx, want ...*tx.Tx) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].Hash != want[i].Hash {
			return false
		}
	}
	return true
}

// TestFairListedReservation: under fair ordering the required listed tx
// comes last (latest median) and unlisted txs ahead of it would fill the
// block bytes, or alpha's 300-byte cap; the reservation keeps room for it.
func TestFairListedReservation(t *testing.T) {
	for _, alpha := range []bool{false, true} {
		name := map[bool]string{false: "block bytes", true: "rollup cap"}[alpha]
		t.Run(name, func(t *testing.T) {
			var u []*tx.Tx
			times := make(map[*tx.Tx][3]int64)
			for i := 0; i < 6; i++ {
				act := transfer(signers[0].addr, 1)
				if alpha {
					act = data("alpha", 100)
				}
				tr := fairSigners[20+i].sign(t, 0, fee, act)
				u = append(u, tr)
				at := int64(-600 + 100*i)
				times[tr] = [3]int64{at, at, at}
			}
			lact := transfer(signers[1].addr, 1)
			if alpha {
				lact = data("alpha", 100)
			}
			L := fairSigners[30].sign(t, 0, fee, lact)
			times[L] = [3]int64{50, 50, 50} // reported by all: eligible, but the latest
			in := listedFairInput(times)
			if !alpha {
				in.MaxBlockBytes = sizeOf(u[:3]...)
			}
			pool := cands(append(append([]*tx.Tx(nil), u...), L)...)
			if got := mustOrder(t, in, pool).Txs; !sameTxs(got, u[:3]...) {
				t.Fatalf("unlisted: Order built %v, want the three earliest", hashes(got))
			}
			lin := withListedTxs(in, L)
			wantRequired(t, lin, L)
			got := mustOrder(t, lin, pool).Txs
			if !sameTxs(got, u[0], u[1], L) {
				t.Fatalf("listed: Order built %v, want u0 u1 L", hashes(got))
			}
			if v := fairListedViolation(lin, got); v != "" {
				t.Fatal(v)
			}
			wantListedMissing(t, Check(lin, u[:3]), L)
			wantListedMissing(t, Check(lin, u[:2]), L)
		})
	}
}

// TestClockMedianMatchesNaive: the stamp of an unreported listed key is
// the power-weighted lower median of the clamped clocks.
func TestClockMedianMatchesNaive(t *testing.T) {
	in := FairInput{Params: testFairParams, BlockTime: listedBT}
	for _, c := range []struct {
		nows   []int64
		powers []int64
		want   int64
	}{
		{[]int64{100, 700, 900}, []int64{1, 1, 1}, 700},
		{[]int64{-5000, -3000, 900}, []int64{1, 1, 1}, -1000}, // clocks below BlockTime-ClockSkew are clamped
		{[]int64{-5000, -3000, 900}, []int64{1, 1, 5}, 900},   // power weighs
		{[]int64{100, 90_000}, []int64{1, 3}, 30_000},         // clamped to BlockTime+MaxLag
		{[]int64{100, 700}, []int64{1, 1}, 100},               // lower median
		{[]int64{100, 700, -900}, []int64{2, 2, 0}, 100},      // zero power takes no part
		{[]int64{100, 700, -900}, []int64{2, 2, -7}, 100},     // nor does negative power
		{[]int64{400}, []int64{9}, 400},
	} {
		in.Reporters = nil
		for i, now := range c.nows {
			in.Reporters = append(in.Reporters, Reporter{Power: c.powers[i], Report: Report{Now: listedBT + now}})
		}
		if got := clockMedian(in); got != listedBT+c.want {
			t.Errorf("clocks %v powers %v: clockMedian %+d, want %+d", c.nows, c.powers, got-listedBT, c.want)
		}
		if got := naiveClockMedian(in); got != listedBT+c.want {
			t.Errorf("clocks %v powers %v: naive %+d, want %+d (test bug)", c.nows, c.powers, got-listedBT, c.want)
		}
	}
	rng := rand.New(rand.NewSource(11))
	keys := testKeys(4)
	unreported := TxKey{0xfe, 0xed}
	for run := 0; run < 2000; run++ {
		in := genFairInput(rng, keys)
		if clockMedian(in) != naiveClockMedian(in) {
			t.Fatalf("run %d: clockMedian %d, naive %d for %+v", run, clockMedian(in), naiveClockMedian(in), in)
		}
		// An unreported listed key gets the stamp any key nobody reported
		// would get from the reporters' clocks: the same median as a key
		// every reporter "saw" at its own clock.
		stamps := StampsFor(in, nil)
		stampListed(in, stamps, []TxKey{unreported, keys[0]})
		if st := stamps[unreported]; !st.Eligible || st.Median != naiveClockMedian(in) || st.ReportedPower != 0 {
			t.Fatalf("run %d: unreported listed stamp %+v, clock median %d", run, st, naiveClockMedian(in))
		}
		want := naiveStamps(in)[keys[0]]
		if st := stamps[keys[0]]; !st.Eligible || (want.ReportedPower > 0 && (st.Median != want.Median || st.ReportedPower != want.ReportedPower)) {
			t.Fatalf("run %d: listed reported stamp %+v, naive %+v", run, st, want)
		}
	}
}

// TestFairListedRequiredOverCap: under fair ordering, two listed 200-byte
// alpha txs (cap 300) of different senders: only the first by address is
// required, and the other one, although earlier in fair order (and
// eligible, and valid), must leave the required tx's room free. Order's
// block holds the required tx and passes Check; the block with the other
// one instead is rejected, and so is the block holding none.
func TestFairListedRequiredOverCap(t *testing.T) {
	x := fairSigners[40].sign(t, 0, fee, data("alpha", 200))
	y := fairSigners[41].sign(t, 0, fee, data("alpha", 200))
	req, other := byAddress(x, y)
	in := listedFairInput(map[*tx.Tx][3]int64{other: {-500, -500, -500}, req: {-100, -100, -100}})
	in = withListedTxs(in, x, y)
	wantRequired(t, in, req)
	for name, pool := range map[string][]Candidate{"pool empty": nil, "pool holds both": cands(other, req)} {
		got := mustOrder(t, in, pool).Txs
		if !sameTxs(got, req) {
			t.Fatalf("%s: Order built %v, want only the required tx", name, hashes(got))
		}
		if v := fairListedViolation(in, got); v != "" {
			t.Fatal(v)
		}
	}
	wantListedMissing(t, Check(in, []*tx.Tx{other}), req)
	wantListedMissing(t, Check(in, nil), req)
}
