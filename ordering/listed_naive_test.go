package ordering

import (
	"fmt"
	"sort"

	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// naiveRequired is ordering.Required as docs/spec/inclusion-lists.md
// states it, written without package ledger, rollupMeter or Required's
// code: Listed grouped by sender, senders in bytewise address order, each
// sender's txs in nonce order with one tx per nonce (the lowest hash);
// each sender replayed alone on a plain-map copy of its committed account
// (fees burnt: nobody receives them; no other sender's tx runs); a stale
// nonce is skipped; the sender's run ends at the first tx that has a
// future nonce, a fee below the minimum, a spend above the balance, data
// for an unregistered rollup or a RegisterRollup action, or that does not
// fit the rollup caps or block bytes left by the required txs before it
// (one meter shared by all senders). why counts the reasons txs were
// skipped or ended a run, for coverage guards.
func naiveRequired(in Input, base *mapReader) (required []*tx.Tx, why map[string]int) {
	why = make(map[string]int)
	bySender := make(map[tx.Address][]*tx.Tx)
	for _, t := range in.Listed {
		bySender[t.Sender] = append(bySender[t.Sender], t)
	}
	senders := make([]tx.Address, 0, len(bySender))
	for a := range bySender {
		senders = append(senders, a)
	}
	sort.Slice(senders, func(i, j int) bool { return string(senders[i][:]) < string(senders[j][:]) })
	used := make(map[tx.RollupID]uint64)
	var blockBytes int64
	for _, s := range senders {
		byNonce := make(map[uint64]*tx.Tx)
		var nonces []uint64
		for _, t := range bySender[s] {
			if b, ok := byNonce[t.Nonce]; !ok {
				nonces = append(nonces, t.Nonce)
				byNonce[t.Nonce] = t
			} else if string(t.Hash[:]) < string(b.Hash[:]) {
				byNonce[t.Nonce] = t
			}
		}
		sort.Slice(nonces, func(i, j int) bool { return nonces[i] < nonces[j] })
		acct := base.accounts[s] // the sender's own ledger: a copy
		for _, n := range nonces {
			t := byNonce[n]
			if t.Nonce < acct.Nonce {
				why["stale"]++
				continue
			}
			stop := naiveRunEnd(in, base, acct, t)
			size := encodedSize(t.Size())
			if stop == "" && in.MaxBlockBytes > 0 && blockBytes+size > in.MaxBlockBytes {
				stop = "block bytes"
			}
			if stop == "" {
				for id, b := range usage(t) {
					limit := base.rollups[id].MaxBytesPerBlock
					if limit == 0 {
						limit = in.Params.DefaultRollupMaxBytes
					}
					if used[id]+b > limit {
						stop = "rollup cap"
					}
				}
			}
			if stop != "" {
				why[stop]++
				break
			}
			acct.Nonce++
			acct.Balance -= naiveSpend(t)
			for _, a := range t.Actions {
				if tr, ok := a.(*tx.Transfer); ok && tr.To == s {
					acct.Balance += tr.Amount // a transfer to oneself
				}
			}
			for id, b := range usage(t) {
				used[id] += b
			}
			blockBytes += size
			required = append(required, t)
			why["required"]++
		}
	}
	return required, why
}

// naiveRunEnd says why t cannot run now on its sender's own ledger acct
// ("" if it can): nonce, fee, balance, rollups, registration.
func naiveRunEnd(in Input, base *mapReader, acct ledger.Account, t *tx.Tx) string {
	if t.Nonce != acct.Nonce {
		return "future nonce"
	}
	if t.Fee < in.Params.BaseFee+in.Params.FeePerByte*uint64(t.Size()) {
		return "fee"
	}
	if acct.Balance < naiveSpend(t) {
		return "balance"
	}
	for id := range usage(t) {
		if _, ok := base.rollups[id]; !ok {
			return "unknown rollup"
		}
	}
	for _, a := range t.Actions {
		if _, ok := a.(*tx.RegisterRollup); ok {
			return "RegisterRollup"
		}
	}
	return ""
}

// naiveSpend is t's fee plus its transfers.
func naiveSpend(t *tx.Tx) uint64 {
	spend := t.Fee
	for _, a := range t.Actions {
		if tr, ok := a.(*tx.Transfer); ok {
			spend += tr.Amount
		}
	}
	return spend
}

// usage sums t's data bytes per rollup.
func usage(t *tx.Tx) map[tx.RollupID]uint64 {
	out := make(map[tx.RollupID]uint64)
	for _, a := range t.Actions {
		switch a := a.(type) {
		case *tx.RollupData:
			out[a.Rollup] += uint64(len(a.Data))
		case *tx.Bundle:
			for _, l := range a.Legs {
				out[l.Rollup] += uint64(len(l.Data))
			}
		}
	}
	return out
}

// naiveListedViolation applies the inclusion-list rule to a block: every
// tx naiveRequired names is in it. It returns a description of the first
// one missing ("" if none).
func naiveListedViolation(in Input, base *mapReader, block []*tx.Tx) string {
	inBlock := make(map[tx.Hash]bool)
	for _, t := range block {
		inBlock[t.Hash] = true
	}
	required, _ := naiveRequired(in, base)
	for _, t := range required {
		if !inBlock[t.Hash] {
			return fmt.Sprintf("required listed tx %s (sender %s nonce %d) is missing", t.Hash, t.Sender, t.Nonce)
		}
	}
	return ""
}

// naiveClockMedian is the power-weighted lower median of the reporters'
// clamped clocks, computed by expanding each reporter into Power copies.
func naiveClockMedian(in FairInput) int64 {
	var flat []int64
	for _, r := range in.Reporters {
		if r.Power <= 0 {
			continue
		}
		now := r.Report.Now
		if lo := in.BlockTime - in.Params.ClockSkewMs; now < lo {
			now = lo
		}
		if hi := in.BlockTime + in.Params.MaxLagMs; now > hi {
			now = hi
		}
		for i := int64(0); i < r.Power; i++ {
			flat = append(flat, now)
		}
	}
	if len(flat) == 0 {
		return 0
	}
	sort.Slice(flat, func(i, j int) bool { return flat[i] < flat[j] })
	return flat[(len(flat)+1)/2-1]
}

// naiveListedStamps is naiveStamps with every listed key eligible: a
// reported listed key keeps its median, an unreported one gets the clock
// median.
func naiveListedStamps(in FairInput, listed []*tx.Tx) map[TxKey]Stamp {
	stamps := naiveStamps(in)
	for _, t := range listed {
		k := KeyOf(t.Hash)
		st, ok := stamps[k]
		if !ok {
			st = Stamp{Median: naiveClockMedian(in)}
		}
		st.Eligible = true
		stamps[k] = st
	}
	return stamps
}

// fairListedViolation checks a block against the fair rule with listed
// txs independently: every tx eligible or listed, no repeated short key,
// strictly ascending naive fair keys (a listed tx keeps its own median).
func fairListedViolation(in Input, block []*tx.Tx) string {
	stamps := naiveListedStamps(*in.Fair, in.Listed)
	keys := naiveFairKeys(stamps, in.Fair.PrevHash, block)
	seen := make(map[TxKey]bool)
	for i, t := range block {
		k := KeyOf(t.Hash)
		if !stamps[k].Eligible {
			return fmt.Sprintf("tx %d is neither eligible nor listed", i)
		}
		if seen[k] {
			return fmt.Sprintf("tx %d repeats a short key", i)
		}
		seen[k] = true
		if i > 0 && !keys[block[i-1]].less(keys[t]) {
			return fmt.Sprintf("txs %d and %d out of fair order: %+v then %+v", i-1, i, keys[block[i-1]], keys[t])
		}
	}
	return ""
}
