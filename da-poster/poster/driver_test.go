package poster_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ordolabs/ordo/da-poster/batch"
	"github.com/ordolabs/ordo/da-poster/da"
	"github.com/ordolabs/ordo/da-poster/localda"
	"github.com/ordolabs/ordo/da-poster/poster"
)

var (
	valA = []byte("validator-A-address.")
	valB = []byte("validator-B-address.")
)

// chain is a BlockSource the test grows.
type chain struct {
	mu        sync.Mutex
	records   [][]byte
	proposers [][]byte
}

// add appends n blocks; proposer picks the proposer of each height.
func (c *chain) add(n int, proposer func(h int64) []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for range n {
		h := int64(len(c.records) + 1)
		c.records = append(c.records, []byte(fmt.Sprintf("block record %d: %s", h, bytes.Repeat([]byte{byte(h)}, 200))))
		c.proposers = append(c.proposers, proposer(h))
	}
}

func (c *chain) LastHeight() (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int64(len(c.records)), nil
}

func (c *chain) get(list [][]byte, h int64) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h < 1 || h > int64(len(list)) {
		return nil, fmt.Errorf("no height %d", h)
	}
	return list[h-1], nil
}

func (c *chain) Record(h int64) ([]byte, error)   { return c.get(c.records, h) }
func (c *chain) Proposer(h int64) ([]byte, error) { return c.get(c.proposers, h) }

func only(v []byte) func(int64) []byte { return func(int64) []byte { return v } }

func alternate(odd, even []byte) func(int64) []byte {
	return func(h int64) []byte {
		if h%2 == 1 {
			return odd
		}
		return even
	}
}

func memStore(t *testing.T) *localda.Store {
	t.Helper()
	o := localda.DefaultOptions()
	o.InMemory, o.SyncWrites = true, false
	s, err := localda.Open("", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func fastConfig(self []byte) poster.Config {
	c := poster.DefaultConfig()
	c.Self = self
	c.PollInterval = 2 * time.Millisecond
	c.MinBackoff = 2 * time.Millisecond
	c.MaxBackoff = 20 * time.Millisecond
	return c
}

// copies decodes every blob in the store: for each blob, its heights.
func copies(t *testing.T, s *localda.Store) []poster.Range {
	t.Helper()
	entries, err := s.List(0, 1<<20, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	var out []poster.Range
	for _, e := range entries {
		b, err := batch.Decode(e.Blob, batch.DefaultLimits())
		if err != nil {
			t.Fatalf("DA blob %d does not decode: %v", e.Height, err)
		}
		out = append(out, poster.Range{First: b.First, Last: b.Last()})
	}
	return out
}

// checkEachHeightOnce: every height in [1, tip] is in exactly one copy.
func checkEachHeightOnce(t *testing.T, rs []poster.Range, tip int64) {
	t.Helper()
	n := map[int64]int{}
	for _, r := range rs {
		for h := r.First; h <= r.Last; h++ {
			n[h]++
		}
	}
	for h := int64(1); h <= tip; h++ {
		if n[h] != 1 {
			t.Fatalf("height %d is on DA %d times (copies %v)", h, n[h], rs)
		}
	}
}

func waitFirm(t *testing.T, d *poster.Driver, h int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.WaitFirm(ctx, h); err != nil {
		t.Fatal(err)
	}
}

func start(t *testing.T, cfg poster.Config, deps poster.Deps) *poster.Driver {
	t.Helper()
	d, err := poster.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Stop() })
	return d
}

func TestDriverPostsAndReportsFirm(t *testing.T) {
	s := memStore(t)
	c := &chain{}
	c.add(20, only(valA))
	j := poster.NewMemJournal()
	var (
		mu    sync.Mutex
		firms []int64
	)
	cfg := fastConfig(valA)
	d := start(t, cfg, poster.Deps{Source: c, Backend: localda.NewBackend(s), Journal: j,
		OnFirm: func(h int64) { mu.Lock(); firms = append(firms, h); mu.Unlock() }})
	waitFirm(t, d, 20)
	for i := range 5 { // blocks arriving one by one, each announced
		c.add(1, only(valA))
		d.Notify()
		waitFirm(t, d, int64(21+i))
	}
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	checkEachHeightOnce(t, copies(t, s), 25)
	if d.PostedHeight() != 25 || d.Lag() != 0 || d.TipHeight() != 25 {
		t.Fatalf("posted %d lag %d tip %d", d.PostedHeight(), d.Lag(), d.TipHeight())
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(firms); i++ {
		if firms[i] <= firms[i-1] {
			t.Fatalf("OnFirm not increasing: %v", firms)
		}
	}
	if len(firms) == 0 || firms[len(firms)-1] != 25 {
		t.Fatalf("OnFirm calls %v", firms)
	}
}

// dyingBackend simulates the poster process dying during its n-th Submit:
// either after the DA layer stored the blob (the reference is lost) or
// before the blob left the process.
type dyingBackend struct {
	da.Backend
	dieAt       int
	afterStore  bool
	kill        context.CancelFunc
	mu          sync.Mutex
	submissions int
}

func (b *dyingBackend) Submit(ctx context.Context, blob []byte) (da.Ref, error) {
	b.mu.Lock()
	b.submissions++
	n := b.submissions
	b.mu.Unlock()
	if n != b.dieAt {
		return b.Backend.Submit(ctx, blob)
	}
	if b.afterStore {
		if _, err := b.Backend.Submit(ctx, blob); err != nil {
			return nil, err
		}
	}
	b.kill()
	return nil, errors.New("process died")
}

// TestDriverCrashBetweenIntentAndReference: the poster dies while
// submitting; after a restart over the same badger journal, the DA layer
// holds every height exactly once.
func TestDriverCrashBetweenIntentAndReference(t *testing.T) {
	for _, afterStore := range []bool{true, false} {
		t.Run(fmt.Sprintf("stored=%v", afterStore), func(t *testing.T) {
			s := memStore(t)
			c := &chain{}
			c.add(40, only(valA))
			dir := t.TempDir()
			cfg := fastConfig(valA)
			cfg.MaxBatchHeights = 5

			j, err := poster.OpenJournal(dir, poster.JournalOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, kill := context.WithCancel(context.Background())
			defer kill()
			be := &dyingBackend{Backend: localda.NewBackend(s), dieAt: 3, afterStore: afterStore, kill: kill}
			d, err := poster.New(cfg, poster.Deps{Source: c, Backend: be, Journal: j})
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Run(ctx); err != nil {
				t.Fatal(err)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			before := s.Head()

			j, err = poster.OpenJournal(dir, poster.JournalOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			_, intents, _, err := j.Load()
			if err != nil {
				t.Fatal(err)
			}
			var lost *poster.Intent
			for i := range intents {
				if intents[i].Ref == nil {
					lost = &intents[i]
				}
			}
			if lost == nil {
				t.Fatalf("no intent without a reference after the crash: %+v", intents)
			}
			d = start(t, cfg, poster.Deps{Source: c, Backend: localda.NewBackend(s), Journal: j})
			waitFirm(t, d, 40)
			if err := d.Stop(); err != nil {
				t.Fatal(err)
			}
			rs := copies(t, s)
			checkEachHeightOnce(t, rs, 40)
			// The lost batch is on DA once, with the intent's exact bytes.
			found := 0
			entries, _ := s.List(0, 1000, 1<<30)
			for _, e := range entries {
				if sha256.Sum256(e.Blob) == lost.Hash {
					found++
				}
			}
			if found != 1 {
				t.Fatalf("intent's bytes on DA %d times", found)
			}
			if afterStore && before != 3 {
				t.Fatalf("DA head %d before restart, want 3", before)
			}
		})
	}
}

// TestDriverOutage: the DA layer refuses submissions for a while; the lag
// grows, the driver retries with backoff, and after the outage the
// backlog is posted (in a few large batches) and the firm height catches up.
func TestDriverOutage(t *testing.T) {
	s := memStore(t)
	c := &chain{}
	c.add(10, only(valA))
	d := start(t, fastConfig(valA), poster.Deps{Source: c, Backend: localda.NewBackend(s), Journal: poster.NewMemJournal()})
	waitFirm(t, d, 10)
	blobsBefore := s.Head()

	s.SetRefusing(true)
	c.add(30, only(valA))
	d.Notify()
	deadline := time.Now().Add(30 * time.Second)
	for d.Failures() < 5 || d.TipHeight() < 40 {
		if time.Now().After(deadline) {
			t.Fatalf("no retries seen: failures %d tip %d", d.Failures(), d.TipHeight())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if d.FirmHeight() != 10 || d.Lag() != 30 || s.Head() != blobsBefore {
		t.Fatalf("during outage: firm %d lag %d DA head %d", d.FirmHeight(), d.Lag(), s.Head())
	}

	s.SetRefusing(false)
	waitFirm(t, d, 40)
	if d.Lag() != 0 {
		t.Fatalf("lag %d after recovery", d.Lag())
	}
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	checkEachHeightOnce(t, copies(t, s), 40)
	if n := s.Head() - blobsBefore; n >= 30 {
		t.Fatalf("backlog of 30 heights posted in %d blobs: not batched", n)
	}
}

// recordingBackend remembers what this poster submitted.
type recordingBackend struct {
	da.Backend
	mu     sync.Mutex
	posted map[[32]byte]bool
}

func (b *recordingBackend) Submit(ctx context.Context, blob []byte) (da.Ref, error) {
	ref, err := b.Backend.Submit(ctx, blob)
	if err == nil {
		b.mu.Lock()
		b.posted[sha256.Sum256(blob)] = true
		b.mu.Unlock()
	}
	return ref, err
}

// heightsPostedBy lists, per height, how many of the store's blobs came
// from this backend.
func (b *recordingBackend) heightsPostedBy(t *testing.T, s *localda.Store) map[int64]int {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	entries, err := s.List(0, 1<<20, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]int{}
	for _, e := range entries {
		if !b.posted[sha256.Sum256(e.Blob)] {
			continue
		}
		bt, err := batch.Decode(e.Blob, batch.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		for h := bt.First; h <= bt.Last(); h++ {
			out[h]++
		}
	}
	return out
}

// TestDriverDutyTwoValidators: A (in process) and B (over gRPC on
// 127.0.0.1) share one local DA store and alternate as proposers. Each
// posts only its own heights; when B stops, A posts B's heights once they
// are overdue, and not before.
func TestDriverDutyTwoValidators(t *testing.T) {
	s := memStore(t)
	g, addr, err := localda.NewServer(s).Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Stop()
	client, err := localda.Dial(addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	c := &chain{}
	c.add(30, alternate(valA, valB))
	beA := &recordingBackend{Backend: localda.NewBackend(s), posted: map[[32]byte]bool{}}
	beB := &recordingBackend{Backend: client, posted: map[[32]byte]bool{}}
	cfgA, cfgB := fastConfig(valA), fastConfig(valB)
	cfgA.OverdueBlocks, cfgB.OverdueBlocks = 40, 40
	a := start(t, cfgA, poster.Deps{Source: c, Backend: beA, Journal: poster.NewMemJournal()})
	b := start(t, cfgB, poster.Deps{Source: c, Backend: beB, Journal: poster.NewMemJournal()})
	waitFirm(t, a, 30)
	waitFirm(t, b, 30)
	byA, byB := beA.heightsPostedBy(t, s), beB.heightsPostedBy(t, s)
	for h := int64(1); h <= 30; h++ {
		wantA := h%2 == 1
		if (byA[h] == 1) != wantA || (byB[h] == 1) == wantA || byA[h]+byB[h] != 1 {
			t.Fatalf("height %d posted %d times by A and %d by B", h, byA[h], byB[h])
		}
	}

	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	c.add(60, alternate(valA, valB)) // 31..90: B's even heights < 50 are overdue
	a.Notify()
	waitFirm(t, a, 49)
	time.Sleep(50 * time.Millisecond) // many poll intervals: 50 must not be posted early
	if f := a.FirmHeight(); f != 49 {
		t.Fatalf("firm %d: B's height 50 is not overdue yet", f)
	}
	c.add(60, alternate(valA, valB)) // to 150: B's heights < 110 overdue
	a.Notify()
	waitFirm(t, a, 109)
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	byA = beA.heightsPostedBy(t, s)
	for h, n := range byA {
		if n > 1 {
			t.Fatalf("A posted height %d %d times", h, n)
		}
	}
	for h := int64(2); h <= 30; h += 2 {
		if byA[h] != 0 {
			t.Fatalf("A posted B's height %d while B was up", h)
		}
	}
	for h := int64(32); h <= 108; h += 2 {
		if byA[h] != 1 {
			t.Fatalf("A did not post B's overdue height %d", h)
		}
	}
}

// TestDriverStopsOnCriticalError: a DA error retrying cannot fix stops
// the driver with that error.
func TestDriverStopsOnCriticalError(t *testing.T) {
	o := localda.DefaultOptions()
	o.InMemory, o.SyncWrites, o.MaxBlobBytes = true, false, 10 // every batch is too large
	s, err := localda.Open("", o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := &chain{}
	c.add(3, only(valA))
	d, err := poster.New(fastConfig(valA), poster.Deps{Source: c, Backend: localda.NewBackend(s), Journal: poster.NewMemJournal()})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("driver did not stop")
	}
	if err := d.Stop(); !da.IsCritical(err) {
		t.Fatalf("stop error %v", err)
	}
}
