package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/rollup-adapters/kv"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// submissions records when each tx was sent, by hash.
type submissions struct {
	mu       sync.Mutex
	at       map[tx.Hash]time.Time
	sent     atomic.Int64
	rejected atomic.Int64
	firstRej atomic.Value // string
}

func newSubmissions() *submissions { return &submissions{at: make(map[tx.Hash]time.Time, 1<<16)} }

// record notes a tx's first submission (a resend keeps the first time, so
// latency counts from the client's first attempt).
func (s *submissions) record(h tx.Hash, t time.Time) {
	s.mu.Lock()
	if _, ok := s.at[h]; !ok {
		s.at[h] = t
	}
	s.mu.Unlock()
	s.sent.Add(1)
}

func (s *submissions) lookup(h tx.Hash) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.at[h]
	return t, ok
}

func (s *submissions) reject(code uint32, log string) {
	s.rejected.Add(1)
	s.firstRej.CompareAndSwap(nil, fmt.Sprintf("code %d: %s", code, log))
}

// pacer spaces one worker's sends so that all workers together send at
// most rate tx/s (no pacing when rate is 0).
type pacer struct {
	interval time.Duration
	next     time.Time
}

func newPacer(rate float64, workers int) *pacer {
	p := &pacer{next: time.Now()}
	if rate > 0 {
		p.interval = time.Duration(float64(time.Second) * float64(workers) / rate)
	}
	return p
}

func (p *pacer) wait(ctx context.Context) bool {
	if p.interval == 0 {
		return ctx.Err() == nil
	}
	p.next = p.next.Add(p.interval)
	if d := time.Until(p.next); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return false
		}
	}
	return ctx.Err() == nil
}

// Ordo codes the load generator reacts to (docs/errors.md).
const (
	futureNonceCode = 6
	mempoolFullCode = 12
	duplicateCode   = 13
	nonceTakenCode  = 16
)

// loadOrdo streams signed rollup-data txs of the given size from each
// signer to a validator's gRPC API (signer i → targets[i % len]), each
// stream with a window of unanswered txs.
// actionFor builds the action of a tx carrying data (unique per tx) of
// about the given payload size.
type actionFor func(data []byte) *txv1.Action

// plainAction puts the data in one RollupData action.
func plainAction(rollup tx.RollupID) actionFor {
	return func(data []byte) *txv1.Action { return client.RollupData(rollup, data) }
}

// atomicBundleAction makes a bundle of two kv Puts, one per rollup, each
// storing half of the data under an 8-byte key.
func atomicBundleAction(a, b tx.RollupID) actionFor {
	return func(data []byte) *txv1.Action {
		half := min(max(len(data)/2-80, 0), kv.MaxValueLen) // two rollup ids, op headers and framing
		put := func(v []byte) []byte {
			op, err := kv.EncodeOp(kv.Put{Key: []byte("bench-k1"), Value: v})
			if err != nil {
				panic(err) // unreachable: key and value lengths are within kv's bounds
			}
			return op
		}
		return client.Bundle(
			&txv1.RollupData{RollupId: a[:], Data: put(data[:half])},
			&txv1.RollupData{RollupId: b[:], Data: put(data[len(data)-half:])})
	}
}

func loadOrdo(ctx context.Context, targets []string, signers []client.Signer, action actionFor, size int, rate float64, subs *submissions) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(signers))
	for i, s := range signers {
		wg.Add(1)
		go func(i int, s client.Signer) {
			defer wg.Done()
			if err := streamOrdo(ctx, targets[i%len(targets)], s, action, size, newPacer(rate, len(signers)), subs); err != nil && ctx.Err() == nil {
				errs <- err
			}
		}(i, s)
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func streamOrdo(ctx context.Context, target string, s client.Signer, action actionFor, size int, p *pacer, subs *submissions) error {
	const window = 256
	c, err := client.Dial(target)
	if err != nil {
		return err
	}
	defer c.Close()
	nonce, err := c.NextNonce(ctx, s.Address())
	if err != nil {
		return err
	}
	st, err := c.Submit.SubmitTxStream(ctx)
	if err != nil {
		return err
	}
	// The stream answers in send order. When a tx is refused because the
	// node is busy (code 12) or its nonce runs too far ahead of a refused
	// one (code 6), the sender goes back to the lowest refused nonce and
	// resends from there (go-back-N), as a real client must: a dropped
	// nonce would park every later tx of the account. Resent txs that had
	// been accepted come back as duplicates (13) or taken nonces (16).
	var (
		mu       sync.Mutex
		inflight []uint64
		rewind   = uint64(1<<64 - 1)
	)
	sem := make(chan struct{}, window)
	go func() {
		for {
			r, err := st.Recv()
			if err != nil {
				return
			}
			mu.Lock()
			n := inflight[0]
			inflight = inflight[1:]
			switch r.Code {
			case 0, duplicateCode, nonceTakenCode:
			case mempoolFullCode, futureNonceCode:
				rewind = min(rewind, n)
				subs.reject(r.Code, r.Log)
			default:
				subs.reject(r.Code, r.Log)
			}
			mu.Unlock()
			<-sem
		}
	}()
	payload := max(size-150, 1) // envelope, key, signature, fee and framing
	data := make([]byte, payload)
	for p.wait(ctx) {
		mu.Lock()
		back := rewind != 1<<64-1
		if back {
			nonce, rewind = min(nonce, rewind), 1<<64-1
		}
		mu.Unlock()
		if back && !sleepOK(ctx, 20*time.Millisecond) {
			return nil
		}
		copy(data, fmt.Sprintf("%s/%d/", s.Address(), nonce))
		raw, err := s.Sign(nonce, action(data))
		if err != nil {
			return err
		}
		subs.record(tx.HashOf(raw), time.Now())
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		mu.Lock()
		inflight = append(inflight, nonce)
		mu.Unlock()
		if err := st.Send(&sequencerv1.SubmitTxRequest{Tx: raw}); err != nil {
			return err
		}
		nonce++
	}
	_ = st.CloseSend()
	return nil
}

func sleepOK(ctx context.Context, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}

// loadKVStore sends "key=value" txs of the given size through CometBFT's
// broadcast_tx_sync from `workers` concurrent clients spread over the nodes.
func loadKVStore(ctx context.Context, rpcAddrs []string, workers, size int, rate float64, subs *submissions) error {
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c, err := rpchttp.New(rpcAddrs[w%len(rpcAddrs)])
			if err != nil {
				errs <- err
				return
			}
			p := newPacer(rate, workers)
			for n := 0; p.wait(ctx); n++ {
				key := fmt.Sprintf("w%d-%d=", w, n)
				raw := make([]byte, max(size, len(key)+1))
				copy(raw, key)
				for i := len(key); i < len(raw); i++ {
					raw[i] = 'v'
				}
				subs.record(tx.HashOf(raw), time.Now())
				res, err := c.BroadcastTxSync(ctx, raw)
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					subs.reject(0, err.Error())
					time.Sleep(50 * time.Millisecond) // typically "mempool is full"
					continue
				}
				if res.Code != 0 {
					subs.reject(res.Code, res.Log)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	return <-errs
}
