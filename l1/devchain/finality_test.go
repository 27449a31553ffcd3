package devchain_test

import (
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/ordolabs/ordo/l1/devchain"
)

// Finalized (and safe) is genesis until the chain is FinalityDepth long,
// then lags latest by exactly FinalityDepth, never moving back.
func TestFinalizedLagsByDepth(t *testing.T) {
	const depth = 3
	c := startChain(t, func(cfg *devchain.Config) { cfg.FinalityDepth = depth })
	ctx := testCtx(t)
	cl := dial(t, c)

	tag := func(n rpc.BlockNumber) uint64 {
		t.Helper()
		h, err := cl.HeaderByNumber(ctx, big.NewInt(int64(n)))
		if err != nil {
			t.Fatalf("header %v: %v", n, err)
		}
		return h.Number.Uint64()
	}
	if f := tag(rpc.FinalizedBlockNumber); f != 0 {
		t.Fatalf("finalized %d at start, want 0", f)
	}
	var last uint64
	for i := 1; i <= 8; i++ {
		if _, err := c.Commit(); err != nil {
			t.Fatal(err)
		}
		head := tag(rpc.LatestBlockNumber)
		fin, safe := tag(rpc.FinalizedBlockNumber), tag(rpc.SafeBlockNumber)
		want := uint64(0)
		if head > depth {
			want = head - depth
		}
		if head != uint64(i) || fin != want || safe != want {
			t.Fatalf("after %d commits: head %d finalized %d safe %d; want head %d finalized=safe=%d", i, head, fin, safe, i, want)
		}
		if fin < last {
			t.Fatalf("finalized moved back %d -> %d", last, fin)
		}
		last = fin
		if c.Finalized().Number.Uint64() != fin || c.Head().Number.Uint64() != head {
			t.Fatalf("Chain.Finalized/Head disagree with RPC")
		}
	}
}

// With a BlockPeriod, blocks appear by themselves, timestamps follow the
// slot formula, and finality follows.
func TestAutomaticProduction(t *testing.T) {
	c := startChain(t, func(cfg *devchain.Config) {
		cfg.BlockPeriod = 50 * time.Millisecond
		cfg.FinalityDepth = 1
	})
	deadline := time.Now().Add(10 * time.Second)
	for c.Finalized().Number.Uint64() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("head %d finalized %d after 10 s", c.Head().Number, c.Finalized().Number)
		}
		time.Sleep(20 * time.Millisecond)
	}
	h := c.Head()
	if want := c.GenesisTime() + h.Number.Uint64()*c.SecondsPerSlot(); h.Time != want {
		t.Fatalf("block %d time %d, want genesis %d + n*%d = %d", h.Number, h.Time, c.GenesisTime(), c.SecondsPerSlot(), want)
	}
	// Manual commits interleave safely with the producer.
	for range 3 {
		if _, err := c.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}
