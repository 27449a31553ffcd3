// Package testnet starts an Ordo network of N validators as separate OS
// processes (the `ordo start` binary) on loopback addresses 127.0.0.1 to
// 127.0.0.N, each with its own home folder and log file. `ordo localnet`
// uses it, and so do integration tests (see Start).
package testnet

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/ordolabs/ordo/consensus"
	"github.com/ordolabs/ordo/internal/keyring"
	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/rollup-adapters/kv"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/sequencer/node"
	"github.com/ordolabs/ordo/sequencer/tx"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
)

// Options describe a network. Zero values take the defaults noted.
type Options struct {
	// Validators is the number of validators (default 4).
	Validators int
	// Dir holds every home folder; Setup empties it first.
	Dir string
	// Binary is the `ordo` executable started for each validator (not
	// needed for in-process networks).
	Binary string
	// ChainID defaults to "ordo-localnet".
	ChainID string
	// FixedPorts uses the standard ports (RPC 26657, P2P 26656, gRPC 9090,
	// metrics 26660) on each validator's own IP; otherwise free ports are
	// picked, so several networks can run at once (tests).
	FixedPorts bool
	// FirstIP is the last octet of validator 0's address (default 1).
	FirstIP int
	// DevAccounts funded at genesis (default 4), DevBalance each
	// (default 10^15).
	DevAccounts int
	DevBalance  uint64
	// Rollups registered at genesis (default "demo-a", "demo-b").
	Rollups []string
	// AtomicRollups are those of Rollups registered atomic
	// (docs/spec/bundles.md), with the kv executor from KVGenesis; the
	// demo runs their adapters in atomic mode.
	AtomicRollups []string
	// RollupMaxBytes sets per-block byte caps for some of Rollups (others
	// use the chain default).
	RollupMaxBytes map[string]uint64
	// DisableFairOrdering switches the fair-ordering rule off in genesis
	// (to test the other block rules alone, or to measure its cost).
	DisableFairOrdering bool
	// DA is the DA backend: "local" (default; the network runs a local DA
	// service that every validator posts to), "ethereum" (EIP-4844 blobs on
	// the network's in-process go-ethereum L1) or "none".
	DA string
	// L1Inbox turns the L1 inbox (forced inclusion) on in genesis, with
	// every validator following the network's in-process L1.
	L1Inbox bool
	// L1Unreachable lists validators whose [l1] rpc points at a closed
	// port (fault tests: a validator whose L1 endpoint is down).
	L1Unreachable []int
	// BlockInterval is CometBFT's timeout_commit (default 500ms).
	BlockInterval time.Duration
	// CometBFTGossip makes validators relay pending txs with CometBFT's
	// flood mempool (ordo.toml mempool.gossip = "cometbft") instead of
	// Ordo's batched gossip, to compare the two.
	CometBFTGossip bool
	// Progress receives human-readable progress lines (may be nil).
	Progress io.Writer
}

func (o *Options) defaults() {
	if o.Validators == 0 {
		o.Validators = 4
	}
	if o.ChainID == "" {
		o.ChainID = "ordo-localnet"
	}
	if o.FirstIP == 0 {
		o.FirstIP = 1
	}
	if o.DevAccounts == 0 {
		o.DevAccounts = 4
	}
	if o.DevBalance == 0 {
		o.DevBalance = 1_000_000_000_000_000
	}
	if o.Rollups == nil {
		o.Rollups = []string{"demo-a", "demo-b"}
	}
	if o.BlockInterval == 0 {
		o.BlockInterval = 500 * time.Millisecond
	}
	if o.DA == "" {
		o.DA = "local"
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}

// Network is a set-up (and possibly running) localnet.
type Network struct {
	Opts       Options
	ChainID    string
	Validators []*Validator
	// ClientHome holds the dev account keys (dev0, dev1, ...), for
	// `ordo tx ... --home ClientHome`.
	ClientHome string
	DevKeys    []keyring.Key
	// DAAddr is the local DA service's address ("" unless Options.DA is
	// "local").
	DAAddr string

	da localDA
	l1 l1Chain
}

// Setup writes the homes, keys and a shared genesis, but starts nothing.
func Setup(o Options) (*Network, error) {
	o.defaults()
	if o.Dir == "" {
		return nil, errors.New("testnet: Options.Dir is required")
	}
	if o.Validators < 1 || o.FirstIP+o.Validators > 255 {
		return nil, fmt.Errorf("testnet: %d validators from 127.0.0.%d do not fit in 127.0.0.0/24", o.Validators, o.FirstIP)
	}
	if err := os.RemoveAll(o.Dir); err != nil {
		return nil, err
	}
	n := &Network{Opts: o, ChainID: o.ChainID, ClientHome: filepath.Join(o.Dir, "client")}
	if o.needsL1() {
		if err := n.planL1(); err != nil {
			return nil, err
		}
	}
	switch o.DA {
	case "none", "ethereum":
	case "local":
		ip := "127.0.0." + strconv.Itoa(o.FirstIP)
		port := 9190
		if !o.FixedPorts {
			var err error
			if port, err = FreePort(ip); err != nil {
				return nil, err
			}
		}
		n.DAAddr = net.JoinHostPort(ip, strconv.Itoa(port))
	default:
		return nil, fmt.Errorf("testnet: Options.DA %q: want \"local\", \"ethereum\" or \"none\"", o.DA)
	}
	var infos []node.ValidatorInfo
	for i := 0; i < o.Validators; i++ {
		v, info, err := setupValidator(o, i, n)
		if err != nil {
			return nil, err
		}
		n.Validators = append(n.Validators, v)
		infos = append(infos, info)
	}
	if err := n.connectPeers(); err != nil {
		return nil, err
	}
	gen := consensus.Genesis{Params: consensus.DefaultGenesisParams()}
	gen.Params.Fair.Enabled = !o.DisableFairOrdering
	gen.Params.Inbox.Enabled = o.L1Inbox
	if o.needsL1() {
		gen.Params.Inbox.ChainID = n.l1.cfg.ChainID
	}
	consensus.FitReportEntries(&gen.Params, o.Validators)
	for i := 0; i < o.DevAccounts; i++ {
		k, err := keyring.Save(n.ClientHome, "dev"+strconv.Itoa(i), ed25519.GenPrivKey())
		if err != nil {
			return nil, err
		}
		n.DevKeys = append(n.DevKeys, k)
		gen.Accounts = append(gen.Accounts, consensus.GenesisAccount{
			Address: k.Address().String(), Balance: strconv.FormatUint(o.DevBalance, 10),
		})
	}
	if o.needsL1() {
		// The client's L1 key (for `ordo tx force`): dev key n, after the
		// validators' posting keys.
		if err := writeL1Key(filepath.Join(n.ClientHome, "l1_key.hex"), o.Validators); err != nil {
			return nil, err
		}
	}
	for _, r := range o.Rollups {
		gr := consensus.GenesisRollup{Name: r, Owner: n.DevKeys[0].Address().String()}
		if c, ok := o.RollupMaxBytes[r]; ok {
			gr.MaxBytesPerBlock = strconv.FormatUint(c, 10)
		}
		if slices.Contains(o.AtomicRollups, r) {
			gr.Atomic, gr.Executor = true, "kv"
			gr.ExecutorGenesis = hex.EncodeToString(kv.EncodeGenesis(n.KVGenesis()))
		}
		gen.Rollups = append(gen.Rollups, gr)
	}
	genesisTime := time.Now().UTC().Truncate(time.Second)
	for _, v := range n.Validators {
		if err := node.WriteGenesis(filepath.Join(v.Home, "config", "genesis.json"), o.ChainID, genesisTime, infos, gen); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func setupValidator(o Options, i int, n *Network) (*Validator, node.ValidatorInfo, error) {
	ip := "127.0.0." + strconv.Itoa(o.FirstIP+i)
	v := &Validator{Index: i, Moniker: fmt.Sprintf("validator%d", i), IP: ip,
		Home: filepath.Join(o.Dir, fmt.Sprintf("validator%d", i))}
	v.LogFile = filepath.Join(v.Home, "ordo.log")
	ports := []int{26657, 26656, 9090, 26660, 6060}
	if !o.FixedPorts {
		for j := range ports {
			p, err := FreePort(ip)
			if err != nil {
				return nil, node.ValidatorInfo{}, err
			}
			ports[j] = p
		}
	}
	v.RPCAddr = net.JoinHostPort(ip, strconv.Itoa(ports[0]))
	v.P2PAddr = net.JoinHostPort(ip, strconv.Itoa(ports[1]))
	v.GRPCAddr = net.JoinHostPort(ip, strconv.Itoa(ports[2]))
	v.MetricsAddr = net.JoinHostPort(ip, strconv.Itoa(ports[3]))
	v.PprofAddr = net.JoinHostPort(ip, strconv.Itoa(ports[4]))

	comet := node.DefaultCometConfig(v.Home)
	comet.Moniker = v.Moniker
	comet.RPC.ListenAddress = "tcp://" + v.RPCAddr
	comet.P2P.ListenAddress = "tcp://" + v.P2PAddr
	comet.P2P.AddrBookStrict = false
	comet.P2P.AllowDuplicateIP = true
	comet.P2P.PexReactor = false
	comet.Instrumentation.PrometheusListenAddr = v.MetricsAddr
	comet.RPC.PprofListenAddress = v.PprofAddr
	comet.Consensus.TimeoutCommit = o.BlockInterval
	comet.LogLevel = "info"
	ordo := node.DefaultOrdoConfig()
	ordo.GRPC.Address = v.GRPCAddr
	if o.CometBFTGossip {
		ordo.Mempool.Gossip, comet.Mempool.Broadcast = mempool.GossipCometBFT, true
	}
	switch o.DA {
	case "local":
		ordo.DA.Backend, ordo.DA.LocalAddress = "local", n.DAAddr
		// Blocks come fast on a localnet: give a proposer a few of them.
		ordo.DA.OverdueBlocks = 8
	case "ethereum":
		ordo.DA.Backend = "ethereum"
		ordo.DA.EthRPC, ordo.DA.EthBeacon, ordo.DA.EthChainID = n.l1.rpcURL, n.l1.beaconURL, n.l1.cfg.ChainID
		ordo.DA.EthKeyFile, ordo.DA.EthInbox = filepath.Join("config", "eth_key.hex"), BatchInboxAddress
		// Other posters' blobs count once final on L1 (a few seconds):
		// wait longer than that before posting a height they owe.
		ordo.DA.OverdueBlocks = 40
		if err := writeL1Key(filepath.Join(v.Home, "config", "eth_key.hex"), i); err != nil {
			return nil, node.ValidatorInfo{}, err
		}
	}
	if o.L1Inbox {
		ordo.L1.RPC = n.l1.rpcURL
		if slices.Contains(o.L1Unreachable, i) {
			port, err := FreePort(ip)
			if err != nil {
				return nil, node.ValidatorInfo{}, err
			}
			ordo.L1.RPC = "http://" + net.JoinHostPort(ip, strconv.Itoa(port))
		}
	}
	info, err := node.InitHome(comet, ordo)
	if err != nil {
		return nil, info, fmt.Errorf("validator %d: %w", i, err)
	}
	info.Moniker = v.Moniker
	v.NodeID = info.NodeID
	return v, info, nil
}

// connectPeers rewrites each config.toml with the others as persistent peers.
func (n *Network) connectPeers() error {
	for _, v := range n.Validators {
		var peers []string
		for _, p := range n.Validators {
			if p != v {
				peers = append(peers, p.NodeID+"@"+p.P2PAddr)
			}
		}
		cfgPath := filepath.Join(v.Home, "config", "config.toml")
		b, err := os.ReadFile(cfgPath)
		if err != nil {
			return err
		}
		out := strings.Replace(string(b), `persistent_peers = ""`, `persistent_peers = "`+strings.Join(peers, ",")+`"`, 1)
		if out == string(b) {
			return fmt.Errorf("%s: no persistent_peers line to fill", cfgPath)
		}
		if err := os.WriteFile(cfgPath, []byte(out), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Start starts the in-process L1 and the local DA service (if any), then
// every validator.
func (n *Network) Start() error {
	if err := n.startL1(); err != nil {
		return err
	}
	if err := n.startDA(); err != nil {
		n.stopL1()
		return err
	}
	for _, v := range n.Validators {
		if err := n.StartValidator(v.Index); err != nil {
			n.Stop()
			return err
		}
	}
	return nil
}

// Stop stops every running validator (SIGTERM, then SIGKILL after a grace
// period), then the local DA service.
func (n *Network) Stop() error {
	var errs []error
	for _, v := range n.Validators {
		errs = append(errs, v.stop(10*time.Second))
	}
	errs = append(errs, n.stopDA(), n.stopL1())
	return errors.Join(errs...)
}

// Client dials validator i's gRPC API.
func (n *Network) Client(i int) (*client.Client, error) {
	return client.Dial(n.Validators[i].GRPCAddr)
}

// Signer returns a signer for dev account i.
func (n *Network) Signer(i int) client.Signer {
	p := consensus.DefaultGenesisParams()
	base, _ := strconv.ParseUint(p.BaseFee, 10, 64)
	perByte, _ := strconv.ParseUint(p.FeePerByte, 10, 64)
	return client.Signer{Key: n.DevKeys[i].PrivKey, ChainID: n.ChainID, BaseFee: base, FeePerByte: perByte}
}

// Rollup returns the id of a rollup registered at genesis.
func (n *Network) Rollup(name string) tx.RollupID { return tx.RollupIDFromName(name) }

// Height returns validator i's committed height.
func (n *Network) Height(ctx context.Context, i int) (int64, error) {
	c, err := n.Client(i)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	st, err := c.Query.Status(ctx, &sequencerv1.StatusRequest{})
	if err != nil {
		return 0, err
	}
	return st.Height, nil
}

// WaitForHeight waits until every running validator has committed height h.
func (n *Network) WaitForHeight(ctx context.Context, h int64) error {
	for _, v := range n.Validators {
		if !v.Running() {
			continue
		}
		if err := n.WaitValidatorHeight(ctx, v.Index, h); err != nil {
			return err
		}
	}
	return nil
}

// WaitValidatorHeight waits until validator i has committed height h.
func (n *Network) WaitValidatorHeight(ctx context.Context, i int, h int64) error {
	var last int64
	var lastErr error
	for {
		got, err := n.Height(ctx, i)
		if err == nil && got >= h {
			return nil
		}
		last, lastErr = got, err
		if !n.Validators[i].Running() {
			return fmt.Errorf("validator %d exited while waiting for height %d (see %s)", i, h, n.Validators[i].LogFile)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("validator %d at height %d (last error %v), waiting for %d: %w", i, last, lastErr, h, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ValidatorAddress returns validator i's consensus address (also its fee
// account address).
func (n *Network) ValidatorAddress(i int) ([]byte, error) {
	pv, err := readPrivValidatorAddress(filepath.Join(n.Validators[i].Home, "config", "priv_validator_key.json"))
	if err != nil {
		return nil, fmt.Errorf("validator %d: %w", i, err)
	}
	return pv, nil
}
