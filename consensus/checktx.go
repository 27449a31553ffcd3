package consensus

import (
	"context"
	"errors"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/ordolabs/ordo/sequencer/state"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// CheckTx implements abci.Application: stateless checks (size, decoding,
// chain id, signature), stateful checks against committed state (fee,
// registered rollups) and admission to the app pool (nonce queue, balance,
// caps). On recheck after a block it evicts txs that expired or went stale.
func (a *App) CheckTx(_ context.Context, req *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	var err error
	if req.Type == abci.CHECK_TX_TYPE_RECHECK {
		err = a.recheck(req.Tx)
	} else {
		err = a.admit(req.Tx)
	}
	if err != nil {
		return &abci.CheckTxResponse{Code: tx.CodeOf(err), Codespace: tx.Codespace, Log: err.Error()}, nil
	}
	return &abci.CheckTxResponse{Code: abci.CodeTypeOK}, nil
}

func (a *App) admit(raw []byte) error {
	t, err := a.decodeVerified(raw)
	if err != nil {
		a.status.Reject(tx.HashOf(raw), err)
		return err
	}
	if err := a.admitDecoded(t); err != nil {
		if !errors.Is(err, tx.ErrDuplicate) {
			a.status.Reject(t.Hash, err)
		}
		return err
	}
	return nil
}

func (a *App) admitDecoded(t *tx.Tx) error {
	a.admitMu.RLock()
	defer a.admitMu.RUnlock()
	snap := a.store.Snapshot()
	defer snap.Discard()
	if err := a.admitChecked(snap, t); errors.Is(err, tx.ErrDuplicate) {
		// Already in the app pool (CometBFT's own cache catches real
		// duplicates first): accept, so CometBFT re-adds a tx it dropped
		// after the app admitted it and gossips it again.
		return nil
	} else if err != nil {
		return err
	}
	if a.onAdmit != nil {
		a.onAdmit(t.Raw)
	}
	return nil
}

// admitChecked runs the stateful checks on a verified tx against snap and
// adds it to the app pool; tx.ErrDuplicate means the pool already holds it.
func (a *App) admitChecked(snap *state.Snapshot, t *tx.Tx) error {
	acct, err := snap.Account(t.Sender)
	if err != nil {
		return tx.Errorf(tx.ErrInternal, "reading account: %v", err)
	}
	if min := a.params.MinFee(t.Size()); t.Fee < min {
		return tx.Errorf(tx.ErrInsufficientFee, "fee %d is below the minimum %d for %d bytes", t.Fee, min, t.Size())
	}
	for _, u := range t.RollupBytes() {
		r, ok, err := snap.Rollup(u.Rollup)
		if err != nil {
			return tx.Errorf(tx.ErrInternal, "reading rollup: %v", err)
		}
		if !ok {
			return tx.Errorf(tx.ErrUnknownRollup, "rollup %s is not registered", u.Rollup)
		}
		if limit := a.params.RollupCap(r); u.Bytes > limit {
			return tx.Errorf(tx.ErrRollupCapExceeded, "tx carries %d bytes for rollup %q, its per-block cap is %d", u.Bytes, r.Name, limit)
		}
	}
	for _, act := range t.Actions {
		if r, ok := act.(*tx.RegisterRollup); ok && r.Atomic {
			if a.params.VoteExtensionsHeight <= 0 {
				return tx.Errorf(tx.ErrInvalidAction, "atomic rollups need vote extensions, which this chain does not enable")
			}
			if a.params.Executors == nil {
				return tx.Errorf(tx.ErrInvalidAction, "this chain runs no executors for atomic rollups")
			}
			if err := a.params.Executors.CheckGenesis(r.Executor, r.ExecutorGenesis); err != nil {
				return tx.Errorf(tx.ErrInvalidAction, "atomic rollup %q: %v", r.Name, err)
			}
		}
		if r, ok := act.(*tx.RegisterRollup); ok {
			if _, exists, err := snap.Rollup(tx.RollupIDFromName(r.Name)); err != nil {
				return tx.Errorf(tx.ErrInternal, "reading rollup: %v", err)
			} else if exists {
				return tx.Errorf(tx.ErrRollupExists, "rollup %q is already registered", r.Name)
			}
		}
	}
	_, err = a.pool.Add(t, acct)
	return err
}

// recheck keeps a tx in CometBFT's mempool only while the app pool holds it.
func (a *App) recheck(raw []byte) error {
	h := tx.HashOf(raw)
	if _, ok := a.pool.Get(h); ok {
		return nil
	}
	if err, ok := a.status.Rejection(h); ok {
		return err
	}
	return tx.Errorf(tx.ErrStaleNonce, "tx %s left the app pool", h)
}

// decodeVerified decodes raw and checks chain id and signature, using the
// cache of already verified hashes so CheckTx, ProcessProposal and
// FinalizeBlock verify each tx once.
//
// A tx the app pool holds was decoded and verified from the same bytes (the
// hash covers them all) under the same genesis limits, so its decoded form
// is reused: blocks built from the pool are not decoded again. Decoded txs
// are never modified.
func (a *App) decodeVerified(raw []byte) (*tx.Tx, error) {
	h := tx.HashOf(raw)
	if e, ok := a.pool.Get(h); ok {
		return e.Tx, nil
	}
	t, err := tx.DecodeHashed(raw, h, a.params.MaxTxBytes)
	if err != nil {
		return nil, err
	}
	if a.verified.has(t.Hash) {
		return t, nil
	}
	if err := t.Verify(a.params.ChainID); err != nil {
		return nil, err
	}
	a.verified.add(t.Hash)
	return t, nil
}
