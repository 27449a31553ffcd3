package testnet_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/rollup-adapters/kv"
	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/sequencer/tx"
	"github.com/ordolabs/ordo/testnet"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The four kv rollups of TestAtomicBundles, by index. Rollups 0 and 1 are
// registered atomic by tx; 2 and 3 are genesis (non-atomic) rollups. The
// "-a" rollups share one kv genesis and the "-b" rollups another.
var atomicTestRollups = []string{"atom-a", "atom-b", "plain-a", "plain-b"}

func atomicRollup(ri int) bool { return ri < 2 }

// rootLog records, through the driver's OnExecuted hook, the state root
// after every height an adapter instance executed, how many times each
// height was executed (across driver restarts), and the verdict each
// bundle leg was delivered with.
type rootLog struct {
	mu       sync.Mutex
	roots    map[int64][]byte
	runs     map[int64]int
	last     int64
	verdicts map[tx.Hash]sdk.Verdict
}

func newRootLog() *rootLog {
	return &rootLog{roots: map[int64][]byte{}, runs: map[int64]int{}, verdicts: map[tx.Hash]sdk.Verdict{}}
}

func (l *rootLog) onExecuted(d sdk.Delivery, root []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := d.Block.Height
	l.roots[h] = append([]byte(nil), root...)
	l.runs[h]++
	l.last = max(l.last, h)
	for _, it := range d.Block.Items {
		if it.Bundle != nil {
			l.verdicts[it.TxHash] = it.Bundle.Verdict
		}
	}
}

func (l *rootLog) height() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// kvInstance is one adapter instance of one rollup: a kv store behind an
// SDK driver connected to one validator.
type kvInstance struct {
	name    string
	ri      int
	id      tx.RollupID
	genesis kv.Genesis
	val     int
	dir     string // "" for an in-memory store
	log     *rootLog
	// resumedFrom is the store's applied height when the driver last
	// started.
	resumedFrom int64

	kv     *kv.Rollup
	conn   *testnet.RollupConn
	driver *sdk.Driver
	stop   context.CancelFunc
	done   chan struct{}
}

// start opens the store (reopening dir if it has one) and runs a new
// driver over a new connection, as a restarted adapter process would.
func (in *kvInstance) start(ctx context.Context, net *testnet.Network) error {
	conn, err := net.RollupClient(ctx, in.val, in.id, nil)
	if err != nil {
		return err
	}
	conn.Verifier.Atomic = atomicRollup(in.ri)
	var state *kv.Rollup
	if in.dir == "" {
		state, err = kv.OpenInMemory(in.genesis)
	} else {
		state, err = kv.Open(in.dir, in.genesis)
	}
	if err != nil {
		conn.Close()
		return err
	}
	if in.resumedFrom, err = state.AppliedHeight(); err != nil {
		conn.Close()
		state.Close()
		return err
	}
	runCtx, stop := context.WithCancel(context.Background())
	in.kv, in.conn, in.stop, in.done = state, conn, stop, make(chan struct{})
	in.driver = &sdk.Driver{Client: conn.Client, Exec: state, Backoff: 200 * time.Millisecond, OnExecuted: in.log.onExecuted}
	go func(d *sdk.Driver, done chan struct{}) { defer close(done); _ = d.Run(runCtx) }(in.driver, in.done)
	return nil
}

// stopDriver stops the driver (the store stays open for queries).
func (in *kvInstance) stopDriver() {
	if in.stop != nil {
		in.stop()
		<-in.done
	}
}

// halt stops the driver and closes the store and the connection.
func (in *kvInstance) halt() error {
	if in.kv == nil {
		return nil
	}
	in.stopDriver()
	err := errors.Join(in.kv.Close(), in.conn.Close())
	in.kv, in.conn, in.stop = nil, nil, nil
	return err
}

// waitHeight waits until the instance executed height h.
func (in *kvInstance) waitHeight(ctx context.Context, h int64) error {
	for in.log.height() < h {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s instance on validator %d at height %d, waiting for %d (driver: %+v): %w",
				in.name, in.val, in.log.height(), h, in.driver.Status().Err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// atomicItem is one kv op for one rollup.
type atomicItem struct {
	ri int
	op kv.Op
}

// atomicSent is one submitted tx: a bundle (legs) or one ordinary item.
type atomicSent struct {
	label  string
	sender int
	hash   string
	bundle bool
	items  []atomicItem // the legs, or the one ordinary item
	// want is the verdict the test design expects, and applied whether
	// each leg takes effect (bundles only).
	want    sequencerv1.BundleVerdictState
	applied []bool
	// random bundles have no designed outcome: the model decides it.
	random bool

	height int64
	index  uint32
}

// testAddr is a fresh account address for label.
func testAddr(label string) tx.Address {
	s := sha256.Sum256([]byte("atomic-test/" + label))
	var a tx.Address
	copy(a[:], s[:])
	return a
}

// TestAtomicBundles runs atomic bundle execution end to end on 4
// validator processes. Two kv rollups are registered atomic by tx, two
// genesis rollups are not; each of the four runs two adapter instances
// (SDK driver + kv store) on different validators, the atomic ones with
// Verifier.Atomic. Cross-rollup "swap" bundles whose one leg fails, and
// bundles whose legs all succeed, are submitted to both pairs along with
// ordinary items, including a chain of bundles from one sender whose
// outcomes depend on the previous ones having been rolled back or kept.
//
// On the atomic pair a failing bundle must be ABORTed with no effect on
// either rollup (receipts CodeAborted) and a succeeding one COMMITted and
// applied; on the non-atomic pair each leg applies by itself (verdict
// NONE). Both instances of every rollup must agree on the state root at
// every height. One atomic instance has a disk store and is stopped
// mid-stream and restarted from its directory while bundles keep coming:
// it must execute every height exactly once and end on the same roots and
// balances as its twin.
func TestAtomicBundles(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 validator processes")
	}
	start := time.Now()
	net := testnet.Start(t, testnet.Options{Validators: 4, FirstIP: 141, DevAccounts: 5, Rollups: atomicTestRollups[2:]})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	if err := net.WaitForHeight(ctx, 2); err != nil {
		t.Fatal(err)
	}
	c0, err := net.Client(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c0.Close()
	dev := func(i int) tx.Address { return net.Signer(i).Address() }

	// dev0 and dev1 are rich on every rollup; dev2 (atomic pair), dev3
	// (non-atomic pair) and dev4 (atomic pair, one block apart) have
	// little, for the chained bundles.
	genA := kv.Genesis{Balances: map[tx.Address]uint64{dev(0): 1000, dev(1): 1000, dev(2): 100, dev(3): 100, dev(4): 100}}
	genB := kv.Genesis{Balances: map[tx.Address]uint64{dev(0): 1000, dev(1): 1000, dev(2): 50, dev(3): 50, dev(4): 50}}
	geneses := []kv.Genesis{genA, genB, genA, genB}
	ids := make([]tx.RollupID, len(atomicTestRollups))
	for ri, name := range atomicTestRollups {
		ids[ri] = tx.RollupIDFromName(name)
	}

	nonces := make([]uint64, 5)
	submitRaw := func(sender int, actions ...*txv1.Action) string {
		t.Helper()
		raw, err := net.Signer(sender).Sign(nonces[sender], actions...)
		if err != nil {
			t.Fatal(err)
		}
		nonces[sender]++
		res, err := c0.Submit.SubmitTx(ctx, &sequencerv1.SubmitTxRequest{Tx: raw})
		if err != nil || res.Code != 0 {
			t.Fatalf("submit from dev%d: %v %+v", sender, err, res)
		}
		return res.Hash
	}

	// Register the atomic rollups by tx.
	var regs []string
	for ri := 0; ri < 2; ri++ {
		regs = append(regs, submitRaw(0, client.RegisterAtomicRollup(atomicTestRollups[ri], 0, "kv", kv.EncodeGenesis(geneses[ri]))))
	}
	var regHeight int64
	for _, h := range regs {
		st, err := c0.WaitCommitted(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		regHeight = max(regHeight, st.Height)
	}
	for ri, name := range atomicTestRollups {
		r, err := c0.Query.Rollup(ctx, &sequencerv1.RollupRequest{Rollup: name})
		if err != nil {
			t.Fatal(err)
		}
		if wantKind := map[bool]string{true: "kv", false: ""}[atomicRollup(ri)]; r.Atomic != atomicRollup(ri) || r.Executor != wantKind {
			t.Fatalf("rollup %s: atomic %v executor %q, want %v %q", name, r.Atomic, r.Executor, atomicRollup(ri), wantKind)
		}
	}
	t.Logf("atomic rollups registered at height %d", regHeight)

	// Two adapter instances per rollup, on different validators. The
	// second atom-a instance keeps its store on disk: it is restarted.
	var instances []*kvInstance
	restartDir := filepath.Join(t.TempDir(), "atom-a")
	for ri, name := range atomicTestRollups {
		for k := 0; k < 2; k++ {
			in := &kvInstance{name: name, ri: ri, id: ids[ri], genesis: geneses[ri], val: (ri*2 + k) % 4, log: newRootLog()}
			if ri == 0 && k == 1 {
				in.dir = restartDir
			}
			if err := in.start(ctx, net); err != nil {
				t.Fatalf("%s instance %d: %v", name, k, err)
			}
			t.Cleanup(func() {
				if err := in.halt(); err != nil {
					t.Errorf("%s: %v", in.name, err)
				}
			})
			instances = append(instances, in)
		}
	}
	restarted := instances[1]

	var sent []*atomicSent
	encode := func(op kv.Op) []byte {
		b, err := kv.EncodeOp(op)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// bundle submits a bundle from sender with one leg per item.
	bundle := func(label string, sender int, want sequencerv1.BundleVerdictState, applied []bool, items ...atomicItem) {
		var legs []*txv1.RollupData
		for _, it := range items {
			legs = append(legs, &txv1.RollupData{RollupId: append([]byte(nil), ids[it.ri][:]...), Data: encode(it.op)})
		}
		s := &atomicSent{label: label, sender: sender, bundle: true, items: items, want: want, applied: applied}
		s.hash = submitRaw(sender, client.Bundle(legs...))
		sent = append(sent, s)
	}
	rng := rand.New(rand.NewSource(7))
	// randomBundles submits n bundles from dev1 with random amounts over
	// random rollup sets (atomic, non-atomic and mixed): as dev1's
	// balances run low, whether each succeeds depends on the verdicts of
	// the ones before.
	randomBundles := func(phase string, n int) {
		sets := [][]int{{0, 1}, {2, 3}, {0, 3}, {2, 1}, {1, 0, 2}}
		for i := 0; i < n; i++ {
			l := fmt.Sprintf("%s/random-%02d", phase, i)
			var items []atomicItem
			for _, ri := range sets[rng.Intn(len(sets))] {
				to := testAddr(fmt.Sprintf("random-payee-%d", rng.Intn(3)))
				items = append(items, atomicItem{ri, kv.Transfer{To: to, Amount: 20 + uint64(rng.Intn(130))}})
			}
			bundle(l, 1, 0, nil, items...)
			sent[len(sent)-1].random = true
		}
	}
	ordinary := func(label string, sender int, it atomicItem) {
		s := &atomicSent{label: label, sender: sender, items: []atomicItem{it}}
		s.hash = submitRaw(sender, client.RollupData(ids[it.ri], encode(it.op)))
		sent = append(sent, s)
	}
	const huge = 1 << 40 // more than anyone has on any rollup
	var (
		commit = sequencerv1.BundleVerdictState_BUNDLE_VERDICT_COMMIT
		abort  = sequencerv1.BundleVerdictState_BUNDLE_VERDICT_ABORT
		none   = sequencerv1.BundleVerdictState_BUNDLE_VERDICT_NONE
	)
	// swaps submits, on the pair (a, a+1) (0: atomic, 2: non-atomic), a
	// bundle whose leg on a+1 fails (insufficient balance), one that
	// succeeds, and one whose leg on a fails.
	swaps := func(phase string, a int) {
		b := a + 1
		p := fmt.Sprintf("%s/%s", phase, atomicTestRollups[a][:4])
		if atomicRollup(a) {
			// All or nothing.
			bundle(p+"/fail-b", 0, abort, []bool{false, false},
				atomicItem{a, kv.Transfer{To: testAddr(p + "/fail-b"), Amount: 100}},
				atomicItem{b, kv.Transfer{To: testAddr(p + "/fail-b"), Amount: huge}})
			bundle(p+"/ok", 0, commit, []bool{true, true},
				atomicItem{a, kv.Transfer{To: testAddr(p + "/ok"), Amount: 10}},
				atomicItem{b, kv.Transfer{To: testAddr(p + "/ok"), Amount: 20}})
			bundle(p+"/fail-a", 0, abort, []bool{false, false},
				atomicItem{a, kv.Transfer{To: testAddr(p + "/fail-a"), Amount: huge}},
				atomicItem{b, kv.Transfer{To: testAddr(p + "/fail-a"), Amount: 30}})
			return
		}
		// The weaker guarantee: each leg by itself.
		bundle(p+"/fail-b", 0, none, []bool{true, false},
			atomicItem{a, kv.Transfer{To: testAddr(p + "/fail-b"), Amount: 100}},
			atomicItem{b, kv.Transfer{To: testAddr(p + "/fail-b"), Amount: huge}})
		bundle(p+"/ok", 0, none, []bool{true, true},
			atomicItem{a, kv.Transfer{To: testAddr(p + "/ok"), Amount: 10}},
			atomicItem{b, kv.Transfer{To: testAddr(p + "/ok"), Amount: 20}})
		bundle(p+"/fail-a", 0, none, []bool{false, true},
			atomicItem{a, kv.Transfer{To: testAddr(p + "/fail-a"), Amount: huge}},
			atomicItem{b, kv.Transfer{To: testAddr(p + "/fail-a"), Amount: 30}})
	}
	// mixed submits bundles with a leg on an atomic rollup and one on a
	// non-atomic rollup: the verdict follows the atomic leg alone, and the
	// non-atomic leg applies by its own rollup's rules whatever the
	// verdict.
	mixed := func(phase string) {
		l := phase + "/mixed-ok"
		bundle(l, 0, commit, []bool{true, false},
			atomicItem{0, kv.Transfer{To: testAddr(l), Amount: 11}},
			atomicItem{3, kv.Transfer{To: testAddr(l), Amount: huge}})
		l = phase + "/mixed-fail"
		bundle(l, 0, abort, []bool{false, true},
			atomicItem{1, kv.Transfer{To: testAddr(l), Amount: huge}},
			atomicItem{2, kv.Transfer{To: testAddr(l), Amount: 12}})
	}
	// ordinaries submits ordinary items on every rollup.
	ordinaries := func(phase string) {
		for ri, name := range atomicTestRollups {
			l := phase + "/" + name
			ordinary(l+"/put", 1, atomicItem{ri, kv.Put{Key: []byte(l), Value: []byte("v-" + l)}})
			ordinary(l+"/pay", 1, atomicItem{ri, kv.Transfer{To: testAddr("payee"), Amount: 5}})
		}
		ordinary(phase+"/dev0-pay", 0, atomicItem{0, kv.Transfer{To: testAddr("payee"), Amount: 3}})
	}

	// Phase 1: the swaps on both pairs, ordinary items, and the chained
	// bundles. dev2 has 100 on A and 50 on B: P (40, 40) succeeds, Q
	// (40, 40) then fails on B, and R (40, 10) succeeds only if Q's A leg
	// had no effect (wherever the three land: in one block, the
	// validators' simulation must roll Q back; across blocks, the
	// executors must have applied P's and Q's verdicts). dev3 runs the same
	// chain on the non-atomic pair, where Q's A leg does apply and R's A
	// leg then fails.
	ordinaries("p1")
	swaps("p1", 0)
	swaps("p1", 2)
	mixed("p1")
	type chainCase struct {
		sender, a int
		kind      string
		verdicts  []sequencerv1.BundleVerdictState
		applied   [][]bool
	}
	atomicChain := chainCase{2, 0, "atomic", []sequencerv1.BundleVerdictState{commit, abort, commit}, [][]bool{{true, true}, {false, false}, {true, true}}}
	// chain submits P, Q and R; with wait, each only once the previous
	// one committed (so the validators' executors must carry the earlier
	// verdicts across blocks).
	chain := func(phase string, c chainCase, wait bool) {
		for i, amt := range [][2]uint64{{40, 40}, {40, 40}, {40, 10}} {
			l := fmt.Sprintf("%s/chain-%s/%c", phase, c.kind, "PQR"[i])
			bundle(l, c.sender, c.verdicts[i], c.applied[i],
				atomicItem{c.a, kv.Transfer{To: testAddr(l), Amount: amt[0]}},
				atomicItem{c.a + 1, kv.Transfer{To: testAddr(l), Amount: amt[1]}})
			if wait {
				if _, err := c0.WaitCommitted(ctx, sent[len(sent)-1].hash); err != nil {
					t.Fatalf("%s: %v", l, err)
				}
			}
		}
	}
	chain("p1", atomicChain, false)
	chain("p1", chainCase{3, 2, "plain", []sequencerv1.BundleVerdictState{none, none, none}, [][]bool{{true, true}, {true, false}, {false, true}}}, false)
	phase1 := len(sent)
	// Phase 2a arrives while the disk instance is being stopped.
	swaps("p2a", 0)
	ordinaries("p2a")

	// Stop the disk instance once it executed phase 1's atomic bundles
	// (some committed, some aborted).
	var p1Atomic int64
	for _, s := range sent[:phase1] {
		if s.bundle && atomicRollup(s.items[0].ri) {
			st, err := c0.WaitCommitted(ctx, s.hash)
			if err != nil {
				t.Fatalf("%s: %v", s.label, err)
			}
			p1Atomic = max(p1Atomic, st.Height)
		}
	}
	if err := restarted.waitHeight(ctx, p1Atomic); err != nil {
		t.Fatal(err)
	}
	if err := restarted.halt(); err != nil {
		t.Fatal(err)
	}
	stoppedAt := restarted.log.height()
	chainAtStop, err := net.Height(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("disk instance stopped after height %d (chain at %d)", stoppedAt, chainAtStop)

	// Phase 2b while it is down, then restart it while phase 3 arrives.
	swaps("p2b", 0)
	swaps("p2b", 2)
	ordinaries("p2b")
	randomBundles("p2b", 15)
	if _, err := c0.WaitCommitted(ctx, sent[len(sent)-1].hash); err != nil {
		t.Fatal(err)
	}
	if err := restarted.start(ctx, net); err != nil {
		t.Fatalf("restarting: %v", err)
	}
	if restarted.resumedFrom != stoppedAt {
		t.Fatalf("reopened store has applied height %d, the driver executed through %d", restarted.resumedFrom, stoppedAt)
	}
	swaps("p3", 0)
	ordinaries("p3")
	for i := 0; i < 3; i++ {
		randomBundles(fmt.Sprintf("p3.%d", i), 5)
		if _, err := c0.WaitCommitted(ctx, sent[len(sent)-1].hash); err != nil {
			t.Fatal(err)
		}
	}
	swaps("p3", 2)
	mixed("p3")
	atomicChain.sender, atomicChain.kind = 4, "atomic-spread"
	chain("p3", atomicChain, true)

	// Everything commits; every instance executes through the last height.
	var last int64
	for _, s := range sent {
		st, err := c0.WaitCommitted(ctx, s.hash)
		if err != nil {
			t.Fatalf("%s: %v", s.label, err)
		}
		s.height, s.index = st.Height, st.Index
		last = max(last, st.Height)
	}
	for _, s := range sent[phase1:] {
		if s.bundle && s.height <= stoppedAt && s.label[:3] != "p2a" {
			t.Fatalf("%s at height %d, before the restarted instance stopped (%d)", s.label, s.height, stoppedAt)
		}
	}
	for _, in := range instances {
		if err := in.waitHeight(ctx, last); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d txs committed over heights %d..%d; all instances executed them (%.1fs)", len(sent), regHeight, last, time.Since(start).Seconds())

	// Expected state: a model executes every item in the committed order.
	order := slices.Clone(sent)
	slices.SortFunc(order, func(x, y *atomicSent) int {
		if x.height != y.height {
			return int(x.height - y.height)
		}
		return int(x.index) - int(y.index)
	})
	balances := make([]map[tx.Address]uint64, len(atomicTestRollups))
	puts := make([]map[string]string, len(atomicTestRollups))
	for ri := range balances {
		balances[ri] = map[tx.Address]uint64{}
		for a, b := range geneses[ri].Balances {
			balances[ri][a] = b
		}
		puts[ri] = map[string]string{}
	}
	type legKey struct {
		ri   int
		hash string
	}
	wantCode := map[legKey]kv.Code{}
	outcomes := map[sequencerv1.BundleVerdictState]int{}
	payable := func(ri, sender int, op kv.Op) bool {
		if tr, ok := op.(kv.Transfer); ok {
			return balances[ri][dev(sender)] >= tr.Amount
		}
		return true
	}
	apply := func(ri, sender int, op kv.Op) {
		switch op := op.(type) {
		case kv.Transfer:
			balances[ri][dev(sender)] -= op.Amount
			balances[ri][op.To] += op.Amount
		case kv.Put:
			puts[ri][fmt.Sprintf("%d/%s", sender, op.Key)] = string(op.Value)
		}
	}
	for _, s := range order {
		if !s.bundle {
			it := s.items[0]
			wantCode[legKey{it.ri, s.hash}] = kv.CodeInsufficientBalance
			if payable(it.ri, s.sender, it.op) {
				apply(it.ri, s.sender, it.op)
				wantCode[legKey{it.ri, s.hash}] = kv.CodeOK
			}
			continue
		}
		// The verdict: COMMIT iff every atomic leg succeeds (NONE without
		// atomic legs). Atomic legs apply on COMMIT only; the others apply
		// when they succeed, whatever the verdict.
		allOK, isAtomic := true, false
		for _, it := range s.items {
			if tr, ok := it.op.(kv.Transfer); ok {
				balances[it.ri][tr.To] += 0 // checked even if it stays 0
			}
			if atomicRollup(it.ri) {
				allOK = allOK && payable(it.ri, s.sender, it.op)
				isAtomic = true
			}
		}
		v := none
		if isAtomic {
			v = map[bool]sequencerv1.BundleVerdictState{true: commit, false: abort}[allOK]
		}
		if s.random {
			s.want = v
		} else if v != s.want {
			t.Fatalf("test design: %s modelled as %s, designed as %s", s.label, v, s.want)
		}
		outcomes[v]++
		for i, it := range s.items {
			k := legKey{it.ri, s.hash}
			applied := false
			switch {
			case atomicRollup(it.ri) && v == commit, !atomicRollup(it.ri) && payable(it.ri, s.sender, it.op):
				apply(it.ri, s.sender, it.op)
				wantCode[k] = kv.CodeOK
				applied = true
			case atomicRollup(it.ri):
				wantCode[k] = kv.CodeAborted
			default:
				wantCode[k] = kv.CodeInsufficientBalance
			}
			if !s.random && applied != s.applied[i] {
				t.Fatalf("test design: %s leg %d modelled as applied=%v, designed as %v", s.label, i, applied, s.applied[i])
			}
		}
	}

	t.Logf("bundle verdicts: %d COMMIT, %d ABORT, %d NONE", outcomes[commit], outcomes[abort], outcomes[none])
	var chains []string
	for _, s := range sent {
		if strings.Contains(s.label, "/chain-atomic") {
			chains = append(chains, fmt.Sprintf("%s@%d/%d", s.label, s.height, s.index))
		}
	}
	t.Logf("atomic chains: %s", strings.Join(chains, " "))

	// The chain's record of every bundle (and no record for an ordinary tx).
	for _, s := range sent {
		if !s.bundle {
			h, _ := tx.ParseHash(s.hash)
			if _, err := c0.Query.Bundle(ctx, &sequencerv1.BundleRequest{Hash: h[:]}); status.Code(err) != codes.NotFound {
				t.Errorf("%s: bundle query for an ordinary tx: %v, want NotFound", s.label, err)
			}
			continue
		}
		h, err := tx.ParseHash(s.hash)
		if err != nil {
			t.Fatal(err)
		}
		var st *sequencerv1.BundleResponse
		for {
			if st, err = c0.Query.Bundle(ctx, &sequencerv1.BundleRequest{Hash: h[:]}); err != nil {
				t.Fatalf("%s: bundle query: %v", s.label, err)
			}
			if st.Verdict != sequencerv1.BundleVerdictState_BUNDLE_VERDICT_PENDING {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%s: verdict still pending at height %d", s.label, s.height)
			case <-time.After(50 * time.Millisecond):
			}
		}
		wantVH := int64(0)
		if s.want != none {
			wantVH = s.height + 1
		}
		if st.Verdict != s.want || st.Height != s.height || st.TxIndex != s.index || st.VerdictHeight != wantVH {
			t.Errorf("%s: bundle query says %s at %d/%d decided at %d; want %s at %d/%d decided at %d",
				s.label, st.Verdict, st.Height, st.TxIndex, st.VerdictHeight, s.want, s.height, s.index, wantVH)
		}
		if len(st.Legs) != len(s.items) {
			t.Fatalf("%s: %d legs, want %d", s.label, len(st.Legs), len(s.items))
		}
		for i, l := range st.Legs {
			it := s.items[i]
			if !bytes.Equal(l.RollupId, ids[it.ri][:]) || l.Atomic != atomicRollup(it.ri) {
				t.Errorf("%s leg %d: rollup %X atomic %v, want %s atomic %v", s.label, i, l.RollupId, l.Atomic, atomicTestRollups[it.ri], atomicRollup(it.ri))
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Every instance: the delivered verdicts, the receipts, the balances
	// (each bundle's recipient holds the leg's amount if it applied, and
	// not twice that) and the puts; the twins' roots at every height.
	for _, in := range instances {
		in.stopDriver()
	}
	wantSDK := map[sequencerv1.BundleVerdictState]sdk.Verdict{commit: sdk.VerdictCommit, abort: sdk.VerdictAbort, none: sdk.VerdictNone}
	for _, in := range instances {
		in.log.mu.Lock()
		for _, s := range sent {
			if !s.bundle || !slices.ContainsFunc(s.items, func(it atomicItem) bool { return it.ri == in.ri }) {
				continue
			}
			h, _ := tx.ParseHash(s.hash)
			got, ok := in.log.verdicts[h]
			want := sdk.VerdictNone
			if atomicRollup(in.ri) {
				want = wantSDK[s.want]
			}
			if !ok || got != want {
				t.Errorf("%s (validator %d): %s delivered with verdict %v (%v), want %v", in.name, in.val, s.label, got, ok, want)
			}
		}
		in.log.mu.Unlock()
		for _, s := range sent {
			for _, it := range s.items {
				if it.ri != in.ri {
					continue
				}
				h, _ := tx.ParseHash(s.hash)
				rec, found, err := in.kv.Receipt(h, 0)
				want := wantCode[legKey{in.ri, s.hash}]
				if err != nil || !found || rec.Code != want || rec.Height != s.height {
					t.Errorf("%s (validator %d): %s receipt %v (found %v, %v), want %s at height %d", in.name, in.val, s.label, rec, found, err, want, s.height)
				}
			}
		}
		for addr, want := range balances[in.ri] {
			got, err := in.kv.Balance(addr)
			if err != nil || got != want {
				t.Errorf("%s (validator %d): balance of %s = %d (%v), want %d", in.name, in.val, addr, got, err, want)
			}
		}
		for k, want := range puts[in.ri] {
			var sender int
			var key string
			fmt.Sscanf(k, "%d/%s", &sender, &key)
			v, ok, err := in.kv.Get(dev(sender), []byte(key))
			if err != nil || !ok || string(v) != want {
				t.Errorf("%s: dev%d's %q reads %q (%v, %v), want %q", in.name, sender, key, v, ok, err, want)
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	for ri := range atomicTestRollups {
		a, b := instances[2*ri], instances[2*ri+1]
		for h := int64(1); h <= last; h++ {
			ra, rb := a.log.roots[h], b.log.roots[h]
			if ra == nil || rb == nil || !bytes.Equal(ra, rb) {
				t.Fatalf("%s: instances disagree at height %d (%X vs %X)", atomicTestRollups[ri], h, ra, rb)
			}
		}
	}
	// The restarted instance executed every height exactly once, across
	// both runs, and resumed right after the height it had stopped at.
	for h := int64(1); h <= last; h++ {
		if n := restarted.log.runs[h]; n != 1 {
			t.Errorf("restarted instance executed height %d %d times", h, n)
		}
	}
	var downCommits, downAborts int
	for _, s := range sent {
		if s.bundle && atomicRollup(s.items[0].ri) && s.height > stoppedAt {
			if s.want == commit {
				downCommits++
			} else {
				downAborts++
			}
		}
	}
	if downCommits == 0 || downAborts == 0 {
		t.Errorf("restart covered %d committing and %d aborting bundles; want some of each", downCommits, downAborts)
	}
	t.Logf("restarted instance resumed after height %d; %d committing and %d aborting atomic bundles executed after; twins agree through height %d (%.1fs)",
		stoppedAt, downCommits, downAborts, last, time.Since(start).Seconds())
}
