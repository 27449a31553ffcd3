package poster

import (
	"crypto/sha256"
	"reflect"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/ordolabs/ordo/da-poster/da"
)

func mkIntent(first int64, count int, blob string) Intent {
	return Intent{First: first, Count: count, Blob: []byte(blob), Hash: sha256.Sum256([]byte(blob))}
}

func journalRoundTrip(t *testing.T, j Journal, reopen func() Journal) {
	t.Helper()
	if _, _, found, err := j.Load(); err != nil || found {
		t.Fatalf("empty journal: found %v err %v", found, err)
	}
	a, b := mkIntent(5, 2, "batch a"), mkIntent(7, 1, "batch b")
	b.Ref, b.State = da.Ref{1, 2}, da.StatePending
	p := Progress{Firm: 4, Confirmed: []Range{{8, 9}, {12, 12}}, Cursor: da.Cursor{0, 0, 7}}
	if err := j.Write(Update{Progress: &p, Put: []Intent{a, b}}); err != nil {
		t.Fatal(err)
	}
	b.State = da.StateConfirmed
	if err := j.Write(Update{Put: []Intent{b}, Delete: []int64{99}}); err != nil {
		t.Fatal(err)
	}
	j = reopen()
	gotP, got, found, err := j.Load()
	if err != nil || !found {
		t.Fatalf("load: %v %v", found, err)
	}
	if !reflect.DeepEqual(gotP, p) {
		t.Fatalf("progress %+v, want %+v", gotP, p)
	}
	if !reflect.DeepEqual(got, []Intent{a, b}) {
		t.Fatalf("intents %+v", got)
	}
	if err := j.Write(Update{Delete: []int64{5}}); err != nil {
		t.Fatal(err)
	}
	if _, got, _, _ = j.Load(); len(got) != 1 || got[0].First != 7 {
		t.Fatalf("after delete: %+v", got)
	}
}

func TestMemJournal(t *testing.T) {
	j := NewMemJournal()
	journalRoundTrip(t, j, func() Journal { return j })
}

func TestBadgerJournalSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournal(dir, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	journalRoundTrip(t, j, func() Journal {
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		j, err = OpenJournal(dir, JournalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return j
	})
	_ = j.Close()
}

func TestBadgerJournalDetectsCorruptBlob(t *testing.T) {
	j, err := OpenJournal("", JournalOptions{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	it := mkIntent(3, 1, "original")
	if err := j.Write(Update{Put: []Intent{it}}); err != nil {
		t.Fatal(err)
	}
	if err := j.db.Update(func(txn *badger.Txn) error { return txn.Set(j.key(keyBlobPrefix, 3), []byte("tampered")) }); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := j.Load(); err == nil {
		t.Fatal("tampered blob loaded")
	}
}
