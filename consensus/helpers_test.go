package consensus

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/libs/log"

	"github.com/ordolabs/ordo/mempool"
	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/state"
	"github.com/ordolabs/ordo/sequencer/tx"
)

const testChain = "ordo-test"

var ctx = context.Background()

type signer struct {
	key  ed25519.PrivKey
	addr tx.Address
}

func newSigner(name string) signer {
	k := ed25519.GenPrivKeyFromSecret([]byte("ordo consensus test " + name))
	return signer{key: k, addr: tx.AddressFromPubKey(k.PubKey().Bytes())}
}

var (
	alice = newSigner("alice") // rich
	bob   = newSigner("bob")   // rich
	carol = newSigner("carol") // holds 100
	erin  = newSigner("erin")  // rich
	dave  = newSigner("dave")  // unfunded
	// valAddr is the proposer's validator address (the fee recipient).
	valAddr = newSigner("validator").addr
	val2    = newSigner("validator-2").addr
)

const (
	richBalance = 1_000_000
	fee         = 3000
	alphaCap    = 300
	maxTxBytes  = 2048
	maxBlockTx  = 8192
)

func testGenesis() Genesis {
	return Genesis{
		Params: GenesisParams{
			BaseFee: "10", FeePerByte: "1", MaxTxBytes: maxTxBytes, MaxBlockTxBytes: maxBlockTx,
			DefaultRollupMaxBytes: "100000",
			// These unit tests drive the ABCI calls without vote
			// extensions, so fair ordering (which needs them) is off.
			Fair: GenesisFair{ClockSkewMs: 1000, MaxLagMs: 30000, MaxAgeMs: 600000, MaxReportEntries: 1000},
		},
		Accounts: []GenesisAccount{
			{Address: alice.addr.String(), Balance: strconv.Itoa(richBalance)},
			{Address: bob.addr.String(), Balance: strconv.Itoa(richBalance)},
			{Address: carol.addr.String(), Balance: "100"},
			{Address: erin.addr.String(), Balance: strconv.Itoa(richBalance)},
		},
		Rollups: []GenesisRollup{
			{Name: "alpha", Owner: alice.addr.String(), MaxBytesPerBlock: strconv.Itoa(alphaCap)},
			{Name: "beta", Owner: bob.addr.String()},
		},
	}
}

func genesisBytes(tb testing.TB, g Genesis) []byte {
	tb.Helper()
	b, err := json.Marshal(g)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

var genesisTime = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// node is one App with its store and pool.
type node struct {
	app   *App
	store *state.Store
	pool  *mempool.Pool
}

func openNode(tb testing.TB, dir string, cfg mempool.Config) *node {
	tb.Helper()
	opts := state.Options{InMemory: dir == "", SyncWrites: dir != ""}
	store, err := state.Open(dir, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	clock := func() time.Time { return genesisTime }
	pool := mempool.New(cfg, clock)
	app, err := NewApp(store, pool, log.NewNopLogger())
	if err != nil {
		tb.Fatal(err)
	}
	return &node{app: app, store: store, pool: pool}
}

// newNode opens an in-memory node and runs InitChain with testGenesis.
func newNode(tb testing.TB) *node {
	tb.Helper()
	n := openNode(tb, "", mempool.DefaultConfig())
	n.initChain(tb)
	return n
}

func (n *node) initChain(tb testing.TB) []byte {
	tb.Helper()
	resp, err := n.app.InitChain(ctx, &abci.InitChainRequest{
		Time: genesisTime, ChainId: testChain, InitialHeight: 1, AppStateBytes: genesisBytes(tb, testGenesis()),
	})
	if err != nil {
		tb.Fatalf("InitChain: %v", err)
	}
	return resp.AppHash
}

func (n *node) checkTx(tb testing.TB, raw []byte) *abci.CheckTxResponse {
	tb.Helper()
	resp, err := n.app.CheckTx(ctx, &abci.CheckTxRequest{Tx: raw, Type: abci.CHECK_TX_TYPE_CHECK})
	if err != nil {
		tb.Fatalf("CheckTx returned an error instead of a code: %v", err)
	}
	return resp
}

func (n *node) mustCheckTx(tb testing.TB, raws ...[]byte) {
	tb.Helper()
	for i, raw := range raws {
		if resp := n.checkTx(tb, raw); resp.Code != abci.CodeTypeOK {
			tb.Fatalf("CheckTx %d: code %d: %s", i, resp.Code, resp.Log)
		}
	}
}

func (n *node) info(tb testing.TB) *abci.InfoResponse {
	tb.Helper()
	resp, err := n.app.Info(ctx, &abci.InfoRequest{})
	if err != nil {
		tb.Fatal(err)
	}
	return resp
}

func (n *node) prepare(tb testing.TB, height int64, maxTxBytes int64) [][]byte {
	tb.Helper()
	resp, err := n.app.PrepareProposal(ctx, &abci.PrepareProposalRequest{
		MaxTxBytes: maxTxBytes, Height: height, Time: blockTime(height), ProposerAddress: valAddr[:],
	})
	if err != nil {
		tb.Fatalf("PrepareProposal: %v", err)
	}
	return resp.Txs
}

func (n *node) process(tb testing.TB, height int64, txs [][]byte) abci.ProcessProposalStatus {
	tb.Helper()
	resp, err := n.app.ProcessProposal(ctx, &abci.ProcessProposalRequest{
		Txs: txs, Height: height, Time: blockTime(height), ProposerAddress: valAddr[:],
	})
	if err != nil {
		tb.Fatalf("ProcessProposal returned an error: %v", err)
	}
	return resp.Status
}

func (n *node) finalize(tb testing.TB, height int64, txs [][]byte) *abci.FinalizeBlockResponse {
	tb.Helper()
	resp, err := n.app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{
		Txs: txs, Height: height, Time: blockTime(height), ProposerAddress: valAddr[:],
	})
	if err != nil {
		tb.Fatalf("FinalizeBlock: %v", err)
	}
	if len(resp.TxResults) != len(txs) {
		tb.Fatalf("%d tx results for %d txs", len(resp.TxResults), len(txs))
	}
	return resp
}

func (n *node) commit(tb testing.TB) {
	tb.Helper()
	if _, err := n.app.Commit(ctx, &abci.CommitRequest{}); err != nil {
		tb.Fatalf("Commit: %v", err)
	}
}

// decide runs FinalizeBlock and Commit and checks Info afterwards.
func (n *node) decide(tb testing.TB, height int64, txs [][]byte) *abci.FinalizeBlockResponse {
	tb.Helper()
	resp := n.finalize(tb, height, txs)
	n.commit(tb)
	if info := n.info(tb); info.LastBlockHeight != height || !bytes.Equal(info.LastBlockAppHash, resp.AppHash) {
		tb.Fatalf("after commit Info says height %d hash %X; want %d %X", info.LastBlockHeight, info.LastBlockAppHash, height, resp.AppHash)
	}
	return resp
}

func (n *node) account(tb testing.TB, a tx.Address) ledger.Account {
	tb.Helper()
	snap := n.store.Snapshot()
	defer snap.Discard()
	acct, err := snap.Account(a)
	if err != nil {
		tb.Fatal(err)
	}
	return acct
}

func blockTime(h int64) time.Time { return genesisTime.Add(time.Duration(h) * time.Second) }

func rollupData(name string, n int) *txv1.Action {
	id := tx.RollupIDFromName(name)
	return &txv1.Action{Kind: &txv1.Action_RollupData{RollupData: &txv1.RollupData{RollupId: id[:], Data: bytes.Repeat([]byte{'d'}, n)}}}
}

func bundle(n int, names ...string) *txv1.Action {
	b := &txv1.Bundle{}
	for _, name := range names {
		id := tx.RollupIDFromName(name)
		b.Legs = append(b.Legs, &txv1.RollupData{RollupId: id[:], Data: bytes.Repeat([]byte{'l'}, n)})
	}
	return &txv1.Action{Kind: &txv1.Action_Bundle{Bundle: b}}
}

func register(name string, maxBytes uint64) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_RegisterRollup{RegisterRollup: &txv1.RegisterRollup{Name: name, MaxBytesPerBlock: maxBytes}}}
}

func transfer(to tx.Address, amount uint64) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_Transfer{Transfer: &txv1.Transfer{To: to[:], Amount: amount}}}
}

// signChain signs a body for an arbitrary chain id.
func (s signer) signChain(tb testing.TB, chainID string, nonce, fee uint64, actions ...*txv1.Action) []byte {
	tb.Helper()
	raw, err := tx.Sign(s.key, &txv1.TxBody{ChainId: chainID, Nonce: nonce, Fee: fee, Actions: actions})
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

func (s signer) sign(tb testing.TB, nonce, fee uint64, actions ...*txv1.Action) []byte {
	tb.Helper()
	return s.signChain(tb, testChain, nonce, fee, actions...)
}

// badSignature returns raw with one bit of its signature flipped.
func badSignature(tb testing.TB, raw []byte) []byte {
	tb.Helper()
	var env txv1.Tx
	if err := env.Unmarshal(raw); err != nil {
		tb.Fatal(err)
	}
	env.Signature = bytes.Clone(env.Signature)
	env.Signature[0] ^= 0x80
	out, err := env.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func txFee(tb testing.TB, raw []byte) uint64 {
	tb.Helper()
	t, err := tx.Decode(raw, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return t.Fee
}
