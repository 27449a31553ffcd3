package ethda

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/crypto/kzg4844"
	"github.com/ethereum/go-ethereum/params"
	"github.com/holiman/uint256"

	"github.com/ordolabs/ordo/da-poster/da"
	"github.com/ordolabs/ordo/l1/devchain"
)

// testInbox is the batch inbox of the tests: an address without code.
var testInbox = common.HexToAddress("0x00000000000000000000000000000000000da001")

// startChain starts a dev chain with finality 2 blocks behind the head:
// manual block production (period 0: blocks only on Commit) or automatic.
func startChain(t *testing.T, period time.Duration) *devchain.Chain {
	t.Helper()
	cfg := devchain.DefaultConfig()
	cfg.BlockPeriod = period
	cfg.FinalityDepth = 2
	c, err := devchain.Start(cfg)
	if err != nil {
		t.Fatalf("devchain: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("devchain stop: %v", err)
		}
	})
	return c
}

// testConfig is a backend config for c posting with dev key 0.
func testConfig(c *devchain.Chain, dir string) Config {
	cfg := DefaultConfig()
	cfg.RPCURL = c.RPCURL()
	cfg.BeaconURL = c.BeaconURL()
	cfg.ChainID = c.ChainID().Uint64()
	cfg.Key = c.DevKeys()[0]
	cfg.JournalDir = dir
	cfg.Inbox = testInbox
	cfg.BumpAfterBlocks = 2
	cfg.RequestTimeout = 10 * time.Second
	return cfg
}

// open opens a backend and closes it when the test ends.
func open(t *testing.T, cfg Config) *Backend {
	t.Helper()
	b, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func commit(t *testing.T, c *devchain.Chain, n int) *types.Block {
	t.Helper()
	var b *types.Block
	for range n {
		var err error
		if b, err = c.Commit(); err != nil {
			t.Fatalf("Commit: %v", err)
		}
	}
	return b
}

func mustStatus(t *testing.T, ctx context.Context, b *Backend, ref da.Ref, want da.State) {
	t.Helper()
	st, err := b.Status(ctx, ref)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if st != want {
		t.Fatalf("Status = %v, want %v", st, want)
	}
}

func pendingNonce(t *testing.T, ctx context.Context, c *devchain.Chain, key *ecdsa.PrivateKey) uint64 {
	t.Helper()
	n, err := c.Client().PendingNonceAt(ctx, crypto.PubkeyToAddress(key.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// readAll reads the DA layer from cursor until caught up (at most pages
// pages) and returns every payload in order.
func readAll(t *testing.T, ctx context.Context, b *Backend, cursor da.Cursor, pages int) ([]da.Blob, da.Cursor) {
	t.Helper()
	var out []da.Blob
	for range pages {
		blobs, next, err := b.Read(ctx, cursor)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		out = append(out, blobs...)
		if len(blobs) == 0 && string(next) == string(cursor) {
			return out, cursor
		}
		if string(next) == string(cursor) {
			return out, cursor // only non-final blobs left
		}
		cursor = next
	}
	t.Fatalf("Read not caught up after %d pages", pages)
	return nil, nil
}

// rawBlobTx signs a blob tx carrying blobs (encoded by the caller), as
// another sender (or a misbehaving one) would.
func rawBlobTx(t *testing.T, key *ecdsa.PrivateKey, chainID *big.Int, nonce uint64, to common.Address, blobs []kzg4844.Blob, feeCap, blobFeeCap *big.Int) *types.Transaction {
	t.Helper()
	enc := &encoded{blobs: blobs}
	for i := range blobs {
		c, err := kzg4844.BlobToCommitment(&blobs[i])
		if err != nil {
			t.Fatal(err)
		}
		enc.commitments = append(enc.commitments, c)
	}
	sc, err := enc.sidecar()
	if err != nil {
		t.Fatal(err)
	}
	tx := types.NewTx(&types.BlobTx{
		ChainID:    uint256.MustFromBig(chainID),
		Nonce:      nonce,
		GasTipCap:  uint256.MustFromBig(feeCap),
		GasFeeCap:  uint256.MustFromBig(feeCap),
		Gas:        params.TxGas,
		To:         to,
		BlobFeeCap: uint256.MustFromBig(blobFeeCap),
		BlobHashes: sc.BlobHashes(),
		Sidecar:    sc,
	})
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(chainID), key)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func errorsIsUnavailable(err error) bool { return errors.Is(err, da.ErrUnavailable) }

// waitStatus polls Status until it reports want (a fresh dev chain's tx
// index lags new blocks briefly; Status then answers Pending, not Dropped).
func waitStatus(t *testing.T, ctx context.Context, b *Backend, ref da.Ref, want da.State) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := b.Status(ctx, ref)
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if st == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Status = %v, want %v", st, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
