package devchain

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/miner"
)

// ErrStopped is returned by Commit after Stop.
var ErrStopped = errors.New("devchain: stopped")

// Commit produces one block now from the pending transactions (possibly an
// empty block) and returns it once it is the head, its blobs are on the
// beacon API and finality has advanced. Safe to call concurrently with
// automatic production; blocks are produced one at a time.
func (c *Chain) Commit() (*types.Block, error) {
	c.sealMu.Lock()
	defer c.sealMu.Unlock()
	if c.stopped {
		return nil, ErrStopped
	}
	return c.seal()
}

// seal builds block head+1 from the tx pool, records its blobs, makes it
// the head and moves finality. Caller holds sealMu.
func (c *Chain) seal() (*types.Block, error) {
	// The pool resets on new heads in the background; wait for it so the
	// block sees the pool as of the current head.
	if err := c.eth.TxPool().Sync(); err != nil {
		return nil, fmt.Errorf("devchain: tx pool sync: %w", err)
	}
	bc := c.eth.BlockChain()
	parent := bc.CurrentBlock()
	number := parent.Number.Uint64() + 1
	random := crypto.Keccak256Hash(parent.Hash().Bytes()) // prevRandao; any value will do
	args := &miner.BuildPayloadArgs{
		Parent:       parent.Hash(),
		Timestamp:    c.slotTime(number),
		FeeRecipient: c.cfg.FeeRecipient,
		Random:       random,
		Withdrawals:  types.Withdrawals{},
		BeaconRoot:   &common.Hash{},
	}
	// BuildTestingPayload with nil transactions fills the block from the
	// pool, synchronously, and returns the block with its blobs bundle.
	block, envelope, err := c.eth.Miner().BuildTestingPayload(args, nil, false, nil)
	if err != nil {
		return nil, fmt.Errorf("devchain: building block %d: %w", number, err)
	}
	blobs, err := bundleSidecars(block, envelope.BlobsBundle)
	if err != nil {
		return nil, fmt.Errorf("devchain: block %d: %w", number, err)
	}
	if _, err := bc.InsertBlockWithoutSetHead(context.Background(), block, false); err != nil {
		return nil, fmt.Errorf("devchain: inserting block %d: %w", number, err)
	}
	// Blobs become readable before the block is the head, so whoever sees
	// the block over JSON-RPC finds its sidecars.
	c.sidecars.put(number, blobs)
	if _, err := bc.SetCanonical(block); err != nil {
		return nil, fmt.Errorf("devchain: setting head %d: %w", number, err)
	}
	c.eth.SetSynced()
	c.markFinal(number)
	return block, nil
}

// markFinal marks block max(0, head-FinalityDepth) finalized and safe.
func (c *Chain) markFinal(head uint64) {
	var n uint64
	if head > c.cfg.FinalityDepth {
		n = head - c.cfg.FinalityDepth
	}
	h := c.eth.BlockChain().GetHeaderByNumber(n)
	if h == nil { // cannot happen on a chain that never reorgs
		c.log.Error("devchain: finalized block missing", "number", n)
		return
	}
	c.eth.BlockChain().SetFinalized(h)
	c.eth.BlockChain().SetSafe(h)
}

// slotTime is the timestamp of block (slot) number.
func (c *Chain) slotTime(number uint64) uint64 {
	return c.genesisTime + number*c.secondsPerSlot
}

// produce makes a block every BlockPeriod until stop is closed.
func (c *Chain) produce(stop <-chan struct{}) {
	defer c.wg.Done()
	t := time.NewTicker(c.cfg.BlockPeriod)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if _, err := c.Commit(); err != nil && !errors.Is(err, ErrStopped) {
				c.log.Error("devchain: block production failed", "err", err)
			}
		}
	}
}
