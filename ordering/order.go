package ordering

import (
	"errors"
	"sort"

	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Order builds the block for in.Height from candidates.
//
// Each account's candidates are taken in nonce order; across accounts, the
// candidate at the head of each account's queue that arrived first (lowest
// Seq, ties by tx hash) goes next. A candidate that is invalid, or does not
// fit the block or its rollup's cap, is left out together with the rest of
// its account's queue (their nonces could no longer be consecutive).
// The result always passes Check with the same Input.
//
// Listed txs (in.Listed) are offered first-come (as if they arrived before
// every candidate); the room the required ones (Required) need is reserved
// until they are taken, so other txs cannot crowd them out.
func Order(in Input, candidates []Candidate) (Block, error) {
	candidates = withListed(in.Listed, candidates)
	b, err := newBuilder(in)
	if err != nil {
		return Block{}, err
	}
	if in.Fair != nil {
		return orderFair(in, b, candidates)
	}
	queues := accountQueues(candidates)
	for {
		q := nextQueue(queues)
		if q == nil {
			break
		}
		c := q.items[0]
		q.items = q.items[1:]
		if stale, err := b.stale(c.Tx); err != nil {
			return Block{}, err
		} else if stale {
			continue // e.g. a listed tx whose nonce a block already used
		}
		taken, err := b.take(c.Tx)
		if err != nil {
			return Block{}, err
		}
		if !taken {
			q.items = nil // later nonces could no longer be consecutive
		}
	}
	return b.out, nil
}

// withListed adds the listed txs to the candidates, ahead of every pool
// arrival (Seq 0; Seq of pool entries starts at 1), so a listed tx wins a
// nonce against any other candidate.
func withListed(listed []*tx.Tx, candidates []Candidate) []Candidate {
	if len(listed) == 0 {
		return candidates
	}
	out := make([]Candidate, 0, len(listed)+len(candidates))
	for _, t := range listed {
		out = append(out, Candidate{Tx: t, Seq: 0, listed: true})
	}
	return append(out, candidates...)
}

// builder grows a block one tx at a time, keeping every rule Check enforces
// apart from the fair order itself.
type builder struct {
	in    Input
	ov    *ledger.Overlay
	caps  *rollupMeter
	bytes int64
	out   Block
	// res holds the room of the required listed txs; requiredKeys are
	// their short keys, which no other tx may take.
	res          *reservation
	requiredKeys map[TxKey]bool
	listed       listedSet
}

func newBuilder(in Input) (*builder, error) {
	required, err := Required(in)
	if err != nil {
		return nil, err
	}
	b := &builder{
		in: in, ov: ledger.NewOverlay(in.State, in.Params, in.Height), caps: newRollupMeter(in.Params),
		res: newReservation(required), requiredKeys: make(map[TxKey]bool, len(required)),
		listed: newListedSet(in.Listed),
	}
	for _, t := range required {
		b.requiredKeys[KeyOf(t.Hash)] = true
	}
	return b, nil
}

// take appends t when it fits the block bytes and is valid on the block so
// far (nonce, fee, balance, rollups, rollup caps), and reports whether it
// did. A tx that cannot execute is recorded in out.Invalid (except a nonce
// gap, which a later block may fill). Only a failure of the node itself
// (tx.ErrInternal) is returned as an error.
//
// A required tx gives up its reservation when taken; any other tx must
// leave the reserved room free and may not take a required tx's short key.
func (b *builder) take(t *tx.Tx) (bool, error) {
	if b.res.holds(t) {
		b.res.release(t)
	} else if b.requiredKeys[KeyOf(t.Hash)] {
		return false, nil
	}
	size := TxEncodedSize(t.Size())
	if b.in.MaxBlockBytes > 0 && b.bytes+size+b.res.bytes > b.in.MaxBlockBytes {
		return false, nil
	}
	if err := b.ov.Check(t); err != nil {
		if tx.CodeOf(err) == tx.ErrInternal.Code {
			return false, err
		}
		if !errors.Is(err, tx.ErrFutureNonce) {
			b.out.Invalid = append(b.out.Invalid, Skipped{Hash: t.Hash, Err: err})
		}
		return false, nil
	}
	if err := b.caps.addReserving(b.ov, t, b.res.rollup); err != nil {
		if tx.CodeOf(err) == tx.ErrInternal.Code {
			return false, err
		}
		return false, nil
	}
	if err := b.ov.Apply(t, b.in.Proposer); err != nil {
		return false, err
	}
	b.bytes += size
	b.out.Txs = append(b.out.Txs, t)
	return true, nil
}

// stale reports whether t's nonce is already used (by the committed state
// or the block so far). A stale tx is skipped without closing its account
// — its account's next nonces may be valid, even required — and, unless
// listed (listed txs need not be in this node's pool), recorded as invalid
// so the pool evicts it.
func (b *builder) stale(t *tx.Tx) (bool, error) {
	acct, err := b.ov.Account(t.Sender)
	if err != nil {
		return false, tx.Errorf(tx.ErrInternal, "reading account: %v", err)
	}
	if t.Nonce >= acct.Nonce {
		return false, nil
	}
	if !b.listed.has(t) {
		b.out.Invalid = append(b.out.Invalid, Skipped{Hash: t.Hash,
			Err: tx.Errorf(tx.ErrStaleNonce, "account %s is at nonce %d, tx has %d", t.Sender, acct.Nonce, t.Nonce)})
	}
	return true, nil
}

type accountQueue struct {
	items []Candidate
}

// accountQueues groups candidates per sender, sorted by nonce (duplicates of
// a nonce keep the earliest arrival), in a deterministic slice order.
func accountQueues(candidates []Candidate) []*accountQueue {
	byAcct := make(map[tx.Address]*accountQueue)
	var order []*accountQueue
	for _, c := range candidates {
		if c.Tx == nil {
			continue
		}
		q, ok := byAcct[c.Tx.Sender]
		if !ok {
			q = &accountQueue{}
			byAcct[c.Tx.Sender] = q
			order = append(order, q)
		}
		q.items = append(q.items, c)
	}
	for _, q := range order {
		sort.SliceStable(q.items, func(i, j int) bool {
			a, b := q.items[i], q.items[j]
			if a.Tx.Nonce != b.Tx.Nonce {
				return a.Tx.Nonce < b.Tx.Nonce
			}
			return earlier(a, b)
		})
		dedup := q.items[:0]
		for i, c := range q.items {
			if i > 0 && c.Tx.Nonce == dedup[len(dedup)-1].Tx.Nonce {
				continue
			}
			dedup = append(dedup, c)
		}
		q.items = dedup
	}
	return order
}

// nextQueue returns the queue whose head arrived first, or nil when all are
// empty. Linear in the number of accounts, which is fine at block sizes.
func nextQueue(queues []*accountQueue) *accountQueue {
	var best *accountQueue
	for _, q := range queues {
		if len(q.items) == 0 {
			continue
		}
		if best == nil || earlier(q.items[0], best.items[0]) {
			best = q
		}
	}
	return best
}

func earlier(a, b Candidate) bool {
	if a.listed != b.listed {
		return a.listed
	}
	if a.Seq != b.Seq {
		return a.Seq < b.Seq
	}
	return string(a.Tx.Hash[:]) < string(b.Tx.Hash[:])
}

// orderFair builds a fair-ordered block: the eligible candidates (one per
// account nonce, earliest arrival) sorted by the fair-ordering rule, then
// taken greedily in that order. A candidate that is invalid, does not fit,
// or repeats another's short key closes its account for this block, so the
// kept txs of each account are a nonce prefix and keep their fair keys.
func orderFair(in Input, b *builder, candidates []Candidate) (Block, error) {
	keys := make([]TxKey, 0, len(candidates))
	for _, c := range candidates {
		if c.Tx != nil {
			keys = append(keys, KeyOf(c.Tx.Hash))
		}
	}
	stamps := StampsFor(*in.Fair, keys)
	stampListed(*in.Fair, stamps, newListedSet(in.Listed).keys())
	// Filter for eligibility first, so an ineligible tx cannot hide an
	// eligible one with the same account nonce.
	// Stale txs (nonce already committed) are dropped before sorting: a
	// tx's fair key depends on its account's lower nonces in the set, and
	// Check computes keys over the block, where stale txs never are.
	eligible := make([]Candidate, 0, len(candidates))
	for _, c := range candidates {
		if c.Tx == nil {
			continue
		}
		if stale, err := b.stale(c.Tx); err != nil {
			return Block{}, err
		} else if stale {
			continue
		}
		if st, ok := stamps[KeyOf(c.Tx.Hash)]; ok && st.Eligible {
			eligible = append(eligible, c)
		}
	}
	var pool []*tx.Tx
	for _, q := range accountQueues(eligible) {
		for _, c := range q.items {
			pool = append(pool, c.Tx)
		}
	}
	if _, ok := SortFair(pool, stamps, in.Fair.PrevHash); !ok {
		return Block{}, tx.Errorf(tx.ErrInternal, "fair sort: a filtered candidate has no stamp")
	}
	closed := make(map[tx.Address]bool)
	usedKeys := make(map[TxKey]bool)
	for _, t := range pool {
		if closed[t.Sender] {
			continue
		}
		if stale, err := b.stale(t); err != nil {
			return Block{}, err
		} else if stale {
			continue
		}
		taken := false
		if !usedKeys[KeyOf(t.Hash)] {
			var err error
			if taken, err = b.take(t); err != nil {
				return Block{}, err
			}
		}
		if !taken {
			closed[t.Sender] = true
			continue
		}
		usedKeys[KeyOf(t.Hash)] = true
	}
	return b.out, nil
}
