package inbox

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/cometbft/cometbft/libs/log"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

var (
	// ErrNotFinalized is returned by Messages for a range reaching above
	// the highest finalized L1 block the follower knows (or before it knows
	// any).
	ErrNotFinalized = errors.New("inbox: range not finalized")
	// ErrStopped is returned by Poll and Messages after Stop.
	ErrStopped = errors.New("inbox: follower stopped")
	// errNotPolled is Healthy's error before the first poll completes.
	errNotPolled = errors.New("inbox: endpoint not polled yet")
)

// Follower follows one Ethereum JSON-RPC endpoint: it polls the finalized
// head and reads inbox messages from finalized blocks. Create it with New,
// run the poll loop with Start and release it with Stop. All methods are
// safe for concurrent use.
//
// A Follower survives its endpoint failing: polls and reads return errors
// (never panic), Finalized keeps its value, and it resumes by itself when
// the endpoint answers again.
type Follower struct {
	cfg   Config
	log   log.Logger
	cache *blockCache

	ctx    context.Context // cancelled by Stop
	cancel context.CancelFunc

	clientMu sync.Mutex // guards client, started, stopped
	client   *ethclient.Client
	started  bool
	stopped  bool

	mu        sync.Mutex // guards the poll state below
	finalized uint64
	// readable is the highest L1 block such that every block from
	// StartBlock to it is finalized and has been read (its messages are
	// cached); see ReadableHead.
	readable uint64
	known    bool     // a poll has succeeded: finalized is meaningful
	chainID  *big.Int // pinned chain id, nil until the first good poll
	polled   bool     // a poll has completed (successfully or not)
	healthy  bool
	lastErr  error

	stopOnce sync.Once
	done     chan struct{} // closed when the poll loop exits
}

// New validates cfg and returns a follower that has not polled yet. It
// does not contact the endpoint.
func New(cfg Config) (*Follower, error) {
	if err := cfg.ValidateBasic(); err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = log.NewNopLogger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Follower{
		cfg:    cfg,
		log:    logger,
		cache:  newBlockCache(cfg.CacheBlocks, cfg.CacheBytes),
		ctx:    ctx,
		cancel: cancel,
		done:   make(chan struct{}),
	}, nil
}

// Start starts the poll loop: a poll now, then one every PollInterval,
// until Stop. Later calls, and calls after Stop, do nothing.
func (f *Follower) Start() {
	f.clientMu.Lock()
	defer f.clientMu.Unlock()
	if f.started || f.stopped {
		return
	}
	f.started = true
	go f.loop()
}

// Stop stops the poll loop, waits for it and closes the connection to the
// endpoint. Finalized and Healthy keep their last values; Poll returns
// ErrStopped, and so does Messages when it needs a block it has not cached
// (cached blocks are still served). In-flight requests fail. Stop is
// idempotent.
func (f *Follower) Stop() {
	f.stopOnce.Do(func() {
		f.clientMu.Lock()
		f.stopped = true
		started := f.started
		f.clientMu.Unlock()
		f.cancel()
		if started {
			<-f.done
		}
		f.clientMu.Lock()
		if f.client != nil {
			f.client.Close()
			f.client = nil
		}
		f.clientMu.Unlock()
	})
}

func (f *Follower) loop() {
	defer close(f.done)
	t := time.NewTicker(f.cfg.PollInterval)
	defer t.Stop()
	for {
		if f.Poll(f.ctx) == nil { // recorded for Healthy
			f.prefetch(f.ctx)
		}
		select {
		case <-f.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Finalized is the highest finalized L1 block number the follower has
// seen. It never decreases; it is 0 before the first successful poll (and
// stays 0 if the endpoint was never reachable).
func (f *Follower) Finalized() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.finalized
}

// prefetchBlocks bounds how many finalized blocks one poll reads ahead.
const prefetchBlocks = 256

// ReadableHead is the highest finalized L1 block such that this follower
// has read every block from StartBlock up to it (their messages are
// cached, so Messages over them needs no network). It never decreases, and
// it stops below an L1 block the follower cannot read (an endpoint error,
// a tx type it cannot decode). Validators report it, not Finalized, so the
// L1 origin only covers blocks the reporters can actually serve.
func (f *Follower) ReadableHead() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.readable
}

// prefetch reads, in order, the finalized blocks after the readable head
// (at most prefetchBlocks per call) and advances it.
func (f *Follower) prefetch(ctx context.Context) {
	f.mu.Lock()
	from := max(f.readable+1, f.cfg.StartBlock)
	to := f.finalized
	f.mu.Unlock()
	if to < from {
		return
	}
	to = min(to, from+prefetchBlocks-1)
	if _, err := f.Messages(ctx, from, to); err != nil {
		f.log.Error("inbox: reading finalized L1 blocks", "from", from, "to", to, "err", err)
		return
	}
	f.mu.Lock()
	f.readable = max(f.readable, to)
	f.mu.Unlock()
}

// Healthy reports the result of the last poll: (true, nil) if it
// succeeded, (false, err) if it failed or none has completed yet.
func (f *Follower) Healthy() (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.polled {
		return false, errNotPolled
	}
	return f.healthy, f.lastErr
}

// Poll asks the endpoint for its chain id and finalized head now, updates
// Finalized and Healthy, and returns the poll's error. The poll loop calls
// it; callers that need a fresh head at once may too. A finalized head
// below the known one (a lagging node behind a load balancer, say) is not
// an error but leaves Finalized unchanged.
func (f *Follower) Poll(ctx context.Context) error {
	err := f.poll(ctx)
	f.clientMu.Lock()
	stopped := f.stopped
	f.clientMu.Unlock()
	if stopped {
		return ErrStopped // a poll cut short by Stop says nothing of the endpoint
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.polled && f.healthy != (err == nil) {
		if err != nil {
			f.log.Error("inbox: L1 endpoint unhealthy", "err", err)
		} else {
			f.log.Info("inbox: L1 endpoint healthy again", "finalized", f.finalized)
		}
	}
	f.polled, f.healthy, f.lastErr = true, err == nil, err
	return err
}

func (f *Follower) poll(ctx context.Context) error {
	cl, err := f.getClient(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, f.cfg.RequestTimeout)
	defer cancel()
	var (
		chainID hexutil.Big
		head    *struct {
			Number *hexutil.Big `json:"number"`
		}
	)
	batch := []rpc.BatchElem{
		{Method: "eth_chainId", Result: &chainID},
		{Method: "eth_getBlockByNumber", Args: []any{"finalized", false}, Result: &head},
	}
	if err := cl.Client().BatchCallContext(ctx, batch); err != nil {
		return fmt.Errorf("inbox: polling %s: %w", f.cfg.RPCURL, err)
	}
	for _, b := range batch {
		if b.Error != nil {
			return fmt.Errorf("inbox: polling %s: %s: %w", f.cfg.RPCURL, b.Method, b.Error)
		}
	}
	if head == nil || head.Number == nil {
		return fmt.Errorf("inbox: endpoint %s has no finalized block", f.cfg.RPCURL)
	}
	if !head.Number.ToInt().IsUint64() {
		return fmt.Errorf("inbox: finalized block number %v out of range", head.Number)
	}
	n := head.Number.ToInt().Uint64()
	got := chainID.ToInt()

	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.chainID != nil && f.chainID.Cmp(got) != 0:
		return fmt.Errorf("inbox: endpoint chain id changed from %v to %v", f.chainID, got)
	case f.chainID == nil && f.cfg.ChainID != 0 && (!got.IsUint64() || got.Uint64() != f.cfg.ChainID):
		return fmt.Errorf("inbox: endpoint chain id %v, configured %d", got, f.cfg.ChainID)
	case f.chainID == nil:
		f.chainID = new(big.Int).Set(got)
	}
	if n < f.finalized {
		f.log.Debug("inbox: endpoint finalized head behind the known one", "endpoint", n, "known", f.finalized)
	}
	f.finalized = max(f.finalized, n)
	f.known = true
	return nil
}

// getClient returns the connection to the endpoint, dialling it if needed.
func (f *Follower) getClient(ctx context.Context) (*ethclient.Client, error) {
	f.clientMu.Lock()
	defer f.clientMu.Unlock()
	if f.stopped {
		return nil, ErrStopped
	}
	if f.client != nil {
		return f.client, nil
	}
	ctx, cancel := context.WithTimeout(ctx, f.cfg.RequestTimeout)
	defer cancel()
	cl, err := ethclient.DialContext(ctx, f.cfg.RPCURL)
	if err != nil {
		return nil, fmt.Errorf("inbox: dialling %s: %w", f.cfg.RPCURL, err)
	}
	f.client = cl
	return cl, nil
}

// finalState returns the known finalized head and the pinned chain id;
// ok is false before the first successful poll.
func (f *Follower) finalState() (fin uint64, chainID *big.Int, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.finalized, f.chainID, f.known
}

// window is how many blocks Messages works on at a time, bounding its
// memory whatever the range.
const window = 256

// Messages returns the inbox messages in L1 blocks [max(from, StartBlock),
// to], ordered by (L1Block, TxIndex); nil if there are none. It returns
// ErrNotFinalized (wrapped) when to is above Finalized or no poll has
// succeeded yet, so callers only ever see finalized data. Blocks are
// fetched from the endpoint (FetchParallelism at a time, each request
// bounded by RequestTimeout) unless cached; finalized results never change,
// so they are cached. On any error Messages returns no messages. The
// returned messages share no memory with the follower.
func (f *Follower) Messages(ctx context.Context, from, to uint64) ([]Message, error) {
	fin, chainID, ok := f.finalState()
	if !ok {
		return nil, fmt.Errorf("%w: no finalized L1 head known yet", ErrNotFinalized)
	}
	if to > fin {
		return nil, fmt.Errorf("%w: block %d above finalized head %d", ErrNotFinalized, to, fin)
	}
	lo := max(from, f.cfg.StartBlock)
	if lo > to {
		return nil, nil
	}
	signer := types.LatestSignerForChainID(chainID)
	var (
		out  []Message
		prev *blockResult
	)
	for start := lo; ; start += window {
		end := to
		if to-start >= window {
			end = start + window - 1
		}
		rs, err := f.blocks(ctx, signer, start, end)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if prev != nil && r.parent != prev.hash {
				// The endpoint served blocks of different chains: forget
				// both so a retry refetches them.
				f.cache.remove(prev.number)
				f.cache.remove(r.number)
				return nil, fmt.Errorf("inbox: L1 block %d (parent %s) does not extend block %d (%s): inconsistent endpoint",
					r.number, r.parent, prev.number, prev.hash)
			}
			prev = r
			for _, m := range r.msgs {
				out = append(out, m.clone())
			}
		}
		if end == to {
			return out, nil
		}
	}
}

// blocks returns the results of blocks [start, end] in order, from the
// cache or fetched (and then cached).
func (f *Follower) blocks(ctx context.Context, signer types.Signer, start, end uint64) ([]*blockResult, error) {
	rs := make([]*blockResult, end-start+1)
	var missing []int
	for i := range rs {
		if r, ok := f.cache.get(start + uint64(i)); ok {
			rs[i] = r
		} else {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return rs, nil
	}
	cl, err := f.getClient(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		next     = make(chan int)
	)
	for range min(f.cfg.FetchParallelism, len(missing)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := f.fetchBlock(ctx, cl, signer, start+uint64(i))
				if err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					continue
				}
				f.cache.put(r)
				rs[i] = r
			}
		}()
	}
feed:
	for _, i := range missing {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return rs, nil
}
