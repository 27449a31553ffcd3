package ordering

import (
	"errors"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/ordolabs/ordo/sequencer/tx"
)

func withListedTxs(in Input, listed ...*tx.Tx) Input {
	in.Listed = listed
	return in
}

func sizeOf(txs ...*tx.Tx) int64 {
	var n int64
	for _, t := range txs {
		n += TxEncodedSize(t.Size())
	}
	return n
}

func contains(block []*tx.Tx, t *tx.Tx) bool {
	for _, b := range block {
		if b.Hash == t.Hash {
			return true
		}
	}
	return false
}

// wantListedMissing asserts err is the inclusion-list rejection of t.
func wantListedMissing(tb testing.TB, err error, t *tx.Tx) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("block omitting listed tx %s accepted", t.Hash)
	}
	if !errors.Is(err, tx.ErrBlockRule) || tx.CodeOf(err) != tx.ErrBlockRule.Code {
		tb.Fatalf("error %v (code %d) does not carry ErrBlockRule", err, tx.CodeOf(err))
	}
	msg := err.Error()
	if !strings.Contains(msg, "listed tx "+t.Hash.String()) || !strings.Contains(msg, "missing") {
		tb.Fatalf("error %q does not say listed tx %s is missing", msg, t.Hash)
	}
}

// TestOrderIncludesListedTxWhenPoolFillsBlock: the pool offers more than
// a block of other txs; the required listed tx (which the proposer's pool
// does not even hold) is in the block, and the block passes Check.
func TestOrderIncludesListedTxWhenPoolFillsBlock(t *testing.T) {
	in, _ := fixture()
	var pool []*tx.Tx
	for n := uint64(0); n < 10; n++ {
		pool = append(pool, alice.sign(t, n, fee, data("beta", 60)))
	}
	listed := dave.sign(t, 0, fee, data("beta", 60))
	in.MaxBlockBytes = sizeOf(pool[:4]...) // room for four txs of this size
	if got := mustOrder(t, in, cands(pool...)).Txs; len(got) != 4 || contains(got, listed) {
		t.Fatalf("without the list: %d txs", len(got))
	}
	lin := withListedTxs(in, listed)
	b := mustOrder(t, lin, cands(pool...))
	if !contains(b.Txs, listed) {
		t.Fatalf("listed tx left out of a block the pool filled: %v", hashes(b.Txs))
	}
	wantTxs(t, b.Txs, listed, pool[0], pool[1], pool[2])
	// The block Order would have built without the list now omits a
	// required tx.
	wantListedMissing(t, Check(lin, pool[:4]), listed)
	wantListedMissing(t, Check(lin, pool[:3]), listed) // room left, still missing
}

// TestOrderIncludesListedTxAheadOfRollupCap: unlisted txs that arrived
// first would fill alpha's 300-byte cap; the required listed alpha tx
// still goes in.
func TestOrderIncludesListedTxAheadOfRollupCap(t *testing.T) {
	in, _ := fixture()
	a0 := alice.sign(t, 0, fee, data("alpha", 150))
	a1 := alice.sign(t, 1, fee, data("alpha", 150))
	d0 := dave.sign(t, 0, fee, data("beta", 10))
	listed := bob.sign(t, 5, fee, data("alpha", 200))
	if got := mustOrder(t, in, cands(a0, a1, d0, listed)).Txs; contains(got, listed) {
		t.Fatalf("unlisted, the late alpha tx should not fit: %v", hashes(got))
	}
	lin := withListedTxs(in, listed)
	b := mustOrder(t, lin, cands(a0, a1, d0))
	if !contains(b.Txs, listed) || contains(b.Txs, a0) {
		t.Fatalf("block %v: want the listed alpha tx and no unlisted alpha tx (cap 300)", hashes(b.Txs))
	}
	wantTxs(t, b.Txs, listed, d0)
	wantListedMissing(t, Check(lin, []*tx.Tx{a0, a1, d0}), listed)
	wantListedMissing(t, Check(lin, []*tx.Tx{a0, d0}), listed)
}

// TestOrderListedBehindItsAccountsLowerNonce: a listed tx whose lower
// nonce is an unlisted pool tx is not required (in isolation on the
// committed state its nonce is in the future), but Order still offers it
// as listed: right after its lower nonce, ahead of other accounts' later
// arrivals. A block without it is valid too.
func TestOrderListedBehindItsAccountsLowerNonce(t *testing.T) {
	in, _ := fixture()
	var bobs []*tx.Tx
	for n := uint64(5); n < 12; n++ {
		bobs = append(bobs, bob.sign(t, n, fee, data("beta", 60)))
	}
	d0 := dave.sign(t, 0, fee, data("beta", 60))
	listed := dave.sign(t, 1, fee, data("beta", 60))
	in.MaxBlockBytes = sizeOf(bobs[:4]...)
	// dave's nonce 0 arrives first; bob's txs would otherwise take the rest.
	c := append([]Candidate{{Tx: d0, Seq: 1}}, cands(bobs...)...)
	for i := range c[1:] {
		c[1+i].Seq += 1
	}
	lin := withListedTxs(in, listed)
	wantRequired(t, lin)
	b := mustOrder(t, lin, c)
	wantTxs(t, b.Txs, d0, listed, bobs[0], bobs[1])
	if err := Check(lin, bobs[:4]); err != nil {
		t.Fatalf("a block without the listed tx, which is not required, is rejected: %v", err)
	}
}

// TestCheckListedRule: explicit blocks for and against the rule: the block
// must contain every required tx (Required), and nothing else is asked of
// the listed txs.
func TestCheckListedRule(t *testing.T) {
	in, _ := fixture()
	b4 := bob.sign(t, 4, fee, data("beta", 10)) // stale: bob is at nonce 5
	b4reg := bob.sign(t, 4, fee, register("delta", 0))
	b5 := bob.sign(t, 5, fee, data("beta", 10))
	b5other := bob.sign(t, 5, fee+1, data("beta", 10))
	b6 := bob.sign(t, 6, fee, data("beta", 10))
	b7 := bob.sign(t, 7, fee, data("beta", 10))
	a0 := alice.sign(t, 0, fee, data("beta", 10))
	a1 := alice.sign(t, 1, fee, data("beta", 10))
	a1cheap := alice.sign(t, 1, 1, data("beta", 1))
	a2 := alice.sign(t, 2, fee, data("beta", 10))
	a0alpha := alice.sign(t, 0, fee, data("alpha", 200))
	bAlpha := bob.sign(t, 5, fee, data("alpha", 200))
	d0alpha50 := dave.sign(t, 0, fee, data("alpha", 50))
	d0beta := dave.sign(t, 0, fee, data("beta", 10))
	poorCarol := carol.sign(t, 0, 500, data("beta", 1))            // carol holds 100
	cheap := alice.sign(t, 0, 1, data("beta", 1))                  // below the minimum fee
	unknown := alice.sign(t, 0, fee, data("zzz", 1))               // never registered
	daveSpends := dave.sign(t, 0, 500, transfer(carol.addr, 1000)) // leaves dave 500
	daveNext := dave.sign(t, 1, 1000, data("beta", 1))             // payable before daveSpends, not after
	fundCarol := dave.sign(t, 0, fee, transfer(carol.addr, 900))
	regDelta := alice.sign(t, 0, fee, register("delta", 0))
	useDelta := bob.sign(t, 5, fee, data("delta", 5))
	lowB5, highB5 := b5, b5other // one tx per nonce: the lowest hash
	if string(b5other.Hash[:]) < string(b5.Hash[:]) {
		lowB5, highB5 = b5other, b5
	}
	firstAlpha, secondAlpha := byAddress(a0alpha, bAlpha)

	type tc struct {
		name     string
		listed   []*tx.Tx
		block    []*tx.Tx
		maxBytes int64
		missing  *tx.Tx // nil: the block must be accepted
	}
	cases := []tc{
		{name: "listed tx included", listed: []*tx.Tx{b5}, block: []*tx.Tx{b5}},
		{name: "listed tx included among others", listed: []*tx.Tx{b5}, block: []*tx.Tx{a0, b5, b6}},
		{name: "empty block omits a required tx", listed: []*tx.Tx{b5}, block: nil, missing: b5},
		{name: "unlisted tx instead of the required one", listed: []*tx.Tx{b5}, block: []*tx.Tx{a0}, missing: b5},
		{name: "second of two required txs omitted", listed: []*tx.Tx{b5, a0}, block: []*tx.Tx{b5}, missing: a0},
		{name: "a sender's required nonces: the later omitted", listed: []*tx.Tx{b5, b6}, block: []*tx.Tx{b5}, missing: b6},
		{name: "another tx for the required tx's nonce", listed: []*tx.Tx{b5}, block: []*tx.Tx{b5other}, missing: b5},

		// One tx per nonce: the lowest hash is required, its sibling not.
		{name: "siblings: lowest hash included", listed: []*tx.Tx{b5, b5other}, block: []*tx.Tx{lowB5}},
		{name: "siblings: the other included", listed: []*tx.Tx{b5, b5other}, block: []*tx.Tx{highB5}, missing: lowB5},
		{name: "siblings: the run goes on after the lowest hash", listed: []*tx.Tx{b5, b5other, b6}, block: []*tx.Tx{lowB5}, missing: b6},

		// Stale txs are skipped, and do not end their sender's run.
		{name: "stale alone", listed: []*tx.Tx{b4}, block: nil},
		{name: "stale sibling, next nonce omitted", listed: []*tx.Tx{b4, b5}, block: nil, missing: b5},
		{name: "stale sibling, next nonce included", listed: []*tx.Tx{b4, b5}, block: []*tx.Tx{b5}},
		{name: "stale registration, next nonce omitted", listed: []*tx.Tx{b4reg, b5}, block: []*tx.Tx{a0}, missing: b5},

		// Not required: cannot run on the committed state by its sender
		// alone, or behind one that cannot.
		{name: "future nonce", listed: []*tx.Tx{b7}, block: nil},
		{name: "future nonce, runnable after the block's txs", listed: []*tx.Tx{b7}, block: []*tx.Tx{b5, b6}},
		{name: "unpayable", listed: []*tx.Tx{poorCarol}, block: nil},
		{name: "unpayable, funded by the block", listed: []*tx.Tx{poorCarol}, block: []*tx.Tx{fundCarol}},
		{name: "fee below the minimum", listed: []*tx.Tx{cheap}, block: []*tx.Tx{b5}},
		{name: "unknown rollup", listed: []*tx.Tx{unknown}, block: nil},
		{name: "rollup registered in this block", listed: []*tx.Tx{useDelta}, block: []*tx.Tx{regDelta}},
		{name: "RegisterRollup", listed: []*tx.Tx{regDelta}, block: nil},
		{name: "RegisterRollup ends its sender's run", listed: []*tx.Tx{regDelta, a1}, block: []*tx.Tx{b5}},
		{name: "run ends at a bad fee", listed: []*tx.Tx{a0, a1cheap, a2}, block: []*tx.Tx{a0}},
		{name: "run ends at a bad fee, first omitted", listed: []*tx.Tx{a0, a1cheap, a2}, block: nil, missing: a0},
		{name: "gap in the list", listed: []*tx.Tx{a0, a2}, block: []*tx.Tx{a0}},
		{name: "fees burnt: the second is unpayable in isolation", listed: []*tx.Tx{daveSpends, daveNext}, block: []*tx.Tx{daveSpends}},
		{name: "fees burnt: the first is still required", listed: []*tx.Tx{daveSpends, daveNext}, block: nil, missing: daveSpends},

		// Room: block bytes.
		{name: "block holds one of two: the first by address is required", listed: []*tx.Tx{b5, a0alpha},
			block: []*tx.Tx{firstBy(b5, a0alpha)}, maxBytes: sizeOf(b5) + sizeOf(a0alpha) - 1},
		{name: "block holds one of two: the other one instead", listed: []*tx.Tx{b5, a0alpha},
			block: []*tx.Tx{secondBy(b5, a0alpha)}, maxBytes: sizeOf(b5) + sizeOf(a0alpha) - 1, missing: firstBy(b5, a0alpha)},
		{name: "larger than the whole block", listed: []*tx.Tx{a0alpha}, block: nil, maxBytes: sizeOf(a0alpha) - 1},
		{name: "does not fit because unlisted txs take the bytes", listed: []*tx.Tx{a0alpha},
			block: []*tx.Tx{b5, b6}, maxBytes: sizeOf(b5, b6) + sizeOf(a0alpha) - 1, missing: a0alpha},
		{name: "fits exactly after unlisted txs", listed: []*tx.Tx{a0alpha},
			block: []*tx.Tx{b5, b6}, maxBytes: sizeOf(b5, b6) + sizeOf(a0alpha), missing: a0alpha},
		{name: "fits exactly and included", listed: []*tx.Tx{a0alpha},
			block: []*tx.Tx{b5, b6, a0alpha}, maxBytes: sizeOf(b5, b6) + sizeOf(a0alpha)},

		// Room: rollup caps (alpha: 300 bytes per block).
		{name: "alpha holds one of two listed txs", listed: []*tx.Tx{bAlpha, a0alpha}, block: []*tx.Tx{firstAlpha}},
		{name: "alpha holds one of two, the other one included", listed: []*tx.Tx{bAlpha, a0alpha},
			block: []*tx.Tx{secondAlpha}, missing: firstAlpha},
		{name: "alpha holds one of two, unlisted beta tx", listed: []*tx.Tx{bAlpha, a0alpha},
			block: []*tx.Tx{firstAlpha, d0beta}},
		{name: "alpha holds one of two, unlisted alpha tx in the rest", listed: []*tx.Tx{bAlpha, a0alpha},
			block: []*tx.Tx{firstAlpha, d0alpha50}},
		{name: "alpha filled by an unlisted tx", listed: []*tx.Tx{bAlpha}, block: []*tx.Tx{a0alpha}, missing: bAlpha},
		{name: "alpha partly filled by an unlisted tx", listed: []*tx.Tx{bAlpha}, block: []*tx.Tx{d0alpha50}, missing: bAlpha},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := withListedTxs(in, c.listed...)
			in.MaxBlockBytes = c.maxBytes
			noList := in
			noList.Listed = nil
			if err := Check(noList, c.block); err != nil {
				t.Fatalf("the block breaks another rule: %v", err)
			}
			err := Check(in, c.block)
			if c.missing == nil {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
			} else {
				wantListedMissing(t, err, c.missing)
			}
			if v := naiveListedViolation(in, in.State.(*mapReader), c.block); (v == "") != (c.missing == nil) {
				t.Fatalf("the naive rule disagrees with the case: %q", v)
			}
			// Whatever the case, Order's block for the same list passes.
			mustOrder(t, in, cands(c.block...))
		})
	}
}

func firstBy(x, y *tx.Tx) *tx.Tx  { f, _ := byAddress(x, y); return f }
func secondBy(x, y *tx.Tx) *tx.Tx { _, s := byAddress(x, y); return s }

// TestCheckOmittedListedTxs: a block omitting a required tx is rejected;
// one omitting a listed tx that is not required is accepted: the second
// account whose tx overflows a rollup's cap, a RegisterRollup tx, an
// unpayable tx, a stale tx, a tx behind its sender's unlisted nonce.
func TestCheckOmittedListedTxs(t *testing.T) {
	in, _ := fixture()
	a0 := alice.sign(t, 0, fee, data("alpha", 200))
	b5 := bob.sign(t, 5, fee, data("alpha", 200)) // alpha caps at 300
	reg := dave.sign(t, 0, fee, register("delta", 0))
	unpayable := carol.sign(t, 0, 500, data("beta", 1)) // carol holds 100
	stale := bob.sign(t, 4, fee, data("beta", 1))
	behind := bob.sign(t, 7, fee, data("beta", 1)) // bob's nonce 6 is not listed
	req, over := byAddress(a0, b5)
	in = withListedTxs(in, a0, b5, reg, unpayable, stale, behind)
	wantRequired(t, in, req)
	checkVerdicts(t, in, [][]*tx.Tx{{req}}, map[*tx.Tx][]*tx.Tx{
		req: {over}, // omitting the required one for the one it leaves out
	})
	wantListedMissing(t, Check(in, []*tx.Tx{reg}), req)
	wantListedMissing(t, Check(in, nil), req)
	for name, block := range map[string][]*tx.Tx{
		"all that can go in":       {req, reg},
		"without the registration": {req},
	} {
		if err := Check(in, block); err != nil {
			t.Errorf("%s: rejected: %v", name, err)
		}
	}
	b := mustOrder(t, in, nil)
	if !contains(b.Txs, req) || contains(b.Txs, over) {
		t.Fatalf("Order built %v", hashes(b.Txs))
	}
}

// TestCheckListedDuplicatesAndOrderIndependence: a tx listed by several
// validators counts once, and Check's verdict does not depend on the
// order of Listed.
func TestCheckListedDuplicatesAndOrderIndependence(t *testing.T) {
	in, _ := fixture()
	b5 := bob.sign(t, 5, fee, data("beta", 10))
	a0 := alice.sign(t, 0, fee, data("beta", 10))
	for _, listed := range [][]*tx.Tx{{b5, b5}, {a0, b5, a0}, {b5, a0}} {
		lin := withListedTxs(in, listed...)
		if err := Check(lin, []*tx.Tx{a0, b5}); err != nil {
			t.Fatalf("listed %v: full block rejected: %v", hashes(listed), err)
		}
		wantListedMissing(t, Check(lin, []*tx.Tx{a0}), b5)
		distinct := map[tx.Hash]bool{}
		for _, l := range listed {
			distinct[l.Hash] = true
		}
		if b := mustOrder(t, lin, nil); len(b.Txs) != len(distinct) {
			t.Fatalf("listed %v: Order built %v", hashes(listed), hashes(b.Txs))
		}
		// The same txs offered by the pool too: each once.
		if b := mustOrder(t, lin, cands(b5, a0, b5)); len(b.Txs) != 2 {
			t.Fatalf("listed %v and pooled: Order built %v", hashes(listed), hashes(b.Txs))
		}
	}
}

// TestListedReaderErrorIsInternal: a failing state read while checking a
// missing listed tx is the node's failure, not a bad block.
func TestListedReaderErrorIsInternal(t *testing.T) {
	in, base := fixture()
	b5 := bob.sign(t, 5, fee, data("beta", 10))
	base.fail = true
	if err := Check(withListedTxs(in, b5), nil); tx.CodeOf(err) != tx.ErrInternal.Code {
		t.Fatalf("Check: %v, want an internal error", err)
	}
	if _, err := Order(withListedTxs(in, b5), nil); tx.CodeOf(err) != tx.ErrInternal.Code {
		t.Fatalf("Order: %v, want an internal error", err)
	}
}

// TestRequiredCanonicalOrder: Required lists senders in address order,
// each sender's txs in nonce order, whatever the order of Listed and
// however often a tx repeats; a failing state read is an internal error.
func TestRequiredCanonicalOrder(t *testing.T) {
	in, base := fixture()
	var listed, want []*tx.Tx
	senders := []signer{alice, bob, dave}
	sort.Slice(senders, func(i, j int) bool { return string(senders[i].addr[:]) < string(senders[j].addr[:]) })
	for _, s := range senders {
		nonce := base.accounts[s.addr].Nonce
		for k := uint64(0); k < 2; k++ {
			tr := s.sign(t, nonce+k, 500, transfer(signers[6].addr, 1)) // dave (2000) pays both
			listed = append(listed, tr)
			want = append(want, tr)
		}
	}
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 20; i++ {
		l := append([]*tx.Tx(nil), listed...)
		for n := rng.Intn(3); n > 0; n-- {
			l = append(l, listed[rng.Intn(len(listed))])
		}
		rng.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
		wantRequired(t, withListedTxs(in, l...), want...)
	}
	base.fail = true
	if _, err := Required(withListedTxs(in, listed...)); tx.CodeOf(err) != tx.ErrInternal.Code {
		t.Fatalf("Required on a failing reader: %v, want an internal error", err)
	}
}

// TestOrderListedWinsItsNonce: a pool tx for the same nonce as a required
// listed tx never takes its place, even arriving at Seq 0 with a lower
// hash (fair off), and under fair ordering a pool tx whose short key
// collides with a required tx's may not take that key, even ahead of it
// in fair order.
func TestOrderListedWinsItsNonce(t *testing.T) {
	in, _ := fixture()
	x := bob.sign(t, 5, fee, data("beta", 10))
	y := bob.sign(t, 5, fee+1, data("beta", 10))
	for _, c := range [][2]*tx.Tx{{x, y}, {y, x}} {
		listed, pooled := c[0], c[1]
		lin := withListedTxs(in, listed)
		b := mustOrder(t, lin, []Candidate{{Tx: pooled, Seq: 0}})
		wantTxs(t, b.Txs, listed)
	}

	txs := oneTxPerAccount(t)
	req, u := txs[20], txs[21]
	fake := *u
	copy(fake.Hash[:8], req.Hash[:8])
	fin := listedFairInput(map[*tx.Tx][3]int64{&fake: {-500, -500, -500}, req: {-100, -100, -100}})
	fin = withListedTxs(fin, req)
	wantRequired(t, fin, req)
	if got := mustOrder(t, fin, cands(&fake)).Txs; !sameTxs(got, req) {
		t.Fatalf("fair: Order built %v, want only the required tx", hashes(got))
	}
}
