package testnet

import (
	"fmt"
	"os"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/libs/log"

	"github.com/ordolabs/ordo/consensus"
	"github.com/ordolabs/ordo/sequencer/node"
)

// AppWrapper lets a test replace validator i's ABCI application, for
// example with a byzantine proposer. Returning app unchanged keeps the
// validator honest.
type AppWrapper func(i int, app *consensus.App) abci.Application

// StartInProcess sets up a network like Start but runs every validator as a
// real CometBFT node inside the test process (talking over loopback TCP),
// so that wrap can alter a validator's application. Logs go to each
// validator's LogFile. The network stops when the test ends.
func StartInProcess(t testing.TB, o Options, wrap AppWrapper) *Network {
	t.Helper()
	n := setupForTest(t, o)
	if err := n.startL1(); err != nil {
		t.Fatal(err)
	}
	if err := n.startDA(); err != nil {
		t.Fatal(err)
	}
	for _, v := range n.Validators {
		if err := n.startInProcess(v, wrap); err != nil {
			t.Fatalf("starting validator %d in process: %v", v.Index, err)
		}
	}
	return n
}

func (n *Network) startInProcess(v *Validator, wrap AppWrapper) error {
	cfg, err := node.LoadConfig(v.Home)
	if err != nil {
		return err
	}
	// One Prometheus registry per process: only separate processes get metrics.
	cfg.Comet.Instrumentation.Prometheus = false
	logf, err := os.OpenFile(v.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	logger := log.NewFilter(log.NewTMLogger(log.NewSyncWriter(logf)), log.AllowInfo())
	var opts []node.Option
	if wrap != nil {
		i := v.Index
		opts = append(opts, node.WithAppWrapper(func(app *consensus.App) abci.Application { return wrap(i, app) }))
	}
	nd, err := node.New(cfg, logger, opts...)
	if err != nil {
		logf.Close()
		return err
	}
	if err := nd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("validator %d: %w", v.Index, err)
	}
	v.mu.Lock()
	v.inproc = nd
	v.mu.Unlock()
	return nil
}
