package consensus

import (
	"bytes"
	"encoding/hex"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/libs/log"

	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/ordering"
	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/rollup-adapters/kv"
	"github.com/ordolabs/ordo/sequencer/atomic"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// atomicCluster is four validators whose Apps run real kv executors in
// verifier mode (sequencer/atomic.Runner over their own stores).
func atomicCluster(t *testing.T) *cluster {
	t.Helper()
	g := testGenesis()
	FitReportEntries(&g.Params, 4)
	for _, u := range fairUsers {
		g.Accounts = append(g.Accounts, GenesisAccount{Address: u.addr.String(), Balance: "1000000"})
	}
	c := newCluster(t, g, 10, 10, 10, 10)
	for _, n := range c.nodes {
		r := atomic.NewRunner(t.TempDir(), n.store, log.NewNopLogger())
		r.Start() // executors also advance in the background after each commit
		t.Cleanup(func() { r.Close() })
		n.app.SetExecutors(atomic.Kinds{}, r)
	}
	return c
}

func registerAtomic(t *testing.T, name string, g kv.Genesis) *txv1.Action {
	t.Helper()
	return &txv1.Action{Kind: &txv1.Action_RegisterRollup{RegisterRollup: &txv1.RegisterRollup{
		Name: name, Atomic: true, Executor: "kv", ExecutorGenesis: kv.EncodeGenesis(g)}}}
}

func kvTransfer(t *testing.T, to tx.Address, amount uint64) []byte {
	t.Helper()
	b, err := kv.EncodeOp(kv.Transfer{To: to, Amount: amount})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func kvBundle(legs map[string][]byte, order ...string) *txv1.Action {
	var rd []*txv1.RollupData
	for _, name := range order {
		id := tx.RollupIDFromName(name)
		rd = append(rd, &txv1.RollupData{RollupId: id[:], Data: legs[name]})
	}
	return &txv1.Action{Kind: &txv1.Action_Bundle{Bundle: &txv1.Bundle{Legs: rd}}}
}

// outcomesOf decodes the bundle outcomes of a vote extension.
func outcomesOf(t *testing.T, ext []byte) []byte {
	t.Helper()
	var ve consensusv1.VoteExtension
	if err := ve.Unmarshal(ext); err != nil {
		t.Fatal(err)
	}
	return ve.BundleOutcomes
}

// withOutcomes re-encodes ext with other bundle outcomes.
func withOutcomes(t *testing.T, ext []byte, outcomes []byte) []byte {
	t.Helper()
	var ve consensusv1.VoteExtension
	if err := ve.Unmarshal(ext); err != nil {
		t.Fatal(err)
	}
	ve.BundleOutcomes = outcomes
	b, err := ve.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func verdictsTx(t *testing.T, v *consensusv1.BundleVerdicts) []byte {
	t.Helper()
	b, err := commitment.EncodeVerdictsTx(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAtomicBundleVerdicts drives four validators through an atomic
// cross-rollup swap whose leg on rollup B fails and one whose legs both
// succeed: every validator's executors report [fail, success] in
// ExtendVote, the next proposer's verdicts are [ABORT, COMMIT], and every
// byzantine variant — a flipped verdict, a missing or extra verdicts tx,
// COMMIT without more than 2/3 of the power reporting success — is
// rejected by every validator. The executors then follow the verdicts: a
// later bundle that can only succeed if the first one was aborted
// succeeds.
func TestAtomicBundleVerdicts(t *testing.T) {
	c := atomicCluster(t)
	user, x := fairUsers[0], fairUsers[1]
	g := kv.Genesis{Balances: map[tx.Address]uint64{user.addr: 100}}
	gB := kv.Genesis{Balances: map[tx.Address]uint64{user.addr: 30}}
	reg := alice.sign(t, 0, fee, registerAtomic(t, "atom-a", g), registerAtomic(t, "atom-b", gB))
	for _, n := range c.nodes {
		n.mustCheckTx(t, reg)
	}
	block1 := c.prepare(t, 1, 0, abci.ExtendedCommitInfo{}, 1<<20)
	if len(block1) != 1 {
		t.Fatalf("block 1 has %d txs", len(block1))
	}
	exts1 := c.extendAll(t, 1, block1)
	c.decideAll(t, 1, block1)

	// b1: A pays 10, B pays 50 of 30 → fails on B. b2: A 20, B 30 → succeeds.
	b1 := user.sign(t, 0, fee+200, kvBundle(map[string][]byte{"atom-a": kvTransfer(t, x.addr, 10), "atom-b": kvTransfer(t, x.addr, 50)}, "atom-a", "atom-b"))
	b2 := user.sign(t, 1, fee+200, kvBundle(map[string][]byte{"atom-a": kvTransfer(t, x.addr, 20), "atom-b": kvTransfer(t, x.addr, 30)}, "atom-b", "atom-a"))
	for _, n := range c.nodes {
		n.mustCheckTx(t, b1, b2)
	}
	local1, last1 := buildCommit(t, c.vals, 1, 0, allCommit(4), exts1)
	block2 := c.prepare(t, 2, 0, local1, 1<<20)
	if user := userTxs(block2); len(user) != 2 || !bytes.Equal(user[0], b1) || !bytes.Equal(user[1], b2) {
		t.Fatalf("block 2 user txs: %d", len(user))
	}
	for i := range c.nodes {
		if st := c.process(t, i, 2, block2, last1); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("node %d rejects block 2", i)
		}
	}
	exts2 := c.extendAll(t, 2, block2)
	for i, e := range exts2 {
		if got := outcomesOf(t, e); !bytes.Equal(got, ordering.PackOutcomes([]byte{byte(ordering.OutcomeFail), byte(ordering.OutcomeSuccess)})) {
			t.Fatalf("node %d reports outcomes %v, want [fail success]", i, got)
		}
	}
	c.decideAll(t, 2, block2)
	idx1, idx2 := uint32(indexOf(block2, b1)), uint32(indexOf(block2, b2))

	local2, last2 := buildCommit(t, c.vals, 2, 0, allCommit(4), exts2)
	block3 := c.prepare(t, 3, 0, local2, 1<<20)
	want := &consensusv1.BundleVerdicts{Height: 2, TxIndexes: []uint32{idx1, idx2}, Commits: []bool{false, true}}
	if len(block3) < 2 || !bytes.Equal(block3[1], verdictsTx(t, want)) {
		t.Fatalf("block 3 does not carry the verdicts [ABORT COMMIT] after E")
	}
	rejectedByAll := func(name string, txs [][]byte, last abci.CommitInfo) {
		t.Helper()
		for i := range c.nodes {
			if st := c.process(t, i, 3, txs, last); st != abci.PROCESS_PROPOSAL_STATUS_REJECT {
				t.Errorf("%s: node %d accepts", name, i)
			}
		}
	}
	replace := func(v *consensusv1.BundleVerdicts) [][]byte {
		out := append([][]byte{}, block3...)
		out[1] = verdictsTx(t, v)
		return out
	}
	rejectedByAll("flipped ABORT", replace(&consensusv1.BundleVerdicts{Height: 2, TxIndexes: want.TxIndexes, Commits: []bool{true, true}}), last2)
	rejectedByAll("flipped COMMIT", replace(&consensusv1.BundleVerdicts{Height: 2, TxIndexes: want.TxIndexes, Commits: []bool{false, false}}), last2)
	rejectedByAll("wrong height", replace(&consensusv1.BundleVerdicts{Height: 1, TxIndexes: want.TxIndexes, Commits: want.Commits}), last2)
	rejectedByAll("one bundle left out", replace(&consensusv1.BundleVerdicts{Height: 2, TxIndexes: want.TxIndexes[1:], Commits: want.Commits[1:]}), last2)
	rejectedByAll("verdicts missing", append([][]byte{block3[0]}, block3[2:]...), last2)

	// Only two of four validators (20 of 40) report success for b2: the
	// honest verdict is ABORT, and a proposer's COMMIT is rejected.
	weak := append([][]byte{}, exts2...)
	weak[2] = withOutcomes(t, exts2[2], nil)
	weak[3] = withOutcomes(t, exts2[3], ordering.PackOutcomes([]byte{byte(ordering.OutcomeUnknown), byte(ordering.OutcomeUnknown)}))
	localW, lastW := buildCommit(t, c.vals, 2, 0, allCommit(4), weak)
	blockW := c.prepare(t, 3, 1, localW, 1<<20)
	wantW := &consensusv1.BundleVerdicts{Height: 2, TxIndexes: want.TxIndexes, Commits: []bool{false, false}}
	if !bytes.Equal(blockW[1], verdictsTx(t, wantW)) {
		t.Fatal("with 2/4 success reports the proposer does not abort b2")
	}
	for i := range c.nodes {
		if st := c.process(t, i, 3, blockW, lastW); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("node %d rejects the honest ABORT", i)
		}
	}
	commitW := append([][]byte{}, blockW...)
	commitW[1] = verdictsTx(t, want)
	rejectedByAll("COMMIT without > 2/3 success", commitW, lastW)

	// A proposer padding E with an oversize outcome vector (its own vote,
	// which no other validator's VerifyVoteExtension accepts) is rejected.
	padded := append([][]byte{}, exts2...)
	padded[0] = withOutcomes(t, exts2[0], bytes.Repeat([]byte{0}, MaxReportedBundles))
	if st, _ := c.nodes[1].app.VerifyVoteExtension(ctx, &abci.VerifyVoteExtensionRequest{Hash: blockHash(2), ValidatorAddress: c.vals[0].addr, Height: 2, VoteExtension: padded[0]}); st.Status != abci.VERIFY_VOTE_EXTENSION_STATUS_REJECT {
		t.Fatal("VerifyVoteExtension accepts an oversize outcome vector")
	}
	localP, lastP := buildCommit(t, c.vals, 2, 0, allCommit(4), padded)
	blockP := append([][]byte{}, block3...)
	blockP[0] = mustEncodeExtCommit(t, localP)
	rejectedByAll("E padded with outcomes", blockP, lastP)

	// Decide the honest block 3 and check the bundle status records.
	for i := range c.nodes {
		if st := c.process(t, i, 3, block3, last2); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("node %d rejects the honest block 3", i)
		}
	}
	exts3 := c.extendAll(t, 3, block3)
	if got := outcomesOf(t, exts3[0]); len(got) != 0 {
		t.Fatalf("block 3 has no bundles, outcomes %v", got)
	}
	c.decideAll(t, 3, block3)
	for h, v := range map[tx.Hash]sequencerv1.BundleVerdictState{
		tx.HashOf(b1): sequencerv1.BundleVerdictState_BUNDLE_VERDICT_ABORT,
		tx.HashOf(b2): sequencerv1.BundleVerdictState_BUNDLE_VERDICT_COMMIT,
	} {
		st, err := c.nodes[0].store.BundleStatus(h)
		if err != nil || st.Verdict != v || st.Height != 2 || st.VerdictHeight != 3 || len(st.Legs) != 2 || !st.Legs[0].Atomic {
			t.Fatalf("bundle %s status %+v, %v; want %v at 2 decided at 3", h, st, err, v)
		}
	}

	// b3 pays 80 on A and 0 on B: it succeeds only if b1 (10) was aborted
	// and b2 (20) committed on the executors (100-20 = 80).
	b3 := user.sign(t, 2, fee+200, kvBundle(map[string][]byte{"atom-a": kvTransfer(t, x.addr, 80), "atom-b": kvTransfer(t, x.addr, 0)}, "atom-a", "atom-b"))
	for _, n := range c.nodes {
		n.mustCheckTx(t, b3)
	}
	local3, last3 := buildCommit(t, c.vals, 3, 0, allCommit(4), exts3)
	block4 := c.prepare(t, 4, 0, local3, 1<<20)
	for i := range c.nodes {
		if st := c.process(t, i, 4, block4, last3); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("node %d rejects block 4", i)
		}
	}
	exts4 := c.extendAll(t, 4, block4)
	for i, e := range exts4 {
		if got := outcomesOf(t, e); !bytes.Equal(got, ordering.PackOutcomes([]byte{byte(ordering.OutcomeSuccess)})) {
			t.Fatalf("node %d reports %v for b3, want [success] (b1 aborted, b2 committed)", i, got)
		}
	}
}

// TestAtomicRegistrationChecked: an atomic registration with an unknown
// executor kind or a genesis that does not decode is refused at CheckTx,
// and fails in a block; without executors configured it is refused too.
func TestAtomicRegistrationChecked(t *testing.T) {
	c := atomicCluster(t)
	n := c.nodes[0]
	bad := []*txv1.Action{
		{Kind: &txv1.Action_RegisterRollup{RegisterRollup: &txv1.RegisterRollup{Name: "evm-one", Atomic: true, Executor: "evm"}}},
		{Kind: &txv1.Action_RegisterRollup{RegisterRollup: &txv1.RegisterRollup{Name: "kv-one", Atomic: true, Executor: "kv", ExecutorGenesis: []byte{9}}}},
	}
	for i, a := range bad {
		if res := n.checkTx(t, alice.sign(t, 0, fee, a)); res.Code != tx.ErrInvalidAction.Code {
			t.Errorf("bad registration %d: code %d (%s), want %d", i, res.Code, res.Log, tx.ErrInvalidAction.Code)
		}
	}
	plain := newNode(t) // no executors
	good := alice.sign(t, 0, fee, registerAtomic(t, "atom-a", kv.Genesis{}))
	if res := plain.checkTx(t, good); res.Code != tx.ErrInvalidAction.Code {
		t.Errorf("atomic registration without executors: code %d, want %d", res.Code, tx.ErrInvalidAction.Code)
	}
	if res := plain.decide(t, 1, [][]byte{good}); res.TxResults[0].Code != tx.ErrInvalidAction.Code {
		t.Errorf("atomic registration without executors executed: code %d", res.TxResults[0].Code)
	}
	if res := n.checkTx(t, good); res.Code != 0 {
		t.Errorf("good atomic registration refused: %s", res.Log)
	}
}

func indexOf(block [][]byte, raw []byte) int {
	for i, b := range block {
		if bytes.Equal(b, raw) {
			return i
		}
	}
	return -1
}

// TestGenesisAtomicRollup: a genesis rollup can be atomic; InitChain checks
// its executor genesis against the kinds this node runs, and refuses it
// when the node runs none.
func TestGenesisAtomicRollup(t *testing.T) {
	g := testGenesis()
	g.Rollups = append(g.Rollups, GenesisRollup{Name: "atom-g", Owner: alice.addr.String(), Atomic: true, Executor: "kv",
		ExecutorGenesis: hex.EncodeToString(kv.EncodeGenesis(kv.Genesis{Balances: map[tx.Address]uint64{bob.addr: 5}}))})
	ve := int64(1)
	initWith := func(kinds bool, g Genesis) error {
		n := openNode(t, "", mempool.DefaultConfig())
		if kinds {
			n.app.SetExecutors(atomic.Kinds{}, nil)
		}
		_, err := n.app.InitChain(ctx, &abci.InitChainRequest{Time: genesisTime, ChainId: testChain, InitialHeight: 1, AppStateBytes: genesisBytes(t, g), ConsensusParams: veParams(ve)})
		if err == nil {
			snap := n.store.Snapshot()
			defer snap.Discard()
			r, ok, rerr := snap.Rollup(tx.RollupIDFromName("atom-g"))
			if rerr != nil || !ok || !r.Atomic || r.Executor != "kv" || r.RegisteredHeight != 1 {
				t.Fatalf("genesis atomic rollup stored as %+v (%v, %v)", r, ok, rerr)
			}
		}
		return err
	}
	if err := initWith(true, g); err != nil {
		t.Fatalf("atomic genesis rollup refused: %v", err)
	}
	if err := initWith(false, g); err == nil {
		t.Fatal("a node without executors accepted an atomic genesis rollup")
	}
	ve = 2 // vote extensions from height 2: an atomic genesis rollup would miss verdicts
	if err := initWith(true, g); err == nil {
		t.Fatal("an atomic genesis rollup was accepted without vote extensions from the initial height")
	}
	ve = 1
	bad := g
	bad.Rollups = append([]GenesisRollup{}, g.Rollups...)
	bad.Rollups[len(bad.Rollups)-1].ExecutorGenesis = "09"
	if err := initWith(true, bad); err == nil {
		t.Fatal("an undecodable executor genesis was accepted")
	}
	bad.Rollups[len(bad.Rollups)-1] = GenesisRollup{Name: "atom-g", Owner: alice.addr.String(), Executor: "kv"}
	if err := initWith(true, bad); err == nil {
		t.Fatal("an executor without atomic was accepted")
	}
}

func mustEncodeExtCommit(t *testing.T, ext abci.ExtendedCommitInfo) []byte {
	t.Helper()
	b, err := encodeExtCommit(ext)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
