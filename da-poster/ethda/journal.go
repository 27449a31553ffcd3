package ethda

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/dgraph-io/badger/v4"
	"github.com/ethereum/go-ethereum/common"
)

// Journal keys. One byte each; never reuse a retired one.
const (
	keyMeta      = 'm' // -> journalMeta (JSON)
	keySubPrefix = 's' // + ref -> record (JSON)
	keyPayload   = 'p' // + ref -> the payload bytes (until confirmed)
)

// Submission states in the journal.
const (
	stActive    = "active"    // a generation in flight (pending or included)
	stDropped   = "dropped"   // reported StateDropped; the next Submit starts a new generation
	stConfirmed = "confirmed" // included at or below finalized; terminal
)

// attempt is one signed transaction of a submission: the first send of a
// generation or a fee bump (same nonce).
type attempt struct {
	Hash       common.Hash `json:"hash"`
	Nonce      uint64      `json:"nonce"`
	TipCap     *big.Int    `json:"tip"`
	FeeCap     *big.Int    `json:"feeCap"`
	BlobFeeCap *big.Int    `json:"blobFeeCap"`
}

func (a attempt) fees() fees { return fees{tip: a.TipCap, feeCap: a.FeeCap, blobFeeCap: a.BlobFeeCap} }

// record is what the journal knows about one submission (one payload,
// identified by its Ref, the versioned hashes of its blobs). A generation
// is one nonce: after a drop, the next Submit of the same bytes starts a
// new generation with a fresh nonce; attempts of every generation are kept
// so that a late inclusion of an old one is still recognized.
type record struct {
	State    string    `json:"state"`
	Blobs    int       `json:"blobs"`
	Nonce    uint64    `json:"nonce"`    // the current generation's nonce
	Attempts []attempt `json:"attempts"` // oldest first; the last is the newest
	// Accepted: a node accepted the newest attempt (or already knew it).
	Accepted bool `json:"accepted"`
	// SentHead is the L1 head when the newest attempt was made: the fee
	// bump timer.
	SentHead uint64 `json:"sentHead"`
	// Block is the including L1 block, once confirmed.
	Block uint64 `json:"block,omitempty"`
}

func (r *record) newest() attempt { return r.Attempts[len(r.Attempts)-1] }

type journalMeta struct {
	Sender common.Address `json:"sender"`
}

// journal is the backend's badger store of submissions. Every write is
// synced before the method returns.
type journal struct {
	db *badger.DB
}

// openJournal opens (or creates) the journal in dir for sender. A journal
// written for another sender is refused: its nonces mean nothing for this
// key.
func openJournal(dir string, sender common.Address) (*journal, error) {
	db, err := badger.Open(badger.DefaultOptions(dir).WithSyncWrites(true).WithLogger(nil))
	if err != nil {
		return nil, fmt.Errorf("ethda: opening journal in %s: %w", dir, err)
	}
	j := &journal{db: db}
	var meta journalMeta
	found, err := j.getJSON([]byte{keyMeta}, &meta)
	switch {
	case err != nil:
	case !found:
		err = j.putJSON([]byte{keyMeta}, journalMeta{Sender: sender})
	case meta.Sender != sender:
		err = fmt.Errorf("ethda: journal %s belongs to sender %s, not %s", dir, meta.Sender, sender)
	}
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return j, nil
}

func (j *journal) close() error { return j.db.Close() }

func subKey(ref []byte) []byte     { return append([]byte{keySubPrefix}, ref...) }
func payloadKey(ref []byte) []byte { return append([]byte{keyPayload}, ref...) }

// get returns the record of ref, or nil if there is none.
func (j *journal) get(ref []byte) (*record, error) {
	var r record
	found, err := j.getJSON(subKey(ref), &r)
	if err != nil || !found {
		return nil, err
	}
	return &r, nil
}

// put writes r, and payload too when not nil. A confirmed record's payload
// is deleted: it will never be sent again.
func (j *journal) put(ref []byte, r *record, payload []byte) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	err = j.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(subKey(ref), v); err != nil {
			return err
		}
		if r.State == stConfirmed {
			return txn.Delete(payloadKey(ref))
		}
		if payload != nil {
			return txn.Set(payloadKey(ref), payload)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ethda: journal write: %w", err)
	}
	return nil
}

// payload returns the stored payload of ref.
func (j *journal) payload(ref []byte) ([]byte, error) {
	var out []byte
	err := j.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(payloadKey(ref))
		if err != nil {
			return err
		}
		out, err = it.ValueCopy(nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ethda: journal: payload of %x: %w", ref, err)
	}
	return out, nil
}

// active returns the refs and records of every submission in stActive.
func (j *journal) active() (map[string]*record, error) {
	out := map[string]*record{}
	err := j.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{keySubPrefix}, PrefetchValues: true, PrefetchSize: 64})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			var r record
			if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &r) }); err != nil {
				return fmt.Errorf("record %x: %w", item.Key(), err)
			}
			if r.State == stActive {
				out[string(item.KeyCopy(nil)[1:])] = &r
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ethda: journal scan: %w", err)
	}
	return out, nil
}

func (j *journal) getJSON(key []byte, out any) (bool, error) {
	err := j.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(key)
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error { return json.Unmarshal(v, out) })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ethda: journal read: %w", err)
	}
	return true, nil
}

func (j *journal) putJSON(key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return j.db.Update(func(txn *badger.Txn) error { return txn.Set(key, b) })
}
