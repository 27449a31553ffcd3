package commitment_test

import (
	"bytes"
	"crypto/sha256"
	"math/rand"
	"sort"
	"testing"

	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// This file holds an independent reference implementation of the byte
// layouts and of RFC 6962 Merkle trees, written from the doc comments and
// the RFC (not from the package code), plus random generators shared by the
// tests.

// --- reference encodings ---

func refBE32(v uint32) []byte {
	return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

func refBE64(v uint64) []byte {
	out := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		out[i] = byte(v)
		v >>= 8
	}
	return out
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// refItemLeaf: "ordo.item.v1" || tx_hash(32) || be32(tx_index) ||
// be32(action_index) || sender(20) || be32(bundle_index) ||
// be32(bundle_count) || data
func refItemLeaf(it commitment.Item) []byte {
	return concat([]byte("ordo.item.v1"), it.TxHash[:], refBE32(it.TxIndex), refBE32(it.ActionIndex),
		it.Sender[:], refBE32(it.BundleIndex), refBE32(it.BundleCount), it.Data)
}

// refEntryLeaf: rollup_id(32) || be32(count) || data_root(32)
func refEntryLeaf(e commitment.Entry) []byte {
	return concat(e.Rollup[:], refBE32(e.Count), e.DataRoot[:])
}

// refAppHash: sha256("ordo.apphash.v2" || prev_app_hash || be64(height) ||
// state_digest || be32(rollup_entries) || rollups_root)
func refAppHash(b commitment.Block) []byte {
	sum := sha256.Sum256(concat([]byte("ordo.apphash.v2"), b.PrevAppHash, refBE64(uint64(b.Height)),
		b.StateDigest[:], refBE32(b.RollupEntries), b.RollupsRoot[:]))
	return sum[:]
}

// --- reference RFC 6962 Merkle tree ---

func refSHA(parts ...[]byte) []byte {
	s := sha256.Sum256(concat(parts...))
	return s[:]
}

func refLeafHash(leaf []byte) []byte { return refSHA([]byte{0x00}, leaf) }
func refInner(l, r []byte) []byte    { return refSHA([]byte{0x01}, l, r) }

// refSplit is the largest power of two strictly smaller than n (n >= 2).
func refSplit(n int) int {
	k := 1
	for k*2 < n {
		k *= 2
	}
	return k
}

func refRootBytes(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		return refSHA()
	case 1:
		return refLeafHash(leaves[0])
	}
	k := refSplit(len(leaves))
	return refInner(refRootBytes(leaves[:k]), refRootBytes(leaves[k:]))
}

func refRoot(leaves [][]byte) [32]byte {
	var r [32]byte
	copy(r[:], refRootBytes(leaves))
	return r
}

// refPath is the RFC 6962 audit path of leaf i, from the leaf's sibling up.
func refPath(leaves [][]byte, i int) [][]byte {
	if len(leaves) <= 1 {
		return nil
	}
	k := refSplit(len(leaves))
	if i < k {
		return append(refPath(leaves[:k], i), refRootBytes(leaves[k:]))
	}
	return append(refPath(leaves[k:], i-k), refRootBytes(leaves[:k]))
}

// refSides is the sequence of turns (true = right) from the root of a tree
// of n leaves down to leaf i. A Merkle path only encodes these turns, so a
// path for (i, n) verifies for (i, m) exactly when refSides agree.
func refSides(i, n int) []bool {
	var s []bool
	for n > 1 {
		k := refSplit(n)
		if i < k {
			s, n = append(s, false), k
		} else {
			s, i, n = append(s, true), i-k, n-k
		}
	}
	return s
}

func sameSides(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// --- generators ---

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	r.Read(b)
	return b
}

func randItem(r *rand.Rand) commitment.Item {
	var it commitment.Item
	r.Read(it.TxHash[:])
	r.Read(it.Sender[:])
	it.TxIndex = r.Uint32() % 1000
	it.ActionIndex = r.Uint32() % 16
	if r.Intn(3) == 0 {
		it.BundleCount = 1 + uint32(r.Intn(5))
		it.BundleIndex = uint32(r.Intn(int(it.BundleCount)))
	}
	if r.Intn(8) != 0 { // sometimes empty data
		it.Data = randBytes(r, 1+r.Intn(40))
	}
	return it
}

func randItems(r *rand.Rand, n int) []commitment.Item {
	items := make([]commitment.Item, n)
	for i := range items {
		items[i] = randItem(r)
	}
	return items
}

// fixture is a block's rollups tree built from known items.
type fixture struct {
	ids   []tx.RollupID // sorted
	items map[tx.RollupID][]commitment.Item
	tree  *commitment.Tree
}

func (f *fixture) index(id tx.RollupID) int {
	for i, x := range f.ids {
		if x == id {
			return i
		}
	}
	return -1
}

func (f *fixture) entries() []commitment.Entry {
	out := make([]commitment.Entry, len(f.ids))
	for i, id := range f.ids {
		out[i] = commitment.EntryFor(id, f.items[id])
	}
	return out
}

func idLess(a, b tx.RollupID) bool { return bytes.Compare(a[:], b[:]) < 0 }

func sortIDs(ids []tx.RollupID) {
	sort.Slice(ids, func(i, j int) bool { return idLess(ids[i], ids[j]) })
}

// randIDs returns n distinct ids, some sharing long prefixes with others so
// that comparisons must look at late bytes.
func randIDs(r *rand.Rand, n int) []tx.RollupID {
	seen := make(map[tx.RollupID]bool)
	var ids []tx.RollupID
	for len(ids) < n {
		var id tx.RollupID
		if len(ids) > 0 && r.Intn(4) == 0 {
			id = ids[r.Intn(len(ids))]
			id[31-r.Intn(3)] = byte(r.Intn(256))
		} else {
			r.Read(id[:])
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

func newFixture(t testing.TB, ids []tx.RollupID, items map[tx.RollupID][]commitment.Item) *fixture {
	t.Helper()
	f := &fixture{ids: append([]tx.RollupID(nil), ids...), items: items}
	sortIDs(f.ids)
	// Build from entries in the given (unsorted) order.
	entries := make([]commitment.Entry, len(ids))
	for i, id := range ids {
		entries[i] = commitment.EntryFor(id, items[id])
	}
	tree, err := commitment.NewTree(entries)
	if err != nil {
		t.Fatalf("NewTree: %v", err)
	}
	f.tree = tree
	return f
}

func randFixture(t testing.TB, r *rand.Rand, n int) *fixture {
	ids := randIDs(r, n)
	items := make(map[tx.RollupID][]commitment.Item)
	for _, id := range ids {
		c := 1 + r.Intn(4)
		if r.Intn(6) == 0 {
			c = 5 + r.Intn(16)
		}
		items[id] = randItems(r, c)
	}
	return newFixture(t, ids, items)
}

func incID(id tx.RollupID) (tx.RollupID, bool) {
	for i := 31; i >= 0; i-- {
		id[i]++
		if id[i] != 0 {
			return id, true
		}
	}
	return id, false // wrapped
}

func decID(id tx.RollupID) (tx.RollupID, bool) {
	for i := 31; i >= 0; i-- {
		id[i]--
		if id[i] != 0xff {
			return id, true
		}
	}
	return id, false
}

// absentIDs returns ids without an entry: the extremes of the id space, the
// ids right before the smallest and right after the largest entry, ids right
// after and before each entry between two entries, and random ones.
func (f *fixture) absentIDs(r *rand.Rand) []tx.RollupID {
	var cands []tx.RollupID
	var zero, ones tx.RollupID
	for i := range ones {
		ones[i] = 0xff
	}
	cands = append(cands, zero, ones)
	for _, id := range f.ids {
		if x, ok := decID(id); ok {
			cands = append(cands, x)
		}
		if x, ok := incID(id); ok {
			cands = append(cands, x)
		}
		// Same prefix, differing only in the last byte.
		x := id
		x[31] ^= byte(1 + r.Intn(255))
		cands = append(cands, x)
	}
	for i := 0; i < 4; i++ {
		var x tx.RollupID
		r.Read(x[:])
		cands = append(cands, x)
	}
	var out []tx.RollupID
	seen := make(map[tx.RollupID]bool)
	for _, c := range cands {
		if f.index(c) < 0 && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// --- proof helpers ---

func cloneEntryProof(e *commitment.EntryProof) *commitment.EntryProof {
	if e == nil {
		return nil
	}
	c := *e
	c.Aunts = make([][]byte, len(e.Aunts))
	for i, a := range e.Aunts {
		c.Aunts[i] = append([]byte(nil), a...)
	}
	return &c
}

func cloneProof(p commitment.RollupProof) commitment.RollupProof {
	return commitment.RollupProof{Entry: cloneEntryProof(p.Entry), Left: cloneEntryProof(p.Left), Right: cloneEntryProof(p.Right)}
}

func cloneItems(items []commitment.Item) []commitment.Item {
	out := make([]commitment.Item, len(items))
	for i, it := range items {
		it.Data = append([]byte(nil), it.Data...)
		out[i] = it
	}
	return out
}

// sameItems compares items field by field, treating nil and empty data as
// equal (they have the same leaf).
func sameItems(a, b []commitment.Item) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.TxHash != y.TxHash || x.TxIndex != y.TxIndex || x.ActionIndex != y.ActionIndex || x.Sender != y.Sender ||
			x.BundleIndex != y.BundleIndex || x.BundleCount != y.BundleCount || !bytes.Equal(x.Data, y.Data) {
			return false
		}
	}
	return true
}
