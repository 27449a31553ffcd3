package ethda

import (
	"bytes"
	"testing"
	"time"

	"github.com/ordolabs/ordo/da-poster/da"
)

// Identical bytes give the same Ref and one transaction: in one process,
// after a restart over the same journal, and after confirmation.
func TestSubmitIdempotent(t *testing.T) {
	c := startChain(t, 0)
	ctx := testCtx(t, 50*time.Second)
	dir := t.TempDir()
	cfg := testConfig(c, dir)
	key := cfg.Key
	payload := randBytes(2, 5_000)

	b1, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ref1, err := b1.Submit(ctx, payload)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	ref2, err := b1.Submit(ctx, bytes.Clone(payload))
	if err != nil {
		t.Fatalf("second Submit: %v", err)
	}
	if !bytes.Equal(ref1, ref2) {
		t.Fatalf("refs differ: %s %s", ref1, ref2)
	}
	if n := pendingNonce(t, ctx, c, key); n != 1 {
		t.Fatalf("pending nonce %d after two Submits of the same bytes, want 1", n)
	}
	if err := b1.Close(); err != nil {
		t.Fatal(err)
	}

	// A new process: a new Backend over the same journal.
	b2 := open(t, cfg)
	ref3, err := b2.Submit(ctx, payload)
	if err != nil {
		t.Fatalf("Submit after reopen: %v", err)
	}
	if !bytes.Equal(ref1, ref3) {
		t.Fatalf("ref after reopen %s, want %s", ref3, ref1)
	}
	if n := pendingNonce(t, ctx, c, key); n != 1 {
		t.Fatalf("pending nonce %d after reopen, want 1", n)
	}
	if h, _ := b2.TxHashes(ref1); len(h) != 1 {
		t.Fatalf("%d txs for the ref", len(h))
	}
	mustStatus(t, ctx, b2, ref1, da.StatePending)

	// Different bytes get another Ref and the next nonce.
	other, err := b2.Submit(ctx, randBytes(3, 5_000))
	if err != nil || bytes.Equal(other, ref1) {
		t.Fatalf("other payload: %s, %v", other, err)
	}
	if n := pendingNonce(t, ctx, c, key); n != 2 {
		t.Fatalf("pending nonce %d, want 2", n)
	}

	commit(t, c, 3)
	mustStatus(t, ctx, b2, ref1, da.StateConfirmed)
	mustStatus(t, ctx, b2, other, da.StateConfirmed)
	if ref4, err := b2.Submit(ctx, payload); err != nil || !bytes.Equal(ref4, ref1) {
		t.Fatalf("Submit after confirmation: %s, %v", ref4, err)
	}
	if n := pendingNonce(t, ctx, c, key); n != 2 {
		t.Fatalf("pending nonce %d after re-submitting confirmed bytes, want 2", n)
	}
	all, _ := readAll(t, ctx, b2, nil, 10)
	if len(all) != 2 {
		t.Fatalf("read %d payloads, want 2", len(all))
	}
}

// A journal written for one key is refused for another.
func TestJournalKeyMismatch(t *testing.T) {
	c := startChain(t, 0)
	dir := t.TempDir()
	cfg := testConfig(c, dir)
	b := open(t, cfg)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	cfg.Key = c.DevKeys()[1]
	if _, err := Open(testCtx(t, 10*time.Second), cfg); !da.IsCritical(err) {
		t.Fatalf("Open with another key: %v, want critical", err)
	}
}
