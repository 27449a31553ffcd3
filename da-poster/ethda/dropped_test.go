package ethda

import (
	"bytes"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ordolabs/ordo/da-poster/da"
)

// Another tx from the same key takes our nonce (outbidding ours in the
// pool); once it is mined Status reports Dropped, and submitting the same
// bytes again sends a fresh tx (next nonce) that is confirmed.
func TestDroppedThenResubmitted(t *testing.T) {
	c := startChain(t, 0)
	ctx := testCtx(t, 50*time.Second)
	cfg := testConfig(c, t.TempDir())
	b := open(t, cfg)
	payload := randBytes(5, 40_000)
	ref, err := b.Submit(ctx, payload)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	hashes, _ := b.TxHashes(ref)
	ours, _, err := c.Client().TransactionByHash(ctx, hashes[0])
	if err != nil {
		t.Fatal(err)
	}

	// Same key, same nonce, triple fees, other blobs, another address.
	blobs, err := EncodeBlobs([]byte("someone else"), 1)
	if err != nil {
		t.Fatal(err)
	}
	three := big.NewInt(3)
	rival := rawBlobTx(t, cfg.Key, c.ChainID(), ours.Nonce(), common.Address{0x01},
		blobs, new(big.Int).Mul(ours.GasFeeCap(), three), new(big.Int).Mul(ours.BlobGasFeeCap(), three))
	if err := c.Client().SendTransaction(ctx, rival); err != nil {
		t.Fatalf("rival tx: %v", err)
	}
	commit(t, c, 1)
	if _, err := c.Client().TransactionReceipt(ctx, rival.Hash()); err != nil {
		t.Fatalf("rival not mined: %v", err)
	}
	waitStatus(t, ctx, b, ref, da.StateDropped)
	mustStatus(t, ctx, b, ref, da.StateDropped)

	again, err := b.Submit(ctx, payload)
	if err != nil || !bytes.Equal(again, ref) {
		t.Fatalf("re-Submit: %s, %v", again, err)
	}
	hashes, _ = b.TxHashes(ref)
	if len(hashes) != 2 {
		t.Fatalf("%d txs after re-Submit, want 2", len(hashes))
	}
	fresh, pending, err := c.Client().TransactionByHash(ctx, hashes[1])
	if err != nil || !pending || fresh.Nonce() != ours.Nonce()+1 {
		t.Fatalf("fresh tx: nonce %d (dropped %d), pending %v, %v", fresh.Nonce(), ours.Nonce(), pending, err)
	}
	// Submitting again while the new generation is in flight is a no-op.
	if _, err := b.Submit(ctx, payload); err != nil {
		t.Fatal(err)
	}
	if h, _ := b.TxHashes(ref); len(h) != 2 {
		t.Fatalf("%d txs", len(h))
	}
	mustStatus(t, ctx, b, ref, da.StatePending)
	commit(t, c, 1)
	mustStatus(t, ctx, b, ref, da.StateIncluded)
	commit(t, c, 2)
	mustStatus(t, ctx, b, ref, da.StateConfirmed)

	all, _ := readAll(t, ctx, b, nil, 10)
	if len(all) != 1 || !bytes.Equal(all[0].Ref, ref) || !bytes.Equal(all[0].Data, payload) {
		t.Fatalf("read %d payloads", len(all))
	}
}
