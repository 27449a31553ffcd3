package consensus

import (
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// TestBundleLegsAreAtomicInBlocks: a bundle is one signed tx, so its legs
// land at one height, contiguous (one tx index), each tagged; a proposer
// that drops or swaps a leg must re-encode the tx, which breaks its
// signature: the block is rejected.
func TestBundleLegsAreAtomicInBlocks(t *testing.T) {
	proposer, validator := newNode(t), newNode(t)
	b := alice.sign(t, 0, fee, bundle(10, "alpha", "beta"))
	plain := bob.sign(t, 0, fee, rollupData("alpha", 5))
	proposer.mustCheckTx(t, b, plain)
	txs := proposer.prepare(t, 1, 1<<20)
	if st := validator.process(t, 1, txs); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatal("honest block with a bundle rejected")
	}

	// The byzantine variants: one leg dropped, legs swapped, one leg's
	// data changed — all keep the signature of the original tx.
	variants := map[string]func(*txv1.Bundle){
		"leg dropped":  func(bb *txv1.Bundle) { bb.Legs = bb.Legs[:1] },
		"legs swapped": func(bb *txv1.Bundle) { bb.Legs[0], bb.Legs[1] = bb.Legs[1], bb.Legs[0] },
		"leg altered":  func(bb *txv1.Bundle) { bb.Legs[1].Data = []byte("forged") },
	}
	for name, mutate := range variants {
		var forged txv1.Tx
		if err := forged.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		var body txv1.TxBody
		if err := body.Unmarshal(forged.Body); err != nil {
			t.Fatal(err)
		}
		mutate(body.Actions[0].GetBundle())
		nb, err := body.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		forged.Body = nb // the signature still covers the original body
		raw, err := forged.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		block := make([][]byte, len(txs))
		copy(block, txs)
		for i, r := range block {
			if tx.HashOf(r) == tx.HashOf(b) {
				block[i] = raw
			}
		}
		if st := validator.process(t, 1, block); st != abci.PROCESS_PROPOSAL_STATUS_REJECT {
			t.Errorf("%s: block accepted", name)
		}
	}

	// Committed: both rollups hold the bundle's leg at height 1, at the
	// bundle tx's index, tagged leg i of 2.
	proposer.decide(t, 1, txs)
	for i, name := range []string{"alpha", "beta"} {
		rb, err := proposer.store.RollupBlock(tx.RollupIDFromName(name), 1)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, it := range rb.Items {
			if it.TxHash != tx.HashOf(b).String() {
				continue
			}
			found++
			if it.BundleLegIndex != uint32(i) || it.BundleLegCount != 2 {
				t.Errorf("%s: leg tag %d/%d, want %d/2", name, it.BundleLegIndex, it.BundleLegCount, i)
			}
		}
		if found != 1 {
			t.Errorf("%s holds %d legs of the bundle, want 1", name, found)
		}
	}
}
