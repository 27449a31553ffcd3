package devchain_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto/kzg4844"

	"github.com/ordolabs/ordo/l1/beacon"
	"github.com/ordolabs/ordo/l1/devchain"
)

// getJSON fetches url and decodes the body, returning the HTTP status.
func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: decoding: %v", url, err)
	}
	return resp.StatusCode
}

func TestBeaconGenesisSpecAndHeaders(t *testing.T) {
	c := startChain(t, func(cfg *devchain.Config) { cfg.FinalityDepth = 1 })
	var blocks []*types.Block
	for range 3 {
		b, err := c.Commit()
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, b)
	}

	var g beacon.GenesisResponse
	if st := getJSON(t, c.BeaconURL()+"/eth/v1/beacon/genesis", &g); st != 200 || uint64(g.Data.GenesisTime) != c.GenesisTime() {
		t.Fatalf("genesis: HTTP %d, %+v; want genesis_time %d", st, g, c.GenesisTime())
	}
	var spec beacon.SpecResponse
	if st := getJSON(t, c.BeaconURL()+"/eth/v1/config/spec", &spec); st != 200 || spec.Data["SECONDS_PER_SLOT"] != fmt.Sprint(c.SecondsPerSlot()) {
		t.Fatalf("spec: HTTP %d, %v", st, spec.Data)
	}

	bc, err := beacon.NewClient(c.BeaconURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	for _, tc := range []struct {
		id        string
		want      *types.Block
		finalized bool
	}{
		{"2", blocks[1], true},
		{"head", blocks[2], false},
		{"finalized", blocks[1], true},
		{blocks[0].Hash().Hex(), blocks[0], true},
	} {
		h, err := bc.Header(ctx, tc.id)
		if err != nil {
			t.Fatalf("header %s: %v", tc.id, err)
		}
		m := h.Data.Header.Message
		if h.Data.Root != tc.want.Hash() || uint64(m.Slot) != tc.want.NumberU64() || m.ParentRoot != tc.want.ParentHash() || h.Finalized != tc.finalized {
			t.Fatalf("header %s: %+v; want block %d %s finalized=%v", tc.id, h, tc.want.NumberU64(), tc.want.Hash(), tc.finalized)
		}
	}
	for _, id := range []string{"99", "0x" + fmt.Sprintf("%064x", 7)} {
		if _, err := bc.Header(ctx, id); !errors.Is(err, beacon.ErrNotFound) {
			t.Fatalf("header %s: %v, want ErrNotFound", id, err)
		}
	}
	if _, err := bc.Header(ctx, "nonsense"); !errors.Is(err, beacon.ErrBadResponse) {
		t.Fatalf("bad block id: %v, want ErrBadResponse (HTTP 400)", err)
	}
}

// The indices filter selects blobs; sidecars past BlobRetention are 404.
func TestBeaconIndicesAndRetention(t *testing.T) {
	c := startChain(t, func(cfg *devchain.Config) { cfg.BlobRetention = 2 })
	ctx := testCtx(t)
	cl := dial(t, c)

	blobs := []*kzg4844.Blob{randomBlob(10), randomBlob(11)}
	tx := blobTx(t, ctx, cl, c.DevKeys()[1], c.ChainID(), blobs, types.BlobSidecarVersion1)
	if err := cl.SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	slot := commitReceipt(t, ctx, c, cl, tx).BlockNumber.Uint64()

	url := fmt.Sprintf("%s/eth/v1/beacon/blob_sidecars/%d", c.BeaconURL(), slot)
	var both beacon.BlobSidecarsResponse
	if st := getJSON(t, url+"?indices=1&indices=0", &both); st != 200 || len(both.Data) != 2 || both.Data[0].Index != 0 || both.Data[1].Index != 1 {
		t.Fatalf("indices=1&indices=0: HTTP %d, %d sidecars", st, len(both.Data))
	}
	var one beacon.BlobSidecarsResponse
	if st := getJSON(t, url+"?indices=1", &one); st != 200 || len(one.Data) != 1 || one.Data[0].Index != 1 || one.Version != "fulu" {
		t.Fatalf("indices=1: HTTP %d, %d sidecars", st, len(one.Data))
	}
	s, err := beacon.Verify(&one.Data[0])
	if err != nil {
		t.Fatal(err)
	}
	if s.VersionedHash != tx.BlobHashes()[1] || !one.Finalized == (c.Finalized().Number.Uint64() >= slot) {
		t.Fatalf("sidecar 1: versioned hash or finalized flag wrong")
	}

	bc, err := beacon.NewClient(c.BeaconURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Commit(); err != nil { // slot still within the newest 2
		t.Fatal(err)
	}
	if s, err := bc.BlobSidecarsAt(ctx, slot); err != nil || len(s) != 2 {
		t.Fatalf("within retention: %d sidecars, %v", len(s), err)
	}
	if _, err := c.Commit(); err != nil { // now slot is 3rd newest: pruned
		t.Fatal(err)
	}
	if _, err := bc.BlobSidecarsAt(ctx, slot); !errors.Is(err, beacon.ErrNotFound) {
		t.Fatalf("past retention: %v, want ErrNotFound", err)
	}
}
