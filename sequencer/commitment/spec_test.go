package commitment_test

import (
	"bytes"
	"crypto/sha256"
	"math"
	"math/rand"
	"testing"

	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Spec match: the package's encodings and roots equal the reference
// implementation in helpers_test.go on random inputs.

func TestItemLeafMatchesSpec(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 500; i++ {
		it := randItem(r)
		if i%7 == 0 { // extreme field values
			it.TxIndex, it.ActionIndex, it.BundleIndex, it.BundleCount = math.MaxUint32, math.MaxUint32-1, math.MaxUint32-2, math.MaxUint32
		}
		got, want := commitment.ItemLeaf(it), refItemLeaf(it)
		if !bytes.Equal(got, want) {
			t.Fatalf("ItemLeaf(%+v)\n got %x\nwant %x", it, got, want)
		}
		if len(got) != 12+32+4+4+20+4+4+len(it.Data) {
			t.Fatalf("ItemLeaf length %d for %d data bytes", len(got), len(it.Data))
		}
	}
	// One hand-checked layout.
	it := commitment.Item{TxIndex: 0x01020304, ActionIndex: 5, BundleIndex: 1, BundleCount: 2, Data: []byte("xy")}
	it.TxHash[0], it.TxHash[31] = 0xaa, 0xbb
	it.Sender[0], it.Sender[19] = 0xcc, 0xdd
	leaf := commitment.ItemLeaf(it)
	if string(leaf[:12]) != "ordo.item.v1" || leaf[12] != 0xaa || leaf[43] != 0xbb ||
		!bytes.Equal(leaf[44:52], []byte{1, 2, 3, 4, 0, 0, 0, 5}) || leaf[52] != 0xcc || leaf[71] != 0xdd ||
		!bytes.Equal(leaf[72:80], []byte{0, 0, 0, 1, 0, 0, 0, 2}) || string(leaf[80:]) != "xy" {
		t.Fatalf("ItemLeaf layout: %x", leaf)
	}
}

func TestEntryLeafMatchesSpec(t *testing.T) {
	if commitment.EntryLeafSize != 68 {
		t.Fatalf("EntryLeafSize = %d, want 32+4+32", commitment.EntryLeafSize)
	}
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 500; i++ {
		var e commitment.Entry
		r.Read(e.Rollup[:])
		r.Read(e.DataRoot[:])
		e.Count = r.Uint32()
		got, want := commitment.EntryLeaf(e), refEntryLeaf(e)
		if !bytes.Equal(got, want) || len(got) != commitment.EntryLeafSize {
			t.Fatalf("EntryLeaf(%+v)\n got %x\nwant %x", e, got, want)
		}
	}
}

func TestAppHashMatchesSpec(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	heights := []int64{0, 1, 2, math.MaxInt64, -1, math.MinInt64}
	for i := 0; i < 500; i++ {
		var b commitment.Block
		if i%3 != 0 {
			b.PrevAppHash = randBytes(r, 32)
		}
		if i < len(heights) {
			b.Height = heights[i]
		} else {
			b.Height = r.Int63()
		}
		r.Read(b.StateDigest[:])
		r.Read(b.RollupsRoot[:])
		b.RollupEntries = r.Uint32()
		got, want := b.AppHash(), refAppHash(b)
		if !bytes.Equal(got, want) {
			t.Fatalf("AppHash(%+v)\n got %x\nwant %x", b, got, want)
		}
	}
	// Every field is committed.
	base := commitment.Block{PrevAppHash: bytes.Repeat([]byte{7}, 32), Height: 9, RollupEntries: 3}
	variants := []func(*commitment.Block){
		func(b *commitment.Block) { b.PrevAppHash = append([]byte{8}, b.PrevAppHash[1:]...) },
		func(b *commitment.Block) { b.PrevAppHash = nil },
		func(b *commitment.Block) { b.Height++ },
		func(b *commitment.Block) { b.StateDigest[5] ^= 1 },
		func(b *commitment.Block) { b.RollupEntries++ },
		func(b *commitment.Block) { b.RollupsRoot[31] ^= 1 },
	}
	for i, mod := range variants {
		b := base
		b.PrevAppHash = append([]byte(nil), base.PrevAppHash...)
		mod(&b)
		if bytes.Equal(b.AppHash(), base.AppHash()) {
			t.Errorf("variant %d: app hash unchanged", i)
		}
	}
}

func TestEmptyRoot(t *testing.T) {
	want := sha256.Sum256(nil)
	if got := commitment.EmptyRoot(); got != want {
		t.Fatalf("EmptyRoot = %x, want sha256(\"\") = %x", got, want)
	}
	if got := commitment.DataRoot(nil); got != want {
		t.Fatalf("DataRoot(nil) = %x", got)
	}
	tree, err := commitment.NewTree(nil)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Root() != want || tree.Len() != 0 {
		t.Fatalf("empty tree: root %x len %d", tree.Root(), tree.Len())
	}
}

func TestDataRootMatchesRFC6962(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	for n := 0; n <= 70; n++ {
		for rep := 0; rep < 4; rep++ {
			items := randItems(r, n)
			leaves := make([][]byte, n)
			for i, it := range items {
				leaves[i] = refItemLeaf(it)
			}
			if got, want := commitment.DataRoot(items), refRoot(leaves); got != want {
				t.Fatalf("n=%d: DataRoot %x, want %x", n, got, want)
			}
		}
	}
	// Hand-built small cases, spelled out.
	a, b, c := commitment.Item{Data: []byte("a")}, commitment.Item{Data: []byte("b")}, commitment.Item{Data: []byte("c")}
	la, lb, lc := refLeafHash(refItemLeaf(a)), refLeafHash(refItemLeaf(b)), refLeafHash(refItemLeaf(c))
	if got := commitment.DataRoot([]commitment.Item{a}); !bytes.Equal(got[:], la) {
		t.Fatalf("one item: %x", got)
	}
	if got := commitment.DataRoot([]commitment.Item{a, b, c}); !bytes.Equal(got[:], refInner(refInner(la, lb), lc)) {
		t.Fatalf("three items: %x", got)
	}
	if commitment.DataRoot([]commitment.Item{a, b}) == commitment.DataRoot([]commitment.Item{b, a}) {
		t.Fatal("data root ignores order")
	}
}

func TestTreeMatchesRFC6962(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for iter := 0; iter < 200; iter++ {
		n := iter % 45
		f := randFixture(t, r, n)
		leaves := make([][]byte, n)
		for i, e := range f.entries() { // sorted by id
			leaves[i] = refEntryLeaf(e)
		}
		if got, want := f.tree.Root(), refRoot(leaves); got != want {
			t.Fatalf("n=%d: root %x, want %x", n, got, want)
		}
		if f.tree.Len() != uint32(n) {
			t.Fatalf("Len %d, want %d", f.tree.Len(), n)
		}
		for i, id := range f.ids {
			p := f.tree.Prove(id)
			if p.Entry == nil || p.Left != nil || p.Right != nil {
				t.Fatalf("Prove(included) = %+v", p)
			}
			if p.Entry.Index != uint32(i) || p.Entry.Entry != commitment.EntryFor(id, f.items[id]) {
				t.Fatalf("entry %d: got index %d entry %+v", i, p.Entry.Index, p.Entry.Entry)
			}
			want := refPath(leaves, i)
			if len(p.Entry.Aunts) != len(want) {
				t.Fatalf("n=%d i=%d: %d aunts, want %d", n, i, len(p.Entry.Aunts), len(want))
			}
			for j := range want {
				if !bytes.Equal(p.Entry.Aunts[j], want[j]) {
					t.Fatalf("n=%d i=%d: aunt %d differs", n, i, j)
				}
			}
		}
	}
}

func TestEntryFor(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	for n := 0; n < 20; n++ {
		items := randItems(r, n)
		id := tx.RollupIDFromName("r")
		e := commitment.EntryFor(id, items)
		if e.Rollup != id || e.Count != uint32(n) || e.DataRoot != commitment.DataRoot(items) {
			t.Fatalf("EntryFor: %+v", e)
		}
	}
}
