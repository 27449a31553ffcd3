package ethda

import (
	"bytes"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto/kzg4844"
)

// Read returns only decodable payloads of blob txs to the inbox (from the
// allowed posters, when set), in L1 order, in bounded pages.
func TestReaderFilters(t *testing.T) {
	c := startChain(t, 0)
	ctx := testCtx(t, 50*time.Second)
	cfg := testConfig(c, t.TempDir())
	b := open(t, cfg)
	keys := c.DevKeys()
	gwei := big.NewInt(1e9)
	valid := func(s string) []kzg4844.Blob {
		blobs, err := EncodeBlobs([]byte(s), 1)
		if err != nil {
			t.Fatal(err)
		}
		return blobs
	}
	corrupt := valid("corrupt")
	corrupt[0][1] = 9 // unknown codec version
	send := func(keyIdx int, to common.Address, blobs []kzg4844.Blob) {
		t.Helper()
		nonce := pendingNonce(t, ctx, c, keys[keyIdx])
		tx := rawBlobTx(t, keys[keyIdx], c.ChainID(), nonce, to, blobs, new(big.Int).Mul(gwei, big.NewInt(10)), gwei)
		if err := c.Client().SendTransaction(ctx, tx); err != nil {
			t.Fatalf("send: %v", err)
		}
	}

	send(1, common.Address{0x02}, valid("to another address")) // ignored: not the inbox
	send(2, testInbox, corrupt)                                // ignored: does not decode
	send(3, testInbox, valid("from an outsider"))              // read unless Posters excludes key 3
	commit(t, c, 1)
	first := randBytes(6, 1000)
	if _, err := b.Submit(ctx, first); err != nil {
		t.Fatal(err)
	}
	commit(t, c, 1)
	second := randBytes(7, 130_000) // two blobs
	if _, err := b.Submit(ctx, second); err != nil {
		t.Fatal(err)
	}
	commit(t, c, 3) // everything final

	all, _ := readAll(t, ctx, b, nil, 10)
	got := [][]byte{}
	for _, bl := range all {
		if !bl.Final {
			t.Fatal("non-final payload after finality")
		}
		got = append(got, bl.Data)
	}
	want := [][]byte{[]byte("from an outsider"), first, second}
	if len(got) != len(want) {
		t.Fatalf("read %d payloads, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("payload %d differs (%d bytes, want %d)", i, len(got[i]), len(want[i]))
		}
	}

	// A read-only reader allowing only the poster's address, one payload
	// per page.
	rcfg := cfg
	rcfg.Key, rcfg.JournalDir = nil, ""
	rcfg.Posters = []common.Address{b.Sender()}
	rcfg.MaxReadBlobs = 1
	r := open(t, rcfg)
	var pages int
	var cursor []byte
	var only [][]byte
	for {
		blobs, next, err := r.Read(ctx, cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(blobs) > 1 {
			t.Fatalf("page of %d payloads with MaxReadBlobs 1", len(blobs))
		}
		for _, bl := range blobs {
			only = append(only, bl.Data)
		}
		if bytes.Equal(next, cursor) || len(blobs) == 0 {
			break
		}
		cursor = next
	}
	if len(only) != 2 || !bytes.Equal(only[0], first) || !bytes.Equal(only[1], second) || pages != 3 {
		t.Fatalf("allow-listed read: %d payloads in %d pages", len(only), pages)
	}
	if _, err := r.Submit(ctx, first); err == nil {
		t.Fatal("read-only backend submitted")
	}
}

// Read scans at most MaxReadBlocks blocks per call; a caller that follows
// next, and one that keeps reading from the same cursor while pages are
// empty (as the poster does), both reach a payload past many empty blocks.
func TestReadBoundedScan(t *testing.T) {
	c := startChain(t, 0)
	ctx := testCtx(t, 30*time.Second)
	cfg := testConfig(c, t.TempDir())
	cfg.MaxReadBlocks = 3
	b := open(t, cfg)
	commit(t, c, 12)
	payload := randBytes(8, 3000)
	if _, err := b.Submit(ctx, payload); err != nil {
		t.Fatal(err)
	}
	commit(t, c, 3)

	// Following next.
	var cursor []byte
	calls := 0
	for ; calls < 20; calls++ {
		blobs, next, err := b.Read(ctx, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(blobs) > 0 {
			if !bytes.Equal(blobs[0].Data, payload) {
				t.Fatal("wrong payload")
			}
			break
		}
		if bytes.Equal(next, cursor) {
			t.Fatalf("caught up without the payload after %d calls", calls)
		}
		cursor = next
	}
	if calls < 4 || calls >= 20 {
		t.Fatalf("payload in block 13 found after %d empty pages of 3 blocks", calls)
	}

	// Re-reading from nil with a fresh backend (no memo), ignoring next.
	r := open(t, func() Config { c := cfg; c.Key, c.JournalDir = nil, ""; return c }())
	for calls = 0; calls < 20; calls++ {
		blobs, _, err := r.Read(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(blobs) > 0 {
			break
		}
	}
	if calls >= 20 {
		t.Fatal("reading from a fixed cursor never reached the payload")
	}
}
