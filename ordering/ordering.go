// Package ordering holds Ordo's block-building rules as pure functions.
//
// Order builds a block from a mempool snapshot; Check re-derives the rules
// over a proposed block and returns an error for any violation. The
// PrepareProposal and ProcessProposal handlers in package consensus only
// gather an Input and call these functions. Both are deterministic: they
// read no clock, no network and no disk except through Input.State, whose
// reads must be the committed state at Input.Height-1, identical on every
// validator. They never panic on any input.
//
// Rules enforced today (see docs/spec/ordering.md):
//   - every tx is valid against the state left by the txs before it
//     (signature checked by the caller; nonce, fee, balance, rollups here);
//   - an account's txs appear in strictly consecutive nonce order;
//   - the block's txs fit in Input.MaxBlockBytes;
//   - each rollup's data bytes fit in its per-block cap;
//   - with fair ordering on: every tx is eligible (reported by validators
//     holding more than 1/3 of the power, or listed) and the txs are in
//     fair order (median first-seen time, see docs/spec/fair-ordering.md);
//   - with inclusion lists: every required listed tx (Required) is in the
//     block (docs/spec/inclusion-lists.md).
package ordering

import (
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Input is everything the ordering rules read for one block.
type Input struct {
	Params ledger.Params
	// Height is the height of the block being built or checked.
	Height int64
	// Proposer receives the block's fees.
	Proposer tx.Address
	// MaxBlockBytes bounds the txs' total encoded size (as CometBFT counts
	// it in PrepareProposal); 0 means no bound.
	MaxBlockBytes int64
	// State is the committed state the block executes on.
	State ledger.Reader
	// Fair, when set, switches the fair-ordering rule on: only eligible
	// txs may be included, in fair order (see fair.go). Nil means the rule
	// is off (genesis fair.enabled = false, or a height with no E).
	Fair *FairInput
	// Listed is the inclusion-list rule's input: the distinct
	// txs the validators listed in E (signatures verified by the caller).
	// The required ones (Required, see listed.go) must be in the block.
	// Listed txs count as eligible under fair ordering, placed by their
	// median. Empty: the rule is off.
	Listed []*tx.Tx
}

// Candidate is one mempool tx offered to Order. Seq is its local arrival
// sequence number (lower arrived earlier); Order uses it to break ties
// between accounts.
type Candidate struct {
	Tx  *tx.Tx
	Seq uint64
	// listed marks a tx from Input.Listed (added by Order): it wins its
	// nonce against any pool candidate.
	listed bool
}

// Skipped is a candidate Order left out, with the reason.
type Skipped struct {
	Hash tx.Hash
	Err  error
}

// Block is Order's result.
type Block struct {
	Txs []*tx.Tx
	// Invalid lists candidates that cannot execute against the state (the
	// mempool may evict them). Candidates left out only for lack of room
	// are not listed.
	Invalid []Skipped
}

// TxEncodedSize is the bytes a tx takes in CometBFT's block data: the
// protobuf field tag, the length varint and the tx itself.
func TxEncodedSize(n int) int64 {
	l := 1
	for v := uint64(n); v >= 0x80; v >>= 7 {
		l++
	}
	return int64(1 + l + n)
}
