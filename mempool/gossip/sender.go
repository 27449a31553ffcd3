package gossip

import (
	"sync"
	"time"

	protomem "github.com/cometbft/cometbft/api/cometbft/mempool/v1"
	"github.com/cometbft/cometbft/p2p"
)

// sender owns one peer's outgoing queue and the goroutine that drains it in
// batches.
type sender struct {
	peer  p2p.Peer
	cfg   Config
	stats *counters

	mu    sync.Mutex // guards queue and bytes
	queue [][]byte
	bytes int

	wake chan struct{}
	done chan struct{}
}

func newSender(peer p2p.Peer, cfg Config, stats *counters) *sender {
	return &sender{
		peer:  peer,
		cfg:   cfg,
		stats: stats,
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
}

// push queues raws for the peer; txs beyond MaxQueueBytes are dropped.
func (s *sender) push(raws [][]byte) {
	if len(raws) == 0 {
		return
	}
	dropped := 0
	s.mu.Lock()
	for _, raw := range raws {
		// A tx too large for one message would make the peer drop the
		// connection: never send it (genesis max_tx_bytes is far below).
		if s.bytes+len(raw) > s.cfg.MaxQueueBytes || len(raw) > s.cfg.MaxMessageBytes-msgOverhead {
			dropped++
			continue
		}
		s.queue = append(s.queue, raw)
		s.bytes += len(raw)
	}
	s.mu.Unlock()
	if dropped > 0 {
		s.stats.dropped.Add(float64(dropped))
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// msgOverhead bounds the protobuf framing of a one-tx message.
const msgOverhead = 64

// take removes the next batch from the queue: at least one tx, then more up
// to MaxBatchBytes and MaxMessageTxs.
func (s *sender) take() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, size := 0, 0
	for n < len(s.queue) && n < s.cfg.MaxMessageTxs && (n == 0 || size+len(s.queue[n]) <= s.cfg.MaxBatchBytes) {
		size += len(s.queue[n])
		n++
	}
	if n == 0 {
		return nil
	}
	batch := s.queue[:n:n]
	s.queue = s.queue[n:]
	s.bytes -= size
	if len(s.queue) == 0 {
		s.queue = nil // let the backing array go
	}
	return batch
}

func (s *sender) stop() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
}

// run sends queued txs until the peer is removed.
func (s *sender) run() {
	linger := time.NewTimer(0)
	<-linger.C
	for {
		select {
		case <-s.wake:
		case <-s.done:
			return
		}
		if s.cfg.Linger > 0 {
			linger.Reset(s.cfg.Linger)
			select {
			case <-linger.C:
			case <-s.done:
				return
			}
		}
		for batch := s.take(); batch != nil; batch = s.take() {
			// Send blocks while the peer's channel queue is full (up to
			// CometBFT's send timeout); a batch it could not queue is lost
			// for this peer only.
			if !s.peer.Send(p2p.Envelope{ChannelID: Channel, Message: &protomem.Txs{Txs: batch}}) {
				s.stats.dropped.Add(float64(len(batch)))
				select {
				case <-s.done:
					return
				default:
				}
				continue
			}
			s.stats.sentBatches.Inc()
		}
	}
}
