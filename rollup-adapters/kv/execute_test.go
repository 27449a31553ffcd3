package kv

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"

	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/tx"
)

var (
	alice = addr(1)
	bob   = addr(2)
	carol = addr(3)
)

func fundedGenesis() Genesis {
	return Genesis{Balances: map[tx.Address]uint64{alice: 100, bob: 50, carol: 0}, Minter: minter}
}

func TestGenesis(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	for a, want := range map[tx.Address]uint64{alice: 100, bob: 50, carol: 0, minter: 0} {
		if got := mustBalance(t, r, a); got != want {
			t.Errorf("balance of %s = %d, want %d", a, got, want)
		}
	}
	if h := mustHeight(t, r); h != 0 {
		t.Fatalf("applied height before any block = %d", h)
	}
	if len(mustRoot(t, r)) != 32 {
		t.Fatalf("genesis root missing")
	}
	// A zero balance is the same as no entry: same state, same root.
	other := newRollup(t, Genesis{Balances: map[tx.Address]uint64{alice: 100, bob: 50}, Minter: minter})
	if !bytes.Equal(mustRoot(t, r), mustRoot(t, other)) {
		t.Fatalf("a zero genesis balance changed the root")
	}
}

func TestTransfer(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	before := mustRoot(t, r)
	root := execBlock(t, r, block(t, 1, sent{from: alice, op: Transfer{To: carol, Amount: 30}}))
	if a, c := mustBalance(t, r, alice), mustBalance(t, r, carol); a != 70 || c != 30 {
		t.Fatalf("balances after transfer: alice %d carol %d, want 70 30", a, c)
	}
	if rec := receipt(t, r, 1, 0); !rec.OK() || rec.Height != 1 || rec.Reason != "" {
		t.Fatalf("receipt %+v, want ok at height 1", rec)
	}
	if bytes.Equal(root, before) || !bytes.Equal(root, mustRoot(t, r)) {
		t.Fatalf("root did not change, or ExecuteBlock's root differs from StateRoot")
	}
}

// TestFailedOpsChangeNothing: each failing op leaves every balance and the
// root as they were, records why, and the block still applies.
func TestFailedOpsChangeNothing(t *testing.T) {
	cases := []struct {
		name string
		s    sent
		code Code
	}{
		{"insufficient balance", sent{from: bob, op: Transfer{To: alice, Amount: 51}}, CodeInsufficientBalance},
		{"empty account", sent{from: addr(9), op: Transfer{To: alice, Amount: 1}}, CodeInsufficientBalance},
		{"transfer overflow", sent{from: alice, op: Transfer{To: carol, Amount: 1}}, CodeOverflow},
		{"mint overflow", sent{from: minter, op: Mint{To: carol, Amount: 1}}, CodeOverflow},
		{"unauthorized mint", sent{from: alice, op: Mint{To: alice, Amount: 1}}, CodeUnauthorized},
		{"malformed", sent{from: alice, raw: []byte{OpVersion, kindPut, 0}}, CodeMalformed},
		{"unknown kind", sent{from: alice, raw: []byte{OpVersion, 0x7f}}, CodeMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := fundedGenesis()
			g.Balances[carol] = math.MaxUint64
			r := newRollup(t, g)
			before := mustRoot(t, r)
			root := execBlock(t, r, block(t, 1, c.s))
			rec := receipt(t, r, 1, 0)
			if rec.OK() || rec.Code != c.code || rec.Reason == "" {
				t.Fatalf("receipt %+v, want code %v with a reason", rec, c.code)
			}
			if !bytes.Equal(root, before) {
				t.Fatalf("failed op changed the root")
			}
			for a, want := range g.Balances {
				if got := mustBalance(t, r, a); got != want {
					t.Fatalf("balance of %s = %d, want %d", a, got, want)
				}
			}
			if h := mustHeight(t, r); h != 1 {
				t.Fatalf("block with a failed op not applied: height %d", h)
			}
		})
	}
}

func TestTransferEdgeCases(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	before := mustRoot(t, r)
	execBlock(t, r, block(t, 1,
		sent{from: alice, op: Transfer{To: alice, Amount: 100}}, // to self: allowed, no change
		sent{from: carol, op: Transfer{To: alice, Amount: 0}},   // zero from an empty account: no change
	))
	for i := range 2 {
		if rec := receipt(t, r, 1, i); !rec.OK() {
			t.Fatalf("item %d: %v", i, rec)
		}
	}
	if !bytes.Equal(mustRoot(t, r), before) || mustBalance(t, r, alice) != 100 {
		t.Fatalf("no-op transfers changed the state")
	}
	// Self-transfer above the balance still fails.
	execBlock(t, r, block(t, 2, sent{from: alice, op: Transfer{To: alice, Amount: 101}}))
	if rec := receipt(t, r, 2, 0); rec.Code != CodeInsufficientBalance {
		t.Fatalf("self-transfer above balance: %v", rec)
	}
}

// TestRootCommitsToStateNotHistory: emptying an account removes it, so a
// history that ends in the same balances has the same root.
func TestRootCommitsToStateNotHistory(t *testing.T) {
	r := newRollup(t, Genesis{Balances: map[tx.Address]uint64{alice: 10}})
	execBlock(t, r, block(t, 1, sent{from: alice, op: Transfer{To: bob, Amount: 10}}))
	direct := newRollup(t, Genesis{Balances: map[tx.Address]uint64{bob: 10}})
	if !bytes.Equal(mustRoot(t, r), mustRoot(t, direct)) {
		t.Fatalf("same balances, different roots")
	}
}

func TestMint(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	execBlock(t, r, block(t, 1,
		sent{from: minter, op: Mint{To: carol, Amount: 500}},
		sent{from: minter, op: Mint{To: alice, Amount: 1}},
	))
	if c, a := mustBalance(t, r, carol), mustBalance(t, r, alice); c != 500 || a != 101 {
		t.Fatalf("after mint: carol %d alice %d, want 500 101", c, a)
	}
	if m := mustBalance(t, r, minter); m != 0 {
		t.Fatalf("minting debited the minter: %d", m)
	}

	// The zero minter disables minting, even for a zero sender.
	off := newRollup(t, Genesis{})
	execBlock(t, off, block(t, 1, sent{from: tx.Address{}, op: Mint{To: alice, Amount: 1}}))
	if rec := receipt(t, off, 1, 0); rec.Code != CodeUnauthorized || mustBalance(t, off, alice) != 0 {
		t.Fatalf("mint with minting disabled: %v", rec)
	}
}

func TestPutGetDelete(t *testing.T) {
	r := newRollup(t, Genesis{})
	get := func(owner tx.Address, key string) (string, bool) {
		t.Helper()
		v, found, err := r.Get(owner, []byte(key))
		if err != nil {
			t.Fatal(err)
		}
		return string(v), found
	}
	genesisRoot := mustRoot(t, r)
	execBlock(t, r, block(t, 1,
		sent{from: alice, op: Put{Key: []byte("k"), Value: []byte("a1")}},
		sent{from: bob, op: Put{Key: []byte("k"), Value: []byte("b1")}},
		sent{from: alice, op: Put{Key: []byte("k"), Value: []byte("a2")}}, // overwrite, same block
		sent{from: alice, op: Put{Key: []byte("empty")}},
	))
	if v, ok := get(alice, "k"); !ok || v != "a2" {
		t.Fatalf("alice k = %q, %v; want a2", v, ok)
	}
	if v, ok := get(bob, "k"); !ok || v != "b1" {
		t.Fatalf("bob k = %q, %v; want b1 (namespaces must be separate)", v, ok)
	}
	if v, ok := get(alice, "empty"); !ok || v != "" {
		t.Fatalf("empty value: %q, %v; want present and empty", v, ok)
	}
	if _, ok := get(carol, "k"); ok {
		t.Fatalf("carol sees a key she never put")
	}
	withEmpty := mustRoot(t, r)

	execBlock(t, r, block(t, 2,
		sent{from: bob, op: Delete{Key: []byte("k")}},
		sent{from: carol, op: Delete{Key: []byte("k")}}, // absent: ok, no change
	))
	for i := range 2 {
		if rec := receipt(t, r, 2, i); !rec.OK() {
			t.Fatalf("delete item %d: %v", i, rec)
		}
	}
	if _, ok := get(bob, "k"); ok {
		t.Fatalf("bob k still present after Delete")
	}
	if v, ok := get(alice, "k"); !ok || v != "a2" {
		t.Fatalf("bob's Delete touched alice's namespace")
	}
	execBlock(t, r, block(t, 3, sent{from: alice, op: Delete{Key: []byte("k")}}, sent{from: alice, op: Delete{Key: []byte("empty")}}))
	if root := mustRoot(t, r); !bytes.Equal(root, genesisRoot) || bytes.Equal(root, withEmpty) {
		t.Fatalf("deleting every entry did not restore the empty-state root")
	}
	if _, _, err := r.Get(alice, nil); !errors.Is(err, ErrKeyLength) {
		t.Fatalf("Get with an empty key: %v", err)
	}
}

// TestFailureMidBlock: a failed op between two good ones affects only its
// own receipt, and ops after it see the effects of ops before it.
func TestFailureMidBlock(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	execBlock(t, r, block(t, 1,
		sent{from: bob, op: Transfer{To: carol, Amount: 50}},
		sent{from: bob, op: Transfer{To: carol, Amount: 1}}, // bob is empty now
		sent{from: carol, op: Transfer{To: alice, Amount: 20}},
	))
	want := []Code{CodeOK, CodeInsufficientBalance, CodeOK}
	for i, c := range want {
		if rec := receipt(t, r, 1, i); rec.Code != c {
			t.Fatalf("item %d: %v, want %v", i, rec, c)
		}
	}
	if a, b, c := mustBalance(t, r, alice), mustBalance(t, r, bob), mustBalance(t, r, carol); a != 120 || b != 0 || c != 30 {
		t.Fatalf("balances %d %d %d, want 120 0 30", a, b, c)
	}
}

func TestReceiptsByActionIndex(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	h := hashOf(9, 9)
	b := sdk.Block{Height: 1, Items: []sdk.Item{
		{TxHash: h, ActionIndex: 0, Sender: alice, Data: mustEncode(t, Transfer{To: bob, Amount: 1})},
		{TxHash: h, ActionIndex: 3, Sender: alice, Data: mustEncode(t, Transfer{To: bob, Amount: 1000})},
	}}
	execBlock(t, r, b)
	if rec, ok, err := r.Receipt(h, 0); err != nil || !ok || !rec.OK() {
		t.Fatalf("action 0: %v %v %v", rec, ok, err)
	}
	if rec, ok, err := r.Receipt(h, 3); err != nil || !ok || rec.Code != CodeInsufficientBalance {
		t.Fatalf("action 3: %v %v %v", rec, ok, err)
	}
	if _, ok, err := r.Receipt(h, 1); err != nil || ok {
		t.Fatalf("receipt for an action that was never executed: %v %v", ok, err)
	}
}

// TestBundleLegsApplyLikeItems: a bundle leg with VerdictNone (a rollup that
// is not atomic) is applied on its own, like any item.
func TestBundleLegsApplyLikeItems(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	b := block(t, 1, sent{from: alice, op: Transfer{To: bob, Amount: 10}}, sent{from: alice, op: Transfer{To: bob, Amount: 1000}})
	b.Items[0].Bundle = &sdk.BundleLeg{Index: 0, Count: 2}
	b.Items[1].Bundle = &sdk.BundleLeg{Index: 1, Count: 2}
	execBlock(t, r, b)
	if receipt(t, r, 1, 0).Code != CodeOK || receipt(t, r, 1, 1).Code != CodeInsufficientBalance {
		t.Fatalf("bundle legs not applied independently")
	}
	if mustBalance(t, r, bob) != 60 {
		t.Fatalf("bob = %d, want 60", mustBalance(t, r, bob))
	}
}

func TestHeights(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	ctx := context.Background()
	for _, h := range []int64{0, -1} {
		if _, err := r.ExecuteBlock(ctx, sdk.Block{Height: h}); !errors.Is(err, ErrWrongHeight) {
			t.Fatalf("first block at height %d: %v", h, err)
		}
	}
	// The first block may start anywhere above 0.
	genesisRoot := mustRoot(t, r)
	if root := execBlock(t, r, sdk.Block{Height: 7}); !bytes.Equal(root, genesisRoot) {
		t.Fatalf("empty block changed the root")
	}
	if h := mustHeight(t, r); h != 7 {
		t.Fatalf("applied height %d, want 7", h)
	}
	before := mustRoot(t, r)
	for _, h := range []int64{7, 6, 9, 1} {
		_, err := r.ExecuteBlock(ctx, block(t, h, sent{from: alice, op: Transfer{To: bob, Amount: 1}}))
		if !errors.Is(err, ErrWrongHeight) {
			t.Fatalf("block at height %d after 7: %v", h, err)
		}
	}
	if mustHeight(t, r) != 7 || !bytes.Equal(mustRoot(t, r), before) || mustBalance(t, r, alice) != 100 {
		t.Fatalf("a refused block changed the state")
	}
	if _, ok, _ := r.Receipt(hashOf(9, 0), 0); ok {
		t.Fatalf("a refused block left a receipt")
	}
	execBlock(t, r, block(t, 8, sent{from: alice, op: Transfer{To: bob, Amount: 1}}))
	if mustHeight(t, r) != 8 || mustBalance(t, r, alice) != 99 {
		t.Fatalf("next height not applied")
	}
}

// cancelAfter is a context whose Err turns non-nil from its n+1-th call.
type cancelAfter struct {
	context.Context
	n     int
	onHit func()
}

func (c *cancelAfter) Err() error {
	if c.n == 0 {
		if c.onHit != nil {
			c.onHit()
		}
		return context.Canceled
	}
	c.n--
	return nil
}

// TestCanceledBlockWritesNothing: a block abandoned part-way (ctx done
// after some items were applied) leaves no trace, and applies in full when
// offered again.
func TestCanceledBlockWritesNothing(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	b := block(t, 1,
		sent{from: alice, op: Transfer{To: bob, Amount: 10}},
		sent{from: alice, op: Put{Key: []byte("k"), Value: []byte("v")}},
		sent{from: alice, op: Transfer{To: carol, Amount: 10}},
	)
	before := mustRoot(t, r)
	for n := range len(b.Items) + 1 {
		_, err := r.ExecuteBlock(&cancelAfter{Context: context.Background(), n: n}, b)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancel after %d checks: %v", n, err)
		}
		if mustHeight(t, r) != 0 || !bytes.Equal(mustRoot(t, r), before) || mustBalance(t, r, bob) != 50 {
			t.Fatalf("cancel after %d checks: state changed", n)
		}
		if _, ok, _ := r.Receipt(hashOf(1, 0), 0); ok {
			t.Fatalf("cancel after %d checks: receipt written", n)
		}
	}
	execBlock(t, r, b)
	if mustHeight(t, r) != 1 || mustBalance(t, r, alice) != 80 {
		t.Fatalf("block not applied after the canceled attempts")
	}
}

func TestHeads(t *testing.T) {
	r := newRollup(t, Genesis{})
	if s, f := r.Heads(); s != 0 || f != 0 {
		t.Fatalf("initial heads %d %d", s, f)
	}
	r.UpdateHeads(12, 9)
	r.UpdateHeads(15, 10)
	if s, f := r.Heads(); s != 15 || f != 10 {
		t.Fatalf("heads %d %d, want 15 10", s, f)
	}
}

func TestClosed(t *testing.T) {
	r, err := OpenInMemory(Genesis{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := r.ExecuteBlock(context.Background(), sdk.Block{Height: 1}); !errors.Is(err, ErrClosed) {
		t.Fatalf("ExecuteBlock after Close: %v", err)
	}
	if _, err := r.AppliedHeight(); !errors.Is(err, ErrClosed) {
		t.Fatalf("AppliedHeight after Close: %v", err)
	}
	if _, err := r.Balance(alice); !errors.Is(err, ErrClosed) {
		t.Fatalf("Balance after Close: %v", err)
	}
}

// TestConcurrentQueries: queries and UpdateHeads run safely while blocks
// execute (meaningful under -race).
func TestConcurrentQueries(t *testing.T) {
	r := newRollup(t, fundedGenesis())
	var last []byte
	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(errs)
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := r.Balance(alice); err != nil {
				errs <- err
				return
			}
			if _, err := r.StateRoot(); err != nil {
				errs <- err
				return
			}
			r.UpdateHeads(1, 1)
			r.Heads()
		}
	}()
	for h := int64(1); h <= 50; h++ {
		last = execBlock(t, r, block(t, h, sent{from: alice, op: Transfer{To: bob, Amount: 1}}))
	}
	close(done)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	if mustBalance(t, r, alice) != 50 || !bytes.Equal(mustRoot(t, r), last) {
		t.Fatalf("final state wrong")
	}
}
