package ordering

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// fairSigners are many accounts, for tests that need one tx per account.
var fairSigners = func() []signer {
	out := make([]signer, 48)
	for i := range out {
		k := ed25519.GenPrivKeyFromSecret([]byte("ordo fair ordering test " + strconv.Itoa(i)))
		out[i] = signer{key: k, addr: tx.AddressFromPubKey(k.PubKey().Bytes())}
	}
	return out
}()

var (
	fairTxsOnce sync.Once
	fairTxs     []*tx.Tx
)

// oneTxPerAccount returns a nonce-0 transfer signed by each fairSigners
// account (signed once, shared by the tests).
func oneTxPerAccount(tb testing.TB) []*tx.Tx {
	tb.Helper()
	fairTxsOnce.Do(func() {
		for i, s := range fairSigners {
			fairTxs = append(fairTxs, s.sign(tb, 0, fee, transfer(signers[i%len(signers)].addr, 1)))
		}
	})
	return fairTxs
}

var (
	nonceTxsOnce sync.Once
	nonceTxs     [][][2]*tx.Tx // [account][nonce][variant]
)

// txsByNonce returns, per fairSigners account, two different signed txs
// for each nonce 0..4 (signed once, shared by the tests).
func txsByNonce(tb testing.TB) [][][2]*tx.Tx {
	tb.Helper()
	nonceTxsOnce.Do(func() {
		for i, s := range fairSigners {
			var per [][2]*tx.Tx
			for n := uint64(0); n < 5; n++ {
				per = append(per, [2]*tx.Tx{
					s.sign(tb, n, fee, transfer(signers[i%len(signers)].addr, 1+n)),
					s.sign(tb, n, fee+1, data("alpha", 1+int(n)*40)),
				})
			}
			nonceTxs = append(nonceTxs, per)
		}
	})
	return nonceTxs
}

// genFairScenario is a pool of mostly valid txs from many accounts:
// nonce runs with occasional gaps, duplicate nonces, stale nonces (state
// nonce 1 with a nonce-0 tx pooled), poor accounts and rollup-cap
// pressure, under a random block size.
func genFairScenario(tb testing.TB, rng *rand.Rand) scenario {
	all := txsByNonce(tb)
	base := fairReader()
	var cands []Candidate
	for _, a := range rng.Perm(len(fairSigners))[:3+rng.Intn(20)] {
		acct := ledger.Account{Balance: 1_000_000}
		switch rng.Intn(8) {
		case 0:
			acct.Nonce = 1
		case 1:
			acct.Balance = 1200
		}
		base.accounts[fairSigners[a].addr] = acct
		for n := 0; n < 1+rng.Intn(5); n++ {
			if rng.Intn(10) == 0 {
				continue // gap
			}
			cands = append(cands, Candidate{Tx: all[a][n][rng.Intn(2)], Seq: uint64(rng.Intn(1000))})
			if rng.Intn(8) == 0 {
				cands = append(cands, Candidate{Tx: all[a][n][rng.Intn(2)], Seq: uint64(rng.Intn(1000))})
			}
		}
	}
	in, _ := fixture()
	in.State = base
	in.MaxBlockBytes = 0
	if rng.Intn(2) == 0 {
		in.MaxBlockBytes = int64(500 + rng.Intn(5000))
	}
	return scenario{in: in, base: base, cands: cands}
}

// fairReader funds every fairSigners account at nonce 0.
func fairReader() *mapReader {
	m := newMapReader()
	for _, s := range fairSigners {
		m.accounts[s.addr] = ledger.Account{Balance: 1_000_000}
	}
	m.addRollup("alpha", 300)
	return m
}

var testFairParams = ledger.FairParams{Enabled: true, ClockSkewMs: 1000, MaxLagMs: 30000, MaxAgeMs: 600000, MaxReportEntries: 1000}

// genFairFor returns a random FairInput whose reporters report random
// subsets of keys (plus keys of no candidate) at random times, with
// clamps sometimes binding.
func genFairFor(rng *rand.Rand, keys []TxKey) *FairInput {
	bt := 1_700_000_000_000 + rng.Int63n(1e9)
	in := &FairInput{Params: testFairParams, BlockTime: bt, PrevHash: make([]byte, 32)}
	rng.Read(in.PrevHash)
	if rng.Intn(4) == 0 {
		in.Params.MaxAgeMs = int64(1 + rng.Intn(3000))
	}
	p := 0.2 + 0.7*rng.Float64()
	for n := 1 + rng.Intn(6); n > 0; n-- {
		r := Reporter{Power: int64(rng.Intn(6))}
		r.Report.Now = bt - 2000 + rng.Int63n(40000)
		for _, k := range keys {
			if rng.Float64() < p {
				r.Report.Seen = append(r.Report.Seen, Seen{Key: k, At: r.Report.Now - rng.Int63n(8000)})
			}
		}
		if rng.Intn(3) == 0 {
			r.Report.Seen = append(r.Report.Seen, Seen{Key: TxKey{0xde, byte(rng.Intn(256))}, At: r.Report.Now})
		}
		in.TotalPower += r.Power
		in.Reporters = append(in.Reporters, r)
	}
	in.TotalPower += int64(rng.Intn(4))
	return in
}

// naiveFairKeyLess compares two txs' fair keys computed independently:
// effective time, then sha256(prevHash || sender), then nonce.
type naiveFairKey struct {
	eff   int64
	tie   []byte
	nonce uint64
}

func (a naiveFairKey) less(b naiveFairKey) bool {
	if a.eff != b.eff {
		return a.eff < b.eff
	}
	if c := bytes.Compare(a.tie, b.tie); c != 0 {
		return c < 0
	}
	return a.nonce < b.nonce
}

// naiveFairKeys computes every tx's key within the set txs.
func naiveFairKeys(stamps map[TxKey]Stamp, prevHash []byte, txs []*tx.Tx) map[*tx.Tx]naiveFairKey {
	byAcct := make(map[tx.Address][]*tx.Tx)
	for _, t := range txs {
		byAcct[t.Sender] = append(byAcct[t.Sender], t)
	}
	out := make(map[*tx.Tx]naiveFairKey)
	for sender, list := range byAcct {
		sort.Slice(list, func(i, j int) bool { return list[i].Nonce < list[j].Nonce })
		h := sha256.New()
		h.Write(prevHash)
		h.Write(sender[:])
		tie := h.Sum(nil)
		eff := int64(-1 << 63)
		for _, t := range list {
			eff = max(eff, stamps[KeyOf(t.Hash)].Median)
			out[t] = naiveFairKey{eff: eff, tie: tie, nonce: t.Nonce}
		}
	}
	return out
}

// naiveOrderFair is orderFair's documented algorithm written the dumb
// way: per account, nonce-sorted candidates with one per nonce (earliest
// arrival), keep the eligible ones that are not stale (nonce below the
// committed one), sort them all by the naive fair key, then greedily append
// each one the block so far plus it passes Check, closing its account on
// the first failure.
func naiveOrderFair(in Input, cands []Candidate) []*tx.Tx {
	stamps := naiveStamps(*in.Fair)
	// Eligibility first, then one tx per account nonce (earliest arrival).
	byAcct := make(map[tx.Address][]Candidate)
	for _, c := range cands {
		if c.Tx == nil {
			continue
		}
		if acct, err := in.State.Account(c.Tx.Sender); err == nil && c.Tx.Nonce < acct.Nonce {
			continue
		}
		if stamps[KeyOf(c.Tx.Hash)].Eligible {
			byAcct[c.Tx.Sender] = append(byAcct[c.Tx.Sender], c)
		}
	}
	var pool []*tx.Tx
	for _, q := range byAcct {
		sort.Slice(q, func(i, j int) bool {
			if q[i].Tx.Nonce != q[j].Tx.Nonce {
				return q[i].Tx.Nonce < q[j].Tx.Nonce
			}
			if q[i].Seq != q[j].Seq {
				return q[i].Seq < q[j].Seq
			}
			return bytes.Compare(q[i].Tx.Hash[:], q[j].Tx.Hash[:]) < 0
		})
		for i, c := range q {
			if i > 0 && q[i-1].Tx.Nonce == c.Tx.Nonce {
				continue
			}
			pool = append(pool, c.Tx)
		}
	}
	keys := naiveFairKeys(stamps, in.Fair.PrevHash, pool)
	sort.Slice(pool, func(i, j int) bool { return keys[pool[i]].less(keys[pool[j]]) })
	closed := make(map[tx.Address]bool)
	var block []*tx.Tx
	for _, t := range pool {
		if closed[t.Sender] {
			continue
		}
		if Check(in, append(append([]*tx.Tx(nil), block...), t)) == nil {
			block = append(block, t)
		} else {
			closed[t.Sender] = true
		}
	}
	return block
}

// assertFairBlock checks a block against the fair rule independently:
// every tx eligible, no repeated short key, consecutive nonces from the
// state nonce, and strictly ascending naive fair keys.
func assertFairBlock(t *testing.T, in Input, base *mapReader, txs []*tx.Tx) {
	t.Helper()
	stamps := naiveStamps(*in.Fair)
	keys := naiveFairKeys(stamps, in.Fair.PrevHash, txs)
	seen := make(map[TxKey]bool)
	next := make(map[tx.Address]uint64)
	for i, tr := range txs {
		k := KeyOf(tr.Hash)
		if !stamps[k].Eligible {
			t.Fatalf("tx %d is not eligible: %+v", i, stamps[k])
		}
		if seen[k] {
			t.Fatalf("tx %d repeats short key %x", i, k)
		}
		seen[k] = true
		want, ok := next[tr.Sender]
		if !ok {
			want = base.accounts[tr.Sender].Nonce
		}
		if tr.Nonce != want {
			t.Fatalf("tx %d: nonce %d, want %d", i, tr.Nonce, want)
		}
		next[tr.Sender] = want + 1
		if i > 0 && !keys[txs[i-1]].less(keys[tr]) {
			t.Fatalf("txs %d and %d out of fair order: %+v then %+v", i-1, i, keys[txs[i-1]], keys[tr])
		}
	}
}

// withCollision replaces one candidate by a copy whose hash starts like
// another candidate's (a short-key collision, impossible to find by
// search but cheap to fake: the rules read only Hash).
func withCollision(rng *rand.Rand, cands []Candidate) []Candidate {
	if len(cands) < 2 {
		return cands
	}
	out := append([]Candidate(nil), cands...)
	i, j := rng.Intn(len(out)), rng.Intn(len(out))
	if out[i].Tx.Hash == out[j].Tx.Hash {
		return out
	}
	fake := *out[i].Tx
	copy(fake.Hash[:8], out[j].Tx.Hash[:8])
	out[i].Tx = &fake
	return out
}

func candidateKeys(cands []Candidate) []TxKey {
	var keys []TxKey
	for _, c := range cands {
		keys = append(keys, KeyOf(c.Tx.Hash))
	}
	return keys
}

// fairPropertyRuns alternates genScenario and genFairScenario.
const fairPropertyRuns = 300

// TestOrderFairProperties: on random pools and random reports, Order's
// block passes Check with the same input, holds only eligible txs in fair
// order with consecutive nonces, equals the naive reference, and does not
// depend on the candidate slice's order.
func TestOrderFairProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(20250101))
	var included, excludedIneligible, collisions, lowerLater int
	for run := 0; run < fairPropertyRuns; run++ {
		s := genScenario(t, rng)
		if run%2 == 1 {
			s = genFairScenario(t, rng)
		}
		if rng.Intn(5) == 0 {
			s.cands = withCollision(rng, s.cands)
			collisions++
		}
		s.in.Fair = genFairFor(rng, candidateKeys(s.cands))
		block, err := Order(s.in, s.cands)
		if err != nil {
			t.Fatalf("run %d (%s): Order: %v", run, s, err)
		}
		if err := Check(s.in, block.Txs); err != nil {
			t.Fatalf("run %d (%s): Order's fair block fails Check: %v", run, s, err)
		}
		assertFairBlock(t, s.in, s.base, block.Txs)
		if !naiveValid(s.in, s.base, block.Txs) {
			t.Fatalf("run %d: fair block fails the naive ledger rules", run)
		}
		if want := naiveOrderFair(s.in, s.cands); !reflect.DeepEqual(hashes(block.Txs), hashes(want)) {
			t.Fatalf("run %d (%s): Order differs from the naive fair reference:\n got %x\nwant %x", run, s, hashes(block.Txs), hashes(want))
		}
		shuffled := append([]Candidate(nil), s.cands...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if again, err := Order(s.in, shuffled); err != nil || !reflect.DeepEqual(hashes(again.Txs), hashes(block.Txs)) {
			t.Fatalf("run %d: permuting the candidates changed the fair block (%v)", run, err)
		}
		stamps := Stamps(*s.in.Fair)
		for _, c := range s.cands {
			if !stamps[KeyOf(c.Tx.Hash)].Eligible {
				excludedIneligible++
			}
		}
		for i, a := range block.Txs {
			for _, b := range block.Txs[i+1:] {
				if a.Sender == b.Sender && stamps[KeyOf(b.Hash)].Median < stamps[KeyOf(a.Hash)].Median {
					lowerLater++
				}
			}
		}
		included += len(block.Txs)
	}
	if included < 4*fairPropertyRuns || excludedIneligible < fairPropertyRuns || lowerLater < 100 {
		t.Fatalf("weak scenarios: %d txs included, %d ineligible candidates, %d higher nonces with a lower median", included, excludedIneligible, lowerLater)
	}
	t.Logf("%d txs included over %d runs; %d ineligible candidates left out; %d runs with a short-key collision; %d later nonces with a lower median than an earlier one",
		included, fairPropertyRuns, excludedIneligible, collisions, lowerLater)
}

// TestCheckFairRejectsMutations: mutations of a valid fair block that a
// byzantine proposer could make are rejected with ErrBlockRule; a
// reordering that keeps every account's nonce order (so the ledger rules
// alone accept it) is rejected by the fair rule.
func TestCheckFairRejectsMutations(t *testing.T) {
	rng := rand.New(rand.NewSource(99))
	txs := oneTxPerAccount(t)
	var swaps, interleavings, ineligible int
	for run := 0; run < 300; run++ {
		base := fairReader()
		// Several accounts with several nonces each.
		var cands []Candidate
		var pool []*tx.Tx
		accts := rng.Perm(len(fairSigners))[:2+rng.Intn(8)]
		for _, a := range accts {
			n := 1 + rng.Intn(3)
			for nonce := 0; nonce < n; nonce++ {
				var tr *tx.Tx
				if nonce == 0 {
					tr = txs[a]
				} else {
					tr = fairSigners[a].sign(t, uint64(nonce), fee, transfer(signers[0].addr, 1))
				}
				pool = append(pool, tr)
				cands = append(cands, Candidate{Tx: tr, Seq: uint64(rng.Intn(100))})
			}
		}
		in, _ := fixture()
		in.State = base
		in.Fair = genFairFor(rng, candidateKeys(cands))
		block, err := Order(in, cands)
		if err != nil {
			t.Fatal(err)
		}
		if err := Check(in, block.Txs); err != nil {
			t.Fatalf("run %d: honest block rejected: %v", run, err)
		}
		b := block.Txs
		wantReject := func(what string, mutated []*tx.Tx) {
			t.Helper()
			err := Check(in, mutated)
			if err == nil || tx.CodeOf(err) != tx.ErrBlockRule.Code {
				t.Fatalf("run %d: %s accepted (err %v)", run, what, err)
			}
		}
		// Swap two txs of different accounts.
		if len(b) >= 2 {
			i, j := rng.Intn(len(b)), rng.Intn(len(b))
			if b[i].Sender != b[j].Sender {
				m := append([]*tx.Tx(nil), b...)
				m[i], m[j] = m[j], m[i]
				wantReject("swapping two txs of different accounts", m)
				swaps++
			}
		}
		// Any other interleaving of the accounts' nonce sequences.
		if len(b) >= 2 {
			perAcct := make(map[tx.Address][]*tx.Tx)
			var order []tx.Address
			for _, tr := range b {
				if _, ok := perAcct[tr.Sender]; !ok {
					order = append(order, tr.Sender)
				}
				perAcct[tr.Sender] = append(perAcct[tr.Sender], tr)
			}
			var m []*tx.Tx
			for len(m) < len(b) {
				a := order[rng.Intn(len(order))]
				if q := perAcct[a]; len(q) > 0 {
					m = append(m, q[0])
					perAcct[a] = q[1:]
				}
			}
			if !reflect.DeepEqual(hashes(m), hashes(b)) {
				noFair := in
				noFair.Fair = nil
				if err := Check(noFair, m); err != nil {
					t.Fatalf("run %d: interleaving breaks a ledger rule: %v", run, err)
				}
				wantReject("reordering that keeps nonce order", m)
				if err := checkFair(*in.Fair, listedSet{}, m); err == nil || !strings.Contains(err.Error(), "fair order") {
					t.Fatalf("run %d: checkFair on a reordered block: %v", run, err)
				}
				interleavings++
			}
		}
		// Insert an ineligible candidate anywhere (if it is otherwise valid,
		// the fair rule alone must catch it).
		stamps := Stamps(*in.Fair)
		inBlock := make(map[tx.Hash]bool)
		for _, tr := range b {
			inBlock[tr.Hash] = true
		}
		for _, tr := range pool {
			if !stamps[KeyOf(tr.Hash)].Eligible && !inBlock[tr.Hash] {
				i := rng.Intn(len(b) + 1)
				m := append(append(append([]*tx.Tx(nil), b[:i]...), tr), b[i:]...)
				wantReject("an ineligible tx", m)
				ineligible++
				break
			}
		}
	}
	if swaps < 100 || interleavings < 100 || ineligible < 50 {
		t.Fatalf("weak coverage: %d swaps, %d interleavings, %d ineligible insertions", swaps, interleavings, ineligible)
	}
}

// fairCase builds an Input whose three equal-power reporters all report
// the given times (so each key's median is its time); keys in `single`
// are reported by one reporter only (exactly 1/3 of the power).
func fairCase(times map[*tx.Tx]int64, single ...*tx.Tx) Input {
	const bt = 1_700_000_000_000
	in, _ := fixture()
	in.State = fairReader()
	in.Fair = &FairInput{Params: testFairParams, TotalPower: 3, BlockTime: bt, PrevHash: []byte("prev")}
	for i := 0; i < 3; i++ {
		r := Reporter{Power: 1, Report: Report{Now: bt + 500}}
		for tr, at := range times {
			r.Report.Seen = append(r.Report.Seen, Seen{Key: KeyOf(tr.Hash), At: bt + at})
		}
		if i == 0 {
			for _, tr := range single {
				r.Report.Seen = append(r.Report.Seen, Seen{Key: KeyOf(tr.Hash), At: bt})
			}
		}
		in.Fair.Reporters = append(in.Fair.Reporters, r)
	}
	return in
}

func TestCheckFairExplicitCases(t *testing.T) {
	txs := oneTxPerAccount(t)
	a0, b0, c0, d0 := txs[0], txs[1], txs[2], txs[3]
	a1 := fairSigners[0].sign(t, 1, fee, transfer(signers[0].addr, 2))
	a2 := fairSigners[0].sign(t, 2, fee, transfer(signers[0].addr, 3))

	type blockCase struct {
		name string
		txs  []*tx.Tx
		ok   bool
		frag string
	}
	run := func(t *testing.T, in Input, cases []blockCase) {
		t.Helper()
		for _, c := range cases {
			err := Check(in, c.txs)
			if c.ok && err != nil {
				t.Errorf("%s: rejected: %v", c.name, err)
			}
			if !c.ok && (err == nil || tx.CodeOf(err) != tx.ErrBlockRule.Code || !strings.Contains(err.Error(), c.frag)) {
				t.Errorf("%s: Check = %v, want ErrBlockRule mentioning %q", c.name, err, c.frag)
			}
		}
	}

	t.Run("order by median", func(t *testing.T) {
		in := fairCase(map[*tx.Tx]int64{a0: -300, b0: -100, c0: -200})
		run(t, in, []blockCase{
			{"fair", []*tx.Tx{a0, c0, b0}, true, ""},
			{"prefix", []*tx.Tx{a0, c0}, true, ""},
			{"subset", []*tx.Tx{a0, b0}, true, ""},
			{"empty", nil, true, ""},
			{"swapped", []*tx.Tx{c0, a0, b0}, false, "fair order"},
			{"reversed", []*tx.Tx{b0, c0, a0}, false, "fair order"},
			{"duplicate", []*tx.Tx{a0, a0, c0}, false, ""},
		})
		if got := mustOrder(t, in, cands(b0, c0, a0)).Txs; !reflect.DeepEqual(hashes(got), hashes([]*tx.Tx{a0, c0, b0})) {
			t.Fatalf("Order: %x", hashes(got))
		}
	})

	t.Run("eligibility", func(t *testing.T) {
		// d0 is reported by one reporter of three: exactly 1/3, not eligible.
		in := fairCase(map[*tx.Tx]int64{a0: -300, b0: -100}, d0)
		if st := Stamps(*in.Fair)[KeyOf(d0.Hash)]; st.Eligible || st.ReportedPower != 1 {
			t.Fatalf("d0 stamp %+v", st)
		}
		run(t, in, []blockCase{
			{"eligible only", []*tx.Tx{a0, b0}, true, ""},
			{"exactly 1/3 at the end", []*tx.Tx{a0, b0, d0}, false, "not eligible"},
			{"exactly 1/3 first", []*tx.Tx{d0, a0, b0}, false, "not eligible"},
			{"unreported", []*tx.Tx{a0, c0, b0}, false, "not eligible"},
			{"unreported alone", []*tx.Tx{c0}, false, "not eligible"},
		})
		if got := mustOrder(t, in, cands(d0, c0, b0, a0)).Txs; !reflect.DeepEqual(hashes(got), hashes([]*tx.Tx{a0, b0})) {
			t.Fatalf("Order included an ineligible tx: %x", hashes(got))
		}
		// A second reporter makes it 2/3: eligible.
		in.Fair.Reporters[1].Report.Seen = append(in.Fair.Reporters[1].Report.Seen, Seen{Key: KeyOf(d0.Hash), At: in.Fair.BlockTime})
		if st := Stamps(*in.Fair)[KeyOf(d0.Hash)]; !st.Eligible {
			t.Fatalf("d0 reported by 2 of 3 not eligible: %+v", st)
		}
	})

	t.Run("short key collision", func(t *testing.T) {
		fake := *b0
		copy(fake.Hash[:8], a0.Hash[:8])
		in := fairCase(map[*tx.Tx]int64{a0: -300, c0: -100})
		run(t, in, []blockCase{
			{"one of them", []*tx.Tx{a0, c0}, true, ""},
			{"both", []*tx.Tx{a0, &fake, c0}, false, "short key"},
			{"both, other order", []*tx.Tx{&fake, a0, c0}, false, "short key"},
		})
		got := mustOrder(t, in, cands(a0, &fake, c0)).Txs
		if len(got) != 2 {
			t.Fatalf("Order with a short-key collision: %x", hashes(got))
		}
	})

	t.Run("higher nonce with a lower median", func(t *testing.T) {
		// a1 was seen before a0 (median -400 < -100) but must follow it;
		// its effective time is a0's, so c0 (-350) and b0 (-200) go first.
		in := fairCase(map[*tx.Tx]int64{a0: -100, a1: -400, a2: -50, c0: -350, b0: -200})
		run(t, in, []blockCase{
			{"fair", []*tx.Tx{c0, b0, a0, a1, a2}, true, ""},
			{"a1 by its own median", []*tx.Tx{c0, a0, a1, b0, a2}, false, "fair order"},
			{"account first", []*tx.Tx{a0, a1, a2, c0, b0}, false, "fair order"},
			{"a1 before c0", []*tx.Tx{a0, a1, c0, b0, a2}, false, "fair order"},
			{"a2 before b0", []*tx.Tx{c0, a0, a1, a2, b0}, false, "fair order"},
			{"nonce order broken", []*tx.Tx{a1, c0, b0, a0, a2}, false, ""},
			{"prefix a0 a1", []*tx.Tx{c0, b0, a0, a1}, true, ""},
			{"prefix a0", []*tx.Tx{c0, b0, a0}, true, ""},
		})
		got := mustOrder(t, in, cands(a2, a1, a0, b0, c0)).Txs
		if !reflect.DeepEqual(hashes(got), hashes([]*tx.Tx{c0, b0, a0, a1, a2})) {
			t.Fatalf("Order: %x", hashes(got))
		}
	})

	t.Run("tie broken by prev hash and sender", func(t *testing.T) {
		// Equal medians: the order follows sha256(prevHash || sender), so
		// it changes with the previous block's hash, and Check enforces it.
		flipped := 0
		for i := 0; i < 16; i++ {
			in := fairCase(map[*tx.Tx]int64{a0: -100, b0: -100, a1: -200})
			in.Fair.PrevHash = []byte{byte(i)}
			ta := sha256.Sum256(append([]byte{byte(i)}, a0.Sender[:]...))
			tb := sha256.Sum256(append([]byte{byte(i)}, b0.Sender[:]...))
			want, other := []*tx.Tx{a0, a1, b0}, []*tx.Tx{b0, a0, a1}
			if bytes.Compare(tb[:], ta[:]) < 0 {
				want, other = other, want
				flipped++
			}
			run(t, in, []blockCase{
				{fmt.Sprintf("prev %d fair", i), want, true, ""},
				{fmt.Sprintf("prev %d other", i), other, false, "fair order"},
			})
		}
		if flipped == 0 || flipped == 16 {
			t.Fatalf("the tie-break never changed with the previous hash (%d of 16)", flipped)
		}
	})
}

// TestOrderFairEdgeInputs: no reporters, no eligible tx, reader failure.
func TestOrderFairEdgeInputs(t *testing.T) {
	txs := oneTxPerAccount(t)
	in, _ := fixture()
	in.State = fairReader()
	in.Fair = &FairInput{Params: testFairParams, TotalPower: 4, BlockTime: 1_700_000_000_000}
	if b := mustOrder(t, in, cands(txs[0], txs[1])); len(b.Txs) != 0 {
		t.Fatalf("no reporters, block %x", hashes(b.Txs))
	}
	if err := Check(in, txs[:1]); err == nil || tx.CodeOf(err) != tx.ErrBlockRule.Code {
		t.Fatalf("no reporters, Check = %v", err)
	}
	in = fairCase(map[*tx.Tx]int64{txs[0]: -5})
	in.State.(*mapReader).fail = true
	if _, err := Order(in, cands(txs[0])); err == nil || tx.CodeOf(err) != tx.ErrInternal.Code {
		t.Fatalf("reader failure in Order: %v", err)
	}
	if err := Check(in, txs[:1]); err == nil || tx.CodeOf(err) != tx.ErrInternal.Code {
		t.Fatalf("reader failure in Check: %v", err)
	}
}

// TestOrderFairDuplicateNonceIneligibleFirst: two txs for one account
// nonce, the locally earlier one not eligible (validators saw the other).
// orderFair's doc says it takes "the eligible candidates (one per account
// nonce, earliest arrival)", and Check accepts the eligible one; but
// accountQueues keeps the earliest arrival before the eligibility filter,
// so the ineligible one hides the eligible one and the account (and every
// later nonce of it) is left out of the block.
func TestOrderFairDuplicateNonceIneligibleFirst(t *testing.T) {
	all := txsByNonce(t)
	x, xPrime, next := all[5][0][0], all[5][0][1], all[5][1][0]
	other := oneTxPerAccount(t)[6]
	in := fairCase(map[*tx.Tx]int64{xPrime: -300, next: -200, other: -100})
	want := []*tx.Tx{xPrime, next, other}
	if err := Check(in, want); err != nil {
		t.Fatalf("the block with the eligible duplicate is valid, but Check says %v", err)
	}
	cs := []Candidate{{Tx: x, Seq: 1}, {Tx: xPrime, Seq: 2}, {Tx: next, Seq: 3}, {Tx: other, Seq: 4}}
	got := mustOrder(t, in, cs).Txs
	if len(got) == 0 || got[len(got)-1] != other {
		t.Fatalf("Order lost an unrelated account: %x", hashes(got))
	}
	if !reflect.DeepEqual(hashes(got), hashes(want)) {
		t.Fatalf("Order = %v\nwant    %v (the eligible tx for nonce 0 and the account's next nonce)", hashes(got), hashes(want))
	}
}
