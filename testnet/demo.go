package testnet

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/cometbft/cometbft/libs/log"

	"github.com/ordolabs/ordo/rollup-adapters/kv"
	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// DemoBalance is each dev account's balance in every demo kv rollup.
const DemoBalance = 1_000_000

// DemoRollup is one kv rollup instance running behind the SDK driver.
type DemoRollup struct {
	Name string
	// Atomic is set for a rollup registered atomic: its adapter applies
	// bundle legs by their verdicts.
	Atomic bool
	KV     *kv.Rollup
	Driver *sdk.Driver
	conn   *RollupConn
}

// Demo runs a kv rollup instance for each of the network's genesis rollups.
type Demo struct {
	Rollups []*DemoRollup
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// KVGenesis is the demo rollups' genesis: every dev account funded with
// DemoBalance, dev account 0 as minter.
func (n *Network) KVGenesis() kv.Genesis {
	g := kv.Genesis{Balances: make(map[tx.Address]uint64)}
	for i := range n.DevKeys {
		g.Balances[n.Signer(i).Address()] = DemoBalance
	}
	if len(n.DevKeys) > 0 {
		g.Minter = n.Signer(0).Address()
	}
	return g
}

// StartDemo opens a kv rollup in dir/<name> for each genesis rollup and
// drives it from validator i's delivery service (round robin) until Stop.
// Height 1 must be committed.
func (n *Network) StartDemo(ctx context.Context, dir string, logger log.Logger) (*Demo, error) {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	runCtx, cancel := context.WithCancel(context.Background())
	d := &Demo{cancel: cancel}
	for i, name := range n.Opts.Rollups {
		conn, err := n.RollupClient(ctx, i%len(n.Validators), n.Rollup(name), logger.With("rollup", name, "module", "light"))
		if err != nil {
			d.Stop()
			return nil, fmt.Errorf("demo rollup %s: %w", name, err)
		}
		state, err := kv.Open(filepath.Join(dir, name), n.KVGenesis())
		if err != nil {
			conn.Close()
			d.Stop()
			return nil, fmt.Errorf("demo rollup %s: %w", name, err)
		}
		conn.Verifier.Atomic = slices.Contains(n.Opts.AtomicRollups, name)
		r := &DemoRollup{Name: name, Atomic: conn.Verifier.Atomic, KV: state, conn: conn, Driver: &sdk.Driver{
			Client: conn.Client, Exec: state, Backoff: 500 * time.Millisecond,
			Logger: logger.With("rollup", name),
		}}
		d.Rollups = append(d.Rollups, r)
		d.wg.Add(1)
		go func() { defer d.wg.Done(); _ = r.Driver.Run(runCtx) }()
	}
	return d, nil
}

// Stop stops the drivers and closes the rollups.
func (d *Demo) Stop() error {
	d.cancel()
	d.wg.Wait()
	var errs []error
	for _, r := range d.Rollups {
		errs = append(errs, r.conn.Close(), r.KV.Close())
	}
	return errors.Join(errs...)
}
