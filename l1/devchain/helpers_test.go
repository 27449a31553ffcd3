package devchain_test

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"math/rand"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/crypto/kzg4844"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/holiman/uint256"

	"github.com/ordolabs/ordo/l1/devchain"
)

// startChain starts a dev chain in manual mode (BlockPeriod 0) unless
// mutate changes it, and stops it when the test ends.
func startChain(t *testing.T, mutate func(*devchain.Config)) *devchain.Chain {
	t.Helper()
	cfg := devchain.DefaultConfig()
	cfg.BlockPeriod = 0
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := devchain.Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

// dial connects to the chain's JSON-RPC over HTTP, as an outside client.
func dial(t *testing.T, c *devchain.Chain) *ethclient.Client {
	t.Helper()
	cl, err := ethclient.Dial(c.RPCURL())
	if err != nil {
		t.Fatalf("dial %s: %v", c.RPCURL(), err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// randomBlob is a blob of seeded random canonical field elements.
func randomBlob(seed int64) *kzg4844.Blob {
	var b kzg4844.Blob
	r := rand.New(rand.NewSource(seed))
	r.Read(b[:])
	for i := 0; i < len(b); i += 32 {
		b[i] = 0 // keep each field element below the BLS12-381 modulus
	}
	return &b
}

// blobTx signs a type-3 transaction carrying blobs, as a DA poster would
// build it, with a sidecar of the given version (0: one blob proof per
// blob; 1: Osaka cell proofs).
func blobTx(t *testing.T, ctx context.Context, cl *ethclient.Client, key *ecdsa.PrivateKey, chainID *big.Int, blobs []*kzg4844.Blob, version byte) *types.Transaction {
	t.Helper()
	var (
		bl  []kzg4844.Blob
		cs  []kzg4844.Commitment
		prf []kzg4844.Proof
	)
	for _, b := range blobs {
		c, err := kzg4844.BlobToCommitment(b)
		if err != nil {
			t.Fatal(err)
		}
		p, err := kzg4844.ComputeBlobProof(b, c)
		if err != nil {
			t.Fatal(err)
		}
		bl, cs, prf = append(bl, *b), append(cs, c), append(prf, p)
	}
	sidecar := types.NewBlobTxSidecar(types.BlobSidecarVersion0, bl, cs, prf)
	if version == types.BlobSidecarVersion1 {
		if err := sidecar.ToV1(); err != nil {
			t.Fatal(err)
		}
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, err := cl.PendingNonceAt(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	tx := types.NewTx(&types.BlobTx{
		ChainID:    uint256.MustFromBig(chainID),
		Nonce:      nonce,
		GasTipCap:  uint256.NewInt(1e9),
		GasFeeCap:  uint256.NewInt(100e9),
		Gas:        21000,
		To:         common.Address{0x0d, 0xa},
		BlobFeeCap: uint256.NewInt(100e9),
		BlobHashes: sidecar.BlobHashes(),
		Sidecar:    sidecar,
	})
	signed, err := types.SignTx(tx, types.NewCancunSigner(chainID), key)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// valueTx signs a plain EIP-1559 value transfer.
func valueTx(t *testing.T, ctx context.Context, cl *ethclient.Client, key *ecdsa.PrivateKey, chainID *big.Int, to common.Address, value *big.Int) *types.Transaction {
	t.Helper()
	nonce, err := cl.PendingNonceAt(ctx, crypto.PubkeyToAddress(key.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	tx := types.NewTx(&types.DynamicFeeTx{
		ChainID:   chainID,
		Nonce:     nonce,
		GasTipCap: big.NewInt(1e9),
		GasFeeCap: big.NewInt(100e9),
		Gas:       21000,
		To:        &to,
		Value:     value,
	})
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(chainID), key)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// commitReceipt commits one block and returns tx's receipt from it.
func commitReceipt(t *testing.T, ctx context.Context, c *devchain.Chain, cl *ethclient.Client, tx *types.Transaction) *types.Receipt {
	t.Helper()
	block, err := c.Commit()
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	rcpt, err := cl.TransactionReceipt(ctx, tx.Hash())
	if err != nil {
		t.Fatalf("receipt of %s after block %d: %v", tx.Hash(), block.NumberU64(), err)
	}
	if rcpt.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("tx %s failed", tx.Hash())
	}
	if rcpt.BlockNumber.Uint64() != block.NumberU64() {
		t.Fatalf("tx in block %d, committed %d", rcpt.BlockNumber, block.NumberU64())
	}
	return rcpt
}
