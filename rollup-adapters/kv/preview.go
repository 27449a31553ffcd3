package kv

import (
	"context"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/ordolabs/ordo/rollup-adapters/sdk"
)

// Errors returned by a Preview's methods (besides ErrClosed,
// ErrWrongHeight, ErrUnknownVerdict and storage errors).
var (
	// ErrPreviewClosed: the Preview was closed.
	ErrPreviewClosed = errors.New("kv: preview is closed")
	// ErrLegStaged: Apply or TryLeg while a leg is staged; Settle it first.
	ErrLegStaged = errors.New("kv: a bundle leg is staged; Settle it first")
	// ErrBundleLeg: Apply was given a bundle leg; legs go through TryLeg.
	ErrBundleLeg = errors.New("kv: Preview.Apply given a bundle leg; use TryLeg")
)

// Preview is a what-if execution above the rollup's durable state. Nothing
// it does is ever written.
//
// A Preview reads a snapshot of the durable state taken when it was
// opened (a read-only badger transaction); blocks that ExecuteBlock
// applies afterwards are not visible to it. Everything it applies lives in
// memory, in overlays above that snapshot.
//
// A Preview is not safe for concurrent use, but any number of Previews may
// be open alongside ExecuteBlock and the queries. It does not hold the
// Rollup's lock while open: each method takes it only for its own
// duration, so Rollup.Close never waits for a Preview to be closed. After
// Rollup.Close, every method fails with ErrClosed (and Close is a no-op).
// An open Preview pins its snapshot in badger (old versions cannot be
// garbage-collected), so Previews should be short-lived and must be
// closed.
type Preview struct {
	r   *Rollup
	txn *badger.Txn // nil once closed
	// state holds everything applied so far: pending blocks, Apply, and
	// legs settled with keep.
	state *overlay
	// leg is the staged leg (above state), or nil; a failed leg is staged
	// as an empty overlay.
	leg *overlay
	// next is the height the tried items are assumed to be at, for
	// messages only (0: unknown, before the first block).
	next int64
}

// Preview opens a what-if execution: it applies pending (blocks at heights
// AppliedHeight()+1, +2, ... in order, with their verdicts, exactly as
// ExecuteBlock would) in memory only, and returns a Preview positioned
// after them, on which the items of the next block can be tried. If the
// rollup has applied nothing yet, pending[0] may have any height > 0 (same
// rule as ExecuteBlock). Wrong heights give ErrWrongHeight. Close must be
// called.
//
// On error (wrong height, a pending leg with an unknown verdict, storage
// failure, ctx done — checked before each item) no Preview is returned and
// nothing needs closing.
func (r *Rollup) Preview(ctx context.Context, pending []sdk.Block) (*Preview, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return nil, ErrClosed
	}
	txn := r.db.NewTransaction(false)
	p, err := r.preview(ctx, txn, pending)
	if err != nil {
		txn.Discard()
		return nil, err
	}
	return p, nil
}

func (r *Rollup) preview(ctx context.Context, txn *badger.Txn, pending []sdk.Block) (*Preview, error) {
	applied, err := appliedHeight(txn)
	if err != nil {
		return nil, err
	}
	p := &Preview{r: r, txn: txn, state: newOverlay(txnReader{txn})}
	last := applied
	for _, b := range pending {
		if b.Height <= 0 || (last != 0 && b.Height != last+1) {
			return nil, fmt.Errorf("%w: pending block at height %d after %d (applied %d)", ErrWrongHeight, b.Height, last, applied)
		}
		if _, err := r.applyItems(ctx, p.state, b.Height, b.Items); err != nil {
			return nil, err
		}
		last = b.Height
	}
	if last != 0 {
		p.next = last + 1
	}
	return p, nil
}

// enter takes the Rollup's read lock for one call and checks that neither
// the Rollup nor p is closed. The caller must call the returned unlock.
func (p *Preview) enter() (unlock func(), err error) {
	p.r.mu.RLock()
	switch {
	case p.txn == nil:
		err = ErrPreviewClosed
	case p.r.closed:
		err = ErrClosed
	}
	return p.r.mu.RUnlock, err
}

// Apply applies one ordinary item (not a bundle leg) as ExecuteBlock would;
// a failed op changes nothing. It returns the item's receipt code. It
// fails with ErrBundleLeg if it.Bundle != nil and with ErrLegStaged while
// a leg is staged; an error changes nothing.
func (p *Preview) Apply(it sdk.Item) (Code, error) {
	unlock, err := p.enter()
	defer unlock()
	switch {
	case err != nil:
		return 0, err
	case it.Bundle != nil:
		return 0, ErrBundleLeg
	case p.leg != nil:
		return 0, ErrLegStaged
	}
	fail, err := p.r.applyItem(p.state, it)
	if err != nil {
		return 0, fmt.Errorf("kv: preview at height %d: %w", p.next, err)
	}
	if fail != nil {
		return fail.code, nil
	}
	return CodeOK, nil
}

// TryLeg stages one bundle leg and reports whether its op succeeds. The
// leg stays staged (visible to nothing else) until Settle; at most one leg
// may be staged at a time (a bundle has at most one leg per rollup), so
// TryLeg fails with ErrLegStaged while one is. The leg's op is tried
// whatever it.Bundle says (its verdict is not consulted). A leg whose op
// fails is staged too, with no effect: Settle must follow either way. An
// error stages nothing.
func (p *Preview) TryLeg(it sdk.Item) (ok bool, err error) {
	unlock, err := p.enter()
	defer unlock()
	if err != nil {
		return false, err
	}
	if p.leg != nil {
		return false, ErrLegStaged
	}
	staged, fail, err := p.r.stageOp(p.state, it)
	if err != nil {
		return false, fmt.Errorf("kv: preview at height %d: %w", p.next, err)
	}
	if fail != nil {
		p.leg = newOverlay(p.state)
		return false, nil
	}
	p.leg = staged
	return true, nil
}

// Settle keeps (merges) or drops the staged leg. Settle with nothing
// staged is a no-op.
func (p *Preview) Settle(keep bool) {
	if p.leg == nil {
		return
	}
	if keep {
		p.leg.mergeInto(p.state)
	}
	p.leg = nil
}

// Root returns the state root the preview's state would have: the root
// ExecuteBlock would return after the pending blocks and the items applied
// or kept since. A staged leg is not included.
func (p *Preview) Root() ([]byte, error) {
	unlock, err := p.enter()
	defer unlock()
	if err != nil {
		return nil, err
	}
	return stateRootOver(p.txn, p.state.writes)
}

// Close releases the preview's read transaction. It is idempotent, and a
// no-op after Rollup.Close (which released the store).
func (p *Preview) Close() {
	if p.txn == nil {
		return
	}
	p.r.mu.RLock()
	defer p.r.mu.RUnlock()
	if !p.r.closed {
		p.txn.Discard()
	}
	p.txn, p.state, p.leg = nil, nil, nil
}
