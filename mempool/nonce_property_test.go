package mempool

import (
	"math/rand"
	"testing"

	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// TestPendingNonceMatchesNaiveWalk: under random adds (in and out of
// order, with stale committed nonces), removals and commits, the memoized
// PendingNonce always equals a walk over the pooled nonces.
func TestPendingNonceMatchesNaiveWalk(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	cfg := testConfig()
	cfg.MaxTxs, cfg.MaxTxsPerAccount, cfg.MaxNonceGap, cfg.MaxParkedPerAccount = 1000, 1000, 8, 8
	p, _ := newPool(cfg)
	txs := map[uint64]*tx.Tx{}
	signed := func(n uint64) *tx.Tx {
		if txs[n] == nil {
			txs[n] = alice.sign(t, n, 1, 0, 0)
		}
		return txs[n]
	}
	committed := uint64(0)
	naive := func(from uint64) uint64 {
		have := map[uint64]bool{}
		for _, e := range p.Snapshot() {
			have[e.Tx.Nonce] = true
		}
		n := from
		for have[n] {
			n++
		}
		return n
	}
	for step := 0; step < 3000; step++ {
		switch r := rng.Intn(10); {
		case r < 6: // add, sometimes with an older view of the account
			view := committed
			if rng.Intn(5) == 0 && view > 0 {
				view -= uint64(rng.Intn(int(view) + 1))
			}
			_, _ = p.Add(signed(committed+uint64(rng.Intn(12))), ledger.Account{Balance: 1 << 40, Nonce: view})
		case r < 8: // remove a random pooled tx
			if snap := p.Snapshot(); len(snap) > 0 {
				p.Remove(snap[rng.Intn(len(snap))].Tx.Hash)
			}
		default: // commit the pooled run
			next := p.PendingNonce(alice.addr, committed)
			var hashes []tx.Hash
			for n := committed; n < next; n++ {
				hashes = append(hashes, txs[n].Hash)
			}
			committed = next
			if _, err := p.Update(hashes, []tx.Address{alice.addr}, func(tx.Address) (ledger.Account, error) {
				return ledger.Account{Balance: 1 << 40, Nonce: committed}, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		for _, from := range []uint64{committed, committed + 1} {
			if got, want := p.PendingNonce(alice.addr, from), naive(from); got != want {
				t.Fatalf("step %d: PendingNonce(%d) = %d, naive walk %d", step, from, got, want)
			}
		}
		checkInvariants(t, p)
	}
}
