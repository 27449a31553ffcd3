// Package mempool is Ordo's application-side transaction pool.
//
// Txs reach it through admission (consensus.App.AdmitBatch, fed by the
// gossip reactor in mempool/gossip, or CheckTx for CometBFT's RPC and
// flood mempool). The pool keeps per-account nonce queues (future nonces
// are parked, not dropped, up to a gap limit), deduplicates by hash, bounds count and bytes globally and per
// account, expires entries after a TTL, and records each tx's local
// first-seen time and arrival sequence for the ordering rules.
//
// The pool is not consensus-critical: what it returns differs between
// validators. It is safe for concurrent use.
package mempool

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Config bounds the pool. See DefaultConfig; Validate checks a Config.
type Config struct {
	// MaxTxs and MaxBytes cap the whole pool. The default, 20,000 txs, is
	// about three full blocks of small txs: a deeper pool only adds
	// queueing delay (with Ordo's gossip, local submissions are refused
	// above SubmitFill of it).
	MaxTxs   int   `mapstructure:"max_txs"`
	MaxBytes int64 `mapstructure:"max_bytes"`
	// MaxTxsPerAccount caps one account's queue.
	MaxTxsPerAccount int `mapstructure:"max_txs_per_account"`
	// MaxNonceGap is how far past the account's next expected nonce (after
	// its committed nonce and its contiguous pending txs) a tx may
	// be and still be parked.
	MaxNonceGap uint64 `mapstructure:"max_nonce_gap"`
	// MaxParkedPerAccount caps an account's txs that wait for a missing
	// lower nonce. Parked txs never execute until the gap fills, so they pay
	// nothing: the cap keeps them from filling the pool.
	MaxParkedPerAccount int `mapstructure:"max_parked_per_account"`
	// TTL is how long a tx may wait before it is evicted.
	TTL time.Duration `mapstructure:"ttl"`
	// SubmitFill is the fraction of the pool's capacity (MaxTxs with Ordo's
	// gossip, CometBFT's mempool size with its flood gossip) above which
	// the node's API refuses new submissions, keeping the rest for txs
	// gossiped by peers (0 < SubmitFill ≤ 1).
	SubmitFill float64 `mapstructure:"submit_fill"`
	// Gossip is how pending txs travel between nodes: GossipOrdo (Ordo's
	// batched gossip, package mempool/gossip; CometBFT's mempool then only
	// serves its RPC's broadcast_tx_* and must not broadcast) or
	// GossipCometBFT (CometBFT's flood mempool, one CheckTx per tx).
	Gossip string `mapstructure:"gossip"`
}

// Gossip modes (Config.Gossip).
const (
	GossipOrdo     = "ordo"
	GossipCometBFT = "cometbft"
)

// DefaultConfig returns the defaults used by `ordo init`.
func DefaultConfig() Config {
	return Config{
		MaxTxs:              20_000,
		MaxBytes:            1 << 30,
		MaxTxsPerAccount:    10_000,
		MaxNonceGap:         64,
		MaxParkedPerAccount: 16,
		TTL:                 10 * time.Minute,
		SubmitFill:          0.5,
		Gossip:              GossipOrdo,
	}
}

// Validate reports a config that cannot work.
func (c Config) Validate() error {
	switch {
	case c.MaxTxs <= 0:
		return errors.New("mempool: max_txs must be positive")
	case c.MaxBytes <= 0:
		return errors.New("mempool: max_bytes must be positive")
	case c.MaxTxsPerAccount <= 0:
		return errors.New("mempool: max_txs_per_account must be positive")
	case c.MaxParkedPerAccount < 0:
		return errors.New("mempool: max_parked_per_account must not be negative")
	case c.TTL <= 0:
		return errors.New("mempool: ttl must be positive")
	case c.SubmitFill <= 0 || c.SubmitFill > 1:
		return errors.New("mempool: submit_fill must be in (0, 1]")
	case c.Gossip != GossipOrdo && c.Gossip != GossipCometBFT:
		return fmt.Errorf("mempool: gossip = %q: want %q or %q", c.Gossip, GossipOrdo, GossipCometBFT)
	}
	return nil
}

// Entry is one pooled tx.
type Entry struct {
	Tx *tx.Tx
	// FirstSeen is the local wall-clock time the tx first reached this node.
	FirstSeen time.Time
	// Seq is the local arrival sequence number (strictly increasing).
	Seq uint64
	// SeenHeight is the last committed height when the tx arrived.
	SeenHeight int64
}

type queue struct {
	byNonce map[uint64]*Entry
	spend   uint64
	// runFrom and runTo memoize nextNonce: every nonce in [runFrom, runTo)
	// is queued. Removing any entry clears them (runTo = 0), so walking
	// the run costs O(1) amortized per added tx instead of O(queue).
	runFrom, runTo uint64
}

// nextNonce is the nonce after the contiguous run of queued txs starting at
// the committed nonce (nil queue: the committed nonce).
func (q *queue) nextNonce(committed uint64) uint64 {
	n := committed
	if q == nil {
		return n
	}
	from := committed
	if q.runFrom <= committed && committed < q.runTo {
		n, from = q.runTo, q.runFrom
	}
	for {
		if _, ok := q.byNonce[n]; !ok {
			q.runFrom, q.runTo = from, n
			return n
		}
		n++
	}
}

// forget removes nonce from the queue and clears the run memo.
func (q *queue) forget(nonce uint64) {
	delete(q.byNonce, nonce)
	q.runFrom, q.runTo = 0, 0
}

// parked counts queued txs above nonce next (waiting for a missing nonce).
func (q *queue) parked(next uint64) int {
	if q == nil {
		return 0
	}
	c := 0
	for n := range q.byNonce {
		if n > next {
			c++
		}
	}
	return c
}

// Pool is the app-side mempool.
type Pool struct {
	cfg Config
	now func() time.Time

	mu       sync.Mutex
	seq      uint64
	height   int64
	bytes    int64
	byHash   map[tx.Hash]*Entry
	accounts map[tx.Address]*queue
}

// New returns an empty pool. now is the clock used for first-seen times
// and the TTL (time.Now in production, a fake in tests).
func New(cfg Config, now func() time.Time) *Pool {
	return &Pool{
		cfg:      cfg,
		now:      now,
		byHash:   make(map[tx.Hash]*Entry),
		accounts: make(map[tx.Address]*queue),
	}
}

// Add admits t given its sender's committed account. Errors are typed
// (tx.CodeOf): duplicate, stale or too-far nonce, nonce already taken,
// insufficient balance for all the sender's pending txs, pool full.
func (p *Pool) Add(t *tx.Tx, acct ledger.Account) (*Entry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.byHash[t.Hash]; ok {
		return nil, tx.Errorf(tx.ErrDuplicate, "tx %s is already pending", t.Hash)
	}
	if t.Nonce < acct.Nonce {
		return nil, tx.Errorf(tx.ErrStaleNonce, "account %s is at nonce %d, tx has %d", t.Sender, acct.Nonce, t.Nonce)
	}
	q := p.accounts[t.Sender]
	// The gap is measured from the end of the account's contiguous run in
	// the pool, so a sender may pipeline many consecutive nonces.
	if next := q.nextNonce(acct.Nonce); t.Nonce > next && t.Nonce-next > p.cfg.MaxNonceGap {
		return nil, tx.Errorf(tx.ErrFutureNonce, "account %s is at nonce %d with pending txs up to %d, tx has %d (at most %d past the next expected)", t.Sender, acct.Nonce, next, t.Nonce, p.cfg.MaxNonceGap)
	}
	if q != nil {
		if other, ok := q.byNonce[t.Nonce]; ok {
			return nil, tx.Errorf(tx.ErrNonceTaken, "tx %s already uses nonce %d of account %s", other.Tx.Hash, t.Nonce, t.Sender)
		}
		if len(q.byNonce) >= p.cfg.MaxTxsPerAccount {
			return nil, tx.Errorf(tx.ErrMempoolFull, "account %s has %d pending txs, limit %d", t.Sender, len(q.byNonce), p.cfg.MaxTxsPerAccount)
		}
	}
	if next := q.nextNonce(acct.Nonce); t.Nonce != next {
		if parked := q.parked(next); parked >= p.cfg.MaxParkedPerAccount {
			return nil, tx.Errorf(tx.ErrFutureNonce, "account %s already has %d txs waiting for its missing nonce %d (limit %d): submit nonce %d first", t.Sender, parked, next, p.cfg.MaxParkedPerAccount, next)
		}
	}
	if len(p.byHash) >= p.cfg.MaxTxs || p.bytes+int64(t.Size()) > p.cfg.MaxBytes {
		return nil, tx.Errorf(tx.ErrMempoolFull, "pool holds %d txs and %d bytes (limits %d, %d)", len(p.byHash), p.bytes, p.cfg.MaxTxs, p.cfg.MaxBytes)
	}
	spend, _ := t.Spend()
	var pending uint64
	if q != nil {
		pending = q.spend
	}
	if pending+spend < pending || acct.Balance < pending+spend {
		return nil, tx.Errorf(tx.ErrInsufficientBalance, "account %s has %d, its pending txs need %d more", t.Sender, acct.Balance, pending+spend)
	}
	if q == nil {
		q = &queue{byNonce: make(map[uint64]*Entry)}
		p.accounts[t.Sender] = q
	}
	p.seq++
	e := &Entry{Tx: t, FirstSeen: p.now(), Seq: p.seq, SeenHeight: p.height}
	q.byNonce[t.Nonce] = e
	q.spend += spend
	p.byHash[t.Hash] = e
	p.bytes += int64(t.Size())
	return e, nil
}

// Get returns the pooled entry for a hash.
func (p *Pool) Get(h tx.Hash) (*Entry, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.byHash[h]
	return e, ok
}

// Remove drops a tx (no-op when absent).
func (p *Pool) Remove(h tx.Hash) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.removeLocked(h)
}

func (p *Pool) removeLocked(h tx.Hash) {
	e, ok := p.byHash[h]
	if !ok {
		return
	}
	delete(p.byHash, h)
	p.bytes -= int64(e.Tx.Size())
	q := p.accounts[e.Tx.Sender]
	q.forget(e.Tx.Nonce)
	spend, _ := e.Tx.Spend()
	q.spend -= spend
	if len(q.byNonce) == 0 {
		delete(p.accounts, e.Tx.Sender)
	}
}

// Evicted is a tx the pool dropped on its own, with the reason.
type Evicted struct {
	Hash tx.Hash
	Err  error
}

// Update is called after a block commits: it removes the committed txs;
// for each touched account (accountOf reads its committed state) the txs
// whose nonce is now below the account's nonce, and the txs the balance can
// no longer pay for (walking nonces upward, the first tx whose cumulative
// spend exceeds the balance and every later one); then the entries older
// than the TTL.
func (p *Pool) Update(committed []tx.Hash, touched []tx.Address, accountOf func(tx.Address) (ledger.Account, error)) ([]Evicted, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range committed {
		p.removeLocked(h)
	}
	var out []Evicted
	for _, addr := range touched {
		q := p.accounts[addr]
		if q == nil {
			continue
		}
		acct, err := accountOf(addr)
		if err != nil {
			return out, err
		}
		entries := make([]*Entry, 0, len(q.byNonce))
		for _, e := range q.byNonce {
			entries = append(entries, e)
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].Tx.Nonce < entries[j].Tx.Nonce })
		var spent uint64
		unaffordable := false
		for _, e := range entries {
			if e.Tx.Nonce < acct.Nonce {
				p.removeLocked(e.Tx.Hash)
				out = append(out, Evicted{e.Tx.Hash, tx.Errorf(tx.ErrStaleNonce, "another tx with nonce %d of account %s was committed", e.Tx.Nonce, addr)})
				continue
			}
			cost, _ := e.Tx.Spend()
			if !unaffordable && spent+cost >= spent && spent+cost <= acct.Balance {
				spent += cost
				continue
			}
			unaffordable = true
			p.removeLocked(e.Tx.Hash)
			out = append(out, Evicted{e.Tx.Hash, tx.Errorf(tx.ErrInsufficientBalance, "account %s has %d, not enough for this tx after its lower nonces", addr, acct.Balance)})
		}
	}
	cutoff := p.now().Add(-p.cfg.TTL)
	var expired []*Entry
	for _, e := range p.byHash {
		if e.FirstSeen.Before(cutoff) {
			expired = append(expired, e)
		}
	}
	sort.Slice(expired, func(i, j int) bool { return expired[i].Seq < expired[j].Seq })
	for _, e := range expired {
		p.removeLocked(e.Tx.Hash)
		out = append(out, Evicted{e.Tx.Hash, tx.Errorf(tx.ErrExpired, "not included within %s", p.cfg.TTL)})
	}
	return out, nil
}

// SetHeight records the last committed height, stamped on new entries.
func (p *Pool) SetHeight(h int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.height = h
}

// Snapshot returns every pooled entry in arrival order.
func (p *Pool) Snapshot() []*Entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*Entry, 0, len(p.byHash))
	for _, e := range p.byHash {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// PendingNonce returns the nonce after the account's contiguous run of
// pooled txs starting at committedNonce.
func (p *Pool) PendingNonce(addr tx.Address, committedNonce uint64) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accounts[addr].nextNonce(committedNonce)
}

// Ready returns the entries that can execute now — each account's
// contiguous nonce run from its committed nonce (nonceOf) — in arrival
// order. Parked txs (behind a missing nonce) are left out.
func (p *Pool) Ready(nonceOf func(tx.Address) (uint64, error)) ([]*Entry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*Entry
	for addr, q := range p.accounts {
		n, err := nonceOf(addr)
		if err != nil {
			return nil, err
		}
		for {
			e, ok := q.byNonce[n]
			if !ok {
				break
			}
			out = append(out, e)
			n++
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}

// Len returns the number of pooled txs and their total bytes.
func (p *Pool) Len() (int, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.byHash), p.bytes
}
