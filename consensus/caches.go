package consensus

import (
	"sync"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// verifiedCache remembers hashes of txs whose signature and chain id were
// verified. Verification is a pure function of the tx bytes and the chain
// id, so skipping it for a remembered hash cannot change any outcome. The
// cache forgets the oldest entries first.
type verifiedCache struct {
	mu   sync.Mutex
	set  map[tx.Hash]struct{}
	ring []tx.Hash
	next int
}

func newVerifiedCache(size int) *verifiedCache {
	return &verifiedCache{set: make(map[tx.Hash]struct{}, size), ring: make([]tx.Hash, size)}
}

func (c *verifiedCache) has(h tx.Hash) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.set[h]
	return ok
}

func (c *verifiedCache) add(h tx.Hash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.set[h]; ok {
		return
	}
	old := c.ring[c.next]
	delete(c.set, old)
	c.ring[c.next] = h
	c.set[h] = struct{}{}
	c.next = (c.next + 1) % len(c.ring)
}

// StatusLog remembers why recent txs were rejected or evicted, for the
// tx-status API. It keeps the most recent entries up to its size.
type StatusLog struct {
	mu   sync.Mutex
	m    map[tx.Hash]error
	ring []tx.Hash
	next int
}

// NewStatusLog returns a log holding up to size entries.
func NewStatusLog(size int) *StatusLog {
	return &StatusLog{m: make(map[tx.Hash]error, size), ring: make([]tx.Hash, size)}
}

// Reject records why h was rejected.
func (l *StatusLog) Reject(h tx.Hash, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.m[h]; !ok {
		delete(l.m, l.ring[l.next])
		l.ring[l.next] = h
		l.next = (l.next + 1) % len(l.ring)
	}
	l.m[h] = err
}

// Rejection returns why h was rejected, if remembered.
func (l *StatusLog) Rejection(h tx.Hash) (error, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	err, ok := l.m[h]
	return err, ok
}
