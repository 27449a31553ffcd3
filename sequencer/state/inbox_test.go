package state

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/ordolabs/ordo/sequencer/forced"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

func l1Message(block uint64, index uint32, data []byte) forced.Message {
	return forced.Message{L1Block: block, TxIndex: index, Data: data,
		L1Tx: sha256.Sum256([]byte(fmt.Sprintf("L1 tx %d/%d", block, index)))}
}

func queuedEntry(seq uint64, height int64, m forced.Message) forced.Entry {
	return forced.Entry{Seq: seq, ImportHeight: height, Msg: m}
}

func queuedRecord(e forced.Entry) forced.Record {
	return forced.Record{Msg: e.Msg, Status: forced.Queued, Height: e.ImportHeight, TxHash: tx.HashOf(e.Msg.Data), DataLen: len(e.Msg.Data)}
}

func emptyBlock(h int64) *Pending {
	return &Pending{Height: h, AppHash: bytes.Repeat([]byte{byte(h)}, 32)}
}

func inboxOf(t *testing.T, s *Store) (forced.State, bool) {
	t.Helper()
	snap := s.Snapshot()
	defer snap.Discard()
	st, ok, err := snap.InboxState()
	if err != nil {
		t.Fatal(err)
	}
	return st, ok
}

func entriesOf(t *testing.T, s *Store, from uint64, n int) []forced.Entry {
	t.Helper()
	snap := s.Snapshot()
	defer snap.Discard()
	es, err := snap.QueueEntries(from, n)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func sameEntries(a, b []forced.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Seq != y.Seq || x.ImportHeight != y.ImportHeight || x.Msg.L1Block != y.Msg.L1Block || x.Msg.TxIndex != y.Msg.TxIndex ||
			x.Msg.L1Tx != y.Msg.L1Tx || !bytes.Equal(x.Msg.Data, y.Msg.Data) {
			return false
		}
	}
	return true
}

// wantStored checks a stored record: everything but the message data
// (records keep its length only).
func wantStored(t *testing.T, s *Store, want forced.Record) {
	t.Helper()
	got, err := s.ForcedRecord(want.Msg.L1Tx)
	if err != nil {
		t.Fatalf("record of %d/%d: %v", want.Msg.L1Block, want.Msg.TxIndex, err)
	}
	if len(got.Msg.Data) != 0 {
		t.Fatalf("record keeps %d bytes of data", len(got.Msg.Data))
	}
	if got.Msg.L1Block != want.Msg.L1Block || got.Msg.TxIndex != want.Msg.TxIndex || got.Msg.L1Tx != want.Msg.L1Tx || got.Status != want.Status || got.Height != want.Height || got.TxHash != want.TxHash ||
		got.DataLen != want.DataLen || got.Reason != want.Reason {
		t.Fatalf("record of %d/%d = %+v, want %+v", want.Msg.L1Block, want.Msg.TxIndex, got, want)
	}
}

func TestInboxCommitRoundTrip(t *testing.T) {
	s := openMem(t)
	if err := s.Commit(genesis()); err != nil {
		t.Fatal(err)
	}
	if st, ok := inboxOf(t, s); ok || st != (forced.State{}) {
		t.Fatalf("inbox state before any import: %+v, ok=%v", st, ok)
	}
	if es := entriesOf(t, s, 0, 10); len(es) != 0 {
		t.Fatalf("queue before any import: %+v", es)
	}
	if _, err := s.ForcedRecord([32]byte{1}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown record: %v", err)
	}

	// Height 1 imports three messages and skips one.
	e := []forced.Entry{
		queuedEntry(0, 1, l1Message(5, 0, []byte("tx zero"))),
		queuedEntry(1, 1, l1Message(5, 7, []byte("tx one, longer"))),
		queuedEntry(2, 1, l1Message(6, 2, bytes.Repeat([]byte{0xee}, 300))),
	}
	skipped := forced.Record{Msg: l1Message(6, 3, []byte("garbage")), Status: forced.Skipped, Height: 1, DataLen: 7,
		Reason: "tx cannot be decoded: ünïcode and a long reason " + strings.Repeat("x", 500)}
	oversize := forced.Record{Msg: forced.Message{L1Block: 6, TxIndex: 4, L1Tx: [32]byte{0xab}, Oversize: true}, Status: forced.Skipped, Height: 1,
		Reason: "oversize: more than max_forced_bytes 1024"}
	st1 := forced.State{Cursor: forced.Cursor{Block: 6, Index: 5}, Head: 0, Tail: 3, Bytes: int64(7 + 14 + 300)}
	b1 := block1()
	b1.Inbox = &InboxChanges{State: st1, Appended: e,
		Records: []forced.Record{queuedRecord(e[0]), queuedRecord(e[1]), skipped, queuedRecord(e[2]), oversize}}
	if err := s.Commit(b1); err != nil {
		t.Fatal(err)
	}
	before := s.Snapshot() // a reader holding height 1
	defer before.Discard()

	if st, ok := inboxOf(t, s); !ok || st != st1 {
		t.Fatalf("inbox state %+v (ok=%v), want %+v", st, ok, st1)
	}
	for _, c := range []struct {
		from uint64
		n    int
		want []forced.Entry
	}{
		{0, 10, e}, {0, 3, e}, {0, 2, e[:2]}, {1, 1, e[1:2]}, {2, 5, e[2:]}, {3, 5, nil}, {0, 0, nil},
	} {
		if got := entriesOf(t, s, c.from, c.n); !sameEntries(got, c.want) {
			t.Fatalf("QueueEntries(%d, %d) = %+v, want %+v", c.from, c.n, got, c.want)
		}
	}
	for _, r := range []forced.Record{queuedRecord(e[0]), queuedRecord(e[1]), queuedRecord(e[2]), skipped, oversize} {
		wantStored(t, s, r)
	}
	// The rest of the block is there too.
	if h, hash, _ := s.LastCommitted(); h != 1 || !bytes.Equal(hash, b1.AppHash) {
		t.Fatalf("height %d hash %x", h, hash)
	}

	// Height 2 settles the first two (one included, one skipped) and
	// appends two more.
	e2 := []forced.Entry{queuedEntry(3, 2, l1Message(7, 1, []byte("tx three"))), queuedEntry(4, 2, l1Message(9, 0, []byte("tx four")))}
	inc := forced.Record{Msg: e[0].Msg, Status: forced.Included, Height: 2, TxHash: tx.HashOf(e[0].Msg.Data), DataLen: 7}
	skip := forced.Record{Msg: e[1].Msg, Status: forced.Skipped, Height: 2, TxHash: tx.HashOf(e[1].Msg.Data), DataLen: 14, Reason: "stale nonce: used"}
	st2 := forced.State{Cursor: forced.Cursor{Block: 10}, Head: 2, Tail: 5, Bytes: 300 + 8 + 7}
	b2 := emptyBlock(2)
	b2.Accounts = []ledger.AccountChange{{Address: addrB, Account: ledger.Account{Balance: 61, Nonce: 1}}}
	b2.Inbox = &InboxChanges{State: st2, Appended: e2, RemovedFrom: 0, RemovedTo: 2,
		Records: []forced.Record{inc, skip, queuedRecord(e2[0]), queuedRecord(e2[1])}}
	if err := s.Commit(b2); err != nil {
		t.Fatal(err)
	}
	if st, _ := inboxOf(t, s); st != st2 {
		t.Fatalf("inbox state %+v, want %+v", st, st2)
	}
	for _, seq := range []uint64{0, 1} {
		if got := entriesOf(t, s, seq, 1); len(got) != 0 {
			t.Fatalf("settled entry %d still queued: %+v", seq, got)
		}
	}
	if got, want := entriesOf(t, s, st2.Head, int(st2.Len())+5), append([]forced.Entry{e[2]}, e2...); !sameEntries(got, want) {
		t.Fatalf("queue %+v, want %+v", got, want)
	}
	for _, r := range []forced.Record{inc, skip, queuedRecord(e[2]), skipped, oversize, queuedRecord(e2[0]), queuedRecord(e2[1])} {
		wantStored(t, s, r)
	}
	// The reader opened at height 1 still sees height 1's inbox.
	if st, ok, err := before.InboxState(); err != nil || !ok || st != st1 {
		t.Fatalf("old snapshot: %+v %v %v", st, ok, err)
	}
	if got, err := before.QueueEntries(0, 10); err != nil || !sameEntries(got, e) {
		t.Fatalf("old snapshot queue: %+v %v", got, err)
	}

	// A block without inbox changes leaves the inbox alone.
	if err := s.Commit(emptyBlock(3)); err != nil {
		t.Fatal(err)
	}
	if st, _ := inboxOf(t, s); st != st2 {
		t.Fatalf("inbox state after a block without inbox changes: %+v", st)
	}
	// Settling everything empties the queue.
	b4 := emptyBlock(4)
	st4 := forced.State{Cursor: st2.Cursor, Head: 5, Tail: 5}
	b4.Inbox = &InboxChanges{State: st4, RemovedFrom: 2, RemovedTo: 5}
	if err := s.Commit(b4); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(0); seq < 6; seq++ {
		if got := entriesOf(t, s, seq, 10); len(got) != 0 {
			t.Fatalf("entries left from %d: %+v", seq, got)
		}
	}
	if st, _ := inboxOf(t, s); st != st4 {
		t.Fatalf("inbox state %+v", st)
	}
}

func TestInboxSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{SyncWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(genesis()); err != nil {
		t.Fatal(err)
	}
	e := []forced.Entry{queuedEntry(0, 1, l1Message(1, 0, []byte("a"))), queuedEntry(1, 1, l1Message(1, 1, []byte("bb")))}
	st := forced.State{Cursor: forced.Cursor{Block: 2}, Tail: 2, Bytes: 3}
	b := block1()
	b.Inbox = &InboxChanges{State: st, Appended: e, Records: []forced.Record{queuedRecord(e[0]), queuedRecord(e[1])}}
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, ok := inboxOf(t, s); !ok || got != st {
		t.Fatalf("after reopen: %+v %v", got, ok)
	}
	if got := entriesOf(t, s, 0, 5); !sameEntries(got, e) {
		t.Fatalf("after reopen: %+v", got)
	}
	wantStored(t, s, queuedRecord(e[1]))
}

// TestInboxCommitIsAtomic: a block's inbox changes are written with the
// rest of the block or not at all — here the transaction fails inside the
// inbox write itself (too large for one badger transaction), after the
// block's accounts, the queue removals and part of the appended entries
// were staged.
func TestInboxCommitIsAtomic(t *testing.T) {
	s := openMem(t)
	if err := s.Commit(genesis()); err != nil {
		t.Fatal(err)
	}
	e := []forced.Entry{queuedEntry(0, 1, l1Message(1, 0, []byte("a"))), queuedEntry(1, 1, l1Message(1, 1, []byte("bb")))}
	st1 := forced.State{Cursor: forced.Cursor{Block: 2}, Tail: 2, Bytes: 3}
	b := block1()
	b.Inbox = &InboxChanges{State: st1, Appended: e, Records: []forced.Record{queuedRecord(e[0]), queuedRecord(e[1])}}
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	acctB := func() ledger.Account {
		snap := s.Snapshot()
		defer snap.Discard()
		a, err := snap.Account(addrB)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	unchanged := func(what string) {
		t.Helper()
		if h, _, _ := s.LastCommitted(); h != 1 {
			t.Fatalf("%s: height %d", what, h)
		}
		if got, _ := inboxOf(t, s); got != st1 {
			t.Fatalf("%s: inbox state %+v", what, got)
		}
		if got := entriesOf(t, s, 0, 100); !sameEntries(got, e) {
			t.Fatalf("%s: queue %+v", what, got)
		}
		wantStored(t, s, queuedRecord(e[0]))
		if _, err := s.ForcedRecord(l1Message(2, 0, nil).L1Tx); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s: a record of the failed block was written (%v)", what, err)
		}
		if a := acctB(); a.Balance != 60 {
			t.Fatalf("%s: account %+v", what, a)
		}
	}

	huge := bytes.Repeat([]byte{0x5a}, 512<<10)
	var appended []forced.Entry
	for i := uint64(0); i < 64; i++ { // 32 MiB, more than one transaction holds
		appended = append(appended, queuedEntry(2+i, 2, l1Message(2, uint32(i), huge)))
	}
	bad := emptyBlock(2)
	bad.Accounts = []ledger.AccountChange{{Address: addrB, Account: ledger.Account{Balance: 1}}}
	bad.Inbox = &InboxChanges{State: forced.State{Cursor: forced.Cursor{Block: 3}, Head: 1, Tail: 66}, RemovedFrom: 0, RemovedTo: 1,
		Appended: appended, Records: []forced.Record{{Msg: l1Message(2, 0, nil), Status: forced.Queued, Height: 2}}}
	err := s.Commit(bad)
	if !errors.Is(err, badger.ErrTxnTooBig) {
		t.Fatalf("Commit = %v, want badger.ErrTxnTooBig", err)
	}
	unchanged("after a failed inbox write")

	// A repeated height with inbox changes is refused before writing.
	again := block1()
	again.Inbox = &InboxChanges{State: forced.State{Cursor: forced.Cursor{Block: 9}}, RemovedFrom: 0, RemovedTo: 2}
	if err := s.Commit(again); err == nil {
		t.Fatal("height 1 committed twice")
	}
	unchanged("after a refused commit")

	// The same height then commits normally.
	ok := emptyBlock(2)
	ok.Inbox = &InboxChanges{State: forced.State{Cursor: forced.Cursor{Block: 3}, Head: 1, Tail: 2, Bytes: 2}, RemovedFrom: 0, RemovedTo: 1}
	if err := s.Commit(ok); err != nil {
		t.Fatal(err)
	}
	if got := entriesOf(t, s, 1, 10); !sameEntries(got, e[1:]) {
		t.Fatalf("queue %+v", got)
	}
}
