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
// Failed ops are recorded in receipts and never make ExecuteBlock fail. An
// error (wrong height, storage failure, or ctx done — ctx is checked
// before each item and before the commit) means nothing was written.
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
// item. Each op is staged on its own overlay and merged into block only if
// it succeeds, so a failed op leaves block as it was. An error is a
// storage failure or ctx being done: the caller must drop block.
//
// Bundle legs (item.Bundle != nil) are applied like any other item. To make
// legs atomic with the bundle's verdict, stage a leg's overlay here and
// merge it on COMMIT, drop it on ABORT (with a failed receipt); nothing
// else has to change.
func (r *Rollup) applyItems(ctx context.Context, block *overlay, height int64, items []sdk.Item) ([]Receipt, error) {
	receipts := make([]Receipt, len(items))
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		receipts[i] = Receipt{Height: height}
		op, err := DecodeOp(it.Data)
		if err != nil {
			receipts[i].Code, receipts[i].Reason = CodeMalformed, err.Error()
			continue
		}
		staged := newOverlay(block)
		fail, err := applyOp(staged, r.minter, it.Sender, op)
		if err != nil {
			return nil, fmt.Errorf("kv: height %d item %d: %w", height, i, err)
		}
		if fail != nil {
			receipts[i].Code, receipts[i].Reason = fail.code, fail.reason
			continue
		}
		staged.mergeInto(block)
	}
	return receipts, nil
}
