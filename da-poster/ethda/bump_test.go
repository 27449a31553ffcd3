package ethda

import (
	"bytes"
	"math/big"
	"testing"
	"time"

	"github.com/ordolabs/ordo/da-poster/da"
)

// A tx priced below the base fee is not mined; after BumpAfterBlocks L1
// blocks Status replaces it (same nonce and blobs, every fee at least
// doubled, the blob pool's rule), the pool holds the replacement instead,
// and the replacement is what gets included.
func TestFeeBump(t *testing.T) {
	c := startChain(t, 0)
	ctx := testCtx(t, 50*time.Second)
	cfg := testConfig(c, t.TempDir())
	b := open(t, cfg)
	// The first tx pays a fee cap far below the base fee (about 1 gwei).
	b.firstFees = func(f fees) fees {
		return fees{tip: big.NewInt(1e6), feeCap: big.NewInt(1e6), blobFeeCap: f.blobFeeCap}
	}
	payload := randBytes(4, 150_000)
	ref, err := b.Submit(ctx, payload)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	hashes, _ := b.TxHashes(ref)
	first, pending, err := c.Client().TransactionByHash(ctx, hashes[0])
	if err != nil || !pending {
		t.Fatalf("first tx not pending: %v", err)
	}

	commit(t, c, 1) // not mined: fee cap below base fee
	if _, err := c.Client().TransactionReceipt(ctx, first.Hash()); err == nil {
		t.Fatal("underpriced tx was mined")
	}
	mustStatus(t, ctx, b, ref, da.StatePending) // 1 block: not yet due
	if h, _ := b.TxHashes(ref); len(h) != 1 {
		t.Fatalf("bumped after 1 block (%d txs)", len(h))
	}
	commit(t, c, 1)
	mustStatus(t, ctx, b, ref, da.StatePending) // 2 blocks: bump
	hashes, _ = b.TxHashes(ref)
	if len(hashes) != 2 {
		t.Fatalf("%d txs after the bump, want 2", len(hashes))
	}
	repl, pending, err := c.Client().TransactionByHash(ctx, hashes[1])
	if err != nil || !pending {
		t.Fatalf("replacement not in the pool: %v", err)
	}
	if _, _, err := c.Client().TransactionByHash(ctx, first.Hash()); err == nil {
		t.Fatal("replaced tx still in the pool")
	}
	if repl.Nonce() != first.Nonce() || !bytes.Equal(RefOf(repl.BlobHashes()), ref) {
		t.Fatalf("replacement nonce %d (first %d), blobs %v", repl.Nonce(), first.Nonce(), repl.BlobHashes())
	}
	two := big.NewInt(2)
	for _, p := range [][2]*big.Int{
		{first.GasTipCap(), repl.GasTipCap()},
		{first.GasFeeCap(), repl.GasFeeCap()},
		{first.BlobGasFeeCap(), repl.BlobGasFeeCap()},
	} {
		if p[1].Cmp(new(big.Int).Mul(p[0], two)) < 0 {
			t.Fatalf("fee %v bumped to %v, less than +100%%", p[0], p[1])
		}
	}

	blk := commit(t, c, 1)
	rcpt, err := c.Client().TransactionReceipt(ctx, repl.Hash())
	if err != nil || rcpt.BlockNumber.Uint64() != blk.NumberU64() {
		t.Fatalf("replacement not mined in block %d: %v", blk.NumberU64(), err)
	}
	mustStatus(t, ctx, b, ref, da.StateIncluded)
	commit(t, c, 2)
	mustStatus(t, ctx, b, ref, da.StateConfirmed)
	all, _ := readAll(t, ctx, b, nil, 10)
	if len(all) != 1 || !bytes.Equal(all[0].Data, payload) || !all[0].Final {
		t.Fatalf("read %d payloads", len(all))
	}
}

func TestBumpedFees(t *testing.T) {
	prev := fees{tip: big.NewInt(10), feeCap: big.NewInt(100), blobFeeCap: big.NewInt(0)}
	market := fees{tip: big.NewInt(5), feeCap: big.NewInt(500), blobFeeCap: big.NewInt(1)}
	f, ok := bumped(prev, market, 100, big.NewInt(1000), big.NewInt(1000))
	if !ok || f.tip.Int64() != 20 || f.feeCap.Int64() != 500 || f.blobFeeCap.Int64() != 1 {
		t.Fatalf("bumped = %v, %v", f, ok)
	}
	// 10% of 15 rounds up to 17 (go-ethereum compares with floor(15*1.1) = 16).
	f, ok = bumped(fees{tip: big.NewInt(15), feeCap: big.NewInt(15), blobFeeCap: big.NewInt(15)}, fees{tip: big.NewInt(0), feeCap: big.NewInt(0), blobFeeCap: big.NewInt(0)}, 10, big.NewInt(100), big.NewInt(100))
	if !ok || f.tip.Int64() != 17 {
		t.Fatalf("rounding: %v", f)
	}
	// Caps that leave no room: no bump.
	if _, ok := bumped(prev, market, 100, big.NewInt(150), big.NewInt(1000)); ok {
		t.Fatal("bump allowed beyond MaxFeeCap")
	}
}
