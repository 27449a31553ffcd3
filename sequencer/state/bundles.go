package state

import (
	"encoding/binary"
	"errors"

	"github.com/dgraph-io/badger/v4"

	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Key prefixes of bundles (see store.go for the others).
const (
	// prefixAtomic: be64(height) → consensusv1.BundleVerdicts of that
	// height: the atomic bundles' tx indexes, and their commits once the
	// next block decided them.
	prefixAtomic = 'v'
	// prefixBundle: be64(height) be32(tx index) → sequencerv1.BundleResponse
	// (status); by hash through the tx index (TxLocation).
	prefixBundle = 'u'
)

// BundleChanges is what one block changes about bundles.
type BundleChanges struct {
	// Atomic lists the block's own atomic bundles (commits empty: the
	// next block decides them); nil when it has none.
	Atomic *consensusv1.BundleVerdicts
	// Decided is the previous height's atomic bundles with the verdicts
	// this block carries; nil when there were none.
	Decided *consensusv1.BundleVerdicts
	// Status holds the status records to write (each at its Height and
	// TxIndex): the block's bundles, and the decided ones with their
	// verdict.
	Status []*sequencerv1.BundleResponse
}

func bundleKey(height int64, index uint32) []byte {
	return binary.BigEndian.AppendUint32(heightKey(prefixBundle, height), index)
}

func writeBundles(txn *badger.Txn, height int64, c *BundleChanges) error {
	put := func(key []byte, m interface{ Marshal() ([]byte, error) }) error {
		b, err := m.Marshal()
		if err != nil {
			return err
		}
		return txn.Set(key, b)
	}
	if c.Atomic != nil {
		if err := put(heightKey(prefixAtomic, height), c.Atomic); err != nil {
			return err
		}
	}
	if c.Decided != nil {
		if err := put(heightKey(prefixAtomic, c.Decided.Height), c.Decided); err != nil {
			return err
		}
	}
	for _, s := range c.Status {
		if err := put(bundleKey(s.Height, s.TxIndex), s); err != nil {
			return err
		}
	}
	return nil
}

// AtomicBundles returns the atomic bundles of a committed height, with
// their verdicts once decided; ok is false when the height has none.
func (v *Snapshot) AtomicBundles(height int64) (*consensusv1.BundleVerdicts, bool, error) {
	return atomicBundles(v.txn, height)
}

// AtomicBundles is Snapshot.AtomicBundles on the latest committed state.
func (s *Store) AtomicBundles(height int64) (out *consensusv1.BundleVerdicts, ok bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		out, ok, err = atomicBundles(txn, height)
		return err
	})
	return out, ok, err
}

func atomicBundles(txn *badger.Txn, height int64) (*consensusv1.BundleVerdicts, bool, error) {
	b, err := get(txn, heightKey(prefixAtomic, height))
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var out consensusv1.BundleVerdicts
	if err := out.Unmarshal(b); err != nil {
		return nil, false, err
	}
	return &out, true, nil
}

// BundleStatusAt returns the status record of the bundle tx at (height,
// index).
func (v *Snapshot) BundleStatusAt(height int64, index uint32) (*sequencerv1.BundleResponse, error) {
	b, err := get(v.txn, bundleKey(height, index))
	if err != nil {
		return nil, err
	}
	var out sequencerv1.BundleResponse
	return &out, out.Unmarshal(b)
}

// BundleStatus returns a committed bundle's status record, found through
// the tx index; ErrNotFound for a tx that is not a committed bundle.
func (s *Store) BundleStatus(h tx.Hash) (*sequencerv1.BundleResponse, error) {
	loc, err := s.TxLocation(h)
	if err != nil {
		return nil, err
	}
	snap := s.Snapshot()
	defer snap.Discard()
	return snap.BundleStatusAt(loc.Height, loc.Index)
}
