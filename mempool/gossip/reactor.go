package gossip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	protomem "github.com/cometbft/cometbft/api/cometbft/mempool/v1"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/p2p/conn"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// Channel is the p2p channel Ordo's gossip uses. CometBFT's own reactors use
// 0x00 (pex), 0x20-0x23 (consensus), 0x30 (mempool), 0x38 (evidence), 0x40
// (blocksync) and 0x60-0x61 (statesync).
const Channel = byte(0x70)

// Admitter admits a batch of raw txs to the node's pool and returns one
// result per tx, in order: nil when admitted, an error wrapping
// tx.ErrDuplicate when the pool already held it, or the rejection.
type Admitter interface {
	AdmitBatch(raws [][]byte) []error
}

// Config tunes the reactor. DefaultConfig gives working values.
type Config struct {
	// MaxBatchBytes is the largest batch sent to a peer in one message
	// (a single larger tx is sent alone).
	MaxBatchBytes int
	// Linger is how long a peer's sender waits after the first queued tx
	// so more can join its batch.
	Linger time.Duration
	// MaxQueueBytes bounds the txs waiting to be sent to one peer.
	MaxQueueBytes int
	// MaxAdmitTxs is the most txs the admission worker checks at once.
	MaxAdmitTxs int
	// AdmitLinger is how long the admission worker waits after the first
	// job for more to join the batch (it stops waiting at MaxAdmitTxs).
	// Batch signature checks cost about half as much per signature.
	AdmitLinger time.Duration
	// MaxMessageBytes is the largest gossip message accepted from a peer;
	// it must exceed MaxBatchBytes and the chain's largest tx (a tx larger
	// than MaxBatchBytes travels alone).
	MaxMessageBytes int
	// MaxMessageTxs is the most txs one message may carry; a peer that
	// sends more is disconnected.
	MaxMessageTxs int
	// MaxPeerInflight is how many of one peer's messages may wait for or
	// be in admission at once.
	MaxPeerInflight int
}

// DefaultConfig returns the values a node uses.
func DefaultConfig() Config {
	return Config{
		MaxBatchBytes:   256 << 10,
		Linger:          5 * time.Millisecond,
		MaxQueueBytes:   64 << 20,
		MaxAdmitTxs:     2048,
		AdmitLinger:     3 * time.Millisecond,
		MaxMessageBytes: 4 << 20,
		MaxMessageTxs:   8192,
		MaxPeerInflight: 4,
	}
}

// Reactor relays pending txs to peers and admits the txs peers send. It is
// safe for concurrent use.
type Reactor struct {
	p2p.BaseReactor

	cfg     Config
	admit   Admitter
	pending func() [][]byte

	work chan job
	quit chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	peers    map[p2p.ID]*sender
	inflight map[p2p.ID]chan struct{} // admission slots per peer

	stats *counters
}

// job is one unit of admission work: a peer's batch or a local submission.
type job struct {
	raws  [][]byte
	src   p2p.Peer     // nil for local submissions
	reply chan []error // local submissions: receives the results
	done  func()       // peers' batches: frees the peer's admission slot
}

// NewReactor returns a reactor that admits through admit and sends each new
// peer the txs pending() returns (the node's whole pool, in arrival order).
func NewReactor(cfg Config, admit Admitter, pending func() [][]byte) *Reactor {
	r := &Reactor{
		cfg:      cfg,
		admit:    admit,
		pending:  pending,
		work:     make(chan job, 256),
		quit:     make(chan struct{}),
		peers:    make(map[p2p.ID]*sender),
		inflight: make(map[p2p.ID]chan struct{}),
		stats:    sharedCounters(),
	}
	r.BaseReactor = *p2p.NewBaseReactor("OrdoGossip", r)
	return r
}

// OnStart starts the admission worker.
func (r *Reactor) OnStart() error {
	r.wg.Add(1)
	go r.admitLoop()
	return nil
}

// OnStop stops the admission worker and every peer's sender.
func (r *Reactor) OnStop() {
	r.mu.Lock()
	close(r.quit)
	for id, s := range r.peers {
		s.stop()
		delete(r.peers, id)
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// GetChannels implements p2p.Reactor.
func (r *Reactor) GetChannels() []*conn.ChannelDescriptor {
	return []*conn.ChannelDescriptor{{
		ID:                  Channel,
		Priority:            5,
		SendQueueCapacity:   16,
		RecvMessageCapacity: r.cfg.MaxMessageBytes,
		MessageType:         &protomem.Message{},
	}}
}

// AddPeer implements p2p.Reactor: it starts the peer's sender and queues the
// whole pending pool for it.
func (r *Reactor) AddPeer(peer p2p.Peer) {
	if !hasChannel(peer, Channel) {
		return // a node without Ordo's gossip (mempool.gossip = "cometbft")
	}
	s := newSender(peer, r.cfg, r.stats)
	r.mu.Lock()
	select {
	case <-r.quit: // stopping: OnStop already stopped every sender
		r.mu.Unlock()
		return
	default:
	}
	if old, ok := r.peers[peer.ID()]; ok {
		old.stop()
	}
	r.peers[peer.ID()] = s
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		s.run()
	}()
	s.push(r.pending())
}

// RemovePeer implements p2p.Reactor.
func (r *Reactor) RemovePeer(peer p2p.Peer, _ any) {
	r.mu.Lock()
	if s, ok := r.peers[peer.ID()]; ok && s.peer == peer {
		s.stop()
		delete(r.peers, peer.ID())
	}
	delete(r.inflight, peer.ID())
	r.mu.Unlock()
}

// Receive implements p2p.Reactor: a peer's batch is queued for admission
// with whatever else is waiting. Each peer has at most
// Config.MaxPeerInflight batches (each ≤ MaxMessageBytes) queued or being
// admitted; beyond that Receive waits, which slows that peer's connection
// down rather than letting its txs pile up in memory. A peer that breaks
// the message bounds is disconnected.
func (r *Reactor) Receive(e p2p.Envelope) {
	msg, ok := e.Message.(*protomem.Txs)
	if !ok {
		r.Switch.StopPeerForError(e.Src, fmt.Errorf("ordo gossip: unexpected message %T", e.Message))
		return
	}
	if len(msg.Txs) > r.cfg.MaxMessageTxs {
		r.Switch.StopPeerForError(e.Src, fmt.Errorf("ordo gossip: %d txs in one message, limit %d", len(msg.Txs), r.cfg.MaxMessageTxs))
		return
	}
	if len(msg.Txs) == 0 {
		return
	}
	r.stats.received.Add(float64(len(msg.Txs)))
	slots := r.slotsOf(e.Src)
	select {
	case slots <- struct{}{}:
	case <-r.quit:
		return
	}
	select {
	case r.work <- job{raws: msg.Txs, src: e.Src, done: func() { <-slots }}:
	case <-r.quit:
	}
}

// slotsOf returns peer's admission slots (a semaphore of MaxPeerInflight).
func (r *Reactor) slotsOf(peer p2p.Peer) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.inflight[peer.ID()]
	if !ok {
		s = make(chan struct{}, r.cfg.MaxPeerInflight)
		r.inflight[peer.ID()] = s
	}
	return s
}

// hasChannel reports whether peer announced channel ch.
func hasChannel(peer p2p.Peer, ch byte) bool {
	info, ok := peer.NodeInfo().(p2p.DefaultNodeInfo)
	return !ok || bytes.IndexByte(info.Channels, ch) >= 0
}

// ErrStopped is returned by Submit when the reactor is not running.
var ErrStopped = errors.New("ordo gossip is stopped")

// Submit admits txs submitted to this node (they join the admission batch
// with whatever else is waiting) and relays the admitted ones to every
// peer. It returns one result per tx, as Admitter does.
func (r *Reactor) Submit(ctx context.Context, raws [][]byte) ([]error, error) {
	reply := make(chan []error, 1)
	select {
	case r.work <- job{raws: raws, reply: reply}:
	case <-r.quit:
		return nil, ErrStopped
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case errs := <-reply:
		return errs, nil
	case <-r.quit:
		return nil, ErrStopped
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Relay sends a tx the node admitted by other means (CometBFT's RPC and
// CheckTx) to every peer.
func (r *Reactor) Relay(raw []byte) { r.broadcast([][]byte{raw}, nil) }

// admitLoop is the admission worker: it takes every job waiting, up to
// MaxAdmitTxs txs, admits them in one batch, answers local submitters and
// relays what was admitted.
func (r *Reactor) admitLoop() {
	defer r.wg.Done()
	var batch []job
	var raws [][]byte
	linger := time.NewTimer(0)
	<-linger.C
	for {
		batch, raws = batch[:0], raws[:0]
		select {
		case j := <-r.work:
			batch, raws = append(batch, j), append(raws, j.raws...)
		case <-r.quit:
			return
		}
		linger.Reset(r.cfg.AdmitLinger)
	gather:
		for len(raws) < r.cfg.MaxAdmitTxs {
			select {
			case j := <-r.work:
				batch, raws = append(batch, j), append(raws, j.raws...)
			case <-linger.C:
				break gather
			case <-r.quit:
				return
			}
		}
		if !linger.Stop() {
			select {
			case <-linger.C:
			default:
			}
		}
		errs := r.admit.AdmitBatch(raws)
		if len(errs) != len(raws) {
			r.Logger.Error("admission returned the wrong number of results; refusing the batch", "txs", len(raws), "results", len(errs))
			errs = make([]error, len(raws))
			for i := range errs {
				errs[i] = tx.Errorf(tx.ErrInternal, "admission failed")
			}
		}
		r.stats.admitBatch.Observe(float64(len(raws)))
		off := 0
		for _, j := range batch {
			res := errs[off : off+len(j.raws) : off+len(j.raws)]
			off += len(j.raws)
			r.settle(j, res)
		}
	}
}

// settle relays a job's admitted txs and answers its submitter. A peer
// that relayed a tx failing a stateless check is disconnected: honest nodes
// relay only txs they admitted, and these checks give the same answer on
// every node of the chain.
func (r *Reactor) settle(j job, errs []error) {
	var fresh [][]byte
	var misbehaved error
	for k, err := range errs {
		switch code := tx.CodeOf(err); {
		case err == nil:
			fresh = append(fresh, j.raws[k])
		case code == tx.ErrDuplicate.Code:
		default:
			r.stats.rejected.Inc()
			if misbehaved == nil && statelessFailure(code) {
				misbehaved = fmt.Errorf("ordo gossip: peer relayed an invalid tx: %w", err)
			}
		}
	}
	r.stats.admitted.Add(float64(len(fresh)))
	r.broadcast(fresh, j.src)
	if j.reply != nil {
		j.reply <- errs
	}
	if j.done != nil {
		j.done()
	}
	if misbehaved != nil && j.src != nil && r.Switch != nil {
		r.Switch.StopPeerForError(j.src, misbehaved)
	}
}

// statelessFailure reports rejection codes that depend only on the tx bytes
// and the genesis (never on state or on this node's pool).
func statelessFailure(code uint32) bool {
	switch code {
	case tx.ErrDecode.Code, tx.ErrTooLarge.Code, tx.ErrWrongChainID.Code, tx.ErrInvalidSignature.Code:
		return true
	}
	return false
}

// broadcast queues raws for every peer except src.
func (r *Reactor) broadcast(raws [][]byte, src p2p.Peer) {
	if len(raws) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.peers {
		if src == nil || s.peer.ID() != src.ID() {
			s.push(raws)
		}
	}
}
