package commitment_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// The fuzz target verifies arbitrary wire proofs against fixed honest trees
// and checks that Verify never panics and never accepts a false claim.

// fuzzID is a rollup id with a given first and last byte.
func fuzzID(first, last byte) tx.RollupID {
	var id tx.RollupID
	id[0], id[31] = first, last
	for i := 1; i < 31; i++ {
		id[i] = 0x55
	}
	return id
}

// fuzzCandidates are the ids the fuzzer can ask about: those with entries in
// some fuzz tree and ids before, between and after them.
var fuzzCandidates = []tx.RollupID{
	fuzzID(0x20, 0), fuzzID(0x40, 0), fuzzID(0x60, 0), fuzzID(0x80, 0), fuzzID(0xa0, 0),
	{}, fuzzID(0x10, 0), fuzzID(0x20, 1), fuzzID(0x3f, 0xff), fuzzID(0x60, 1), fuzzID(0x70, 0),
	fuzzID(0xa0, 1), fuzzID(0xff, 0xff),
}

// fuzzMeta is the metadata of item j in every fuzz rollup; variant v != 0
// alters it.
func fuzzMeta(j int, v byte) commitment.Item {
	it := commitment.Item{TxIndex: uint32(j) ^ uint32(v), ActionIndex: uint32(j % 2)}
	it.TxHash = sha256.Sum256([]byte{byte(j)})
	it.Sender[0] = byte(j)
	if j%3 == 2 {
		it.BundleIndex, it.BundleCount = 1, 2
	}
	return it
}

// fuzzItems decodes the fuzzer's item data: b[0]&7 items with metadata
// variant b[0]>>3, whose data are the ','-separated parts of b[1:] (missing
// parts are empty). Empty b means no items.
func fuzzItems(b []byte) []commitment.Item {
	if len(b) == 0 {
		return nil
	}
	n, v := int(b[0]&7), b[0]>>3
	parts := bytes.SplitN(b[1:], []byte(","), n)
	items := make([]commitment.Item, n)
	for j := range items {
		items[j] = fuzzMeta(j, v)
		if j < len(parts) && len(parts[j]) > 0 {
			items[j].Data = parts[j]
		}
	}
	return items
}

// encodeFuzzItems is the inverse of fuzzItems for honest fuzz items.
func encodeFuzzItems(items []commitment.Item) []byte {
	if len(items) == 0 {
		return nil
	}
	datas := make([][]byte, len(items))
	for i, it := range items {
		datas[i] = it.Data
	}
	return append([]byte{byte(len(items))}, bytes.Join(datas, []byte(","))...)
}

// fuzzTrees are an empty tree, a one-entry tree and a five-entry tree.
func fuzzTrees(t testing.TB) []*fixture {
	mk := func(firsts ...byte) *fixture {
		var ids []tx.RollupID
		items := make(map[tx.RollupID][]commitment.Item)
		for k, first := range firsts {
			id := fuzzID(first, 0)
			ids = append(ids, id)
			its := make([]commitment.Item, 1+k%3)
			for j := range its {
				its[j] = fuzzMeta(j, 0)
				its[j].Data = []byte(fmt.Sprintf("r%x-%d", first, j))
			}
			items[id] = its
		}
		return newFixture(t, ids, items)
	}
	return []*fixture{mk(), mk(0x60), mk(0x80, 0x20, 0xa0, 0x60, 0x40)}
}

func fuzzPick(trees []*fixture, sel byte) (*fixture, tx.RollupID) {
	return trees[int(sel)%len(trees)], fuzzCandidates[(int(sel)/len(trees))%len(fuzzCandidates)]
}

// fuzzSeeds are honest proofs with their items, and some tampered ones.
func fuzzSeeds(t testing.TB, trees []*fixture) (proofs [][]byte, sels []byte, items [][]byte) {
	for sel := 0; sel < len(trees)*len(fuzzCandidates); sel++ {
		f, id := fuzzPick(trees, byte(sel))
		w := commitment.ProofToProto(f.tree.Prove(id))
		raw, err := w.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		proofs, sels, items = append(proofs, raw), append(sels, byte(sel)), append(items, encodeFuzzItems(f.items[id]))
		if w.Entry != nil && len(w.Entry.Aunts) > 0 { // a modified aunt
			// Copy first: the proof shares its aunts with the tree.
			w.Entry.Aunts = append([][]byte(nil), w.Entry.Aunts...)
			w.Entry.Aunts[0] = append([]byte(nil), w.Entry.Aunts[0]...)
			w.Entry.Aunts[0][3] ^= 1
			raw, _ := w.Marshal()
			proofs, sels, items = append(proofs, raw), append(sels, byte(sel)), append(items, encodeFuzzItems(f.items[id]))
		}
	}
	// False claims for the included rollups of the five-entry tree: absence
	// shown by both neighbours, the left one only, the right one only, or
	// the entry itself as a neighbour; another rollup's proof and items.
	big := trees[2]
	selOf := func(id tx.RollupID) byte {
		for c, x := range fuzzCandidates {
			if x == id {
				sel := byte(c*len(trees) + 2)
				if f, y := fuzzPick(trees, sel); f != big || y != id {
					t.Fatalf("seed selector for %s", id)
				}
				return sel
			}
		}
		t.Fatalf("%s is not a candidate", id)
		return 0
	}
	for k, id := range big.ids {
		sel := selOf(id)
		other := big.ids[(k+1)%len(big.ids)]
		raw, err := commitment.ProofToProto(big.tree.Prove(other)).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		proofs, sels, items = append(proofs, raw), append(sels, sel), append(items, encodeFuzzItems(big.items[other]))
		self := big.tree.Prove(id).Entry
		claims := []commitment.RollupProof{{Left: self}, {Right: self}}
		if k > 0 && k+1 < len(big.ids) {
			claims = append(claims, commitment.RollupProof{Left: big.tree.Prove(big.ids[k-1]).Entry, Right: big.tree.Prove(big.ids[k+1]).Entry})
		}
		if k > 0 {
			claims = append(claims, commitment.RollupProof{Left: big.tree.Prove(big.ids[k-1]).Entry})
		}
		if k+1 < len(big.ids) {
			claims = append(claims, commitment.RollupProof{Right: big.tree.Prove(big.ids[k+1]).Entry})
		}
		for _, p := range claims {
			raw, err := commitment.ProofToProto(p).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			proofs, sels, items = append(proofs, raw), append(sels, sel), append(items, nil)
		}
	}
	return proofs, sels, items
}

func FuzzVerifyProof(f *testing.F) {
	trees := fuzzTrees(f)
	proofs, sels, items := fuzzSeeds(f, trees)
	for i := range proofs {
		f.Add(proofs[i], sels[i], items[i])
	}
	if g, id := fuzzPick(trees, 8); g != trees[2] || id != fuzzID(0x60, 0) {
		f.Fatal("selector 8 is not 0x60 in the five-entry tree")
	}
	if g, id := fuzzPick(trees, 32); g != trees[2] || id != fuzzID(0x70, 0) {
		f.Fatal("selector 32 is not 0x70 in the five-entry tree")
	}
	f.Add([]byte{}, byte(0), []byte{})
	// An empty proof for an included rollup (0x60 in the five-entry tree).
	f.Add([]byte{}, byte(8), []byte{})
	// An honest absence proof (0x70 in the five-entry tree) with an item.
	absent, err := commitment.ProofToProto(trees[2].tree.Prove(fuzzID(0x70, 0))).Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(absent, byte(32), []byte("\x01x"))
	f.Add([]byte{0x0a, 0x00}, byte(5), []byte{0x01})
	f.Fuzz(func(t *testing.T, proofBytes []byte, sel byte, itemData []byte) {
		var w deliveryv1.RollupProof
		if err := w.Unmarshal(proofBytes); err != nil {
			return
		}
		p, err := commitment.ProofFromProto(&w)
		if err != nil {
			return
		}
		fx, id := fuzzPick(trees, sel)
		got := fuzzItems(itemData)
		err = commitment.Verify(fx.tree.Root(), fx.tree.Len(), id, got, p)
		if err != nil {
			return
		}
		real, included := fx.items[id]
		if included {
			if !sameItems(got, real) {
				t.Fatalf("Verify accepted items %+v for %s, real items %+v (proof %+v)", got, id, real, p)
			}
		} else if len(got) != 0 {
			t.Fatalf("Verify accepted %d items for %s, which has no entry", len(got), id)
		}
		if included && p.Entry == nil {
			t.Fatalf("Verify accepted an absence proof for included %s: %+v", id, p)
		}
		if !included && p.Entry != nil {
			t.Fatalf("Verify accepted an inclusion proof for absent %s: %+v", id, p)
		}
	})
}

// TestFuzzSeedsAreHonest checks the seeds themselves: each honest seed
// verifies, so the fuzzer starts from accepted inputs.
func TestFuzzSeedsAreHonest(t *testing.T) {
	trees := fuzzTrees(t)
	for sel := 0; sel < len(trees)*len(fuzzCandidates); sel++ {
		f, id := fuzzPick(trees, byte(sel))
		p := f.tree.Prove(id)
		raw, err := commitment.ProofToProto(p).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		var w deliveryv1.RollupProof
		if err := w.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		q, err := commitment.ProofFromProto(&w)
		if err != nil {
			t.Fatal(err)
		}
		items := fuzzItems(encodeFuzzItems(f.items[id]))
		if !sameItems(items, f.items[id]) {
			t.Fatalf("item encoding does not round trip for %s", id)
		}
		if err := commitment.Verify(f.tree.Root(), f.tree.Len(), id, items, q); err != nil {
			t.Fatalf("seed %d (%s): %v", sel, id, err)
		}
	}
}

// FuzzDecodeVerdictsTx: DecodeVerdictsTx never panics, and whatever it
// accepts is the canonical encoding of what it returns, with one verdict
// per bundle.
func FuzzDecodeVerdictsTx(f *testing.F) {
	for _, v := range []*consensusv1.BundleVerdicts{
		{Height: 7, TxIndexes: []uint32{3}, Commits: []bool{true}},
		{Height: 1, TxIndexes: []uint32{1, 2, 300}, Commits: []bool{false, true, false}},
		{Height: 9},
	} {
		raw, err := commitment.EncodeVerdictsTx(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("\xffORDO/AB\x08"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := commitment.DecodeVerdictsTx(raw)
		if err != nil {
			return
		}
		if len(v.Commits) != len(v.TxIndexes) {
			t.Fatalf("accepted %d verdicts for %d bundles", len(v.Commits), len(v.TxIndexes))
		}
		back, err := commitment.EncodeVerdictsTx(v)
		if err != nil || !bytes.Equal(back, raw) {
			t.Fatalf("accepted a non-canonical encoding %x (canonical %x)", raw, back)
		}
	})
}
