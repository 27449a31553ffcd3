package localda

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ordolabs/ordo/da-poster/da"
)

func openMem(t *testing.T, maxBlob int) *Store {
	t.Helper()
	o := DefaultOptions()
	o.InMemory, o.SyncWrites, o.MaxBlobBytes = true, false, maxBlob
	s, err := Open("", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestStoreAppendDedupAndReopen(t *testing.T) {
	dir := t.TempDir()
	o := DefaultOptions()
	o.SyncWrites = false
	s, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range []string{"a", "b", "a", "c", "b"} {
		h, existed, err := s.Submit([]byte(b))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]uint64{"a": 1, "b": 2, "c": 3}[b]
		if h != want || existed != (i >= 2 && b != "c") {
			t.Fatalf("submit %q: height %d existed %v", b, h, existed)
		}
	}
	if s.Head() != 3 {
		t.Fatalf("head %d", s.Head())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Head() != 3 {
		t.Fatalf("head after reopen %d", s.Head())
	}
	if h, existed, err := s.Submit([]byte("c")); err != nil || h != 3 || !existed {
		t.Fatalf("dedup after reopen: %d %v %v", h, existed, err)
	}
	if h, _, err := s.Submit([]byte("d")); err != nil || h != 4 {
		t.Fatalf("append after reopen: %d %v", h, err)
	}
	if b, err := s.Get(2); err != nil || string(b) != "b" {
		t.Fatalf("get 2: %q %v", b, err)
	}
	if _, err := s.Get(5); !errors.Is(err, da.ErrNotFound) {
		t.Fatalf("get 5: %v", err)
	}
}

func TestStoreRejectsAndRefuses(t *testing.T) {
	s := openMem(t, 10)
	if _, _, err := s.Submit(nil); !errors.Is(err, ErrEmptyBlob) || !da.IsCritical(err) {
		t.Fatalf("empty: %v", err)
	}
	if _, _, err := s.Submit(make([]byte, 11)); !errors.Is(err, ErrBlobTooLarge) || !da.IsCritical(err) {
		t.Fatalf("too large: %v", err)
	}
	s.SetRefusing(true)
	if _, _, err := s.Submit([]byte("x")); !errors.Is(err, da.ErrUnavailable) || da.IsCritical(err) {
		t.Fatalf("refusing: %v", err)
	}
	s.SetRefusing(false)
	if h, _, err := s.Submit([]byte("x")); err != nil || h != 1 {
		t.Fatalf("after outage: %d %v", h, err)
	}
}

func TestStoreListPaging(t *testing.T) {
	s := openMem(t, 1<<20)
	for i := range 10 {
		if _, _, err := s.Submit(bytes.Repeat([]byte{byte(i + 1)}, 100)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.List(0, 3, 1<<20)
	if err != nil || len(got) != 3 || got[0].Height != 1 || got[2].Height != 3 {
		t.Fatalf("count cap: %+v %v", got, err)
	}
	got, err = s.List(3, 100, 250)
	if err != nil || len(got) != 2 || got[0].Height != 4 {
		t.Fatalf("byte cap: %d %v", len(got), err)
	}
	got, err = s.List(3, 100, 10) // always at least one
	if err != nil || len(got) != 1 {
		t.Fatalf("min one: %d %v", len(got), err)
	}
	got, err = s.List(10, 100, 1<<20)
	if err != nil || len(got) != 0 {
		t.Fatalf("past head: %d %v", len(got), err)
	}
}

// backendContract exercises a da.Backend over a store holding nothing yet.
func backendContract(t *testing.T, be da.Backend, s *Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var refs []da.Ref
	for i := range 5 {
		ref, err := be.Submit(ctx, []byte(fmt.Sprintf("blob %d", i)))
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
	}
	again, err := be.Submit(ctx, []byte("blob 2"))
	if err != nil || !bytes.Equal(again, refs[2]) {
		t.Fatalf("resubmit: %v %v (want %v)", again, err, refs[2])
	}
	for _, r := range refs {
		if st, err := be.Status(ctx, r); err != nil || st != da.StateConfirmed {
			t.Fatalf("status %v: %v %v", r, st, err)
		}
	}
	if st, err := be.Status(ctx, RefOf(99)); err != nil || st != da.StateDropped {
		t.Fatalf("status of unknown ref: %v %v", st, err)
	}
	if _, err := be.Status(ctx, da.Ref{1}); !da.IsCritical(err) {
		t.Fatalf("malformed ref: %v", err)
	}
	blobs, next, err := be.Read(ctx, nil)
	if err != nil || len(blobs) != 5 {
		t.Fatalf("read: %d %v", len(blobs), err)
	}
	for i, b := range blobs {
		if string(b.Data) != fmt.Sprintf("blob %d", i) || !b.Final || !bytes.Equal(b.Ref, refs[i]) {
			t.Fatalf("blob %d: %+v", i, b)
		}
	}
	if !bytes.Equal(next, blobs[4].Next) {
		t.Fatal("next cursor is not the last blob's")
	}
	more, again2, err := be.Read(ctx, next)
	if err != nil || len(more) != 0 || !bytes.Equal(again2, next) {
		t.Fatalf("read at head: %d %v", len(more), err)
	}
	if _, err := be.Submit(ctx, []byte("blob 5")); err != nil {
		t.Fatal(err)
	}
	more, _, err = be.Read(ctx, next)
	if err != nil || len(more) != 1 || string(more[0].Data) != "blob 5" {
		t.Fatalf("read after append: %+v %v", more, err)
	}
	s.SetRefusing(true)
	if _, err := be.Submit(ctx, []byte("during outage")); !errors.Is(err, da.ErrUnavailable) {
		t.Fatalf("outage: %v", err)
	}
	s.SetRefusing(false)
	if _, err := be.Submit(ctx, nil); !da.IsCritical(err) {
		t.Fatalf("empty blob: %v", err)
	}
}

func TestInProcessBackend(t *testing.T) {
	s := openMem(t, 1<<20)
	backendContract(t, NewBackend(s), s)
}

func TestGRPCRoundTrip(t *testing.T) {
	s := openMem(t, 1<<20)
	g, addr, err := NewServer(s).Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Stop()
	c, err := Dial(addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	backendContract(t, c, s)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if h, err := c.Head(ctx); err != nil || h != s.Head() {
		t.Fatalf("head %d %v", h, err)
	}
	if b, err := c.Get(ctx, 1); err != nil || string(b) != "blob 0" {
		t.Fatalf("get: %q %v", b, err)
	}
	if _, err := c.Get(ctx, 1000); !errors.Is(err, da.ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	if _, err := c.Submit(ctx, make([]byte, 1<<20+1)); !da.IsCritical(err) {
		t.Fatalf("oversized: %v", err)
	}
}

func TestGRPCServerDownIsTemporary(t *testing.T) {
	s := openMem(t, 1<<20)
	g, addr, err := NewServer(s).Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Dial(addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = c.Submit(ctx, []byte("x"))
	if err == nil || da.IsCritical(err) || !errors.Is(err, da.ErrUnavailable) {
		t.Fatalf("server down: %v", err)
	}
}
