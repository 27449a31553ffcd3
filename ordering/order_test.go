package ordering

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

const fee = 1000

var (
	alice = signers[0]
	bob   = signers[1]
	carol = signers[2]
	dave  = signers[3]
)

// fixture: alice at nonce 0 and bob at nonce 5 are rich, carol holds 100,
// dave 2000; alpha caps at 300 bytes per block, beta uses the default 1000.
func fixture() (Input, *mapReader) {
	base := newMapReader()
	base.accounts[alice.addr] = ledger.Account{Balance: 1_000_000}
	base.accounts[bob.addr] = ledger.Account{Balance: 1_000_000, Nonce: 5}
	base.accounts[carol.addr] = ledger.Account{Balance: 100}
	base.accounts[dave.addr] = ledger.Account{Balance: 2000}
	base.addRollup("alpha", 300)
	base.addRollup("beta", 0)
	in := Input{
		Params: ledger.Params{ChainID: testChain, BaseFee: 10, FeePerByte: 1, MaxTxBytes: 1 << 16,
			MaxBlockTxBytes: 1 << 20, DefaultRollupMaxBytes: 1000},
		Height:   7,
		Proposer: signers[7].addr,
		State:    base,
	}
	return in, base
}

func cands(txs ...*tx.Tx) []Candidate {
	out := make([]Candidate, len(txs))
	for i, t := range txs {
		out[i] = Candidate{Tx: t, Seq: uint64(i + 1)}
	}
	return out
}

func mustOrder(t *testing.T, in Input, c []Candidate) Block {
	t.Helper()
	b, err := Order(in, c)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	if err := Check(in, b.Txs); err != nil {
		t.Fatalf("Order's block fails Check: %v", err)
	}
	return b
}

func wantTxs(t *testing.T, got []*tx.Tx, want ...*tx.Tx) {
	t.Helper()
	if !reflect.DeepEqual(hashes(got), hashes(want)) {
		t.Fatalf("block has %d txs %x\nwant %d txs %x", len(got), hashes(got), len(want), hashes(want))
	}
}

func TestOrderTakesEarliestHeadAcrossAccounts(t *testing.T) {
	in, _ := fixture()
	a0 := alice.sign(t, 0, fee, data("beta", 10))
	a1 := alice.sign(t, 1, fee, data("beta", 10))
	b5 := bob.sign(t, 5, fee, data("beta", 10))
	b6 := bob.sign(t, 6, fee, data("beta", 10))
	// alice's nonce 1 arrived first, but her nonce 0 arrived after both
	// of bob's txs: nonce order within an account beats arrival.
	c := []Candidate{{Tx: a1, Seq: 1}, {Tx: b5, Seq: 3}, {Tx: b6, Seq: 4}, {Tx: a0, Seq: 5}}
	b := mustOrder(t, in, c)
	wantTxs(t, b.Txs, b5, b6, a0, a1)
	if len(b.Invalid) != 0 {
		t.Fatalf("Invalid: %v", b.Invalid)
	}
	// Equal Seqs break ties by tx hash, whatever the slice order.
	tie := []Candidate{{Tx: a0, Seq: 1}, {Tx: b5, Seq: 1}}
	first, second := a0, b5
	if string(b5.Hash[:]) < string(a0.Hash[:]) {
		first, second = b5, a0
	}
	wantTxs(t, mustOrder(t, in, tie).Txs, first, second)
	wantTxs(t, mustOrder(t, in, []Candidate{tie[1], tie[0]}).Txs, first, second)
}

func TestOrderDuplicateNonceKeepsEarliestArrival(t *testing.T) {
	in, _ := fixture()
	late := alice.sign(t, 0, fee, data("beta", 10))
	early := alice.sign(t, 0, fee+1, data("beta", 10))
	b := mustOrder(t, in, []Candidate{{Tx: late, Seq: 2}, {Tx: early, Seq: 1}, {Tx: late, Seq: 3}})
	wantTxs(t, b.Txs, early)
}

func TestOrderStopsAtNonceGap(t *testing.T) {
	in, _ := fixture()
	a0, a1, a3 := alice.sign(t, 0, fee, data("beta", 1)), alice.sign(t, 1, fee, data("beta", 1)), alice.sign(t, 3, fee, data("beta", 1))
	b := mustOrder(t, in, cands(a3, a1, a0))
	wantTxs(t, b.Txs, a0, a1)
	if len(b.Invalid) != 0 {
		t.Fatalf("a parked future nonce was listed invalid: %v", b.Invalid)
	}
}

func TestOrderListsInvalidAndDropsRestOfQueue(t *testing.T) {
	in, _ := fixture()
	stale := bob.sign(t, 4, fee, data("beta", 1))
	cheap := alice.sign(t, 0, 1, data("beta", 1))
	a1 := alice.sign(t, 1, fee, data("beta", 1))
	poor := carol.sign(t, 0, fee, data("beta", 1))
	unknown := dave.sign(t, 0, fee, data("zzz", 1))
	b := mustOrder(t, in, cands(stale, cheap, a1, poor, unknown))
	wantTxs(t, b.Txs)
	want := map[tx.Hash]*tx.Error{
		stale.Hash: tx.ErrStaleNonce, cheap.Hash: tx.ErrInsufficientFee,
		poor.Hash: tx.ErrInsufficientBalance, unknown.Hash: tx.ErrUnknownRollup,
	}
	if len(b.Invalid) != len(want) {
		t.Fatalf("Invalid = %v, want %d entries", b.Invalid, len(want))
	}
	for _, s := range b.Invalid {
		if w := want[s.Hash]; w == nil || !errors.Is(s.Err, w) {
			t.Fatalf("Invalid entry %s: %v, want %v", s.Hash, s.Err, w)
		}
	}
}

func TestOrderSkipsWhatDoesNotFit(t *testing.T) {
	in, _ := fixture()
	big := alice.sign(t, 0, fee, data("beta", 600))
	small := bob.sign(t, 5, fee, data("beta", 10))
	in.MaxBlockBytes = TxEncodedSize(small.Size()) + TxEncodedSize(big.Size()) - 1
	b := mustOrder(t, in, cands(big, small))
	wantTxs(t, b.Txs, big)
	in.MaxBlockBytes = TxEncodedSize(small.Size())
	b = mustOrder(t, in, cands(big, small))
	wantTxs(t, b.Txs, small)
	if len(b.Invalid) != 0 {
		t.Fatalf("a tx left out for room was listed invalid: %v", b.Invalid)
	}
	in.MaxBlockBytes = TxEncodedSize(small.Size()) - 1
	wantTxs(t, mustOrder(t, in, cands(big, small)).Txs)
}

func TestOrderRespectsRollupCaps(t *testing.T) {
	in, _ := fixture()
	a0 := alice.sign(t, 0, fee, data("alpha", 200))
	b5 := bob.sign(t, 5, fee, bundle(150, "alpha", "beta"))
	d0 := dave.sign(t, 0, fee, data("alpha", 100))
	b := mustOrder(t, in, cands(a0, b5, d0))
	wantTxs(t, b.Txs, a0, d0) // 200 + 100 = the 300 cap; bob's leg does not fit
	if len(b.Invalid) != 0 {
		t.Fatalf("a tx left out for its rollup cap was listed invalid: %v", b.Invalid)
	}
}

func TestOrderRegisterThenUse(t *testing.T) {
	in, _ := fixture()
	reg := alice.sign(t, 0, fee, register("delta", 50))
	use := bob.sign(t, 5, fee, data("delta", 50))
	over := dave.sign(t, 0, fee, data("delta", 1))
	b := mustOrder(t, in, cands(reg, use, over))
	wantTxs(t, b.Txs, reg, use) // delta registered with a 50-byte cap
	b = mustOrder(t, in, cands(use, reg))
	wantTxs(t, b.Txs, reg)
	if len(b.Invalid) != 1 || b.Invalid[0].Hash != use.Hash || !errors.Is(b.Invalid[0].Err, tx.ErrUnknownRollup) {
		t.Fatalf("Invalid = %v", b.Invalid)
	}
}

func TestOrderEmptyInputs(t *testing.T) {
	in, _ := fixture()
	for _, c := range [][]Candidate{nil, {}, {{Tx: nil, Seq: 1}}} {
		b := mustOrder(t, in, c)
		if len(b.Txs) != 0 || len(b.Invalid) != 0 {
			t.Fatalf("Order(%v) = %+v", c, b)
		}
	}
	a0 := alice.sign(t, 0, fee, data("beta", 1))
	wantTxs(t, mustOrder(t, in, []Candidate{{Tx: nil, Seq: 1}, {Tx: a0, Seq: 2}}).Txs, a0)
	if err := Check(in, nil); err != nil {
		t.Fatalf("empty block rejected: %v", err)
	}
}

func TestOrderReaderErrorIsInternal(t *testing.T) {
	in, base := fixture()
	base.fail = true
	_, err := Order(in, cands(alice.sign(t, 0, fee, data("beta", 1))))
	if tx.CodeOf(err) != tx.ErrInternal.Code {
		t.Fatalf("Order with a failing reader: %v, want an internal error", err)
	}
}

// ProcessProposal returns (instead of rejecting) when Check's error carries
// ErrInternal, but Check formats the inner error with %v under
// ErrBlockRule, so a local read failure makes a validator REJECT an honest
// proposal.
func TestCheckReaderErrorIsInternal(t *testing.T) {
	in, base := fixture()
	block := []*tx.Tx{alice.sign(t, 0, fee, data("beta", 1))}
	base.fail = true
	if err := Check(in, block); tx.CodeOf(err) != tx.ErrInternal.Code {
		t.Fatalf("Check with a failing reader: code %d (%v), want %d", tx.CodeOf(err), err, tx.ErrInternal.Code)
	}
}

// TestCheckRejectsByzantineBlocks: blocks a byzantine proposer could send.
func TestCheckRejectsByzantineBlocks(t *testing.T) {
	in, _ := fixture()
	a := func(n uint64, acts ...*txv1.Action) *tx.Tx { return alice.sign(t, n, fee, acts...) }
	a0, a1, a2 := a(0, data("alpha", 100)), a(1, data("alpha", 100)), a(2, data("alpha", 100))
	b5, b6 := bob.sign(t, 5, fee, data("beta", 50)), bob.sign(t, 6, fee, data("beta", 50))
	honest := mustOrder(t, in, cands(a0, a1, a2, b5, b6)).Txs
	wantTxs(t, honest, a0, a1, a2, b5, b6)
	var honestBytes int64
	for _, x := range honest {
		honestBytes += TxEncodedSize(x.Size())
	}

	// Valid variants: the rules do not (yet) fix the order across
	// accounts, and a proposer may leave txs out.
	for name, block := range map[string][]*tx.Tx{
		"honest":      honest,
		"interleaved": {b5, a0, b6, a1, a2},
		"prefix":      {a0, b5},
		"empty":       nil,
	} {
		if err := Check(in, block); err != nil {
			t.Fatalf("%s block rejected: %v", name, err)
		}
	}

	cases := []struct {
		name     string
		block    []*tx.Tx
		maxBytes int64
		inner    *tx.Error // the rule the message must name
		index    string
	}{
		{"reordered nonces", []*tx.Tx{a1, a0, a2, b5, b6}, 0, tx.ErrFutureNonce, "tx 0"},
		{"reordered later nonces", []*tx.Tx{a0, a2, a1, b5, b6}, 0, tx.ErrFutureNonce, "tx 1"},
		{"skipped nonce", []*tx.Tx{a0, a2, b5, b6}, 0, tx.ErrFutureNonce, "tx 1"},
		{"starts past the state nonce", []*tx.Tx{b6}, 0, tx.ErrFutureNonce, "tx 0"},
		{"repeated tx", []*tx.Tx{a0, a0, a1}, 0, tx.ErrStaleNonce, "tx 1"},
		{"repeated tx at the end", []*tx.Tx{a0, a1, a2, b5, b6, b5}, 0, tx.ErrStaleNonce, "tx 5"},
		{"stale nonce", []*tx.Tx{bob.sign(t, 4, fee, data("beta", 1))}, 0, tx.ErrStaleNonce, "tx 0"},
		{"second tx for a taken nonce", []*tx.Tx{a0, a(0, data("beta", 3))}, 0, tx.ErrStaleNonce, "tx 1"},
		{"exceeds rollup cap", []*tx.Tx{a0, a1, a2, a(3, data("alpha", 1))}, 0, tx.ErrRollupCapExceeded, "tx 3"},
		{"one tx over the cap", []*tx.Tx{a(0, data("alpha", 301))}, 0, tx.ErrRollupCapExceeded, "tx 0"},
		{"bundle leg over the cap", []*tx.Tx{a0, a1, b5, bob.sign(t, 6, fee, bundle(101, "beta", "alpha"))}, 0, tx.ErrRollupCapExceeded, "tx 3"},
		{"default cap exceeded", []*tx.Tx{b5, b6, bob.sign(t, 7, 5*fee, data("beta", 901))}, 0, tx.ErrRollupCapExceeded, "tx 2"},
		{"exceeds MaxBlockBytes", honest, honestBytes - 1, nil, "limit"},
		{"insufficient fee", []*tx.Tx{alice.sign(t, 0, 1, data("beta", 1))}, 0, tx.ErrInsufficientFee, "tx 0"},
		{"insufficient balance", []*tx.Tx{a0, carol.sign(t, 0, 500, data("beta", 1))}, 0, tx.ErrInsufficientBalance, "tx 1"},
		{"balance spent earlier in the block", []*tx.Tx{
			dave.sign(t, 0, 500, transfer(carol.addr, 1000)), dave.sign(t, 1, 600, data("beta", 1)),
		}, 0, tx.ErrInsufficientBalance, "tx 1"},
		{"transfer beyond balance", []*tx.Tx{dave.sign(t, 0, 500, transfer(carol.addr, 1501))}, 0, tx.ErrInsufficientBalance, "tx 0"},
		{"unknown rollup", []*tx.Tx{a0, a(1, data("zzz", 1))}, 0, tx.ErrUnknownRollup, "tx 1"},
		{"unknown bundle leg", []*tx.Tx{a(0, bundle(5, "beta", "zzz"))}, 0, tx.ErrUnknownRollup, "tx 0"},
		{"rollup used before its registration", []*tx.Tx{b5, bob.sign(t, 6, fee, data("delta", 1)), a(0, register("delta", 0))}, 0, tx.ErrUnknownRollup, "tx 1"},
		{"registers an existing rollup", []*tx.Tx{a(0, register("alpha", 0))}, 0, tx.ErrRollupExists, "tx 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := in
			in.MaxBlockBytes = c.maxBytes
			err := Check(in, c.block)
			if err == nil {
				t.Fatal("byzantine block accepted")
			}
			if tx.CodeOf(err) != tx.ErrBlockRule.Code || !errors.Is(err, tx.ErrBlockRule) {
				t.Fatalf("code %d (%v), want %d", tx.CodeOf(err), err, tx.ErrBlockRule.Code)
			}
			if c.inner != nil && !strings.Contains(err.Error(), c.inner.Desc) {
				t.Fatalf("%q does not name the broken rule %q", err, c.inner.Desc)
			}
			if !strings.Contains(err.Error(), c.index) {
				t.Fatalf("%q does not mention %q", err, c.index)
			}
		})
	}
}
