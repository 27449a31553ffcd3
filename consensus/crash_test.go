package consensus

import (
	"bytes"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/sequencer/ledger"
)

func crashBlocks(t *testing.T) [][][]byte {
	return [][][]byte{
		{alice.sign(t, 0, fee, rollupData("alpha", 100), transfer(dave.addr, 700)), bob.sign(t, 0, fee, register("gamma", 0))},
		{alice.sign(t, 1, fee, rollupData("gamma", 10)), dave.sign(t, 0, 600, rollupData("beta", 3))},
		{bob.sign(t, 1, fee, bundle(20, "alpha", "gamma"))},
	}
}

// TestCrashBetweenFinalizeAndCommit: a node that crashes after
// FinalizeBlock but before Commit restarts at the previous height, and
// re-executing the block gives the hash a node that never crashed has.
func TestCrashBetweenFinalizeAndCommit(t *testing.T) {
	blocks := crashBlocks(t)

	// The reference never crashes.
	ref := newNode(t)
	var refHashes [][]byte
	for i, b := range blocks {
		refHashes = append(refHashes, ref.decide(t, int64(i+1), b).AppHash)
	}

	dir := t.TempDir()
	n := openNode(t, dir, mempool.DefaultConfig())
	genesisHash := n.initChain(t)
	n.decide(t, 1, blocks[0])
	fin := n.finalize(t, 2, blocks[1])
	if !bytes.Equal(fin.AppHash, refHashes[1]) {
		t.Fatal("FinalizeBlock before the crash computed another hash")
	}
	// Crash: the process dies before Commit. Nothing of block 2 was
	// written, so closing the store loses only what a kill would lose.
	if err := n.store.Close(); err != nil {
		t.Fatal(err)
	}

	n = openNode(t, dir, mempool.DefaultConfig())
	info := n.info(t)
	if info.LastBlockHeight != 1 || !bytes.Equal(info.LastBlockAppHash, refHashes[0]) {
		t.Fatalf("after restart Info says height %d hash %X; want 1 %X", info.LastBlockHeight, info.LastBlockAppHash, refHashes[0])
	}
	if n.app.Params() != ref.app.Params() {
		t.Fatalf("params after restart %+v", n.app.Params())
	}
	if got := n.account(t, alice.addr); got != (ledger.Account{Balance: richBalance - fee - 700, Nonce: 1}) {
		t.Fatalf("alice after restart = %+v (block 2 leaked into the store?)", got)
	}
	// CometBFT replays block 2, then the chain goes on.
	for i := 1; i < len(blocks); i++ {
		if got := n.decide(t, int64(i+1), blocks[i]).AppHash; !bytes.Equal(got, refHashes[i]) {
			t.Fatalf("height %d after restart: app hash %X, reference %X", i+1, got, refHashes[i])
		}
	}
	// The restarted node serves CheckTx with the stored params.
	n.mustCheckTx(t, alice.sign(t, 2, fee, rollupData("beta", 1)))

	// Everything committed survives another restart.
	if err := n.store.Close(); err != nil {
		t.Fatal(err)
	}
	n = openNode(t, dir, mempool.DefaultConfig())
	if info := n.info(t); info.LastBlockHeight != 3 || !bytes.Equal(info.LastBlockAppHash, refHashes[2]) {
		t.Fatalf("after second restart: height %d", info.LastBlockHeight)
	}
	if bytes.Equal(genesisHash, refHashes[0]) {
		t.Fatal("block 1 did not change the app hash")
	}
}

// TestCrashBeforeFirstBlock: CometBFT calls InitChain again when the app
// reports height 0; a node that crashed after InitChain must accept it and
// end up with the same genesis.
func TestCrashBeforeFirstBlock(t *testing.T) {
	dir := t.TempDir()
	n := openNode(t, dir, mempool.DefaultConfig())
	h1 := n.initChain(t)
	fin := n.finalize(t, 1, crashBlocks(t)[0])
	if err := n.store.Close(); err != nil {
		t.Fatal(err)
	}
	n = openNode(t, dir, mempool.DefaultConfig())
	if info := n.info(t); info.LastBlockHeight != 0 || !bytes.Equal(info.LastBlockAppHash, h1) {
		t.Fatalf("after restart: height %d hash %X", info.LastBlockHeight, info.LastBlockAppHash)
	}
	if h2 := n.initChain(t); !bytes.Equal(h1, h2) {
		t.Fatal("InitChain replay changed the genesis hash")
	}
	if got := n.decide(t, 1, crashBlocks(t)[0]).AppHash; !bytes.Equal(got, fin.AppHash) {
		t.Fatal("block 1 after the restart differs")
	}
	// Once a block is committed, genesis can no longer be rewritten.
	if _, err := n.app.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, InitialHeight: 1, AppStateBytes: genesisBytes(t, testGenesis())}); err == nil {
		t.Fatal("InitChain after block 1 succeeded")
	}
}
