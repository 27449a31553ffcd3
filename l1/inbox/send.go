package inbox

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// ErrReverted is returned by WaitFinalized for a transaction that was
// finalized but reverted: it is not an inbox message.
var ErrReverted = errors.New("inbox: L1 transaction reverted")

// gasMarginPercent is added to EstimateGas's answer: a call to an inbox
// without code costs exactly the estimate, but a contract inbox's cost may
// depend on state that changes before inclusion.
const gasMarginPercent = 20

// Send signs with key and sends an EIP-1559 transaction to inbox on the
// chain chainID, with ordoTx (the raw Ordo transaction bytes, non-empty)
// as calldata and no value, and returns its hash once the endpoint
// accepted it. Gas is EstimateGas plus 20%; the tip is SuggestGasTipCap and
// the fee cap twice the latest base fee plus the tip. The nonce is the
// account's pending nonce, so concurrent Sends from one key must be
// serialized by the caller. Send does not wait for inclusion; see
// WaitFinalized.
func Send(ctx context.Context, client *ethclient.Client, key *ecdsa.PrivateKey, chainID *big.Int, inbox common.Address, ordoTx []byte) (common.Hash, error) {
	switch {
	case client == nil || key == nil || chainID == nil:
		return common.Hash{}, errors.New("inbox: Send needs a client, a key and a chain id")
	case len(ordoTx) == 0:
		return common.Hash{}, errors.New("inbox: empty calldata is not an inbox message")
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, err := client.PendingNonceAt(ctx, from)
	if err != nil {
		return common.Hash{}, fmt.Errorf("inbox: nonce of %s: %w", from, err)
	}
	tip, err := client.SuggestGasTipCap(ctx)
	if err != nil {
		return common.Hash{}, fmt.Errorf("inbox: gas tip: %w", err)
	}
	head, err := client.HeaderByNumber(ctx, nil)
	if err != nil {
		return common.Hash{}, fmt.Errorf("inbox: latest header: %w", err)
	}
	if head.BaseFee == nil {
		return common.Hash{}, errors.New("inbox: L1 has no base fee (EIP-1559 not active)")
	}
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tip)
	gas, err := client.EstimateGas(ctx, ethereum.CallMsg{
		From: from, To: &inbox, GasFeeCap: feeCap, GasTipCap: tip, Data: ordoTx,
	})
	if err != nil {
		return common.Hash{}, fmt.Errorf("inbox: estimating gas: %w", err)
	}
	gas += gas * gasMarginPercent / 100
	tx, err := types.SignNewTx(key, types.LatestSignerForChainID(chainID), &types.DynamicFeeTx{
		ChainID:   chainID,
		Nonce:     nonce,
		GasTipCap: tip,
		GasFeeCap: feeCap,
		Gas:       gas,
		To:        &inbox,
		Data:      ordoTx,
	})
	if err != nil {
		return common.Hash{}, fmt.Errorf("inbox: signing: %w", err)
	}
	if err := client.SendTransaction(ctx, tx); err != nil {
		return common.Hash{}, fmt.Errorf("inbox: sending: %w", err)
	}
	return tx.Hash(), nil
}

// WaitFinalized waits until transaction txHash is in a block at or below
// the endpoint's finalized head, and
// returns the block's number. For a transaction that reverted it returns
// the number with ErrReverted, once finalized. It polls (every 100 ms at
// first, backing off to 2 s) until ctx is done; a transaction never
// included waits forever, so pass a deadline. Transient endpoint errors are
// retried.
func WaitFinalized(ctx context.Context, client *ethclient.Client, txHash common.Hash) (uint64, error) {
	if client == nil {
		return 0, errors.New("inbox: WaitFinalized needs a client")
	}
	delay := 100 * time.Millisecond
	var lastErr error
	for {
		n, done, err := finalizedIn(ctx, client, txHash)
		if done {
			return n, err
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return 0, fmt.Errorf("inbox: waiting for %s: %w (last error: %v)", txHash, ctx.Err(), lastErr)
			}
			return 0, fmt.Errorf("inbox: waiting for %s: %w", txHash, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 2*time.Second)
	}
}

// finalizedIn checks once whether txHash is finalized: done reports a final
// answer (n, and ErrReverted if it failed); otherwise err, if any, is a
// transient error.
func finalizedIn(ctx context.Context, client *ethclient.Client, txHash common.Hash) (n uint64, done bool, err error) {
	// Finalized head first, receipt second: the receipt is looked up on the
	// canonical chain, so if it names a block at or below a head that was
	// already finalized, that block can no longer be replaced.
	fin, err := client.HeaderByNumber(ctx, big.NewInt(int64(rpc.FinalizedBlockNumber)))
	if err != nil {
		return 0, false, err
	}
	rcpt, err := client.TransactionReceipt(ctx, txHash)
	if errors.Is(err, ethereum.NotFound) {
		return 0, false, nil // pending, or dropped
	}
	if err != nil {
		return 0, false, err
	}
	n = rcpt.BlockNumber.Uint64()
	if n > fin.Number.Uint64() {
		return 0, false, nil
	}
	if rcpt.Status != types.ReceiptStatusSuccessful {
		return n, true, fmt.Errorf("%w: %s in block %d", ErrReverted, txHash, n)
	}
	return n, true, nil
}
