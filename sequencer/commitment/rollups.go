package commitment

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/cometbft/cometbft/crypto/merkle"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// Entry is one rollup's line in a block's rollups tree.
type Entry struct {
	Rollup   tx.RollupID
	Count    uint32
	DataRoot [32]byte
}

// EntryLeafSize is the length of an entry leaf.
const EntryLeafSize = 32 + 4 + 32

// EntryLeaf is the Merkle leaf of an entry: rollup_id(32) || be32(count) ||
// data_root(32).
func EntryLeaf(e Entry) []byte {
	b := make([]byte, 0, EntryLeafSize)
	b = append(b, e.Rollup[:]...)
	b = binary.BigEndian.AppendUint32(b, e.Count)
	return append(b, e.DataRoot[:]...)
}

// EntryFor builds the entry of a rollup's items.
func EntryFor(id tx.RollupID, items []Item) Entry {
	return Entry{Rollup: id, Count: uint32(len(items)), DataRoot: DataRoot(items)}
}

// Tree is a block's rollups tree: entries sorted by rollup id, with their
// proofs.
type Tree struct {
	entries []Entry
	root    [32]byte
	proofs  []*merkle.Proof
}

// NewTree builds the rollups tree of a block. It refuses duplicate rollup
// ids and entries without items (a rollup with no items has no entry).
func NewTree(entries []Entry) (*Tree, error) {
	sorted := append([]Entry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return bytes.Compare(sorted[i].Rollup[:], sorted[j].Rollup[:]) < 0 })
	leaves := make([][]byte, len(sorted))
	for i, e := range sorted {
		if e.Count == 0 {
			return nil, fmt.Errorf("rollup %s: an entry needs at least one item", e.Rollup)
		}
		if i > 0 && sorted[i-1].Rollup == e.Rollup {
			return nil, fmt.Errorf("rollup %s: duplicate entry", e.Rollup)
		}
		leaves[i] = EntryLeaf(e)
	}
	root, proofs := merkle.ProofsFromByteSlices(leaves)
	t := &Tree{entries: sorted, proofs: proofs}
	copy(t.root[:], root)
	return t, nil
}

// Root is the rollups root.
func (t *Tree) Root() [32]byte { return t.root }

// Entries returns the entries sorted by rollup id.
func (t *Tree) Entries() []Entry { return append([]Entry(nil), t.entries...) }

// Len is the number of entries (rollups with items).
func (t *Tree) Len() uint32 { return uint32(len(t.entries)) }

// Prove returns the proof for rollup id: its entry with a Merkle path when
// it has items, otherwise the neighbouring entries that show it has none.
func (t *Tree) Prove(id tx.RollupID) RollupProof {
	i := sort.Search(len(t.entries), func(i int) bool { return bytes.Compare(t.entries[i].Rollup[:], id[:]) >= 0 })
	if i < len(t.entries) && t.entries[i].Rollup == id {
		return RollupProof{Entry: t.entryProof(i)}
	}
	var p RollupProof
	if i > 0 {
		p.Left = t.entryProof(i - 1)
	}
	if i < len(t.entries) {
		p.Right = t.entryProof(i)
	}
	return p
}

// entryProof copies the path, so callers may alter a proof freely.
func (t *Tree) entryProof(i int) *EntryProof {
	aunts := make([][]byte, len(t.proofs[i].Aunts))
	for j, a := range t.proofs[i].Aunts {
		aunts[j] = append([]byte(nil), a...)
	}
	return &EntryProof{Entry: t.entries[i], Index: uint32(i), Aunts: aunts}
}

// RollupProof proves what a rollups tree holds for one rollup. Exactly one
// form is used:
//   - inclusion: Entry is set (the rollup has items);
//   - absence: Entry is nil and Left/Right are the entries adjacent to where
//     the rollup would sort (either may be nil at an end of the tree; both
//     are nil when the tree is empty).
type RollupProof struct {
	Entry *EntryProof
	Left  *EntryProof
	Right *EntryProof
}

// EntryProof is an entry and its Merkle path in the rollups tree.
type EntryProof struct {
	Entry Entry
	Index uint32
	Aunts [][]byte
}
