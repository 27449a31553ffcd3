package ledger

import (
	"bytes"
	"errors"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/tx"
)

var (
	alice    = newSigner(1)
	bob      = newSigner(2)
	carol    = newSigner(3)
	proposer = newSigner(9).addr
)

// feeFor returns a fee equal to the tx's own minimum fee plus delta (the
// size of a tx depends on the varint length of its fee, hence the loop).
func feeFor(tb testing.TB, p Params, s signer, nonce uint64, delta int64, actions ...*txv1.Action) *tx.Tx {
	tb.Helper()
	fee := uint64(0)
	for i := 0; i < 10; i++ {
		t := s.sign(tb, nonce, fee, actions...)
		want := uint64(int64(p.MinFee(t.Size())) + delta)
		if t.Fee == want {
			return t
		}
		fee = want
	}
	tb.Fatal("fee did not converge")
	return nil
}

// overlayState is everything observable through an overlay, for
// before/after comparisons.
type overlayState struct {
	Accounts []AccountChange
	Rollups  []Rollup
	Reads    map[tx.Address]Account
}

func observe(tb testing.TB, o *Overlay, addrs ...tx.Address) overlayState {
	tb.Helper()
	a, r := o.Changes()
	s := overlayState{Accounts: a, Rollups: r, Reads: make(map[tx.Address]Account)}
	for _, addr := range addrs {
		acct, err := o.Account(addr)
		if err != nil {
			tb.Fatal(err)
		}
		s.Reads[addr] = acct
	}
	return s
}

func mustAccount(tb testing.TB, r Reader, a tx.Address) Account {
	tb.Helper()
	acct, err := r.Account(a)
	if err != nil {
		tb.Fatal(err)
	}
	return acct
}

func TestApplyRollupDataChargesFeeAndBumpsNonce(t *testing.T) {
	base := newMapReader()
	base.accounts[alice.addr] = Account{Balance: 10_000, Nonce: 3}
	base.accounts[proposer] = Account{Balance: 7}
	base.addRollup("alpha", bob.addr, 0)
	ov := NewOverlay(base, testParams, 12)

	tx1 := alice.sign(t, 3, 600, data("alpha", "hello"))
	if err := ov.Apply(tx1, proposer); err != nil {
		t.Fatal(err)
	}
	if got, want := mustAccount(t, ov, alice.addr), (Account{Balance: 10_000 - 600, Nonce: 4}); got != want {
		t.Fatalf("alice %+v, want %+v", got, want)
	}
	if got := mustAccount(t, ov, proposer); got != (Account{Balance: 607}) {
		t.Fatalf("proposer %+v, want balance 607", got)
	}
	// The base is untouched: the overlay holds the changes.
	if base.accounts[alice.addr] != (Account{Balance: 10_000, Nonce: 3}) {
		t.Fatal("Apply wrote through to the Reader")
	}
	accts, rollups := ov.Changes()
	if len(accts) != 2 || len(rollups) != 0 {
		t.Fatalf("changes: %d accounts, %d rollups; want 2, 0", len(accts), len(rollups))
	}

	// A zero fee with zero params changes no proposer balance and does not
	// list the proposer as changed.
	free := Params{ChainID: testChain}
	ov2 := NewOverlay(base, free, 12)
	if err := ov2.Apply(alice.sign(t, 3, 0, data("alpha", "x")), proposer); err != nil {
		t.Fatal(err)
	}
	if accts, _ := ov2.Changes(); len(accts) != 1 || accts[0].Address != alice.addr || accts[0].Account != (Account{Balance: 10_000, Nonce: 4}) {
		t.Fatalf("zero-fee changes %+v", accts)
	}
}

func TestApplyTransfers(t *testing.T) {
	base := newMapReader()
	base.accounts[alice.addr] = Account{Balance: 5_000}
	base.accounts[bob.addr] = Account{Balance: 1, Nonce: 9}
	ov := NewOverlay(base, testParams, 1)

	// Two transfers to bob, one to carol (a new account), one to herself.
	t1 := alice.sign(t, 0, 500, transfer(bob.addr, 100), transfer(carol.addr, 40), transfer(bob.addr, 2), transfer(alice.addr, 1000))
	if err := ov.Apply(t1, proposer); err != nil {
		t.Fatal(err)
	}
	want := map[tx.Address]Account{
		alice.addr: {Balance: 5_000 - 500 - 100 - 40 - 2, Nonce: 1},
		bob.addr:   {Balance: 1 + 100 + 2, Nonce: 9},
		carol.addr: {Balance: 40},
		proposer:   {Balance: 500},
	}
	for a, w := range want {
		if got := mustAccount(t, ov, a); got != w {
			t.Errorf("%s: %+v, want %+v", a, got, w)
		}
	}

	// Fee recipient is the sender: she pays the fee to herself.
	t2 := alice.sign(t, 1, 300, transfer(bob.addr, 10))
	before := mustAccount(t, ov, alice.addr)
	if err := ov.Apply(t2, alice.addr); err != nil {
		t.Fatal(err)
	}
	if got := mustAccount(t, ov, alice.addr); got != (Account{Balance: before.Balance - 10, Nonce: 2}) {
		t.Fatalf("self fee recipient: %+v, want balance %d nonce 2", got, before.Balance-10)
	}

	// Fee recipient is also the transfer target.
	t3 := alice.sign(t, 2, 300, transfer(bob.addr, 10))
	bobBefore := mustAccount(t, ov, bob.addr)
	if err := ov.Apply(t3, bob.addr); err != nil {
		t.Fatal(err)
	}
	if got := mustAccount(t, ov, bob.addr); got.Balance != bobBefore.Balance+310 || got.Nonce != 9 {
		t.Fatalf("bob %+v, want balance %d", got, bobBefore.Balance+310)
	}
}

func TestApplyRegisterRollup(t *testing.T) {
	base := newMapReader()
	base.accounts[alice.addr] = Account{Balance: 10_000}
	base.accounts[bob.addr] = Account{Balance: 10_000}
	base.addRollup("genesis-one", carol.addr, 0)
	ov := NewOverlay(base, testParams, 42)

	if err := ov.Apply(alice.sign(t, 0, 500, register("new-one", 777), register("new-two", 0)), proposer); err != nil {
		t.Fatal(err)
	}
	for name, max := range map[string]uint64{"new-one": 777, "new-two": 0} {
		r, ok, err := ov.Rollup(tx.RollupIDFromName(name))
		if err != nil || !ok {
			t.Fatalf("%s not registered: %v", name, err)
		}
		want := Rollup{ID: tx.RollupIDFromName(name), Name: name, Owner: alice.addr, MaxBytesPerBlock: max, RegisteredHeight: 42}
		if !reflect.DeepEqual(r, want) {
			t.Fatalf("%s = %+v, want %+v", name, r, want)
		}
	}
	if _, ok, _ := base.Rollup(tx.RollupIDFromName("new-one")); ok {
		t.Fatal("registration wrote through to the Reader")
	}
	// A later tx in the same overlay can use it, and cannot register it again.
	if err := ov.Apply(bob.sign(t, 0, 500, data("new-one", "x"), bundle("new-two", "genesis-one")), proposer); err != nil {
		t.Fatalf("using a rollup registered earlier in the block: %v", err)
	}
	err := ov.Apply(bob.sign(t, 1, 500, register("new-one", 1)), proposer)
	if !errors.Is(err, tx.ErrRollupExists) {
		t.Fatalf("re-register: %v, want %v", err, tx.ErrRollupExists)
	}
	_, rollups := ov.Changes()
	if len(rollups) != 2 {
		t.Fatalf("%d changed rollups, want 2", len(rollups))
	}
}

func TestApplySequentialNonces(t *testing.T) {
	base := newMapReader()
	base.accounts[alice.addr] = Account{Balance: 1_000_000, Nonce: 5}
	ov := NewOverlay(base, testParams, 1)
	for n := uint64(5); n < 15; n++ {
		if err := ov.Apply(alice.sign(t, n, 500, transfer(bob.addr, 1)), proposer); err != nil {
			t.Fatalf("nonce %d: %v", n, err)
		}
	}
	if got := mustAccount(t, ov, alice.addr); got.Nonce != 15 || got.Balance != 1_000_000-10*501 {
		t.Fatalf("alice %+v", got)
	}
	if got := mustAccount(t, ov, bob.addr).Balance; got != 10 {
		t.Fatalf("bob balance %d, want 10", got)
	}
	if got := mustAccount(t, ov, proposer).Balance; got != 5000 {
		t.Fatalf("proposer balance %d, want 5000", got)
	}
}

func TestApplyRejectsAndChangesNothing(t *testing.T) {
	p := testParams
	type setup struct {
		base *mapReader
		ov   *Overlay
	}
	fresh := func(t *testing.T) setup {
		base := newMapReader()
		base.accounts[alice.addr] = Account{Balance: 10_000, Nonce: 4}
		base.accounts[bob.addr] = Account{Balance: 1_000}
		base.addRollup("alpha", carol.addr, 0)
		base.addRollup("beta", carol.addr, 0)
		ov := NewOverlay(base, p, 8)
		// One tx applied first so the overlay is not empty: failures must
		// not disturb earlier changes either.
		if err := ov.Apply(bob.sign(t, 0, 500, register("gamma", 0)), proposer); err != nil {
			t.Fatal(err)
		}
		return setup{base, ov}
	}
	cases := []struct {
		name string
		tx   func(t *testing.T) *tx.Tx
		want *tx.Error
		frag string
	}{
		{"stale nonce", func(t *testing.T) *tx.Tx { return alice.sign(t, 3, 500, data("alpha", "x")) }, tx.ErrStaleNonce, "at nonce 4, tx has 3"},
		{"stale nonce zero", func(t *testing.T) *tx.Tx { return alice.sign(t, 0, 500, data("alpha", "x")) }, tx.ErrStaleNonce, "tx has 0"},
		{"future nonce", func(t *testing.T) *tx.Tx { return alice.sign(t, 5, 500, data("alpha", "x")) }, tx.ErrFutureNonce, "at nonce 4, tx has 5"},
		{"far future nonce", func(t *testing.T) *tx.Tx { return alice.sign(t, math.MaxUint64, 500, data("alpha", "x")) }, tx.ErrFutureNonce, "at nonce 4"},
		{"replayed tx", func(t *testing.T) *tx.Tx { return bob.sign(t, 0, 500, register("gamma", 0)) }, tx.ErrStaleNonce, "at nonce 1, tx has 0"},
		{"insufficient fee by one", func(t *testing.T) *tx.Tx { return feeFor(t, p, alice, 4, -1, data("alpha", "x")) }, tx.ErrInsufficientFee, "below the minimum"},
		{"zero fee", func(t *testing.T) *tx.Tx { return alice.sign(t, 4, 0, data("alpha", "x")) }, tx.ErrInsufficientFee, "fee 0"},
		{"insufficient balance for fee", func(t *testing.T) *tx.Tx { return carol.sign(t, 0, 500, data("alpha", "x")) }, tx.ErrInsufficientBalance, "has 0, tx needs 500"},
		{"insufficient balance by one", func(t *testing.T) *tx.Tx {
			return alice.sign(t, 4, 500, transfer(bob.addr, 9_000), transfer(carol.addr, 501))
		}, tx.ErrInsufficientBalance, "has 10000, tx needs 10001"},
		{"unknown rollup", func(t *testing.T) *tx.Tx { return alice.sign(t, 4, 500, data("nope", "x")) }, tx.ErrUnknownRollup, "action 0"},
		{"unknown rollup after a transfer", func(t *testing.T) *tx.Tx {
			return alice.sign(t, 4, 500, transfer(bob.addr, 5), data("alpha", "ok"), data("nope", "x"))
		}, tx.ErrUnknownRollup, "action 2"},
		{"unknown bundle leg", func(t *testing.T) *tx.Tx { return alice.sign(t, 4, 500, bundle("alpha", "nope")) }, tx.ErrUnknownRollup, "not registered"},
		{"rollup registered in this tx", func(t *testing.T) *tx.Tx { return alice.sign(t, 4, 500, register("delta", 0), data("delta", "x")) }, tx.ErrUnknownRollup, "action 1"},
		{"register existing (state)", func(t *testing.T) *tx.Tx { return alice.sign(t, 4, 500, register("alpha", 0)) }, tx.ErrRollupExists, `"alpha"`},
		{"register existing (overlay)", func(t *testing.T) *tx.Tx { return alice.sign(t, 4, 500, register("gamma", 0)) }, tx.ErrRollupExists, `"gamma"`},
		{"register twice in one tx", func(t *testing.T) *tx.Tx {
			return alice.sign(t, 4, 500, transfer(bob.addr, 1), register("delta", 0), register("delta", 5))
		}, tx.ErrRollupExists, "action 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := fresh(t)
			watch := []tx.Address{alice.addr, bob.addr, carol.addr, proposer}
			before := observe(t, s.ov, watch...)
			tr := c.tx(t)
			checkErr := s.ov.Check(tr)
			err := s.ov.Apply(tr, proposer)
			if !errors.Is(err, c.want) || tx.CodeOf(err) != c.want.Code {
				t.Fatalf("Apply: %v, want %s", err, c.want.Desc)
			}
			if !strings.Contains(err.Error(), c.frag) {
				t.Fatalf("message %q does not mention %q", err, c.frag)
			}
			if checkErr == nil || checkErr.Error() != err.Error() {
				t.Fatalf("Check said %v, Apply said %v", checkErr, err)
			}
			if after := observe(t, s.ov, watch...); !reflect.DeepEqual(before, after) {
				t.Fatalf("failed Apply changed the overlay:\nbefore %+v\nafter  %+v", before, after)
			}
			for _, name := range []string{"delta", "nope"} {
				if _, ok, _ := s.ov.Rollup(tx.RollupIDFromName(name)); ok {
					t.Fatalf("failed Apply registered %q", name)
				}
			}
		})
	}
}

func TestApplyAcceptsExactLimits(t *testing.T) {
	base := newMapReader()
	ov := NewOverlay(base, testParams, 1)
	exact := feeFor(t, testParams, alice, 0, 0, transfer(bob.addr, 77))
	base.accounts[alice.addr] = Account{Balance: exact.Fee + 77}
	if err := ov.Check(exact); err != nil {
		t.Fatalf("fee == MinFee and balance == spend rejected: %v", err)
	}
	if err := ov.Apply(exact, proposer); err != nil {
		t.Fatal(err)
	}
	if got := mustAccount(t, ov, alice.addr); got != (Account{Balance: 0, Nonce: 1}) {
		t.Fatalf("alice %+v, want empty balance and nonce 1", got)
	}
}

func TestCheckDoesNotMutate(t *testing.T) {
	base := newMapReader()
	base.accounts[alice.addr] = Account{Balance: 10_000}
	ov := NewOverlay(base, testParams, 1)
	tr := alice.sign(t, 0, 500, register("fresh", 0), transfer(bob.addr, 5))
	for i := 0; i < 3; i++ {
		if err := ov.Check(tr); err != nil {
			t.Fatal(err)
		}
	}
	if a, r := ov.Changes(); len(a) != 0 || len(r) != 0 {
		t.Fatalf("Check changed the overlay: %v %v", a, r)
	}
	if err := ov.Apply(tr, proposer); err != nil {
		t.Fatal(err)
	}
	if err := ov.Check(tr); !errors.Is(err, tx.ErrStaleNonce) {
		t.Fatalf("Check after Apply: %v, want stale nonce", err)
	}
}

func TestReaderErrorsAreInternal(t *testing.T) {
	base := newMapReader()
	base.accounts[alice.addr] = Account{Balance: 10_000}
	base.addRollup("alpha", carol.addr, 0)

	base.failAccounts[alice.addr] = true
	ov := NewOverlay(base, testParams, 1)
	if err := ov.Apply(alice.sign(t, 0, 500, data("alpha", "x")), proposer); tx.CodeOf(err) != tx.ErrInternal.Code || !strings.Contains(err.Error(), errDisk.Error()) {
		t.Fatalf("account read failure: %v", err)
	}
	base.failAccounts[alice.addr] = false

	base.failRollups = true
	for _, a := range []*txv1.Action{data("alpha", "x"), bundle("alpha", "beta"), register("new", 0)} {
		if err := ov.Apply(alice.sign(t, 0, 500, a), proposer); tx.CodeOf(err) != tx.ErrInternal.Code {
			t.Fatalf("rollup read failure: %v", err)
		}
	}
	if a, r := ov.Changes(); len(a) != 0 || len(r) != 0 {
		t.Fatal("failed Apply changed the overlay")
	}
}

// Apply documents "On error nothing changes", but it writes the sender's
// account before reading the transfer recipient and the fee recipient; a
// read error there leaves the sender charged (nonce and balance).
func TestApplyReaderErrorAfterPlanChangesNothing(t *testing.T) {
	for _, failing := range []tx.Address{bob.addr, proposer} {
		base := newMapReader()
		base.accounts[alice.addr] = Account{Balance: 10_000}
		base.failAccounts[failing] = true
		ov := NewOverlay(base, testParams, 1)
		err := ov.Apply(alice.sign(t, 0, 500, transfer(bob.addr, 5)), proposer)
		if tx.CodeOf(err) != tx.ErrInternal.Code {
			t.Fatalf("failing read of %s: %v, want internal error", failing, err)
		}
		if a, r := ov.Changes(); len(a) != 0 || len(r) != 0 {
			t.Fatalf("failing read of %s: Apply returned an error but changed %+v", failing, a)
		}
	}
}

// Credits (transfers and fees) must never wrap a balance around. With a
// genesis whose balances sum above 2^64-1 (ParseGenesis accepts it), a
// transfer silently wraps the recipient's balance.
func TestApplyCreditNeverWraps(t *testing.T) {
	base := newMapReader()
	base.accounts[alice.addr] = Account{Balance: 10_000}
	base.accounts[bob.addr] = Account{Balance: math.MaxUint64}
	ov := NewOverlay(base, testParams, 1)
	err := ov.Apply(alice.sign(t, 0, 500, transfer(bob.addr, 1)), proposer)
	if err == nil {
		if got := mustAccount(t, ov, bob.addr).Balance; got < math.MaxUint64 {
			t.Fatalf("bob's balance wrapped from MaxUint64 to %d", got)
		}
	}
}

func TestChangesSortedAndComplete(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	base := newMapReader()
	var senders []signer
	for i := 0; i < 12; i++ {
		s := newSigner(100 + i)
		senders = append(senders, s)
		base.accounts[s.addr] = Account{Balance: 1_000_000}
	}
	ov := NewOverlay(base, testParams, 3)
	touched := map[tx.Address]bool{proposer: true}
	names := map[string]bool{}
	for i, s := range senders {
		var to tx.Address
		rng.Read(to[:])
		touched[s.addr], touched[to] = true, true
		name := "r" + strings.Repeat("x", rng.Intn(10)) + string(rune('a'+i))
		names[name] = true
		if err := ov.Apply(s.sign(t, 0, 1000, transfer(to, uint64(1+rng.Intn(100))), register(name, 0)), proposer); err != nil {
			t.Fatal(err)
		}
	}
	accts, rollups := ov.Changes()
	if len(accts) != len(touched) || len(rollups) != len(names) {
		t.Fatalf("%d accounts, %d rollups; want %d, %d", len(accts), len(rollups), len(touched), len(names))
	}
	for i := range accts {
		if i > 0 && bytes.Compare(accts[i-1].Address[:], accts[i].Address[:]) >= 0 {
			t.Fatalf("accounts not strictly sorted at %d", i)
		}
		if !touched[accts[i].Address] || mustAccount(t, ov, accts[i].Address) != accts[i].Account {
			t.Fatalf("account change %d does not match the overlay", i)
		}
	}
	for i := range rollups {
		if i > 0 && bytes.Compare(rollups[i-1].ID[:], rollups[i].ID[:]) >= 0 {
			t.Fatalf("rollups not strictly sorted at %d", i)
		}
		if !names[rollups[i].Name] || rollups[i].ID != tx.RollupIDFromName(rollups[i].Name) {
			t.Fatalf("rollup change %d is %+v", i, rollups[i])
		}
	}
	a2, r2 := ov.Changes()
	if !reflect.DeepEqual(accts, a2) || !reflect.DeepEqual(rollups, r2) {
		t.Fatal("Changes differs between calls")
	}
}

func TestParamsMinFeeAndRollupCap(t *testing.T) {
	p := Params{BaseFee: 100, FeePerByte: 3, DefaultRollupMaxBytes: 500}
	for _, n := range []int{0, 1, 250, 4096} {
		if got, want := p.MinFee(n), uint64(100+3*n); got != want {
			t.Errorf("MinFee(%d) = %d, want %d", n, got, want)
		}
	}
	if got := p.RollupCap(Rollup{}); got != 500 {
		t.Errorf("cap of a rollup registered with 0: %d, want the default 500", got)
	}
	if got := p.RollupCap(Rollup{MaxBytesPerBlock: 7}); got != 7 {
		t.Errorf("cap: %d, want 7", got)
	}
}

// countingReader counts rollup reads.
type countingReader struct {
	*mapReader
	rollupReads map[tx.RollupID]int
}

func (c *countingReader) Rollup(id tx.RollupID) (Rollup, bool, error) {
	c.rollupReads[id]++
	return c.mapReader.Rollup(id)
}

// TestOverlayCachesRollupReads: the overlay reads each rollup record from
// its base once (found or not), and a rollup registered in the overlay is
// seen even after its absence was cached.
func TestOverlayCachesRollupReads(t *testing.T) {
	base := &countingReader{mapReader: newMapReader(), rollupReads: make(map[tx.RollupID]int)}
	base.accounts[alice.addr] = Account{Balance: 1 << 40}
	known := base.addRollup("known", alice.addr, 0)
	ov := NewOverlay(base, testParams, 5)
	for i := 0; i < 3; i++ {
		if _, ok, err := ov.Rollup(known); !ok || err != nil {
			t.Fatalf("known rollup: %v %v", ok, err)
		}
		if _, ok, _ := ov.Rollup(tx.RollupIDFromName("later")); ok {
			t.Fatal("unregistered rollup found")
		}
	}
	if base.rollupReads[known] != 1 || base.rollupReads[tx.RollupIDFromName("later")] != 1 {
		t.Fatalf("base reads %v, want one per rollup", base.rollupReads)
	}
	if err := ov.Apply(alice.sign(t, 0, 500, register("later", 0)), proposer); err != nil {
		t.Fatal(err)
	}
	if r, ok, _ := ov.Rollup(tx.RollupIDFromName("later")); !ok || r.RegisteredHeight != 5 {
		t.Fatalf("rollup registered in the overlay after a cached miss: %+v %v", r, ok)
	}
}
