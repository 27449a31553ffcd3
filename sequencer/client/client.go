// Package client is the Go client for an Ordo node's gRPC API: build and
// sign transactions, submit them (one at a time or streamed), wait for
// commitment, and query state and blocks.
package client

import (
	"context"
	"fmt"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Client talks to one node.
type Client struct {
	conn   *grpc.ClientConn
	Submit sequencerv1.SubmissionServiceClient
	Query  sequencerv1.QueryServiceClient
}

// Dial connects to a node's gRPC address (host:port, plaintext).
func Dial(addr string) (*Client, error) {
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20), grpc.MaxCallSendMsgSize(16<<20)))
	if err != nil {
		return nil, fmt.Errorf("dialing %s: %w", addr, err)
	}
	return &Client{
		conn:   conn,
		Submit: sequencerv1.NewSubmissionServiceClient(conn),
		Query:  sequencerv1.NewQueryServiceClient(conn),
	}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// RejectedError is a tx the node refused, with Ordo's code and reason.
type RejectedError struct {
	Hash string
	Code uint32
	Log  string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("tx %s rejected (code %d): %s", e.Hash, e.Code, e.Log)
}

// SubmitRaw submits signed tx bytes. A tx the node rejects returns a
// *RejectedError.
func (c *Client) SubmitRaw(ctx context.Context, raw []byte) (string, error) {
	res, err := c.Submit.SubmitTx(ctx, &sequencerv1.SubmitTxRequest{Tx: raw})
	if err != nil {
		return "", err
	}
	if res.Code != 0 {
		return res.Hash, &RejectedError{Hash: res.Hash, Code: res.Code, Log: res.Log}
	}
	return res.Hash, nil
}

// WaitCommitted polls the tx's status until it is committed, rejected, or
// ctx ends.
func (c *Client) WaitCommitted(ctx context.Context, hash string) (*sequencerv1.TxStatusResponse, error) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := c.Query.TxStatus(ctx, &sequencerv1.TxStatusRequest{Hash: hash})
		if err != nil {
			return nil, err
		}
		switch st.State {
		case sequencerv1.TxState_TX_STATE_COMMITTED:
			if st.Code != 0 {
				return st, &RejectedError{Hash: hash, Code: st.Code, Log: st.Log}
			}
			return st, nil
		case sequencerv1.TxState_TX_STATE_REJECTED:
			return st, &RejectedError{Hash: hash, Code: st.Code, Log: st.Log}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for tx %s: %w (last state %s)", hash, ctx.Err(), st.State)
		case <-tick.C:
		}
	}
}

// NextNonce returns the nonce the account's next tx should use, counting
// txs pending in the node's pool.
func (c *Client) NextNonce(ctx context.Context, addr tx.Address) (uint64, error) {
	acct, err := c.Query.Account(ctx, &sequencerv1.AccountRequest{Address: addr.String()})
	if err != nil {
		return 0, err
	}
	return acct.PendingNonce, nil
}

// Signer builds and signs txs for one key.
type Signer struct {
	Key     ed25519.PrivKey
	ChainID string
	// BaseFee and FeePerByte must match the chain's genesis params; the
	// signer pays exactly the minimum fee.
	BaseFee, FeePerByte uint64
}

// Address returns the signer's account address.
func (s Signer) Address() tx.Address { return tx.AddressFromPubKey(s.Key.PubKey().Bytes()) }

// Sign builds a signed tx with the given nonce and actions, paying the
// minimum fee for its final size.
func (s Signer) Sign(nonce uint64, actions ...*txv1.Action) ([]byte, error) {
	body := &txv1.TxBody{ChainId: s.ChainID, Nonce: nonce, Actions: actions}
	// The fee is part of the signed body, so its varint width changes the
	// size: iterate until the fee covers the size it produces.
	for i := 0; i < 4; i++ {
		raw, err := tx.Sign(s.Key, body)
		if err != nil {
			return nil, err
		}
		need := s.BaseFee + s.FeePerByte*uint64(len(raw))
		if body.Fee >= need {
			return raw, nil
		}
		body.Fee = need
	}
	return tx.Sign(s.Key, body)
}

// RollupData returns an action carrying data for a rollup.
func RollupData(rollup tx.RollupID, data []byte) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_RollupData{RollupData: &txv1.RollupData{RollupId: rollup[:], Data: data}}}
}

// Transfer returns a transfer action.
func Transfer(to tx.Address, amount uint64) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_Transfer{Transfer: &txv1.Transfer{To: to[:], Amount: amount}}}
}

// RegisterRollup returns a rollup registration action.
func RegisterRollup(name string, maxBytesPerBlock uint64) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_RegisterRollup{RegisterRollup: &txv1.RegisterRollup{Name: name, MaxBytesPerBlock: maxBytesPerBlock}}}
}

// RegisterAtomicRollup returns the registration of an atomic rollup whose
// executor validators run: kind (e.g. "kv") and its genesis in the kind's
// canonical encoding (kv.EncodeGenesis).
func RegisterAtomicRollup(name string, maxBytesPerBlock uint64, kind string, genesis []byte) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_RegisterRollup{RegisterRollup: &txv1.RegisterRollup{
		Name: name, MaxBytesPerBlock: maxBytesPerBlock, Atomic: true, Executor: kind, ExecutorGenesis: genesis}}}
}

// Bundle returns a bundle action with one leg per rollup.
func Bundle(legs ...*txv1.RollupData) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_Bundle{Bundle: &txv1.Bundle{Legs: legs}}}
}

// NewSigner asks the node for the chain id and fee parameters and returns a
// signer for key.
func (c *Client) NewSigner(ctx context.Context, key ed25519.PrivKey) (Signer, error) {
	st, err := c.Query.Status(ctx, &sequencerv1.StatusRequest{})
	if err != nil {
		return Signer{}, err
	}
	return Signer{Key: key, ChainID: st.ChainId, BaseFee: st.BaseFee, FeePerByte: st.FeePerByte}, nil
}
