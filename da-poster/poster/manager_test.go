package poster

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/ordolabs/ordo/da-poster/da"
)

var (
	addrSelf  = []byte("self-validator-addr.")
	addrOther = []byte("other-validator-addr")
)

func testConfig() Config {
	c := DefaultConfig()
	c.Self = addrSelf
	c.OverdueBlocks = 3
	return c
}

func newTestManager(t *testing.T, c Config, j Journal) *Manager {
	t.Helper()
	m, err := NewManager(c, j)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// finalize feeds heights proposed by the given addresses, in order.
func finalize(t *testing.T, m *Manager, proposers ...[]byte) {
	t.Helper()
	for _, p := range proposers {
		if err := m.Finalized(m.Tip()+1, p); err != nil {
			t.Fatal(err)
		}
	}
}

type run struct {
	first int64
	count int
}

func next(m *Manager, max int) run {
	f, c, ok := m.Next(max)
	if !ok {
		return run{}
	}
	return run{f, c}
}

func intent(t *testing.T, m *Manager, r run) Intent {
	t.Helper()
	it, err := m.RecordIntent(r.first, r.count, []byte(fmt.Sprintf("blob %d+%d", r.first, r.count)))
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// TestDutyProposerPostsOthersWhenOverdue: the proposer's own heights are
// due at once; another's only once more than OverdueBlocks heights past.
func TestDutyProposerPostsOthersWhenOverdue(t *testing.T) {
	m := newTestManager(t, testConfig(), NewMemJournal())
	finalize(t, m, addrSelf, addrOther, addrSelf)
	if got := next(m, 10); got != (run{1, 1}) {
		t.Fatalf("next %v, want own height 1", got)
	}
	intent(t, m, run{1, 1})
	if got := next(m, 10); got != (run{3, 1}) {
		t.Fatalf("next %v, want own height 3 (2 is not ours and not overdue)", got)
	}
	intent(t, m, run{3, 1})
	// Height 2 becomes overdue when the chain is more than 3 past it: 6.
	m.Tick(5)
	if got := next(m, 10); got != (run{}) {
		t.Fatalf("at 5: next %v, want nothing", got)
	}
	m.Tick(6)
	if got := next(m, 10); got != (run{2, 1}) {
		t.Fatalf("at 6: next %v, want overdue 2", got)
	}
	if m.Duty(1) || m.Duty(3) {
		t.Fatal("own posted heights still due")
	}
}

func TestDutyNonValidatorPostsOnlyOverdue(t *testing.T) {
	c := testConfig()
	c.Self = nil
	m := newTestManager(t, c, NewMemJournal())
	finalize(t, m, nil, nil, addrOther, addrOther, addrOther, addrOther) // nil proposer must not match nil Self
	if got := next(m, 10); got != (run{1, 2}) {
		t.Fatalf("next %v, want overdue [1,2]", got)
	}
}

func TestDutyWindow(t *testing.T) {
	c := testConfig()
	c.DutyWindow = 4
	c.OverdueBlocks = 4
	m := newTestManager(t, c, NewMemJournal())
	finalize(t, m, addrSelf, addrSelf, addrSelf)
	if got := next(m, 10); got != (run{}) {
		t.Fatalf("window [1,4] not closed yet, next %v", got)
	}
	finalize(t, m, addrOther) // height 4 (window end) proposed by other
	if got := next(m, 10); got != (run{}) {
		t.Fatalf("window owned by other, next %v", got)
	}
	finalize(t, m, addrOther, addrOther, addrOther, addrSelf) // 5..8, 8 is ours
	if got := next(m, 10); got != (run{5, 4}) {
		t.Fatalf("next %v, want our window [5,8]", got)
	}
	intent(t, m, run{5, 4})
	m.Tick(9) // 9-4 = 5 > 4: window [1,4] overdue
	if got := next(m, 10); got != (run{1, 4}) {
		t.Fatalf("next %v, want overdue window [1,4]", got)
	}
	if got := next(m, 2); got != (run{1, 2}) {
		t.Fatalf("capped next %v", got)
	}
}

// TestSeenOnDASuppressesDuty: a valid copy seen on DA (tentative or final)
// makes a height nobody's duty; if the tentative copy vanishes, the height
// is due again.
func TestSeenOnDASuppressesDuty(t *testing.T) {
	m := newTestManager(t, testConfig(), NewMemJournal())
	finalize(t, m, addrOther, addrSelf, addrOther, addrOther, addrOther, addrOther, addrOther)
	// Heights 1..3 are overdue at 7; 2 is ours anyway.
	if err := m.ObserveDA(Observation{Tentative: []Range{{1, 1}}, Final: []Range{{3, 3}}, ReplaceTentative: true}); err != nil {
		t.Fatal(err)
	}
	if got := next(m, 10); got != (run{2, 1}) {
		t.Fatalf("next %v, want only 2", got)
	}
	intent(t, m, run{2, 1})
	if got := next(m, 10); got != (run{}) {
		t.Fatalf("next %v, want nothing", got)
	}
	// The tentative copy of 1 is reorged out.
	if err := m.ObserveDA(Observation{ReplaceTentative: true}); err != nil {
		t.Fatal(err)
	}
	if got := next(m, 10); got != (run{1, 1}) {
		t.Fatalf("next %v, want 1 again", got)
	}
}

func TestRecordIntentRefusesDoublePostAndOutOfRange(t *testing.T) {
	m := newTestManager(t, testConfig(), NewMemJournal())
	finalize(t, m, addrSelf, addrSelf, addrSelf)
	intent(t, m, run{1, 2})
	for _, r := range []run{{2, 1}, {1, 1}, {2, 2}, {3, 2}, {0, 1}, {3, 0}} {
		if _, err := m.RecordIntent(r.first, r.count, []byte("x")); !errors.Is(err, ErrInvariant) {
			t.Errorf("intent %v: %v", r, err)
		}
	}
	if _, err := m.RecordIntent(3, 1, nil); !errors.Is(err, ErrInvariant) {
		t.Errorf("empty blob: %v", err)
	}
	if err := m.Finalized(9, addrSelf); !errors.Is(err, ErrInvariant) {
		t.Errorf("gap in finalized heights: %v", err)
	}
}

// TestRestartResubmitsIdenticalBytes: an intent recorded before a crash is
// re-submitted with the same bytes, and its heights are not planned again.
func TestRestartResubmitsIdenticalBytes(t *testing.T) {
	j := NewMemJournal()
	m := newTestManager(t, testConfig(), j)
	finalize(t, m, addrSelf, addrSelf)
	it := intent(t, m, run{1, 2})

	m = newTestManager(t, testConfig(), j) // crash before Submit returned
	finalize(t, m, addrSelf, addrSelf, addrSelf)
	un := m.Unsubmitted()
	if len(un) != 1 || !bytes.Equal(un[0].Blob, it.Blob) || un[0].Hash != it.Hash {
		t.Fatalf("unsubmitted after restart: %+v", un)
	}
	if got := next(m, 10); got != (run{3, 1}) {
		t.Fatalf("next %v, want only the new height 3", got)
	}
	if err := m.RecordSubmitted(1, da.Ref{7}); err != nil {
		t.Fatal(err)
	}
	m = newTestManager(t, testConfig(), j)
	if fl := m.InFlight(); len(fl) != 1 || !bytes.Equal(fl[0].Ref, da.Ref{7}) || len(m.Unsubmitted()) != 0 {
		t.Fatalf("after restart: in flight %+v", fl)
	}
}

func TestDroppedIsResubmitted(t *testing.T) {
	m := newTestManager(t, testConfig(), NewMemJournal())
	finalize(t, m, addrSelf)
	it := intent(t, m, run{1, 1})
	if err := m.RecordSubmitted(1, da.Ref{1}); err != nil {
		t.Fatal(err)
	}
	if err := m.RecordStatus(1, da.StateIncluded); err != nil {
		t.Fatal(err)
	}
	if m.PostedHeight() != 1 || m.FirmHeight() != 0 {
		t.Fatalf("posted %d firm %d", m.PostedHeight(), m.FirmHeight())
	}
	if err := m.RecordStatus(1, da.StateDropped); err != nil {
		t.Fatal(err)
	}
	un := m.Unsubmitted()
	if len(un) != 1 || !bytes.Equal(un[0].Blob, it.Blob) {
		t.Fatalf("unsubmitted %+v", un)
	}
	if got := next(m, 10); got != (run{}) {
		t.Fatalf("dropped height planned as a new batch: %v", got)
	}
	if m.PostedHeight() != 0 {
		t.Fatalf("posted %d after drop", m.PostedHeight())
	}
}

// TestFirmHeight: out-of-order confirmations, own and others'.
func TestFirmHeight(t *testing.T) {
	j := NewMemJournal()
	m := newTestManager(t, testConfig(), j)
	finalize(t, m, addrSelf, addrOther, addrSelf, addrOther, addrSelf)
	a := intent(t, m, run{1, 1})
	c := intent(t, m, run{3, 1})
	for _, it := range []Intent{a, c} {
		if err := m.RecordSubmitted(it.First, da.Ref{byte(it.First)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.RecordStatus(3, da.StateConfirmed); err != nil {
		t.Fatal(err)
	}
	if m.FirmHeight() != 0 {
		t.Fatalf("firm %d", m.FirmHeight())
	}
	if err := m.ObserveDA(Observation{Final: []Range{{2, 2}, {4, 4}}, Cursor: da.Cursor{9}}); err != nil {
		t.Fatal(err)
	}
	if m.FirmHeight() != 0 {
		t.Fatalf("firm %d before 1 is confirmed", m.FirmHeight())
	}
	if err := m.RecordStatus(1, da.StateConfirmed); err != nil {
		t.Fatal(err)
	}
	if m.FirmHeight() != 4 {
		t.Fatalf("firm %d, want 4", m.FirmHeight())
	}
	if len(m.InFlight()) != 0 || len(m.intents) != 0 {
		t.Fatal("confirmed intents not retired")
	}
	m = newTestManager(t, testConfig(), j)
	if m.FirmHeight() != 4 || !bytes.Equal(m.Cursor(), da.Cursor{9}) {
		t.Fatalf("after restart firm %d cursor %v", m.FirmHeight(), m.Cursor())
	}
	// Heights above the tip cannot be validated and are ignored.
	if err := m.ObserveDA(Observation{Final: []Range{{5, 9}}}); err != nil || m.FirmHeight() != 4 {
		t.Fatalf("firm %d err %v", m.FirmHeight(), err)
	}
}

// TestIntentConfirmedByOthersIsNotResubmitted: if every height of an
// unsubmitted or dropped intent is confirmed through other copies, it is
// left alone.
func TestIntentConfirmedByOthersIsNotResubmitted(t *testing.T) {
	m := newTestManager(t, testConfig(), NewMemJournal())
	finalize(t, m, addrOther, addrSelf, addrSelf)
	intent(t, m, run{2, 2})
	if err := m.ObserveDA(Observation{Final: []Range{{2, 3}}}); err != nil {
		t.Fatal(err)
	}
	if len(m.Unsubmitted()) != 0 {
		t.Fatal("intent confirmed by others still to submit")
	}
	if m.FirmHeight() != 0 {
		t.Fatalf("firm %d (height 1 not confirmed)", m.FirmHeight())
	}
}

// failingJournal fails writes on demand.
type failingJournal struct {
	*MemJournal
	fail bool
}

func (f *failingJournal) Write(u Update) error {
	if f.fail {
		return errors.New("disk full")
	}
	return f.MemJournal.Write(u)
}

// TestJournalFailureIsRetried: a failed progress write leaves the journal
// behind memory, and the next successful call writes it.
func TestJournalFailureIsRetried(t *testing.T) {
	j := &failingJournal{MemJournal: NewMemJournal()}
	m := newTestManager(t, testConfig(), j)
	finalize(t, m, addrOther, addrOther)
	j.fail = true
	if err := m.ObserveDA(Observation{Final: []Range{{1, 2}}, Cursor: da.Cursor{1}}); err == nil {
		t.Fatal("write failure not reported")
	}
	if _, err := m.RecordIntent(1, 1, []byte("x")); err == nil {
		t.Fatal("intent recorded without a journal write")
	}
	j.fail = false
	if err := m.ObserveDA(Observation{Cursor: da.Cursor{1}}); err != nil {
		t.Fatal(err)
	}
	p, _, _, _ := j.Load()
	if p.Firm != 2 || !bytes.Equal(p.Cursor, da.Cursor{1}) {
		t.Fatalf("journal %+v", p)
	}
}
