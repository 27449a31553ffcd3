package kv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ordolabs/ordo/rollup-adapters/sdk"
)

// asLeg tags item i of b as leg index of count with verdict v.
func asLeg(b sdk.Block, i int, index, count uint32, v sdk.Verdict) sdk.Block {
	b.Items[i].Bundle = &sdk.BundleLeg{Index: index, Count: count, Verdict: v}
	return b
}

// TestAbortedLegChangesNothing: an ABORT leg is not applied — not even a
// leg that would succeed — and gets CodeAborted; the block's other items
// apply as usual, and the state equals that of the block without the leg.
func TestAbortedLegChangesNothing(t *testing.T) {
	items := []sent{
		{from: alice, op: Transfer{To: bob, Amount: 10}},
		{from: alice, op: Transfer{To: carol, Amount: 40}}, // the aborted leg
		{from: alice, op: Put{Key: []byte("k"), Value: []byte("v")}},
	}
	r := newRollup(t, fundedGenesis())
	root := execBlock(t, r, asLeg(block(t, 1, items...), 1, 0, 2, sdk.VerdictAbort))

	rec := receipt(t, r, 1, 1)
	if rec.Code != CodeAborted || rec.OK() || rec.Height != 1 || rec.Reason != "leg 0 of 2 not applied" {
		t.Fatalf("aborted leg's receipt %+v", rec)
	}
	if !strings.Contains(rec.String(), "aborted: bundle verdict ABORT") {
		t.Fatalf("receipt string %q", rec.String())
	}
	if receipt(t, r, 1, 0).Code != CodeOK || receipt(t, r, 1, 2).Code != CodeOK {
		t.Fatalf("the block's other items were not applied")
	}
	if a, b, c := mustBalance(t, r, alice), mustBalance(t, r, bob), mustBalance(t, r, carol); a != 90 || b != 60 || c != 0 {
		t.Fatalf("balances alice %d bob %d carol %d, want 90 60 0", a, b, c)
	}
	without := newRollup(t, fundedGenesis())
	if want := execBlock(t, without, block(t, 1, items[0], items[2])); !bytes.Equal(root, want) {
		t.Fatalf("root with the aborted leg %x, without it %x", root, want)
	}
}

// TestAbortedLegIsNotDecoded: an ABORT leg gets CodeAborted even if its
// data is not a valid op.
func TestAbortedLegIsNotDecoded(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	before := mustRoot(t, r)
	execBlock(t, r, asLeg(block(t, 1, sent{from: alice, raw: []byte{0xFF}}), 0, 1, 2, sdk.VerdictAbort))
	if rec := receipt(t, r, 1, 0); rec.Code != CodeAborted {
		t.Fatalf("receipt %v, want aborted", rec)
	}
	if !bytes.Equal(mustRoot(t, r), before) {
		t.Fatalf("root changed")
	}
}

// TestCommitLegApplies: a COMMIT leg is applied; a COMMIT leg whose op
// fails gets its ordinary failed receipt and changes nothing.
func TestCommitLegApplies(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	b := block(t, 1,
		sent{from: alice, op: Transfer{To: bob, Amount: 30}},
		sent{from: carol, op: Transfer{To: bob, Amount: 5}}, // carol has nothing
		sent{from: bob, op: Put{Key: []byte("k"), Value: []byte("v")}},
	)
	b = asLeg(b, 0, 0, 2, sdk.VerdictCommit)
	b = asLeg(b, 1, 1, 2, sdk.VerdictCommit)
	b = asLeg(b, 2, 0, 3, sdk.VerdictCommit)
	execBlock(t, r, b)
	if rec := receipt(t, r, 1, 0); !rec.OK() {
		t.Fatalf("commit leg: %v", rec)
	}
	if rec := receipt(t, r, 1, 1); rec.Code != CodeInsufficientBalance {
		t.Fatalf("failing commit leg: %v, want insufficient balance", rec)
	}
	if a, b := mustBalance(t, r, alice), mustBalance(t, r, bob); a != 70 || b != 80 {
		t.Fatalf("balances alice %d bob %d, want 70 80", a, b)
	}
	if v, ok, err := r.Get(bob, []byte("k")); err != nil || !ok || string(v) != "v" {
		t.Fatalf("Put by a commit leg: %q %v %v", v, ok, err)
	}
}

// TestUnknownVerdictRefusesBlock: a leg with a verdict this version does
// not know makes ExecuteBlock fail and write nothing.
func TestUnknownVerdictRefusesBlock(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	before := mustRoot(t, r)
	b := block(t, 1, sent{from: alice, op: Transfer{To: bob, Amount: 1}}, sent{from: alice, op: Transfer{To: bob, Amount: 1}})
	b = asLeg(b, 1, 0, 2, sdk.Verdict(3))
	if _, err := r.ExecuteBlock(context.Background(), b); !errors.Is(err, ErrUnknownVerdict) {
		t.Fatalf("ExecuteBlock: %v, want ErrUnknownVerdict", err)
	}
	if mustHeight(t, r) != 0 || !bytes.Equal(mustRoot(t, r), before) || mustBalance(t, r, alice) != 100 {
		t.Fatalf("a refused block changed the state")
	}
	if _, ok, _ := r.Receipt(hashOf(1, 0), 0); ok {
		t.Fatalf("a refused block left a receipt")
	}
}

// TestVerdictsAgainstModel: on random blocks with random bundle legs and
// verdicts, two instances agree on every root, and every receipt and root
// matches the model.
func TestVerdictsAgainstModel(t *testing.T) {
	for seed := range uint64(propertySeeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			g := newGen(300 + seed)
			gen := g.genesis()
			blocks := g.blocks(propertyBlocks)
			g.tagLegs(blocks)
			a, b, m := newRollup(t, gen), newRollup(t, gen), newModel(gen)
			for _, blk := range blocks {
				ra, rb := execBlock(t, a, blk), execBlock(t, b, blk)
				if !bytes.Equal(ra, rb) {
					t.Fatalf("height %d: roots differ: %x vs %x", blk.Height, ra, rb)
				}
				for i, it := range blk.Items {
					want := m.applyItem(it)
					rec, ok, err := a.Receipt(it.TxHash, it.ActionIndex)
					if err != nil || !ok || rec.Code != want {
						t.Fatalf("height %d item %d (leg %+v): receipt %v (found %v, err %v), model says %v", blk.Height, i, it.Bundle, rec, ok, err, want)
					}
				}
				if want := m.root(); !bytes.Equal(ra, want) {
					t.Fatalf("height %d: root %x, model %x", blk.Height, ra, want)
				}
			}
		})
	}
}
