package kv

import (
	"errors"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// reader reads committed or staged state entries by raw state key.
type reader interface {
	get(key []byte) (value []byte, found bool, err error)
}

// overlay stages state writes above a reader. Writes become visible to
// reads through the overlay at once, and reach the layer below only via
// mergeInto (or flush, for the block's overlay); dropping an overlay
// discards them. Not safe for concurrent use.
type overlay struct {
	base   reader
	writes map[string]staged
}

// staged is one pending write: a value, or a deletion.
type staged struct {
	value   []byte
	deleted bool
}

func newOverlay(base reader) *overlay {
	return &overlay{base: base, writes: make(map[string]staged)}
}

func (o *overlay) get(key []byte) ([]byte, bool, error) {
	if w, ok := o.writes[string(key)]; ok {
		return w.value, !w.deleted, nil
	}
	return o.base.get(key)
}

// set stages key = value. value must not be modified afterwards.
func (o *overlay) set(key, value []byte) { o.writes[string(key)] = staged{value: value} }

func (o *overlay) del(key []byte) { o.writes[string(key)] = staged{deleted: true} }

// mergeInto moves o's writes into parent, which must be o's base.
func (o *overlay) mergeInto(parent *overlay) {
	for k, w := range o.writes { // order-free: distinct keys, last write wins per key
		parent.writes[k] = w
	}
	o.writes = nil
}

// empty reports whether nothing is staged.
func (o *overlay) empty() bool { return len(o.writes) == 0 }

// flush writes the staged changes into txn in key order.
func (o *overlay) flush(txn *badger.Txn) error {
	keys := make([]string, 0, len(o.writes))
	for k := range o.writes {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	for _, k := range keys {
		w := o.writes[k]
		var err error
		if w.deleted {
			err = txn.Delete([]byte(k))
		} else {
			err = txn.Set([]byte(k), w.value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// txnReader reads through a badger transaction.
type txnReader struct{ txn *badger.Txn }

func (r txnReader) get(key []byte) ([]byte, bool, error) {
	item, err := r.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	v, err := item.ValueCopy(nil)
	return v, err == nil, err
}
