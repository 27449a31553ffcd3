package ordering

import (
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Check verifies that txs, in the given order, form a valid block for in:
// total size within in.MaxBlockBytes, every tx valid on the state left by
// the ones before it (which enforces consecutive nonces per account), and
// every rollup within its per-block byte cap. Signatures must have been
// verified by the caller. The returned error carries the offending tx's
// index and a tx error code (tx.CodeOf).
func Check(in Input, txs []*tx.Tx) error {
	var total int64
	for _, t := range txs {
		total += TxEncodedSize(t.Size())
	}
	if in.MaxBlockBytes > 0 && total > in.MaxBlockBytes {
		return tx.Errorf(tx.ErrBlockRule, "block txs take %d bytes, limit %d", total, in.MaxBlockBytes)
	}
	if in.Fair != nil {
		if err := checkFair(*in.Fair, newListedSet(in.Listed), txs); err != nil {
			return err
		}
	}
	ov := ledger.NewOverlay(in.State, in.Params, in.Height)
	caps := newRollupMeter(in.Params)
	for i, t := range txs {
		if err := ov.Apply(t, in.Proposer); err != nil {
			return blockRuleError(i, t, err)
		}
		if err := caps.add(ov, t); err != nil {
			return blockRuleError(i, t, err)
		}
	}
	if len(in.Listed) > 0 {
		return checkRequired(in, txs)
	}
	return nil
}

// blockRuleError reports a rule broken by tx i. A failure of the node itself
// (tx.ErrInternal, e.g. a storage read) is returned unchanged so the caller
// can tell it from a bad block.
func blockRuleError(i int, t *tx.Tx, err error) error {
	if tx.CodeOf(err) == tx.ErrInternal.Code {
		return err
	}
	return tx.Errorf(tx.ErrBlockRule, "tx %d (%s): %v", i, t.Hash, err)
}

// rollupMeter counts rollup data bytes per rollup within one block.
type rollupMeter struct {
	params ledger.Params
	used   map[tx.RollupID]uint64
}

func newRollupMeter(p ledger.Params) *rollupMeter {
	return &rollupMeter{params: p, used: make(map[tx.RollupID]uint64)}
}

// add charges t's rollup bytes, or returns an error and charges nothing if
// any rollup would exceed its cap. Rollups are read through r so a rollup
// registered earlier in the block is known.
func (m *rollupMeter) add(r ledger.Reader, t *tx.Tx) error {
	return m.addReserving(r, t, nil)
}

// fits reports (as add would) whether t's rollup bytes fit, charging
// nothing.
func (m *rollupMeter) fits(r ledger.Reader, t *tx.Tx) error {
	return m.check(r, t, nil)
}

// addReserving is add, with the room reserved for listed txs (nil: none)
// counted as used.
func (m *rollupMeter) addReserving(r ledger.Reader, t *tx.Tx, reserved map[tx.RollupID]uint64) error {
	if err := m.check(r, t, reserved); err != nil {
		return err
	}
	for _, u := range t.RollupBytes() {
		m.used[u.Rollup] += u.Bytes
	}
	return nil
}

func (m *rollupMeter) check(r ledger.Reader, t *tx.Tx, reserved map[tx.RollupID]uint64) error {
	usage := t.RollupBytes()
	for _, u := range usage {
		rollup, ok, err := r.Rollup(u.Rollup)
		if err != nil {
			return tx.Errorf(tx.ErrInternal, "reading rollup: %v", err)
		}
		if !ok {
			return tx.Errorf(tx.ErrUnknownRollup, "rollup %s is not registered", u.Rollup)
		}
		limit := m.params.RollupCap(rollup)
		if m.used[u.Rollup]+u.Bytes+reserved[u.Rollup] > limit {
			return tx.Errorf(tx.ErrRollupCapExceeded, "rollup %q would carry %d bytes, cap %d", rollup.Name, m.used[u.Rollup]+u.Bytes, limit)
		}
	}
	return nil
}

// checkFair enforces the fair-ordering rule: every tx eligible under E (or
// listed), no two txs sharing a short key, and the txs exactly in fair
// order.
func checkFair(fair FairInput, listed listedSet, txs []*tx.Tx) error {
	blockKeys := make([]TxKey, len(txs))
	for i, t := range txs {
		blockKeys[i] = KeyOf(t.Hash)
	}
	stamps := StampsFor(fair, blockKeys)
	stampListed(fair, stamps, listed.keys())
	keys := make(map[TxKey]int, len(txs))
	for i, t := range txs {
		k := KeyOf(t.Hash)
		st, ok := stamps[k]
		if !ok || !st.Eligible {
			return tx.Errorf(tx.ErrBlockRule, "tx %d (%s) is not eligible: reported by power %d of %d, needs more than 1/3", i, t.Hash, st.ReportedPower, fair.TotalPower)
		}
		if j, dup := keys[k]; dup {
			return tx.Errorf(tx.ErrBlockRule, "txs %d and %d share the short key %x", j, i, k)
		}
		keys[k] = i
	}
	sorted := append([]*tx.Tx(nil), txs...)
	if _, ok := SortFair(sorted, stamps, fair.PrevHash); !ok {
		return tx.Errorf(tx.ErrInternal, "fair sort: an eligible tx has no stamp")
	}
	for i := range txs {
		if sorted[i] != txs[i] {
			return tx.Errorf(tx.ErrBlockRule, "tx %d (%s) is out of fair order: position %d belongs to %s", i, txs[i].Hash, i, sorted[i].Hash)
		}
	}
	return nil
}
