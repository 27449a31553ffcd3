package inbox

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/cometbft/cometbft/libs/log"
	"github.com/ethereum/go-ethereum/common"
)

// Config configures a Follower. Start from DefaultConfig and set RPCURL,
// Inbox and StartBlock; New validates and never fills in defaults.
type Config struct {
	// RPCURL is the validator's own Ethereum JSON-RPC endpoint: http(s)://
	// or ws(s)://. It is dialled lazily, so New succeeds while the
	// endpoint is down.
	RPCURL string
	// Inbox is the inbox address (an EOA or a contract; see the package
	// doc). It must be the same for every validator and must not be zero.
	Inbox common.Address
	// StartBlock is the first L1 block that can hold messages (typically
	// the block at which the inbox was configured): no message below it is
	// ever read.
	StartBlock uint64
	// ChainID, if non-zero, is the L1 chain id the endpoint must report;
	// otherwise the follower pins the chain id the endpoint first reports.
	// A mismatch makes the follower unhealthy and stops it advancing.
	ChainID uint64
	// PollInterval is the time between polls of the finalized head.
	// Ethereum's finalized head moves once per epoch (6.4 minutes), so a
	// few seconds is plenty.
	PollInterval time.Duration
	// RequestTimeout bounds each JSON-RPC request the follower makes (a
	// poll, a block, a batch of receipts).
	RequestTimeout time.Duration
	// MaxDataBytes is the largest calldata returned as a message's Data;
	// longer calldata is returned with Oversize set and Data empty. Every
	// validator must use the same value (the chain's max tx bytes).
	MaxDataBytes int
	// CacheBlocks bounds how many finalized blocks' results (including
	// blocks without messages) the cache keeps, least recently used out.
	CacheBlocks int
	// CacheBytes bounds the total Data bytes the cache keeps.
	CacheBytes int
	// FetchParallelism is how many blocks Messages fetches concurrently.
	FetchParallelism int
	// Logger receives the follower's messages (health changes). Nil means
	// no logging.
	Logger log.Logger
}

// DefaultConfig polls every 4 s with 10 s requests, allows 1 MiB of
// calldata (Ordo's default max tx bytes), caches 16384 blocks and 64 MiB of
// data, and fetches 4 blocks at a time. RPCURL and Inbox are left empty.
func DefaultConfig() Config {
	return Config{
		PollInterval:     4 * time.Second,
		RequestTimeout:   10 * time.Second,
		MaxDataBytes:     1 << 20,
		CacheBlocks:      16384,
		CacheBytes:       64 << 20,
		FetchParallelism: 4,
	}
}

// ValidateBasic checks the fields one by one. It does not change cfg.
func (cfg Config) ValidateBasic() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf("inbox: "+format, args...)) }
	if cfg.RPCURL == "" {
		add("RPCURL must be set")
	} else if u, err := url.Parse(cfg.RPCURL); err != nil {
		add("RPCURL %q: %v", cfg.RPCURL, err)
	} else if s := u.Scheme; s != "http" && s != "https" && s != "ws" && s != "wss" {
		add("RPCURL %q: scheme must be http, https, ws or wss", cfg.RPCURL)
	} else if u.Host == "" {
		add("RPCURL %q: no host", cfg.RPCURL)
	}
	if cfg.Inbox == (common.Address{}) {
		add("Inbox must be set")
	}
	if cfg.PollInterval <= 0 {
		add("PollInterval %v must be > 0", cfg.PollInterval)
	}
	if cfg.RequestTimeout <= 0 {
		add("RequestTimeout %v must be > 0", cfg.RequestTimeout)
	}
	if cfg.MaxDataBytes <= 0 {
		add("MaxDataBytes %d must be > 0", cfg.MaxDataBytes)
	}
	if cfg.CacheBlocks < 0 {
		add("CacheBlocks %d must be >= 0", cfg.CacheBlocks)
	}
	if cfg.CacheBytes < 0 {
		add("CacheBytes %d must be >= 0", cfg.CacheBytes)
	}
	if cfg.FetchParallelism < 1 || cfg.FetchParallelism > 64 {
		add("FetchParallelism %d out of [1, 64]", cfg.FetchParallelism)
	}
	return errors.Join(errs...)
}
