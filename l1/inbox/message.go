package inbox

import (
	"bytes"
	"container/list"
	"sync"

	"github.com/ethereum/go-ethereum/common"
)

// Message is one inbox message: a successful top-level L1 transaction to
// the inbox address with non-empty calldata (see the package doc).
// Messages are ordered by (L1Block, TxIndex).
type Message struct {
	// L1Block is the number of the L1 block holding the transaction.
	L1Block uint64
	// TxIndex is the transaction's position in that block.
	TxIndex uint32
	// L1Tx is the L1 transaction hash.
	L1Tx common.Hash
	// From is the L1 sender, recovered from the transaction's signature.
	From common.Address
	// Data is the calldata: the raw Ordo transaction. Empty when Oversize.
	Data []byte
	// Size is the calldata length in bytes (set even when Oversize).
	Size int
	// Oversize reports that the calldata is longer than the follower's
	// MaxDataBytes; Data is then empty and the message is to be recorded
	// as skipped, not executed.
	Oversize bool
}

// clone returns a copy of m that shares no memory with it.
func (m Message) clone() Message {
	m.Data = bytes.Clone(m.Data)
	return m
}

// blockResult is what the follower keeps about one finalized block: its
// hash and parent hash (to check the links between consecutive blocks) and
// its messages in order (often none).
type blockResult struct {
	number uint64
	hash   common.Hash
	parent common.Hash
	msgs   []Message
}

// dataBytes is the Data bytes r holds.
func (r *blockResult) dataBytes() int {
	n := 0
	for _, m := range r.msgs {
		n += len(m.Data)
	}
	return n
}

// blockCache is an LRU cache of finalized block results, bounded by entry
// count and by total Data bytes. Safe for concurrent use.
type blockCache struct {
	mu       sync.Mutex
	maxItems int
	maxBytes int
	bytes    int
	order    *list.List // of *blockResult, most recently used first
	items    map[uint64]*list.Element
}

func newBlockCache(maxItems, maxBytes int) *blockCache {
	return &blockCache{maxItems: maxItems, maxBytes: maxBytes, order: list.New(), items: make(map[uint64]*list.Element)}
}

// get returns the cached result of block n. The result is shared: callers
// must not modify it.
func (c *blockCache) get(n uint64) (*blockResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[n]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*blockResult), true
}

// put caches r (replacing any entry for its block), evicting the least
// recently used entries to stay within bounds. A result larger than the
// byte bound is not cached.
func (c *blockCache) put(r *blockResult) {
	size := r.dataBytes()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(r.number)
	if c.maxItems == 0 || size > c.maxBytes {
		return
	}
	c.items[r.number] = c.order.PushFront(r)
	c.bytes += size
	for c.order.Len() > c.maxItems || c.bytes > c.maxBytes {
		c.removeLocked(c.order.Back().Value.(*blockResult).number)
	}
}

// remove drops block n's entry, if any.
func (c *blockCache) remove(n uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(n)
}

func (c *blockCache) removeLocked(n uint64) {
	e, ok := c.items[n]
	if !ok {
		return
	}
	c.order.Remove(e)
	delete(c.items, n)
	c.bytes -= e.Value.(*blockResult).dataBytes()
}

// len is the number of cached blocks.
func (c *blockCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
