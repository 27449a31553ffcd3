package ordering

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// Fair-ordering simulation (in the style of Optimism's sequencer chaos
// tests): validators with skewed clocks see txs after random network
// delays and report first-seen times; byzantine validators report
// adversarially; a byzantine proposer may trim E to just over 2/3 of the
// power. Order builds the block from E, Check must accept it, and every
// pair of txs that every honest validator saw in the same order (all
// honest times of a before all honest times of b) must keep that order.

const (
	simRuns      = 200
	simSeed      = 7_000
	simSkewMs    = 250  // honest clock offsets are uniform in [-δ, +δ]
	simDelayMs   = 400  // network delay to each validator uniform in [0, D]
	simWindowMs  = 6000 // txs arrive over this window before the votes
	simLateMs    = 300  // ... and up to this long after them
	simTxsPerRun = 40
)

// simValidator is one validator of a simulated configuration.
type simValidator struct {
	power int64
	byz   bool
}

type simConfig struct {
	name string
	vals []simValidator
	// trim: the (byzantine) proposer drops honest votes from E while E
	// keeps more than 2/3 of the power, maximizing the byzantine share.
	// "sometimes" trims on every other run.
	trim string
}

type simStats struct {
	runs, pairs, kept, gapPairs, included int
	honestInOutOfBlock                    int // honestly-ordered pairs with b in the block and a left out
	byStrategy                            map[string][2]int
	firstViolation                        string
}

func (s simStats) fraction() float64 {
	if s.pairs == 0 {
		return 1
	}
	return float64(s.kept) / float64(s.pairs)
}

var simStrategies = []string{"random", "reverse", "swap-pairs", "extremes", "silent"}

// simulate runs simRuns seeded runs of one configuration.
func simulate(t *testing.T, cfg simConfig) simStats {
	t.Helper()
	txs := oneTxPerAccount(t)
	st := simStats{byStrategy: make(map[string][2]int)}
	var total int64
	for _, v := range cfg.vals {
		total += v.power
	}
	for run := 0; run < simRuns; run++ {
		seed := int64(simSeed + run)
		rng := rand.New(rand.NewSource(seed))
		bt := int64(1_700_000_000_000) + int64(run)*10_000 // block h's time
		tVote := bt + 300 + rng.Int63n(400)                // real time of the votes at h
		strategy := simStrategies[run%len(simStrategies)]

		// The txs of this run and their real arrival times.
		perm := rng.Perm(len(txs))[:simTxsPerRun]
		runTxs := make([]*tx.Tx, len(perm))
		arrival := make(map[*tx.Tx]int64)
		for i, p := range perm {
			runTxs[i] = txs[p]
			arrival[runTxs[i]] = tVote - simWindowMs + rng.Int63n(simWindowMs+simLateMs)
		}

		// Reports. honestVals[i][tx] is honest validator i's value for tx:
		// its first-seen time, or its clock if it had not seen tx.
		reports := make([]Report, len(cfg.vals))
		var honestVals []map[*tx.Tx]int64
		for i, v := range cfg.vals {
			if v.byz {
				reports[i] = byzantineReport(rng, strategy, runTxs, arrival, bt, tVote)
				continue
			}
			skew := rng.Int63n(2*simSkewMs+1) - simSkewMs
			r := Report{Now: tVote + skew}
			vals := make(map[*tx.Tx]int64)
			for _, tr := range runTxs {
				seen := arrival[tr] + rng.Int63n(simDelayMs+1)
				if seen <= tVote {
					r.Seen = append(r.Seen, Seen{Key: KeyOf(tr.Hash), At: seen + skew})
					vals[tr] = seen + skew
				} else {
					vals[tr] = r.Now
				}
			}
			reports[i] = r
			honestVals = append(honestVals, vals)
		}

		// E: every vote, or trimmed by a byzantine proposer.
		inE := make([]bool, len(cfg.vals))
		for i := range inE {
			inE[i] = true
		}
		if cfg.trim == "always" || (cfg.trim == "sometimes" && run%2 == 1) {
			ePower := total
			for _, i := range rng.Perm(len(cfg.vals)) {
				if !cfg.vals[i].byz && 3*(ePower-cfg.vals[i].power) > 2*total {
					inE[i] = false
					ePower -= cfg.vals[i].power
				}
			}
		}
		fair := &FairInput{Params: testFairParams, TotalPower: total, BlockTime: bt, PrevHash: make([]byte, 32)}
		rng.Read(fair.PrevHash)
		for i, v := range cfg.vals {
			if inE[i] {
				// Reports travel encoded in vote extensions.
				b, err := EncodeReport(reports[i])
				if err != nil {
					t.Fatalf("seed %d: encoding validator %d's report: %v", seed, i, err)
				}
				r, err := DecodeReport(b, testFairParams.MaxReportEntries)
				if err != nil {
					t.Fatalf("seed %d: decoding validator %d's report: %v", seed, i, err)
				}
				fair.Reporters = append(fair.Reporters, Reporter{Power: v.power, Report: r})
			}
		}

		in, _ := fixture()
		in.State = fairReader()
		in.Fair = fair
		cands := make([]Candidate, len(runTxs))
		for i, tr := range runTxs {
			cands[i] = Candidate{Tx: tr, Seq: uint64(rng.Intn(1000))}
		}
		block, err := Order(in, cands)
		if err != nil {
			t.Fatalf("seed %d: Order: %v", seed, err)
		}
		if err := Check(in, block.Txs); err != nil {
			t.Fatalf("seed %d (%s): Check rejects Order's block: %v", seed, cfg.name, err)
		}
		pos := make(map[*tx.Tx]int)
		for i, tr := range block.Txs {
			pos[tr] = i
		}
		st.runs++
		st.included += len(block.Txs)

		// Pairs every honest validator ordered alike.
		honestMin := func(tr *tx.Tx) int64 {
			m := honestVals[0][tr]
			for _, h := range honestVals[1:] {
				m = min(m, h[tr])
			}
			return m
		}
		honestMax := func(tr *tx.Tx) int64 {
			m := honestVals[0][tr]
			for _, h := range honestVals[1:] {
				m = max(m, h[tr])
			}
			return m
		}
		var swapA, swapB *tx.Tx
		for _, a := range runTxs {
			for _, b := range runTxs {
				if a == b {
					continue
				}
				honestlyBefore := honestMax(a) < honestMin(b)
				// Real arrivals more than D + 2δ apart, both seen by every
				// honest validator before voting: always honestly ordered.
				if arrival[b]-arrival[a] > simDelayMs+2*simSkewMs && arrival[b]+simDelayMs <= tVote {
					st.gapPairs++
					if !honestlyBefore {
						t.Fatalf("seed %d: arrivals %d ms apart but honest reports overlap", seed, arrival[b]-arrival[a])
					}
				}
				if !honestlyBefore {
					continue
				}
				pa, okA := pos[a]
				pb, okB := pos[b]
				if !okB {
					continue
				}
				if !okA {
					st.honestInOutOfBlock++
					continue
				}
				st.pairs++
				s := st.byStrategy[strategy]
				s[0]++
				if pa < pb {
					st.kept++
					s[1]++
					if swapA == nil || rng.Intn(8) == 0 {
						swapA, swapB = a, b
					}
				} else if st.firstViolation == "" {
					st.firstViolation = fmt.Sprintf("seed %d, strategy %s: a at %d precedes b at %d for every honest validator (honest ranges [%d,%d] vs [%d,%d] ms after block time), block positions %d and %d",
						seed, strategy, arrival[a]-bt, arrival[b]-bt, honestMin(a)-bt, honestMax(a)-bt, honestMin(b)-bt, honestMax(b)-bt, pa, pb)
				}
				st.byStrategy[strategy] = s
			}
		}
		// Whatever the proposer does: putting b before a is rejected.
		if swapA != nil {
			m := append([]*tx.Tx(nil), block.Txs...)
			m[pos[swapA]], m[pos[swapB]] = swapB, swapA
			if err := Check(in, m); err == nil || tx.CodeOf(err) != tx.ErrBlockRule.Code {
				t.Fatalf("seed %d: a block with an honestly-ordered pair swapped passes Check (%v)", seed, err)
			}
		}
	}
	return st
}

// byzantineReport is a faulty validator's report under one strategy.
func byzantineReport(rng *rand.Rand, strategy string, txs []*tx.Tx, arrival map[*tx.Tx]int64, bt, tVote int64) Report {
	r := Report{Now: tVote + rng.Int63n(2000) - 1000}
	start := tVote - simWindowMs
	byArrival := append([]*tx.Tx(nil), txs...)
	sort.Slice(byArrival, func(i, j int) bool { return arrival[byArrival[i]] < arrival[byArrival[j]] })
	add := func(tr *tx.Tx, at int64) {
		at = min(max(at, 0), r.Now)
		r.Seen = append(r.Seen, Seen{Key: KeyOf(tr.Hash), At: at})
	}
	switch strategy {
	case "random":
		for _, tr := range txs {
			if rng.Intn(10) < 7 {
				add(tr, r.Now-rng.Int63n(simWindowMs+2000))
			}
		}
	case "reverse": // mirror arrival times: the latest tx looks the oldest
		r.Now = tVote
		for _, tr := range txs {
			add(tr, start+tVote-arrival[tr])
		}
	case "swap-pairs": // honest-looking times, consecutive pairs swapped
		for i := 0; i+1 < len(byArrival); i += 2 {
			a, b := byArrival[i], byArrival[i+1]
			add(a, arrival[b]+rng.Int63n(simDelayMs+1))
			add(b, arrival[a])
		}
	case "extremes": // early half as late as possible, late half as early as possible
		r.Now = bt + testFairParams.MaxLagMs + 5000
		for i, tr := range byArrival {
			if i < len(byArrival)/2 {
				add(tr, r.Now)
			} else {
				add(tr, 0)
			}
		}
	case "silent": // reports nothing, with a clock far behind
		r.Now = bt - 1_000_000
	}
	return r
}

func equalValidators(n, byz int) []simValidator {
	out := make([]simValidator, n)
	for i := range out {
		out[i] = simValidator{power: 1, byz: i < byz}
	}
	return out
}

func logSim(t *testing.T, cfg simConfig, st simStats) {
	t.Helper()
	var parts []string
	for _, s := range simStrategies {
		if v, ok := st.byStrategy[s]; ok && v[0] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d/%d=%.4f", s, v[1], v[0], float64(v[1])/float64(v[0])))
		}
	}
	t.Logf("%-48s runs=%d pairs=%d kept=%d fraction=%.6f (gap>D+2δ pairs %d; %.1f txs/block; honest-first tx left out of block in %d pairs) [%s]",
		cfg.name, st.runs, st.pairs, st.kept, st.fraction(), st.gapPairs, float64(st.included)/float64(st.runs), st.honestInOutOfBlock, strings.Join(parts, ", "))
}

// TestFairnessSimulation: with byzantine power below 1/3 every
// honestly-ordered pair keeps its order (fraction exactly 1.0), in every
// one of simRuns seeded runs; above 1/3 a byzantine validator that is also
// the proposer can break it.
func TestFairnessSimulation(t *testing.T) {
	t.Logf("seeds %d..%d, %d txs per run (one per account), skew ±%d ms, delay [0,%d] ms, txs over %d ms before the votes (+%d after), clamps: skew %d ms, lag %d ms, age %d ms",
		simSeed, simSeed+simRuns-1, simTxsPerRun, simSkewMs, simDelayMs, simWindowMs, simLateMs,
		testFairParams.ClockSkewMs, testFairParams.MaxLagMs, testFairParams.MaxAgeMs)
	mainCfg := simConfig{name: "4 equal validators, 1 byzantine (1/4), E full or trimmed", vals: equalValidators(4, 1), trim: "sometimes"}
	st := simulate(t, mainCfg)
	logSim(t, mainCfg, st)
	if st.fraction() != 1 {
		t.Fatalf("byzantine power 1/4: %d of %d honestly-ordered pairs kept; first violation: %s", st.kept, st.pairs, st.firstViolation)
	}
	if st.pairs < 50*simRuns {
		t.Fatalf("only %d honestly-ordered pairs in the blocks: the simulation is too weak", st.pairs)
	}

	// Contrast: byzantine power above 1/3.
	contrasts := []simConfig{
		{name: "byzantine 2/5 of power, E full", vals: []simValidator{{2, true}, {1, false}, {1, false}, {1, false}}, trim: "never"},
		{name: "byzantine 2/5 of power, E trimmed to 4/5", vals: []simValidator{{2, true}, {1, false}, {1, false}, {1, false}}, trim: "always"},
		{name: "2 of 4 equal validators byzantine, E trimmed", vals: equalValidators(4, 2), trim: "always"},
	}
	var broken int
	for _, cfg := range contrasts {
		cst := simulate(t, cfg)
		logSim(t, cfg, cst)
		if cst.fraction() < 1 {
			broken++
			t.Logf("  first violation: %s", cst.firstViolation)
		}
	}
	if broken == 0 {
		t.Fatal("no contrast configuration broke the fairness property: the simulation's adversary is too weak to show anything")
	}
}
