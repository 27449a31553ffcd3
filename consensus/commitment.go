package consensus

import (
	"crypto/sha256"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/forced"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/state"
)

// GenesisCommitment is what the genesis app hash commits to: height 0, no
// previous app hash, the genesis state as its changes, and no rollup data.
func GenesisCommitment(accounts []ledger.AccountChange, rollups []ledger.Rollup) commitment.Block {
	return commitment.Block{
		StateDigest: ledger.StateDigest(accounts, rollups),
		RollupsRoot: commitment.EmptyRoot(),
	}
}

// setCommitment records a block's app hash and its preimage in the block
// record, so the delivery API can serve the preimage with proofs.
func setCommitment(block *sequencerv1.BlockResponse, c commitment.Block, appHash []byte) {
	block.AppHash = appHash
	block.PrevAppHash = c.PrevAppHash
	block.StateDigest = append([]byte(nil), c.StateDigest[:]...)
	block.RollupEntries = c.RollupEntries
	block.RollupsRoot = append([]byte(nil), c.RollupsRoot[:]...)
}

// stateDigest is the block's state digest: ledger.StateDigest of the
// account and rollup changes, chained with the inbox digest when the block
// changed the L1 inbox:
//
//	sha256("ordo.state+inbox.v1" || ledger_digest || forced.Digest)
func stateDigest(accounts []ledger.AccountChange, rollups []ledger.Rollup, inbox *state.InboxChanges) [32]byte {
	d := ledger.StateDigest(accounts, rollups)
	if inbox == nil {
		return d
	}
	id := forced.Digest(inbox.State, inbox.Appended)
	h := sha256.New()
	h.Write([]byte("ordo.state+inbox.v1"))
	h.Write(d[:])
	h.Write(id)
	var out [32]byte
	h.Sum(out[:0])
	return out
}
