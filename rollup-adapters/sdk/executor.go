// Package sdk is Ordo's Go SDK for rollups: a client that fetches a
// rollup's ordered data from an Ordo node and verifies it (headers through
// CometBFT's light client, completeness and order through Ordo's per-rollup
// commitments), the Executor interface a rollup implements, and a Driver
// that feeds the executor every Ordo height exactly once, across restarts.
package sdk

import (
	"context"
	"fmt"
	"time"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// Block is one Ordo height's data for one rollup, verified by the Client.
// Every height is delivered, including heights with no items for the rollup.
type Block struct {
	Rollup tx.RollupID
	// Height is the Ordo height the items were ordered at.
	Height int64
	// Time is the Ordo block time (from the verified header).
	Time time.Time
	// Items are the rollup's items at Height, in Ordo's global order.
	Items []Item
}

// Item is one ordered item for a rollup.
type Item struct {
	// TxHash is the hash of the Ordo transaction that carried the item.
	TxHash tx.Hash
	// TxIndex is the transaction's position in the Ordo block.
	TxIndex uint32
	// ActionIndex is the action's position inside the transaction.
	ActionIndex uint32
	// Sender is the Ordo account that signed the transaction.
	Sender tx.Address
	// Bundle is set when the item is one leg of a cross-rollup bundle.
	Bundle *BundleLeg
	// Data is the rollup's opaque payload.
	Data []byte
}

// BundleLeg tags an item that is one leg of a bundle: the bundle is the
// transaction TxHash, and the leg is Index of Count.
type BundleLeg struct {
	Index uint32
	Count uint32
	// Verdict is Ordo's decision on the bundle for an atomic rollup
	// (docs/spec/bundles.md): an executor applies the leg only on
	// VerdictCommit and skips it on VerdictAbort. For a rollup that is not
	// atomic it is VerdictNone and the leg applies by the rollup's own rules.
	Verdict Verdict
}

// Verdict is the outcome Ordo decided for a bundle on atomic rollups.
type Verdict uint8

// Verdicts.
const (
	// VerdictNone: the rollup is not atomic; no verdict applies.
	VerdictNone Verdict = iota
	// VerdictCommit: more than 2/3 of the voting power reported that every
	// atomic leg succeeds; apply the leg.
	VerdictCommit
	// VerdictAbort: the bundle is aborted; the leg must have no effect.
	VerdictAbort
)

func (v Verdict) String() string {
	switch v {
	case VerdictNone:
		return "none"
	case VerdictCommit:
		return "commit"
	case VerdictAbort:
		return "abort"
	default:
		return fmt.Sprintf("verdict(%d)", uint8(v))
	}
}

// Executor is what a rollup implements to run behind the Driver.
//
// Exactly-once execution rests on one contract: ExecuteBlock must make its
// state changes and the new applied height durable atomically (one database
// transaction). The Driver resumes from AppliedHeight()+1 after a crash, so a
// block is never applied twice and never skipped, even if the process is
// killed between ExecuteBlock and anything the Driver persists.
type Executor interface {
	// AppliedHeight returns the last Ordo height applied durably, or 0 when
	// none has been.
	AppliedHeight() (int64, error)
	// ExecuteBlock applies b, whose height is AppliedHeight()+1 (or the
	// rollup's first height), and returns the rollup's state root after it.
	// Items that fail (e.g. insufficient balance) are the rollup's business:
	// they must fail deterministically and not abort the block. An error
	// means the block was not applied and will be offered again.
	ExecuteBlock(ctx context.Context, b Block) (stateRoot []byte, err error)
	// UpdateHeads reports the Ordo heights the rollup's data is soft
	// (ordered and finalized by Ordo) and firm (also confirmed on the DA
	// layer) up to. It is informational and may be called at any time.
	UpdateHeads(soft, firm int64)
}
