package ethda

import (
	"bytes"
	"testing"
	"time"

	"github.com/ordolabs/ordo/da-poster/da"
)

// A crash after journaling an attempt but before sending it: after a
// restart, Status (or Submit of the same bytes) sends the journaled tx,
// same hash, and it is confirmed.
func TestCrashBeforeSend(t *testing.T) {
	for _, via := range []string{"status", "submit"} {
		t.Run(via, func(t *testing.T) {
			c := startChain(t, 0)
			ctx := testCtx(t, 30*time.Second)
			cfg := testConfig(c, t.TempDir())
			payload := randBytes(9, 2000)

			b1, err := Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := encode(payload, cfg.MaxBlobsPerTx)
			if err != nil {
				t.Fatal(err)
			}
			ref := RefOf(enc.hashes)
			f, head, err := b1.marketFees(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := b1.sidecarFor(ref, enc)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := b1.signTx(sc, 0, f)
			if err != nil {
				t.Fatal(err)
			}
			rec := &record{State: stActive, Blobs: 1, Nonce: 0, SentHead: head,
				Attempts: []attempt{{Hash: tx.Hash(), Nonce: 0, TipCap: f.tip, FeeCap: f.feeCap, BlobFeeCap: f.blobFeeCap}}}
			if err := b1.j.put(ref, rec, payload); err != nil {
				t.Fatal(err)
			}
			if err := b1.Close(); err != nil { // "crash": nothing was sent
				t.Fatal(err)
			}
			if _, _, err := c.Client().TransactionByHash(ctx, tx.Hash()); err == nil {
				t.Fatal("tx reached the node")
			}

			b2 := open(t, cfg)
			if via == "status" {
				mustStatus(t, ctx, b2, ref, da.StatePending)
			} else if got, err := b2.Submit(ctx, payload); err != nil || !bytes.Equal(got, ref) {
				t.Fatalf("Submit: %s, %v", got, err)
			}
			if _, pending, err := c.Client().TransactionByHash(ctx, tx.Hash()); err != nil || !pending {
				t.Fatalf("journaled tx not re-sent: %v", err)
			}
			if h, _ := b2.TxHashes(ref); len(h) != 1 {
				t.Fatalf("%d txs, want the journaled one only", len(h))
			}
			commit(t, c, 3)
			mustStatus(t, ctx, b2, ref, da.StateConfirmed)
		})
	}
}
