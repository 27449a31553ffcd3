package ethda

import (
	"context"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/ordolabs/ordo/da-poster/da"
)

// unavailable wraps a network or node failure as temporary.
func unavailable(op string, err error) error {
	return fmt.Errorf("%w: ethda: %s: %w", da.ErrUnavailable, op, err)
}

// sendOutcome is how a node answered eth_sendRawTransaction, for the
// answers the backend handles explicitly. Errors travel over JSON-RPC as
// text, so they are recognized by go-ethereum's messages.
type sendOutcome int

const (
	// sentOK: accepted, or "already known" (the node holds this exact tx).
	sentOK sendOutcome = iota
	// sentNonceTooLow: the nonce is already used on chain (by this tx or
	// another).
	sentNonceTooLow
	// sentReplaceUnderpriced: the pool holds another tx with this nonce and
	// fees that this one does not outbid by the pool's price bump.
	sentReplaceUnderpriced
	// sentUnderpriced: below the pool's minimum tip, or the pool is full of
	// better-paying txs.
	sentUnderpriced
)

// Messages of go-ethereum's tx pool errors (core/txpool/errors.go,
// core/error.go). Checked in this order: "replacement transaction
// underpriced" contains "transaction underpriced".
var (
	msgAlreadyKnown     = "already known"
	msgNonceTooLow      = "nonce too low"
	msgReplUnderpriced  = "replacement transaction underpriced"
	msgUnderpriced      = []string{"transaction underpriced", "gas price below minimum"}
	msgCriticalRejected = []string{
		"invalid sender", "oversized data", "blob limit exceeded", "exceeds block gas limit",
		"intrinsic gas too low", "not supported", "sidecar", "KZG verification", "invalid chain id",
		"transaction gas limit too high",
	}
)

// send hands tx to the node and classifies the answer: an outcome the
// caller acts on, or an error (da.ErrCritical for a transaction the node
// will never accept, da.ErrUnavailable otherwise).
func (b *Backend) send(ctx context.Context, tx *types.Transaction) (sendOutcome, error) {
	ctx, cancel := b.reqCtx(ctx)
	defer cancel()
	err := b.eth.SendTransaction(ctx, tx)
	if err == nil {
		return sentOK, nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, msgAlreadyKnown):
		return sentOK, nil
	case strings.Contains(msg, msgNonceTooLow):
		return sentNonceTooLow, nil
	case strings.Contains(msg, msgReplUnderpriced):
		return sentReplaceUnderpriced, nil
	}
	for _, m := range msgUnderpriced {
		if strings.Contains(msg, m) {
			return sentUnderpriced, nil
		}
	}
	for _, m := range msgCriticalRejected {
		if strings.Contains(msg, m) {
			return 0, da.Critical(fmt.Errorf("ethda: node rejected blob tx %s: %w", tx.Hash(), err))
		}
	}
	// Insufficient funds, account reserved by another pool, a full pool,
	// transport errors: retrying may help.
	return 0, unavailable("sending blob tx "+tx.Hash().Hex(), err)
}
