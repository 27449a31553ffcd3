package commitment

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// benchBlock is a block with `rollups` rollups of `items` 256-byte items.
func benchBlock(rollups, items int) ([]Entry, map[tx.RollupID][]Item) {
	rng := rand.New(rand.NewSource(1))
	all := make(map[tx.RollupID][]Item, rollups)
	entries := make([]Entry, 0, rollups)
	for r := 0; r < rollups; r++ {
		var id tx.RollupID
		rng.Read(id[:])
		its := make([]Item, items)
		for i := range its {
			its[i].Data = make([]byte, 256)
			rng.Read(its[i].Data)
			rng.Read(its[i].TxHash[:])
			its[i].TxIndex = uint32(r*items + i)
		}
		all[id] = its
		entries = append(entries, EntryFor(id, its))
	}
	return entries, all
}

// BenchmarkDataRoot: one rollup's data root over n 256-byte items.
func BenchmarkDataRoot(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			_, all := benchBlock(1, n)
			for _, items := range all {
				b.ReportAllocs()
				for b.Loop() {
					DataRoot(items)
				}
			}
		})
	}
}

// BenchmarkProve: building a block's rollups tree and one proof.
func BenchmarkProve(b *testing.B) {
	for _, n := range []int{4, 100} {
		b.Run(fmt.Sprintf("rollups=%d", n), func(b *testing.B) {
			entries, _ := benchBlock(n, 1)
			id := entries[n/2].Rollup
			b.ReportAllocs()
			for b.Loop() {
				t, err := NewTree(entries)
				if err != nil {
					b.Fatal(err)
				}
				t.Prove(id)
			}
		})
	}
}

// BenchmarkVerify: what a rollup does per height — its items against the
// proof (inclusion with 100 items, and absence).
func BenchmarkVerify(b *testing.B) {
	entries, all := benchBlock(100, 100)
	t, err := NewTree(entries)
	if err != nil {
		b.Fatal(err)
	}
	id := entries[50].Rollup
	b.Run("inclusion", func(b *testing.B) {
		p := t.Prove(id)
		b.ReportAllocs()
		for b.Loop() {
			if err := Verify(t.Root(), t.Len(), id, all[id], p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("absence", func(b *testing.B) {
		var absent tx.RollupID
		absent[0] = 0x7f
		p := t.Prove(absent)
		b.ReportAllocs()
		for b.Loop() {
			if err := Verify(t.Root(), t.Len(), absent, nil, p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
