package commitment_test

import (
	"errors"
	"math/rand"
	"testing"

	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Tampering with delivered items or proofs is detected, with the error that
// names what is wrong.

func isAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

func wantErr(t *testing.T, what string, err error, targets ...error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: verified", what)
	}
	if !isAny(err, targets...) {
		t.Fatalf("%s: error %v, want one of %v", what, err, targets)
	}
}

func TestItemTampering(t *testing.T) {
	r := rand.New(rand.NewSource(20))
	for iter := 0; iter < 300; iter++ {
		n := 1 + iter%40
		f := randFixture(t, r, n)
		root, entries := f.tree.Root(), f.tree.Len()
		id := f.ids[r.Intn(n)]
		real := f.items[id]
		p := f.tree.Prove(id)
		verify := func(items []commitment.Item) error {
			return commitment.Verify(root, entries, id, items, p)
		}
		k := r.Intn(len(real))

		// Dropped item.
		dropped := append(cloneItems(real[:k]), cloneItems(real[k+1:])...)
		wantErr(t, "item dropped", verify(dropped), commitment.ErrCountMismatch)
		wantErr(t, "all items dropped", verify(nil), commitment.ErrCountMismatch)

		// Added item: a fresh one, a duplicate, or one of another rollup.
		added := cloneItems(real)
		extra := randItem(r)
		if r.Intn(2) == 0 {
			extra = real[r.Intn(len(real))]
		}
		at := r.Intn(len(added) + 1)
		added = append(added[:at], append([]commitment.Item{extra}, added[at:]...)...)
		wantErr(t, "item added", verify(added), commitment.ErrCountMismatch)

		// Two items swapped.
		if len(real) >= 2 {
			i, j := r.Intn(len(real)), r.Intn(len(real)-1)
			if j >= i {
				j++
			}
			sw := cloneItems(real)
			sw[i], sw[j] = sw[j], sw[i]
			if string(commitment.ItemLeaf(sw[i])) != string(commitment.ItemLeaf(sw[j])) {
				wantErr(t, "items swapped", verify(sw), commitment.ErrItemsMismatch)
			}
			// Reversed.
			rev := cloneItems(real)
			for a, b := 0, len(rev)-1; a < b; a, b = a+1, b-1 {
				rev[a], rev[b] = rev[b], rev[a]
			}
			wantErr(t, "items reversed", verify(rev), commitment.ErrItemsMismatch)
		}

		// One byte of data changed, one byte appended, data emptied.
		mod := cloneItems(real)
		if len(mod[k].Data) > 0 {
			mod[k].Data[r.Intn(len(mod[k].Data))] ^= byte(1 + r.Intn(255))
		} else {
			mod[k].Data = []byte{0}
		}
		wantErr(t, "data byte changed", verify(mod), commitment.ErrItemsMismatch)
		mod = cloneItems(real)
		mod[k].Data = append(mod[k].Data, 0)
		wantErr(t, "data byte appended", verify(mod), commitment.ErrItemsMismatch)

		// Each metadata field is committed.
		fields := []func(*commitment.Item){
			func(it *commitment.Item) { it.TxHash[r.Intn(32)] ^= 1 },
			func(it *commitment.Item) { it.TxIndex++ },
			func(it *commitment.Item) { it.ActionIndex++ },
			func(it *commitment.Item) { it.Sender[r.Intn(20)] ^= 1 },
			func(it *commitment.Item) { it.BundleIndex++ },
			func(it *commitment.Item) { it.BundleCount++ },
		}
		for _, m := range fields {
			mod := cloneItems(real)
			m(&mod[k])
			wantErr(t, "metadata field changed", verify(mod), commitment.ErrItemsMismatch)
		}

		// An item of another rollup inserted (replacing one, or added).
		if n >= 2 {
			other := f.ids[r.Intn(n)]
			for other == id {
				other = f.ids[r.Intn(n)]
			}
			foreign := f.items[other][r.Intn(len(f.items[other]))]
			repl := cloneItems(real)
			repl[k] = foreign
			wantErr(t, "foreign item replacing one", verify(repl), commitment.ErrItemsMismatch)
			ins := append(cloneItems(real), foreign)
			wantErr(t, "foreign item added", verify(ins), commitment.ErrCountMismatch)
			// The other rollup's items with our proof.
			if len(f.items[other]) == len(real) {
				wantErr(t, "other rollup's items", verify(f.items[other]), commitment.ErrItemsMismatch)
			} else {
				wantErr(t, "other rollup's items", verify(f.items[other]), commitment.ErrCountMismatch)
			}
		}

		// Items delivered with an absence proof.
		absent := f.absentIDs(r)
		aid := absent[r.Intn(len(absent))]
		ap := f.tree.Prove(aid)
		wantErr(t, "items with an absence proof", commitment.Verify(root, entries, aid, real, ap), commitment.ErrUnexpectedItems)
		wantErr(t, "one item with an absence proof", commitment.Verify(root, entries, aid, real[:1], ap), commitment.ErrUnexpectedItems)
	}
}

func TestInclusionProofTampering(t *testing.T) {
	r := rand.New(rand.NewSource(21))
	for iter := 0; iter < 300; iter++ {
		n := 1 + iter%40
		f := randFixture(t, r, n)
		root, entries := f.tree.Root(), f.tree.Len()
		i := r.Intn(n)
		id := f.ids[i]
		items := f.items[id]
		p := f.tree.Prove(id)

		// Proof for another rollup, with either rollup's items.
		if n >= 2 {
			j := r.Intn(n - 1)
			if j >= i {
				j++
			}
			q := f.tree.Prove(f.ids[j])
			wantErr(t, "proof of another rollup", commitment.Verify(root, entries, id, items, q), commitment.ErrWrongRollup)
			wantErr(t, "proof and items of another rollup", commitment.Verify(root, entries, id, f.items[f.ids[j]], q), commitment.ErrWrongRollup)
		}
		// Inclusion proof presented for an absent id.
		aid := f.absentIDs(r)[0]
		wantErr(t, "inclusion proof for an absent id", commitment.Verify(root, entries, aid, items, p), commitment.ErrWrongRollup)

		// Wrong root.
		bad := root
		bad[r.Intn(32)] ^= byte(1 + r.Intn(255))
		wantErr(t, "wrong root", commitment.Verify(bad, entries, id, items, p), commitment.ErrBadProof)
		wantErr(t, "empty root", commitment.Verify(commitment.EmptyRoot(), entries, id, items, p), commitment.ErrBadProof)

		// Modified, dropped, added, reordered aunts.
		if len(p.Entry.Aunts) > 0 {
			q := cloneProof(p)
			a := r.Intn(len(q.Entry.Aunts))
			q.Entry.Aunts[a][r.Intn(32)] ^= byte(1 + r.Intn(255))
			wantErr(t, "modified aunt", commitment.Verify(root, entries, id, items, q), commitment.ErrBadProof)
			q = cloneProof(p)
			q.Entry.Aunts = q.Entry.Aunts[:len(q.Entry.Aunts)-1]
			wantErr(t, "dropped aunt", commitment.Verify(root, entries, id, items, q), commitment.ErrBadProof)
			if len(p.Entry.Aunts) >= 2 {
				q = cloneProof(p)
				q.Entry.Aunts[0], q.Entry.Aunts[1] = q.Entry.Aunts[1], q.Entry.Aunts[0]
				wantErr(t, "swapped aunts", commitment.Verify(root, entries, id, items, q), commitment.ErrBadProof)
			}
		}
		q := cloneProof(p)
		q.Entry.Aunts = append(q.Entry.Aunts, randBytes(r, 32))
		wantErr(t, "extra aunt", commitment.Verify(root, entries, id, items, q), commitment.ErrBadProof)
		q = cloneProof(p)
		q.Entry.Aunts = append([][]byte{root[:]}, q.Entry.Aunts...)
		wantErr(t, "extra aunt at the bottom", commitment.Verify(root, entries, id, items, q), commitment.ErrBadProof)

		// Modified entry: count (with matching items), data root (with
		// matching items), rollup id (for that id).
		q = cloneProof(p)
		fake := cloneItems(items)
		if r.Intn(2) == 0 && len(fake) > 1 {
			fake = fake[:len(fake)-1]
		} else {
			fake = append(fake, randItem(r))
		}
		q.Entry.Entry = commitment.EntryFor(id, fake)
		wantErr(t, "entry rewritten for other items", commitment.Verify(root, entries, id, fake, q), commitment.ErrBadProof)
		q = cloneProof(p)
		q.Entry.Entry.Count++
		wantErr(t, "entry count changed", commitment.Verify(root, entries, id, items, q), commitment.ErrBadProof)
		q = cloneProof(p)
		q.Entry.Entry.Count = 0
		wantErr(t, "entry count zeroed", commitment.Verify(root, entries, id, nil, q), commitment.ErrBadProof)
		q = cloneProof(p)
		q.Entry.Entry.DataRoot[r.Intn(32)] ^= 1
		wantErr(t, "entry data root changed", commitment.Verify(root, entries, id, items, q), commitment.ErrBadProof)
		q = cloneProof(p)
		q.Entry.Entry.Rollup[r.Intn(32)] ^= 1
		wantErr(t, "entry rollup changed", commitment.Verify(root, entries, q.Entry.Entry.Rollup, items, q), commitment.ErrBadProof)
		wantErr(t, "entry rollup changed, asked for the real id", commitment.Verify(root, entries, id, items, q), commitment.ErrWrongRollup)

		// Inclusion and absence parts together.
		q = cloneProof(p)
		if n >= 2 {
			q.Left = f.tree.Prove(f.ids[(i+1)%n]).Entry
		} else {
			q.Right = cloneEntryProof(p.Entry)
		}
		wantErr(t, "inclusion and absence parts", commitment.Verify(root, entries, id, items, q), commitment.ErrBadProof)

		// Re-labelled index: any other index fails.
		for _, other := range []uint32{uint32(r.Intn(n)), uint32(n), uint32(n + r.Intn(5)), ^uint32(0)} {
			if other == uint32(i) {
				continue
			}
			q = cloneProof(p)
			q.Entry.Index = other
			wantErr(t, "re-labelled index", commitment.Verify(root, entries, id, items, q), commitment.ErrBadProof)
		}
	}
}

// TestEntryCountBinding checks what a wrong entry count does to an honest
// inclusion proof. A Merkle path only encodes the turns from the root to the
// leaf, so the path of leaf i in a tree of n verifies under a count m
// exactly when i < m and the turns for (i, n) and (i, m) agree (e.g. leaf 0
// of 3 entries is also leaf 0 of 4: left, left). Verify relies on the count
// being the committed one, which the app hash binds; otherwise it must fail.
func TestEntryCountBinding(t *testing.T) {
	r := rand.New(rand.NewSource(22))
	accepted := 0
	for iter := 0; iter < 200; iter++ {
		n := 1 + iter%40
		f := randFixture(t, r, n)
		root := f.tree.Root()
		for i, id := range f.ids {
			p := f.tree.Prove(id)
			for m := 0; m <= n+10; m++ {
				if m == n {
					continue
				}
				err := commitment.Verify(root, uint32(m), id, f.items[id], p)
				shouldPass := i < m && sameSides(refSides(i, n), refSides(i, m))
				if shouldPass != (err == nil) {
					t.Fatalf("n=%d i=%d count=%d: err=%v, want pass=%v", n, i, m, err, shouldPass)
				}
				if err != nil && !errors.Is(err, commitment.ErrBadProof) {
					t.Fatalf("n=%d i=%d count=%d: error %v, want ErrBadProof", n, i, m, err)
				}
				if err == nil {
					accepted++
				}
			}
			if err := commitment.Verify(root, ^uint32(0), id, f.items[id], p); err == nil {
				t.Fatalf("n=%d i=%d: verifies with 2^32-1 entries", n, i)
			}
		}
	}
	if accepted == 0 {
		t.Fatal("expected some (harmless) path-shape coincidences")
	}
	// The documented example.
	f := newFixture(t, []tx.RollupID{{1}, {2}, {3}}, map[tx.RollupID][]commitment.Item{
		{1}: {{Data: []byte("a")}}, {2}: {{Data: []byte("b")}}, {3}: {{Data: []byte("c")}},
	})
	if err := commitment.Verify(f.tree.Root(), 4, tx.RollupID{1}, f.items[tx.RollupID{1}], f.tree.Prove(tx.RollupID{1})); err != nil {
		t.Fatalf("leaf 0 of 3 under count 4: %v (paths are shared, expected to pass)", err)
	}
	if err := commitment.Verify(f.tree.Root(), 4, tx.RollupID{3}, f.items[tx.RollupID{3}], f.tree.Prove(tx.RollupID{3})); err == nil {
		t.Fatal("leaf 2 of 3 verifies under count 4")
	}
}

func TestAbsenceProofTampering(t *testing.T) {
	r := rand.New(rand.NewSource(23))
	for iter := 0; iter < 300; iter++ {
		n := 1 + iter%40
		f := randFixture(t, r, n)
		root, entries := f.tree.Root(), f.tree.Len()
		ep := func(k int) *commitment.EntryProof { return cloneEntryProof(f.tree.Prove(f.ids[k]).Entry) }
		verify := func(id tx.RollupID, left, right *commitment.EntryProof) error {
			return commitment.Verify(root, entries, id, nil, commitment.RollupProof{Left: left, Right: right})
		}

		// Absence claimed for each included rollup.
		for k, id := range f.ids {
			wantErr(t, "no neighbours", verify(id, nil, nil), commitment.ErrNotAbsent)
			wantErr(t, "itself as left", verify(id, ep(k), nil), commitment.ErrNotAbsent, commitment.ErrBadProof)
			wantErr(t, "itself as right", verify(id, nil, ep(k)), commitment.ErrNotAbsent, commitment.ErrBadProof)
			if k > 0 {
				wantErr(t, "itself as right after its left", verify(id, ep(k-1), ep(k)), commitment.ErrNotAbsent)
			}
			if k+1 < n {
				wantErr(t, "itself as left before its right", verify(id, ep(k), ep(k+1)), commitment.ErrNotAbsent)
			}
			if k > 0 && k+1 < n {
				wantErr(t, "its neighbours", verify(id, ep(k-1), ep(k+1)), commitment.ErrNotAbsent)
				// Re-label to look adjacent.
				l, rr := ep(k-1), ep(k+1)
				l.Index++
				wantErr(t, "its neighbours, left re-labelled", verify(id, l, rr), commitment.ErrBadProof)
				l, rr = ep(k-1), ep(k+1)
				rr.Index--
				wantErr(t, "its neighbours, right re-labelled", verify(id, l, rr), commitment.ErrBadProof)
			}
			// Non-adjacent neighbours further out.
			if k >= 2 && k+1 < n {
				wantErr(t, "non-adjacent neighbours", verify(id, ep(r.Intn(k)), ep(k+1+r.Intn(n-k-1))), commitment.ErrNotAbsent)
			}
			// Left-only that is not the last entry.
			if k > 0 {
				wantErr(t, "left-only, not last", verify(id, ep(k-1), nil), commitment.ErrNotAbsent)
				l := ep(k - 1)
				l.Index = uint32(n - 1)
				if k-1 != n-1 {
					wantErr(t, "left-only re-labelled as last", verify(id, l, nil), commitment.ErrBadProof)
				}
			}
			// Right-only that is not the first entry.
			if k+1 < n {
				wantErr(t, "right-only, not first", verify(id, nil, ep(k+1)), commitment.ErrNotAbsent)
				rr := ep(k + 1)
				rr.Index = 0
				wantErr(t, "right-only re-labelled as first", verify(id, nil, rr), commitment.ErrBadProof)
			}
			// Neighbours swapped.
			if k > 0 && k+1 < n {
				wantErr(t, "neighbours swapped", verify(id, ep(k+1), ep(k-1)), commitment.ErrNotAbsent)
			}
			// An entry of the left neighbour with its id moved past the
			// target (the path no longer matches).
			if k > 0 && k+1 < n {
				l := ep(k - 1)
				l.Entry.Rollup = id
				l.Entry.Rollup[31]--
				if l.Entry.Rollup != f.ids[k-1] {
					wantErr(t, "left neighbour's id altered", verify(id, l, ep(k+1)), commitment.ErrBadProof, commitment.ErrNotAbsent)
				}
			}
		}

		// Honest absence proofs for absent ids, tampered.
		for _, aid := range f.absentIDs(r) {
			p := f.tree.Prove(aid)
			// Wrong root.
			bad := root
			bad[r.Intn(32)] ^= 1
			wantErr(t, "absence, wrong root", commitment.Verify(bad, entries, aid, nil, p), commitment.ErrBadProof)
			// Dropping a neighbour.
			if p.Left != nil && p.Right != nil {
				q := cloneProof(p)
				q.Left = nil
				if p.Right.Index != 0 {
					wantErr(t, "absence, left dropped", commitment.Verify(root, entries, aid, nil, q), commitment.ErrNotAbsent)
				}
				q = cloneProof(p)
				q.Right = nil
				if p.Left.Index != entries-1 {
					wantErr(t, "absence, right dropped", commitment.Verify(root, entries, aid, nil, q), commitment.ErrNotAbsent)
				}
			}
			// Modified aunt or entry in a neighbour.
			for _, side := range []int{0, 1} {
				q := cloneProof(p)
				e := q.Left
				if side == 1 {
					e = q.Right
				}
				if e == nil {
					continue
				}
				if len(e.Aunts) > 0 {
					e.Aunts[r.Intn(len(e.Aunts))][r.Intn(32)] ^= 1
					wantErr(t, "absence, neighbour aunt modified", commitment.Verify(root, entries, aid, nil, q), commitment.ErrBadProof)
					e.Aunts = cloneEntryProof(f.tree.Prove(e.Entry.Rollup).Entry).Aunts
				}
				e.Entry.Count++
				wantErr(t, "absence, neighbour count modified", commitment.Verify(root, entries, aid, nil, q), commitment.ErrBadProof)
			}
			// Neighbour relabelled.
			if p.Left != nil {
				q := cloneProof(p)
				q.Left.Index = (q.Left.Index + 1 + uint32(r.Intn(n))) % uint32(n+1)
				if q.Left.Index != p.Left.Index {
					wantErr(t, "absence, left re-labelled", commitment.Verify(root, entries, aid, nil, q), commitment.ErrBadProof)
				}
			}
			// An inclusion proof is not an absence proof: the id differs.
			for _, k := range []int{0, n - 1, r.Intn(n)} {
				q := f.tree.Prove(f.ids[k])
				wantErr(t, "inclusion proof of another id", commitment.Verify(root, entries, aid, nil, q), commitment.ErrWrongRollup)
			}
			// Items with the absence proof.
			wantErr(t, "absence with items", commitment.Verify(root, entries, aid, []commitment.Item{randItem(r)}, p), commitment.ErrUnexpectedItems)
			// Verified with another entry count: fails unless the
			// neighbour paths happen to agree under both counts; with an
			// end neighbour the index check catches it.
			if p.Right == nil {
				wantErr(t, "absence at the end, count+1", commitment.Verify(root, entries+1, aid, nil, p), commitment.ErrBadProof, commitment.ErrNotAbsent)
			}
		}
	}
}

func TestEmptyTreeAbsence(t *testing.T) {
	tree, err := commitment.NewTree(nil)
	if err != nil {
		t.Fatal(err)
	}
	id := tx.RollupIDFromName("any")
	p := tree.Prove(id)
	if p.Entry != nil || p.Left != nil || p.Right != nil {
		t.Fatalf("Prove on an empty tree: %+v", p)
	}
	if err := commitment.Verify(tree.Root(), 0, id, nil, p); err != nil {
		t.Fatalf("empty tree absence: %v", err)
	}
	wantErr(t, "empty tree with items", commitment.Verify(tree.Root(), 0, id, []commitment.Item{{}}, p), commitment.ErrUnexpectedItems)
	var bad [32]byte
	wantErr(t, "empty count with a non-empty root", commitment.Verify(bad, 0, id, nil, p), commitment.ErrBadProof)
	wantErr(t, "empty proof with a non-zero count", commitment.Verify(tree.Root(), 1, id, nil, p), commitment.ErrNotAbsent)

	// Neighbours from a real tree presented with a zero count.
	r := rand.New(rand.NewSource(24))
	f := randFixture(t, r, 3)
	aid := f.absentIDs(r)[0]
	ap := f.tree.Prove(aid)
	wantErr(t, "neighbours with a zero count", commitment.Verify(f.tree.Root(), 0, aid, nil, ap), commitment.ErrNotAbsent)
	wantErr(t, "neighbours with a zero count and empty root", commitment.Verify(commitment.EmptyRoot(), 0, aid, nil, ap), commitment.ErrNotAbsent)
	ip := f.tree.Prove(f.ids[0])
	wantErr(t, "inclusion with a zero count", commitment.Verify(f.tree.Root(), 0, f.ids[0], f.items[f.ids[0]], ip), commitment.ErrBadProof)
}

// A fixed block, spelled out: each named tampering gives its error.
func TestVerifyErrorsTable(t *testing.T) {
	id := func(b byte) tx.RollupID { var x tx.RollupID; x[0] = b; return x }
	mk := func(s string) commitment.Item { return commitment.Item{TxHash: tx.Hash{s[0]}, Data: []byte(s)} }
	items := map[tx.RollupID][]commitment.Item{
		id(0x10): {mk("a1"), mk("a2"), mk("a3")},
		id(0x20): {mk("b1")},
		id(0x30): {mk("c1"), mk("c2")},
		id(0x40): {mk("d1")},
		id(0x50): {mk("e1"), mk("e2")},
	}
	f := newFixture(t, []tx.RollupID{id(0x30), id(0x10), id(0x50), id(0x20), id(0x40)}, items)
	root, n := f.tree.Root(), f.tree.Len()
	pr := func(b byte) commitment.RollupProof { return cloneProof(f.tree.Prove(id(b))) }
	ent := func(b byte) *commitment.EntryProof { return pr(b).Entry }
	withIndex := func(e *commitment.EntryProof, i uint32) *commitment.EntryProof { e.Index = i; return e }
	c := items[id(0x30)]

	cases := []struct {
		name  string
		id    tx.RollupID
		items []commitment.Item
		p     commitment.RollupProof
		root  [32]byte
		n     uint32
		want  error // nil: must verify
	}{
		{"honest inclusion", id(0x30), c, pr(0x30), root, n, nil},
		{"honest absence before all", id(0x01), nil, pr(0x01), root, n, nil},
		{"honest absence between", id(0x31), nil, pr(0x31), root, n, nil},
		{"honest absence after all", id(0xff), nil, pr(0xff), root, n, nil},
		{"item dropped", id(0x30), c[:1], pr(0x30), root, n, commitment.ErrCountMismatch},
		{"item added", id(0x30), append(cloneItems(c), mk("c3")), pr(0x30), root, n, commitment.ErrCountMismatch},
		{"items swapped", id(0x30), []commitment.Item{c[1], c[0]}, pr(0x30), root, n, commitment.ErrItemsMismatch},
		{"data byte changed", id(0x30), []commitment.Item{c[0], mk("cX")}, pr(0x30), root, n, commitment.ErrItemsMismatch},
		{"other rollup's item", id(0x30), []commitment.Item{c[0], items[id(0x50)][1]}, pr(0x30), root, n, commitment.ErrItemsMismatch},
		{"other rollup's proof", id(0x30), c, pr(0x50), root, n, commitment.ErrWrongRollup},
		{"wrong root", id(0x30), c, pr(0x30), f.tree.Prove(id(0x10)).Entry.Entry.DataRoot, n, commitment.ErrBadProof},
		{"re-labelled index", id(0x30), c, commitment.RollupProof{Entry: withIndex(ent(0x30), 3)}, root, n, commitment.ErrBadProof},
		{"absence for an included rollup: its neighbours", id(0x30), nil, commitment.RollupProof{Left: ent(0x20), Right: ent(0x40)}, root, n, commitment.ErrNotAbsent},
		{"absence: non-adjacent neighbours", id(0x31), nil, commitment.RollupProof{Left: ent(0x20), Right: ent(0x50)}, root, n, commitment.ErrNotAbsent},
		{"absence: left-only not last", id(0x31), nil, commitment.RollupProof{Left: ent(0x30)}, root, n, commitment.ErrNotAbsent},
		{"absence: right-only not first", id(0x31), nil, commitment.RollupProof{Right: ent(0x40)}, root, n, commitment.ErrNotAbsent},
		{"absence: left does not sort before", id(0x31), nil, commitment.RollupProof{Left: ent(0x50)}, root, n, commitment.ErrNotAbsent},
		{"absence: right does not sort after", id(0x31), nil, commitment.RollupProof{Right: ent(0x10)}, root, n, commitment.ErrNotAbsent},
		{"absence: last entry itself", id(0x50), nil, commitment.RollupProof{Left: ent(0x50)}, root, n, commitment.ErrNotAbsent},
		{"absence: first entry itself", id(0x10), nil, commitment.RollupProof{Right: ent(0x10)}, root, n, commitment.ErrNotAbsent},
		{"absence with items", id(0x31), c, pr(0x31), root, n, commitment.ErrUnexpectedItems},
		{"absence, no neighbours", id(0x31), nil, commitment.RollupProof{}, root, n, commitment.ErrNotAbsent},
		{"inclusion with a wrong count", id(0x50), items[id(0x50)], pr(0x50), root, n + 1, commitment.ErrBadProof},
	}
	for _, tc := range cases {
		err := commitment.Verify(tc.root, tc.n, tc.id, tc.items, tc.p)
		if tc.want == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
}
