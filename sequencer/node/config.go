package node

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/spf13/viper"

	"github.com/ordolabs/ordo/mempool"
)

// Config is a node's full configuration: CometBFT's config.toml plus Ordo's
// config/ordo.toml, both under the home folder.
type Config struct {
	Comet *cmtcfg.Config
	Ordo  OrdoConfig
}

// OrdoConfig is config/ordo.toml.
type OrdoConfig struct {
	GRPC    GRPCConfig     `mapstructure:"grpc"`
	Mempool mempool.Config `mapstructure:"mempool"`
	State   StateConfig    `mapstructure:"state"`
	DA      DAConfig       `mapstructure:"da"`
	L1      L1Config       `mapstructure:"l1"`
}

// DAConfig configures DA posting (da-poster).
type DAConfig struct {
	// Backend is "none" (no posting; rollup data stays soft) or "local"
	// (the local DA service at LocalAddress, shared by a localnet).
	Backend string `mapstructure:"backend"`
	// LocalAddress is the local DA service's gRPC host:port.
	LocalAddress string `mapstructure:"local_address"`
	// OverdueBlocks: a height its proposer has not posted this many blocks
	// later is posted by every validator.
	OverdueBlocks int64 `mapstructure:"overdue_blocks"`
	// MaxBatchBytes is the target size of one batch.
	MaxBatchBytes int `mapstructure:"max_batch_bytes"`
	// Ethereum backend: EIP-4844 blob txs sent to EthInbox through the
	// JSON-RPC endpoint EthRPC, read back through the beacon API at
	// EthBeacon, signed with the secp256k1 key in EthKeyFile (hex; a path
	// relative to the home folder is allowed).
	EthRPC        string `mapstructure:"eth_rpc"`
	EthBeacon     string `mapstructure:"eth_beacon"`
	EthChainID    uint64 `mapstructure:"eth_chain_id"`
	EthKeyFile    string `mapstructure:"eth_key_file"`
	EthInbox      string `mapstructure:"eth_inbox"`
	EthStartBlock uint64 `mapstructure:"eth_start_block"`
}

// L1Config configures the L1 inbox follower (forced inclusion).
type L1Config struct {
	// RPC is this validator's Ethereum JSON-RPC endpoint; empty disables
	// the follower (the validator then reports no L1 head and cannot
	// verify L1 imports).
	RPC string `mapstructure:"rpc"`
}

// GRPCConfig configures the public gRPC API.
type GRPCConfig struct {
	// Address is host:port to listen on.
	Address string `mapstructure:"address"`
}

// StateConfig configures the badger state store.
type StateConfig struct {
	// SyncWrites fsyncs every block commit.
	SyncWrites bool `mapstructure:"sync_writes"`
}

// DefaultOrdoConfig returns ordo.toml's defaults.
func DefaultOrdoConfig() OrdoConfig {
	return OrdoConfig{
		GRPC:    GRPCConfig{Address: "127.0.0.1:9090"},
		Mempool: mempool.DefaultConfig(),
		State:   StateConfig{SyncWrites: true},
		DA:      DAConfig{Backend: "none", OverdueBlocks: 5, MaxBatchBytes: 1 << 20},
	}
}

// ValidateBasic checks the Ordo config; it never fills defaults.
func (c OrdoConfig) ValidateBasic() error {
	if c.GRPC.Address == "" {
		return fmt.Errorf("ordo.toml: grpc.address is empty")
	}
	if err := c.Mempool.Validate(); err != nil {
		return fmt.Errorf("ordo.toml: %w", err)
	}
	switch c.DA.Backend {
	case "none":
	case "local":
		if c.DA.LocalAddress == "" {
			return fmt.Errorf("ordo.toml: da.backend = \"local\" needs da.local_address")
		}
	case "ethereum":
		if c.DA.EthRPC == "" || c.DA.EthBeacon == "" || c.DA.EthKeyFile == "" || c.DA.EthInbox == "" || c.DA.EthChainID == 0 {
			return fmt.Errorf("ordo.toml: da.backend = \"ethereum\" needs da.eth_rpc, eth_beacon, eth_chain_id, eth_key_file and eth_inbox")
		}
	default:
		return fmt.Errorf("ordo.toml: da.backend %q: want \"none\", \"local\" or \"ethereum\"", c.DA.Backend)
	}
	if c.DA.OverdueBlocks < 1 || c.DA.MaxBatchBytes < 1024 {
		return fmt.Errorf("ordo.toml: da.overdue_blocks must be >= 1 and da.max_batch_bytes >= 1024")
	}
	return nil
}

// DefaultCometConfig returns the CometBFT config Ordo starts from: CometBFT's
// defaults with block timing suited to a sequencer and the tx indexer off
// (Ordo indexes txs in its own store).
func DefaultCometConfig(home string) *cmtcfg.Config {
	c := cmtcfg.DefaultConfig()
	c.SetRoot(home)
	c.Consensus.TimeoutCommit = 500 * time.Millisecond
	c.Consensus.TimeoutPropose = 2 * time.Second
	c.TxIndex.Indexer = "null"
	c.Mempool.Size = 10_000
	c.Mempool.MaxTxsBytes = 256 << 20
	c.Mempool.CacheSize = 200_000
	// Ordo's own gossip (mempool/gossip) relays pending txs in batches;
	// CometBFT's mempool only takes broadcast_tx_* submissions to its RPC.
	c.Mempool.Broadcast = false
	c.Instrumentation.Prometheus = true
	// Rollup batches are large: CometBFT's 5 MB/s per-peer rate limit and
	// 1 kB packets would cap ordered data far below the spec's 20 MB/s.
	c.P2P.SendRate = 64 << 20
	c.P2P.RecvRate = 64 << 20
	c.P2P.MaxPacketMsgPayloadSize = 10240
	return c
}

// validateGossip checks that exactly one gossip relays pending txs: Ordo's
// (ordo.toml mempool.gossip = "ordo") or CometBFT's flood mempool
// (config.toml [mempool] broadcast = true).
func (c *Config) validateGossip() error {
	switch {
	case c.Ordo.Mempool.Gossip == mempool.GossipOrdo && c.Comet.Mempool.Broadcast:
		return fmt.Errorf(`ordo.toml: mempool.gossip = "ordo" relays pending txs itself: set broadcast = false in config.toml's [mempool] section, or gossip = "cometbft" in ordo.toml`)
	case c.Ordo.Mempool.Gossip == mempool.GossipCometBFT && !c.Comet.Mempool.Broadcast:
		return fmt.Errorf(`ordo.toml: mempool.gossip = "cometbft" needs broadcast = true in config.toml's [mempool] section, or txs never leave the node that received them`)
	case c.Ordo.Mempool.Gossip == mempool.GossipOrdo && !c.Comet.Consensus.CreateEmptyBlocks:
		return fmt.Errorf(`config.toml: create_empty_blocks = false waits for txs in CometBFT's mempool, which Ordo's gossip leaves empty: set it to true (or gossip = "cometbft" in ordo.toml)`)
	case c.Comet.Mempool.Type != cmtcfg.MempoolTypeFlood:
		return fmt.Errorf("config.toml: [mempool] type = %q: Ordo needs %q (its RPC's broadcast_tx_* run CheckTx through it)", c.Comet.Mempool.Type, cmtcfg.MempoolTypeFlood)
	}
	return nil
}

// OrdoConfigFile is where ordo.toml lives in a home folder.
func OrdoConfigFile(home string) string { return filepath.Join(home, "config", "ordo.toml") }

// LoadConfig reads both config files from home and validates them.
func LoadConfig(home string) (*Config, error) {
	comet := DefaultCometConfig(home)
	v := viper.New()
	v.SetConfigFile(filepath.Join(home, "config", "config.toml"))
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("reading CometBFT config (did you run `ordo init`?): %w", err)
	}
	if err := v.Unmarshal(comet); err != nil {
		return nil, fmt.Errorf("parsing config.toml: %w", err)
	}
	comet.SetRoot(home)
	if err := comet.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("config.toml: %w", err)
	}
	ordo := DefaultOrdoConfig()
	ov := viper.New()
	ov.SetConfigFile(OrdoConfigFile(home))
	if err := ov.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("reading ordo.toml: %w", err)
	}
	if err := ov.Unmarshal(&ordo); err != nil {
		return nil, fmt.Errorf("parsing ordo.toml: %w", err)
	}
	if err := ordo.ValidateBasic(); err != nil {
		return nil, err
	}
	cfg := &Config{Comet: comet, Ordo: ordo}
	if err := cfg.validateGossip(); err != nil {
		return nil, err
	}
	return cfg, nil
}

var ordoTemplate = template.Must(template.New("ordo.toml").Parse(`# Ordo node configuration. CometBFT's settings are in config.toml.

[grpc]
# Address of the public gRPC API (ordo.sequencer.v1 submission and queries).
address = "{{.GRPC.Address}}"

[mempool]
# App-side pool limits (CometBFT's [mempool] section bounds its gossip pool).
max_txs = {{.Mempool.MaxTxs}}
max_bytes = {{.Mempool.MaxBytes}}
max_txs_per_account = {{.Mempool.MaxTxsPerAccount}}
# How far past an account's committed nonce a tx may be parked, and how
# many txs one account may have waiting for a missing nonce.
max_nonce_gap = {{.Mempool.MaxNonceGap}}
max_parked_per_account = {{.Mempool.MaxParkedPerAccount}}
# How long a tx may wait before it is evicted.
ttl = "{{.Mempool.TTL}}"
# The gRPC API refuses new submissions once the pool holds this fraction of
# max_txs (of CometBFT's mempool size with gossip = "cometbft"); the rest is
# kept for txs gossiped by peers.
submit_fill = {{.Mempool.SubmitFill}}
# How pending txs travel between nodes: "ordo" (batched gossip with batch
# signature checks; needs broadcast = false in config.toml's [mempool]) or
# "cometbft" (CometBFT's flood mempool; needs broadcast = true).
gossip = "{{.Mempool.Gossip}}"

[state]
# fsync the state store on every block commit.
sync_writes = {{.State.SyncWrites}}

[da]
# Where finalized blocks are posted: "none", or "local" (the local DA
# service at local_address, which every validator of a localnet shares).
backend = "{{.DA.Backend}}"
local_address = "{{.DA.LocalAddress}}"
# A height its proposer has not posted this many blocks later is posted by
# every validator (readers take the first valid copy).
overdue_blocks = {{.DA.OverdueBlocks}}
# Target size of one compressed batch (the ethereum backend caps it at
# what one blob tx carries).
max_batch_bytes = {{.DA.MaxBatchBytes}}
# backend = "ethereum": EIP-4844 blob txs to eth_inbox, read back through
# the beacon API; eth_key_file holds the poster's secp256k1 key (hex).
eth_rpc = "{{.DA.EthRPC}}"
eth_beacon = "{{.DA.EthBeacon}}"
eth_chain_id = {{.DA.EthChainID}}
eth_key_file = "{{.DA.EthKeyFile}}"
eth_inbox = "{{.DA.EthInbox}}"
eth_start_block = {{.DA.EthStartBlock}}

[l1]
# This validator's Ethereum JSON-RPC endpoint for the L1 inbox (forced
# inclusion). Empty: no L1 follower (fine while genesis l1_inbox is off).
rpc = "{{.L1.RPC}}"
`))

// WriteOrdoConfig writes ordo.toml.
func WriteOrdoConfig(home string, c OrdoConfig) error {
	var buf bytes.Buffer
	if err := ordoTemplate.Execute(&buf, c); err != nil {
		return err
	}
	return os.WriteFile(OrdoConfigFile(home), buf.Bytes(), 0o644)
}
