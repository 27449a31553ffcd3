// Package localda is Ordo's `local` DA layer, the default for localnets: an
// append-only blob store in badger, served over gRPC (ordo.da.v1
// LocalDAService) so that every validator of a localnet posts to and reads
// from one store.
//
//   - Store: the badger store (DA height -> blob, sha256(blob) -> DA height).
//   - Server: the gRPC service over a Store; Listen(addr) serves it.
//   - Client: a da.Backend over gRPC (Dial(addr)).
//   - Backend: a da.Backend over a Store in the same process.
//
// A stored blob is final at once: Status reports StateConfirmed for every
// stored blob and Read returns only final blobs.
//
// Serving a localnet's DA layer and connecting a validator's poster:
//
//	store, _ := localda.Open(dir, localda.DefaultOptions())
//	g, addr, _ := localda.NewServer(store).Listen("127.0.0.1:0")
//	defer func() { g.Stop(); store.Close() }()
//	client, _ := localda.Dial(addr.String()) // a da.Backend for poster.Deps
//	defer client.Close()
package localda

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"

	"github.com/ordolabs/ordo/da-poster/da"
)

// Key prefixes. One byte each; never reuse a retired prefix.
const (
	prefixBlob = 'b' // 'b' + BE64(height) -> blob
	prefixHash = 'x' // 'x' + sha256(blob) -> BE64(height)
	prefixMeta = 'm'
)

var keyHead = []byte{prefixMeta, 'h'}

// Errors. ErrRefusing wraps da.ErrUnavailable; ErrEmptyBlob and
// ErrBlobTooLarge wrap da.ErrCritical; ErrNotFound wraps da.ErrNotFound.
var (
	ErrRefusing     = fmt.Errorf("localda: refusing submissions (simulated outage): %w", da.ErrUnavailable)
	ErrEmptyBlob    = fmt.Errorf("localda: empty blob: %w", da.ErrCritical)
	ErrBlobTooLarge = fmt.Errorf("localda: blob too large: %w", da.ErrCritical)
	ErrNotFound     = fmt.Errorf("localda: no blob at that height: %w", da.ErrNotFound)
)

// Options configure Open.
type Options struct {
	// InMemory keeps everything in memory (tests only).
	InMemory bool
	// SyncWrites fsyncs every submission.
	SyncWrites bool
	// MaxBlobBytes is the largest blob Submit accepts.
	MaxBlobBytes int
	Logger       badger.Logger
}

// DefaultOptions: durable writes, blobs up to 16 MiB.
func DefaultOptions() Options {
	return Options{SyncWrites: true, MaxBlobBytes: 16 << 20}
}

// Store is the append-only blob store. Safe for concurrent use.
type Store struct {
	db      *badger.DB
	maxBlob int

	mu       sync.Mutex // serializes Submit
	head     atomic.Uint64
	refusing atomic.Bool
}

// Open opens (or creates) the store in dir.
func Open(dir string, o Options) (*Store, error) {
	if o.MaxBlobBytes < 1 {
		return nil, fmt.Errorf("localda: MaxBlobBytes %d must be positive", o.MaxBlobBytes)
	}
	opts := badger.DefaultOptions(dir).
		WithSyncWrites(o.SyncWrites).
		WithInMemory(o.InMemory).
		WithLogger(o.Logger)
	if o.InMemory {
		opts.Dir, opts.ValueDir = "", ""
	}
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("localda: opening store in %s: %w", dir, err)
	}
	s := &Store{db: db, maxBlob: o.MaxBlobBytes}
	err = db.View(func(txn *badger.Txn) error {
		v, err := get(txn, keyHead)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(v) != 8 {
			return fmt.Errorf("localda: corrupt head record (%d bytes)", len(v))
		}
		s.head.Store(binary.BigEndian.Uint64(v))
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// SetRefusing makes Submit fail with ErrRefusing (true) or work again
// (false): a fault-injection hook that simulates a DA outage. Reads keep
// working.
func (s *Store) SetRefusing(refusing bool) { s.refusing.Store(refusing) }

// Head returns the highest DA height (0 when empty).
func (s *Store) Head() uint64 { return s.head.Load() }

// Submit appends blob at the next DA height and returns it. If an
// identical blob is already stored, Submit stores nothing and returns that
// blob's height with existed = true.
func (s *Store) Submit(blob []byte) (height uint64, existed bool, err error) {
	if len(blob) == 0 {
		return 0, false, ErrEmptyBlob
	}
	if len(blob) > s.maxBlob {
		return 0, false, fmt.Errorf("%w: %d bytes > %d", ErrBlobTooLarge, len(blob), s.maxBlob)
	}
	if s.refusing.Load() {
		return 0, false, ErrRefusing
	}
	sum := sha256.Sum256(blob)
	hashKey := append([]byte{prefixHash}, sum[:]...)

	s.mu.Lock()
	defer s.mu.Unlock()
	err = s.db.Update(func(txn *badger.Txn) error {
		v, err := get(txn, hashKey)
		switch {
		case err == nil:
			height, existed = binary.BigEndian.Uint64(v), true
			return nil
		case !errors.Is(err, ErrNotFound):
			return err
		}
		height = s.head.Load() + 1
		hb := be64(height)
		if err := txn.Set(blobKey(height), blob); err != nil {
			return err
		}
		if err := txn.Set(hashKey, hb); err != nil {
			return err
		}
		return txn.Set(keyHead, hb)
	})
	if err != nil {
		return 0, false, fmt.Errorf("localda: storing blob: %w", err)
	}
	if !existed {
		s.head.Store(height)
	}
	return height, existed, nil
}

// Get returns the blob at height, or ErrNotFound.
func (s *Store) Get(height uint64) ([]byte, error) {
	var out []byte
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		out, err = get(txn, blobKey(height))
		return err
	})
	return out, err
}

// Entry is one stored blob.
type Entry struct {
	Height uint64
	Blob   []byte
}

// List returns the blobs at heights after `after`, in order: at most
// maxCount blobs and at most maxBytes of blob data, but at least one blob
// if any is stored above after.
func (s *Store) List(after uint64, maxCount, maxBytes int) ([]Entry, error) {
	var out []Entry
	head := s.head.Load()
	err := s.db.View(func(txn *badger.Txn) error {
		size := 0
		for h := after + 1; h <= head && len(out) < maxCount; h++ {
			item, err := txn.Get(blobKey(h))
			if err != nil {
				return fmt.Errorf("localda: blob %d: %w", h, err)
			}
			if len(out) > 0 && size+int(item.ValueSize()) > maxBytes {
				break
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			size += len(v)
			out = append(out, Entry{Height: h, Blob: v})
		}
		return nil
	})
	return out, err
}

func blobKey(h uint64) []byte { return append([]byte{prefixBlob}, be64(h)...) }

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

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
