package ordering

import (
	"crypto/sha256"
	"sort"

	"github.com/ordolabs/ordo/ordering/quorum"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Reporter is one validator's verified report with its voting power.
type Reporter struct {
	Power  int64
	Report Report
}

// FairInput is what the fair-ordering rule reads for block h+1: the
// verified vote extensions of height h (E), the validator set's total power,
// and block h's time and hash (all committed, identical on every validator).
type FairInput struct {
	Params     ledger.FairParams
	TotalPower int64
	Reporters  []Reporter
	// BlockTime is block h's header time in unix milliseconds.
	BlockTime int64
	// PrevHash is block h's hash; it seeds the tie-break.
	PrevHash []byte
}

// Stamp is a tx key's fair-ordering timestamp.
type Stamp struct {
	// Median is the power-weighted median over E of each reporter's clamped
	// first-seen time, or its clamped clock when it did not report the key.
	Median int64
	// ReportedPower is the power of the reporters that reported the key.
	ReportedPower int64
	// Eligible: reporters holding more than 1/3 of the total power
	// reported the key.
	Eligible bool
}

// clampedReport is a reporter's report after the clock-skew clamp.
type clampedReport struct {
	power int64
	now   int64
	at    map[TxKey]int64
}

// Stamps computes every reported key's Stamp (see StampsFor).
func Stamps(in FairInput) map[TxKey]Stamp { return StampsFor(in, nil) }

// StampsFor computes the Stamps of the given keys that some reporter
// reported (of every reported key when keys is nil). Clamp: a reporter's
// clock is clamped into [BlockTime-ClockSkewMs, BlockTime+MaxLagMs]; each of
// its first-seen times into [clock-MaxAgeMs, clock]. The work is linear in
// the reports plus medians for the requested keys only, so reports of keys
// no block needs (junk from a byzantine reporter) cost one map lookup each.
func StampsFor(in FairInput, keys []TxKey) map[TxKey]Stamp {
	var want map[TxKey]struct{}
	if keys != nil {
		want = make(map[TxKey]struct{}, len(keys))
		for _, k := range keys {
			want[k] = struct{}{}
		}
	}
	reps := make([]clampedReport, 0, len(in.Reporters))
	var reported []TxKey
	seenKey := make(map[TxKey]struct{})
	for _, r := range in.Reporters {
		if r.Power <= 0 {
			continue
		}
		now := clamp(r.Report.Now, satAdd(in.BlockTime, -in.Params.ClockSkewMs), satAdd(in.BlockTime, in.Params.MaxLagMs))
		c := clampedReport{power: r.Power, now: now, at: make(map[TxKey]int64)}
		for _, s := range r.Report.Seen {
			if want != nil {
				if _, ok := want[s.Key]; !ok {
					continue
				}
			}
			c.at[s.Key] = clamp(s.At, satAdd(now, -in.Params.MaxAgeMs), now)
			if _, ok := seenKey[s.Key]; !ok {
				seenKey[s.Key] = struct{}{}
				reported = append(reported, s.Key)
			}
		}
		reps = append(reps, c)
	}
	out := make(map[TxKey]Stamp, len(reported))
	values := make([]quorum.Weighted, len(reps))
	for _, k := range reported {
		var power int64
		for i, c := range reps {
			v, ok := c.at[k]
			if ok {
				power += c.power
			} else {
				v = c.now
			}
			values[i] = quorum.Weighted{Value: v, Power: c.power}
		}
		m, _ := quorum.Median(values)
		out[k] = Stamp{Median: m, ReportedPower: power, Eligible: quorum.MoreThanOneThird(power, in.TotalPower)}
	}
	return out
}

// satAdd adds without overflowing int64 (saturating at the limits).
func satAdd(a, b int64) int64 {
	s := a + b
	if b > 0 && s < a {
		return 1<<63 - 1
	}
	if b < 0 && s > a {
		return -1 << 63
	}
	return s
}

func clamp(v, lo, hi int64) int64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// fairKey is a tx's position key under the fair-ordering rule.
type fairKey struct {
	effective int64    // max of its median and its account's lower nonces' in the block
	tie       [32]byte // sha256(prev block hash || sender)
	nonce     uint64
}

func (a fairKey) less(b fairKey) bool {
	if a.effective != b.effective {
		return a.effective < b.effective
	}
	if a.tie != b.tie {
		return string(a.tie[:]) < string(b.tie[:])
	}
	return a.nonce < b.nonce
}

// fairKeys computes each tx's fairKey within the set txs. A tx's effective
// time is the largest median among it and its account's lower-nonce txs in
// the set, so no tx is placed before a lower nonce of its own account.
// Every tx must have a stamp (ok false otherwise, with the tx's index).
func fairKeys(txs []*tx.Tx, stamps map[TxKey]Stamp, prevHash []byte) ([]fairKey, int, bool) {
	keys := make([]fairKey, len(txs))
	idx := make([]int, len(txs))
	for i := range txs {
		idx[i] = i
		st, ok := stamps[KeyOf(txs[i].Hash)]
		if !ok {
			return nil, i, false
		}
		keys[i].effective = st.Median
		keys[i].nonce = txs[i].Nonce
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ta, tb := txs[idx[a]], txs[idx[b]]
		if ta.Sender != tb.Sender {
			return string(ta.Sender[:]) < string(tb.Sender[:])
		}
		return ta.Nonce < tb.Nonce
	})
	tie := make(map[tx.Address][32]byte)
	for j, i := range idx {
		t := txs[i]
		if j > 0 && txs[idx[j-1]].Sender == t.Sender {
			prev := keys[idx[j-1]].effective
			if prev > keys[i].effective {
				keys[i].effective = prev
			}
		}
		h, ok := tie[t.Sender]
		if !ok {
			h = sha256.Sum256(append(append([]byte{}, prevHash...), t.Sender[:]...))
			tie[t.Sender] = h
		}
		keys[i].tie = h
	}
	return keys, -1, true
}

// SortFair orders txs by the fair-ordering rule: by effective median time,
// then by sha256(prev block hash || sender), then by nonce. It returns the
// index of a tx with no stamp, if any (then the order is unchanged).
func SortFair(txs []*tx.Tx, stamps map[TxKey]Stamp, prevHash []byte) (int, bool) {
	keys, bad, ok := fairKeys(txs, stamps, prevHash)
	if !ok {
		return bad, false
	}
	idx := make([]int, len(txs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return keys[idx[a]].less(keys[idx[b]]) })
	sorted := make([]*tx.Tx, len(txs))
	for j, i := range idx {
		sorted[j] = txs[i]
	}
	copy(txs, sorted)
	return -1, true
}

// stampListed makes every listed key eligible. A listed key no reporter
// reported gets the stamp of an unreported key: the power-weighted median
// of the reporters' clamped clocks. So a listed tx is placed by its median
// like any other; being listed never buys an earlier slot.
func stampListed(in FairInput, stamps map[TxKey]Stamp, keys []TxKey) {
	var clock *int64
	for _, k := range keys {
		st, ok := stamps[k]
		if !ok {
			if clock == nil {
				m := clockMedian(in)
				clock = &m
			}
			st = Stamp{Median: *clock}
		}
		st.Eligible = true
		stamps[k] = st
	}
}

// clockMedian is the power-weighted median of the reporters' clamped
// clocks.
func clockMedian(in FairInput) int64 {
	values := make([]quorum.Weighted, 0, len(in.Reporters))
	for _, r := range in.Reporters {
		if r.Power <= 0 {
			continue
		}
		now := clamp(r.Report.Now, satAdd(in.BlockTime, -in.Params.ClockSkewMs), satAdd(in.BlockTime, in.Params.MaxLagMs))
		values = append(values, quorum.Weighted{Value: now, Power: r.Power})
	}
	m, _ := quorum.Median(values)
	return m
}
