package poster

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/ordolabs/ordo/da-poster/da"
)

// Journal keys, under the journal's prefix. One byte each; never reuse a
// retired one.
const (
	keyProgress     = 'p' // -> progressRecord (JSON)
	keyIntentPrefix = 'i' // + BE64(first) -> intentRecord (JSON)
	keyBlobPrefix   = 'd' // + BE64(first) -> the intent's blob
)

// BadgerJournal is the durable Journal: the poster's progress in badger,
// under a key prefix, either in a badger DB it owns (OpenJournal) or in one
// shared with other components (NewBadgerJournal).
type BadgerJournal struct {
	db     *badger.DB
	prefix []byte
	owned  bool
}

var _ Journal = (*BadgerJournal)(nil)

// JournalOptions configure OpenJournal.
type JournalOptions struct {
	// InMemory keeps everything in memory (tests only).
	InMemory bool
	// SyncWrites fsyncs every write, so progress survives power loss, not
	// only a process crash. Production sets it.
	SyncWrites bool
	Logger     badger.Logger
}

// OpenJournal opens (or creates) a journal in its own badger directory.
// Close closes the database.
func OpenJournal(dir string, o JournalOptions) (*BadgerJournal, error) {
	opts := badger.DefaultOptions(dir).
		WithSyncWrites(o.SyncWrites).
		WithInMemory(o.InMemory).
		WithLogger(o.Logger)
	if o.InMemory {
		opts.Dir, opts.ValueDir = "", ""
	}
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("poster: opening journal in %s: %w", dir, err)
	}
	return &BadgerJournal{db: db, owned: true}, nil
}

// NewBadgerJournal keeps the journal in db under prefix (which must not be
// a prefix of any other component's keys). Close does not close db.
func NewBadgerJournal(db *badger.DB, prefix []byte) *BadgerJournal {
	return &BadgerJournal{db: db, prefix: append([]byte(nil), prefix...)}
}

// Close closes the database if OpenJournal opened it.
func (j *BadgerJournal) Close() error {
	if j.owned {
		return j.db.Close()
	}
	return nil
}

type progressRecord struct {
	Firm      int64      `json:"firm"`
	Confirmed [][2]int64 `json:"confirmed,omitempty"`
	Cursor    []byte     `json:"cursor,omitempty"`
}

type intentRecord struct {
	First int64  `json:"first"`
	Count int    `json:"count"`
	Hash  []byte `json:"hash"`
	Ref   []byte `json:"ref,omitempty"`
	State int    `json:"state,omitempty"`
}

func (j *BadgerJournal) key(kind byte, first ...int64) []byte {
	k := append(append([]byte(nil), j.prefix...), kind)
	for _, f := range first {
		k = binary.BigEndian.AppendUint64(k, uint64(f))
	}
	return k
}

// Load implements Journal.
func (j *BadgerJournal) Load() (Progress, []Intent, bool, error) {
	var (
		p       Progress
		intents []Intent
		found   bool
	)
	err := j.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(j.key(keyProgress))
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
		case err != nil:
			return err
		default:
			var rec progressRecord
			if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &rec) }); err != nil {
				return fmt.Errorf("poster journal: progress: %w", err)
			}
			found = true
			p.Firm = rec.Firm
			for _, r := range rec.Confirmed {
				p.Confirmed = append(p.Confirmed, Range{First: r[0], Last: r[1]})
			}
			if len(rec.Cursor) > 0 {
				p.Cursor = da.Cursor(rec.Cursor)
			}
		}
		pre := j.key(keyIntentPrefix)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var rec intentRecord
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &rec) }); err != nil {
				return fmt.Errorf("poster journal: intent %x: %w", it.Item().Key(), err)
			}
			blobItem, err := txn.Get(j.key(keyBlobPrefix, rec.First))
			if err != nil {
				return fmt.Errorf("poster journal: blob of intent %d: %w", rec.First, err)
			}
			blob, err := blobItem.ValueCopy(nil)
			if err != nil {
				return err
			}
			in := Intent{First: rec.First, Count: rec.Count, Blob: blob, State: da.State(rec.State)}
			if len(rec.Hash) != len(in.Hash) {
				return fmt.Errorf("poster journal: intent %d: hash of %d bytes", rec.First, len(rec.Hash))
			}
			copy(in.Hash[:], rec.Hash)
			if len(rec.Ref) > 0 {
				in.Ref = da.Ref(rec.Ref)
			}
			if err := in.check(); err != nil {
				return fmt.Errorf("poster journal: %w", err)
			}
			intents = append(intents, in)
		}
		return nil
	})
	return p, intents, found, err
}

// Write implements Journal: one badger transaction.
func (j *BadgerJournal) Write(u Update) error {
	return j.db.Update(func(txn *badger.Txn) error {
		if u.Progress != nil {
			rec := progressRecord{Firm: u.Progress.Firm, Cursor: u.Progress.Cursor}
			for _, r := range u.Progress.Confirmed {
				rec.Confirmed = append(rec.Confirmed, [2]int64{r.First, r.Last})
			}
			v, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			if err := txn.Set(j.key(keyProgress), v); err != nil {
				return err
			}
		}
		for _, in := range u.Put {
			v, err := json.Marshal(intentRecord{
				First: in.First, Count: in.Count, Hash: in.Hash[:], Ref: in.Ref, State: int(in.State),
			})
			if err != nil {
				return err
			}
			if err := txn.Set(j.key(keyIntentPrefix, in.First), v); err != nil {
				return err
			}
			// An intent's blob never changes: write it once.
			bk := j.key(keyBlobPrefix, in.First)
			if _, err := txn.Get(bk); err == nil {
				continue
			} else if !errors.Is(err, badger.ErrKeyNotFound) {
				return err
			}
			if err := txn.Set(bk, in.Blob); err != nil {
				return err
			}
		}
		for _, f := range u.Delete {
			if err := txn.Delete(j.key(keyIntentPrefix, f)); err != nil {
				return err
			}
			if err := txn.Delete(j.key(keyBlobPrefix, f)); err != nil {
				return err
			}
		}
		return nil
	})
}
