package consensus

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Genesis is the app_state of Ordo's genesis.json.
type Genesis struct {
	Params   GenesisParams    `json:"params"`
	Accounts []GenesisAccount `json:"accounts"`
	Rollups  []GenesisRollup  `json:"rollups"`
}

// GenesisParams are the chain parameters (see ledger.Params). Amounts are
// decimal strings so JSON readers never lose precision.
type GenesisParams struct {
	BaseFee               string           `json:"base_fee"`
	FeePerByte            string           `json:"fee_per_byte"`
	MaxTxBytes            int              `json:"max_tx_bytes"`
	MaxBlockTxBytes       int64            `json:"max_block_tx_bytes"`
	DefaultRollupMaxBytes string           `json:"default_rollup_max_bytes"`
	Fair                  GenesisFair      `json:"fair_ordering"`
	Inclusion             GenesisInclusion `json:"inclusion_lists"`
	Inbox                 GenesisInbox     `json:"l1_inbox"`
}

// GenesisInbox are the L1 inbox parameters (ledger.InboxParams).
type GenesisInbox struct {
	Enabled bool `json:"enabled"`
	// Address is the inbox's L1 address (40 hex characters, 0x optional).
	Address string `json:"address"`
	// ChainID is the L1's chain id: every validator's follower refuses an
	// endpoint of another chain. 0 leaves it unchecked.
	ChainID         uint64 `json:"chain_id"`
	StartBlock      uint64 `json:"start_block"`
	MaxImportBlocks uint64 `json:"max_import_blocks"`
	MaxImportBytes  int64  `json:"max_import_bytes"`
	MaxForcedBytes  int64  `json:"max_forced_bytes"`
	DueBlocks       int64  `json:"due_blocks"`
}

// DefaultInboxAddress is the L1 inbox address localnets use: the bytes of
// "OrdoInbox", zero-padded (an address with no code: txs to it succeed).
const DefaultInboxAddress = "0x4f72646f496e626f780000000000000000000000"

// GenesisInclusion are the inclusion-list parameters
// (ledger.InclusionParams).
type GenesisInclusion struct {
	Enabled      bool  `json:"enabled"`
	MinAgeBlocks int64 `json:"min_age_blocks"`
	MaxListBytes int64 `json:"max_list_bytes"`
}

// GenesisFair are the fair-ordering parameters (ledger.FairParams).
type GenesisFair struct {
	Enabled          bool  `json:"enabled"`
	ClockSkewMs      int64 `json:"clock_skew_ms"`
	MaxLagMs         int64 `json:"max_lag_ms"`
	MaxAgeMs         int64 `json:"max_age_ms"`
	MaxReportEntries int   `json:"max_report_entries"`
}

// GenesisAccount funds an address with the native fee asset.
type GenesisAccount struct {
	Address string `json:"address"`
	Balance string `json:"balance"`
}

// GenesisRollup registers a rollup at genesis.
type GenesisRollup struct {
	Name             string `json:"name"`
	Owner            string `json:"owner"`
	MaxBytesPerBlock string `json:"max_bytes_per_block"`
	// Atomic, Executor and ExecutorGenesis (hex) register the rollup as
	// atomic (docs/spec/bundles.md), as a RegisterRollup tx would.
	Atomic          bool   `json:"atomic,omitempty"`
	Executor        string `json:"executor,omitempty"`
	ExecutorGenesis string `json:"executor_genesis,omitempty"`
}

// Genesis bounds.
const (
	maxFairWindowMs  = 86_400_000
	maxReportEntries = 65_536
	// MaxBlockTxBytesLimit keeps a block's state writes (about 35 entries
	// per KiB in the worst case: many transfers per tx) within one badger
	// transaction (about 200,000 entries with Ordo's 128 MiB memtables).
	MaxBlockTxBytesLimit = 4 << 20
	// maxReportEntryBytes bounds one canonical report entry: an 8-byte key
	// and a minimal uvarint delta of at most 2^62.
	maxReportEntryBytes = 8 + 9
	// extOverheadBytes bounds, per validator, E's framing around one
	// extension: vote info, address, power, flag and a 64-byte signature,
	// plus the report header and the protobuf wrapper.
	extOverheadBytes = 192
)

// MaxExtCommitBytes bounds the injected vote-extension tx (E) for a
// validator set of n with the given max_report_entries and inclusion-list
// budget (0 when lists are off); every extension may also carry the
// outcomes of MaxReportedBundles atomic bundles.
func MaxExtCommitBytes(validators, reportEntries int, listBytes int64) int64 {
	return int64(len(extCommitMagic)) + int64(validators)*(int64(reportEntries)*maxReportEntryBytes+extOverheadBytes+listBytes+maxOutcomeBytes)
}

// FitReportEntries lowers max_list_bytes, if needed, so that every
// validator's listed txs together take at most a quarter of
// max_block_tx_bytes, then max_report_entries so that E takes at most half
// (InitChain requires both).
func FitReportEntries(p *GenesisParams, validators int) {
	if validators <= 0 {
		return
	}
	if p.Inclusion.Enabled {
		if fit := p.MaxBlockTxBytes / 4 / int64(validators); fit < p.Inclusion.MaxListBytes {
			p.Inclusion.MaxListBytes = fit
		}
	}
	budget := p.MaxBlockTxBytes/2 - int64(len(extCommitMagic))
	perVal := budget/int64(validators) - extOverheadBytes - listBudget(p.Inclusion) - maxOutcomeBytes
	if fit := int(perVal / maxReportEntryBytes); fit < p.Fair.MaxReportEntries {
		p.Fair.MaxReportEntries = max(fit, 1)
	}
}

// DefaultGenesisParams are the parameters `ordo init` writes.
func DefaultGenesisParams() GenesisParams {
	return GenesisParams{
		BaseFee:               "100",
		FeePerByte:            "1",
		MaxTxBytes:            1 << 20,
		MaxBlockTxBytes:       2 << 20,
		DefaultRollupMaxBytes: strconv.Itoa(4 << 20),
		Fair: GenesisFair{
			Enabled:          true,
			ClockSkewMs:      1000,
			MaxLagMs:         30_000,
			MaxAgeMs:         600_000,
			MaxReportEntries: 8192,
		},
		Inclusion: GenesisInclusion{Enabled: true, MinAgeBlocks: 2, MaxListBytes: 16 << 10},
		Inbox: GenesisInbox{
			Enabled: false, Address: DefaultInboxAddress, ChainID: 1337, StartBlock: 1,
			MaxImportBlocks: 32, MaxImportBytes: 256 << 10, MaxForcedBytes: 256 << 10, DueBlocks: 8,
		},
	}
}

// ChainState is a validated genesis: what InitChain writes.
type ChainState struct {
	Params   ledger.Params
	Accounts []ledger.AccountChange
	Rollups  []ledger.Rollup
}

// ParseGenesis validates app_state bytes. Every problem is reported with the
// field it concerns.
func ParseGenesis(chainID string, appState []byte) (*ChainState, error) {
	if len(appState) == 0 {
		return nil, errors.New("genesis app_state is empty")
	}
	var g Genesis
	if err := json.Unmarshal(appState, &g); err != nil {
		return nil, fmt.Errorf("genesis app_state: %w", err)
	}
	p, err := g.Params.toLedger(chainID)
	if err != nil {
		return nil, err
	}
	cs := &ChainState{Params: p}
	seen := make(map[tx.Address]bool)
	var supply uint64
	for i, a := range g.Accounts {
		addr, err := tx.ParseAddress(a.Address)
		if err != nil {
			return nil, fmt.Errorf("genesis accounts[%d]: %w", i, err)
		}
		if seen[addr] {
			return nil, fmt.Errorf("genesis accounts[%d]: address %s listed twice", i, addr)
		}
		seen[addr] = true
		bal, err := strconv.ParseUint(a.Balance, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("genesis accounts[%d].balance: %w", i, err)
		}
		// Balances only move between accounts afterwards, so a total supply
		// that fits in uint64 means no balance can ever overflow.
		if supply+bal < supply {
			return nil, fmt.Errorf("genesis accounts[%d]: total supply exceeds %d", i, uint64(math.MaxUint64))
		}
		supply += bal
		cs.Accounts = append(cs.Accounts, ledger.AccountChange{Address: addr, Account: ledger.Account{Balance: bal}})
	}
	names := make(map[string]bool)
	for i, r := range g.Rollups {
		if err := tx.ValidateRollupName(r.Name); err != nil {
			return nil, fmt.Errorf("genesis rollups[%d].name: %w", i, err)
		}
		if names[r.Name] {
			return nil, fmt.Errorf("genesis rollups[%d]: %q listed twice", i, r.Name)
		}
		names[r.Name] = true
		owner, err := tx.ParseAddress(r.Owner)
		if err != nil {
			return nil, fmt.Errorf("genesis rollups[%d].owner: %w", i, err)
		}
		var maxBytes uint64
		if r.MaxBytesPerBlock != "" {
			if maxBytes, err = strconv.ParseUint(r.MaxBytesPerBlock, 10, 64); err != nil {
				return nil, fmt.Errorf("genesis rollups[%d].max_bytes_per_block: %w", i, err)
			}
		}
		execGenesis, err := hex.DecodeString(r.ExecutorGenesis)
		if err != nil {
			return nil, fmt.Errorf("genesis rollups[%d].executor_genesis: %w", i, err)
		}
		if err := tx.ValidateExecutor(r.Atomic, r.Executor, execGenesis); err != nil {
			return nil, fmt.Errorf("genesis rollups[%d]: %w", i, err)
		}
		rollup := ledger.Rollup{ID: tx.RollupIDFromName(r.Name), Name: r.Name, Owner: owner, MaxBytesPerBlock: maxBytes}
		if r.Atomic {
			rollup.Atomic, rollup.Executor, rollup.ExecutorGenesis = true, r.Executor, execGenesis
		}
		cs.Rollups = append(cs.Rollups, rollup)
	}
	sort.Slice(cs.Accounts, func(i, j int) bool {
		return bytes.Compare(cs.Accounts[i].Address[:], cs.Accounts[j].Address[:]) < 0
	})
	sort.Slice(cs.Rollups, func(i, j int) bool { return bytes.Compare(cs.Rollups[i].ID[:], cs.Rollups[j].ID[:]) < 0 })
	return cs, nil
}

// listBudget is max_list_bytes when inclusion lists are on, else 0.
func listBudget(g GenesisInclusion) int64 {
	if !g.Enabled {
		return 0
	}
	return g.MaxListBytes
}

func (g GenesisParams) toLedger(chainID string) (ledger.Params, error) {
	p := ledger.Params{ChainID: chainID, MaxTxBytes: g.MaxTxBytes, MaxBlockTxBytes: g.MaxBlockTxBytes,
		Fair: ledger.FairParams{
			Enabled: g.Fair.Enabled, ClockSkewMs: g.Fair.ClockSkewMs, MaxLagMs: g.Fair.MaxLagMs,
			MaxAgeMs: g.Fair.MaxAgeMs, MaxReportEntries: g.Fair.MaxReportEntries,
		},
		Inclusion: ledger.InclusionParams{
			Enabled: g.Inclusion.Enabled, MinAgeBlocks: g.Inclusion.MinAgeBlocks, MaxListBytes: g.Inclusion.MaxListBytes,
		}}
	if g.Inbox.Enabled {
		in := g.Inbox
		addr, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(in.Address, "0x"), "0X"))
		if err != nil || len(addr) != 20 {
			return p, fmt.Errorf("genesis params.l1_inbox.address %q: want 40 hex characters", in.Address)
		}
		p.Inbox = ledger.InboxParams{Enabled: true, ChainID: in.ChainID, StartBlock: in.StartBlock, MaxImportBlocks: in.MaxImportBlocks,
			MaxImportBytes: in.MaxImportBytes, MaxForcedBytes: in.MaxForcedBytes, DueBlocks: in.DueBlocks}
		copy(p.Inbox.Address[:], addr)
		eighth := p.MaxBlockTxBytes / 8
		if in.MaxImportBlocks < 1 || in.MaxImportBlocks > 1024 || in.DueBlocks < 1 || in.DueBlocks > 10_000 ||
			in.MaxForcedBytes < 1024 || in.MaxForcedBytes > eighth || in.MaxImportBytes < in.MaxForcedBytes || in.MaxImportBytes > eighth {
			return p, fmt.Errorf("genesis params.l1_inbox: want max_import_blocks in [1, 1024], due_blocks in [1, 10000], 1024 <= max_forced_bytes <= max_import_bytes <= max_block_tx_bytes/8 = %d", eighth)
		}
	}
	if i := p.Inclusion; i.Enabled && (i.MinAgeBlocks < 1 || i.MinAgeBlocks > 10_000 || i.MaxListBytes < 1024 || i.MaxListBytes > p.MaxBlockTxBytes/4) {
		return p, fmt.Errorf("genesis params.inclusion_lists: min_age_blocks must be in [1, 10000] and max_list_bytes in [1024, max_block_tx_bytes/4 = %d]", p.MaxBlockTxBytes/4)
	}
	if f := p.Fair; f.ClockSkewMs < 0 || f.MaxLagMs < 0 || f.MaxAgeMs <= 0 || f.MaxReportEntries <= 0 {
		return p, errors.New("genesis params.fair_ordering: clock_skew_ms and max_lag_ms must be ≥ 0, max_age_ms and max_report_entries > 0")
	}
	if f := p.Fair; f.ClockSkewMs > maxFairWindowMs || f.MaxLagMs > maxFairWindowMs || f.MaxAgeMs > maxFairWindowMs || f.MaxReportEntries > maxReportEntries {
		return p, fmt.Errorf("genesis params.fair_ordering: time windows must be at most %d ms (one day) and max_report_entries at most %d", maxFairWindowMs, maxReportEntries)
	}
	if p.MaxBlockTxBytes > MaxBlockTxBytesLimit {
		return p, fmt.Errorf("genesis params.max_block_tx_bytes %d exceeds %d: one block's writes must fit in one state-store transaction", p.MaxBlockTxBytes, MaxBlockTxBytesLimit)
	}
	var err error
	if p.BaseFee, err = strconv.ParseUint(g.BaseFee, 10, 64); err != nil {
		return p, fmt.Errorf("genesis params.base_fee: %w", err)
	}
	if p.FeePerByte, err = strconv.ParseUint(g.FeePerByte, 10, 64); err != nil {
		return p, fmt.Errorf("genesis params.fee_per_byte: %w", err)
	}
	if p.DefaultRollupMaxBytes, err = strconv.ParseUint(g.DefaultRollupMaxBytes, 10, 64); err != nil {
		return p, fmt.Errorf("genesis params.default_rollup_max_bytes: %w", err)
	}
	if chainID == "" {
		return p, errors.New("genesis chain_id is empty")
	}
	if p.FeePerByte > 0 && uint64(p.MaxTxBytes) > (math.MaxUint64-p.BaseFee)/p.FeePerByte {
		return p, errors.New("genesis params: base_fee + fee_per_byte * max_tx_bytes overflows uint64")
	}
	if p.MaxTxBytes <= 0 {
		return p, errors.New("genesis params.max_tx_bytes must be positive")
	}
	if p.MaxBlockTxBytes < int64(p.MaxTxBytes) {
		return p, errors.New("genesis params.max_block_tx_bytes must be at least max_tx_bytes")
	}
	return p, nil
}
