package ordering

import (
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// listedScenario is a random Order/Check input with an inclusion list.
type listedScenario struct {
	scenario
	bounded bool // the listed txs take at most a quarter of MaxBlockBytes (the genesis bound)
}

func (s listedScenario) String() string {
	return fmt.Sprintf("%s, %d listed (bounded %v), fair %v", s.scenario, len(s.in.Listed), s.bounded, s.in.Fair != nil)
}

// registeredNames lists the names of the rollups registered in base.
func registeredNames(base *mapReader) []string {
	var out []string
	for _, r := range base.rollups {
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}

// listedAction is genAction biased towards what the required set turns
// on: data for registered rollups large enough to press on their caps,
// transfers that may exceed a poor sender's balance, registrations.
func listedAction(rng *rand.Rand, names []string, accts []signer) *txv1.Action {
	switch r := rng.Intn(10); {
	case r < 4:
		return data(names[rng.Intn(len(names))], 20+rng.Intn(230))
	case r == 4 && len(names) > 1:
		return bundle(10+rng.Intn(120), names[:2]...)
	case r == 5:
		return transfer(accts[rng.Intn(len(accts))].addr, uint64(1+rng.Intn(5000)))
	default:
		return genAction(rng, accts)
	}
}

// genListed picks the listed txs: a random subset of the candidates; runs
// of consecutive nonces from some accounts' committed nonce that no
// candidate holds (what validators list for a censored account), with
// sibling txs at the same nonce; and odd ones: stale nonces (some of them
// registrations), future nonces, fees below the minimum, registrations,
// data for rollups that do not exist or need registering. Some txs are
// listed twice.
func genListed(tb testing.TB, rng *rand.Rand, s scenario, accts []signer) []*tx.Tx {
	var out []*tx.Tx
	names := registeredNames(s.base)
	p := rng.Float64() * 0.6
	for _, c := range s.cands {
		if rng.Float64() < p {
			out = append(out, c.Tx)
		}
	}
	fee := func() uint64 {
		if rng.Intn(15) == 0 {
			return 3
		}
		return uint64(800 + rng.Intn(800))
	}
	for n := rng.Intn(5); n > 0; n-- {
		a := accts[rng.Intn(len(accts))]
		nonce := s.base.accounts[a.addr].Nonce
		for k := 1 + rng.Intn(4); k > 0; k-- {
			out = append(out, a.sign(tb, nonce, fee(), listedAction(rng, names, accts)))
			if rng.Intn(6) == 0 {
				out = append(out, a.sign(tb, nonce, fee(), listedAction(rng, names, accts)))
			}
			nonce++
		}
	}
	for n := rng.Intn(4); n > 0; n-- {
		a := accts[rng.Intn(len(accts))]
		nonce := s.base.accounts[a.addr].Nonce
		act := listedAction(rng, names, accts)
		switch rng.Intn(6) {
		case 0, 1:
			if nonce > 0 {
				nonce -= uint64(1 + rng.Intn(int(nonce)))
			}
			if rng.Intn(2) == 0 {
				act = register("delta", 0)
			}
		case 2:
			nonce += uint64(1 + rng.Intn(3))
		}
		out = append(out, a.sign(tb, nonce, fee(), act))
	}
	if len(out) > 0 && rng.Intn(6) == 0 {
		out = append(out, out[rng.Intn(len(out))])
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// bound drops listed txs until they take at most a quarter of the block.
func bound(listed []*tx.Tx, maxBytes int64) []*tx.Tx {
	if maxBytes <= 0 {
		return listed
	}
	var out []*tx.Tx
	var used int64
	for _, t := range listed {
		if used+TxEncodedSize(t.Size()) <= maxBytes/4 {
			used += TxEncodedSize(t.Size())
			out = append(out, t)
		}
	}
	return out
}

func genListedScenario(tb testing.TB, rng *rand.Rand, fair bool, run int) listedScenario {
	var s scenario
	accts := signers[:len(signers)-1]
	if run%2 == 0 {
		s = genScenario(tb, rng)
	} else {
		s = genFairScenario(tb, rng)
		accts = fairSigners
	}
	for i := range s.cands {
		s.cands[i].Seq++ // pool arrivals start at 1; 0 is the listed txs'
	}
	if rng.Intn(4) == 0 {
		// Some pool txs share Seq 0 with the listed ones, which must still
		// win their nonce.
		for i := range s.cands {
			if rng.Intn(3) == 0 {
				s.cands[i].Seq = 0
			}
		}
	}
	ls := listedScenario{scenario: s}
	listed := genListed(tb, rng, s, accts)
	if rng.Intn(5) != 0 {
		listed, ls.bounded = bound(listed, s.in.MaxBlockBytes), true
	} else if len(listed) > 0 && rng.Intn(2) == 0 {
		// Unbounded lists in a block too small for them: the block bytes
		// end senders' runs.
		var total int64
		for _, t := range listed {
			total += TxEncodedSize(t.Size())
		}
		ls.in.MaxBlockBytes = 1 + total/int64(2+rng.Intn(3))
	}
	ls.in.Listed = listed
	if fair && len(listed) > 0 && len(s.cands) > 0 && rng.Intn(3) == 0 {
		// A pool tx whose short key collides with a listed tx's (faked
		// hash): it must not take the key of a required tx.
		isListed := make(map[tx.Hash]bool)
		for _, l := range listed {
			isListed[l.Hash] = true
		}
		i, l := rng.Intn(len(s.cands)), listed[rng.Intn(len(listed))]
		if c := s.cands[i].Tx; !isListed[c.Hash] && c.Hash != l.Hash {
			fake := *c
			copy(fake.Hash[:8], l.Hash[:8])
			ls.cands = append([]Candidate(nil), s.cands...)
			ls.cands[i].Tx = &fake
		}
	}
	if fair {
		keys := candidateKeys(ls.cands)
		for _, t := range listed {
			if rng.Intn(2) == 0 {
				keys = append(keys, KeyOf(t.Hash))
			}
		}
		ls.in.Fair = genFairFor(rng, keys)
	}
	return ls
}

// failures collects property violations by kind, so one run reports how
// often and how each property fails.
type failures struct {
	count    map[string]int
	examples map[string][]string
}

func (f *failures) add(kind, example string) {
	if f.count == nil {
		f.count, f.examples = make(map[string]int), make(map[string][]string)
	}
	f.count[kind]++
	if len(f.examples[kind]) < 3 {
		f.examples[kind] = append(f.examples[kind], example)
	}
}

func (f *failures) report(t *testing.T, runs int) {
	t.Helper()
	for kind, n := range f.count {
		t.Errorf("%s: %d of %d runs; e.g.\n  %s", kind, n, runs, strings.Join(f.examples[kind], "\n  "))
	}
}

const listedPropertyRuns = 400

// permuted returns in with Listed shuffled and some entries repeated.
func permuted(rng *rand.Rand, in Input) Input {
	out := in
	out.Listed = append([]*tx.Tx(nil), in.Listed...)
	if len(out.Listed) > 0 && rng.Intn(3) == 0 {
		out.Listed = append(out.Listed, out.Listed[rng.Intn(len(out.Listed))])
	}
	rng.Shuffle(len(out.Listed), func(i, j int) { out.Listed[i], out.Listed[j] = out.Listed[j], out.Listed[i] })
	return out
}

// TestOrderListedProperties is the liveness property of the rule: on
// random pools, lists (bounded by the genesis quarter or not), block
// budgets, rollup caps and (fair on) fair-ordering reports, Order's block
// always passes Check with the same Input — so an honest proposer's block
// is never rejected — and contains every required tx. Besides: Required
// equals the independent naiveRequired; the block follows the ledger rules
// (naiveValid) and, fair on, the fair order with listed txs placed by
// their median; it holds only candidates and listed txs; and neither
// Required nor the block depends on the order of the candidates or of
// Listed, nor on repeated Listed entries.
func TestOrderListedProperties(t *testing.T) {
	for _, fair := range []bool{false, true} {
		t.Run(map[bool]string{false: "fair off", true: "fair on"}[fair], func(t *testing.T) {
			rng := rand.New(rand.NewSource(20261122 + int64(map[bool]int{false: 0, true: 1}[fair])))
			var f failures
			var listedIn, listedTotal, requiredTotal, unlistedIn, runsWithRequired int
			why := make(map[string]int)
			for run := 0; run < listedPropertyRuns; run++ {
				s := genListedScenario(t, rng, fair, run)
				kind := "bounded"
				if !s.bounded {
					kind = "unbounded"
				}
				where := fmt.Sprintf("run %d (%s)", run, s)

				required, err := Required(s.in)
				if err != nil {
					t.Fatalf("%s: Required: %v", where, err)
				}
				naive, reasons := naiveRequired(s.in, s.base)
				if !reflect.DeepEqual(hashes(required), hashes(naive)) {
					f.add("Required differs from naiveRequired", fmt.Sprintf("%s:\n got %v\nwant %v", where, hashes(required), hashes(naive)))
				}
				for r, n := range reasons {
					why[r] += n
				}
				if len(required) > 0 {
					runsWithRequired++
				}
				requiredTotal += len(required)

				block, err := Order(s.in, s.cands)
				if err != nil {
					t.Fatalf("%s: Order: %v", where, err)
				}
				where += fmt.Sprintf(": block of %d txs", len(block.Txs))
				if err := Check(s.in, block.Txs); err != nil {
					f.add("Order's block fails Check ("+kind+" lists)", where+": "+err.Error())
				}
				if !naiveValid(s.in, s.base, block.Txs) {
					f.add("Order's block breaks the naive ledger rules", where)
				}
				if v := naiveListedViolation(s.in, s.base, block.Txs); v != "" {
					f.add("Order's block omits a required tx ("+kind+" lists)", where+": "+v)
				}
				if fair {
					if v := fairListedViolation(s.in, block.Txs); v != "" {
						f.add("Order's block breaks the fair order with listed txs", where+": "+v)
					}
				}
				offered := make(map[tx.Hash]bool)
				for _, c := range s.cands {
					offered[c.Tx.Hash] = true
				}
				listed := make(map[tx.Hash]bool)
				for _, l := range s.in.Listed {
					listed[l.Hash] = true
				}
				for _, b := range block.Txs {
					if !offered[b.Hash] && !listed[b.Hash] {
						f.add("Order's block holds a tx nobody offered", where)
					}
					if listed[b.Hash] {
						listedIn++
					} else {
						unlistedIn++
					}
				}
				listedTotal += len(listed)

				shuffled := append([]Candidate(nil), s.cands...)
				rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				perm := permuted(rng, s.in)
				if again, err := Required(perm); err != nil || !reflect.DeepEqual(hashes(again), hashes(required)) {
					f.add("permuting or repeating Listed changes Required", where)
				}
				again, err := Order(perm, shuffled)
				if err != nil || !reflect.DeepEqual(hashes(again.Txs), hashes(block.Txs)) {
					f.add("permuting the candidates and Listed changes the block", where)
				}
			}
			f.report(t, listedPropertyRuns)
			t.Logf("%d of %d listed txs included (%d required, in %d runs), %d unlisted txs included, over %d runs; naiveRequired: %v",
				listedIn, listedTotal, requiredTotal, runsWithRequired, unlistedIn, listedPropertyRuns, why)
			// Guard against a generator that stopped producing interesting
			// cases: required txs in most runs, and every way a sender's
			// run can end (or skip a tx) seen often enough.
			if runsWithRequired < listedPropertyRuns/2 || requiredTotal < listedPropertyRuns || unlistedIn < listedPropertyRuns {
				t.Fatalf("weak scenarios: %d required txs in %d runs, %d unlisted included", requiredTotal, runsWithRequired, unlistedIn)
			}
			for _, r := range []string{"stale", "future nonce", "fee", "balance", "unknown rollup", "RegisterRollup", "rollup cap", "block bytes"} {
				if why[r] < 10 {
					t.Fatalf("weak scenarios: %q ended or skipped only %d listed txs (%v)", r, why[r], why)
				}
			}
		})
	}
}

// TestCheckListedMatchesNaive compares Check with the independent
// readings on random blocks: Order's; Order's without one required tx
// (must be rejected); Order's without a listed tx that is not required;
// Order's block for the same pool without the list; Order's with
// candidates appended; random sequences of candidates and listed txs.
// Check must accept exactly the blocks that follow the ledger rules, the
// fair rule (fair on) and contain every naiveRequired tx.
func TestCheckListedMatchesNaive(t *testing.T) {
	for _, fair := range []bool{false, true} {
		t.Run(map[bool]string{false: "fair off", true: "fair on"}[fair], func(t *testing.T) {
			rng := rand.New(rand.NewSource(4242 + int64(map[bool]int{false: 0, true: 1}[fair])))
			var f failures
			var accepted, rejectedListed, acceptedOmitting, droppedRequired, blocks int
			for run := 0; run < listedPropertyRuns; run++ {
				s := genListedScenario(t, rng, fair, run)
				ord, err := Order(s.in, s.cands)
				if err != nil {
					t.Fatal(err)
				}
				required, _ := naiveRequired(s.in, s.base)
				isRequired := make(map[tx.Hash]bool)
				for _, r := range required {
					isRequired[r.Hash] = true
				}
				listed := make(map[tx.Hash]bool)
				for _, l := range s.in.Listed {
					listed[l.Hash] = true
				}
				pool := make([]*tx.Tx, 0, len(s.cands)+len(s.in.Listed))
				for _, c := range s.cands {
					pool = append(pool, c.Tx)
				}
				pool = append(pool, s.in.Listed...)
				drop := func(txs []*tx.Tx, pick func(*tx.Tx) bool) ([]*tx.Tx, bool) {
					var idx []int
					for i, b := range txs {
						if pick(b) {
							idx = append(idx, i)
						}
					}
					if len(idx) == 0 {
						return txs, false
					}
					i := idx[rng.Intn(len(idx))]
					return append(txs[:i:i], txs[i+1:]...), true
				}
				for k := 0; k < 9; k++ {
					txs := append([]*tx.Tx(nil), ord.Txs...)
					mustReject := false
					switch k {
					case 0: // Order's
					case 1: // drop a required tx: always rejected
						txs, mustReject = drop(txs, func(b *tx.Tx) bool { return isRequired[b.Hash] })
						if mustReject {
							droppedRequired++
						}
					case 2: // drop a listed tx that is not required
						txs, _ = drop(txs, func(b *tx.Tx) bool { return listed[b.Hash] && !isRequired[b.Hash] })
					case 3: // what Order builds without the list
						noList := s.in
						noList.Listed = nil
						b, err := Order(noList, s.cands)
						if err != nil {
							t.Fatal(err)
						}
						txs = b.Txs
					case 4, 5: // append candidates or listed txs
						for n := 1 + rng.Intn(3); n > 0 && len(pool) > 0; n-- {
							txs = append(txs, pool[rng.Intn(len(pool))])
						}
					default: // random sequences
						txs = nil
						for n := rng.Intn(7); n > 0 && len(pool) > 0; n-- {
							txs = append(txs, pool[rng.Intn(len(pool))])
						}
					}
					blocks++
					err := Check(s.in, txs)
					other := naiveValid(s.in, s.base, txs)
					if other && fair {
						other = fairListedViolation(s.in, txs) == ""
					}
					want := other && naiveListedViolation(s.in, s.base, txs) == ""
					where := fmt.Sprintf("run %d case %d (%s): block of %d txs", run, k, s, len(txs))
					if (err == nil) != want {
						f.add("Check differs from the naive rules", fmt.Sprintf("%s: Check %v, naive says valid=%v", where, err, want))
					}
					if mustReject && err == nil {
						f.add("a block without a required tx is accepted", where)
					}
					if err != nil && tx.CodeOf(err) != tx.ErrBlockRule.Code {
						f.add("Check error without ErrBlockRule", where+": "+err.Error())
					}
					if err == nil {
						accepted++
						inBlock := make(map[tx.Hash]bool)
						for _, b := range txs {
							inBlock[b.Hash] = true
						}
						for _, l := range s.in.Listed {
							if !inBlock[l.Hash] && !isRequired[l.Hash] && l.Nonce >= s.base.accounts[l.Sender].Nonce {
								acceptedOmitting++ // a listed tx left out, as the rule allows
								break
							}
						}
					} else if strings.Contains(err.Error(), "listed tx") {
						rejectedListed++
					}
				}
			}
			f.report(t, listedPropertyRuns)
			t.Logf("%d blocks: %d accepted (%d omitting a listed tx that is not stale nor required), %d rejected for a missing listed tx, %d with a required tx dropped",
				blocks, accepted, acceptedOmitting, rejectedListed, droppedRequired)
			if accepted < listedPropertyRuns || acceptedOmitting < listedPropertyRuns/4 || rejectedListed < listedPropertyRuns/2 || droppedRequired < listedPropertyRuns/2 {
				t.Fatalf("weak coverage")
			}
		})
	}
}
