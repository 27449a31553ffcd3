package ordering

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"testing"

	cmttypes "github.com/cometbft/cometbft/types"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// scenario is a random Order/Check input: committed state, chain
// parameters, and mempool candidates from several accounts with shuffled
// arrival, nonce gaps, duplicates, stale nonces and invalid txs.
type scenario struct {
	in    Input
	base  *mapReader
	cands []Candidate
}

func (s scenario) String() string {
	return fmt.Sprintf("%d candidates, MaxBlockBytes %d, DefaultRollupMaxBytes %d",
		len(s.cands), s.in.MaxBlockBytes, s.in.Params.DefaultRollupMaxBytes)
}

var (
	// Rollups txs carry data for: genScenario registers alpha, beta and
	// gamma in state; "delta" and "epsilon" only exist once a tx
	// registers them; "zzz" never does.
	usedRollups = []string{"alpha", "beta", "gamma", "beta", "gamma", "alpha", "beta", "gamma", "delta", "epsilon"}
)

func genAction(rng *rand.Rand, accts []signer) *txv1.Action {
	switch r := rng.Intn(40); {
	case r < 18:
		return data(usedRollups[rng.Intn(len(usedRollups))], 1+rng.Intn(80))
	case r == 18:
		return data("zzz", 1+rng.Intn(20))
	case r < 25:
		names := []string{"alpha", "beta", "gamma", "delta"}
		if rng.Intn(4) != 0 {
			names = names[:3]
		}
		rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		return bundle(1+rng.Intn(40), names[:2+rng.Intn(2)]...)
	case r < 36:
		var to tx.Address
		if rng.Intn(3) == 0 {
			rng.Read(to[:])
		} else {
			to = accts[rng.Intn(len(accts))].addr
		}
		return transfer(to, uint64(1+rng.Intn(3000)))
	default:
		names := []string{"delta", "delta", "epsilon", "epsilon", "alpha"}
		return register(names[rng.Intn(len(names))], uint64(rng.Intn(400)))
	}
}

func genScenario(tb testing.TB, rng *rand.Rand) scenario {
	base := newMapReader()
	base.addRollup("alpha", uint64(150+rng.Intn(600)))
	base.addRollup("beta", 0)
	base.addRollup("gamma", uint64(rng.Intn(1500)))
	params := ledger.Params{
		ChainID: testChain, BaseFee: 10, FeePerByte: 1,
		MaxTxBytes: 1 << 16, MaxBlockTxBytes: 1 << 20,
		DefaultRollupMaxBytes: uint64(300 + rng.Intn(2000)),
	}
	perm := rng.Perm(len(signers) - 1)
	accts := make([]signer, 2+rng.Intn(4))
	for i := range accts {
		accts[i] = signers[perm[i]]
	}
	var txs []*tx.Tx
	for _, a := range accts {
		state := ledger.Account{Nonce: uint64(rng.Intn(3))}
		switch r := rng.Intn(10); {
		case r == 0:
		case r < 4:
			state.Balance = 4000
		default:
			state.Balance = 1_000_000
		}
		if state != (ledger.Account{}) {
			base.accounts[a.addr] = state
		}
		next := state.Nonce
		for j := rng.Intn(8); j > 0; j-- {
			nonce := next
			switch r := rng.Intn(10); {
			case r < 7:
				next++
			case r == 7: // gap
				nonce++
				next += 2
			case r == 8: // same nonce as the previous tx
				if nonce > 0 {
					nonce--
				}
			case r == 9 && rng.Intn(2) == 0: // stale
				if state.Nonce > 0 {
					nonce = state.Nonce - 1
				}
			default:
				nonce = state.Nonce + uint64(rng.Intn(6))
			}
			fee := uint64(800 + rng.Intn(800))
			if rng.Intn(20) == 0 {
				fee = 5
			}
			actions := make([]*txv1.Action, 1+rng.Intn(2))
			for k := range actions {
				actions[k] = genAction(rng, accts)
				if k > 0 && actions[0].GetBundle() != nil && actions[k].GetBundle() != nil {
					actions[k] = data(usedRollups[0], 1+rng.Intn(80)) // one bundle per tx
				}
			}
			txs = append(txs, a.sign(tb, nonce, fee, actions...))
		}
	}
	var cands []Candidate
	sameSeqs := rng.Intn(5) == 0
	for i, j := range rng.Perm(len(txs)) {
		seq := uint64(i + 1)
		if sameSeqs {
			seq = uint64(rng.Intn(len(txs)/2 + 1))
		}
		cands = append(cands, Candidate{Tx: txs[j], Seq: seq})
		if rng.Intn(10) == 0 { // the same tx offered twice
			cands = append(cands, Candidate{Tx: txs[j], Seq: seq + uint64(rng.Intn(3))})
		}
	}
	in := Input{Params: params, Height: 1 + rng.Int63n(100), Proposer: signers[len(signers)-1].addr, State: base}
	if rng.Intn(2) == 0 {
		in.Proposer = accts[0].addr
	}
	if rng.Intn(3) != 0 {
		in.MaxBlockBytes = int64(300 + rng.Intn(6000))
	}
	return scenario{in: in, base: base, cands: cands}
}

// encodedSize is TxEncodedSize written independently: tag byte, uvarint
// length, bytes.
func encodedSize(n int) int64 {
	var buf [binary.MaxVarintLen64]byte
	return int64(1 + binary.PutUvarint(buf[:], uint64(n)) + n)
}

// naiveValid decides whether txs form a valid block by simulating the
// ledger rules directly on plain maps, without package ledger.
func naiveValid(in Input, base *mapReader, txs []*tx.Tx) bool {
	var total int64
	for _, t := range txs {
		total += encodedSize(t.Size())
	}
	if in.MaxBlockBytes > 0 && total > in.MaxBlockBytes {
		return false
	}
	accounts := make(map[tx.Address]ledger.Account)
	get := func(a tx.Address) ledger.Account {
		if v, ok := accounts[a]; ok {
			return v
		}
		return base.accounts[a]
	}
	caps := make(map[tx.RollupID]uint64)
	for id, r := range base.rollups {
		caps[id] = r.MaxBytesPerBlock
	}
	used := make(map[tx.RollupID]uint64)
	for _, t := range txs {
		sender := get(t.Sender)
		if t.Nonce != sender.Nonce || t.Fee < in.Params.BaseFee+in.Params.FeePerByte*uint64(t.Size()) {
			return false
		}
		spend := t.Fee
		registered := make(map[tx.RollupID]uint64)
		for _, a := range t.Actions {
			switch a := a.(type) {
			case *tx.Transfer:
				spend += a.Amount
			case *tx.RollupData:
				if _, ok := caps[a.Rollup]; !ok {
					return false
				}
			case *tx.Bundle:
				for _, l := range a.Legs {
					if _, ok := caps[l.Rollup]; !ok {
						return false
					}
				}
			case *tx.RegisterRollup:
				id := tx.RollupIDFromName(a.Name)
				_, known := caps[id]
				_, twice := registered[id]
				if known || twice {
					return false
				}
				registered[id] = a.MaxBytesPerBlock
			}
		}
		if sender.Balance < spend {
			return false
		}
		sender.Nonce++
		sender.Balance -= spend
		accounts[t.Sender] = sender
		for _, a := range t.Actions {
			if tr, ok := a.(*tx.Transfer); ok {
				to := get(tr.To)
				to.Balance += tr.Amount
				accounts[tr.To] = to
			}
		}
		p := get(in.Proposer)
		p.Balance += t.Fee
		accounts[in.Proposer] = p
		for id, max := range registered {
			caps[id] = max
		}
		for _, a := range t.Actions {
			switch a := a.(type) {
			case *tx.RollupData:
				used[a.Rollup] += uint64(len(a.Data))
			case *tx.Bundle:
				for _, l := range a.Legs {
					used[l.Rollup] += uint64(len(l.Data))
				}
			}
		}
		for id, n := range used {
			limit := caps[id]
			if limit == 0 {
				limit = in.Params.DefaultRollupMaxBytes
			}
			if n > limit {
				return false
			}
		}
	}
	return true
}

// naiveOrder is the documented Order algorithm written the dumbest way:
// per-account nonce queues (first arrival wins a nonce), repeatedly take
// the earliest-arrived queue head and keep it if the block so far plus it
// passes Check, else drop the rest of that account's queue.
func naiveOrder(in Input, cands []Candidate) []*tx.Tx {
	queues := make(map[tx.Address][]Candidate)
	for _, c := range cands {
		if c.Tx != nil {
			queues[c.Tx.Sender] = append(queues[c.Tx.Sender], c)
		}
	}
	less := func(a, b Candidate) bool {
		if a.Seq != b.Seq {
			return a.Seq < b.Seq
		}
		return string(a.Tx.Hash[:]) < string(b.Tx.Hash[:])
	}
	for addr, q := range queues {
		sort.Slice(q, func(i, j int) bool {
			if q[i].Tx.Nonce != q[j].Tx.Nonce {
				return q[i].Tx.Nonce < q[j].Tx.Nonce
			}
			return less(q[i], q[j])
		})
		var dedup []Candidate
		for _, c := range q {
			if len(dedup) == 0 || dedup[len(dedup)-1].Tx.Nonce != c.Tx.Nonce {
				dedup = append(dedup, c)
			}
		}
		queues[addr] = dedup
	}
	var block []*tx.Tx
	for {
		var (
			best    Candidate
			bestKey tx.Address
			found   bool
		)
		for addr, q := range queues {
			if len(q) > 0 && (!found || less(q[0], best)) {
				best, bestKey, found = q[0], addr, true
			}
		}
		if !found {
			return block
		}
		queues[bestKey] = queues[bestKey][1:]
		// A stale tx (nonce already used) is skipped; the queue goes on.
		used := 0
		for _, t := range block {
			if t.Sender == best.Tx.Sender {
				used++
			}
		}
		if acct, err := in.State.Account(best.Tx.Sender); err == nil && best.Tx.Nonce < acct.Nonce+uint64(used) {
			continue
		}
		if Check(in, append(append([]*tx.Tx(nil), block...), best.Tx)) == nil {
			block = append(block, best.Tx)
		} else {
			queues[bestKey] = nil
		}
	}
}

// checkBlockInvariants checks the block rules directly on a block that
// must be valid.
func checkBlockInvariants(t *testing.T, s scenario, txs []*tx.Tx) {
	t.Helper()
	inCands := make(map[tx.Hash]bool)
	for _, c := range s.cands {
		inCands[c.Tx.Hash] = true
	}
	seen := make(map[tx.Hash]bool)
	next := make(map[tx.Address]uint64)
	var total int64
	raws := make([]cmttypes.Tx, len(txs))
	caps := make(map[tx.RollupID]uint64)
	for id, r := range s.base.rollups {
		caps[id] = r.MaxBytesPerBlock
	}
	used := make(map[tx.RollupID]uint64)
	for i, tr := range txs {
		if !inCands[tr.Hash] {
			t.Fatalf("tx %d is not a candidate", i)
		}
		if seen[tr.Hash] {
			t.Fatalf("tx %d repeats an earlier tx", i)
		}
		seen[tr.Hash] = true
		want, ok := next[tr.Sender]
		if !ok {
			want = s.base.accounts[tr.Sender].Nonce
		}
		if tr.Nonce != want {
			t.Fatalf("tx %d: nonce %d, want %d (consecutive from the state nonce)", i, tr.Nonce, want)
		}
		next[tr.Sender] = want + 1
		total += encodedSize(tr.Size())
		raws[i] = tr.Raw
		for _, a := range tr.Actions {
			if r, ok := a.(*tx.RegisterRollup); ok {
				caps[tx.RollupIDFromName(r.Name)] = r.MaxBytesPerBlock
			}
		}
		for _, u := range tr.RollupBytes() {
			used[u.Rollup] += u.Bytes
		}
	}
	if s.in.MaxBlockBytes > 0 && total > s.in.MaxBlockBytes {
		t.Fatalf("block takes %d bytes, limit %d", total, s.in.MaxBlockBytes)
	}
	if cmt := cmttypes.ComputeProtoSizeForTxs(raws); cmt != total {
		t.Fatalf("CometBFT counts %d bytes, we count %d", cmt, total)
	}
	for id, n := range used {
		limit, ok := caps[id]
		if !ok {
			t.Fatalf("block carries data for unregistered rollup %s", id)
		}
		if limit == 0 {
			limit = s.in.Params.DefaultRollupMaxBytes
		}
		if n > limit {
			t.Fatalf("rollup %s carries %d bytes, cap %d", id, n, limit)
		}
	}
}

const propertyRuns = 250

func TestOrderProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(20240501))
	var included, invalid, empty int
	for run := 0; run < propertyRuns; run++ {
		s := genScenario(t, rng)
		block, err := Order(s.in, s.cands)
		if err != nil {
			t.Fatalf("run %d (%s): Order: %v", run, s, err)
		}
		if err := Check(s.in, block.Txs); err != nil {
			t.Fatalf("run %d (%s): Order's block fails Check: %v", run, s, err)
		}
		if !naiveValid(s.in, s.base, block.Txs) {
			t.Fatalf("run %d (%s): Order's block fails the naive rules", run, s)
		}
		checkBlockInvariants(t, s, block.Txs)
		if want := naiveOrder(s.in, s.cands); !reflect.DeepEqual(hashes(block.Txs), hashes(want)) {
			t.Fatalf("run %d (%s): Order differs from the naive reference:\n got %x\nwant %x", run, s, hashes(block.Txs), hashes(want))
		}

		// Invalid lists only candidates that cannot execute, never ones
		// in the block, never for lack of room or a future nonce.
		inBlock := make(map[tx.Hash]bool)
		for _, tr := range block.Txs {
			inBlock[tr.Hash] = true
		}
		for _, sk := range block.Invalid {
			code := tx.CodeOf(sk.Err)
			if inBlock[sk.Hash] || sk.Err == nil || code == tx.ErrInternal.Code || code == tx.ErrFutureNonce.Code ||
				code == tx.ErrRollupCapExceeded.Code {
				t.Fatalf("run %d: bad Invalid entry %s: %v", run, sk.Hash, sk.Err)
			}
		}

		// Deterministic: same input, and the candidate slice permuted.
		again, err := Order(s.in, s.cands)
		if err != nil || !reflect.DeepEqual(hashes(again.Txs), hashes(block.Txs)) ||
			!reflect.DeepEqual(skippedHashes(again.Invalid), skippedHashes(block.Invalid)) {
			t.Fatalf("run %d: Order is not deterministic", run)
		}
		shuffled := append([]Candidate(nil), s.cands...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		perm, err := Order(s.in, shuffled)
		if err != nil || !reflect.DeepEqual(hashes(perm.Txs), hashes(block.Txs)) ||
			!reflect.DeepEqual(skippedHashes(perm.Invalid), skippedHashes(block.Invalid)) {
			t.Fatalf("run %d (%s): permuting the candidate slice changed the block", run, s)
		}
		included += len(block.Txs)
		invalid += len(block.Invalid)
		if len(block.Txs) == 0 {
			empty++
		}
	}
	// Guard against a generator that stopped producing interesting cases.
	if included < propertyRuns || invalid < propertyRuns/10 || empty > propertyRuns/3 {
		t.Fatalf("weak scenarios: %d txs included, %d invalid, %d empty blocks over %d runs", included, invalid, empty, propertyRuns)
	}
}

// TestCheckMatchesNaiveRules compares Check with naiveValid on random
// blocks: honest ones, mutations of honest ones, and random sequences.
func TestCheckMatchesNaiveRules(t *testing.T) {
	rng := rand.New(rand.NewSource(77))
	var valid, rejected int
	for run := 0; run < propertyRuns; run++ {
		s := genScenario(t, rng)
		block, err := Order(s.in, s.cands)
		if err != nil {
			t.Fatal(err)
		}
		pool := make([]*tx.Tx, len(s.cands))
		for i, c := range s.cands {
			pool[i] = c.Tx
		}
		for k := 0; k < 8; k++ {
			txs := append([]*tx.Tx(nil), block.Txs...)
			switch k {
			case 0: // honest
			case 1: // swap two txs
				if len(txs) > 1 {
					i, j := rng.Intn(len(txs)), rng.Intn(len(txs))
					txs[i], txs[j] = txs[j], txs[i]
				}
			case 2: // drop one
				if len(txs) > 0 {
					i := rng.Intn(len(txs))
					txs = append(txs[:i], txs[i+1:]...)
				}
			case 3: // repeat one
				if len(txs) > 0 {
					txs = append(txs, txs[rng.Intn(len(txs))])
				}
			case 4: // insert any candidate anywhere
				if len(pool) > 0 {
					i := rng.Intn(len(txs) + 1)
					txs = append(txs[:i], append([]*tx.Tx{pool[rng.Intn(len(pool))]}, txs[i:]...)...)
				}
			default: // a random sequence of candidates
				txs = nil
				for n := rng.Intn(6); n > 0 && len(pool) > 0; n-- {
					txs = append(txs, pool[rng.Intn(len(pool))])
				}
			}
			err := Check(s.in, txs)
			want := naiveValid(s.in, s.base, txs)
			if (err == nil) != want {
				t.Fatalf("run %d case %d (%s): Check says %v, naive rules say valid=%v", run, k, s, err, want)
			}
			if err != nil {
				rejected++
				if tx.CodeOf(err) != tx.ErrBlockRule.Code {
					t.Fatalf("run %d: Check error with code %d: %v", run, tx.CodeOf(err), err)
				}
			} else {
				valid++
			}
		}
	}
	if valid < propertyRuns || rejected < propertyRuns {
		t.Fatalf("weak coverage: %d valid, %d rejected blocks", valid, rejected)
	}
}

func TestTxEncodedSize(t *testing.T) {
	sizes := []int{0, 1, 126, 127, 128, 129, 16383, 16384, 16385, 1<<21 - 1, 1 << 21}
	rng := rand.New(rand.NewSource(5))
	for i := 0; i < 200; i++ {
		sizes = append(sizes, rng.Intn(1<<22))
	}
	for _, n := range sizes {
		if got, want := TxEncodedSize(n), encodedSize(n); got != want {
			t.Fatalf("TxEncodedSize(%d) = %d, want %d", n, got, want)
		}
	}
	// CometBFT's own count for a data section of a few txs.
	txs := []cmttypes.Tx{make([]byte, 5), make([]byte, 200), make([]byte, 20000)}
	var sum int64
	for _, x := range txs {
		sum += TxEncodedSize(len(x))
	}
	if cmt := cmttypes.ComputeProtoSizeForTxs(txs); cmt != sum {
		t.Fatalf("CometBFT counts %d, TxEncodedSize sums to %d", cmt, sum)
	}
}
