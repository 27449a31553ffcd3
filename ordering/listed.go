package ordering

import (
	"bytes"
	"errors"
	"sort"

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

// burnAddress receives the fees of Required's simulation, so that no listed
// tx counts as valid thanks to fee income the real block might pay later.
var burnAddress = tx.Address{0xff, 'o', 'r', 'd', 'o', '-', 'n', 'o', '-', 'o', 'n', 'e'}

// Required returns the listed txs the block must contain
// (docs/spec/inclusion-lists.md): Listed is grouped by sender (senders in
// address order, each sender's txs in nonce order, one tx per nonce — the
// lowest hash), and each sender's txs are simulated on the committed state
// in isolation (no other sender's effects, fees burnt). A tx is required
// when, at its turn, it is valid, carries no RegisterRollup action (a
// registration can conflict with another account's), does not repeat the
// short key of a required tx before it (fair ordering allows one tx per
// short key in a block), and fits the rollup caps and block bytes still
// left by the required txs before it (a meter shared across senders, in
// that canonical order). A stale nonce is skipped; any other failure ends
// the sender's run (its later nonces could not execute).
//
// Because a sender's validity in isolation can only improve when other
// accounts' txs run too (transfers add to balances, nobody else spends
// them) and the required txs fit the block and caps by construction, the
// required txs stay valid wherever fair ordering places them among other
// txs, provided the room they need is reserved — which Order does.
func Required(in Input) ([]*tx.Tx, error) {
	if len(in.Listed) == 0 {
		return nil, nil
	}
	bySender := make(map[tx.Address][]*tx.Tx)
	var senders []tx.Address
	for _, t := range in.Listed {
		if _, ok := bySender[t.Sender]; !ok {
			senders = append(senders, t.Sender)
		}
		bySender[t.Sender] = append(bySender[t.Sender], t)
	}
	sort.Slice(senders, func(i, j int) bool { return bytes.Compare(senders[i][:], senders[j][:]) < 0 })
	caps := newRollupMeter(in.Params)
	var used int64
	var out []*tx.Tx
	keys := make(map[TxKey]bool) // short keys of the required txs so far
	for _, s := range senders {
		txs := bySender[s]
		sort.Slice(txs, func(i, j int) bool {
			if txs[i].Nonce != txs[j].Nonce {
				return txs[i].Nonce < txs[j].Nonce
			}
			return bytes.Compare(txs[i].Hash[:], txs[j].Hash[:]) < 0
		})
		ov := ledger.NewOverlay(in.State, in.Params, in.Height)
		for i, t := range txs {
			if i > 0 && t.Nonce == txs[i-1].Nonce {
				continue
			}
			if err := ov.Check(t); err != nil {
				if tx.CodeOf(err) == tx.ErrInternal.Code {
					return nil, err
				}
				if errors.Is(err, tx.ErrStaleNonce) {
					continue // even a registration: a used nonce ends nothing
				}
				break
			}
			if registersRollup(t) {
				break
			}
			if keys[KeyOf(t.Hash)] {
				// Fair ordering refuses two txs with one short key in a
				// block: requiring both would make every block invalid.
				break
			}
			size := TxEncodedSize(t.Size())
			if in.MaxBlockBytes > 0 && used+size > in.MaxBlockBytes {
				break
			}
			if err := caps.add(ov, t); err != nil {
				if tx.CodeOf(err) == tx.ErrInternal.Code {
					return nil, err
				}
				break
			}
			if err := ov.Apply(t, burnAddress); err != nil {
				return nil, err
			}
			used += size
			keys[KeyOf(t.Hash)] = true
			out = append(out, t)
		}
	}
	return out, nil
}

func registersRollup(t *tx.Tx) bool {
	for _, a := range t.Actions {
		if _, ok := a.(*tx.RegisterRollup); ok {
			return true
		}
	}
	return false
}

// reservation holds block room for the required txs not yet taken, so that
// the proposer's greedy pass cannot fill the block, or a rollup's cap, with
// other txs first.
type reservation struct {
	bytes  int64
	rollup map[tx.RollupID]uint64
	open   map[tx.Hash]bool
}

func newReservation(required []*tx.Tx) *reservation {
	r := &reservation{rollup: make(map[tx.RollupID]uint64), open: make(map[tx.Hash]bool)}
	for _, t := range required {
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

// holds reports whether t's room is reserved.
func (r *reservation) holds(t *tx.Tx) bool { return r != nil && r.open[t.Hash] }

// release frees a required tx's room (it is being taken).
func (r *reservation) release(t *tx.Tx) {
	if !r.holds(t) {
		return
	}
	delete(r.open, t.Hash)
	r.bytes -= TxEncodedSize(t.Size())
	for _, u := range t.RollupBytes() {
		r.rollup[u.Rollup] -= u.Bytes
	}
}

// checkRequired enforces the inclusion-list rule: every required tx
// (Required) is in the block.
func checkRequired(in Input, txs []*tx.Tx) error {
	required, err := Required(in)
	if err != nil {
		return err
	}
	inBlock := make(map[tx.Hash]bool, len(txs))
	for _, t := range txs {
		inBlock[t.Hash] = true
	}
	for _, t := range required {
		if !inBlock[t.Hash] {
			return tx.Errorf(tx.ErrBlockRule, "listed tx %s is missing: it can execute and its room is reserved", t.Hash)
		}
	}
	return nil
}
