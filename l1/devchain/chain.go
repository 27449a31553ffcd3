package devchain

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/cometbft/cometbft/libs/log"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/rpc"
)

// Chain is a running dev chain. Its methods are safe for concurrent use.
// Create it with Start and release it with Stop.
type Chain struct {
	cfg            Config
	log            log.Logger
	keys           []*ecdsa.PrivateKey
	genesisTime    uint64
	secondsPerSlot uint64

	node     *node.Node
	eth      *eth.Ethereum
	client   *ethclient.Client
	sidecars *sidecarStore
	beacon   *beaconServer

	sealMu  sync.Mutex // serializes block production; guards stopped
	stopped bool

	stop     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
	stopErr  error
}

// Start validates cfg and starts a dev chain: the go-ethereum node with
// its JSON-RPC server, the beacon API server and, if cfg.BlockPeriod > 0,
// automatic block production. The genesis block's time is the current
// time in whole seconds. On error nothing is left running.
func Start(cfg Config) (*Chain, error) {
	if err := cfg.ValidateBasic(); err != nil {
		return nil, err
	}
	keys, err := devKeys(cfg.DevAccounts)
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = log.NewNopLogger()
	}
	c := &Chain{
		cfg:            cfg,
		log:            logger,
		keys:           keys,
		genesisTime:    uint64(time.Now().Unix()),
		secondsPerSlot: cfg.secondsPerSlot(),
		sidecars:       newSidecarStore(cfg.BlobRetention),
		stop:           make(chan struct{}),
	}
	if err := c.startNode(); err != nil {
		return nil, err
	}
	beacon, err := startBeaconServer(cfg.BeaconAddr, c)
	if err != nil {
		c.client.Close()
		return nil, errors.Join(err, c.node.Close())
	}
	c.beacon = beacon
	if cfg.BlockPeriod > 0 {
		c.wg.Add(1)
		go c.produce(c.stop)
	}
	return c, nil
}

// startNode creates and starts the go-ethereum node, marks genesis
// finalized and attaches the in-process client.
func (c *Chain) startNode() error {
	host, portStr, _ := net.SplitHostPort(c.cfg.HTTPAddr) // validated
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return fmt.Errorf("devchain: HTTPAddr port %q: %w", portStr, err)
	}
	modules := []string{"eth", "net", "web3", "txpool"}
	nodeConf := node.DefaultConfig
	nodeConf.Name = "ordo-devchain"
	nodeConf.DataDir = "" // in-memory databases, no files
	nodeConf.IPCPath = "" // no IPC socket
	nodeConf.P2P = p2p.Config{NoDiscovery: true, MaxPeers: 0, ListenAddr: ""}
	nodeConf.HTTPHost, nodeConf.HTTPPort, nodeConf.HTTPModules = host, port, modules
	nodeConf.HTTPVirtualHosts = []string{"*"}
	// Same host and port as HTTP: go-ethereum serves WebSocket on the HTTP
	// listener.
	nodeConf.WSHost, nodeConf.WSPort, nodeConf.WSModules = host, port, modules
	nodeConf.WSOrigins = []string{"*"}
	stack, err := node.New(&nodeConf)
	if err != nil {
		return fmt.Errorf("devchain: creating node: %w", err)
	}

	ethConf := ethconfig.Defaults
	ethConf.NetworkId = c.cfg.ChainID
	ethConf.Genesis = genesis(c.cfg, c.keys, c.genesisTime)
	ethConf.SyncMode = ethconfig.FullSync
	ethConf.TxPool.NoLocals = true
	ethConf.Miner.GasCeil = c.cfg.GasLimit
	backend, err := eth.New(stack, &ethConf)
	if err != nil {
		return errors.Join(fmt.Errorf("devchain: creating eth service: %w", err), stack.Close())
	}
	// eth_getLogs, eth_newFilter and subscriptions live in the filter API.
	filterSystem := filters.NewFilterSystem(backend.APIBackend, filters.Config{})
	stack.RegisterAPIs([]rpc.API{{Namespace: "eth", Service: filters.NewFilterAPI(filterSystem)}})
	if err := stack.Start(); err != nil {
		return errors.Join(fmt.Errorf("devchain: starting node: %w", err), stack.Close())
	}
	c.node, c.eth = stack, backend
	gen := backend.BlockChain().Genesis().Header()
	backend.BlockChain().SetFinalized(gen)
	backend.BlockChain().SetSafe(gen)
	backend.SetSynced()
	c.client = ethclient.NewClient(stack.Attach())
	return nil
}

// Stop halts block production, then the beacon API server, then the node
// (closing its JSON-RPC listener and databases). When Stop returns both
// ports refuse connections and no goroutine of the chain is left; what
// remains is go-ethereum's process-wide transaction sender cache
// (core.SenderCacher: one worker per CPU, started on first use, shared by
// every chain in the process). Stop is idempotent; later calls return the
// first call's result.
func (c *Chain) Stop() error {
	c.stopOnce.Do(func() {
		close(c.stop)
		c.wg.Wait()
		c.sealMu.Lock()
		c.stopped = true
		c.sealMu.Unlock()
		err := c.beacon.close()
		c.client.Close()
		c.stopErr = errors.Join(err, c.node.Close())
	})
	return c.stopErr
}

// RPCURL is the JSON-RPC HTTP endpoint, e.g. "http://127.0.0.1:39123".
func (c *Chain) RPCURL() string { return c.node.HTTPEndpoint() }

// WSURL is the JSON-RPC WebSocket endpoint (same port as RPCURL).
func (c *Chain) WSURL() string { return c.node.WSEndpoint() }

// BeaconURL is the beacon API base URL, e.g. "http://127.0.0.1:39124".
func (c *Chain) BeaconURL() string { return c.beacon.url }

// Client is an in-process JSON-RPC client of the chain, closed by Stop.
func (c *Chain) Client() *ethclient.Client { return c.client }

// ChainID is the chain id (EIP-155).
func (c *Chain) ChainID() *big.Int { return new(big.Int).SetUint64(c.cfg.ChainID) }

// DevKeys are the private keys of the prefunded dev accounts, in DevKey
// order. The returned slice is a copy; the keys must not be modified.
func (c *Chain) DevKeys() []*ecdsa.PrivateKey { return append([]*ecdsa.PrivateKey(nil), c.keys...) }

// DevAddresses are the addresses of DevKeys, in the same order.
func (c *Chain) DevAddresses() []common.Address {
	out := make([]common.Address, len(c.keys))
	for i, k := range c.keys {
		out[i] = crypto.PubkeyToAddress(k.PublicKey)
	}
	return out
}

// GenesisTime is the genesis block's timestamp (Unix seconds), also the
// beacon API's genesis_time.
func (c *Chain) GenesisTime() uint64 { return c.genesisTime }

// SecondsPerSlot is the timestamp step between blocks (the beacon API's
// SECONDS_PER_SLOT): BlockPeriod in whole seconds, at least 1.
func (c *Chain) SecondsPerSlot() uint64 { return c.secondsPerSlot }

// SlotOf returns the beacon slot of execution block number: the number
// itself on this chain.
func SlotOf(blockNumber uint64) uint64 { return blockNumber }

// Head is the header of the newest block.
func (c *Chain) Head() *types.Header { return c.eth.BlockChain().CurrentBlock() }

// Finalized is the header of the newest finalized block: Head minus
// FinalityDepth, or genesis while the chain is shorter than that.
func (c *Chain) Finalized() *types.Header { return c.eth.BlockChain().CurrentFinalBlock() }
