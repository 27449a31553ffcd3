package kv

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"

	"github.com/dgraph-io/badger/v4"
)

// stateRoot computes the state root (see the package doc) over the
// committed-state entries visible in txn, including its pending writes. It
// streams the entries in key order, keeping one 32-byte leaf hash per
// entry, so values are never held in memory all at once.
func stateRoot(txn *badger.Txn) ([]byte, error) {
	h := sha256.New()
	var leaves [][]byte
	for _, prefix := range []byte{prefixAccount, prefixKV} { // ascending: the state in key order
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefix}, PrefetchValues: false})
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
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
