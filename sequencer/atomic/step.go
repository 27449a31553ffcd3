package atomic

import (
	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Step is one unit of a block's execution on the atomic rollups, in the
// block's global order: either one ordinary item (a RollupData action for
// an atomic rollup), or every atomic leg of one bundle, tried together.
type Step struct {
	// Bundle marks the legs of one atomic bundle; otherwise Items holds
	// exactly one ordinary item.
	Bundle bool
	Items  []RollupItem
}

// RollupItem is an item for one atomic rollup.
type RollupItem struct {
	Rollup tx.RollupID
	Item   sdk.Item
}
