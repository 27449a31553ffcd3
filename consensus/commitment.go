package consensus

import (
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/ledger"
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
