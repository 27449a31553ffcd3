package devchain

import (
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/cometbft/cometbft/libs/log"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
)

// Config configures a dev chain. Start from DefaultConfig and change
// fields; Start validates and never fills in defaults.
type Config struct {
	// ChainID of the chain (EIP-155), also its network id.
	ChainID uint64
	// HTTPAddr is the loopback host:port of the JSON-RPC server (HTTP and
	// WebSocket share it). Port 0 picks a free port; see Chain.RPCURL.
	HTTPAddr string
	// BeaconAddr is the loopback host:port of the beacon API server. Port 0
	// picks a free port; see Chain.BeaconURL.
	BeaconAddr string
	// BlockPeriod is the wall-clock time between produced blocks. 0 turns
	// automatic production off: blocks are made only by Chain.Commit.
	// Block timestamps advance by SecondsPerSlot (BlockPeriod in whole
	// seconds, at least 1) per block whatever the wall clock says, so with
	// a sub-second period or extra Commits they run ahead of real time.
	BlockPeriod time.Duration
	// FinalityDepth is how many blocks finalized (and safe) lag the head.
	// 0 finalizes every block as soon as it is produced.
	FinalityDepth uint64
	// DevAccounts is how many deterministic prefunded accounts to create
	// (see DevKey); each gets DevBalance wei.
	DevAccounts int
	// DevBalance is the genesis balance of each dev account, in wei.
	DevBalance *big.Int
	// Alloc adds genesis accounts (contracts, other funded addresses). An
	// entry for a dev account's address replaces that dev account's entry.
	Alloc types.GenesisAlloc
	// GasLimit is the block gas limit.
	GasLimit uint64
	// FeeRecipient receives the priority fees of produced blocks.
	FeeRecipient common.Address
	// BlobRetention is how many of the newest blocks keep their blob
	// sidecars on the beacon API; older ones are pruned (404), like a real
	// beacon node's retention window. 0 keeps them all.
	BlobRetention uint64
	// Logger receives the chain's own messages (block production failures,
	// server errors). Nil means no logging. go-ethereum's internal logs go
	// to its global logger, which this package leaves untouched.
	Logger log.Logger
}

// DefaultConfig is a chain with id 1337 on free loopback ports, a block per
// second, finality 2 blocks behind the head, and 4 dev accounts holding
// 1,000,000 ETH each.
func DefaultConfig() Config {
	return Config{
		ChainID:       1337,
		HTTPAddr:      "127.0.0.1:0",
		BeaconAddr:    "127.0.0.1:0",
		BlockPeriod:   time.Second,
		FinalityDepth: 2,
		DevAccounts:   4,
		DevBalance:    new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(params.Ether)),
		GasLimit:      60_000_000,
		BlobRetention: 4096,
	}
}

// maxDevAccounts bounds genesis size.
const maxDevAccounts = 1024

// ValidateBasic checks the fields one by one. It does not change cfg.
func (cfg Config) ValidateBasic() error {
	if cfg.ChainID == 0 {
		return errors.New("devchain: ChainID must be > 0")
	}
	if err := checkLoopback("HTTPAddr", cfg.HTTPAddr); err != nil {
		return err
	}
	if err := checkLoopback("BeaconAddr", cfg.BeaconAddr); err != nil {
		return err
	}
	if cfg.BlockPeriod < 0 {
		return fmt.Errorf("devchain: BlockPeriod %v must be >= 0", cfg.BlockPeriod)
	}
	if cfg.DevAccounts < 0 || cfg.DevAccounts > maxDevAccounts {
		return fmt.Errorf("devchain: DevAccounts %d out of [0, %d]", cfg.DevAccounts, maxDevAccounts)
	}
	if cfg.DevAccounts > 0 && (cfg.DevBalance == nil || cfg.DevBalance.Sign() <= 0) {
		return errors.New("devchain: DevBalance must be > 0 when DevAccounts > 0")
	}
	if cfg.GasLimit < params.MinGasLimit {
		return fmt.Errorf("devchain: GasLimit %d below minimum %d", cfg.GasLimit, params.MinGasLimit)
	}
	return nil
}

// checkLoopback requires addr to be host:port with a loopback host, so the
// dev chain's well-known keys are never reachable from another machine.
func checkLoopback(field, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("devchain: %s %q: %w", field, addr, err)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("devchain: %s %q: bad port: %w", field, addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("devchain: %s %q: host must be a loopback IP or localhost", field, addr)
	}
	return nil
}

// secondsPerSlot is the timestamp step between consecutive blocks: the
// block period in whole seconds, at least 1 (timestamps are integers and
// must increase).
func (cfg Config) secondsPerSlot() uint64 {
	return max(1, uint64(cfg.BlockPeriod/time.Second))
}
