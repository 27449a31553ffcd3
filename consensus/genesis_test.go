package consensus

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

func TestParseGenesis(t *testing.T) {
	cs, err := ParseGenesis(testChain, genesisBytes(t, testGenesis()))
	if err != nil {
		t.Fatal(err)
	}
	want := ledger.Params{ChainID: testChain, BaseFee: 10, FeePerByte: 1, MaxTxBytes: maxTxBytes,
		MaxBlockTxBytes: maxBlockTx, DefaultRollupMaxBytes: 100000,
		Fair: ledger.FairParams{ClockSkewMs: 1000, MaxLagMs: 30000, MaxAgeMs: 600000, MaxReportEntries: 1000}}
	if cs.Params != want {
		t.Fatalf("params %+v, want %+v", cs.Params, want)
	}
	// ParseGenesis sorts accounts by address and rollups by id.
	for i := 1; i < len(cs.Accounts); i++ {
		if bytes.Compare(cs.Accounts[i-1].Address[:], cs.Accounts[i].Address[:]) >= 0 {
			t.Fatalf("accounts not sorted by address: %+v", cs.Accounts)
		}
	}
	balances := make(map[tx.Address]uint64)
	for _, a := range cs.Accounts {
		balances[a.Address] = a.Account.Balance
	}
	if len(cs.Accounts) != 4 || balances[alice.addr] == 0 {
		t.Fatalf("accounts %+v", cs.Accounts)
	}
	var alpha *ledger.Rollup
	for i := range cs.Rollups {
		if cs.Rollups[i].Name == "alpha" {
			alpha = &cs.Rollups[i]
		}
	}
	if len(cs.Rollups) != 2 || alpha == nil || !reflect.DeepEqual(*alpha, ledger.Rollup{ID: tx.RollupIDFromName("alpha"), Name: "alpha", Owner: alice.addr, MaxBytesPerBlock: alphaCap}) {
		t.Fatalf("rollups %+v", cs.Rollups)
	}

	cases := []struct {
		name   string
		chain  string
		mutate func(*Genesis)
		raw    string
		frag   string
	}{
		{name: "empty app state", raw: " ", frag: "app_state"},
		{name: "not json", raw: "{", frag: "app_state"},
		{name: "empty chain id", chain: "-", mutate: func(*Genesis) {}, frag: "chain_id"},
		{name: "bad base fee", mutate: func(g *Genesis) { g.Params.BaseFee = "-1" }, frag: "base_fee"},
		{name: "bad fee per byte", mutate: func(g *Genesis) { g.Params.FeePerByte = "x" }, frag: "fee_per_byte"},
		{name: "bad default rollup bytes", mutate: func(g *Genesis) { g.Params.DefaultRollupMaxBytes = "" }, frag: "default_rollup_max_bytes"},
		{name: "zero max tx bytes", mutate: func(g *Genesis) { g.Params.MaxTxBytes = 0 }, frag: "max_tx_bytes"},
		{name: "block smaller than tx", mutate: func(g *Genesis) { g.Params.MaxBlockTxBytes = maxTxBytes - 1 }, frag: "max_block_tx_bytes"},
		{name: "bad address", mutate: func(g *Genesis) { g.Accounts[1].Address = "xyz" }, frag: "accounts[1]"},
		{name: "duplicate address", mutate: func(g *Genesis) { g.Accounts[3].Address = strings.ToLower(g.Accounts[0].Address) }, frag: "listed twice"},
		{name: "bad balance", mutate: func(g *Genesis) { g.Accounts[0].Balance = "1e6" }, frag: "accounts[0].balance"},
		{name: "balance overflow", mutate: func(g *Genesis) { g.Accounts[0].Balance = "18446744073709551616" }, frag: "balance"},
		{name: "bad rollup name", mutate: func(g *Genesis) { g.Rollups[1].Name = "Beta" }, frag: "rollups[1].name"},
		{name: "duplicate rollup", mutate: func(g *Genesis) { g.Rollups[1].Name = "alpha" }, frag: "listed twice"},
		{name: "bad rollup owner", mutate: func(g *Genesis) { g.Rollups[0].Owner = "" }, frag: "rollups[0].owner"},
		{name: "bad rollup cap", mutate: func(g *Genesis) { g.Rollups[0].MaxBytesPerBlock = "-5" }, frag: "max_bytes_per_block"},
	}
	// One uninitialized node checks that InitChain refuses every case (a
	// refused genesis writes nothing, so the node can be reused).
	n := openNode(t, "", mempool.DefaultConfig())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			chain := testChain
			if c.chain == "-" {
				chain = ""
			}
			raw := []byte(c.raw)
			if c.mutate != nil {
				g := testGenesis()
				c.mutate(&g)
				raw = genesisBytes(t, g)
			}
			if c.raw == " " {
				raw = nil
			}
			_, err := ParseGenesis(chain, raw)
			if err == nil || !strings.Contains(err.Error(), c.frag) {
				t.Fatalf("ParseGenesis: %v, want an error about %q", err, c.frag)
			}
			// InitChain refuses it too and writes nothing.
			if _, err := n.app.InitChain(ctx, &abci.InitChainRequest{ChainId: chain, InitialHeight: 1, AppStateBytes: raw}); err == nil {
				t.Fatal("InitChain accepted a bad genesis")
			}
			if h, hash, _ := n.store.LastCommitted(); h != 0 || hash != nil {
				t.Fatal("a rejected genesis was written")
			}
		})
	}
}

func TestInitChainWritesGenesis(t *testing.T) {
	n := openNode(t, "", mempool.DefaultConfig())
	if info := n.info(t); info.LastBlockHeight != 0 || len(info.LastBlockAppHash) != 0 || info.AppVersion != AppVersion {
		t.Fatalf("Info before InitChain: %+v", info)
	}
	hash := n.initChain(t)
	if len(hash) != 32 {
		t.Fatalf("genesis app hash of %d bytes", len(hash))
	}
	if info := n.info(t); info.LastBlockHeight != 0 || !bytes.Equal(info.LastBlockAppHash, hash) {
		t.Fatalf("Info after InitChain: height %d hash %X, want 0 %X", info.LastBlockHeight, info.LastBlockAppHash, hash)
	}
	if n.app.Params().ChainID != testChain || n.app.Params().MaxTxBytes != maxTxBytes {
		t.Fatalf("params %+v", n.app.Params())
	}
	for _, a := range []struct {
		addr tx.Address
		bal  uint64
	}{{alice.addr, richBalance}, {carol.addr, 100}, {dave.addr, 0}} {
		if got := n.account(t, a.addr); got != (ledger.Account{Balance: a.bal}) {
			t.Fatalf("%s = %+v, want balance %d", a.addr, got, a.bal)
		}
	}
	snap := n.store.Snapshot()
	defer snap.Discard()
	r, ok, err := snap.Rollup(tx.RollupIDFromName("alpha"))
	if err != nil || !ok || r.Owner != alice.addr || r.MaxBytesPerBlock != alphaCap || r.RegisteredHeight != 1 {
		t.Fatalf("alpha = %+v, %v, %v", r, ok, err)
	}
	// Another node with the same genesis has the same genesis hash; one
	// with a different balance does not.
	if other := newNode(t).info(t).LastBlockAppHash; !bytes.Equal(other, hash) {
		t.Fatal("same genesis, different app hash")
	}
	g := testGenesis()
	g.Accounts[2].Balance = "101"
	m := openNode(t, "", mempool.DefaultConfig())
	resp, err := m.app.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, InitialHeight: 1, AppStateBytes: genesisBytes(t, g)})
	if err != nil || bytes.Equal(resp.AppHash, hash) {
		t.Fatalf("different genesis, same app hash (%v)", err)
	}
}

// ledger.StateDigest documents its changes as sorted by key; InitChain passes
// genesis accounts and rollups in file order, so two genesis files listing
// the same state in a different order give different app hashes.
func TestGenesisAppHashIndependentOfListingOrder(t *testing.T) {
	a := newNode(t).info(t).LastBlockAppHash
	g := testGenesis()
	g.Accounts[0], g.Accounts[1] = g.Accounts[1], g.Accounts[0]
	g.Rollups[0], g.Rollups[1] = g.Rollups[1], g.Rollups[0]
	m := openNode(t, "", mempool.DefaultConfig())
	resp, err := m.app.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, InitialHeight: 1, AppStateBytes: genesisBytes(t, g)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp.AppHash, a) {
		t.Fatalf("reordering genesis lists changed the app hash: %X vs %X", resp.AppHash, a)
	}
}

// A genesis with initial_height > 1 is valid in CometBFT; the first block
// then has that height.
func TestInitialHeightAboveOne(t *testing.T) {
	n := openNode(t, "", mempool.DefaultConfig())
	if _, err := n.app.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, InitialHeight: 5, AppStateBytes: genesisBytes(t, testGenesis())}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: 5, Time: blockTime(5), ProposerAddress: valAddr[:]}); err != nil {
		t.Fatalf("first block at initial height 5: %v", err)
	}
}
