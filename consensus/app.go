// Package consensus is Ordo's ABCI application: the handlers CometBFT calls.
//
// Handlers gather inputs and delegate: admission to package mempool, block
// building and checking to the pure functions of package ordering, state
// transition to package ledger, persistence to package state. CometBFT calls
// the consensus handlers one at a time (the node's local client serializes
// them); admission (CheckTx from CometBFT's mempool connection, AdmitBatch
// from Ordo's gossip) runs concurrently with them and is ordered against
// Commit by a read-write lock.
//
// Determinism: ProcessProposal, FinalizeBlock and Commit must produce the
// same results on every validator. They read only the block, the committed
// state and genesis parameters: never the clock, the mempool or map order.
package consensus

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/libs/log"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/state"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// AppVersion is the application protocol version reported to CometBFT.
const AppVersion = 1

// Version is the software version, set at build time by the binary.
var Version = "dev"

// App is the Ordo ABCI application.
type App struct {
	abci.BaseApplication

	store  *state.Store
	pool   *mempool.Pool
	logger log.Logger

	params   ledger.Params
	vals     validatorSet
	verified *verifiedCache
	status   *StatusLog
	metrics  *metrics
	// now is the local clock, read only by ExtendVote (never by anything
	// that must be deterministic).
	now func() time.Time

	// pending is the result of the last FinalizeBlock, persisted by Commit.
	pending *finalized
	// l1 is this validator's L1 inbox follower (nil: no L1 endpoint).
	l1 L1Source
	// kinds checks atomic rollup registrations (nil: refused); sim runs
	// this validator's verifier-mode executors (nil: outcomes unknown).
	kinds ledger.ExecutorKinds
	sim   BundleSimulator
	// anyAtomic is set once the committed state has an atomic rollup;
	// until then ExtendVote skips scanning blocks for atomic bundles. Set
	// by NewApp, InitChain and Commit (consensus goroutine), read by
	// ExtendVote.
	anyAtomic atomic.Bool
	// onAdmit, when set, is told of every tx CheckTx admits (see SetOnAdmit).
	onAdmit func(raw []byte)
	// admitMu orders admission against Commit: admission (AdmitBatch,
	// CheckTx) reads committed state and adds to the pool under the read
	// lock; Commit writes the state and updates the pool under the write
	// lock, so a tx checked against the state before a block can never be
	// added to the pool after that block committed it.
	admitMu sync.RWMutex
}

// NewApp builds the application over an open store and pool. Parameters are
// loaded from the store when the chain is already initialized.
func NewApp(store *state.Store, pool *mempool.Pool, logger log.Logger) (*App, error) {
	a := &App{
		store:    store,
		pool:     pool,
		logger:   logger,
		verified: newVerifiedCache(1 << 18),
		status:   NewStatusLog(1 << 16),
		metrics:  sharedMetrics(),
		now:      wallClock,
	}
	height, _, err := store.LastCommitted()
	if err != nil {
		return nil, err
	}
	if p, err := store.Params(); err == nil {
		a.params = p
		a.params.Executors = a.kinds
	} else if height > 0 {
		return nil, fmt.Errorf("state at height %d has no params: %w", height, err)
	}
	vals, err := store.Validators()
	if err != nil {
		return nil, err
	}
	a.vals = newValidatorSet(vals)
	pool.SetHeight(height)
	snap := store.Snapshot()
	rollups, err := snap.Rollups()
	snap.Discard()
	if err != nil {
		return nil, err
	}
	a.noteRollups(rollups)
	return a, nil
}

// Params returns the chain parameters (zero before InitChain).
func (a *App) Params() ledger.Params { return a.params }

// Status returns the log of rejected and evicted txs.
func (a *App) Status() *StatusLog { return a.status }

// Info implements abci.Application.
func (a *App) Info(context.Context, *abci.InfoRequest) (*abci.InfoResponse, error) {
	height, hash, err := a.store.LastCommitted()
	if err != nil {
		return nil, err
	}
	return &abci.InfoResponse{
		Data:             "ordo",
		Version:          Version,
		AppVersion:       AppVersion,
		LastBlockHeight:  height,
		LastBlockAppHash: hash,
	}, nil
}

// InitChain implements abci.Application: it validates the genesis app_state
// and writes the genesis ledger.
func (a *App) InitChain(_ context.Context, req *abci.InitChainRequest) (*abci.InitChainResponse, error) {
	cs, err := ParseGenesis(req.ChainId, req.AppStateBytes)
	if err != nil {
		return nil, err
	}
	cs.Params.InitialHeight = req.InitialHeight
	if cp := req.ConsensusParams; cp != nil && cp.Feature != nil && cp.Feature.VoteExtensionsEnableHeight != nil {
		cs.Params.VoteExtensionsHeight = cp.Feature.VoteExtensionsEnableHeight.Value
	}
	if cs.Params.Fair.Enabled && cs.Params.VoteExtensionsHeight <= 0 {
		return nil, fmt.Errorf("genesis: fair ordering needs vote extensions (consensus_params.feature.vote_extensions_enable_height > 0)")
	}
	vals, err := genesisValidators(req.Validators)
	if err != nil {
		return nil, err
	}
	if cs.Params.VoteExtensionsHeight > 0 {
		// E must fit in a block with room to spare for user txs, whatever
		// the validators report (reports are canonical, so bounded).
		if e := MaxExtCommitBytes(len(vals), cs.Params.Fair.MaxReportEntries, inclusionBudget(cs.Params)); e > cs.Params.MaxBlockTxBytes/2 {
			return nil, fmt.Errorf("genesis: with %d validators, max_report_entries %d and max_list_bytes %d the vote extensions can take %d bytes, more than half of max_block_tx_bytes %d; lower max_report_entries",
				len(vals), cs.Params.Fair.MaxReportEntries, inclusionBudget(cs.Params), e, cs.Params.MaxBlockTxBytes)
		}
		// Listed txs are included again in the block: all lists together
		// must fit in the quarter of the block reserved for them.
		if l := int64(len(vals)) * inclusionBudget(cs.Params); l > cs.Params.MaxBlockTxBytes/4 {
			return nil, fmt.Errorf("genesis: %d validators × max_list_bytes %d = %d bytes, more than a quarter of max_block_tx_bytes %d; lower max_list_bytes",
				len(vals), inclusionBudget(cs.Params), l, cs.Params.MaxBlockTxBytes)
		}
	}
	if (cs.Params.Inclusion.Enabled || cs.Params.Inbox.Enabled) && cs.Params.VoteExtensionsHeight == 0 {
		return nil, fmt.Errorf("genesis: inclusion lists and the L1 inbox need vote extensions (consensus params feature.vote_extensions_enable_height)")
	}
	if cp := req.ConsensusParams; cp != nil && cp.Block != nil && cp.Block.MaxBytes > 0 {
		// Budget with the largest evidence a block may carry: the proposer's
		// budget (CometBFT's MaxTxBytes) must never fall below
		// max_block_tx_bytes, which ProcessProposal and the inclusion-list
		// rule use, or honest proposals could be rejected.
		var evidence int64
		if cp.Evidence != nil {
			evidence = max(cp.Evidence.MaxBytes, 0)
		}
		if evidence > cp.Block.MaxBytes {
			return nil, fmt.Errorf("genesis: evidence.max_bytes %d exceeds block.max_bytes %d", evidence, cp.Block.MaxBytes)
		}
		// cmttypes.MaxDataBytes panics when the result is negative.
		if limit := cmttypes.MaxDataBytesNoEvidence(cp.Block.MaxBytes, len(vals)) - evidence; cs.Params.MaxBlockTxBytes > limit {
			return nil, fmt.Errorf("genesis: max_block_tx_bytes %d exceeds what CometBFT's block.max_bytes %d leaves for txs with evidence.max_bytes %d (%d)", cs.Params.MaxBlockTxBytes, cp.Block.MaxBytes, evidence, limit)
		}
	}
	for i, r := range cs.Rollups {
		cs.Rollups[i].RegisteredHeight = req.InitialHeight
		if !r.Atomic {
			continue
		}
		if a.kinds == nil {
			return nil, fmt.Errorf("genesis: rollup %q is atomic, but this node runs no executors", r.Name)
		}
		if ve := cs.Params.VoteExtensionsHeight; ve <= 0 || ve > req.InitialHeight {
			return nil, fmt.Errorf("genesis: atomic rollup %q needs vote extensions from the initial height (feature.vote_extensions_enable_height %d, initial height %d)", r.Name, ve, req.InitialHeight)
		}
		if err := a.kinds.CheckGenesis(r.Executor, r.ExecutorGenesis); err != nil {
			return nil, fmt.Errorf("genesis: atomic rollup %q: %w", r.Name, err)
		}
	}
	appHash := GenesisCommitment(cs.Accounts, cs.Rollups).AppHash()
	if _, stored, err := a.store.LastCommitted(); err != nil {
		return nil, err
	} else if stored != nil && !bytes.Equal(stored, appHash) {
		// InitChain runs again after a crash before block 1; it must be the
		// same genesis, or old and new records would mix.
		return nil, fmt.Errorf("the state store already holds a different genesis (app hash %X, this genesis %X): remove data/ordo-state or restore the original genesis.json", stored, appHash)
	}
	if err := a.store.Commit(&state.Pending{
		Height: 0, AppHash: appHash, Accounts: cs.Accounts, Rollups: cs.Rollups, Params: &cs.Params,
		Validators: vals,
	}); err != nil {
		return nil, err
	}
	a.params = cs.Params
	a.params.Executors = a.kinds
	a.noteRollups(cs.Rollups)
	a.vals = newValidatorSet(vals)
	a.logger.Info("genesis written", "chain_id", req.ChainId, "accounts", len(cs.Accounts), "rollups", len(cs.Rollups))
	return &abci.InitChainResponse{AppHash: appHash}, nil
}

// Query implements abci.Application. Ordo serves queries over gRPC
// (ordo.sequencer.v1.QueryService); ABCI queries answer "/height".
func (a *App) Query(_ context.Context, req *abci.QueryRequest) (*abci.QueryResponse, error) {
	height, _, err := a.store.LastCommitted()
	if err != nil {
		return nil, err
	}
	if req.Path == "/height" {
		return &abci.QueryResponse{Value: []byte(fmt.Sprint(height)), Height: height}, nil
	}
	return &abci.QueryResponse{
		Code: tx.ErrInvalidAction.Code, Codespace: tx.Codespace, Height: height,
		Log: fmt.Sprintf("unknown query path %q: use the gRPC QueryService (ordo.sequencer.v1)", req.Path),
	}, nil
}

// genesisValidators converts InitChain's validators (ed25519 only).
func genesisValidators(in []abci.ValidatorUpdate) ([]state.Validator, error) {
	out := make([]state.Validator, 0, len(in))
	for i, v := range in {
		if v.PubKeyType != ed25519.KeyType || len(v.PubKeyBytes) != ed25519.PubKeySize {
			return nil, fmt.Errorf("genesis validator %d: want an ed25519 key, got %q of %d bytes", i, v.PubKeyType, len(v.PubKeyBytes))
		}
		if v.Power <= 0 {
			return nil, fmt.Errorf("genesis validator %d: power must be positive", i)
		}
		pk := ed25519.PubKey(v.PubKeyBytes)
		out = append(out, state.Validator{Address: pk.Address(), PubKey: pk, Power: v.Power})
	}
	return out, nil
}

// inclusionBudget is one validator's list budget (0 when lists are off).
func inclusionBudget(p ledger.Params) int64 {
	if !p.Inclusion.Enabled {
		return 0
	}
	return p.Inclusion.MaxListBytes
}

// noteRollups records whether any of rollups (committed) is atomic.
func (a *App) noteRollups(rollups []ledger.Rollup) {
	for _, r := range rollups {
		if r.Atomic {
			a.anyAtomic.Store(true)
			return
		}
	}
}
