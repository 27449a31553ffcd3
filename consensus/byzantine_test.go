package consensus

import (
	"bytes"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
)

// TestProcessProposalRejectsByzantineProposer feeds a validator proposals
// a byzantine proposer could make. Each must be REJECTed, must change no
// state, and must not stop the validator accepting an honest proposal.
func TestProcessProposalRejectsByzantineProposer(t *testing.T) {
	v := newNode(t)
	// One committed block so that alice is at nonce 1.
	v.decide(t, 1, [][]byte{alice.sign(t, 0, fee, rollupData("beta", 1))})
	const h = 2

	a1 := alice.sign(t, 1, fee, rollupData("alpha", 100))
	a2 := alice.sign(t, 2, fee, rollupData("alpha", 100))
	a3 := alice.sign(t, 3, fee, rollupData("beta", 100))
	b0 := bob.sign(t, 0, fee, rollupData("beta", 50))
	honest := [][]byte{a1, b0, a2, a3}

	var big [][]byte // beta txs over max_block_tx_bytes together
	for i := uint64(0); i < 6; i++ {
		big = append(big, erin.sign(t, i, fee, rollupData("beta", 1500)))
	}

	cases := []struct {
		name string
		txs  [][]byte
	}{
		// (a) nonce order within an account.
		{"reordered nonces", [][]byte{a2, a1, b0, a3}},
		{"reordered later nonces", [][]byte{a1, a3, a2, b0}},
		{"skipped nonce", [][]byte{a1, a3, b0}},
		{"starts past the committed nonce", [][]byte{a2, a3}},
		{"stale nonce", [][]byte{alice.sign(t, 0, fee, rollupData("beta", 2)), a1}},
		// (b) per-rollup cap: each fits alone, not together.
		{"exceeds a rollup's per-block cap", [][]byte{a1, a2, bob.sign(t, 0, fee, rollupData("alpha", 101))}},
		{"bundle leg exceeds the cap", [][]byte{a1, a2, bob.sign(t, 0, fee, bundle(101, "beta", "alpha"))}},
		{"exceeds max_block_tx_bytes", big},
		// (c) invalid txs.
		{"bad signature", [][]byte{a1, badSignature(t, b0)}},
		{"undecodable bytes", [][]byte{a1, {0x0a, 0xff, 0xff}}},
		{"empty tx", [][]byte{a1, {}}},
		{"oversized tx", [][]byte{bob.sign(t, 0, fee, rollupData("beta", maxTxBytes))}},
		{"wrong chain id", [][]byte{bob.signChain(t, "other-chain", 0, fee, rollupData("beta", 1))}},
		{"insufficient balance", [][]byte{a1, carol.sign(t, 0, fee, rollupData("beta", 1))}},
		{"unfunded sender", [][]byte{dave.sign(t, 0, fee, rollupData("beta", 1))}},
		{"transfer beyond balance", [][]byte{bob.sign(t, 0, fee, transfer(dave.addr, richBalance))}},
		{"insufficient fee", [][]byte{bob.sign(t, 0, 10, rollupData("beta", 1))}},
		{"unknown rollup", [][]byte{a1, bob.sign(t, 0, fee, rollupData("nope", 1))}},
		{"unknown bundle leg", [][]byte{bob.sign(t, 0, fee, bundle(5, "alpha", "nope"))}},
		{"invalid action", [][]byte{bob.sign(t, 0, fee, bundle(5, "alpha"))}},
		{"registers an existing rollup", [][]byte{bob.sign(t, 0, fee, register("alpha", 0))}},
		// (d) duplicates.
		{"duplicated tx", [][]byte{a1, a1}},
		{"duplicated tx later", [][]byte{a1, b0, a2, a3, b0}},
		{"two txs for one nonce", [][]byte{a1, alice.sign(t, 1, fee, rollupData("beta", 3))}},
	}
	before := v.info(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if st := v.process(t, h, c.txs); st != abci.PROCESS_PROPOSAL_STATUS_REJECT {
				t.Fatalf("status %v, want REJECT", st)
			}
			if after := v.info(t); after.LastBlockHeight != before.LastBlockHeight || !bytes.Equal(after.LastBlockAppHash, before.LastBlockAppHash) {
				t.Fatal("ProcessProposal changed committed state")
			}
		})
	}
	// The validator still accepts, and agrees on, the honest block.
	if st := v.process(t, h, honest); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatal("honest proposal rejected after byzantine ones")
	}
	ref := newNode(t)
	ref.decide(t, 1, [][]byte{alice.sign(t, 0, fee, rollupData("beta", 1))})
	if got, want := v.decide(t, h, honest).AppHash, ref.decide(t, h, honest).AppHash; !bytes.Equal(got, want) {
		t.Fatal("a node that saw byzantine proposals diverged")
	}
}
