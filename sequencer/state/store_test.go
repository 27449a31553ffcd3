package state

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

func openMem(t *testing.T) *Store {
	t.Helper()
	s, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var (
	addrA  = tx.Address{0xa}
	addrB  = tx.Address{0xb}
	params = ledger.Params{ChainID: "ordo-test", BaseFee: 10, FeePerByte: 1, MaxTxBytes: 4096, MaxBlockTxBytes: 1 << 20, DefaultRollupMaxBytes: 1000}
)

func genesis() *Pending {
	return &Pending{
		Height:   0,
		AppHash:  bytes.Repeat([]byte{1}, 32),
		Accounts: []ledger.AccountChange{{Address: addrA, Account: ledger.Account{Balance: 100}}},
		Rollups: []ledger.Rollup{
			{ID: tx.RollupIDFromName("beta"), Name: "beta", Owner: addrA, RegisteredHeight: 1},
			{ID: tx.RollupIDFromName("alpha"), Name: "alpha", Owner: addrB, MaxBytesPerBlock: 9, RegisteredHeight: 1},
		},
		Params: &params,
	}
}

func block1() *Pending {
	h1, h2 := tx.HashOf([]byte("tx1")), tx.HashOf([]byte("tx2"))
	alpha := tx.RollupIDFromName("alpha")
	return &Pending{
		Height:  1,
		AppHash: bytes.Repeat([]byte{2}, 32),
		Accounts: []ledger.AccountChange{
			{Address: addrA, Account: ledger.Account{Balance: 40, Nonce: 2}},
			{Address: addrB, Account: ledger.Account{Balance: 60}},
		},
		Block: &sequencerv1.BlockResponse{
			Height: 1, AppHash: bytes.Repeat([]byte{2}, 32),
			Txs: []*sequencerv1.BlockTx{{Hash: h1.String(), Nonce: 0}, {Hash: h2.String(), Nonce: 1}},
		},
		TxCodes: []uint32{0, tx.ErrStaleNonce.Code},
		RollupBlocks: []*sequencerv1.RollupBlockResponse{{
			RollupId: alpha[:], Height: 1,
			Items: []*sequencerv1.RollupItem{{TxHash: h1.String(), TxIndex: 0, Data: []byte("item")}},
		}},
	}
}

func TestEmptyStore(t *testing.T) {
	s := openMem(t)
	h, hash, err := s.LastCommitted()
	if err != nil || h != 0 || hash != nil {
		t.Fatalf("LastCommitted = %d, %x, %v", h, hash, err)
	}
	if _, err := s.Params(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Params on an empty store: %v", err)
	}
	snap := s.Snapshot()
	defer snap.Discard()
	if a, err := snap.Account(addrA); err != nil || a != (ledger.Account{}) {
		t.Fatalf("missing account = %+v, %v; want zero", a, err)
	}
	if _, ok, err := snap.Rollup(tx.RollupIDFromName("x")); ok || err != nil {
		t.Fatalf("missing rollup: ok=%v err=%v", ok, err)
	}
}

func TestCommitAndRead(t *testing.T) {
	s := openMem(t)
	g := genesis()
	if err := s.Commit(g); err != nil {
		t.Fatal(err)
	}
	if h, hash, _ := s.LastCommitted(); h != 0 || !bytes.Equal(hash, g.AppHash) {
		t.Fatalf("after genesis: %d %x", h, hash)
	}
	if p, err := s.Params(); err != nil || p != params {
		t.Fatalf("Params = %+v, %v", p, err)
	}
	before := s.Snapshot()
	defer before.Discard()

	b := block1()
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	if h, hash, _ := s.LastCommitted(); h != 1 || !bytes.Equal(hash, b.AppHash) {
		t.Fatalf("after block 1: %d %x", h, hash)
	}
	// A snapshot taken before the commit still sees the old state.
	if a, _ := before.Account(addrA); a.Balance != 100 {
		t.Fatalf("old snapshot sees balance %d, want 100", a.Balance)
	}
	snap := s.Snapshot()
	defer snap.Discard()
	for _, c := range b.Accounts {
		if a, err := snap.Account(c.Address); err != nil || a != c.Account {
			t.Fatalf("%s = %+v, %v; want %+v", c.Address, a, err, c.Account)
		}
	}
	rollups, err := snap.Rollups()
	if err != nil || len(rollups) != 2 || bytes.Compare(rollups[0].ID[:], rollups[1].ID[:]) >= 0 {
		t.Fatalf("Rollups = %+v, %v (want 2 in id order)", rollups, err)
	}
	for _, want := range genesis().Rollups {
		got, ok, err := snap.Rollup(want.ID)
		if err != nil || !ok || !reflect.DeepEqual(got, want) {
			t.Fatalf("rollup %s = %+v, %v, %v", want.Name, got, ok, err)
		}
	}
	blk, err := s.Block(1)
	if err != nil || !reflect.DeepEqual(blk, b.Block) {
		t.Fatalf("Block(1) = %+v, %v", blk, err)
	}
	if _, err := s.Block(2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Block(2): %v", err)
	}
	for i, btx := range b.Block.Txs {
		h, _ := tx.ParseHash(btx.Hash)
		loc, err := s.TxLocation(h)
		if err != nil || loc != (TxLocation{Height: 1, Index: uint32(i), Code: b.TxCodes[i]}) {
			t.Fatalf("TxLocation %d = %+v, %v", i, loc, err)
		}
	}
	if _, err := s.TxLocation(tx.HashOf([]byte("nope"))); !errors.Is(err, ErrNotFound) {
		t.Fatalf("TxLocation of unknown tx: %v", err)
	}
	alpha := tx.RollupIDFromName("alpha")
	rb, err := s.RollupBlock(alpha, 1)
	if err != nil || !reflect.DeepEqual(rb, b.RollupBlocks[0]) {
		t.Fatalf("RollupBlock = %+v, %v", rb, err)
	}
	empty, err := s.RollupBlock(tx.RollupIDFromName("beta"), 1)
	if err != nil || len(empty.Items) != 0 || empty.Height != 1 {
		t.Fatalf("RollupBlock without items = %+v, %v", empty, err)
	}
}

func TestCommitRefusesSkipsAndRepeats(t *testing.T) {
	s := openMem(t)
	if err := s.Commit(genesis()); err != nil {
		t.Fatal(err)
	}
	// Genesis may be rewritten while nothing else is committed (InitChain
	// replays after a crash before block 1).
	if err := s.Commit(genesis()); err != nil {
		t.Fatalf("genesis rewrite: %v", err)
	}
	two := block1()
	two.Height = 2
	if err := s.Commit(two); err == nil {
		t.Fatal("commit of height 2 after 0 accepted")
	}
	if err := s.Commit(block1()); err != nil {
		t.Fatal(err)
	}
	for _, h := range []int64{0, 1, 3} {
		p := block1()
		p.Height = h
		if err := s.Commit(p); err == nil {
			t.Fatalf("commit of height %d after 1 accepted", h)
		}
	}
	if h, _, _ := s.LastCommitted(); h != 1 {
		t.Fatalf("height %d, want 1", h)
	}
}

// TestCommitIsAtomic makes Commit fail after it has staged account writes
// (a block tx with a malformed hash) and checks nothing was written.
func TestCommitIsAtomic(t *testing.T) {
	s := openMem(t)
	if err := s.Commit(genesis()); err != nil {
		t.Fatal(err)
	}
	bad := block1()
	bad.Block.Txs[1].Hash = "not-a-hash"
	if err := s.Commit(bad); err == nil {
		t.Fatal("commit with a malformed tx hash accepted")
	}
	h, hash, _ := s.LastCommitted()
	if h != 0 || !bytes.Equal(hash, genesis().AppHash) {
		t.Fatalf("failed commit moved the height to %d", h)
	}
	snap := s.Snapshot()
	defer snap.Discard()
	if a, _ := snap.Account(addrA); a != (ledger.Account{Balance: 100}) {
		t.Fatalf("failed commit wrote account %+v", a)
	}
	if a, _ := snap.Account(addrB); a != (ledger.Account{}) {
		t.Fatalf("failed commit wrote account %+v", a)
	}
	if _, err := s.Block(1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("failed commit wrote the block: %v", err)
	}
	if _, err := s.TxLocation(tx.HashOf([]byte("tx1"))); !errors.Is(err, ErrNotFound) {
		t.Fatalf("failed commit wrote the tx index: %v", err)
	}
	if err := s.Commit(block1()); err != nil {
		t.Fatalf("the good block after a failed commit: %v", err)
	}
}

func TestStoreSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{SyncWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(genesis()); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(block1()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if h, hash, _ := s.LastCommitted(); h != 1 || !bytes.Equal(hash, block1().AppHash) {
		t.Fatalf("after reopen: %d %x", h, hash)
	}
	if p, err := s.Params(); err != nil || p != params {
		t.Fatalf("params after reopen: %+v %v", p, err)
	}
	snap := s.Snapshot()
	defer snap.Discard()
	if a, _ := snap.Account(addrA); a != (ledger.Account{Balance: 40, Nonce: 2}) {
		t.Fatalf("account after reopen: %+v", a)
	}
}
