package sdk

import (
	"context"

	"fmt"
	"sync"
	"time"

	"github.com/cometbft/cometbft/libs/log"
)

// Driver feeds an Executor every Ordo height exactly once, in order, and
// resumes after a crash from the executor's durable AppliedHeight (see the
// Executor contract).
type Driver struct {
	Client *Client
	Exec   Executor
	// StartHeight is the first Ordo height to execute when the executor has
	// applied nothing yet (default 1).
	StartHeight int64
	Logger      log.Logger
	// OnExecuted, when set, is called after each height with its state
	// root (for example to publish it, or in tests to compare instances).
	OnExecuted func(d Delivery, stateRoot []byte)
	// Backoff is the pause after a failed stream before retrying (default
	// one second).
	Backoff time.Duration

	mu       sync.Mutex
	soft     int64
	firm     int64
	lastRoot []byte
	lastErr  error
}

// Run drives the executor until ctx ends. Verification failures (a
// tampering node) and executor errors are logged and retried after Backoff
// from the executor's applied height, so nothing is skipped or applied
// twice.
func (d *Driver) Run(ctx context.Context) error {
	if d.Logger == nil {
		d.Logger = log.NewNopLogger()
	}
	backoff := d.Backoff
	if backoff <= 0 {
		backoff = time.Second
	}
	for {
		err := d.runOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d.mu.Lock()
		d.lastErr = err
		d.mu.Unlock()
		d.Logger.Error("rollup driver: stream stopped, retrying", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

func (d *Driver) runOnce(ctx context.Context) error {
	applied, err := d.Exec.AppliedHeight()
	if err != nil {
		return fmt.Errorf("executor applied height: %w", err)
	}
	from := applied + 1
	if applied == 0 {
		from = max(d.StartHeight, 1)
	}
	return d.Client.Stream(ctx, from, func(del Delivery) error {
		want := from
		if applied, err := d.Exec.AppliedHeight(); err != nil {
			return err
		} else if applied > 0 {
			want = applied + 1
		}
		if del.Block.Height != want {
			return fmt.Errorf("delivery of height %d, executor expects %d", del.Block.Height, want)
		}
		root, err := d.Exec.ExecuteBlock(ctx, del.Block)
		if err != nil {
			return fmt.Errorf("executing height %d: %w", del.Block.Height, err)
		}
		d.mu.Lock()
		d.soft, d.firm, d.lastRoot, d.lastErr = del.Block.Height, del.FirmHeight, root, nil
		d.mu.Unlock()
		d.Exec.UpdateHeads(del.Block.Height, del.FirmHeight)
		if d.OnExecuted != nil {
			d.OnExecuted(del, root)
		}
		return nil
	})
}

// Status is a driver's progress.
type Status struct {
	// Soft is the last height executed; Firm the node's firm head then.
	Soft, Firm int64
	StateRoot  []byte
	// Err is the last error that stopped the stream, nil once it resumed.
	Err error
}

// Status reports the driver's progress.
func (d *Driver) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return Status{Soft: d.soft, Firm: d.firm, StateRoot: d.lastRoot, Err: d.lastErr}
}
