package consensus

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/ordolabs/ordo/ordering"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// TestBlockCycle runs PrepareProposal → ProcessProposal → FinalizeBlock →
// Commit on a proposer, a validator that received the txs in another
// order, and a replaying node that only executes decided blocks.
func TestBlockCycle(t *testing.T) {
	proposer, validator, replayer := newNode(t), newNode(t), newNode(t)

	a0 := alice.sign(t, 0, fee, rollupData("alpha", 100), transfer(dave.addr, 500))
	a1 := alice.sign(t, 1, fee, bundle(40, "alpha", "beta"))
	b0 := bob.sign(t, 0, fee, register("gamma", 64))
	b1 := bob.sign(t, 1, fee, rollupData("beta", 30))
	e0 := erin.sign(t, 0, fee, rollupData("beta", 10))
	proposer.mustCheckTx(t, b0, a0, a1, e0, b1)
	validator.mustCheckTx(t, e0, b1, a1, a0, b0)

	// Height 1.
	txs := proposer.prepare(t, 1, 1<<20)
	want := [][]byte{b0, a0, a1, e0, b1} // arrival order, nonces in order
	if !reflect.DeepEqual(txs, want) {
		t.Fatalf("proposal has %d txs, want %d in arrival order", len(txs), len(want))
	}
	for name, n := range map[string]*node{"proposer": proposer, "validator": validator, "replayer": replayer} {
		if st := n.process(t, 1, txs); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("%s rejected the honest proposal", name)
		}
	}
	r1 := proposer.decide(t, 1, txs)
	for i, res := range r1.TxResults {
		if res.Code != abci.CodeTypeOK {
			t.Fatalf("tx %d: code %d %s", i, res.Code, res.Log)
		}
	}
	for name, n := range map[string]*node{"validator": validator, "replayer": replayer} {
		if r := n.decide(t, 1, txs); !bytes.Equal(r.AppHash, r1.AppHash) || !reflect.DeepEqual(r.TxResults, r1.TxResults) {
			t.Fatalf("%s: app hash %X, proposer %X", name, r.AppHash, r1.AppHash)
		}
	}

	// Balances, nonces, the fee recipient and the new rollup.
	var fees uint64
	for _, raw := range txs {
		fees += txFee(t, raw)
	}
	checks := map[tx.Address]ledger.Account{
		alice.addr: {Balance: richBalance - 2*fee - 500, Nonce: 2},
		bob.addr:   {Balance: richBalance - 2*fee, Nonce: 2},
		erin.addr:  {Balance: richBalance - fee, Nonce: 1},
		dave.addr:  {Balance: 500},
		valAddr:    {Balance: fees},
	}
	for _, n := range []*node{proposer, validator, replayer} {
		for addr, want := range checks {
			if got := n.account(t, addr); got != want {
				t.Fatalf("%s = %+v, want %+v", addr, got, want)
			}
		}
	}
	snap := proposer.store.Snapshot()
	gamma, ok, err := snap.Rollup(tx.RollupIDFromName("gamma"))
	snap.Discard()
	if err != nil || !ok || gamma.Owner != bob.addr || gamma.RegisteredHeight != 1 || gamma.MaxBytesPerBlock != 64 {
		t.Fatalf("gamma = %+v, %v, %v", gamma, ok, err)
	}
	// Committed txs left both pools.
	for name, n := range map[string]*node{"proposer": proposer, "validator": validator} {
		if c, _ := n.pool.Len(); c != 0 {
			t.Fatalf("%s pool still holds %d txs", name, c)
		}
	}
	// The query indexes.
	blk, err := proposer.store.Block(1)
	if err != nil || len(blk.Txs) != len(txs) || !bytes.Equal(blk.AppHash, r1.AppHash) || blk.Txs[1].Nonce != 0 {
		t.Fatalf("block record %+v, %v", blk, err)
	}
	loc, err := proposer.store.TxLocation(tx.HashOf(a1))
	if err != nil || loc.Height != 1 || loc.Index != 2 || loc.Code != 0 {
		t.Fatalf("a1 location %+v, %v", loc, err)
	}
	alpha, err := proposer.store.RollupBlock(tx.RollupIDFromName("alpha"), 1)
	if err != nil || len(alpha.Items) != 2 || alpha.Items[0].TxIndex != 1 || alpha.Items[1].TxIndex != 2 ||
		len(alpha.Items[0].Data) != 100 || len(alpha.Items[1].Data) != 40 {
		t.Fatalf("alpha items at height 1: %+v, %v", alpha, err)
	}

	// Height 2 uses the rollup registered at height 1.
	a2 := alice.sign(t, 2, fee, rollupData("gamma", 64))
	proposer.mustCheckTx(t, a2)
	txs2 := proposer.prepare(t, 2, 1<<20)
	if !reflect.DeepEqual(txs2, [][]byte{a2}) {
		t.Fatalf("height 2 proposal: %d txs", len(txs2))
	}
	if st := validator.process(t, 2, txs2); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatal("validator rejected height 2")
	}
	r2 := proposer.decide(t, 2, txs2)
	if bytes.Equal(r2.AppHash, r1.AppHash) {
		t.Fatal("app hash did not change")
	}
	for _, n := range []*node{validator, replayer} {
		if r := n.decide(t, 2, txs2); !bytes.Equal(r.AppHash, r2.AppHash) {
			t.Fatal("app hashes diverge at height 2")
		}
	}
	// The app hash is the documented chain: previous hash, height, the
	// digest of the changed accounts sorted by address, and the rollups
	// tree (one entry: gamma's single item).
	changed := []ledger.AccountChange{
		{Address: alice.addr, Account: proposer.account(t, alice.addr)},
		{Address: valAddr, Account: proposer.account(t, valAddr)},
	}
	if bytes.Compare(changed[0].Address[:], changed[1].Address[:]) > 0 {
		changed[0], changed[1] = changed[1], changed[0]
	}
	gammaItem := commitment.Item{
		TxHash: tx.HashOf(a2), TxIndex: 0, ActionIndex: 0, Sender: alice.addr,
		Data: bytes.Repeat([]byte{'d'}, 64),
	}
	tree, err := commitment.NewTree([]commitment.Entry{commitment.EntryFor(tx.RollupIDFromName("gamma"), []commitment.Item{gammaItem})})
	if err != nil {
		t.Fatal(err)
	}
	want2 := commitment.Block{
		PrevAppHash: r1.AppHash, Height: 2, StateDigest: ledger.StateDigest(changed, nil),
		RollupEntries: 1, RollupsRoot: tree.Root(),
	}
	if want := want2.AppHash(); !bytes.Equal(r2.AppHash, want) {
		t.Fatalf("height 2 app hash %X, want %X", r2.AppHash, want)
	}
	// The DA block record of height 2 verifies against its app hash and
	// yields gamma's item; a record with an altered item does not.
	rec, err := proposer.store.BlockRecord(2)
	if err != nil {
		t.Fatal(err)
	}
	rollupsAt2, err := commitment.VerifyRecord(rec, r2.AppHash)
	if err != nil || len(rollupsAt2) != 1 || rollupsAt2[0].Rollup != tx.RollupIDFromName("gamma") ||
		!reflect.DeepEqual(rollupsAt2[0].Items, []commitment.Item{gammaItem}) {
		t.Fatalf("record of height 2: %+v, %v", rollupsAt2, err)
	}
	rec.Rollups[0].Items[0].Data = []byte("forged")
	if _, err := commitment.VerifyRecord(rec, r2.AppHash); !errors.Is(err, commitment.ErrRecordMismatch) {
		t.Fatalf("forged record: %v", err)
	}
	// An empty block still moves the chained app hash.
	r3 := proposer.decide(t, 3, nil)
	want3 := commitment.Block{PrevAppHash: r2.AppHash, Height: 3, StateDigest: ledger.StateDigest(nil, nil), RollupsRoot: commitment.EmptyRoot()}
	if want := want3.AppHash(); !bytes.Equal(r3.AppHash, want) || bytes.Equal(r3.AppHash, r2.AppHash) {
		t.Fatalf("empty block app hash %X, want %X", r3.AppHash, want)
	}
	if r := replayer.decide(t, 3, nil); !bytes.Equal(r.AppHash, r3.AppHash) {
		t.Fatal("app hashes diverge on an empty block")
	}
}

// TestFinalizeBlockWithInvalidTxs: a decided block may hold invalid txs
// (more than 1/3 faulty, or replay); each gets its code and changes
// nothing, identically on every node.
func TestFinalizeBlockWithInvalidTxs(t *testing.T) {
	a0 := alice.sign(t, 0, fee, rollupData("beta", 10))
	txs := [][]byte{
		a0,
		badSignature(t, bob.sign(t, 0, fee, rollupData("beta", 10))),
		carol.sign(t, 0, fee, rollupData("beta", 10)),
		a0,
		{0xff, 0x01},
		alice.sign(t, 1, fee, rollupData("nope", 10)),
		alice.sign(t, 1, 1, rollupData("beta", 10)),
		alice.sign(t, 3, fee, rollupData("beta", 10)),
		alice.signChain(t, "other", 1, fee, rollupData("beta", 10)),
		alice.sign(t, 1, fee, rollupData("alpha", 5)),
	}
	want := []uint32{0, tx.ErrInvalidSignature.Code, tx.ErrInsufficientBalance.Code, tx.ErrStaleNonce.Code,
		tx.ErrDecode.Code, tx.ErrUnknownRollup.Code, tx.ErrInsufficientFee.Code, tx.ErrFutureNonce.Code,
		tx.ErrWrongChainID.Code, 0}
	n1, n2 := newNode(t), newNode(t)
	if n1.process(t, 1, txs) != abci.PROCESS_PROPOSAL_STATUS_REJECT {
		t.Fatal("ProcessProposal accepted a block with invalid txs")
	}
	r1 := n1.decide(t, 1, txs)
	r2 := n2.decide(t, 1, txs)
	for i, res := range r1.TxResults {
		if res.Code != want[i] {
			t.Errorf("tx %d: code %d (%s), want %d", i, res.Code, res.Log, want[i])
		}
		if res.Code != 0 && (res.Log == "" || res.Codespace != tx.Codespace) {
			t.Errorf("tx %d: failure without log or codespace", i)
		}
	}
	if !bytes.Equal(r1.AppHash, r2.AppHash) || !reflect.DeepEqual(r1.TxResults, r2.TxResults) {
		t.Fatal("nodes disagree on a block with invalid txs")
	}
	if got := n1.account(t, alice.addr); got != (ledger.Account{Balance: richBalance - 2*fee, Nonce: 2}) {
		t.Fatalf("alice = %+v", got)
	}
	for _, a := range []tx.Address{bob.addr, carol.addr} {
		if got := n1.account(t, a); got.Nonce != 0 {
			t.Fatalf("%s nonce moved by a failed tx", a)
		}
	}
	if got := n1.account(t, valAddr).Balance; got != 2*fee {
		t.Fatalf("proposer earned %d, want %d", got, 2*fee)
	}
	if loc, err := n1.store.TxLocation(tx.HashOf(txs[1])); err != nil || loc.Code != tx.ErrInvalidSignature.Code {
		t.Fatalf("failed tx location %+v, %v", loc, err)
	}
}

// TestPrepareProposalHonorsLimits: the pool can hold txs that do not fit
// together; the proposal must still pass ProcessProposal.
func TestPrepareProposalHonorsLimits(t *testing.T) {
	n := newNode(t)
	v := newNode(t)
	// Two txs that each fit alpha's cap, but not together.
	a0 := alice.sign(t, 0, fee, rollupData("alpha", 200))
	b0 := bob.sign(t, 0, fee, rollupData("alpha", 200))
	n.mustCheckTx(t, a0, b0)
	txs := n.prepare(t, 1, 1<<20)
	if !reflect.DeepEqual(txs, [][]byte{a0}) {
		t.Fatalf("proposal with %d txs, want only the first alpha tx", len(txs))
	}
	if v.process(t, 1, txs) != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatal("honest proposal rejected")
	}
	if v.process(t, 1, [][]byte{a0, b0}) != abci.PROCESS_PROPOSAL_STATUS_REJECT {
		t.Fatal("over-cap proposal accepted")
	}
	if _, ok := n.pool.Get(tx.HashOf(b0)); !ok {
		t.Fatal("a tx left out for its rollup cap was evicted")
	}

	// CometBFT's MaxTxBytes and the genesis MaxBlockTxBytes both bound the
	// proposal.
	m := newNode(t)
	var raws [][]byte
	for i := uint64(0); i < 6; i++ {
		raws = append(raws, erin.sign(t, i, fee, rollupData("beta", 1500)))
	}
	m.mustCheckTx(t, raws...)
	for _, limit := range []int64{1 << 20, 5000, 1600, 100} {
		txs := m.prepare(t, 1, limit)
		var size int64
		for _, raw := range txs {
			size += ordering.TxEncodedSize(len(raw))
		}
		bound := min(limit, int64(maxBlockTx))
		if size > bound {
			t.Fatalf("limit %d: proposal takes %d bytes", limit, size)
		}
		if next := ordering.TxEncodedSize(len(raws[0])); len(txs) < len(raws) && size+next <= bound {
			t.Fatalf("limit %d: proposal of %d bytes left room for another tx", limit, size)
		}
		if m.process(t, 1, txs) != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("limit %d: proposal rejected", limit)
		}
	}
	if m.process(t, 1, raws) != abci.PROCESS_PROPOSAL_STATUS_REJECT {
		t.Fatal("a proposal over max_block_tx_bytes was accepted")
	}
}

// TestCommitEvictsUnaffordable: a pooled tx can become invalid when a
// block it was not in drains its sender; Commit's pool update evicts it and
// records why, and the next proposal does not carry it.
func TestCommitEvictsUnaffordable(t *testing.T) {
	n := newNode(t)
	a1 := alice.sign(t, 1, fee, rollupData("beta", 1)) // parked: alice is at nonce 0
	n.mustCheckTx(t, a1)
	// Another proposer's block carries alice's nonce 0, which this node
	// never saw: it sends all her balance away.
	drain := alice.sign(t, 0, fee, transfer(bob.addr, richBalance-fee))
	n.decide(t, 1, [][]byte{drain})
	if txs := n.prepare(t, 2, 1<<20); len(txs) != 0 {
		t.Fatalf("proposal includes %d txs, want none", len(txs))
	}
	if _, ok := n.pool.Get(tx.HashOf(a1)); ok {
		t.Fatal("a tx that cannot pay its fee was kept in the pool")
	}
	if rej, ok := n.app.Status().Rejection(tx.HashOf(a1)); !ok || tx.CodeOf(rej) != tx.ErrInsufficientBalance.Code {
		t.Fatalf("status of the evicted tx: %v, %v", rej, ok)
	}
}

func TestFinalizeAndCommitOrdering(t *testing.T) {
	n := newNode(t)
	if _, err := n.app.Commit(ctx, &abci.CommitRequest{}); err == nil {
		t.Fatal("Commit without FinalizeBlock succeeded")
	}
	for _, h := range []int64{0, 2, 5} {
		if _, err := n.app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: h, Time: blockTime(h)}); err == nil {
			t.Fatalf("FinalizeBlock at height %d after genesis succeeded", h)
		}
	}
	n.decide(t, 1, nil)
	if _, err := n.app.Commit(ctx, &abci.CommitRequest{}); err == nil {
		t.Fatal("second Commit of the same block succeeded")
	}
}

// A decided block that repeats a tx (possible only with > 1/3 faulty power
// or on replay) executes the first copy and fails the second with a stale
// nonce; state.Commit indexes every copy under the same hash, so the
// failing copy overwrites the successful one and TxStatus reports the
// committed tx as failed.
func TestTxLocationOfRepeatedTxKeepsSuccessfulCopy(t *testing.T) {
	n := newNode(t)
	a0 := alice.sign(t, 0, fee, rollupData("beta", 1))
	res := n.decide(t, 1, [][]byte{a0, a0})
	if res.TxResults[0].Code != 0 || res.TxResults[1].Code != tx.ErrStaleNonce.Code {
		t.Fatalf("codes %d, %d", res.TxResults[0].Code, res.TxResults[1].Code)
	}
	loc, err := n.store.TxLocation(tx.HashOf(a0))
	if err != nil || loc.Index != 0 || loc.Code != 0 {
		t.Fatalf("location of the executed tx: %+v, %v; want index 0 code 0", loc, err)
	}
}
