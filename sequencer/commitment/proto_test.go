package commitment_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/tx"
)

func itemProtoFrom(t testing.TB, raw []byte) *sequencerv1.RollupItem {
	t.Helper()
	var w sequencerv1.RollupItem
	if err := w.Unmarshal(raw); err != nil {
		t.Fatal(err)
	}
	return &w
}

func TestItemProtoRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(30))
	for i := 0; i < 500; i++ {
		it := randItem(r)
		if i%10 == 0 {
			it.BundleCount, it.BundleIndex = math.MaxUint32, math.MaxUint32-1
		}
		p := commitment.ItemToProto(it)
		if p.TxHash != strings.ToUpper(hex.EncodeToString(it.TxHash[:])) || !bytes.Equal(p.Sender, it.Sender[:]) ||
			p.TxIndex != it.TxIndex || p.ActionIndex != it.ActionIndex || !bytes.Equal(p.Data, it.Data) ||
			p.BundleLegIndex != it.BundleIndex || p.BundleLegCount != it.BundleCount {
			t.Fatalf("ItemToProto(%+v) = %+v", it, p)
		}
		got, err := commitment.ItemFromProto(p)
		if err != nil || !reflect.DeepEqual(got, it) {
			t.Fatalf("round trip of %+v: %+v, %v", it, got, err)
		}
		// Through the wire.
		raw, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err = commitment.ItemFromProto(itemProtoFrom(t, raw))
		if err != nil || !sameItems([]commitment.Item{got}, []commitment.Item{it}) {
			t.Fatalf("wire round trip of %+v: %+v, %v", it, got, err)
		}
		// The wire form does not alias the item's sender.
		p.Sender[0] ^= 1
		if p.Sender[0] == it.Sender[0] {
			t.Fatal("ItemToProto aliases the sender")
		}
	}
	// Lower-case and 0x-prefixed hashes parse to the same item.
	it := randItem(r)
	for _, h := range []string{strings.ToLower(it.TxHash.String()), "0x" + it.TxHash.String()} {
		p := commitment.ItemToProto(it)
		p.TxHash = h
		got, err := commitment.ItemFromProto(p)
		if err != nil || got.TxHash != it.TxHash {
			t.Fatalf("hash %q: %v", h, err)
		}
	}
}

func TestItemFromProtoRejects(t *testing.T) {
	good := func() *sequencerv1.RollupItem {
		return commitment.ItemToProto(commitment.Item{TxHash: tx.Hash{1}, Sender: tx.Address{2}, Data: []byte("d")})
	}
	if _, err := commitment.ItemFromProto(good()); err != nil {
		t.Fatalf("good item: %v", err)
	}
	if _, err := commitment.ItemFromProto(nil); err == nil {
		t.Error("nil item accepted")
	}
	bad := map[string]func(*sequencerv1.RollupItem){
		"empty tx hash":        func(p *sequencerv1.RollupItem) { p.TxHash = "" },
		"non-hex tx hash":      func(p *sequencerv1.RollupItem) { p.TxHash = strings.Repeat("zz", 32) },
		"short tx hash":        func(p *sequencerv1.RollupItem) { p.TxHash = p.TxHash[:62] },
		"long tx hash":         func(p *sequencerv1.RollupItem) { p.TxHash += "00" },
		"odd tx hash":          func(p *sequencerv1.RollupItem) { p.TxHash = p.TxHash[:63] },
		"no sender":            func(p *sequencerv1.RollupItem) { p.Sender = nil },
		"short sender":         func(p *sequencerv1.RollupItem) { p.Sender = p.Sender[:19] },
		"long sender":          func(p *sequencerv1.RollupItem) { p.Sender = append(p.Sender, 0) },
		"32-byte sender":       func(p *sequencerv1.RollupItem) { p.Sender = make([]byte, 32) },
		"leg index, no count":  func(p *sequencerv1.RollupItem) { p.BundleLegIndex = 1 },
		"leg index = count":    func(p *sequencerv1.RollupItem) { p.BundleLegIndex, p.BundleLegCount = 3, 3 },
		"leg index > count":    func(p *sequencerv1.RollupItem) { p.BundleLegIndex, p.BundleLegCount = 7, 3 },
		"leg index = max":      func(p *sequencerv1.RollupItem) { p.BundleLegIndex, p.BundleLegCount = math.MaxUint32, math.MaxUint32 },
		"leg 1 of 1":           func(p *sequencerv1.RollupItem) { p.BundleLegIndex, p.BundleLegCount = 1, 1 },
		"leg max, count 0":     func(p *sequencerv1.RollupItem) { p.BundleLegIndex = math.MaxUint32 },
		"hash with whitespace": func(p *sequencerv1.RollupItem) { p.TxHash = " " + p.TxHash[1:] },
	}
	for name, mod := range bad {
		p := good()
		mod(p)
		if it, err := commitment.ItemFromProto(p); err == nil {
			t.Errorf("%s: accepted as %+v", name, it)
		}
	}
	for _, leg := range [][2]uint32{{0, 0}, {0, 1}, {2, 3}, {math.MaxUint32 - 1, math.MaxUint32}} {
		p := good()
		p.BundleLegIndex, p.BundleLegCount = leg[0], leg[1]
		if _, err := commitment.ItemFromProto(p); err != nil {
			t.Errorf("leg %d of %d rejected: %v", leg[0], leg[1], err)
		}
	}
}

func TestProofProtoRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(31))
	for iter := 0; iter < 100; iter++ {
		f := randFixture(t, r, iter%41)
		ids := append(append([]tx.RollupID(nil), f.ids...), f.absentIDs(r)...)
		for _, id := range ids {
			p := f.tree.Prove(id)
			got, err := commitment.ProofFromProto(commitment.ProofToProto(p))
			if err != nil || !reflect.DeepEqual(got, p) {
				t.Fatalf("round trip of %+v: %+v, %v", p, got, err)
			}
			w := wireProof(t, p)
			if !sameProof(w, p) {
				t.Fatalf("wire round trip of %+v: %+v", p, w)
			}
		}
	}
	// The empty proof (absence in an empty tree) has no fields.
	got, err := commitment.ProofFromProto(&deliveryv1.RollupProof{})
	if err != nil || got.Entry != nil || got.Left != nil || got.Right != nil {
		t.Fatalf("empty wire proof: %+v, %v", got, err)
	}
}

func sameEntryProof(a, b *commitment.EntryProof) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Entry != b.Entry || a.Index != b.Index || len(a.Aunts) != len(b.Aunts) {
		return false
	}
	for i := range a.Aunts {
		if !bytes.Equal(a.Aunts[i], b.Aunts[i]) {
			return false
		}
	}
	return true
}

func sameProof(a, b commitment.RollupProof) bool {
	return sameEntryProof(a.Entry, b.Entry) && sameEntryProof(a.Left, b.Left) && sameEntryProof(a.Right, b.Right)
}

func TestProofFromProtoRejects(t *testing.T) {
	if _, err := commitment.ProofFromProto(nil); !errors.Is(err, commitment.ErrBadProof) {
		t.Fatalf("nil proof: %v", err)
	}
	good := func() *deliveryv1.EntryProof {
		return &deliveryv1.EntryProof{RollupId: make([]byte, 32), Count: 1, DataRoot: make([]byte, 32), Index: 0,
			Aunts: [][]byte{make([]byte, 32), make([]byte, 32)}}
	}
	aunts := func(n, size int) [][]byte {
		out := make([][]byte, n)
		for i := range out {
			out[i] = make([]byte, size)
		}
		return out
	}
	bad := map[string]func(*deliveryv1.EntryProof){
		"no rollup id":       func(e *deliveryv1.EntryProof) { e.RollupId = nil },
		"short rollup id":    func(e *deliveryv1.EntryProof) { e.RollupId = e.RollupId[:31] },
		"long rollup id":     func(e *deliveryv1.EntryProof) { e.RollupId = append(e.RollupId, 0) },
		"no data root":       func(e *deliveryv1.EntryProof) { e.DataRoot = nil },
		"short data root":    func(e *deliveryv1.EntryProof) { e.DataRoot = e.DataRoot[:31] },
		"long data root":     func(e *deliveryv1.EntryProof) { e.DataRoot = append(e.DataRoot, 0) },
		"33 aunts":           func(e *deliveryv1.EntryProof) { e.Aunts = aunts(33, 32) },
		"1000 aunts":         func(e *deliveryv1.EntryProof) { e.Aunts = aunts(1000, 32) },
		"short aunt":         func(e *deliveryv1.EntryProof) { e.Aunts[1] = e.Aunts[1][:31] },
		"long aunt":          func(e *deliveryv1.EntryProof) { e.Aunts[0] = append(e.Aunts[0], 0) },
		"empty aunt":         func(e *deliveryv1.EntryProof) { e.Aunts[0] = nil },
		"all aunts too long": func(e *deliveryv1.EntryProof) { e.Aunts = aunts(3, 64) },
	}
	for name, mod := range bad {
		for _, field := range []string{"entry", "left", "right"} {
			e := good()
			mod(e)
			p := &deliveryv1.RollupProof{}
			switch field {
			case "entry":
				p.Entry = e
			case "left":
				p.Left, p.Right = e, good()
			case "right":
				p.Left, p.Right = good(), e
			}
			if got, err := commitment.ProofFromProto(p); !errors.Is(err, commitment.ErrBadProof) {
				t.Errorf("%s in %s: %+v, %v", name, field, got, err)
			}
		}
	}
	// At the limits: 32 aunts and zero aunts convert (Verify decides).
	for _, n := range []int{0, 32} {
		e := good()
		e.Aunts = aunts(n, 32)
		if _, err := commitment.ProofFromProto(&deliveryv1.RollupProof{Entry: e}); err != nil {
			t.Errorf("%d aunts: %v", n, err)
		}
	}
	// A converted zero-count entry is rejected by Verify.
	e := good()
	e.Count = 0
	p, err := commitment.ProofFromProto(&deliveryv1.RollupProof{Entry: e})
	if err != nil {
		t.Fatal(err)
	}
	if err := commitment.Verify(commitment.EmptyRoot(), 1, tx.RollupID{}, nil, p); !errors.Is(err, commitment.ErrBadProof) {
		t.Errorf("zero-count entry: %v", err)
	}
}

func TestCommitmentProtoRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(32))
	for i := 0; i < 300; i++ {
		var b commitment.Block
		if i%4 != 0 {
			b.PrevAppHash = randBytes(r, 32)
		}
		b.Height = r.Int63()
		if i%5 == 0 {
			b.Height = 0
		}
		r.Read(b.StateDigest[:])
		r.Read(b.RollupsRoot[:])
		b.RollupEntries = r.Uint32()
		p := commitment.CommitmentToProto(b)
		got, err := commitment.CommitmentFromProto(p)
		if err != nil || !reflect.DeepEqual(got, b) {
			t.Fatalf("round trip of %+v: %+v, %v", b, got, err)
		}
		raw, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		var w deliveryv1.BlockCommitment
		if err := w.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		got, err = commitment.CommitmentFromProto(&w)
		if err != nil || !bytes.Equal(got.AppHash(), b.AppHash()) || got.Height != b.Height ||
			got.RollupEntries != b.RollupEntries || got.RollupsRoot != b.RollupsRoot || got.StateDigest != b.StateDigest ||
			!bytes.Equal(got.PrevAppHash, b.PrevAppHash) {
			t.Fatalf("wire round trip of %+v: %+v, %v", b, got, err)
		}
	}
}

func TestCommitmentFromProtoRejects(t *testing.T) {
	good := func() *deliveryv1.BlockCommitment {
		return commitment.CommitmentToProto(commitment.Block{PrevAppHash: make([]byte, 32), Height: 5, RollupEntries: 2})
	}
	if _, err := commitment.CommitmentFromProto(good()); err != nil {
		t.Fatalf("good commitment: %v", err)
	}
	if _, err := commitment.CommitmentFromProto(nil); err == nil {
		t.Error("nil commitment accepted")
	}
	bad := map[string]func(*deliveryv1.BlockCommitment){
		"no state digest":      func(p *deliveryv1.BlockCommitment) { p.StateDigest = nil },
		"short state digest":   func(p *deliveryv1.BlockCommitment) { p.StateDigest = p.StateDigest[:31] },
		"long state digest":    func(p *deliveryv1.BlockCommitment) { p.StateDigest = append(p.StateDigest, 0) },
		"no rollups root":      func(p *deliveryv1.BlockCommitment) { p.RollupsRoot = nil },
		"short rollups root":   func(p *deliveryv1.BlockCommitment) { p.RollupsRoot = p.RollupsRoot[:31] },
		"long rollups root":    func(p *deliveryv1.BlockCommitment) { p.RollupsRoot = append(p.RollupsRoot, 0) },
		"short prev app hash":  func(p *deliveryv1.BlockCommitment) { p.PrevAppHash = p.PrevAppHash[:31] },
		"long prev app hash":   func(p *deliveryv1.BlockCommitment) { p.PrevAppHash = append(p.PrevAppHash, 0) },
		"1-byte prev app hash": func(p *deliveryv1.BlockCommitment) { p.PrevAppHash = []byte{0} },
	}
	for name, mod := range bad {
		p := good()
		mod(p)
		if b, err := commitment.CommitmentFromProto(p); err == nil {
			t.Errorf("%s: accepted as %+v", name, b)
		}
	}
	for _, prev := range [][]byte{nil, {}} {
		p := good()
		p.PrevAppHash = prev
		if _, err := commitment.CommitmentFromProto(p); err != nil {
			t.Errorf("genesis (no prev app hash %v): %v", prev, err)
		}
	}
}
