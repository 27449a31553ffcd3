package kv

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/ordolabs/ordo/rollup-adapters/sdk"
)

// ExecuteBlock implements sdk.Executor. It applies b's items in order, one
// op per item, and writes their effects, one receipt per item, the applied
// height and the new state root in one badger transaction, then returns
// the root. It refuses a block whose height is not AppliedHeight()+1 (any
// height > 0 is accepted for the first block) with ErrWrongHeight.
//
// Failed ops and aborted bundle legs are recorded in receipts and never
// make ExecuteBlock fail. An error (wrong height, a leg with an unknown
// verdict (ErrUnknownVerdict), storage failure, or ctx done — ctx is
// checked before each item and before the commit) means nothing was
// written.
func (r *Rollup) ExecuteBlock(ctx context.Context, b sdk.Block) ([]byte, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return nil, ErrClosed
	}
	r.execMu.Lock()
	defer r.execMu.Unlock()

	txn := r.db.NewTransaction(true)
	defer txn.Discard()
	applied, err := appliedHeight(txn)
	if err != nil {
		return nil, err
	}
	if b.Height <= 0 || (applied != 0 && b.Height != applied+1) {
		return nil, fmt.Errorf("%w: got %d, applied %d", ErrWrongHeight, b.Height, applied)
	}

	block := newOverlay(txnReader{txn})
	receipts, err := r.applyItems(ctx, block, b.Height, b.Items)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	if err := block.flush(txn); err != nil {
		return nil, fmt.Errorf("kv: height %d: %w", b.Height, err)
	}
	for i, it := range b.Items {
		if err := txn.Set(receiptKey(it.TxHash, it.ActionIndex), encodeReceipt(receipts[i])); err != nil {
			return nil, fmt.Errorf("kv: height %d: %w", b.Height, err)
		}
	}
	var root []byte
	if block.empty() {
		root, _, err = txnReader{txn}.get(keyRoot)
	} else {
		root, err = stateRoot(txn)
		if err == nil {
			err = txn.Set(keyRoot, root)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("kv: height %d: state root: %w", b.Height, err)
	}
	if err := txn.Set(keyHeight, binary.BigEndian.AppendUint64(nil, uint64(b.Height))); err != nil {
		return nil, err
	}
	if err := txn.Commit(); err != nil {
		return nil, fmt.Errorf("kv: committing height %d: %w", b.Height, err)
	}
	return root, nil
}

// applyItems applies items in order on block and returns one receipt per
// item, each item as applyItem does. An error is a storage failure, an
// unknown verdict or ctx being done: the caller must drop block.
func (r *Rollup) applyItems(ctx context.Context, block *overlay, height int64, items []sdk.Item) ([]Receipt, error) {
	receipts := make([]Receipt, len(items))
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		receipts[i] = Receipt{Height: height}
		fail, err := r.applyItem(block, it)
		if err != nil {
			return nil, fmt.Errorf("kv: height %d item %d: %w", height, i, err)
		}
		if fail != nil {
			receipts[i].Code, receipts[i].Reason = fail.code, fail.reason
		}
	}
	return receipts, nil
}

// applyItem applies one item on block, honoring its bundle verdict: a leg
// with VerdictAbort is not applied (CodeAborted, whatever its data); any
// other item, including a leg with VerdictCommit or VerdictNone, has its
// op staged on its own overlay, merged into block only if it succeeds. So
// a non-nil *failure always means block is unchanged. An error is a
// storage failure or ErrUnknownVerdict; block is then unchanged too.
func (r *Rollup) applyItem(block *overlay, it sdk.Item) (*failure, error) {
	if leg := it.Bundle; leg != nil {
		switch leg.Verdict {
		case sdk.VerdictNone, sdk.VerdictCommit:
		case sdk.VerdictAbort:
			return failf(CodeAborted, "leg %d of %d not applied", leg.Index, leg.Count), nil
		default:
			return nil, fmt.Errorf("%w: %d", ErrUnknownVerdict, uint8(leg.Verdict))
		}
	}
	staged, fail, err := r.stageOp(block, it)
	if fail == nil && err == nil {
		staged.mergeInto(block)
	}
	return fail, err
}

// stageOp decodes the op of it and applies it on a new overlay above base,
// which it returns on success; base itself is never written. Bundle tags
// and verdicts are not consulted.
func (r *Rollup) stageOp(base *overlay, it sdk.Item) (*overlay, *failure, error) {
	op, err := DecodeOp(it.Data)
	if err != nil {
		return nil, &failure{code: CodeMalformed, reason: err.Error()}, nil
	}
	staged := newOverlay(base)
	fail, err := applyOp(staged, r.minter, it.Sender, op)
	if err != nil || fail != nil {
		return nil, fail, err
	}
	return staged, nil, nil
}
