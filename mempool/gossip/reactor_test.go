package gossip

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// fakePool is an Admitter standing in for the app in these unit tests: a
// tx whose bytes start with "bad" has an invalid signature, "low" pays too
// little, anything else is admitted once (then it is a duplicate).
type fakePool struct {
	mu       sync.Mutex
	admitted [][]byte
	seen     map[string]int // admission attempts per tx
	batches  int
}

func newFakePool() *fakePool { return &fakePool{seen: map[string]int{}} }

func (p *fakePool) AdmitBatch(raws [][]byte) []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.batches++
	errs := make([]error, len(raws))
	for i, raw := range raws {
		p.seen[string(raw)]++
		switch {
		case bytes.HasPrefix(raw, []byte("bad")):
			errs[i] = tx.Errorf(tx.ErrInvalidSignature, "fake")
		case bytes.HasPrefix(raw, []byte("junk")):
			errs[i] = tx.Errorf(tx.ErrDecode, "fake")
		case bytes.HasPrefix(raw, []byte("low")):
			errs[i] = tx.Errorf(tx.ErrInsufficientFee, "fake")
		case p.seen[string(raw)] > 1 && p.has(raw):
			errs[i] = tx.Errorf(tx.ErrDuplicate, "fake")
		default:
			p.admitted = append(p.admitted, raw)
		}
	}
	return errs
}

func (p *fakePool) has(raw []byte) bool {
	for _, a := range p.admitted {
		if bytes.Equal(a, raw) {
			return true
		}
	}
	return false
}

func (p *fakePool) pending() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]byte(nil), p.admitted...)
}

func (p *fakePool) count(raw []byte) (attempts int, admitted bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[string(raw)], p.has(raw)
}

func (p *fakePool) numBatches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.batches
}

func (p *fakePool) numAdmitted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.admitted)
}

type testNet struct {
	switches []*p2p.Switch
	reactors []*Reactor
	pools    []*fakePool
}

// newTestNet starts n switches with a gossip reactor each, connected by
// connect (p2p.Connect2Switches for a full mesh); preload fills pools
// before any peer connects.
func newTestNet(t *testing.T, n int, connect func([]*p2p.Switch, int, int), preload map[int][][]byte) *testNet {
	t.Helper()
	return newTestNetWith(t, func(int) Config { return DefaultConfig() }, n, connect, preload)
}

// newTestNetWith is newTestNet with node i's reactor configured by cfgOf(i).
func newTestNetWith(t *testing.T, cfgOf func(i int) Config, n int, connect func([]*p2p.Switch, int, int), preload map[int][][]byte) *testNet {
	t.Helper()
	tn := &testNet{}
	p2pCfg := cmtcfg.DefaultP2PConfig()
	switches := p2p.MakeSwitches(p2pCfg, n, func(i int, sw *p2p.Switch) *p2p.Switch {
		pool := newFakePool()
		pool.admitted = append(pool.admitted, preload[i]...)
		r := NewReactor(cfgOf(i), pool, pool.pending)
		tn.pools = append(tn.pools, pool)
		tn.reactors = append(tn.reactors, r)
		sw.AddReactor("ORDO_GOSSIP", r)
		return sw
	})
	tn.switches = p2p.StartAndConnectSwitches(switches, connect)
	t.Cleanup(func() {
		for _, sw := range tn.switches {
			_ = sw.Stop()
		}
	})
	return tn
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func txs(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(fmt.Sprintf("%s-%04d", prefix, i))
	}
	return out
}

// TestSubmittedTxsReachEveryPeerInBatches: txs submitted to one node of a
// 4-node mesh are admitted by every node; each node admits each tx once,
// nobody offers a node a tx it sent itself more than the mesh requires,
// and the txs travel in batches (far fewer admission calls than txs).
func TestSubmittedTxsReachEveryPeerInBatches(t *testing.T) {
	tn := newTestNet(t, 4, p2p.Connect2Switches, nil)
	sent := txs("tx", 300)
	ctx := context.Background()
	for i := 0; i < len(sent); i += 50 {
		errs, err := tn.reactors[0].Submit(ctx, sent[i:i+50])
		if err != nil {
			t.Fatal(err)
		}
		for k, e := range errs {
			if e != nil {
				t.Fatalf("submit %s: %v", sent[i+k], e)
			}
		}
	}
	for i, pool := range tn.pools {
		waitFor(t, fmt.Sprintf("node %d to admit every tx", i), func() bool { return pool.numAdmitted() == len(sent) })
	}
	for i, pool := range tn.pools {
		for _, raw := range sent {
			attempts, ok := pool.count(raw)
			if !ok {
				t.Fatalf("node %d never admitted %s", i, raw)
			}
			// Node 0 submitted it; each other node can receive it from
			// node 0 and from the two other relaying nodes, at most.
			if attempts > 3 {
				t.Fatalf("node %d was offered %s %d times", i, raw, attempts)
			}
		}
		if b := pool.numBatches(); b >= len(sent) {
			t.Fatalf("node %d ran %d admission batches for %d txs: no batching", i, b, len(sent))
		}
	}
}

// TestRelayedAlongALineNeverBack: on a line 0-1-2, a tx submitted at 0
// reaches 2 through 1, and no node sends it back to the peer it came
// from: node 0 is never offered its own tx.
func TestRelayedAlongALineNeverBack(t *testing.T) {
	line := func(sws []*p2p.Switch, i, j int) {
		if j == i+1 {
			p2p.Connect2Switches(sws, i, j)
		}
	}
	tn := newTestNet(t, 3, line, nil)
	sent := txs("line", 20)
	if _, err := tn.reactors[0].Submit(context.Background(), sent); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "node 2 to admit every tx", func() bool { return tn.pools[2].numAdmitted() == len(sent) })
	time.Sleep(100 * time.Millisecond) // room for any wrong echo to arrive
	for _, raw := range sent {
		if attempts, _ := tn.pools[0].count(raw); attempts != 1 {
			t.Fatalf("node 0 was offered its own tx %s %d times, want only its submission", raw, attempts)
		}
		if attempts, _ := tn.pools[2].count(raw); attempts != 1 {
			t.Fatalf("node 2 was offered %s %d times, want 1", raw, attempts)
		}
	}
}

// TestRefusedTxsAreNotRelayed: a tx the submitting node refuses gets its
// verdict back and never reaches a peer.
func TestRefusedTxsAreNotRelayed(t *testing.T) {
	tn := newTestNet(t, 2, p2p.Connect2Switches, nil)
	batch := [][]byte{[]byte("low-fee"), []byte("ok-1"), []byte("bad-sig"), []byte("ok-2")}
	errs, err := tn.reactors[0].Submit(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint32{tx.ErrInsufficientFee.Code, 0, tx.ErrInvalidSignature.Code, 0}
	for i := range batch {
		if tx.CodeOf(errs[i]) != want[i] {
			t.Fatalf("tx %s: %v, want code %d", batch[i], errs[i], want[i])
		}
	}
	waitFor(t, "node 1 to admit the good txs", func() bool { return tn.pools[1].numAdmitted() == 2 })
	time.Sleep(100 * time.Millisecond)
	for _, raw := range [][]byte{batch[0], batch[2]} {
		if attempts, _ := tn.pools[1].count(raw); attempts != 0 {
			t.Fatalf("refused tx %s reached the peer", raw)
		}
	}
	// A local submitter's invalid signature does not disconnect anyone.
	if tn.switches[0].Peers().Size() != 1 {
		t.Fatal("node 0 lost its peer")
	}
}

// TestNewPeerReceivesThePendingPool: a node that connects is sent the
// txs its peer already holds.
func TestNewPeerReceivesThePendingPool(t *testing.T) {
	held := txs("held", 40)
	tn := newTestNet(t, 2, p2p.Connect2Switches, map[int][][]byte{0: held})
	waitFor(t, "node 1 to receive node 0's pool", func() bool { return tn.pools[1].numAdmitted() == len(held) })
	for _, raw := range held {
		if _, ok := tn.pools[1].count(raw); !ok {
			t.Fatalf("node 1 is missing %s", raw)
		}
	}
}

// TestPeerRelayingInvalidTxIsDisconnected: honest nodes relay only txs
// they admitted, so a peer that relays a tx failing a stateless check (an
// invalid signature, bytes that do not decode) is dropped. Node 0's pool
// here admits anything (a byzantine node).
func TestPeerRelayingInvalidTxIsDisconnected(t *testing.T) {
	for _, raw := range []string{"bad-relayed", "junk-relayed"} {
		t.Run(raw, func(t *testing.T) {
			tn := newTestNet(t, 2, p2p.Connect2Switches, map[int][][]byte{0: {[]byte(raw)}})
			waitFor(t, "node 1 to drop node 0", func() bool { return tn.switches[1].Peers().Size() == 0 })
			if attempts, admitted := tn.pools[1].count([]byte(raw)); attempts != 1 || admitted {
				t.Fatalf("node 1: %d attempts, admitted %v", attempts, admitted)
			}
		})
	}
}

// TestPeerOverMessageBoundsIsDisconnected: a message with more txs than
// the receiver's MaxMessageTxs costs its sender (here a node configured to
// send 11 at once) the connection before any is admitted.
func TestPeerOverMessageBoundsIsDisconnected(t *testing.T) {
	many := txs("many", 11)
	tn := newTestNetWith(t, func(i int) Config {
		cfg := DefaultConfig()
		cfg.MaxMessageTxs = 10 + 10*(1-i) // node 0 sends up to 20, node 1 takes 10
		return cfg
	}, 2, p2p.Connect2Switches, map[int][][]byte{0: many})
	waitFor(t, "node 1 to drop node 0", func() bool { return tn.switches[1].Peers().Size() == 0 })
	if n := tn.pools[1].numAdmitted(); n != 0 {
		t.Fatalf("node 1 admitted %d txs from an oversized message", n)
	}
}

// TestSenderQueueBounded: txs beyond a peer's queue bound are dropped,
// never queued without limit.
func TestSenderQueueBounded(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxQueueBytes = 100
	s := newSender(nil, cfg, sharedCounters())
	s.push(txs("q", 20)) // 6 bytes each: 16 fit
	if s.bytes > cfg.MaxQueueBytes || len(s.queue) != 16 {
		t.Fatalf("queue holds %d txs, %d bytes (bound %d)", len(s.queue), s.bytes, cfg.MaxQueueBytes)
	}
	cfg.MaxBatchBytes = 30
	s.cfg = cfg
	if b := s.take(); len(b) != 5 {
		t.Fatalf("batch of %d txs, want 5 (30 bytes)", len(b))
	}
	if len(s.queue) != 11 || s.bytes != 66 {
		t.Fatalf("after take: %d txs, %d bytes", len(s.queue), s.bytes)
	}
	cfg.MaxMessageTxs = 3
	s.cfg = cfg
	if b := s.take(); len(b) != 3 {
		t.Fatalf("batch of %d txs, want 3 (MaxMessageTxs)", len(b))
	}
	cfg.MaxMessageBytes = msgOverhead + 5
	s.cfg = cfg
	before := len(s.queue)
	s.push([][]byte{[]byte("123456")}) // one byte over what a message can carry
	if len(s.queue) != before {
		t.Fatal("a tx too large for a message was queued")
	}
}
