package consensus

import (
	"github.com/ordolabs/ordo/sequencer/tx"
)

// AdmitBatch runs admission for txs that arrive outside CometBFT's mempool
// (Ordo's own gossip and gRPC submissions): the same checks as CheckTx —
// decoding, chain id and signature, fee, registered rollups, pool
// admission — but with every signature of the batch checked in one
// ed25519 batch equation (tx.VerifyBatch) and the stateful checks run
// against one snapshot of committed state. It returns one result per raw
// tx, in order: nil when the tx entered the pool, tx.ErrDuplicate (wrapped)
// when the pool already held it, or the rejection. Verified hashes join
// the cache that lets ProcessProposal and FinalizeBlock skip re-checking.
//
// AdmitBatch records nothing in the status log: the caller decides which
// rejections are worth reporting (see RecordRejection).
func (a *App) AdmitBatch(raws [][]byte) []error {
	errs := make([]error, len(raws))
	txs := make([]*tx.Tx, len(raws))
	var unverified []*tx.Tx
	var unverifiedAt []int
	maxBytes := a.params.MaxTxBytes
	for i, raw := range raws {
		// Most gossiped txs are already pending (every peer relays them):
		// look the hash up before decoding.
		h := tx.HashOf(raw)
		if _, ok := a.pool.Get(h); ok {
			errs[i] = errAlreadyPending
			continue
		}
		t, err := tx.DecodeHashed(raw, h, maxBytes)
		if err != nil {
			errs[i] = err
			continue
		}
		txs[i] = t
		if !a.verified.has(t.Hash) {
			unverified = append(unverified, t)
			unverifiedAt = append(unverifiedAt, i)
		}
	}
	for k, err := range tx.VerifyBatch(a.params.ChainID, unverified) {
		if err != nil {
			i := unverifiedAt[k]
			errs[i], txs[i] = err, nil
			continue
		}
		a.verified.add(unverified[k].Hash)
	}
	a.admitMu.RLock()
	defer a.admitMu.RUnlock()
	snap := a.store.Snapshot()
	defer snap.Discard()
	for i, t := range txs {
		if t != nil {
			errs[i] = a.admitChecked(snap, t)
		}
	}
	return errs
}

// errAlreadyPending is AdmitBatch's result for a tx the pool already holds
// (one value: gossip makes it the commonest result).
var errAlreadyPending = tx.Errorf(tx.ErrDuplicate, "the tx is already pending in this node's pool")

// RecordRejection remembers why the tx with these raw bytes was refused,
// for the tx-status API. Duplicates are not rejections and are skipped.
func (a *App) RecordRejection(raw []byte, err error) {
	if err == nil || tx.CodeOf(err) == tx.ErrDuplicate.Code {
		return
	}
	a.status.Reject(tx.HashOf(raw), err)
}

// SetOnAdmit registers f to be called with each tx CheckTx admits to the
// app pool (txs submitted through CometBFT's RPC), so Ordo's gossip can
// relay them. Call before the node starts.
func (a *App) SetOnAdmit(f func(raw []byte)) { a.onAdmit = f }
