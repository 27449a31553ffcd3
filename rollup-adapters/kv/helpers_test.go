package kv

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// addr returns a distinct test address.
func addr(n byte) tx.Address {
	var a tx.Address
	a[0], a[19] = 0xA0, n
	return a
}

var minter = addr(0xEE)

// hashOf derives a distinct tx hash for test items.
func hashOf(height int64, i int) tx.Hash {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], uint64(height))
	binary.BigEndian.PutUint32(b[8:], uint32(i))
	return sha256.Sum256(b[:])
}

func mustEncode(tb testing.TB, op Op) []byte {
	tb.Helper()
	b, err := EncodeOp(op)
	if err != nil {
		tb.Fatalf("EncodeOp(%#v): %v", op, err)
	}
	return b
}

// sent is one item of a test block: an op (or raw data) from a sender.
type sent struct {
	from tx.Address
	op   Op
	raw  []byte // used instead of op when non-nil
}

// block builds the block at height with one item per s, each in its own
// tx (hashOf(height, i)), action index 0.
func block(tb testing.TB, height int64, s ...sent) sdk.Block {
	tb.Helper()
	b := sdk.Block{Height: height}
	for i, x := range s {
		data := x.raw
		if data == nil {
			data = mustEncode(tb, x.op)
		}
		b.Items = append(b.Items, sdk.Item{
			TxHash: hashOf(height, i), TxIndex: uint32(i), Sender: x.from, Data: data,
		})
	}
	return b
}

func newRollup(tb testing.TB, g Genesis) *Rollup {
	tb.Helper()
	r, err := OpenInMemory(g)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = r.Close() })
	return r
}

// execBlock applies b and fails the test on error.
func execBlock(tb testing.TB, r *Rollup, b sdk.Block) []byte {
	tb.Helper()
	root, err := r.ExecuteBlock(context.Background(), b)
	if err != nil {
		tb.Fatalf("ExecuteBlock(height %d): %v", b.Height, err)
	}
	return root
}

func mustBalance(tb testing.TB, r *Rollup, a tx.Address) uint64 {
	tb.Helper()
	bal, err := r.Balance(a)
	if err != nil {
		tb.Fatal(err)
	}
	return bal
}

func mustRoot(tb testing.TB, r *Rollup) []byte {
	tb.Helper()
	root, err := r.StateRoot()
	if err != nil {
		tb.Fatal(err)
	}
	return root
}

func mustHeight(tb testing.TB, r *Rollup) int64 {
	tb.Helper()
	h, err := r.AppliedHeight()
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// receipt returns the receipt of item i of the block at height built by
// block().
func receipt(tb testing.TB, r *Rollup, height int64, i int) Receipt {
	tb.Helper()
	rec, found, err := r.Receipt(hashOf(height, i), 0)
	if err != nil || !found {
		tb.Fatalf("receipt of item %d at height %d: found %v, err %v", i, height, found, err)
	}
	return rec
}
