package ordering

import (
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// listedSet indexes Input.Listed.
type listedSet struct {
	txs    []*tx.Tx
	byHash map[tx.Hash]bool
}

func newListedSet(listed []*tx.Tx) listedSet {
	s := listedSet{txs: listed, byHash: make(map[tx.Hash]bool, len(listed))}
	for _, t := range listed {
		s.byHash[t.Hash] = true
	}
	return s
}

func (s listedSet) has(t *tx.Tx) bool { return s.byHash[t.Hash] }

// keys returns the listed txs' short keys.
func (s listedSet) keys() []TxKey {
	out := make([]TxKey, len(s.txs))
	for i, t := range s.txs {
		out[i] = KeyOf(t.Hash)
	}
	return out
}

// reservation holds block room for listed txs not yet taken, so that the
// proposer's greedy pass cannot fill the block, or a rollup's cap, with
// other txs first.
type reservation struct {
	bytes  int64
	rollup map[tx.RollupID]uint64
	open   map[tx.Hash]bool
}

func newReservation(listed []*tx.Tx) *reservation {
	r := &reservation{rollup: make(map[tx.RollupID]uint64), open: make(map[tx.Hash]bool)}
	for _, t := range listed {
		if r.open[t.Hash] {
			continue
		}
		r.open[t.Hash] = true
		r.bytes += TxEncodedSize(t.Size())
		for _, u := range t.RollupBytes() {
			r.rollup[u.Rollup] += u.Bytes
		}
	}
	return r
}

// release frees a listed tx's room (it was taken, or can never be).
func (r *reservation) release(t *tx.Tx) {
	if r == nil || !r.open[t.Hash] {
		return
	}
	delete(r.open, t.Hash)
	r.bytes -= TxEncodedSize(t.Size())
	for _, u := range t.RollupBytes() {
		r.rollup[u.Rollup] -= u.Bytes
	}
}

// checkListed enforces the inclusion-list rule on a block whose txs passed
// every other rule, given the overlay and rollup meter after the block's
// last tx. A listed tx missing from the block is excused only when
//   - it cannot execute at the end of the block (bad nonce, unpayable fee,
//     unknown rollup: ledger.Overlay.Check fails), or
//   - it does not fit the block bytes and the block holds no unlisted tx,
//     or it does not fit a rollup's cap and no unlisted tx in the block
//     carries data for that rollup (listed txs are bounded so that all fit
//     an otherwise empty block; the proposer may not crowd them out).
//
// Otherwise the block is rejected.
func checkListed(in Input, txs []*tx.Tx, ov *ledger.Overlay, caps *rollupMeter, total int64) error {
	listed := newListedSet(in.Listed)
	inBlock := make(map[tx.Hash]bool, len(txs))
	unlisted := false
	unlistedRollup := make(map[tx.RollupID]bool)
	for _, t := range txs {
		inBlock[t.Hash] = true
		if !listed.has(t) {
			unlisted = true
			for _, u := range t.RollupBytes() {
				unlistedRollup[u.Rollup] = true
			}
		}
	}
	for _, t := range in.Listed {
		if inBlock[t.Hash] {
			continue
		}
		if err := ov.Check(t); err != nil {
			if tx.CodeOf(err) == tx.ErrInternal.Code {
				return err
			}
			continue // cannot execute here: excused
		}
		if size := TxEncodedSize(t.Size()); in.MaxBlockBytes > 0 && total+size > in.MaxBlockBytes {
			if !unlisted {
				continue
			}
			return tx.Errorf(tx.ErrBlockRule, "listed tx %s is missing: the block is full of unlisted txs", t.Hash)
		}
		if err := caps.fits(ov, t); err != nil {
			if tx.CodeOf(err) == tx.ErrInternal.Code {
				return err
			}
			crowded := false
			for _, u := range t.RollupBytes() {
				crowded = crowded || unlistedRollup[u.Rollup]
			}
			if !crowded {
				continue
			}
			return tx.Errorf(tx.ErrBlockRule, "listed tx %s is missing: unlisted txs fill its rollup's cap (%v)", t.Hash, err)
		}
		return tx.Errorf(tx.ErrBlockRule, "listed tx %s is missing although it can execute at the end of the block", t.Hash)
	}
	return nil
}
