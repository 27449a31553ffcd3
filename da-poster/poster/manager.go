package poster

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"

	"github.com/ordolabs/ordo/da-poster/da"
)

// ErrInvariant marks a call that would break the poster's guarantees (post
// a height twice, skip one, go backwards). It is a bug in the caller; the
// driver stops on it.
var ErrInvariant = errors.New("poster: invariant violated")

// Manager is the poster's state, apart from any I/O but its Journal: which
// heights are finalized and who proposed them, which this poster has posted
// (its intents), which are seen or confirmed on DA, and the firm height. It
// decides what to post next (Next) and records what happened (Record*,
// ObserveDA). It reads no clock and does no network I/O; every decision is
// a function of the inputs it was given, so tests drive it directly.
//
// Guarantees, across any sequence of calls and restarts (a new Manager over
// the same Journal):
//   - no height is in two intents: this poster never posts a height twice
//     (re-submitting an intent's identical bytes after a crash or a DA drop
//     is the same post);
//   - no height is skipped: every finalized height above the firm height
//     stays a candidate until a copy of it is confirmed on DA;
//   - the firm height never decreases, and every height at or below it is
//     confirmed on DA.
//
// Not safe for concurrent use; the Driver owns one.
type Manager struct {
	cfg Config
	j   Journal

	firm      int64    // every height <= firm is confirmed on DA
	confirmed rangeSet // confirmed heights above firm (any valid copy)
	tentative rangeSet // heights with a valid copy included on DA, not final
	cursor    da.Cursor

	tip     int64          // highest finalized height given to Finalized
	now     int64          // current Ordo height from Tick
	ownProp map[int64]bool // height -> proposed by Self, for heights > firm

	intents map[int64]*Intent // live intents by First
	covered rangeSet          // heights in live intents

	// dirty: firm, confirmed or cursor changed since the last successful
	// journal write (a failed write is retried by the next persist).
	dirty bool
}

// NewManager loads the journal (or starts at cfg.StartHeight when it is
// empty) and returns the manager. Its tip starts at the firm height: feed
// it the finalized heights above that with Finalized.
func NewManager(cfg Config, j Journal) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p, intents, found, err := j.Load()
	if err != nil {
		return nil, fmt.Errorf("poster: loading journal: %w", err)
	}
	m := &Manager{cfg: cfg, j: j, ownProp: map[int64]bool{}, intents: map[int64]*Intent{}}
	if !found {
		m.firm = cfg.StartHeight - 1
		if err := j.Write(Update{Progress: &Progress{Firm: m.firm}}); err != nil {
			return nil, fmt.Errorf("poster: initializing journal: %w", err)
		}
	} else {
		m.firm, m.cursor = p.Firm, p.Cursor
		for _, r := range p.Confirmed {
			m.confirmed.add(r)
		}
		m.confirmed.dropThrough(m.firm)
	}
	m.tip, m.now = m.firm, m.firm
	for i := range intents {
		it := intents[i]
		if m.covered.containsAny(it.Range()) {
			return nil, fmt.Errorf("%w: journal holds overlapping intents at %v", ErrInvariant, it.Range())
		}
		m.intents[it.First] = &it
		m.covered.add(it.Range())
	}
	// Retire intents the loaded firm height already covers.
	if err := m.persist(); err != nil {
		return nil, err
	}
	return m, nil
}

// FirmHeight is the highest h such that every height <= h is confirmed on
// DA (StartHeight-1 before any).
func (m *Manager) FirmHeight() int64 { return m.firm }

// Tip is the highest finalized height the manager knows.
func (m *Manager) Tip() int64 { return m.tip }

// Cursor is where the DA scan resumes.
func (m *Manager) Cursor() da.Cursor { return m.cursor }

// PostedHeight is the highest h such that every height <= h is posted: a
// copy is confirmed or included on DA, or this poster's own copy was
// accepted by the DA layer.
func (m *Manager) PostedHeight() int64 {
	var posted rangeSet
	for _, r := range m.confirmed.rs {
		posted.add(r)
	}
	for _, r := range m.tentative.rs {
		posted.add(r)
	}
	for _, it := range m.intents {
		if it.Ref != nil || it.State == da.StateConfirmed {
			posted.add(it.Range())
		}
	}
	if r, ok := posted.find(m.firm + 1); ok {
		return min(r.Last, m.tip)
	}
	return m.firm
}

// Finalized reports that height h is final on Ordo and was proposed by
// proposer. Heights must arrive in order: h <= Tip() is ignored (already
// known), h > Tip()+1 is an error.
func (m *Manager) Finalized(h int64, proposer []byte) error {
	if h <= m.tip {
		return nil
	}
	if h != m.tip+1 {
		return fmt.Errorf("%w: finalized height %d after %d", ErrInvariant, h, m.tip)
	}
	m.tip = h
	m.now = max(m.now, h)
	m.ownProp[h] = len(m.cfg.Self) > 0 && bytes.Equal(proposer, m.cfg.Self)
	return nil
}

// Tick reports the current Ordo height (which may be ahead of the heights
// given to Finalized); overdue duties are measured against it.
func (m *Manager) Tick(current int64) { m.now = max(m.now, current) }

// handled reports whether h needs no post from this poster: it is in one of
// its intents, or a valid copy is confirmed or included on DA.
func (m *Manager) handled(h int64) bool {
	return h <= m.firm || m.covered.contains(h) || m.confirmed.contains(h) || m.tentative.contains(h)
}

// windowEnd is the last height of h's duty window.
func (m *Manager) windowEnd(h int64) int64 {
	w := m.cfg.DutyWindow
	return ((h-1)/w + 1) * w
}

// Duty reports whether posting h is this poster's duty now: h is finalized
// and unhandled, and either Self proposed the last height of h's duty
// window, or that height is more than OverdueBlocks behind the current
// height (Tick).
func (m *Manager) Duty(h int64) bool {
	if h <= m.firm || h > m.tip || m.handled(h) {
		return false
	}
	end := m.windowEnd(h)
	if end <= m.tip && m.ownProp[end] {
		return true
	}
	return max(m.now, m.tip)-end > m.cfg.OverdueBlocks
}

// Next returns the lowest run of consecutive heights that are this
// poster's duty now, at most maxHeights long.
func (m *Manager) Next(maxHeights int) (first int64, count int, ok bool) {
	for h := m.firm + 1; h <= m.tip; h++ {
		if r, in := m.covered.find(h); in { // skip whole own intents
			h = r.Last
			continue
		}
		if !m.Duty(h) {
			continue
		}
		n := 1
		for n < maxHeights && m.Duty(h+int64(n)) {
			n++
		}
		return h, n, true
	}
	return 0, 0, false
}

// RecordIntent durably records that this poster will post blob, holding
// heights [first, first+count). Call it before the first Submit of blob.
// Every height must be finalized, above the firm height and in no other
// intent (ErrInvariant otherwise).
func (m *Manager) RecordIntent(first int64, count int, blob []byte) (Intent, error) {
	r := Range{First: first, Last: first + int64(count) - 1}
	switch {
	case count < 1 || len(blob) == 0:
		return Intent{}, fmt.Errorf("%w: empty intent at %d", ErrInvariant, first)
	case first <= m.firm || r.Last > m.tip:
		return Intent{}, fmt.Errorf("%w: intent %v outside (firm %d, tip %d]", ErrInvariant, r, m.firm, m.tip)
	case m.covered.containsAny(r):
		return Intent{}, fmt.Errorf("%w: intent %v would post a height twice", ErrInvariant, r)
	}
	it := Intent{First: first, Count: count, Hash: sha256.Sum256(blob), Blob: append([]byte(nil), blob...)}
	if err := m.j.Write(Update{Put: []Intent{it}}); err != nil {
		return Intent{}, fmt.Errorf("poster: recording intent %v: %w", r, err)
	}
	m.intents[first] = &it
	m.covered.add(r)
	return it.clone(), nil
}

// Unsubmitted returns the intents whose bytes must be submitted (again):
// never submitted, submitted before a crash without the reference being
// recorded, or dropped by the DA layer. Ascending by height.
func (m *Manager) Unsubmitted() []Intent {
	return m.selectIntents(func(it *Intent) bool { return it.Ref == nil && it.State != da.StateConfirmed })
}

// InFlight returns the submitted intents not yet confirmed: poll their
// status. Ascending by height.
func (m *Manager) InFlight() []Intent {
	return m.selectIntents(func(it *Intent) bool { return it.Ref != nil && it.State != da.StateConfirmed })
}

func (m *Manager) selectIntents(keep func(*Intent) bool) []Intent {
	var out []Intent
	for _, it := range m.intents {
		if keep(it) {
			out = append(out, it.clone())
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].First < out[b].First })
	return out
}

// RecordSubmitted records that the intent starting at first was accepted
// by the DA layer under ref.
func (m *Manager) RecordSubmitted(first int64, ref da.Ref) error {
	it, ok := m.intents[first]
	if !ok {
		return nil // retired meanwhile: its heights are confirmed
	}
	if len(ref) == 0 {
		return fmt.Errorf("%w: empty ref for intent at %d", ErrInvariant, first)
	}
	next := it.clone()
	next.Ref, next.State = append(da.Ref(nil), ref...), da.StatePending
	if err := m.j.Write(Update{Put: []Intent{next}}); err != nil {
		return fmt.Errorf("poster: recording ref of intent at %d: %w", first, err)
	}
	*it = next
	return nil
}

// RecordStatus records the DA layer's answer about the intent starting at
// first. Confirmed heights count toward the firm height; a dropped intent
// is submitted again (same bytes).
func (m *Manager) RecordStatus(first int64, st da.State) error {
	it, ok := m.intents[first]
	if !ok || it.Ref == nil || it.State == da.StateConfirmed {
		return nil
	}
	switch st {
	case da.StatePending, da.StateIncluded:
		it.State = st // not persisted: Status tells again after a restart
		return nil
	case da.StateDropped:
		next := it.clone()
		next.Ref, next.State = nil, 0
		if err := m.j.Write(Update{Put: []Intent{next}}); err != nil {
			return fmt.Errorf("poster: recording drop of intent at %d: %w", first, err)
		}
		*it = next
		return nil
	case da.StateConfirmed:
		m.confirmed.add(it.Range())
		m.dirty = true
		return m.persist()
	}
	return fmt.Errorf("poster: unknown DA state %d for intent at %d", st, first)
}

// Observation is what one scan of the DA layer found: valid copies (their
// records match this node's blocks) of finalized heights.
type Observation struct {
	// Final lists heights with a confirmed (final) valid copy.
	Final []Range
	// Tentative lists heights with a valid copy included but not final.
	Tentative []Range
	// ReplaceTentative: Tentative is the complete current set (a full scan);
	// otherwise it is added to the previous set.
	ReplaceTentative bool
	// Cursor is where the next scan resumes (after the last final copy
	// processed).
	Cursor da.Cursor
}

// ObserveDA records a DA scan. Heights outside (firm, tip] are ignored:
// copies can only be validated against finalized heights.
func (m *Manager) ObserveDA(o Observation) error {
	for _, r := range o.Final {
		if c := r.clip(m.firm+1, m.tip); c.Len() > 0 && !m.confirmed.containsAll(c) {
			m.confirmed.add(c)
			m.dirty = true
		}
	}
	if o.ReplaceTentative {
		m.tentative = rangeSet{}
	}
	for _, r := range o.Tentative {
		m.tentative.add(r.clip(m.firm+1, m.tip))
	}
	if !bytes.Equal(o.Cursor, m.cursor) {
		m.cursor = append(da.Cursor(nil), o.Cursor...)
		m.dirty = true
	}
	return m.persist()
}

// persist advances the firm height over confirmed heights, marks intents
// whose heights are all confirmed, retires intents at or below the firm
// height, and writes the changes in one journal update. If the write fails
// the journal lags memory (never the other way round) and the next persist
// writes again.
func (m *Manager) persist() error {
	oldFirm := m.firm
	for {
		r, ok := m.confirmed.find(m.firm + 1)
		if !ok {
			break
		}
		m.firm = r.Last
	}
	m.confirmed.dropThrough(m.firm)
	m.tentative.dropThrough(m.firm)
	for h := oldFirm + 1; h <= m.firm; h++ {
		delete(m.ownProp, h)
	}
	m.tip, m.now = max(m.tip, m.firm), max(m.now, m.firm)

	if m.firm != oldFirm {
		m.dirty = true
	}
	var u Update
	for f, it := range m.intents {
		r := it.Range()
		switch {
		case r.Last <= m.firm:
			u.Delete = append(u.Delete, f)
		case it.State != da.StateConfirmed && m.confirmedAll(r):
			next := it.clone()
			next.State = da.StateConfirmed
			u.Put = append(u.Put, next)
		}
	}
	sort.Slice(u.Delete, func(a, b int) bool { return u.Delete[a] < u.Delete[b] })
	sort.Slice(u.Put, func(a, b int) bool { return u.Put[a].First < u.Put[b].First })
	if !m.dirty && len(u.Put) == 0 && len(u.Delete) == 0 {
		return nil
	}
	u.Progress = &Progress{Firm: m.firm, Confirmed: m.confirmed.ranges(), Cursor: m.cursor}
	if err := m.j.Write(u); err != nil {
		return fmt.Errorf("poster: writing progress: %w", err)
	}
	m.dirty = false
	for _, f := range u.Delete {
		delete(m.intents, f)
	}
	m.covered.dropThrough(m.firm)
	for _, it := range u.Put {
		m.intents[it.First].State = da.StateConfirmed
	}
	return nil
}

// confirmedAll reports whether every height of r is confirmed.
func (m *Manager) confirmedAll(r Range) bool {
	if r.Last <= m.firm {
		return true
	}
	return m.confirmed.containsAll(r.clip(m.firm+1, r.Last))
}
