package poster

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ordolabs/ordo/da-poster/da"
)

// copyOnDA is one blob on the simulated DA layer.
type copyOnDA struct {
	r     Range
	self  bool
	hash  [32]byte
	final bool
	dead  bool // dropped before becoming final
}

// world is the simulated chain and DA layer the Manager is driven against.
type world struct {
	t         *testing.T
	r         *rand.Rand
	cfg       Config
	j         *MemJournal
	m         *Manager
	proposers [][]byte // proposer of height h at h-1
	now       int64
	copies    []*copyOnDA
	intended  map[int64]bool // heights this poster ever put in an intent
	lastFirm  int64
}

func (w *world) tip() int64 { return int64(len(w.proposers)) }

// submit is the DA layer's Submit: identical bytes already held (and not
// dropped) return the existing ref.
func (w *world) submit(it Intent) da.Ref {
	for i, c := range w.copies {
		if c.self && !c.dead && c.hash == it.Hash {
			return binary.BigEndian.AppendUint64(nil, uint64(i))
		}
	}
	w.copies = append(w.copies, &copyOnDA{r: it.Range(), self: true, hash: it.Hash})
	return binary.BigEndian.AppendUint64(nil, uint64(len(w.copies)-1))
}

func (w *world) status(ref da.Ref) da.State {
	c := w.copies[binary.BigEndian.Uint64(ref)]
	switch {
	case c.dead:
		return da.StateDropped
	case c.final:
		return da.StateConfirmed
	}
	return da.StateIncluded
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) restart() {
	m, err := NewManager(w.cfg, w.j)
	w.must(err)
	for h := m.Tip() + 1; h <= w.tip(); h++ {
		w.must(m.Finalized(h, w.proposers[h-1]))
	}
	m.Tick(w.now)
	w.m = m
}

func (w *world) finalize(n int) {
	for range n {
		p := addrOther
		if w.r.IntN(10) < 4 {
			p = addrSelf
		}
		w.proposers = append(w.proposers, p)
		w.must(w.m.Finalized(w.tip(), p))
	}
	w.now = max(w.now, w.tip())
	w.m.Tick(w.now)
}

// post plans one batch, records the intent and submits it, possibly
// crashing before or after the submission.
func (w *world) post(crashes bool) bool {
	first, count, ok := w.m.Next(1 + w.r.IntN(5))
	if !ok {
		return false
	}
	count = 1 + w.r.IntN(count) // the packer may take fewer
	for h := first; h < first+int64(count); h++ {
		if w.intended[h] {
			w.t.Fatalf("height %d planned a second time", h)
		}
		w.intended[h] = true
	}
	it, err := w.m.RecordIntent(first, count, []byte(fmt.Sprintf("batch %d+%d", first, count)))
	w.must(err)
	switch x := w.r.IntN(10); {
	case crashes && x == 0: // dies before submitting
		w.restart()
	case crashes && x == 1: // dies after the DA stored it, before recording the ref
		w.submit(it)
		w.restart()
	default:
		w.must(w.m.RecordSubmitted(it.First, w.submit(it)))
	}
	return true
}

func (w *world) resubmit() {
	for _, it := range w.m.Unsubmitted() {
		w.must(w.m.RecordSubmitted(it.First, w.submit(it)))
	}
}

func (w *world) poll() {
	for _, it := range w.m.InFlight() {
		w.must(w.m.RecordStatus(it.First, w.status(it.Ref)))
	}
}

func (w *world) scan() {
	var o Observation
	o.ReplaceTentative = true
	for _, c := range w.copies {
		switch {
		case c.dead:
		case c.final:
			o.Final = append(o.Final, c.r)
		default:
			o.Tentative = append(o.Tentative, c.r)
		}
	}
	w.must(w.m.ObserveDA(o))
}

// truthFirm is the firm height computed naively from the DA layer.
func (w *world) truthFirm() int64 {
	h := w.cfg.StartHeight - 1
	for h < w.tip() {
		found := false
		for _, c := range w.copies {
			if c.final && c.r.First <= h+1 && h+1 <= c.r.Last {
				found = true
				break
			}
		}
		if !found {
			break
		}
		h++
	}
	return h
}

func (w *world) check(afterScan bool) {
	w.t.Helper()
	firm := w.m.FirmHeight()
	if firm < w.lastFirm {
		w.t.Fatalf("firm height went back from %d to %d", w.lastFirm, firm)
	}
	w.lastFirm = firm
	truth := w.truthFirm()
	if firm > truth {
		w.t.Fatalf("firm %d but DA is only complete through %d", firm, truth)
	}
	if afterScan && firm != truth {
		w.t.Fatalf("after a full scan firm %d, want %d", firm, truth)
	}
	if p := w.m.PostedHeight(); p < firm || p > w.tip() {
		w.t.Fatalf("posted %d outside [firm %d, tip %d]", p, firm, w.tip())
	}
	live := map[int64]int{}
	for _, c := range w.copies {
		if c.self && !c.dead {
			for h := c.r.First; h <= c.r.Last; h++ {
				live[h]++
				if live[h] > 1 {
					w.t.Fatalf("height %d has two live copies from this poster", h)
				}
			}
		}
	}
}

// TestManagerProperties drives the Manager with random finalizations,
// posts, crashes between intent and reference, DA confirmations, drops
// and reorgs, other posters' copies and restarts, and checks after every
// event that this poster never posts a height twice, that the firm height
// never decreases and is exactly what the DA layer holds after a scan,
// and finally that with a working DA layer every height becomes firm.
func TestManagerProperties(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 42))
		cfg := testConfig()
		cfg.OverdueBlocks = 1 + r.Int64N(4)
		cfg.DutyWindow = 1 + r.Int64N(3)
		cfg.StartHeight = 1
		w := &world{t: t, r: r, cfg: cfg, j: NewMemJournal(), intended: map[int64]bool{}}
		w.restart()
		for range 300 {
			afterScan := false
			switch e := r.IntN(100); {
			case e < 20:
				w.finalize(1 + r.IntN(3))
			case e < 25:
				w.now += int64(r.IntN(4))
				w.m.Tick(w.now)
			case e < 45:
				w.post(true)
			case e < 50:
				w.resubmit()
			case e < 62: // the DA layer finalizes or drops a pending copy
				if len(w.copies) > 0 {
					c := w.copies[r.IntN(len(w.copies))]
					if !c.final && !c.dead {
						if r.IntN(4) == 0 {
							c.dead = true
						} else {
							c.final = true
						}
					}
				}
			case e < 72:
				w.poll()
			case e < 80: // another poster's valid copy of some finalized heights
				if w.tip() > 0 {
					a := 1 + r.Int64N(w.tip())
					b := min(w.tip(), a+r.Int64N(3))
					w.copies = append(w.copies, &copyOnDA{r: Range{a, b}, final: r.IntN(2) == 0})
				}
			case e < 94:
				w.scan()
				afterScan = true
			default:
				w.restart()
			}
			w.check(afterScan)
		}

		// Drain: the DA layer works and finalizes everything; every height
		// becomes everyone's duty; the firm height must reach the tip.
		w.now = w.tip() + cfg.OverdueBlocks + cfg.DutyWindow + 1
		w.m.Tick(w.now)
		for round := 0; w.m.FirmHeight() < w.tip(); round++ {
			if round == 100 {
				t.Fatalf("seed %d: firm stuck at %d, tip %d", seed, w.m.FirmHeight(), w.tip())
			}
			w.poll()
			w.resubmit()
			for w.post(false) {
			}
			for _, c := range w.copies {
				if !c.dead {
					c.final = true
				}
			}
			w.poll()
			w.scan()
			w.check(true)
		}
		// Every height is on DA, and this poster's own hashes are unique.
		seen := map[[32]byte]bool{}
		for _, c := range w.copies {
			if c.self && !c.dead {
				if seen[c.hash] {
					t.Fatalf("seed %d: the same bytes stored twice", seed)
				}
				seen[c.hash] = true
			}
		}
	}
}
