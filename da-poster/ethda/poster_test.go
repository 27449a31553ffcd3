package ethda

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordolabs/ordo/da-poster/batch"
	"github.com/ordolabs/ordo/da-poster/poster"
)

// fakeSource is a chain of n heights revealed progressively, all proposed
// by self, with records of a few hundred bytes.
type fakeSource struct {
	mu      sync.Mutex
	last    atomic.Int64
	records map[int64][]byte
	self    []byte
}

func newFakeSource(n int, self []byte) *fakeSource {
	s := &fakeSource{records: map[int64][]byte{}, self: self}
	for h := int64(1); h <= int64(n); h++ {
		s.records[h] = append([]byte(fmt.Sprintf("block %d|", h)), randBytes(h, 200+int(h)*10)...)
	}
	return s
}

func (s *fakeSource) LastHeight() (int64, error) { return s.last.Load(), nil }

func (s *fakeSource) Record(h int64) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h < 1 || h > s.last.Load() {
		return nil, fmt.Errorf("no height %d", h)
	}
	return s.records[h], nil
}

func (s *fakeSource) Proposer(h int64) ([]byte, error) { return s.self, nil }

// The poster, with this backend, posts 20 heights to the dev chain and
// reports them all firm; reading the inbox back gives every height's record.
func TestPosterEndToEnd(t *testing.T) {
	const heights = 20
	c := startChain(t, 250*time.Millisecond)
	ctx := testCtx(t, 55*time.Second)
	b := open(t, testConfig(c, t.TempDir()))

	self := []byte("validator-self")
	src := newFakeSource(heights, self)
	src.last.Store(heights / 2)
	j, err := poster.OpenJournal(t.TempDir(), poster.JournalOptions{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = j.Close() })
	pcfg := poster.DefaultConfig()
	pcfg.Self = self
	pcfg.MaxBatchHeights = 4
	pcfg.MaxBatchBytes = b.MaxPayload()
	pcfg.OverdueBlocks = 1000
	pcfg.PollInterval = 100 * time.Millisecond
	pcfg.MaxBackoff = time.Second
	d, err := poster.New(pcfg, poster.Deps{Source: src, Backend: b, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Stop() })

	if err := d.WaitFirm(ctx, heights/2); err != nil {
		t.Fatal(err)
	}
	src.last.Store(heights)
	d.Notify()
	if err := d.WaitFirm(ctx, heights); err != nil {
		t.Fatal(err)
	}
	if err := d.Stop(); err != nil {
		t.Fatalf("poster stopped with %v", err)
	}
	t.Logf("firm %d after %d posts, %d failed steps", d.FirmHeight(), d.Posts(), d.Failures())

	// A separate read-only reader gets every height back.
	rcfg := testConfig(c, "")
	rcfg.Key = nil
	rcfg.Posters = append(rcfg.Posters, b.Sender())
	r := open(t, rcfg)
	got := map[int64][]byte{}
	var cursor []byte
	for page := 0; len(got) < heights; page++ {
		if page > 100 {
			t.Fatalf("only %d heights read back", len(got))
		}
		blobs, next, err := r.Read(ctx, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, bl := range blobs {
			if !bl.Final {
				continue
			}
			bt, err := batch.Decode(bl.Data, pcfg.Limits)
			if err != nil {
				t.Fatalf("posted batch does not decode: %v", err)
			}
			for h := bt.First; h <= bt.Last(); h++ {
				rec, _ := bt.Record(h)
				if _, dup := got[h]; !dup {
					got[h] = rec
				}
			}
		}
		if len(blobs) == 0 && bytes.Equal(next, cursor) {
			select { // wait for L1 finality to catch up
			case <-ctx.Done():
				t.Fatalf("reading back: %v (%d heights)", ctx.Err(), len(got))
			case <-time.After(100 * time.Millisecond):
			}
		}
		cursor = next
	}
	for h := int64(1); h <= heights; h++ {
		if !bytes.Equal(got[h], src.records[h]) {
			t.Fatalf("height %d: record differs", h)
		}
	}
}
