package ethda

import (
	"context"
	"errors"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/ordolabs/ordo/da-poster/da"
)

// Status reports what happened to the submission ref and drives its fee
// bumps. States:
//
//   - StateConfirmed: a transaction of the submission has a receipt in a
//     canonical block at or below the L1 "finalized" block. Terminal.
//   - StateIncluded: it has a receipt in a canonical block above finalized.
//     A reorg may undo this: Status then reports Pending (the tx is back in
//     the pool) or Dropped.
//   - StateDropped: no transaction of the submission has a canonical
//     receipt and the account's nonce at the latest block is past the
//     submission's nonce: another transaction used it (a replacement sent
//     by someone else with this key, or a reorg that re-ordered the
//     account's transactions). Submit of the same bytes then sends a new
//     transaction with a fresh nonce. This is judged at the latest block,
//     not at finality: in a deep reorg an old transaction of a dropped
//     submission could still be included, posting a duplicate copy (readers
//     take the first valid copy; it costs only fees).
//   - StatePending: otherwise. The transaction is kept in the node's pool
//     (re-sent if the node lost it, once per L1 block) and replaced with
//     higher fees, same nonce and blobs, after Config.BumpAfterBlocks L1
//     blocks without inclusion.
//
// An unknown ref (not in the journal) is reported Dropped, so the poster
// posts the bytes again. Answers are memoized per L1 head.
func (b *Backend) Status(ctx context.Context, ref da.Ref) (da.State, error) {
	if err := b.writable(); err != nil {
		return 0, err
	}
	if _, err := HashesOf(ref); err != nil {
		return 0, err
	}
	if err := b.checkChain(ctx); err != nil {
		return 0, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.notClosed(); err != nil {
		return 0, err
	}
	rec, err := b.lookup(ref)
	if err != nil {
		return 0, err
	}
	switch {
	case rec == nil:
		return da.StateDropped, nil
	case rec.State == stConfirmed:
		return da.StateConfirmed, nil
	case rec.State == stDropped:
		return da.StateDropped, nil
	case len(rec.Attempts) == 0: // never sent (cannot happen: attempts are journaled first)
		rec.State = stDropped
		return da.StateDropped, b.save(ref, rec, nil)
	}
	rctx, cancel := b.reqCtx(ctx)
	head, err := b.eth.BlockNumber(rctx)
	cancel()
	if err != nil {
		return 0, unavailable("block number", err)
	}
	if m, ok := b.seen[string(ref)]; ok && m.head == head && rec.Accepted {
		return m.state, nil
	}
	st, settled, err := b.track(ctx, ref, rec, head)
	if err != nil {
		return 0, err
	}
	if rec.State == stActive && settled {
		b.seen[string(ref)] = statusMemo{head: head, state: st}
	}
	return st, nil
}

// track works out the state of an active submission at L1 head, and keeps
// a pending one moving (re-send, bump). settled is false when the node
// could not tell (its transaction index is still being built): the answer
// must not be reused for this head. Caller holds mu.
func (b *Backend) track(ctx context.Context, ref da.Ref, rec *record, head uint64) (st da.State, settled bool, err error) {
	// The nonce is read before the receipts: a tx of ours mined in between
	// shows up as a receipt, never as a nonce consumed by someone else.
	rctx, cancel := b.reqCtx(ctx)
	latestNonce, err := b.eth.NonceAt(rctx, b.sender, nil)
	cancel()
	if err != nil {
		return 0, false, unavailable("account nonce", err)
	}
	fin, err := b.finalized(ctx)
	if err != nil {
		return 0, false, err
	}
	block, found, uncertain, err := b.included(ctx, rec)
	switch {
	case err != nil:
		return 0, false, err
	case found && block <= fin:
		rec.State, rec.Block = stConfirmed, block
		b.log.Info("blob tx confirmed", "ref", ref.String()[:16], "block", block)
		return da.StateConfirmed, true, b.save(ref, rec, nil)
	case found:
		return da.StateIncluded, true, nil
	case latestNonce > rec.Nonce && uncertain:
		return da.StatePending, false, nil // cannot tell ours from another tx yet
	case latestNonce > rec.Nonce:
		rec.State = stDropped
		b.log.Info("blob tx dropped: nonce used by another tx", "ref", ref.String()[:16], "nonce", rec.Nonce)
		return da.StateDropped, true, b.save(ref, rec, nil)
	}
	// Our nonce is still free: the tx must stay in a pool and, if it waits
	// too long, be outbid by a replacement.
	if head >= rec.SentHead+b.cfg.BumpAfterBlocks {
		return da.StatePending, true, b.bump(ctx, ref, rec, head)
	}
	inPool, err := b.inPool(ctx, rec)
	if err != nil {
		return 0, false, err
	}
	switch {
	case !inPool:
		if _, err := b.resend(ctx, ref, rec, nil); err != nil {
			return 0, false, err
		}
	case !rec.Accepted:
		rec.Accepted = true // the answer to the last send was lost, not the tx
		if err := b.save(ref, rec, nil); err != nil {
			return 0, false, err
		}
	}
	return da.StatePending, true, nil
}

// finalized is the number of the L1 "finalized" block.
func (b *Backend) finalized(ctx context.Context) (uint64, error) {
	ctx, cancel := b.reqCtx(ctx)
	defer cancel()
	h, err := b.eth.HeaderByNumber(ctx, big.NewInt(int64(rpc.FinalizedBlockNumber)))
	if err != nil {
		return 0, unavailable("finalized header", err)
	}
	return h.Number.Uint64(), nil
}

// included looks for a canonical receipt of any attempt of rec, newest
// first, and returns its block number. uncertain is set when the node
// could not say for some attempt (its transaction index is still being
// built): absence then proves nothing.
func (b *Backend) included(ctx context.Context, rec *record) (block uint64, found, uncertain bool, err error) {
	ctx, cancel := b.reqCtx(ctx)
	defer cancel()
	for i := len(rec.Attempts) - 1; i >= 0; i-- {
		rcpt, err := b.eth.TransactionReceipt(ctx, rec.Attempts[i].Hash)
		if errors.Is(err, ethereum.NotFound) {
			continue
		}
		if isIndexing(err) {
			uncertain = true
			continue
		}
		if err != nil {
			return 0, false, false, unavailable("receipt", err)
		}
		// The node indexes canonical receipts; check against the canonical
		// header anyway, in case its index lags a reorg.
		h, err := b.eth.HeaderByNumber(ctx, rcpt.BlockNumber)
		if errors.Is(err, ethereum.NotFound) {
			continue
		}
		if err != nil {
			return 0, false, false, unavailable("header", err)
		}
		if h.Hash() == rcpt.BlockHash {
			return rcpt.BlockNumber.Uint64(), true, false, nil
		}
	}
	return 0, false, uncertain, nil
}

// isIndexing recognizes go-ethereum's "transaction indexing is in
// progress": the node cannot tell whether it has the transaction.
func isIndexing(err error) bool {
	return err != nil && strings.Contains(err.Error(), "transaction indexing is in progress")
}

// inPool reports whether the node holds a tx of rec's current generation.
func (b *Backend) inPool(ctx context.Context, rec *record) (bool, error) {
	ctx, cancel := b.reqCtx(ctx)
	defer cancel()
	for i := len(rec.Attempts) - 1; i >= 0; i-- {
		a := rec.Attempts[i]
		if a.Nonce != rec.Nonce {
			continue
		}
		_, _, err := b.eth.TransactionByHash(ctx, a.Hash)
		if errors.Is(err, ethereum.NotFound) || isIndexing(err) {
			continue
		}
		if err != nil {
			return false, unavailable("transaction by hash", err)
		}
		return true, nil
	}
	return false, nil
}

// bump replaces rec's pending tx with one paying more (same nonce and
// blobs), unless the fee caps forbid it. Caller holds mu.
func (b *Backend) bump(ctx context.Context, ref da.Ref, rec *record, head uint64) error {
	market, _, err := b.marketFees(ctx)
	if err != nil {
		return err
	}
	prev := rec.newest()
	f, ok := bumped(prev.fees(), market, b.cfg.BumpPercent, b.cfg.MaxFeeCap, b.cfg.MaxBlobFeeCap)
	if !ok {
		b.log.Error("blob tx not included and fee caps reached: not bumping", "ref", ref.String()[:16], "fees", prev.fees().String())
		rec.SentHead = head // try again after another BumpAfterBlocks
		if _, err := b.resend(ctx, ref, rec, nil); err != nil {
			return err
		}
		return b.save(ref, rec, nil)
	}
	sc, err := b.sidecarFor(ref, nil)
	if err != nil {
		return err
	}
	tx, err := b.signTx(sc, rec.Nonce, f)
	if err != nil {
		return da.Critical(err)
	}
	rec.Attempts = append(rec.Attempts, attempt{Hash: tx.Hash(), Nonce: rec.Nonce, TipCap: f.tip, FeeCap: f.feeCap, BlobFeeCap: f.blobFeeCap})
	rec.Accepted, rec.SentHead = false, head
	if err := b.save(ref, rec, nil); err != nil {
		return err
	}
	out, err := b.send(ctx, tx)
	if err != nil {
		return err
	}
	// nonce too low: mined meanwhile (a receipt next time) or taken
	// (dropped next time). Replacement underpriced: someone outbids us;
	// the next bump goes higher. Underpriced: the pool is full; same.
	rec.Accepted = true
	b.log.Info("bumped blob tx fees", "ref", ref.String()[:16], "tx", tx.Hash(), "replaces", prev.Hash,
		"nonce", rec.Nonce, "fees", f.String(), "outcome", int(out))
	return b.save(ref, rec, nil)
}

// TxHashes returns the hashes of every transaction sent for ref (all
// generations and fee bumps), oldest first, for operators and tests.
func (b *Backend) TxHashes(ref da.Ref) ([]common.Hash, error) {
	if err := b.writable(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.notClosed(); err != nil {
		return nil, err
	}
	rec, err := b.lookup(ref)
	if err != nil || rec == nil {
		return nil, err
	}
	out := make([]common.Hash, len(rec.Attempts))
	for i, a := range rec.Attempts {
		out[i] = a.Hash
	}
	return out, nil
}
