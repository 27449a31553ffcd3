package kv

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// stateRoot computes the state root (see the package doc) over the
// committed-state entries visible in txn, including its pending writes. It
// streams the entries in key order, keeping one 32-byte leaf hash per
// entry, so values are never held in memory all at once.
func stateRoot(txn *badger.Txn) ([]byte, error) { return stateRootOver(txn, nil) }

// stateRootOver is the state root of the entries visible in txn as changed
// by writes (an overlay's staged writes above txn): a staged value replaces
// or adds an entry, a staged deletion removes it. It merges the writes, in
// key order, into the stream of txn's entries. Writes outside the state
// (not under prefixAccount or prefixKV) are ignored.
func stateRootOver(txn *badger.Txn, writes map[string]staged) ([]byte, error) {
	keys := make([]string, 0, len(writes))
	for k := range writes {
		if k != "" && (k[0] == prefixAccount || k[0] == prefixKV) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, strings.Compare)
	h := sha256.New()
	var leaves [][]byte
	// emit adds the leaves of the staged writes with keys below bound.
	emit := func(bound string) {
		for len(keys) > 0 && keys[0] < bound {
			if w := writes[keys[0]]; !w.deleted {
				leaves = append(leaves, leafHash(h, []byte(keys[0]), w.value))
			}
			keys = keys[1:]
		}
	}
	for _, prefix := range []byte{prefixAccount, prefixKV} { // ascending: the state in key order
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefix}, PrefetchValues: false})
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			if len(keys) > 0 { // no conversion when there is nothing to merge
				key := string(item.Key())
				emit(key)
				if len(keys) > 0 && keys[0] == key {
					emit(key + "\x00") // the staged write replaces the stored entry
					continue
				}
			}
			var leaf []byte
			err := item.Value(func(v []byte) error {
				leaf = leafHash(h, item.Key(), v)
				return nil
			})
			if err != nil {
				it.Close()
				return nil, err
			}
			leaves = append(leaves, leaf)
		}
		it.Close()
		emit(string([]byte{prefix + 1}))
	}
	return rootFromLeafHashes(h, leaves), nil
}

// leafHash is sha256(0x00 || len(k):be16 || k || v).
func leafHash(h hash.Hash, k, v []byte) []byte {
	h.Reset()
	h.Write([]byte{0x00})
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(k))))
	h.Write(k)
	h.Write(v)
	return h.Sum(nil)
}

// rootFromLeafHashes is the RFC-6962 root over already hashed leaves, equal
// to merkle.HashFromByteSlices over the unhashed leaves: pairing adjacent
// nodes level by level and carrying an odd last node up unchanged yields
// the same tree as splitting at the largest power of two below n. It
// overwrites leaves.
func rootFromLeafHashes(h hash.Hash, leaves [][]byte) []byte {
	if len(leaves) == 0 {
		sum := sha256.Sum256(nil)
		return sum[:]
	}
	for n := len(leaves); n > 1; {
		w := 0
		for r := 0; r < n; r += 2 {
			if r+1 == n {
				leaves[w] = leaves[r]
			} else {
				h.Reset()
				h.Write([]byte{0x01})
				h.Write(leaves[r])
				h.Write(leaves[r+1])
				leaves[w] = h.Sum(nil)
			}
			w++
		}
		n = w
	}
	return leaves[0]
}
