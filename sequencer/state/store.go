// Package state is Ordo's durable store, in badger: the ledger (accounts,
// rollups), chain metadata (height, app hash, params) and the block, tx and
// per-rollup indexes the query API serves.
//
// All writes for one block go through Commit in a single badger
// transaction, so after a crash (even kill -9) the store holds either all
// of a block or none of it; CometBFT's handshake then replays what is
// missing.
package state

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Key prefixes. One byte each; never reuse a retired prefix.
const (
	prefixAccount     = 'a'
	prefixRollup      = 'r'
	prefixBlock       = 'b'
	prefixTx          = 't'
	prefixRollupBlock = 'd'
	prefixEntries     = 'e'
	prefixMeta        = 'm'
)

var (
	keyHeight  = []byte{prefixMeta, 'h'}
	keyAppHash = []byte{prefixMeta, 'a'}
	keyParams  = []byte{prefixMeta, 'p'}
)

// ErrNotFound is returned by queries for absent records.
var ErrNotFound = errors.New("not found")

// Store is the badger-backed state. Safe for concurrent use: readers see
// the last committed block.
type Store struct {
	db *badger.DB
}

// Options configure Open.
type Options struct {
	// InMemory keeps everything in memory (tests only).
	InMemory bool
	// SyncWrites fsyncs every commit; on by default in Open's callers so a
	// committed block survives power loss, not only a process crash.
	SyncWrites bool
	Logger     badger.Logger
}

// Open opens (or creates) the store in dir.
func Open(dir string, o Options) (*Store, error) {
	opts := badger.DefaultOptions(dir).
		WithSyncWrites(o.SyncWrites).
		WithInMemory(o.InMemory).
		// Large memtables so one block always fits in one transaction.
		WithMemTableSize(128 << 20).
		WithLogger(o.Logger)
	if o.InMemory {
		opts.Dir, opts.ValueDir = "", ""
	}
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("opening state store in %s: %w", dir, err)
	}
	return &Store{db: db}, nil
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// LastCommitted returns the last committed height and app hash (0 and nil
// before genesis is committed).
func (s *Store) LastCommitted() (int64, []byte, error) {
	var (
		height int64
		hash   []byte
	)
	err := s.db.View(func(txn *badger.Txn) error {
		v, err := get(txn, keyHeight)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		height = int64(binary.BigEndian.Uint64(v))
		hash, err = get(txn, keyAppHash)
		return err
	})
	return height, hash, err
}

// Params returns the chain parameters stored at genesis.
func (s *Store) Params() (ledger.Params, error) {
	var p ledger.Params
	err := s.db.View(func(txn *badger.Txn) error {
		v, err := get(txn, keyParams)
		if err != nil {
			return err
		}
		return json.Unmarshal(v, &p)
	})
	return p, err
}

// Snapshot returns a read view of the committed state. Call Discard when
// done. A Snapshot implements ledger.Reader.
func (s *Store) Snapshot() *Snapshot {
	return &Snapshot{txn: s.db.NewTransaction(false)}
}

// Snapshot is a consistent read-only view of committed state.
type Snapshot struct {
	txn *badger.Txn
}

// Discard releases the snapshot.
func (v *Snapshot) Discard() { v.txn.Discard() }

// Account implements ledger.Reader.
func (v *Snapshot) Account(addr tx.Address) (ledger.Account, error) {
	b, err := get(v.txn, accountKey(addr))
	if errors.Is(err, ErrNotFound) {
		return ledger.Account{}, nil
	}
	if err != nil {
		return ledger.Account{}, err
	}
	return ledger.DecodeAccount(b)
}

// Rollup implements ledger.Reader.
func (v *Snapshot) Rollup(id tx.RollupID) (ledger.Rollup, bool, error) {
	b, err := get(v.txn, rollupKey(id))
	if errors.Is(err, ErrNotFound) {
		return ledger.Rollup{}, false, nil
	}
	if err != nil {
		return ledger.Rollup{}, false, err
	}
	r, err := ledger.DecodeRollup(b)
	return r, err == nil, err
}

// Rollups lists all registered rollups in id order.
func (v *Snapshot) Rollups() ([]ledger.Rollup, error) {
	it := v.txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixRollup}, PrefetchValues: true})
	defer it.Close()
	var out []ledger.Rollup
	for it.Rewind(); it.Valid(); it.Next() {
		b, err := it.Item().ValueCopy(nil)
		if err != nil {
			return nil, err
		}
		r, err := ledger.DecodeRollup(b)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Block returns the stored record of a committed block.
func (s *Store) Block(height int64) (*sequencerv1.BlockResponse, error) {
	var out sequencerv1.BlockResponse
	err := s.db.View(func(txn *badger.Txn) error {
		b, err := get(txn, heightKey(prefixBlock, height))
		if err != nil {
			return err
		}
		return out.Unmarshal(b)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// RollupBlock returns a rollup's items at a committed height; a height with
// no items for the rollup returns an empty item list.
func (s *Store) RollupBlock(id tx.RollupID, height int64) (*sequencerv1.RollupBlockResponse, error) {
	out := &sequencerv1.RollupBlockResponse{RollupId: id[:], Height: height}
	err := s.db.View(func(txn *badger.Txn) error {
		b, err := get(txn, rollupBlockKey(id, height))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return out.Unmarshal(b)
	})
	return out, err
}

// RollupEntries returns the entries of a committed block's rollups tree,
// sorted by rollup id (empty when no rollup had items).
func (s *Store) RollupEntries(height int64) ([]commitment.Entry, error) {
	var out []commitment.Entry
	err := s.db.View(func(txn *badger.Txn) error {
		b, err := get(txn, heightKey(prefixEntries, height))
		if err != nil {
			return err
		}
		out, err = decodeEntries(b)
		return err
	})
	return out, err
}

// TxLocation is where a committed tx is.
type TxLocation struct {
	Height int64
	Index  uint32
	Code   uint32
}

// TxLocation finds a committed tx by hash.
func (s *Store) TxLocation(h tx.Hash) (TxLocation, error) {
	var loc TxLocation
	err := s.db.View(func(txn *badger.Txn) error {
		b, err := get(txn, append([]byte{prefixTx}, h[:]...))
		if err != nil {
			return err
		}
		if len(b) != 16 {
			return errors.New("malformed tx index record")
		}
		loc.Height = int64(binary.BigEndian.Uint64(b[0:8]))
		loc.Index = binary.BigEndian.Uint32(b[8:12])
		loc.Code = binary.BigEndian.Uint32(b[12:16])
		return nil
	})
	return loc, err
}

func get(txn *badger.Txn, key []byte) ([]byte, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

func accountKey(a tx.Address) []byte  { return append([]byte{prefixAccount}, a[:]...) }
func rollupKey(id tx.RollupID) []byte { return append([]byte{prefixRollup}, id[:]...) }

func heightKey(prefix byte, h int64) []byte {
	k := make([]byte, 9)
	k[0] = prefix
	binary.BigEndian.PutUint64(k[1:], uint64(h))
	return k
}

func rollupBlockKey(id tx.RollupID, h int64) []byte {
	k := make([]byte, 0, 41)
	k = append(k, prefixRollupBlock)
	k = append(k, id[:]...)
	return binary.BigEndian.AppendUint64(k, uint64(h))
}
