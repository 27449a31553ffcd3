package kv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/tx"
)

func mustPreview(tb testing.TB, r *Rollup, pending ...sdk.Block) *Preview {
	tb.Helper()
	p, err := r.Preview(context.Background(), pending)
	if err != nil {
		tb.Fatalf("Preview: %v", err)
	}
	tb.Cleanup(p.Close)
	return p
}

func mustPreviewRoot(tb testing.TB, p *Preview) []byte {
	tb.Helper()
	root, err := p.Root()
	if err != nil {
		tb.Fatalf("Preview.Root: %v", err)
	}
	return root
}

// durable is what a rollup has written: height, root and some balances.
type durable struct {
	height int64
	root   string
	bals   [4]uint64
}

func durableOf(tb testing.TB, r *Rollup) durable {
	tb.Helper()
	d := durable{height: mustHeight(tb, r), root: string(mustRoot(tb, r))}
	for i, a := range []tx.Address{alice, bob, carol, minter} {
		d.bals[i] = mustBalance(tb, r, a)
	}
	return d
}

// previewFixture is two blocks after height 1, with an ABORT leg that
// would succeed and a COMMIT leg that does.
func previewFixture(t *testing.T) (first sdk.Block, pending []sdk.Block) {
	first = block(t, 1, sent{from: alice, op: Transfer{To: carol, Amount: 20}})
	b2 := block(t, 2,
		sent{from: carol, op: Transfer{To: bob, Amount: 15}},
		sent{from: alice, op: Transfer{To: bob, Amount: 70}}, // aborted
		sent{from: bob, op: Put{Key: []byte("k"), Value: []byte("v2")}},
	)
	b2 = asLeg(b2, 1, 0, 2, sdk.VerdictAbort)
	b3 := block(t, 3,
		sent{from: alice, op: Transfer{To: carol, Amount: 50}}, // commit
		sent{from: minter, op: Mint{To: alice, Amount: 7}},
		sent{from: bob, op: Delete{Key: []byte("k")}},
		sent{from: bob, op: Put{Key: []byte("j"), Value: nil}},
	)
	b3 = asLeg(b3, 0, 1, 2, sdk.VerdictCommit)
	return first, []sdk.Block{b2, b3}
}

// TestPreviewPendingMatchesExecuteBlock: a preview of the pending blocks
// has the root ExecuteBlock reaches on another instance, its state answers
// further items like that instance would, and nothing reaches the store.
func TestPreviewPendingMatchesExecuteBlock(t *testing.T) {
	first, pending := previewFixture(t)
	clone, r := newRollup(t, fundedGenesis()), newRollup(t, fundedGenesis())
	execBlock(t, r, first)
	execBlock(t, clone, first)
	before := durableOf(t, r)

	p := mustPreview(t, r, pending...)
	var want []byte
	for _, b := range pending {
		want = execBlock(t, clone, b)
	}
	if got := mustPreviewRoot(t, p); !bytes.Equal(got, want) {
		t.Fatalf("preview root %x, ExecuteBlock root %x", got, want)
	}
	// alice: 100-20-50+7 = 37. The aborted 70 was never taken, so a
	// transfer of 37 succeeds and one more fails.
	spend := block(t, 4, sent{from: alice, op: Transfer{To: bob, Amount: 37}}, sent{from: alice, op: Transfer{To: bob, Amount: 1}})
	for i, it := range spend.Items {
		code, err := p.Apply(it)
		if err != nil {
			t.Fatal(err)
		}
		if want := []Code{CodeOK, CodeInsufficientBalance}[i]; code != want {
			t.Fatalf("item %d: %v, want %v", i, code, want)
		}
	}
	if got, want := mustPreviewRoot(t, p), execBlock(t, clone, spend); !bytes.Equal(got, want) {
		t.Fatalf("after Apply: preview root %x, ExecuteBlock root %x", got, want)
	}
	p.Close()
	if after := durableOf(t, r); after != before {
		t.Fatalf("durable state changed by a preview: %+v, was %+v", after, before)
	}
	for h := int64(2); h <= 4; h++ {
		if _, ok, _ := r.Receipt(hashOf(h, 0), 0); ok {
			t.Fatalf("a preview wrote a receipt at height %d", h)
		}
	}
}

// TestPreviewLegs: TryLeg reports whether the leg's op succeeds; a dropped
// leg has no effect on later items, a kept one does, and a staged leg is
// invisible until settled.
func TestPreviewLegs(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	before := durableOf(t, r)
	p := mustPreview(t, r)
	genesisRoot := mustPreviewRoot(t, p)
	item := func(from tx.Address, op Op) sdk.Item {
		return sdk.Item{Sender: from, Data: mustEncode(t, op), Bundle: nil}
	}
	leg := func(from tx.Address, op Op) sdk.Item {
		it := item(from, op)
		it.Bundle = &sdk.BundleLeg{Index: 0, Count: 2}
		return it
	}
	apply := func(it sdk.Item, want Code) {
		t.Helper()
		code, err := p.Apply(it)
		if err != nil || code != want {
			t.Fatalf("Apply: %v, %v; want %v", code, err, want)
		}
	}
	try := func(it sdk.Item, want bool) {
		t.Helper()
		ok, err := p.TryLeg(it)
		if err != nil || ok != want {
			t.Fatalf("TryLeg: %v, %v; want %v", ok, err, want)
		}
	}

	// Insufficient balance: false, and keeping it changes nothing.
	try(leg(alice, Transfer{To: carol, Amount: 1000}), false)
	p.Settle(true)
	if !bytes.Equal(mustPreviewRoot(t, p), genesisRoot) {
		t.Fatalf("keeping a failed leg changed the root")
	}
	// Malformed data fails too.
	try(sdk.Item{Sender: alice, Data: []byte{1}, Bundle: &sdk.BundleLeg{Count: 2}}, false)
	p.Settle(true)

	// A dropped leg leaves no trace: carol stays unfunded.
	try(leg(alice, Transfer{To: carol, Amount: 60}), true)
	if !bytes.Equal(mustPreviewRoot(t, p), genesisRoot) {
		t.Fatalf("a staged leg is visible in Root")
	}
	if _, err := p.Apply(item(carol, Transfer{To: bob, Amount: 60})); !errors.Is(err, ErrLegStaged) {
		t.Fatalf("Apply with a staged leg: %v", err)
	}
	if _, err := p.TryLeg(leg(carol, Transfer{To: bob, Amount: 60})); !errors.Is(err, ErrLegStaged) {
		t.Fatalf("TryLeg with a staged leg: %v", err)
	}
	p.Settle(false)
	p.Settle(false) // nothing staged: no-op
	apply(item(carol, Transfer{To: bob, Amount: 60}), CodeInsufficientBalance)
	if !bytes.Equal(mustPreviewRoot(t, p), genesisRoot) {
		t.Fatalf("a dropped leg changed the root")
	}

	// A kept leg funds carol.
	try(leg(alice, Transfer{To: carol, Amount: 60}), true)
	p.Settle(true)
	apply(item(carol, Transfer{To: bob, Amount: 60}), CodeOK)
	// alice has 40 left: a leg of 50 fails on the kept state.
	try(leg(alice, Transfer{To: carol, Amount: 50}), false)
	p.Settle(true)

	clone := newRollup(t, fundedGenesis())
	want := execBlock(t, clone, block(t, 1,
		sent{from: alice, op: Transfer{To: carol, Amount: 60}},
		sent{from: carol, op: Transfer{To: bob, Amount: 60}},
	))
	if got := mustPreviewRoot(t, p); !bytes.Equal(got, want) {
		t.Fatalf("preview root %x, ExecuteBlock root %x", got, want)
	}
	p.Close()
	if after := durableOf(t, r); after != before {
		t.Fatalf("durable state changed by a preview: %+v, was %+v", after, before)
	}
}

// TestPreviewHeights: pending blocks follow ExecuteBlock's height rule.
func TestPreviewHeights(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	ctx := context.Background()
	wrong := func(heights ...int64) {
		t.Helper()
		var pending []sdk.Block
		for _, h := range heights {
			pending = append(pending, sdk.Block{Height: h})
		}
		if _, err := r.Preview(ctx, pending); !errors.Is(err, ErrWrongHeight) {
			t.Fatalf("Preview(heights %v): %v, want ErrWrongHeight", heights, err)
		}
	}
	wrong(0)
	wrong(-1)
	wrong(5, 7)
	wrong(5, 5)
	mustPreview(t, r, sdk.Block{Height: 5}, sdk.Block{Height: 6}).Close()
	execBlock(t, r, sdk.Block{Height: 5})
	wrong(5)
	wrong(7)
	wrong(6, 8)
	mustPreview(t, r, sdk.Block{Height: 6}, sdk.Block{Height: 7}).Close()
	mustPreview(t, r).Close()
}

// TestPreviewErrors: misuse, unknown verdicts, cancellation and closing.
func TestPreviewErrors(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	b := asLeg(block(t, 1, sent{from: alice, op: Transfer{To: bob, Amount: 1}}), 0, 0, 2, sdk.Verdict(9))
	if _, err := r.Preview(context.Background(), []sdk.Block{b}); !errors.Is(err, ErrUnknownVerdict) {
		t.Fatalf("pending leg with an unknown verdict: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Preview(ctx, []sdk.Block{block(t, 1, sent{from: alice, op: Transfer{To: bob, Amount: 1}})}); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled Preview: %v", err)
	}

	p := mustPreview(t, r)
	legItem := asLeg(block(t, 2, sent{from: alice, op: Transfer{To: bob, Amount: 1}}), 0, 0, 2, sdk.VerdictCommit).Items[0]
	if _, err := p.Apply(legItem); !errors.Is(err, ErrBundleLeg) {
		t.Fatalf("Apply of a leg: %v", err)
	}
	p.Close()
	p.Close()
	p.Settle(true)
	if _, err := p.Apply(block(t, 2, sent{from: alice, op: Transfer{To: bob, Amount: 1}}).Items[0]); !errors.Is(err, ErrPreviewClosed) {
		t.Fatalf("Apply after Close: %v", err)
	}
	if _, err := p.TryLeg(legItem); !errors.Is(err, ErrPreviewClosed) {
		t.Fatalf("TryLeg after Close: %v", err)
	}
	if _, err := p.Root(); !errors.Is(err, ErrPreviewClosed) {
		t.Fatalf("Root after Close: %v", err)
	}
}

// TestPreviewSnapshot: a preview keeps reading the durable state it was
// opened on while blocks execute, and turns to ErrClosed, without
// blocking Close, when the rollup is closed under it.
func TestPreviewSnapshot(t *testing.T) {
	r, err := OpenInMemory(fundedGenesis())
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.Preview(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	genesisRoot := mustPreviewRoot(t, p)
	execBlock(t, r, block(t, 1, sent{from: alice, op: Transfer{To: bob, Amount: 100}}))
	if !bytes.Equal(mustPreviewRoot(t, p), genesisRoot) {
		t.Fatalf("a preview saw a block executed after it was opened")
	}
	if code, err := p.Apply(block(t, 2, sent{from: alice, op: Transfer{To: carol, Amount: 100}}).Items[0]); err != nil || code != CodeOK {
		t.Fatalf("Apply on the snapshot: %v %v", code, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Root(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Root after the rollup closed: %v", err)
	}
	if _, err := p.TryLeg(sdk.Item{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("TryLeg after the rollup closed: %v", err)
	}
	p.Close()
	if _, err := r.Preview(context.Background(), nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Preview of a closed rollup: %v", err)
	}
}

// TestPreviewAgainstExecuteBlock: on random blocks with random legs and
// verdicts, at every applied height, a preview of the next 0-4 blocks has
// ExecuteBlock's root, trying the following block's items (Apply, or
// TryLeg and Settle by the verdict) gives ExecuteBlock's outcomes and
// root, and the store is left untouched.
func TestPreviewAgainstExecuteBlock(t *testing.T) {
	for seed := range uint64(propertySeeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			g := newGen(400 + seed)
			gen := g.genesis()
			blocks := g.blocks(propertyBlocks)
			g.tagLegs(blocks)
			ref, r := newRollup(t, gen), newRollup(t, gen)
			roots := [][]byte{mustRoot(t, ref)} // roots[k]: after blocks[:k]
			for _, b := range blocks {
				roots = append(roots, execBlock(t, ref, b))
			}
			for j := range blocks { // r has applied blocks[:j]
				k := j + g.rnd.IntN(min(5, len(blocks)-j))
				before := durableOf(t, r)
				p := mustPreview(t, r, blocks[j:k]...)
				if got := mustPreviewRoot(t, p); !bytes.Equal(got, roots[k]) {
					t.Fatalf("preview of blocks[%d:%d]: root %x, want %x", j, k, got, roots[k])
				}
				for i, it := range blocks[k].Items {
					rec, _, err := ref.Receipt(it.TxHash, it.ActionIndex)
					if err != nil {
						t.Fatal(err)
					}
					if it.Bundle == nil {
						code, err := p.Apply(it)
						if err != nil || code != rec.Code {
							t.Fatalf("block %d item %d: Apply %v, %v; ExecuteBlock %v", k, i, code, err, rec)
						}
						continue
					}
					ok, err := p.TryLeg(it)
					if err != nil {
						t.Fatal(err)
					}
					if commit := it.Bundle.Verdict != sdk.VerdictAbort; commit && ok != rec.OK() {
						t.Fatalf("block %d item %d: TryLeg %v; ExecuteBlock %v", k, i, ok, rec)
					}
					p.Settle(it.Bundle.Verdict != sdk.VerdictAbort)
				}
				if got := mustPreviewRoot(t, p); !bytes.Equal(got, roots[k+1]) {
					t.Fatalf("after trying block %d: root %x, want %x", k, got, roots[k+1])
				}
				p.Close()
				if after := durableOf(t, r); after != before {
					t.Fatalf("preview changed the store: %+v, was %+v", after, before)
				}
				execBlock(t, r, blocks[j])
			}
			if !bytes.Equal(mustRoot(t, r), roots[len(blocks)]) {
				t.Fatalf("final roots differ")
			}
		})
	}
}
