package poster

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"sync"

	"github.com/ordolabs/ordo/da-poster/da"
)

// Intent is one batch this poster has decided to post: the heights
// [First, First+Count), the exact bytes, and what the DA layer said.
// An intent is recorded (durably) before its bytes are first submitted, so
// that after a crash the poster re-submits the identical bytes instead of
// building a new batch: the heights are never posted twice by this poster
// and never skipped.
type Intent struct {
	First int64
	Count int
	// Hash is sha256(Blob), checked when the journal is loaded.
	Hash [32]byte
	Blob []byte
	// Ref is where the blob is on DA; nil until Submit returned, and again
	// after the DA layer dropped it (it must be re-submitted).
	Ref da.Ref
	// State is the last known da.State of Ref (0 before submission).
	// StateConfirmed also marks an intent whose heights all became
	// confirmed through other copies: nothing more to do for it.
	State da.State
}

// Range is the heights the intent covers.
func (it Intent) Range() Range {
	return Range{First: it.First, Last: it.First + int64(it.Count) - 1}
}

func (it Intent) clone() Intent {
	it.Blob = append([]byte(nil), it.Blob...)
	it.Ref = append(da.Ref(nil), it.Ref...)
	if len(it.Ref) == 0 {
		it.Ref = nil
	}
	return it
}

// check verifies the intent's shape and hash.
func (it Intent) check() error {
	if it.First < 1 || it.Count < 1 {
		return fmt.Errorf("poster: intent %d+%d malformed", it.First, it.Count)
	}
	if sha256.Sum256(it.Blob) != it.Hash {
		return fmt.Errorf("poster: intent %v: blob does not match its hash", it.Range())
	}
	return nil
}

// Progress is the poster's durable position apart from its intents.
type Progress struct {
	// Firm: every height <= Firm is confirmed on DA.
	Firm int64
	// Confirmed lists heights above Firm confirmed on DA (ascending).
	Confirmed []Range
	// Cursor is where the DA scan resumes.
	Cursor da.Cursor
}

// Update is one atomic journal write.
type Update struct {
	// Progress replaces the stored progress when non-nil.
	Progress *Progress
	// Put stores (or replaces) intents, keyed by First.
	Put []Intent
	// Delete removes the intents starting at these heights.
	Delete []int64
}

// Journal stores the poster's progress. Write must be atomic and durable
// when it returns: after a crash, Load returns exactly the state after some
// prefix of the Writes that returned, including every Write that returned.
type Journal interface {
	// Load returns the stored progress and intents (ascending First);
	// found is false for an empty journal.
	Load() (p Progress, intents []Intent, found bool, err error)
	Write(u Update) error
}

// MemJournal is an in-memory Journal for tests: it survives a simulated
// restart (a new Manager over the same MemJournal) but not the process.
type MemJournal struct {
	mu       sync.Mutex
	found    bool
	progress Progress
	intents  map[int64]Intent
}

// NewMemJournal returns an empty in-memory journal.
func NewMemJournal() *MemJournal { return &MemJournal{intents: map[int64]Intent{}} }

// Load implements Journal.
func (j *MemJournal) Load() (Progress, []Intent, bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]Intent, 0, len(j.intents))
	for _, it := range j.intents {
		out = append(out, it.clone())
	}
	sort.Slice(out, func(a, b int) bool { return out[a].First < out[b].First })
	return cloneProgress(j.progress), out, j.found, nil
}

// Write implements Journal.
func (j *MemJournal) Write(u Update) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if u.Progress != nil {
		j.progress, j.found = cloneProgress(*u.Progress), true
	}
	for _, it := range u.Put {
		j.intents[it.First] = it.clone()
	}
	for _, f := range u.Delete {
		delete(j.intents, f)
	}
	return nil
}

func cloneProgress(p Progress) Progress {
	p.Confirmed = append([]Range(nil), p.Confirmed...)
	p.Cursor = append(da.Cursor(nil), p.Cursor...)
	if len(p.Cursor) == 0 {
		p.Cursor = nil
	}
	return p
}
