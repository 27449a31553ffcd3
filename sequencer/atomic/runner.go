package atomic

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/cometbft/cometbft/libs/log"

	"github.com/ordolabs/ordo/ordering"
	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/state"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Runner runs one executor per atomic rollup for a validator, each in its
// own store under a directory, and answers consensus.BundleSimulator.
//
// Before reporting on block h, each executor involved applies the
// committed blocks up to h-2 with their committed verdicts (durably,
// exactly once), then block h-1 with the verdicts block h carries (in
// memory), then tries block h. So that ExtendVote finds them (almost) up to
// date, a background worker started by Start advances every atomic
// rollup's executor after each committed block (Notify), one height at a
// time, taking the lock per height. Safe for concurrent use.
type Runner struct {
	dir    string
	store  *state.Store
	logger log.Logger

	mu     sync.Mutex
	execs  map[tx.RollupID]Executor
	closed bool

	notify chan int64
	stop   context.CancelFunc
	done   chan struct{}
}

// NewRunner returns a runner keeping executor stores under dir, reading
// committed blocks and verdicts from store.
func NewRunner(dir string, store *state.Store, logger log.Logger) *Runner {
	return &Runner{dir: dir, store: store, logger: logger, execs: make(map[tx.RollupID]Executor),
		notify: make(chan int64, 1)}
}

// Start runs the background worker that advances executors after each
// Notify, until Close.
func (r *Runner) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.stop, r.done = cancel, make(chan struct{})
	go func() {
		defer close(r.done)
		for {
			select {
			case <-ctx.Done():
				return
			case h := <-r.notify:
				// Verdicts of h-1 are in block h: everything up to h-1 can
				// be applied durably.
				if err := r.Advance(ctx, h-1); err != nil && ctx.Err() == nil {
					r.logger.Error("advancing atomic executors", "to", h-1, "err", err)
				}
			}
		}
	}()
}

// Notify tells the worker that height committed; it never blocks (a
// pending notification is replaced by the newer height).
func (r *Runner) Notify(committed int64) {
	for {
		select {
		case r.notify <- committed:
			return
		default:
		}
		select {
		case <-r.notify:
		default:
		}
	}
}

// Advance applies, durably, every atomic rollup's committed blocks up to
// height `to` with their verdicts. It takes the runner's lock for one
// height at a time.
func (r *Runner) Advance(ctx context.Context, to int64) error {
	snap := r.store.Snapshot()
	rollups, err := snap.Rollups()
	snap.Discard()
	if err != nil {
		return err
	}
	for _, reg := range rollups {
		if !reg.Atomic {
			continue
		}
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			more, err := r.advanceOne(ctx, reg, to)
			if err != nil {
				return fmt.Errorf("rollup %s: %w", reg.Name, err)
			}
			if !more {
				break
			}
		}
	}
	return nil
}

// advanceOne applies the next committed height of reg's executor if it is
// at most `to`, under the lock; more reports whether it applied one.
func (r *Runner) advanceOne(ctx context.Context, reg ledger.Rollup, to int64) (more bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false, ErrClosed
	}
	e, err := r.executor(reg)
	if err != nil {
		return false, err
	}
	next, err := r.nextHeight(e, reg)
	if err != nil || next > to {
		return false, err
	}
	return true, r.apply(ctx, e, reg, next)
}

// ErrClosed is returned after Close.
var ErrClosed = errors.New("atomic: runner is closed")

// Close stops the worker and closes every executor.
func (r *Runner) Close() error {
	if r.stop != nil {
		r.stop()
		<-r.done
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	var errs []error
	for _, e := range r.execs {
		errs = append(errs, e.Close())
	}
	r.execs = nil
	return errors.Join(errs...)
}

// Outcomes implements consensus.BundleSimulator.
func (r *Runner) Outcomes(ctx context.Context, height int64, prev *consensusv1.BundleVerdicts, steps []Step) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	previews := make(map[tx.RollupID]Preview)
	defer func() {
		for _, p := range previews {
			p.Close()
		}
	}()
	for _, s := range steps {
		for _, it := range s.Items {
			if _, ok := previews[it.Rollup]; ok {
				continue
			}
			p, err := r.preview(ctx, it.Rollup, height, prev)
			if err != nil {
				return nil, fmt.Errorf("rollup %s: %w", it.Rollup, err)
			}
			previews[it.Rollup] = p
		}
	}
	var out []byte
	for _, s := range steps {
		if !s.Bundle {
			for _, it := range s.Items {
				if err := previews[it.Rollup].Apply(it.Item); err != nil {
					return nil, err
				}
			}
			continue
		}
		ok := true
		for _, it := range s.Items {
			legOK, err := previews[it.Rollup].TryLeg(it.Item)
			if err != nil {
				return nil, err
			}
			ok = ok && legOK
		}
		for _, it := range s.Items {
			previews[it.Rollup].Settle(ok)
		}
		if ok {
			out = append(out, byte(ordering.OutcomeSuccess))
		} else {
			out = append(out, byte(ordering.OutcomeFail))
		}
	}
	return out, nil
}

// preview opens rollup id's executor positioned after block height-1.
func (r *Runner) preview(ctx context.Context, id tx.RollupID, height int64, prev *consensusv1.BundleVerdicts) (Preview, error) {
	snap := r.store.Snapshot()
	reg, ok, err := snap.Rollup(id)
	snap.Discard()
	if err != nil {
		return nil, err
	}
	if !ok || !reg.Atomic {
		return nil, fmt.Errorf("not a registered atomic rollup")
	}
	e, err := r.executor(reg)
	if err != nil {
		return nil, err
	}
	if err := r.catchUp(ctx, e, reg, height-2); err != nil {
		return nil, err
	}
	var pending []sdk.Block
	if last := height - 1; last >= reg.RegisteredHeight {
		b, err := r.block(id, last, prev)
		if err != nil {
			return nil, err
		}
		pending = append(pending, b)
	}
	return e.Preview(ctx, pending)
}

// executor returns the rollup's executor, opening it on first use.
func (r *Runner) executor(reg ledger.Rollup) (Executor, error) {
	if e, ok := r.execs[reg.ID]; ok {
		return e, nil
	}
	k, ok := kinds[reg.Executor]
	if !ok {
		return nil, fmt.Errorf("executor kind %q is not in this binary", reg.Executor)
	}
	dir := filepath.Join(r.dir, reg.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	e, err := k.Open(dir, reg.ExecutorGenesis)
	if err != nil {
		return nil, fmt.Errorf("opening %s executor in %s: %w", reg.Executor, dir, err)
	}
	r.execs[reg.ID] = e
	return e, nil
}

// catchUp applies the committed heights up to `to` that the executor has
// not applied, each with its committed verdicts.
func (r *Runner) catchUp(ctx context.Context, e Executor, reg ledger.Rollup, to int64) error {
	from, err := r.nextHeight(e, reg)
	if err != nil {
		return err
	}
	for h := from; h <= to; h++ {
		if err := r.apply(ctx, e, reg, h); err != nil {
			return err
		}
	}
	return nil
}

// nextHeight is the height the executor applies next: its first height is
// the rollup's registration height.
func (r *Runner) nextHeight(e Executor, reg ledger.Rollup) (int64, error) {
	applied, err := e.AppliedHeight()
	if err != nil {
		return 0, err
	}
	if applied == 0 {
		return reg.RegisteredHeight, nil
	}
	return applied + 1, nil
}

// apply executes committed height h of reg with its committed verdicts.
func (r *Runner) apply(ctx context.Context, e Executor, reg ledger.Rollup, h int64) error {
	v, _, err := r.store.AtomicBundles(h)
	if err != nil {
		return err
	}
	b, err := r.block(reg.ID, h, v)
	if err != nil {
		return err
	}
	if _, err := e.ExecuteBlock(ctx, b); err != nil {
		return fmt.Errorf("executing height %d: %w", h, err)
	}
	return nil
}

// block is rollup id's committed block at height with the verdicts v.
func (r *Runner) block(id tx.RollupID, height int64, v *consensusv1.BundleVerdicts) (sdk.Block, error) {
	rb, err := r.store.RollupBlock(id, height)
	if err != nil {
		return sdk.Block{}, err
	}
	items := make([]commitment.Item, len(rb.Items))
	for i, p := range rb.Items {
		if items[i], err = commitment.ItemFromProto(p); err != nil {
			return sdk.Block{}, err
		}
	}
	b := sdk.Block{Rollup: id, Height: height, Items: sdk.ItemsOf(items)}
	if err := sdk.ApplyVerdicts(b.Items, v); err != nil {
		return sdk.Block{}, fmt.Errorf("height %d: %w", height, err)
	}
	return b, nil
}
