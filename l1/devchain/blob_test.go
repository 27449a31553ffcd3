package devchain_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto/kzg4844"

	"github.com/ordolabs/ordo/l1/beacon"
	"github.com/ordolabs/ordo/l1/devchain"
)

// A real blob transaction is included and its blobs come back through the
// beacon API, verified, under slot = block number, whichever sidecar
// version the sender used.
func TestBlobTxIncludedAndServed(t *testing.T) {
	for _, version := range []byte{types.BlobSidecarVersion0, types.BlobSidecarVersion1} {
		t.Run(fmt.Sprintf("sidecar-v%d", version), func(t *testing.T) {
			c := startChain(t, nil)
			ctx := testCtx(t)
			cl := dial(t, c)

			blobs := []*kzg4844.Blob{randomBlob(1), randomBlob(2)}
			tx := blobTx(t, ctx, cl, c.DevKeys()[0], c.ChainID(), blobs, version)
			if err := cl.SendTransaction(ctx, tx); err != nil {
				t.Fatalf("send blob tx: %v", err)
			}
			rcpt := commitReceipt(t, ctx, c, cl, tx)
			if rcpt.BlobGasUsed != uint64(len(blobs))*131072 {
				t.Fatalf("blob gas used %d", rcpt.BlobGasUsed)
			}

			bc, err := beacon.NewClient(c.BeaconURL(), nil)
			if err != nil {
				t.Fatal(err)
			}
			header, err := cl.HeaderByNumber(ctx, rcpt.BlockNumber)
			if err != nil {
				t.Fatal(err)
			}
			slot, err := bc.SlotAt(ctx, header.Time)
			if err != nil {
				t.Fatal(err)
			}
			if slot != rcpt.BlockNumber.Uint64() || slot != devchain.SlotOf(header.Number.Uint64()) {
				t.Fatalf("slot %d for block %d", slot, rcpt.BlockNumber)
			}

			sidecars, err := bc.BlobSidecarsAt(ctx, slot)
			if err != nil {
				t.Fatalf("blob sidecars: %v", err)
			}
			var hashes = make([]string, len(sidecars))
			for i, s := range sidecars {
				hashes[i] = s.VersionedHash.Hex()
				if s.Index != uint64(i) || s.Slot != slot {
					t.Fatalf("sidecar %d: index %d slot %d", i, s.Index, s.Slot)
				}
			}
			var want []string
			for _, h := range tx.BlobHashes() {
				want = append(want, h.Hex())
			}
			if !slices.Equal(hashes, want) {
				t.Fatalf("versioned hashes %v, tx has %v", hashes, want)
			}

			got, err := bc.Blobs(ctx, slot, tx.BlobHashes())
			if err != nil {
				t.Fatalf("Blobs: %v", err)
			}
			for i := range blobs {
				if *got[i] != *blobs[i] {
					t.Fatalf("blob %d differs from what was sent", i)
				}
			}

			// The block before has no blobs; the next slot does not exist yet.
			if s, err := bc.BlobSidecarsAt(ctx, slot-1); err != nil || len(s) != 0 {
				t.Fatalf("slot %d: %d sidecars, %v; want none", slot-1, len(s), err)
			}
			if _, err := bc.BlobSidecarsAt(ctx, slot+1); !errors.Is(err, beacon.ErrNotFound) {
				t.Fatalf("future slot: %v, want ErrNotFound", err)
			}
		})
	}
}
