// Package node wires one Ordo validator together. New is the one place the
// pipeline is assembled, in the order a transaction travels:
//
//	gRPC API (sequencer/api) → tx gossip and admission (mempool/gossip) →
//	app pool (mempool) →
//	consensus handlers (consensus) → ordering rules (ordering) →
//	ledger and state store (sequencer/ledger, sequencer/state)
//
// DA posting and rollup delivery attach here as they land.
package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/libs/log"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"google.golang.org/grpc"

	"github.com/ordolabs/ordo/consensus"
	"github.com/ordolabs/ordo/l1/inbox"
	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/mempool/gossip"
	"github.com/ordolabs/ordo/sequencer/api"
	"github.com/ordolabs/ordo/sequencer/atomic"
	"github.com/ordolabs/ordo/sequencer/state"
)

// Node is a running (or startable) Ordo validator or full node.
type Node struct {
	cfg    *Config
	logger log.Logger

	store *state.Store
	pool  *mempool.Pool
	app   *consensus.App
	comet *cmtnode.Node
	api   *api.Server
	// delivery serves rollups their data with proofs.
	delivery *api.DeliveryServer
	// da posts finalized blocks to the DA layer (nil without one).
	da *daPoster
	// l1 follows the L1 inbox (nil without one).
	l1 *inbox.Follower

	grpc     *grpc.Server
	grpcAddr net.Addr
	// executors runs the atomic rollups' executors (verifier mode).
	executors *atomic.Runner
}

// Option adjusts how New assembles a node.
type Option func(*options)

type options struct {
	wrapApp func(*consensus.App) abci.Application
}

// WithAppWrapper makes CometBFT talk to wrap(app) instead of the Ordo app
// itself. Tests use it to build byzantine validators (a proposer that
// breaks the rules) and to observe ABCI calls; production never sets it.
func WithAppWrapper(wrap func(*consensus.App) abci.Application) Option {
	return func(o *options) { o.wrapApp = wrap }
}

// New assembles a node from its configuration. Call Start to run it.
func New(cfg *Config, logger log.Logger, opts ...Option) (*Node, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if err := cfg.validateGossip(); err != nil {
		return nil, err
	}
	store, err := state.Open(filepath.Join(cfg.Comet.DBDir(), "ordo-state"), state.Options{
		SyncWrites: cfg.Ordo.State.SyncWrites, Logger: badgerLogger{logger.With("module", "state")},
	})
	if err != nil {
		return nil, err
	}
	pool := mempool.New(cfg.Ordo.Mempool, time.Now)
	app, err := consensus.NewApp(store, pool, logger.With("module", "ordo"))
	if err != nil {
		store.Close()
		return nil, err
	}
	// Before CometBFT's handshake, which may replay blocks: atomic rollup
	// registrations are checked against the compiled-in executor kinds.
	executors := atomic.NewRunner(filepath.Join(cfg.Comet.DBDir(), "atomic"), store, logger.With("module", "atomic"))
	app.SetExecutors(atomic.Kinds{}, executors)
	var abciApp abci.Application = app
	if o.wrapApp != nil {
		abciApp = o.wrapApp(app)
	}
	// Pending txs travel by Ordo's batched gossip (a p2p reactor beside
	// CometBFT's) unless the operator chose CometBFT's flood mempool.
	var cometOpts []cmtnode.Option
	var txGossip *gossip.Reactor
	if cfg.Ordo.Mempool.Gossip == mempool.GossipOrdo {
		// Admission goes through the wrapper when it has its own (tests'
		// censoring validators), else straight to the app.
		var admit gossip.Admitter = app
		if a, ok := abciApp.(gossip.Admitter); ok {
			admit = a
		}
		txGossip = gossip.NewReactor(gossip.DefaultConfig(), admit, pendingTxs(pool))
		txGossip.SetLogger(logger.With("module", "gossip"))
		app.SetOnAdmit(txGossip.Relay)
		cometOpts = append(cometOpts, cmtnode.CustomReactors(map[string]p2p.Reactor{"ORDO_GOSSIP": txGossip}))
	}
	comet, err := newCometNode(cfg.Comet, abciApp, logger, cometOpts...)
	if err != nil {
		store.Close()
		return nil, err
	}
	n := &Node{cfg: cfg, logger: logger, store: store, pool: pool, app: app, comet: comet, executors: executors}
	var submitter api.Submitter = mempoolSubmitter{
		mp:       comet.Mempool(),
		maxLocal: int(cfg.Ordo.Mempool.SubmitFill * float64(cfg.Comet.Mempool.Size)),
	}
	if txGossip != nil {
		submitter = gossipSubmitter{
			gossip:   txGossip,
			app:      app,
			pool:     pool,
			maxLocal: int(cfg.Ordo.Mempool.SubmitFill * float64(cfg.Ordo.Mempool.MaxTxs)),
		}
	}
	n.api = api.NewServer(api.Backend{
		ChainID:    func() string { return comet.GenesisDoc().ChainID },
		Params:     app.Params,
		Store:      store,
		Pool:       pool,
		Rejections: app.Status(),
		Submitter:  submitter,
		Version:    consensus.Version,
		DABackend:  cfg.Ordo.DA.Backend,
		FirmHeight: func() int64 { return n.da.firmHeight() },
	})
	if n.l1, err = newL1Follower(cfg, comet.GenesisDoc(), logger.With("module", "l1-inbox")); err != nil {
		store.Close()
		return nil, err
	}
	if n.l1 != nil {
		app.SetL1(l1Source{n.l1})
	}
	pub, err := comet.PrivValidator().GetPubKey()
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("validator key: %w", err)
	}
	n.da, err = newDAPoster(cfg, store, pub.Address(), comet.GenesisDoc().InitialHeight, logger.With("module", "da-poster"))
	if err != nil {
		store.Close()
		return nil, err
	}
	n.delivery = api.NewDeliveryServer(api.DeliveryBackend{
		Store: store, Headers: cometHeaders{comet.BlockStore()}, FirmHeight: n.da.firmHeight,
	})
	executors.Start()
	return n, nil
}

func newCometNode(c *cmtcfg.Config, app abci.Application, logger log.Logger, opts ...cmtnode.Option) (*cmtnode.Node, error) {
	nodeKey, err := p2p.LoadNodeKey(c.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("loading node key %s: %w", c.NodeKeyFile(), err)
	}
	for _, f := range []string{c.PrivValidatorKeyFile(), c.PrivValidatorStateFile(), c.GenesisFile()} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%w (run `ordo init` to create the home folder)", err)
		}
	}
	pv := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	return cmtnode.NewNode(context.Background(), c, pv, nodeKey,
		proxy.NewConsensusSyncLocalClientCreator(app),
		cmtnode.DefaultGenesisDocProviderFunc(c),
		closeGuardedDBProvider(cmtcfg.DefaultDBProvider),
		cmtnode.DefaultMetricsProvider(c.Instrumentation),
		logger,
		opts...,
	)
}

// Start starts CometBFT (which runs the ABCI handshake and replays missing
// blocks) and then the gRPC API.
func (n *Node) Start() error {
	if n.l1 != nil {
		n.l1.Start()
	}
	if err := n.comet.Start(); err != nil {
		return fmt.Errorf("starting CometBFT: %w", err)
	}
	g, addr, err := api.Listen(n.cfg.Ordo.GRPC.Address, n.api, n.delivery)
	if err != nil {
		_ = n.comet.Stop()
		return err
	}
	n.grpc, n.grpcAddr = g, addr
	if err := n.da.start(); err != nil {
		g.Stop()
		_ = n.comet.Stop()
		return fmt.Errorf("starting the DA poster: %w", err)
	}
	n.logger.Info("ordo node started", "grpc", addr.String(), "rpc", n.cfg.Comet.RPC.ListenAddress, "p2p", n.cfg.Comet.P2P.ListenAddress)
	return nil
}

// Stop stops the API and CometBFT, then closes the state store.
func (n *Node) Stop() error {
	if n.grpc != nil {
		n.grpc.Stop()
	}
	var errs []error
	errs = append(errs, n.da.stop())
	if n.l1 != nil {
		n.l1.Stop()
	}
	if n.comet.IsRunning() {
		if err := n.comet.Stop(); err != nil {
			errs = append(errs, err)
		}
		n.comet.Wait()
	}
	errs = append(errs, n.executors.Close(), n.store.Close())
	return errors.Join(errs...)
}

// GRPCAddr is the bound gRPC address (after Start).
func (n *Node) GRPCAddr() net.Addr { return n.grpcAddr }
