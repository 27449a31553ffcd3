package commitment_test

import (
	"math/rand"
	"reflect"
	"testing"

	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Property tests of honest trees: proofs built by Tree.Prove verify.

func TestHonestProofsVerify(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	for iter := 0; iter < 300; iter++ {
		n := iter % 41
		f := randFixture(t, r, n)
		root, entries := f.tree.Root(), f.tree.Len()
		for _, id := range f.ids {
			p := f.tree.Prove(id)
			if err := commitment.Verify(root, entries, id, f.items[id], p); err != nil {
				t.Fatalf("n=%d: inclusion of %s: %v", n, id, err)
			}
			// A wire round trip does not change the outcome.
			if err := commitment.Verify(root, entries, id, wireItems(t, f.items[id]), wireProof(t, p)); err != nil {
				t.Fatalf("n=%d: inclusion of %s after wire round trip: %v", n, id, err)
			}
		}
		absent := f.absentIDs(r)
		if len(absent) < 3 {
			t.Fatalf("only %d absent ids", len(absent))
		}
		for _, id := range absent {
			p := f.tree.Prove(id)
			if p.Entry != nil {
				t.Fatalf("Prove(absent %s) has an entry", id)
			}
			checkAbsenceShape(t, f, id, p)
			for _, items := range [][]commitment.Item{nil, {}} {
				if err := commitment.Verify(root, entries, id, items, p); err != nil {
					t.Fatalf("n=%d: absence of %s: %v", n, id, err)
				}
			}
			if err := commitment.Verify(root, entries, id, nil, wireProof(t, p)); err != nil {
				t.Fatalf("n=%d: absence of %s after wire round trip: %v", n, id, err)
			}
		}
	}
}

// checkAbsenceShape checks Prove's neighbours against a linear scan.
func checkAbsenceShape(t *testing.T, f *fixture, id tx.RollupID, p commitment.RollupProof) {
	t.Helper()
	pos := 0 // number of entries sorting before id
	for pos < len(f.ids) && idLess(f.ids[pos], id) {
		pos++
	}
	if pos == 0 {
		if p.Left != nil {
			t.Fatalf("left neighbour for an id before all entries")
		}
	} else if p.Left == nil || p.Left.Index != uint32(pos-1) || p.Left.Entry.Rollup != f.ids[pos-1] {
		t.Fatalf("left neighbour %+v, want index %d", p.Left, pos-1)
	}
	if pos == len(f.ids) {
		if p.Right != nil {
			t.Fatalf("right neighbour for an id after all entries")
		}
	} else if p.Right == nil || p.Right.Index != uint32(pos) || p.Right.Entry.Rollup != f.ids[pos] {
		t.Fatalf("right neighbour %+v, want index %d", p.Right, pos)
	}
}

func wireProof(t testing.TB, p commitment.RollupProof) commitment.RollupProof {
	t.Helper()
	raw, err := commitment.ProofToProto(p).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var w deliveryv1.RollupProof
	if err := w.Unmarshal(raw); err != nil {
		t.Fatal(err)
	}
	out, err := commitment.ProofFromProto(&w)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wireItems(t testing.TB, items []commitment.Item) []commitment.Item {
	t.Helper()
	out := make([]commitment.Item, len(items))
	for i, it := range items {
		raw, err := commitment.ItemToProto(it).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		w := itemProtoFrom(t, raw)
		if out[i], err = commitment.ItemFromProto(w); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestNewTreeRejectsDuplicates(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for iter := 0; iter < 300; iter++ {
		n := 1 + iter%40
		f := randFixture(t, r, n)
		entries := f.entries()
		dup := entries[r.Intn(n)]
		if r.Intn(2) == 0 { // same id, different contents
			dup.Count++
			dup.DataRoot[0] ^= 1
		}
		at := r.Intn(len(entries) + 1)
		withDup := append(append(append([]commitment.Entry(nil), entries[:at]...), dup), entries[at:]...)
		before := append([]commitment.Entry(nil), withDup...)
		if tree, err := commitment.NewTree(withDup); err == nil {
			t.Fatalf("n=%d: duplicate accepted, root %x", n, tree.Root())
		}
		if !reflect.DeepEqual(before, withDup) {
			t.Fatal("NewTree modified its input")
		}
	}
}

func TestNewTreeRejectsZeroCount(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	for iter := 0; iter < 300; iter++ {
		n := iter % 40
		f := randFixture(t, r, n)
		entries := f.entries()
		var z commitment.Entry
		r.Read(z.Rollup[:])
		if r.Intn(2) == 0 {
			z.DataRoot = commitment.EmptyRoot()
		} else {
			r.Read(z.DataRoot[:])
		}
		if n > 0 && r.Intn(2) == 0 { // zero out an existing entry instead
			entries[r.Intn(n)].Count = 0
		} else {
			at := r.Intn(len(entries) + 1)
			entries = append(append(append([]commitment.Entry(nil), entries[:at]...), z), entries[at:]...)
		}
		if _, err := commitment.NewTree(entries); err == nil {
			t.Fatalf("n=%d: zero-count entry accepted", n)
		}
	}
}

func TestTreeIndependentOfInputOrder(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	for iter := 0; iter < 300; iter++ {
		n := iter % 41
		f := randFixture(t, r, n)
		entries := f.entries()
		r.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
		other, err := commitment.NewTree(entries)
		if err != nil {
			t.Fatal(err)
		}
		if other.Root() != f.tree.Root() || other.Len() != f.tree.Len() {
			t.Fatalf("n=%d: shuffled input gives root %x, want %x", n, other.Root(), f.tree.Root())
		}
		ids := append(append([]tx.RollupID(nil), f.ids...), f.absentIDs(r)...)
		for _, id := range ids {
			if a, b := f.tree.Prove(id), other.Prove(id); !reflect.DeepEqual(a, b) {
				t.Fatalf("n=%d: proofs for %s differ: %+v vs %+v", n, id, a, b)
			}
		}
	}
}

// A proof from one block does not verify against another block's root.
func TestProofFromAnotherBlock(t *testing.T) {
	r := rand.New(rand.NewSource(14))
	for iter := 0; iter < 200; iter++ {
		n := 1 + iter%40
		a := randFixture(t, r, n)
		// Block B: A with one rollup's items changed, one rollup added, or
		// one removed.
		items := make(map[tx.RollupID][]commitment.Item)
		for id, its := range a.items {
			items[id] = its
		}
		ids := append([]tx.RollupID(nil), a.ids...)
		switch r.Intn(3) {
		case 0:
			id := ids[r.Intn(n)]
			its := cloneItems(items[id])
			its[r.Intn(len(its))].TxIndex++
			items[id] = its
		case 1:
			id := a.absentIDs(r)[0]
			ids = append(ids, id)
			items[id] = randItems(r, 1+r.Intn(3))
		case 2:
			k := r.Intn(n)
			delete(items, ids[k])
			ids = append(ids[:k], ids[k+1:]...)
		}
		b := newFixture(t, ids, items)
		if a.tree.Root() == b.tree.Root() {
			t.Fatal("blocks A and B have the same root")
		}
		for _, id := range append(append([]tx.RollupID(nil), a.ids...), a.absentIDs(r)...) {
			p := a.tree.Prove(id)
			err := commitment.Verify(b.tree.Root(), b.tree.Len(), id, a.items[id], p)
			if err == nil {
				t.Fatalf("n=%d: A's proof for %s verifies against B", n, id)
			}
			if !isAny(err, commitment.ErrBadProof, commitment.ErrNotAbsent) {
				t.Fatalf("A's proof against B: unexpected error %v", err)
			}
			// Even with A's entry count (only B's root differs).
			if err := commitment.Verify(b.tree.Root(), a.tree.Len(), id, a.items[id], p); err == nil {
				t.Fatalf("n=%d: A's proof for %s verifies against B's root with A's count", n, id)
			}
		}
	}
}
