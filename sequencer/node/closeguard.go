package node

import (
	"errors"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"
)

// errDBClosed is returned by writes to a CometBFT database after Close.
var errDBClosed = errors.New("database closed: the node is stopping")

// closeGuardedDBProvider opens CometBFT's databases through next and wraps
// each so that it can be used safely after Close.
//
// CometBFT v1.0's node.OnStop closes its block and state stores right after
// stopping the p2p switch, but some reactor goroutines (the consensus
// reactor's per-peer queryMaj23Routine, which sleeps between steps) are not
// waited for and may still read the block store. Pebble panics on a read from
// a closed database, which would kill a process that runs nodes in-process
// (tests) and turns a clean SIGTERM shutdown into a crash. With the guard a
// read after Close finds nothing, which those goroutines already handle, and
// a write fails with errDBClosed.
func closeGuardedDBProvider(next cmtcfg.DBProvider) cmtcfg.DBProvider {
	return func(ctx *cmtcfg.DBContext) (dbm.DB, error) {
		db, err := next(ctx)
		if err != nil {
			return nil, err
		}
		return &closeGuardedDB{DB: db}, nil
	}
}

// closeGuardedDB serializes Close against every other call: calls before
// Close reach the database, calls after it never do.
type closeGuardedDB struct {
	dbm.DB
	mu     sync.RWMutex
	closed bool
}

// begin takes the read lock and reports whether the database is still open;
// the caller must call mu.RUnlock.
func (d *closeGuardedDB) begin() bool {
	d.mu.RLock()
	return !d.closed
}

func (d *closeGuardedDB) Get(key []byte) ([]byte, error) {
	defer d.mu.RUnlock()
	if !d.begin() {
		return nil, nil
	}
	return d.DB.Get(key)
}

func (d *closeGuardedDB) Has(key []byte) (bool, error) {
	defer d.mu.RUnlock()
	if !d.begin() {
		return false, nil
	}
	return d.DB.Has(key)
}

func (d *closeGuardedDB) Set(key, value []byte) error {
	defer d.mu.RUnlock()
	if !d.begin() {
		return errDBClosed
	}
	return d.DB.Set(key, value)
}

func (d *closeGuardedDB) SetSync(key, value []byte) error {
	defer d.mu.RUnlock()
	if !d.begin() {
		return errDBClosed
	}
	return d.DB.SetSync(key, value)
}

func (d *closeGuardedDB) Delete(key []byte) error {
	defer d.mu.RUnlock()
	if !d.begin() {
		return errDBClosed
	}
	return d.DB.Delete(key)
}

func (d *closeGuardedDB) DeleteSync(key []byte) error {
	defer d.mu.RUnlock()
	if !d.begin() {
		return errDBClosed
	}
	return d.DB.DeleteSync(key)
}

func (d *closeGuardedDB) Iterator(start, end []byte) (dbm.Iterator, error) {
	defer d.mu.RUnlock()
	if !d.begin() {
		return nil, errDBClosed
	}
	return d.DB.Iterator(start, end)
}

func (d *closeGuardedDB) ReverseIterator(start, end []byte) (dbm.Iterator, error) {
	defer d.mu.RUnlock()
	if !d.begin() {
		return nil, errDBClosed
	}
	return d.DB.ReverseIterator(start, end)
}

func (d *closeGuardedDB) NewBatch() dbm.Batch {
	return &closeGuardedBatch{Batch: d.DB.NewBatch(), db: d}
}

// Close closes the database once; later calls return nil.
func (d *closeGuardedDB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	return d.DB.Close()
}

// closeGuardedBatch refuses to write a batch to a closed database.
type closeGuardedBatch struct {
	dbm.Batch
	db *closeGuardedDB
}

func (b *closeGuardedBatch) Write() error {
	defer b.db.mu.RUnlock()
	if !b.db.begin() {
		return errDBClosed
	}
	return b.Batch.Write()
}

func (b *closeGuardedBatch) WriteSync() error {
	defer b.db.mu.RUnlock()
	if !b.db.begin() {
		return errDBClosed
	}
	return b.Batch.WriteSync()
}
