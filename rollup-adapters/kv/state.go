package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Metadata keys, outside the state root.
var (
	keyHeight  = []byte{prefixMeta, 'h'} // applied height, be64; absent before the first block
	keyRoot    = []byte{prefixMeta, 'r'} // state root after the applied height (or genesis)
	keyGenesis = []byte{prefixMeta, 'g'} // Genesis.hash of the genesis the store was created from
)

// Errors returned by Open, ExecuteBlock, Preview and the queries.
var (
	ErrGenesisMismatch = errors.New("kv: store was created from a different genesis")
	ErrWrongHeight     = errors.New("kv: block is not at the next height")
	ErrClosed          = errors.New("kv: rollup is closed")
	// ErrUnknownVerdict: a bundle leg carries a verdict this version does
	// not know. The block is refused rather than guessed at.
	ErrUnknownVerdict = errors.New("kv: unknown bundle verdict")
)

// Rollup is the kv rollup: an sdk.Executor backed by badger. It is safe for
// concurrent use: queries read the last applied block's state, and
// ExecuteBlock calls are serialized.
type Rollup struct {
	minter tx.Address

	// mu guards db against use after Close: everything holds it for
	// reading, Close for writing.
	mu     sync.RWMutex
	db     *badger.DB
	closed bool

	// execMu serializes ExecuteBlock.
	execMu sync.Mutex

	headsMu    sync.Mutex
	soft, firm int64
}

var _ sdk.Executor = (*Rollup)(nil)

// Open opens (or creates) the rollup's store in dir. A new store gets the
// genesis state; an existing one must have been created from the same
// genesis. Every block is fsynced, so an applied block survives power loss.
func Open(dir string, g Genesis) (*Rollup, error) {
	return open(badgerOptions(dir).WithSyncWrites(true), g)
}

// OpenUnsynced is Open without an fsync per block, for stores that can be
// rebuilt (a validator's verifier-mode executor): after a machine crash
// the store may have lost its last blocks, but each block is still applied
// all-or-nothing, so AppliedHeight tells where to resume.
func OpenUnsynced(dir string, g Genesis) (*Rollup, error) {
	return open(badgerOptions(dir), g)
}

// OpenInMemory opens a store that lives in memory only, for tests. It
// uses smaller memtables than Open, so its per-block transaction limit is
// lower (about 25k entries).
func OpenInMemory(g Genesis) (*Rollup, error) {
	return open(badgerOptions("").
		WithInMemory(true).
		WithMemTableSize(16<<20).
		WithCompression(options.None).
		WithBlockCacheSize(0), g)
}

func badgerOptions(dir string) badger.Options {
	return badger.DefaultOptions(dir).
		// Large memtables so one block fits in one transaction.
		WithMemTableSize(128 << 20).
		// One writer (execMu) and read-only queries: nothing can conflict.
		WithDetectConflicts(false).
		WithLoggingLevel(badger.WARNING)
}

func open(opts badger.Options, g Genesis) (*Rollup, error) {
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("kv: opening store in %q: %w", opts.Dir, err)
	}
	if err := initGenesis(db, g); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return &Rollup{minter: g.Minter, db: db}, nil
}

// initGenesis writes g's state, root and hash to an empty store, in one
// transaction, or checks that a non-empty store was created from g.
func initGenesis(db *badger.DB, g Genesis) error {
	want := g.hash()
	return db.Update(func(txn *badger.Txn) error {
		have, found, err := txnReader{txn}.get(keyGenesis)
		if err != nil {
			return err
		}
		if found {
			if !bytes.Equal(have, want) {
				return ErrGenesisMismatch
			}
			return nil
		}
		for _, a := range g.sortedBalances() {
			if err := txn.Set(accountKey(a.addr), binary.BigEndian.AppendUint64(nil, a.balance)); err != nil {
				return err
			}
		}
		root, err := stateRoot(txn)
		if err != nil {
			return err
		}
		if err := txn.Set(keyRoot, root); err != nil {
			return err
		}
		return txn.Set(keyGenesis, want)
	})
}

// Close closes the store. Later calls fail with ErrClosed.
func (r *Rollup) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	return r.db.Close()
}

// view runs fn on a read-only snapshot of the last applied block.
func (r *Rollup) view(fn func(txn *badger.Txn) error) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return ErrClosed
	}
	return r.db.View(fn)
}

// AppliedHeight implements sdk.Executor: the last Ordo height applied
// durably, or 0 before the first block.
func (r *Rollup) AppliedHeight() (int64, error) {
	var h int64
	err := r.view(func(txn *badger.Txn) (err error) {
		h, err = appliedHeight(txn)
		return err
	})
	return h, err
}

func appliedHeight(txn *badger.Txn) (int64, error) {
	v, found, err := txnReader{txn}.get(keyHeight)
	if err != nil || !found {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("kv: corrupt applied height record %x", v)
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// StateRoot returns the state root after the applied height (the genesis
// root before the first block).
func (r *Rollup) StateRoot() ([]byte, error) {
	var root []byte
	err := r.view(func(txn *badger.Txn) (err error) {
		root, _, err = txnReader{txn}.get(keyRoot)
		return err
	})
	return root, err
}

// Balance returns addr's balance (0 for an unknown account).
func (r *Rollup) Balance(addr tx.Address) (uint64, error) {
	var bal uint64
	err := r.view(func(txn *badger.Txn) (err error) {
		bal, err = balance(txnReader{txn}, addr)
		return err
	})
	return bal, err
}

// Get returns the value owner stored under key, and whether there is one.
func (r *Rollup) Get(owner tx.Address, key []byte) (value []byte, found bool, err error) {
	if err := checkKey(len(key)); err != nil {
		return nil, false, err
	}
	err = r.view(func(txn *badger.Txn) (err error) {
		value, found, err = txnReader{txn}.get(kvKey(owner, key))
		return err
	})
	return value, found, err
}

// Receipt returns the outcome of the item carried by action actionIndex of
// Ordo tx txHash, and whether such an item was executed.
func (r *Rollup) Receipt(txHash tx.Hash, actionIndex uint32) (rec Receipt, found bool, err error) {
	err = r.view(func(txn *badger.Txn) error {
		v, ok, err := txnReader{txn}.get(receiptKey(txHash, actionIndex))
		if err != nil || !ok {
			return err
		}
		rec, err = decodeReceipt(v)
		found = err == nil
		return err
	})
	return rec, found, err
}

func receiptKey(h tx.Hash, actionIndex uint32) []byte {
	k := make([]byte, 0, 1+len(h)+4)
	k = append(k, prefixReceipt)
	k = append(k, h[:]...)
	return binary.BigEndian.AppendUint32(k, actionIndex)
}

// UpdateHeads implements sdk.Executor. The heads are informational and kept
// in memory only.
func (r *Rollup) UpdateHeads(soft, firm int64) {
	r.headsMu.Lock()
	defer r.headsMu.Unlock()
	r.soft, r.firm = soft, firm
}

// Heads returns the soft and firm heads last given to UpdateHeads (0, 0
// before the first call).
func (r *Rollup) Heads() (soft, firm int64) {
	r.headsMu.Lock()
	defer r.headsMu.Unlock()
	return r.soft, r.firm
}
