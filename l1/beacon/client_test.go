package beacon_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto/kzg4844"

	"github.com/ordolabs/ordo/l1/beacon"
)

// fixture is two valid wire sidecars and their versioned hashes, computed
// once (KZG is slow).
var fixture = sync.OnceValues(func() ([]beacon.APIBlobSidecar, []common.Hash) {
	var (
		wire   []beacon.APIBlobSidecar
		hashes []common.Hash
	)
	for i := range 2 {
		var b kzg4844.Blob
		rand.New(rand.NewSource(int64(i))).Read(b[:])
		for j := 0; j < len(b); j += 32 {
			b[j] = 0
		}
		c, err := kzg4844.BlobToCommitment(&b)
		if err != nil {
			panic(err)
		}
		p, err := kzg4844.ComputeBlobProof(&b, c)
		if err != nil {
			panic(err)
		}
		wire = append(wire, beacon.APIBlobSidecar{
			Index: beacon.Uint64(i), Blob: b[:], KZGCommitment: c[:], KZGProof: p[:],
			SignedBlockHeader: &beacon.SignedBeaconBlockHeader{Message: beacon.BeaconBlockHeader{Slot: 7}},
		})
		hashes = append(hashes, kzg4844.CalcBlobHashV1(sha256.New(), &c))
	}
	return wire, hashes
})

// serve starts a beacon API stub answering path -> (status, body).
func serve(t *testing.T, routes map[string]func() (int, any)) *beacon.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, ok := routes[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(beacon.ErrorResponse{Code: 404, Message: "no such block"})
			return
		}
		status, body := route()
		w.WriteHeader(status)
		if s, ok := body.(string); ok {
			w.Write([]byte(s))
			return
		}
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	c, err := beacon.NewClient(srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func sidecarsRoute(data []beacon.APIBlobSidecar) func() (int, any) {
	return func() (int, any) { return 200, beacon.BlobSidecarsResponse{Data: data} }
}

func TestBlobSidecarsVerified(t *testing.T) {
	wire, hashes := fixture()
	c := serve(t, map[string]func() (int, any){"/eth/v1/beacon/blob_sidecars/7": sidecarsRoute(wire)})

	got, err := c.BlobSidecarsAt(ctx(t), 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d sidecars", len(got))
	}
	for i, s := range got {
		if s.VersionedHash != hashes[i] || s.Index != uint64(i) || s.Slot != 7 || s.VersionedHash[0] != 0x01 {
			t.Fatalf("sidecar %d: index %d slot %d hash %s", i, s.Index, s.Slot, s.VersionedHash)
		}
	}
	// Blobs returns them in the order asked for.
	blobs, err := c.Blobs(ctx(t), 7, []common.Hash{hashes[1], hashes[0]})
	if err != nil {
		t.Fatal(err)
	}
	if string(blobs[0][:]) != string(wire[1].Blob) || string(blobs[1][:]) != string(wire[0].Blob) {
		t.Fatal("blobs out of order")
	}
	if _, err := c.Blobs(ctx(t), 7, []common.Hash{{0x01}}); !errors.Is(err, beacon.ErrMissingBlob) {
		t.Fatalf("unknown hash: %v, want ErrMissingBlob", err)
	}
}

func TestBlobSidecarsRejectsBadData(t *testing.T) {
	wire, _ := fixture()
	corrupt := func(f func(*beacon.APIBlobSidecar)) []beacon.APIBlobSidecar {
		w := wire[0]
		w.Blob = append([]byte(nil), w.Blob...)
		f(&w)
		return []beacon.APIBlobSidecar{wire[1], w}
	}
	for name, data := range map[string][]beacon.APIBlobSidecar{
		"flipped blob byte":  corrupt(func(w *beacon.APIBlobSidecar) { w.Blob[100] ^= 1 }),
		"short blob":         corrupt(func(w *beacon.APIBlobSidecar) { w.Blob = w.Blob[:1000] }),
		"other proof":        corrupt(func(w *beacon.APIBlobSidecar) { w.KZGProof = wire[1].KZGProof }),
		"short commitment":   corrupt(func(w *beacon.APIBlobSidecar) { w.KZGCommitment = w.KZGCommitment[:47] }),
		"commitment swapped": corrupt(func(w *beacon.APIBlobSidecar) { w.KZGCommitment = wire[1].KZGCommitment }),
	} {
		c := serve(t, map[string]func() (int, any){"/eth/v1/beacon/blob_sidecars/head": sidecarsRoute(data)})
		if _, err := c.BlobSidecars(ctx(t), "head"); !errors.Is(err, beacon.ErrInvalidSidecar) {
			t.Errorf("%s: %v, want ErrInvalidSidecar", name, err)
		}
	}
}

func TestErrorClasses(t *testing.T) {
	c := serve(t, map[string]func() (int, any){
		"/eth/v1/beacon/blob_sidecars/1": func() (int, any) { return 500, beacon.ErrorResponse{Code: 500, Message: "internal"} },
		"/eth/v1/beacon/blob_sidecars/2": func() (int, any) { return 200, "{not json" },
		"/eth/v1/beacon/blob_sidecars/3": func() (int, any) { return 400, beacon.ErrorResponse{Code: 400, Message: "invalid block id"} },
		"/eth/v1/beacon/blob_sidecars/4": func() (int, any) { return 200, `{"data":[{"index":"x"}]}` },
	})
	for slot, want := range map[uint64]error{
		1: beacon.ErrUnavailable, 2: beacon.ErrBadResponse, 3: beacon.ErrBadResponse,
		4: beacon.ErrBadResponse, 9: beacon.ErrNotFound,
	} {
		if _, err := c.BlobSidecarsAt(ctx(t), slot); !errors.Is(err, want) {
			t.Errorf("slot %d: %v, want %v", slot, err, want)
		}
	}
	if _, err := c.BlobSidecarsAt(ctx(t), 3); err == nil || !strings.Contains(err.Error(), "invalid block id") {
		t.Errorf("error message not passed on: %v", err)
	}

	// Nothing listening: unavailable.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	dead, err := beacon.NewClient(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dead.BlobSidecarsAt(ctx(t), 1); !errors.Is(err, beacon.ErrUnavailable) {
		t.Errorf("closed server: %v, want ErrUnavailable", err)
	}
}

func TestSlotAt(t *testing.T) {
	calls := 0
	c := serve(t, map[string]func() (int, any){
		"/eth/v1/beacon/genesis": func() (int, any) {
			calls++
			return 200, `{"data":{"genesis_time":"1000","genesis_validators_root":"0x0000000000000000000000000000000000000000000000000000000000000000","genesis_fork_version":"0x00000000"}}`
		},
		"/eth/v1/config/spec": func() (int, any) { return 200, `{"data":{"SECONDS_PER_SLOT":"12","OTHER":"x"}}` },
	})
	if s, err := c.SlotAt(ctx(t), 1024); err != nil || s != 2 {
		t.Fatalf("SlotAt(1024) = %d, %v; want 2", s, err)
	}
	for _, ts := range []uint64{999, 1030} {
		if _, err := c.SlotAt(ctx(t), ts); err == nil {
			t.Errorf("SlotAt(%d) accepted", ts)
		}
	}
	if calls != 1 {
		t.Errorf("genesis fetched %d times, want once", calls)
	}
}

func TestNewClientRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:5052", "ftp://x", "http://"} {
		if _, err := beacon.NewClient(u, nil); err == nil {
			t.Errorf("NewClient(%q) accepted", u)
		}
	}
}

func TestUint64JSON(t *testing.T) {
	b, err := json.Marshal(beacon.Uint64(12))
	if err != nil || string(b) != `"12"` {
		t.Fatalf("marshal: %s, %v", b, err)
	}
	for in, want := range map[string]uint64{`"7"`: 7, `8`: 8} {
		var u beacon.Uint64
		if err := json.Unmarshal([]byte(in), &u); err != nil || uint64(u) != want {
			t.Errorf("unmarshal %s: %d, %v", in, u, err)
		}
	}
	var u beacon.Uint64
	if err := json.Unmarshal([]byte(`"-1"`), &u); err == nil {
		t.Error("negative accepted")
	}
}
