package ethda

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"time"

	"github.com/cometbft/cometbft/libs/log"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/params"
)

// MinBumpPercent is the smallest fee bump go-ethereum's blob pool accepts
// for replacing a blob transaction: its default blobpool.pricebump of 100%,
// which v1.17 applies to the tip cap, the fee cap and the blob fee cap alike
// (the legacy pool's 10% does not apply to type-3 transactions).
const MinBumpPercent = 100

// Config configures a Backend. Start from DefaultConfig, set the
// connection, key and inbox fields, then Open (which validates).
type Config struct {
	// RPCURL is the Ethereum execution JSON-RPC endpoint (http(s) or ws(s)).
	RPCURL string
	// BeaconURL is the beacon node's REST API base URL, for blob sidecars.
	BeaconURL string
	// ChainID is the L1 chain id; the endpoint's eth_chainId must match.
	ChainID uint64

	// Key signs the poster's blob transactions. Nil makes a read-only
	// backend: Read works, Submit and Status fail with da.ErrCritical.
	Key *ecdsa.PrivateKey
	// JournalDir is the badger directory remembering submissions (for
	// idempotence and fee bumps across restarts). Required with Key; one
	// journal per key, never shared by two processes.
	JournalDir string

	// Inbox is the batch inbox address: blob transactions are sent to it
	// and Read accepts only blob transactions to it. Use an address without
	// code (an EOA nobody holds the key of, like the OP Stack's inbox).
	Inbox common.Address
	// Posters, when not empty, restricts Read to blob transactions sent by
	// these addresses. Empty accepts any sender (readers then rely on
	// checking each batch's records, as the poster does).
	Posters []common.Address

	// MaxBlobsPerTx caps the blobs of one transaction, so payloads are at
	// most MaxPayloadBytes(MaxBlobsPerTx) bytes; larger ones are critical
	// errors. At most ProtocolMaxBlobsPerTx.
	MaxBlobsPerTx int
	// GasLimit of each blob transaction: 21000 for an inbox without code.
	GasLimit uint64

	// Fees of a new transaction: tip = max(MinTipCap, eth_maxPriorityFeePerGas);
	// fee cap = BaseFeeMultiplier * latest base fee + tip; blob fee cap =
	// max(MinBlobFeeCap, BlobFeeMultiplier * eth_blobBaseFee). Every value
	// is capped by MaxFeeCap (tip and fee cap) or MaxBlobFeeCap.
	MinTipCap         *big.Int
	BaseFeeMultiplier uint64
	MinBlobFeeCap     *big.Int
	BlobFeeMultiplier uint64
	MaxFeeCap         *big.Int
	MaxBlobFeeCap     *big.Int
	// BumpPercent: a transaction not included after BumpAfterBlocks L1
	// blocks is replaced (same nonce, same blobs) with every fee raised by
	// at least BumpPercent (and to the current market fee if higher). At
	// least MinBumpPercent. A bump the caps do not allow is skipped.
	BumpPercent     uint64
	BumpAfterBlocks uint64

	// ReadStartBlock is where a nil cursor starts reading: the first L1
	// block that can hold batches (the L1 head when the chain launched,
	// say). On a public network set it: 0 makes the first reads walk the
	// whole L1 history, MaxReadBlocks at a time.
	ReadStartBlock uint64
	// MaxReadBlobs and MaxReadBytes bound one Read page (payloads
	// returned, and their total bytes). A page holds at least one payload
	// when one is available.
	MaxReadBlobs int
	MaxReadBytes int
	// MaxReadBlocks bounds the L1 blocks one Read scans.
	MaxReadBlocks uint64

	// RequestTimeout bounds each JSON-RPC and beacon request.
	RequestTimeout time.Duration
	// Logger (optional).
	Logger log.Logger
}

// DefaultConfig has the policy defaults; the connection, key, inbox and
// journal fields are left empty.
func DefaultConfig() Config {
	gwei := big.NewInt(params.GWei)
	return Config{
		MaxBlobsPerTx:     ProtocolMaxBlobsPerTx,
		GasLimit:          params.TxGas,
		MinTipCap:         new(big.Int).Set(gwei),
		BaseFeeMultiplier: 2,
		MinBlobFeeCap:     new(big.Int).Set(gwei),
		BlobFeeMultiplier: 2,
		MaxFeeCap:         new(big.Int).Mul(big.NewInt(1000), gwei),
		MaxBlobFeeCap:     new(big.Int).Mul(big.NewInt(1000), gwei),
		BumpPercent:       MinBumpPercent,
		BumpAfterBlocks:   5,
		MaxReadBlobs:      64,
		MaxReadBytes:      16 << 20,
		MaxReadBlocks:     1024,
		RequestTimeout:    15 * time.Second,
	}
}

// MaxPayload is the largest payload Submit accepts under this config.
func (c Config) MaxPayload() int { return MaxPayloadBytes(c.MaxBlobsPerTx) }

// Validate reports settings that cannot work. It never fills defaults.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if err := checkURL(c.RPCURL, "http", "https", "ws", "wss"); err != nil {
		add("RPCURL: %w", err)
	}
	if err := checkURL(c.BeaconURL, "http", "https"); err != nil {
		add("BeaconURL: %w", err)
	}
	if c.ChainID == 0 {
		add("ChainID must be set")
	}
	if c.Key != nil && c.JournalDir == "" {
		add("JournalDir is required with Key")
	}
	if c.Inbox == (common.Address{}) {
		add("Inbox must be set")
	}
	if c.MaxBlobsPerTx < 1 || c.MaxBlobsPerTx > ProtocolMaxBlobsPerTx {
		add("MaxBlobsPerTx %d must be in [1, %d]", c.MaxBlobsPerTx, ProtocolMaxBlobsPerTx)
	}
	if c.GasLimit < params.TxGas || c.GasLimit > params.MaxTxGas {
		add("GasLimit %d must be in [%d, %d]", c.GasLimit, params.TxGas, params.MaxTxGas)
	}
	if c.MinTipCap == nil || c.MinTipCap.Sign() < 0 || c.MinBlobFeeCap == nil || c.MinBlobFeeCap.Sign() < 0 {
		add("MinTipCap and MinBlobFeeCap must be set and >= 0")
	}
	if c.MaxFeeCap == nil || c.MaxFeeCap.Sign() <= 0 || c.MaxBlobFeeCap == nil || c.MaxBlobFeeCap.Sign() <= 0 {
		add("MaxFeeCap and MaxBlobFeeCap must be set and > 0")
	} else if c.MaxFeeCap.BitLen() > 256 || c.MaxBlobFeeCap.BitLen() > 256 {
		add("MaxFeeCap and MaxBlobFeeCap must fit in 256 bits")
	}
	if c.MinTipCap != nil && c.MaxFeeCap != nil && c.MinTipCap.Cmp(c.MaxFeeCap) > 0 {
		add("MinTipCap %v above MaxFeeCap %v", c.MinTipCap, c.MaxFeeCap)
	}
	if c.MinBlobFeeCap != nil && c.MaxBlobFeeCap != nil && c.MinBlobFeeCap.Cmp(c.MaxBlobFeeCap) > 0 {
		add("MinBlobFeeCap %v above MaxBlobFeeCap %v", c.MinBlobFeeCap, c.MaxBlobFeeCap)
	}
	if c.BaseFeeMultiplier < 1 || c.BlobFeeMultiplier < 1 {
		add("BaseFeeMultiplier and BlobFeeMultiplier must be >= 1")
	}
	if c.BumpPercent < MinBumpPercent || c.BumpPercent > 10_000 {
		add("BumpPercent %d must be in [%d, 10000] (go-ethereum's blob pool replacement rule)", c.BumpPercent, MinBumpPercent)
	}
	if c.BumpAfterBlocks < 1 {
		add("BumpAfterBlocks must be >= 1")
	}
	if c.MaxReadBlobs < 1 || c.MaxReadBytes < 1 || c.MaxReadBlocks < 1 {
		add("MaxReadBlobs, MaxReadBytes and MaxReadBlocks must be >= 1")
	}
	if c.RequestTimeout <= 0 {
		add("RequestTimeout must be positive")
	}
	if len(errs) > 0 {
		return fmt.Errorf("ethda config: %w", errors.Join(errs...))
	}
	return nil
}

func checkURL(raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	for _, s := range schemes {
		if u.Scheme == s && u.Host != "" {
			return nil
		}
	}
	return fmt.Errorf("%q must be one of %v://host[:port]", raw, schemes)
}
