// Package ledger is Ordo's deterministic state transition: accounts (native
// fee-asset balance and nonce) and the rollup registry. It works on an
// Overlay above a read-only Reader, so the same code validates a proposal
// (ordering, ProcessProposal) and executes a decided block (FinalizeBlock).
//
// Everything here must be deterministic and produce the same result on all
// validators: no clock, no map iteration feeding results, no I/O other than
// reads through the Reader.
package ledger

import (
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Account is the committed state of one address.
type Account struct {
	Balance uint64
	// Nonce is the nonce the account's next tx must carry.
	Nonce uint64
}

// Rollup is one registered rollup.
type Rollup struct {
	ID               tx.RollupID
	Name             string
	Owner            tx.Address
	MaxBytesPerBlock uint64
	RegisteredHeight int64
	// Atomic rollups take part in atomic bundle execution: validators run
	// their Executor kind from ExecutorGenesis (docs/spec/bundles.md).
	Atomic          bool
	Executor        string
	ExecutorGenesis []byte
}

// ExecutorKinds says which executor kinds this chain's validators run for
// atomic rollups and checks a registration's genesis for one. It feeds
// consensus: CheckGenesis must be a pure function of its arguments.
type ExecutorKinds interface {
	CheckGenesis(kind string, genesis []byte) error
}

// Params are the chain parameters that the state transition and the
// ordering rules read. They are fixed in genesis.
type Params struct {
	ChainID string
	// InitialHeight is the chain's first block height (genesis
	// initial_height, normally 1).
	InitialHeight int64
	// VoteExtensionsHeight is the first height whose votes carry
	// extensions (CometBFT's feature.vote_extensions_enable_height; 0: never).
	// Blocks after it carry the verified extensions as their first tx.
	VoteExtensionsHeight int64
	// BaseFee is charged per tx; FeePerByte per byte of the raw tx.
	BaseFee    uint64
	FeePerByte uint64
	// MaxTxBytes is the largest raw tx accepted.
	MaxTxBytes int
	// MaxBlockTxBytes bounds the encoded size of a block's txs (on top of
	// CometBFT's own block.max_bytes).
	MaxBlockTxBytes int64
	// DefaultRollupMaxBytes caps a rollup's data bytes per block when the
	// rollup registered with 0.
	DefaultRollupMaxBytes uint64
	// Fair holds the fair-ordering parameters.
	Fair FairParams
	// Inclusion holds the inclusion-list parameters.
	Inclusion InclusionParams
	// Inbox holds the L1 inbox (forced inclusion) parameters.
	Inbox InboxParams
	// Executors checks atomic rollup registrations; nil refuses them. It
	// is set by the application (the kinds compiled into the binary), not
	// by genesis.
	Executors ExecutorKinds `json:"-"`
}

// InboxParams are the L1 inbox parameters (docs/spec/forced-inclusion.md).
type InboxParams struct {
	// Enabled turns the L1 inbox on.
	Enabled bool
	// Address is the inbox address on L1: txs to it carry Ordo txs.
	Address [20]byte
	// ChainID is the L1 chain id followers check (0: unchecked).
	ChainID uint64
	// StartBlock is the first L1 block read.
	StartBlock uint64
	// MaxImportBlocks and MaxImportBytes bound one block's import.
	MaxImportBlocks uint64
	MaxImportBytes  int64
	// MaxForcedBytes is the room each block reserves for forced txs.
	MaxForcedBytes int64
	// DueBlocks (N) bounds how long an imported message waits.
	DueBlocks int64
}

// InclusionParams are the inclusion-list parameters
// (docs/spec/inclusion-lists.md).
type InclusionParams struct {
	// Enabled turns the rule on: validators list old pending txs in their
	// vote extensions and the next block must include them.
	Enabled bool
	// MinAgeBlocks is Δ: a validator lists a pending tx once it has waited
	// this many committed blocks in its pool.
	MinAgeBlocks int64
	// MaxListBytes bounds one validator's list: the sum over listed txs of
	// len(tx) + ListEntryOverhead.
	MaxListBytes int64
}

// ListEntryOverhead is what a listed tx costs beyond its bytes in a list's
// budget (its protobuf tag and length prefix, rounded up).
const ListEntryOverhead = 4

// FairParams are the fair-ordering parameters (docs/spec/fair-ordering.md).
// All durations are in milliseconds.
type FairParams struct {
	// Enabled turns the fair-ordering rule on. Off, blocks carry only the
	// validity rules (used to measure fair ordering's cost).
	Enabled bool
	// ClockSkewMs bounds how far a validator's reported clock may be behind
	// the last block time before it is clamped.
	ClockSkewMs int64
	// MaxLagMs bounds how far a reported clock may be ahead of the last
	// block time before it is clamped.
	MaxLagMs int64
	// MaxAgeMs bounds how far in the past a first-seen time may lie.
	MaxAgeMs int64
	// MaxReportEntries bounds the txs one validator reports per vote.
	MaxReportEntries int
}

// NextHeight is the height that follows lastCommitted (0 before the first
// block).
func (p Params) NextHeight(lastCommitted int64) int64 {
	if lastCommitted == 0 && p.InitialHeight > 1 {
		return p.InitialHeight
	}
	return lastCommitted + 1
}

// MinFee is the smallest fee a tx of the given size must offer.
func (p Params) MinFee(size int) uint64 {
	return p.BaseFee + p.FeePerByte*uint64(size)
}

// RollupCap returns a rollup's effective per-block data byte cap.
func (p Params) RollupCap(r Rollup) uint64 {
	if r.MaxBytesPerBlock == 0 {
		return p.DefaultRollupMaxBytes
	}
	return r.MaxBytesPerBlock
}

// Reader reads committed state. Implementations must return the same
// answers for the same committed height on every validator; a missing
// account reads as the zero Account.
type Reader interface {
	Account(addr tx.Address) (Account, error)
	Rollup(id tx.RollupID) (Rollup, bool, error)
}
