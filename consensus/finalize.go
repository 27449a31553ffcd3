package consensus

import (
	"context"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/state"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// finalized is a decided block's effects, waiting for Commit.
type finalized struct {
	pending *state.Pending
	hashes  []tx.Hash
	touched []tx.Address
}

// FinalizeBlock implements abci.Application. It executes the decided block
// in order on an overlay of committed state: each valid tx pays its fee to
// the proposer, bumps its nonce and applies its actions; an invalid tx
// (possible only if more than 1/3 of power is faulty, or when replaying
// blocks never seen in ProcessProposal) gets a non-zero code and changes
// nothing. Nothing is written until Commit.
func (a *App) FinalizeBlock(_ context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	lastHeight, lastHash, err := a.store.LastCommitted()
	if err != nil {
		return nil, err
	}
	if want := a.params.NextHeight(lastHeight); req.Height != want {
		return nil, fmt.Errorf("finalize height %d after committed height %d (want %d)", req.Height, lastHeight, want)
	}
	snap := a.store.Snapshot()
	defer snap.Discard()
	var proposer tx.Address
	copy(proposer[:], req.ProposerAddress)
	ov := ledger.NewOverlay(snap, a.params, req.Height)

	results := make([]*abci.ExecTxResult, len(req.Txs))
	block := &sequencerv1.BlockResponse{
		Height: req.Height, TimeUnixNano: req.Time.UnixNano(), Proposer: req.ProposerAddress,
	}
	fin := &finalized{}
	codes := make([]uint32, len(req.Txs))
	rollupItems := newRollupCollector()
	touched := make(map[tx.Address]bool)
	userTxs := 0
	var l1Import, verdicts []byte
	var bundleTxs []indexedTx
	executed := make(map[tx.Hash]bool)
	for i, raw := range req.Txs {
		h := tx.HashOf(raw)
		fin.hashes = append(fin.hashes, h)
		bt := &sequencerv1.BlockTx{Hash: h.String(), Size_: uint32(len(raw))}
		block.Txs = append(block.Txs, bt)
		if i == 0 && a.extensionsExpected(req.Height) && IsSystemTx(raw) {
			bt.System = true
			results[i] = &abci.ExecTxResult{Code: abci.CodeTypeOK, Log: "vote extensions"}
			continue
		}
		if i == 1 && a.params.Inbox.Enabled && a.extensionsExpected(req.Height) && IsL1ImportTx(raw) {
			bt.System = true
			l1Import = raw
			results[i] = &abci.ExecTxResult{Code: abci.CodeTypeOK, Log: "L1 inbox import"}
			continue
		}
		// The verdicts come right after E and the L1 import (if any), as
		// ProcessProposal requires.
		verdictsAt := 1
		if l1Import != nil {
			verdictsAt = 2
		}
		if i == verdictsAt && a.extensionsExpected(req.Height) && commitment.IsVerdictsTx(raw) {
			bt.System = true
			verdicts = raw
			results[i] = &abci.ExecTxResult{Code: abci.CodeTypeOK, Log: "bundle verdicts"}
			continue
		}
		t, err := a.decodeVerified(raw)
		if err == nil {
			bt.Sender, bt.Nonce, bt.Fee = t.Sender[:], t.Nonce, t.Fee
			err = ov.Apply(t, proposer)
		}
		if err != nil {
			if tx.CodeOf(err) == tx.ErrInternal.Code {
				return nil, err
			}
			codes[i] = tx.CodeOf(err)
			results[i] = &abci.ExecTxResult{Code: codes[i], Codespace: tx.Codespace, Log: err.Error()}
			a.status.Reject(h, err)
			continue
		}
		if !touched[t.Sender] {
			touched[t.Sender] = true
			fin.touched = append(fin.touched, t.Sender)
		}
		rollupItems.add(t, uint32(i))
		if t.HasBundle() {
			bundleTxs = append(bundleTxs, indexedTx{uint32(i), t})
		}
		executed[t.Hash] = true
		results[i] = &abci.ExecTxResult{Code: abci.CodeTypeOK}
		userTxs++
	}
	if a.params.Fair.Enabled && a.extensionsExpected(req.Height) {
		a.metrics.fairOrderedTxs.Add(float64(userTxs))
	}
	var inbox *state.InboxChanges
	if a.params.Inbox.Enabled && a.extensionsExpected(req.Height) {
		if inbox, err = a.finalizeInbox(snap, ov, req.Height, l1Import, executed); err != nil {
			return nil, err
		}
	}
	bundles, err := a.finalizeBundles(snap, req.Height, verdicts, bundleTxs)
	if err != nil {
		return nil, err
	}
	accounts, rollups := ov.Changes()
	tree, err := rollupItems.tree()
	if err != nil {
		return nil, err
	}
	digest, err := bundlesDigest(stateDigest(accounts, rollups, inbox), bundles)
	if err != nil {
		return nil, err
	}
	commit := commitment.Block{
		PrevAppHash: lastHash, Height: req.Height,
		StateDigest:   digest,
		RollupEntries: tree.Len(), RollupsRoot: tree.Root(),
	}
	appHash := commit.AppHash()
	setCommitment(block, commit, appHash)
	fin.pending = &state.Pending{
		Height: req.Height, AppHash: appHash, Accounts: accounts, Rollups: rollups,
		Block: block, TxCodes: codes, RollupBlocks: rollupItems.blocks(req.Height),
		RollupEntries: tree.Entries(), Inbox: inbox, Bundles: bundles,
		LastBlock: &state.BlockMeta{Hash: req.Hash, TimeUnix: req.Time.UnixMilli()},
	}
	a.pending = fin
	return &abci.FinalizeBlockResponse{TxResults: results, AppHash: appHash}, nil
}

// Commit implements abci.Application: it persists the last finalized block
// atomically, then updates the app pool.
func (a *App) Commit(context.Context, *abci.CommitRequest) (*abci.CommitResponse, error) {
	fin := a.pending
	if fin == nil {
		return nil, fmt.Errorf("commit without a finalized block")
	}
	// No admission between the state write and the pool update: it would
	// check txs against the old state and re-pool what this block commits.
	a.admitMu.Lock()
	defer a.admitMu.Unlock()
	if err := a.store.Commit(fin.pending); err != nil {
		return nil, fmt.Errorf("committing height %d: %w", fin.pending.Height, err)
	}
	a.pending = nil
	a.noteRollups(fin.pending.Rollups)
	for _, h := range fin.hashes {
		if e, ok := a.pool.Get(h); ok {
			a.metrics.inclusionDelay.Observe(float64(fin.pending.Height - e.SeenHeight))
		}
	}
	a.pool.SetHeight(fin.pending.Height)
	if n, ok := a.sim.(interface{ Notify(int64) }); ok && a.anyAtomic.Load() {
		n.Notify(fin.pending.Height) // advance the executors in the background
	}
	snap := a.store.Snapshot()
	defer snap.Discard()
	evicted, err := a.pool.Update(fin.hashes, fin.touched, snap.Account)
	if err != nil {
		return nil, err
	}
	for _, e := range evicted {
		a.status.Reject(e.Hash, e.Err)
	}
	return &abci.CommitResponse{}, nil
}

// rollupCollector gathers each rollup's items of a block in block order,
// with rollups listed in the order they first appear.
type rollupCollector struct {
	order []tx.RollupID
	items map[tx.RollupID][]commitment.Item
}

func newRollupCollector() *rollupCollector {
	return &rollupCollector{items: make(map[tx.RollupID][]commitment.Item)}
}

func (c *rollupCollector) add(t *tx.Tx, txIndex uint32) {
	push := func(id tx.RollupID, it commitment.Item) {
		if _, ok := c.items[id]; !ok {
			c.order = append(c.order, id)
		}
		it.TxHash, it.TxIndex, it.Sender = t.Hash, txIndex, t.Sender
		c.items[id] = append(c.items[id], it)
	}
	for ai, act := range t.Actions {
		switch act := act.(type) {
		case *tx.RollupData:
			push(act.Rollup, commitment.Item{ActionIndex: uint32(ai), Data: act.Data})
		case *tx.Bundle:
			for li, l := range act.Legs {
				push(l.Rollup, commitment.Item{
					ActionIndex: uint32(ai), Data: l.Data,
					BundleIndex: uint32(li), BundleCount: uint32(len(act.Legs)),
				})
			}
		}
	}
}

// tree builds the block's rollups tree.
func (c *rollupCollector) tree() (*commitment.Tree, error) {
	entries := make([]commitment.Entry, 0, len(c.order))
	for _, id := range c.order {
		entries = append(entries, commitment.EntryFor(id, c.items[id]))
	}
	return commitment.NewTree(entries)
}

func (c *rollupCollector) blocks(height int64) []*sequencerv1.RollupBlockResponse {
	out := make([]*sequencerv1.RollupBlockResponse, 0, len(c.order))
	for _, id := range c.order {
		id := id
		items := make([]*sequencerv1.RollupItem, len(c.items[id]))
		for i, it := range c.items[id] {
			items[i] = commitment.ItemToProto(it)
		}
		out = append(out, &sequencerv1.RollupBlockResponse{RollupId: id[:], Height: height, Items: items})
	}
	return out
}
