package kv

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cometbft/cometbft/crypto/merkle"

	"github.com/ordolabs/ordo/rollup-adapters/sdk"
)

const (
	propertySeeds  = 8
	propertyBlocks = 40
)

// TestAgainstModel: on random blocks, every receipt, balance, entry and
// state root matches the naive model (whose root is cometbft's
// merkle.HashFromByteSlices over the documented leaves).
func TestAgainstModel(t *testing.T) {
	for seed := range uint64(propertySeeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			g := newGen(seed)
			gen := g.genesis()
			r, m := newRollup(t, gen), newModel(gen)
			if got, want := mustRoot(t, r), m.root(); !bytes.Equal(got, want) {
				t.Fatalf("genesis root %x, model %x", got, want)
			}
			for _, b := range g.blocks(propertyBlocks) {
				root := execBlock(t, r, b)
				for i, it := range b.Items {
					want := m.apply(it.Sender, it.Data)
					rec, ok, err := r.Receipt(it.TxHash, it.ActionIndex)
					if err != nil || !ok || rec.Code != want || rec.Height != b.Height {
						t.Fatalf("height %d item %d: receipt %v (found %v, err %v), model says %v", b.Height, i, rec, ok, err, want)
					}
				}
				if want := m.root(); !bytes.Equal(root, want) {
					t.Fatalf("height %d: root %x, model %x", b.Height, root, want)
				}
				for _, u := range g.users {
					if got := mustBalance(t, r, u); got != m.bal[u] {
						t.Fatalf("height %d: balance of %s = %d, model %d", b.Height, u, got, m.bal[u])
					}
				}
				for k, want := range m.kv {
					var owner [20]byte
					copy(owner[:], k)
					got, ok, err := r.Get(owner, []byte(k[20:]))
					if err != nil || !ok || !bytes.Equal(got, want) {
						t.Fatalf("height %d: Get = %x %v %v, model %x", b.Height, got, ok, err, want)
					}
				}
			}
		})
	}
}

// TestSameBlocksSameRoots: an on-disk and an in-memory instance fed the
// same blocks agree on the root at every height.
func TestSameBlocksSameRoots(t *testing.T) {
	for seed := range uint64(propertySeeds) {
		g := newGen(100 + seed)
		gen := g.genesis()
		a := newRollup(t, gen)
		b, err := Open(t.TempDir(), gen)
		if err != nil {
			t.Fatal(err)
		}
		for _, blk := range g.blocks(propertyBlocks) {
			ra, rb := execBlock(t, a, blk), execBlock(t, b, blk)
			if !bytes.Equal(ra, rb) {
				t.Fatalf("seed %d height %d: roots differ: %x vs %x", seed, blk.Height, ra, rb)
			}
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDifferentBlocksDifferentRoots: changing the block sequence so that
// the final state differs changes the final root — one extra Put of a
// fresh key anywhere in the sequence, or a different value for it.
func TestDifferentBlocksDifferentRoots(t *testing.T) {
	run := func(gen Genesis, blocks []sdk.Block) []byte {
		r := newRollup(t, gen)
		var root []byte
		for _, b := range blocks {
			root = execBlock(t, r, b)
		}
		return root
	}
	fresh := func(blocks []sdk.Block, at int, value string) []sdk.Block {
		out := make([]sdk.Block, len(blocks))
		copy(out, blocks)
		b := out[at]
		b.Items = append(append([]sdk.Item{}, b.Items...), sdk.Item{
			TxHash: sha256.Sum256([]byte("extra")), Sender: addr(1),
			Data: mustEncode(t, Put{Key: []byte("fresh key never generated"), Value: []byte(value)}),
		})
		out[at] = b
		return out
	}
	for seed := range uint64(propertySeeds) {
		g := newGen(200 + seed)
		gen := g.genesis()
		blocks := g.blocks(propertyBlocks)
		at := rand.New(rand.NewPCG(seed, 0)).IntN(len(blocks))
		base := run(gen, blocks)
		withPut := run(gen, fresh(blocks, at, "x"))
		otherValue := run(gen, fresh(blocks, at, "y"))
		if bytes.Equal(base, withPut) || bytes.Equal(withPut, otherValue) || bytes.Equal(base, otherValue) {
			t.Fatalf("seed %d: different final states share a root", seed)
		}
		if again := run(gen, blocks); !bytes.Equal(again, base) {
			t.Fatalf("seed %d: rerun of the same blocks gives another root", seed)
		}
	}
}

// TestRootFromLeafHashes checks the streaming RFC-6962 construction against
// cometbft's recursive one for every size up to a few levels.
func TestRootFromLeafHashes(t *testing.T) {
	h := sha256.New()
	for n := 0; n <= 70; n++ {
		leaves := make([][]byte, n)
		hashed := make([][]byte, n)
		for i := range leaves {
			leaves[i] = []byte(fmt.Sprintf("leaf %d of %d", i, n))
			sum := sha256.Sum256(append([]byte{0}, leaves[i]...))
			hashed[i] = sum[:]
		}
		if got, want := rootFromLeafHashes(h, hashed), merkle.HashFromByteSlices(leaves); !bytes.Equal(got, want) {
			t.Fatalf("n=%d: %x, want %x", n, got, want)
		}
	}
}
