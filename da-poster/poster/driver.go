package poster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cometbft/cometbft/libs/log"

	"github.com/ordolabs/ordo/da-poster/batch"
	"github.com/ordolabs/ordo/da-poster/da"
)

// Per-step bounds, so one step never runs for long: a step catches up at
// most this many finalized heights and posts at most this many batches.
const (
	maxSyncPerStep    = 10_000
	maxBatchesPerStep = 16
)

// Deps are what the driver works with.
type Deps struct {
	// Source reads finalized blocks (required).
	Source BlockSource
	// Backend is the DA layer (required).
	Backend da.Backend
	// Journal stores progress (required): a BadgerJournal in production.
	Journal Journal
	// Logger (optional; defaults to no logging).
	Logger log.Logger
	// OnFirm (optional) is called from the driver's goroutine each time the
	// firm height advances, with the new firm height. It must not block for
	// long; hand the value to a channel or an atomic if in doubt.
	OnFirm func(firm int64)
}

// Driver runs a Manager against a BlockSource and a DA backend: it feeds
// finalized heights, packs and submits batches, polls their status, scans
// the DA layer for other posters' copies, and retries failures with capped
// exponential backoff. All network and clock use of the poster is here.
//
// Lifecycle: New, then Start (or Run in a goroutine you own), then Stop.
// A driver runs once.
type Driver struct {
	cfg  Config
	m    *Manager
	src  BlockSource
	be   da.Backend
	log  log.Logger
	onFn func(int64)

	wake chan struct{}

	firm, posted, tip atomic.Int64
	failures, posts   atomic.Uint64

	firmMu   sync.Mutex
	firmWait chan struct{} // closed and replaced when the firm height advances

	started atomic.Bool
	cancel  context.CancelFunc
	done    chan struct{}
	err     error // Run's result, readable after done
}

// New loads the poster's journal and returns a driver ready to Start.
func New(cfg Config, deps Deps) (*Driver, error) {
	if deps.Source == nil || deps.Backend == nil || deps.Journal == nil {
		return nil, errors.New("poster: Source, Backend and Journal are required")
	}
	m, err := NewManager(cfg, deps.Journal)
	if err != nil {
		return nil, err
	}
	logger := deps.Logger
	if logger == nil {
		logger = log.NewNopLogger()
	}
	d := &Driver{
		cfg: cfg, m: m, src: deps.Source, be: deps.Backend, log: logger, onFn: deps.OnFirm,
		wake: make(chan struct{}, 1), firmWait: make(chan struct{}), done: make(chan struct{}),
	}
	d.firm.Store(m.FirmHeight())
	d.posted.Store(m.PostedHeight())
	d.tip.Store(m.Tip())
	return d, nil
}

// Start runs the driver in its own goroutine until Stop.
func (d *Driver) Start() error {
	if !d.started.CompareAndSwap(false, true) {
		return errors.New("poster: driver already started")
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go d.run(ctx)
	return nil
}

// Stop stops a driver started with Start, waits for it to exit, and returns
// the error that stopped it, if any (nil when Stop stopped it).
func (d *Driver) Stop() error {
	if d.cancel != nil {
		d.cancel()
	}
	if d.started.Load() {
		<-d.done
	}
	return d.err
}

// Run runs the driver until ctx is done (returning nil) or a critical
// error (a DA error wrapping da.ErrCritical, a record too large for the
// limits, ErrInvariant), which it returns. Temporary failures — DA outages,
// source or journal errors — are retried with backoff and never returned.
func (d *Driver) Run(ctx context.Context) error {
	if !d.started.CompareAndSwap(false, true) {
		return errors.New("poster: driver already started")
	}
	d.run(ctx)
	return d.err
}

// Done is closed when the driver has stopped.
func (d *Driver) Done() <-chan struct{} { return d.done }

// Notify wakes the driver (for example after the node commits a block), so
// a new height is posted without waiting for the poll interval. It never
// blocks and does not cut a backoff short.
func (d *Driver) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// FirmHeight: every height <= FirmHeight is confirmed on DA.
func (d *Driver) FirmHeight() int64 { return d.firm.Load() }

// PostedHeight: every height <= PostedHeight has a copy accepted by or
// included on DA.
func (d *Driver) PostedHeight() int64 { return d.posted.Load() }

// TipHeight is the highest finalized height the driver has seen.
func (d *Driver) TipHeight() int64 { return d.tip.Load() }

// Lag is the number of finalized heights not yet firm.
func (d *Driver) Lag() int64 { return d.tip.Load() - d.firm.Load() }

// Failures counts failed steps (each retried after a backoff).
func (d *Driver) Failures() uint64 { return d.failures.Load() }

// Posts counts blobs the DA layer accepted from this poster (re-submissions
// of the same bytes included).
func (d *Driver) Posts() uint64 { return d.posts.Load() }

// WaitFirm blocks until the firm height reaches h, ctx is done, or the
// driver stops.
func (d *Driver) WaitFirm(ctx context.Context, h int64) error {
	for {
		d.firmMu.Lock()
		ch := d.firmWait
		d.firmMu.Unlock()
		if f := d.firm.Load(); f >= h {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for firm height %d (at %d): %w", h, d.firm.Load(), ctx.Err())
		case <-d.done:
			if d.firm.Load() >= h {
				return nil
			}
			return fmt.Errorf("poster stopped at firm height %d before %d: %v", d.firm.Load(), h, d.err)
		case <-ch:
		}
	}
}

func (d *Driver) run(ctx context.Context) {
	defer close(d.done)
	bo := backoff{min: d.cfg.MinBackoff, max: d.cfg.MaxBackoff}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		err := d.step(ctx)
		d.publish()
		if ctx.Err() != nil {
			return
		}
		wait, wake := d.cfg.PollInterval, d.wake
		if err != nil {
			if fatal(err) {
				d.log.Error("DA poster stopped", "err", err)
				d.err = err
				return
			}
			d.failures.Add(1)
			wait, wake = bo.next(), nil
			d.log.Info("DA poster step failed; retrying", "err", err, "in", wait,
				"firm", d.firm.Load(), "tip", d.tip.Load())
		} else {
			bo.reset()
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-wake:
			timer.Stop()
		}
	}
}

// fatal reports errors retrying cannot fix.
func fatal(err error) bool {
	return da.IsCritical(err) || errors.Is(err, ErrInvariant) || errors.Is(err, batch.ErrRecordTooLarge)
}

// step does one round: learn new heights, settle in-flight posts, post
// what is due, scan DA. It stops at the first error.
func (d *Driver) step(ctx context.Context) error {
	if err := d.syncSource(); err != nil {
		return err
	}
	if err := d.checkStatus(ctx); err != nil {
		return err
	}
	for _, it := range d.m.Unsubmitted() {
		if err := d.submit(ctx, it); err != nil {
			return err
		}
	}
	if err := d.postDue(ctx); err != nil {
		return err
	}
	return d.scan(ctx)
}

// syncSource feeds the manager the finalized heights it has not seen.
func (d *Driver) syncSource() error {
	last, err := d.src.LastHeight()
	if err != nil {
		return fmt.Errorf("block source: last height: %w", err)
	}
	for h, end := d.m.Tip()+1, min(last, d.m.Tip()+maxSyncPerStep); h <= end; h++ {
		p, err := d.src.Proposer(h)
		if err != nil {
			return fmt.Errorf("block source: proposer of %d: %w", h, err)
		}
		if err := d.m.Finalized(h, p); err != nil {
			return err
		}
	}
	d.m.Tick(last)
	return nil
}

// checkStatus asks the DA layer about every in-flight post.
func (d *Driver) checkStatus(ctx context.Context) error {
	for _, it := range d.m.InFlight() {
		st, err := d.be.Status(ctx, it.Ref)
		if err != nil {
			return fmt.Errorf("DA status of batch %v: %w", it.Range(), err)
		}
		if st == da.StateDropped {
			d.log.Info("DA dropped a batch; posting it again", "heights", it.Range().String())
		}
		if err := d.m.RecordStatus(it.First, st); err != nil {
			return err
		}
	}
	return nil
}

// postDue packs, records and submits the batches that are due.
func (d *Driver) postDue(ctx context.Context) error {
	opts := batch.PackOptions{MaxBatchBytes: d.cfg.MaxBatchBytes, Limits: d.cfg.Limits}
	// Read no more records than could possibly fit in one batch.
	budget := min(d.cfg.Limits.MaxDecompressed, 16*d.cfg.MaxBatchBytes)
	for range maxBatchesPerStep {
		first, count, ok := d.m.Next(d.cfg.MaxBatchHeights)
		if !ok {
			return nil
		}
		var recs [][]byte
		size := 0
		for h := first; h < first+int64(count) && (len(recs) == 0 || size < budget); h++ {
			r, err := d.src.Record(h)
			if err != nil {
				return fmt.Errorf("block source: record %d: %w", h, err)
			}
			recs = append(recs, r)
			size += len(r)
		}
		p, err := batch.Pack(first, recs, opts)
		if err != nil {
			return fmt.Errorf("packing heights from %d: %w", first, err)
		}
		it, err := d.m.RecordIntent(p.First, p.Count, p.Data)
		if err != nil {
			return err
		}
		if err := d.submit(ctx, it); err != nil {
			return err
		}
	}
	return nil
}

// submit posts an intent's bytes and records the reference.
func (d *Driver) submit(ctx context.Context, it Intent) error {
	ref, err := d.be.Submit(ctx, it.Blob)
	if err != nil {
		return fmt.Errorf("DA submit of batch %v: %w", it.Range(), err)
	}
	d.posts.Add(1)
	d.log.Debug("posted batch", "heights", it.Range().String(), "bytes", len(it.Blob), "ref", ref.String())
	return d.m.RecordSubmitted(it.First, ref)
}

// publish copies the manager's heights to the accessors and notifies
// firm-height watchers.
func (d *Driver) publish() {
	d.tip.Store(d.m.Tip())
	d.posted.Store(d.m.PostedHeight())
	firm := d.m.FirmHeight()
	if firm == d.firm.Swap(firm) {
		return
	}
	d.firmMu.Lock()
	close(d.firmWait)
	d.firmWait = make(chan struct{})
	d.firmMu.Unlock()
	if d.onFn != nil {
		d.onFn(firm)
	}
}
