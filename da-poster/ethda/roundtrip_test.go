package ethda

import (
	"bytes"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto/kzg4844"

	"github.com/ordolabs/ordo/da-poster/da"
)

// A payload spanning two blobs goes Pending → Included → Confirmed as L1
// blocks are made, is read back byte for byte (non-final first, final once
// finalized), and its Ref is the versioned hashes of its blobs, which are
// the blob hashes of the transaction on L1.
func TestRoundTrip(t *testing.T) {
	c := startChain(t, 0)
	ctx := testCtx(t, 50*time.Second)
	b := open(t, testConfig(c, t.TempDir()))

	payload := randBytes(1, 200_000)
	ref, err := b.Submit(ctx, payload)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	// Expected versioned hashes, computed independently.
	blobs, err := EncodeBlobs(payload, ProtocolMaxBlobsPerTx)
	if err != nil || len(blobs) != 2 {
		t.Fatalf("payload takes %d blobs, %v", len(blobs), err)
	}
	var want []byte
	for i := range blobs {
		cm, err := kzg4844.BlobToCommitment(&blobs[i])
		if err != nil {
			t.Fatal(err)
		}
		h := kzg4844.CalcBlobHashV1(sha256.New(), &cm)
		want = append(want, h[:]...)
	}
	if !bytes.Equal(ref, want) {
		t.Fatalf("Ref %x, want versioned hashes %x", []byte(ref), want)
	}
	hashes, err := b.TxHashes(ref)
	if err != nil || len(hashes) != 1 {
		t.Fatalf("tx hashes %v, %v", hashes, err)
	}
	tx, pending, err := c.Client().TransactionByHash(ctx, hashes[0])
	if err != nil || !pending {
		t.Fatalf("tx in pool: pending=%v err=%v", pending, err)
	}
	if !bytes.Equal(RefOf(tx.BlobHashes()), ref) || *tx.To() != testInbox {
		t.Fatalf("tx blob hashes %v to %v", tx.BlobHashes(), tx.To())
	}
	mustStatus(t, ctx, b, ref, da.StatePending)

	incl := commit(t, c, 1)
	mustStatus(t, ctx, b, ref, da.StateIncluded)
	rcpt, err := c.Client().TransactionReceipt(ctx, hashes[0])
	if err != nil || rcpt.BlockNumber.Uint64() != incl.NumberU64() {
		t.Fatalf("receipt %v, %v", rcpt, err)
	}

	// Included but not final: Read returns it with Final=false and does
	// not move the cursor past it.
	got, next, err := b.Read(ctx, nil)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(got) != 1 || got[0].Final || !bytes.Equal(got[0].Data, payload) {
		t.Fatalf("non-final read: %d blobs", len(got))
	}
	if pos, _ := decodeCursor(next, 0); pos.block > incl.NumberU64() {
		t.Fatalf("cursor %+v moved past non-final block %d", pos, incl.NumberU64())
	}

	commit(t, c, 1)
	mustStatus(t, ctx, b, ref, da.StateIncluded) // finalized = incl-1
	commit(t, c, 1)
	mustStatus(t, ctx, b, ref, da.StateConfirmed) // finalized = incl
	mustStatus(t, ctx, b, ref, da.StateConfirmed) // terminal

	all, _ := readAll(t, ctx, b, nil, 10)
	if len(all) != 1 {
		t.Fatalf("read %d payloads, want 1", len(all))
	}
	if !all[0].Final || !bytes.Equal(all[0].Ref, ref) || !bytes.Equal(all[0].Data, payload) {
		t.Fatalf("read back final=%v ref=%x, %d bytes", all[0].Final, []byte(all[0].Ref), len(all[0].Data))
	}
	// Reading from the payload's Next finds nothing more.
	rest, _ := readAll(t, ctx, b, all[0].Next, 10)
	if len(rest) != 0 {
		t.Fatalf("%d payloads after the only one", len(rest))
	}
}
