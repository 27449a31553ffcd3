package ordering

import (
	"testing"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// Regression tests for the liveness bugs the old rule had ("a listed tx
// missing from the block is excused only if it cannot execute at the end
// of the block or unlisted txs did not crowd it out"): in each, every
// proposer built a block that every validator rejected, which halts the
// chain while E lists those txs. Under the required-set rule Order's
// block passes Check, and each test also pins what the rule now requires.

// orderThenCheck runs Order and reports Check's verdict on its block,
// together with the independent reading of the rule.
func orderThenCheck(t *testing.T, in Input, c []Candidate) (Block, error, string) {
	t.Helper()
	b, err := Order(in, c)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	return b, Check(in, b.Txs), naiveListedViolation(in, in.State.(*mapReader), b.Txs)
}

// byAddress returns x and y (of different senders) in the canonical order
// of the required set: by sender address.
func byAddress(x, y *tx.Tx) (first, second *tx.Tx) {
	if string(y.Sender[:]) < string(x.Sender[:]) {
		return y, x
	}
	return x, y
}

// wantRequired asserts Required(in), and naiveRequired, are exactly want,
// in order.
func wantRequired(t *testing.T, in Input, want ...*tx.Tx) {
	t.Helper()
	got, err := Required(in)
	if err != nil {
		t.Fatalf("Required: %v", err)
	}
	if !sameTxs(got, want...) {
		t.Fatalf("Required = %v\nwant %v", hashes(got), hashes(want))
	}
	if naive, _ := naiveRequired(in, in.State.(*mapReader)); !sameTxs(naive, want...) {
		t.Fatalf("naiveRequired = %v\nwant %v (test bug)", hashes(naive), hashes(want))
	}
}

// checkVerdicts asserts Check (and the naive rule) accept the blocks in
// ok and reject each block in missing for omitting the paired tx.
func checkVerdicts(t *testing.T, in Input, ok [][]*tx.Tx, missing map[*tx.Tx][]*tx.Tx) {
	t.Helper()
	base := in.State.(*mapReader)
	for _, b := range ok {
		if err := Check(in, b); err != nil {
			t.Fatalf("block %v rejected: %v", hashes(b), err)
		}
		if v := naiveListedViolation(in, base, b); v != "" {
			t.Fatalf("block %v: naive rule: %s (test bug)", hashes(b), v)
		}
	}
	for req, b := range missing {
		wantListedMissing(t, Check(in, b), req)
		if naiveListedViolation(in, base, b) == "" {
			t.Fatalf("block %v: the naive rule accepts it (test bug)", hashes(b))
		}
	}
}

// TestOrderListedNoncesOverflowingRollupCap: one account's two
// consecutive listed txs carry 200 bytes each for alpha (cap 300), so only
// the first can go in. The old Order charged the first with the room
// reserved for the second, refused it, closed the account and proposed an
// empty block, which Check rejected. A rollup whose sequencer posts a
// burst above its cap produces exactly these lists. Now only a0 is
// required (a1 overflows alpha after it), Order includes it, and a block
// without it is rejected.
func TestOrderListedNoncesOverflowingRollupCap(t *testing.T) {
	in, _ := fixture()
	a0 := alice.sign(t, 0, fee, data("alpha", 200))
	a1 := alice.sign(t, 1, fee, data("alpha", 200))
	in = withListedTxs(in, a1, a0)
	wantRequired(t, in, a0)
	checkVerdicts(t, in, [][]*tx.Tx{{a0}}, map[*tx.Tx][]*tx.Tx{a0: nil})
	for name, c := range map[string][]Candidate{"pool empty": nil, "pool holds them too": cands(a0, a1)} {
		b, err, naive := orderThenCheck(t, in, c)
		if err != nil || naive != "" {
			t.Errorf("%s: Order built %v; Check: %v; naive: %s", name, hashes(b.Txs), err, naive)
		}
		wantTxs(t, b.Txs, a0)
	}
}

// TestOrderListedTxsOfTwoAccountsOverflowingRollupCap: two listed alpha
// txs of 200 bytes from different accounts (cap 300) and an unlisted
// 50-byte alpha tx. The old Order refused whichever listed tx came first,
// took the second, then let the unlisted tx use the room the refused one
// needed, and Check rejected the block. Now the first sender in address
// order is required and the other not; Order includes the required one
// and the unlisted tx (250 bytes of 300).
func TestOrderListedTxsOfTwoAccountsOverflowingRollupCap(t *testing.T) {
	in, _ := fixture()
	a0 := alice.sign(t, 0, fee, data("alpha", 200))
	b5 := bob.sign(t, 5, fee, data("alpha", 200))
	d0 := dave.sign(t, 0, fee, data("alpha", 50))
	req, other := byAddress(a0, b5)
	in = withListedTxs(in, a0, b5)
	wantRequired(t, in, req)
	checkVerdicts(t, in,
		[][]*tx.Tx{{req}, {req, d0}, {d0, req}},
		map[*tx.Tx][]*tx.Tx{req: {other}}) // the other one is valid alone, but not required
	for name, c := range map[string][]Candidate{"pool holds d0": cands(d0), "pool holds all": cands(d0, other, req)} {
		b, err, naive := orderThenCheck(t, in, c)
		if err != nil || naive != "" {
			t.Errorf("%s: Order built %v; Check: %v; naive: %s", name, hashes(b.Txs), err, naive)
		}
		wantTxs(t, b.Txs, req, d0)
	}
}

// TestOrderListedTxValidOnlyAfterAnUnlistedTx: a listed tx that needs an
// unlisted pool tx before it (a rollup registration, or funds) cannot run
// on the committed state in isolation, so it is not required: the old
// Order dropped it (invalid when offered first), took the enabling tx, and
// Check rejected the block because the listed tx could execute at its
// end. Now any of the blocks is valid, and Order's passes Check.
func TestOrderListedTxValidOnlyAfterAnUnlistedTx(t *testing.T) {
	in, _ := fixture()
	regDelta := alice.sign(t, 0, fee, register("delta", 0))
	useDelta := bob.sign(t, 5, fee, data("delta", 5))
	fundCarol := dave.sign(t, 0, fee, transfer(carol.addr, 900))
	carolPays := carol.sign(t, 0, 600, data("beta", 1)) // carol holds 100
	for name, c := range map[string]struct {
		listed, enabler *tx.Tx
	}{
		"rollup registered by an unlisted tx": {useDelta, regDelta},
		"sender funded by an unlisted tx":     {carolPays, fundCarol},
	} {
		in := withListedTxs(in, c.listed)
		wantRequired(t, in)
		checkVerdicts(t, in, [][]*tx.Tx{nil, {c.enabler}, {c.enabler, c.listed}}, nil)
		b, err, naive := orderThenCheck(t, in, cands(c.enabler))
		if err != nil || naive != "" {
			t.Errorf("%s: Order built %v; Check: %v; naive: %s", name, hashes(b.Txs), err, naive)
		}
		wantTxs(t, b.Txs, c.enabler) // the listed tx was offered first, when it could not run
		// Both listed: the enabler is a registration (never required) or
		// dave's funding (required; carol's still not: in isolation
		// dave's transfer does not reach her).
		in = withListedTxs(in, c.listed, c.enabler)
		if c.enabler == fundCarol {
			wantRequired(t, in, fundCarol)
		} else {
			wantRequired(t, in)
		}
		if b, err, naive := orderThenCheck(t, in, nil); err != nil || naive != "" {
			t.Errorf("%s, both listed: Order built %v; Check: %v; naive: %s", name, hashes(b.Txs), err, naive)
		}
	}
}

// TestCheckListedBundleAcrossTwoRollups: listed are a 200-byte alpha tx
// and a bundle with 200 bytes for alpha and for beta; alpha's cap (300)
// holds only one of them, so the first sender in address order is
// required and the other is not, whichever it is. An unlisted tx carries
// 10 bytes for beta. The old rule rejected [a0 d0] because an unlisted tx
// carried data for one of the bundle's rollups (beta, where the bundle
// fits) although it was alpha that had no room.
func TestCheckListedBundleAcrossTwoRollups(t *testing.T) {
	in, _ := fixture()
	a0 := alice.sign(t, 0, fee, data("alpha", 200))
	b5 := bob.sign(t, 5, fee, bundle(200, "alpha", "beta"))
	d0 := dave.sign(t, 0, fee, data("beta", 10))
	req, other := byAddress(a0, b5)
	in = withListedTxs(in, a0, b5)
	wantRequired(t, in, req)
	checkVerdicts(t, in,
		[][]*tx.Tx{{req, d0}, {req}},
		map[*tx.Tx][]*tx.Tx{req: {other, d0}})
	b, err, naive := orderThenCheck(t, in, cands(d0))
	if err != nil || naive != "" {
		t.Errorf("Order built %v; Check: %v; naive: %s", hashes(b.Txs), err, naive)
	}
	wantTxs(t, b.Txs, req, d0)
}

// TestCheckListedOverCapAndOverBytes: two listed 200-byte alpha txs (cap
// 300) and a block budget that holds one of them and an unlisted 100-byte
// beta tx. The old Check tested the block bytes first and rejected [a0 d0]
// because unlisted txs filled the block, although no choice of unlisted
// txs could have made room in alpha for b5. Now the first in address
// order is required, and Order's block holds it and d0.
func TestCheckListedOverCapAndOverBytes(t *testing.T) {
	in, _ := fixture()
	a0 := alice.sign(t, 0, fee, data("alpha", 200))
	b5 := bob.sign(t, 5, fee, data("alpha", 200))
	d0 := dave.sign(t, 0, fee, data("beta", 100))
	req, other := byAddress(a0, b5)
	in = withListedTxs(in, a0, b5)
	in.MaxBlockBytes = sizeOf(req, d0) + sizeOf(other) - 1
	wantRequired(t, in, req)
	checkVerdicts(t, in, [][]*tx.Tx{{req, d0}}, map[*tx.Tx][]*tx.Tx{req: {other, d0}})
	b, err, naive := orderThenCheck(t, in, cands(d0))
	if err != nil || naive != "" {
		t.Errorf("Order built %v; Check: %v; naive: %s", hashes(b.Txs), err, naive)
	}
	wantTxs(t, b.Txs, req, d0)
}

// TestOrderListedStaleSiblingClosesAccount: validators listed two txs of
// bob: one for nonce 4, which a conflicting tx already used (bob is at
// nonce 5: it is stale, e.g. block h carried another tx for that nonce),
// and his nonce 5. The old Order offered the stale one first, found it
// invalid and closed bob's account, so the block omitted nonce 5 and
// Check rejected it. Now the stale tx is skipped, b5 is required, and
// Order includes it, with fair ordering off and on; the same holds when
// the stale tx is a registration (RegisterRollup txs are never required,
// but a stale one ends nothing).
func TestOrderListedStaleSiblingClosesAccount(t *testing.T) {
	b5 := bob.sign(t, 5, fee, data("beta", 10))
	a0 := alice.sign(t, 0, fee, data("beta", 10))
	for name, stale := range map[string]*tx.Tx{
		"stale data tx":      bob.sign(t, 4, fee, data("beta", 10)),
		"stale registration": bob.sign(t, 4, fee, register("delta", 0)),
	} {
		t.Run(name, func(t *testing.T) {
			in, _ := fixture()
			in = withListedTxs(in, stale, b5)
			wantRequired(t, in, b5)
			checkVerdicts(t, in, [][]*tx.Tx{{b5}, {a0, b5}}, map[*tx.Tx][]*tx.Tx{b5: {a0}})
			b, err, naive := orderThenCheck(t, in, cands(a0))
			if err != nil || naive != "" {
				t.Errorf("fair off: Order built %v; Check: %v; naive: %s", hashes(b.Txs), err, naive)
			}
			wantTxs(t, b.Txs, b5, a0)
			if len(b.Invalid) != 0 {
				t.Errorf("fair off: the stale listed tx is recorded invalid: %v", b.Invalid)
			}

			fin := listedFairInput(map[*tx.Tx][3]int64{a0: {-300, -300, -300}, stale: {-200, -200, -200}, b5: {-100, -100, -100}})
			fin.State = in.State
			fin = withListedTxs(fin, stale, b5)
			wantRequired(t, fin, b5)
			checkVerdicts(t, fin, [][]*tx.Tx{{a0, b5}}, map[*tx.Tx][]*tx.Tx{b5: {a0}})
			b, err, naive = orderThenCheck(t, fin, cands(a0, stale))
			if err != nil || naive != "" {
				t.Errorf("fair on: Order built %v; Check: %v; naive: %s", hashes(b.Txs), err, naive)
			}
			wantTxs(t, b.Txs, a0, b5)
		})
	}
}

// TestRequiredSkipsRepeatedShortKey: two listed txs sharing a short key
// cannot both be in a fair-ordered block, so only the first in canonical
// order is required and Order's block passes Check.
func TestRequiredSkipsRepeatedShortKey(t *testing.T) {
	txs := oneTxPerAccount(t)
	x, y := txs[0], txs[1]
	fake := *y
	copy(fake.Hash[:8], x.Hash[:8])
	in := listedFairInput(map[*tx.Tx][3]int64{x: {-50, -50, -50}, &fake: {-40, -40, -40}})
	in.Listed = []*tx.Tx{x, &fake}
	req, err := Required(in)
	if err != nil || len(req) != 1 {
		t.Fatalf("required %d txs (%v), want 1", len(req), err)
	}
	b, err := Order(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(in, b.Txs); err != nil {
		t.Fatalf("Order's block fails Check: %v", err)
	}
}
