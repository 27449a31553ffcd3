package inbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/ethereum/go-ethereum/trie"
)

// rpcBlock is the part of an eth_getBlockByNumber answer (with full
// transactions) the follower uses. Hashes are taken as the endpoint
// reports them rather than recomputed from the header, so a header field
// added by a future L1 fork does not break the parent-link check.
type rpcBlock struct {
	Number       *hexutil.Big         `json:"number"`
	Hash         *common.Hash         `json:"hash"`
	ParentHash   *common.Hash         `json:"parentHash"`
	TxRoot       *common.Hash         `json:"transactionsRoot"`
	Transactions []*types.Transaction `json:"transactions"`
}

// rpcReceipt is the part of an eth_getTransactionReceipt answer the
// follower uses (logs, possibly large, are not decoded).
type rpcReceipt struct {
	TxHash      common.Hash     `json:"transactionHash"`
	BlockHash   common.Hash     `json:"blockHash"`
	BlockNumber *hexutil.Big    `json:"blockNumber"`
	TxIndex     hexutil.Uint64  `json:"transactionIndex"`
	Status      *hexutil.Uint64 `json:"status"`
}

// receiptBatch bounds the receipts asked for in one JSON-RPC batch
// (providers commonly cap batches at 100 or more requests).
const receiptBatch = 100

// fetchBlock reads finalized block n and extracts its inbox messages: one
// request for the block with its transactions, then, only if some
// transactions go to the inbox with calldata, batched requests for their
// receipts. It checks the transactions against the header's root and each
// receipt against its transaction and block.
func (f *Follower) fetchBlock(ctx context.Context, cl *ethclient.Client, signer types.Signer, n uint64) (*blockResult, error) {
	b, err := f.getBlock(ctx, cl, n)
	if err != nil {
		return nil, err
	}
	r := &blockResult{number: n, hash: *b.Hash, parent: *b.ParentHash}
	var cand []int // indexes of transactions to the inbox with calldata
	for i, tx := range b.Transactions {
		if to := tx.To(); to != nil && *to == f.cfg.Inbox && len(tx.Data()) > 0 {
			cand = append(cand, i)
		}
	}
	if len(cand) == 0 {
		return r, nil
	}
	for len(cand) > 0 {
		chunk := cand[:min(len(cand), receiptBatch)]
		cand = cand[len(chunk):]
		ok, err := f.successful(ctx, cl, b, chunk)
		if err != nil {
			return nil, err
		}
		for k, i := range chunk {
			if !ok[k] {
				continue // reverted: not a message
			}
			tx := b.Transactions[i]
			from, err := types.Sender(signer, tx)
			if err != nil {
				return nil, fmt.Errorf("inbox: sender of L1 tx %s in block %d: %w", tx.Hash(), n, err)
			}
			m := Message{L1Block: n, TxIndex: uint32(i), L1Tx: tx.Hash(), From: from, Size: len(tx.Data())}
			if m.Size > f.cfg.MaxDataBytes {
				m.Oversize = true
			} else {
				m.Data = bytes.Clone(tx.Data())
			}
			r.msgs = append(r.msgs, m)
		}
	}
	return r, nil
}

// getBlock fetches block n with full transactions and checks it.
func (f *Follower) getBlock(ctx context.Context, cl *ethclient.Client, n uint64) (*rpcBlock, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.RequestTimeout)
	defer cancel()
	var raw json.RawMessage
	if err := cl.Client().CallContext(ctx, &raw, "eth_getBlockByNumber", hexutil.EncodeUint64(n), true); err != nil {
		return nil, fmt.Errorf("inbox: L1 block %d: %w", n, err)
	}
	var b *rpcBlock
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("inbox: decoding L1 block %d: %w", n, err)
	}
	switch {
	case b == nil:
		return nil, fmt.Errorf("inbox: L1 block %d not found on the endpoint", n)
	case b.Number == nil || b.Hash == nil || b.ParentHash == nil || b.TxRoot == nil:
		return nil, fmt.Errorf("inbox: L1 block %d: incomplete answer", n)
	case !b.Number.ToInt().IsUint64() || b.Number.ToInt().Uint64() != n:
		return nil, fmt.Errorf("inbox: asked for L1 block %d, got %v", n, b.Number)
	}
	for i, tx := range b.Transactions {
		if tx == nil {
			return nil, fmt.Errorf("inbox: L1 block %d: transaction %d missing", n, i)
		}
	}
	if root := types.DeriveSha(types.Transactions(b.Transactions), trie.NewStackTrie(nil)); root != *b.TxRoot {
		return nil, fmt.Errorf("inbox: L1 block %d: transactions do not match the header's root (%s, header %s)", n, root, *b.TxRoot)
	}
	return b, nil
}

// successful reports, for the transactions of b at idx, whether each
// succeeded (receipt status 1), with one batched request.
func (f *Follower) successful(ctx context.Context, cl *ethclient.Client, b *rpcBlock, idx []int) ([]bool, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.RequestTimeout)
	defer cancel()
	rcpts := make([]*rpcReceipt, len(idx))
	batch := make([]rpc.BatchElem, len(idx))
	for k, i := range idx {
		batch[k] = rpc.BatchElem{Method: "eth_getTransactionReceipt", Args: []any{b.Transactions[i].Hash()}, Result: &rcpts[k]}
	}
	n := b.Number.ToInt().Uint64()
	if err := cl.Client().BatchCallContext(ctx, batch); err != nil {
		return nil, fmt.Errorf("inbox: receipts of L1 block %d: %w", n, err)
	}
	ok := make([]bool, len(idx))
	for k, i := range idx {
		tx, r := b.Transactions[i], rcpts[k]
		switch {
		case batch[k].Error != nil:
			return nil, fmt.Errorf("inbox: receipt of L1 tx %s: %w", tx.Hash(), batch[k].Error)
		case r == nil:
			return nil, fmt.Errorf("inbox: receipt of L1 tx %s (block %d) not found on the endpoint", tx.Hash(), n)
		case r.TxHash != tx.Hash() || r.BlockHash != *b.Hash || r.BlockNumber == nil ||
			r.BlockNumber.ToInt().Cmp(b.Number.ToInt()) != 0 || uint64(r.TxIndex) != uint64(i):
			return nil, fmt.Errorf("inbox: receipt of L1 tx %s does not match block %d index %d", tx.Hash(), n, i)
		case r.Status == nil:
			return nil, fmt.Errorf("inbox: receipt of L1 tx %s has no status", tx.Hash())
		}
		ok[k] = uint64(*r.Status) == types.ReceiptStatusSuccessful
	}
	return ok, nil
}
