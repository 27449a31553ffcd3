package bench

import (
	"context"
	"sort"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/ordolabs/ordo/consensus"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// blockObs is one committed block as the bench saw it.
type blockObs struct {
	Height    int64
	Seen      time.Time // when the bench first saw it committed
	Txs       int       // user txs
	Bytes     int64     // user tx bytes
	ExtBytes  int       // size of the vote-extension system tx (Ordo)
	Latencies []time.Duration
}

// observer polls one node's CometBFT RPC for new blocks and matches their
// txs with submission times: submit→soft latency as a client sees it
// (polling adds at most one poll interval).
type observer struct {
	c      *rpchttp.HTTP
	subs   *submissions
	blocks []blockObs
	next   int64

	// firmFn reads the DA firm height (nil: no DA). firmSeen records when
	// each height was first seen firm; lag samples tip - firm at each poll.
	firmFn   func(ctx context.Context) (int64, error)
	firm     int64
	firmSeen map[int64]time.Time
	lag      []lagSample
}

type lagSample struct {
	at     time.Time
	blocks int64
}

func newObserver(rpcAddr string, subs *submissions) (*observer, error) {
	c, err := rpchttp.New(rpcAddr)
	if err != nil {
		return nil, err
	}
	return &observer{c: c, subs: subs}, nil
}

// start sets the first height to watch: the one after the current tip.
func (o *observer) start(ctx context.Context) error {
	st, err := o.c.Status(ctx)
	if err != nil {
		return err
	}
	o.next = st.SyncInfo.LatestBlockHeight + 1
	return nil
}

// poll records every block committed since the last call.
func (o *observer) poll(ctx context.Context) error {
	st, err := o.c.Status(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	for ; o.next <= st.SyncInfo.LatestBlockHeight; o.next++ {
		h := o.next
		b, err := o.c.Block(ctx, &h)
		if err != nil {
			return err
		}
		obs := blockObs{Height: h, Seen: now}
		for _, raw := range b.Block.Txs {
			if consensus.IsSystemTx(raw) {
				obs.ExtBytes = len(raw)
				continue
			}
			obs.Txs++
			obs.Bytes += int64(len(raw))
			if t, ok := o.subs.lookup(tx.HashOf(raw)); ok {
				obs.Latencies = append(obs.Latencies, now.Sub(t))
			}
		}
		o.blocks = append(o.blocks, obs)
	}
	if o.firmFn != nil {
		firm, err := o.firmFn(ctx)
		if err != nil {
			return err
		}
		// The firm height is read after this poll's blocks were fetched,
		// so it may already cover heights the bench has not seen yet:
		// count a height firm only once its block was seen, or firm
		// latency would come out below soft latency and the lag negative.
		firm = min(firm, o.next-1)
		if o.firmSeen == nil {
			o.firmSeen = make(map[int64]time.Time)
		}
		for h := o.firm + 1; h <= firm; h++ {
			o.firmSeen[h] = now
		}
		o.firm = max(o.firm, firm)
		o.lag = append(o.lag, lagSample{at: now, blocks: st.SyncInfo.LatestBlockHeight - o.firm})
	}
	return nil
}

// summarizeDA adds submit→firm latency and DA lag to res: a tx's firm
// latency is its soft latency plus the time between the bench seeing its
// block committed and seeing it firm. Blocks not yet firm when the run
// ends are not counted.
func (o *observer) summarizeDA(res *RunResult, start time.Time, elapsed time.Duration) {
	if o.firmFn == nil {
		res.FirmNote = "no DA posting"
		return
	}
	var lat []time.Duration
	for _, b := range o.blocks {
		if b.Seen.After(start.Add(elapsed)) {
			continue
		}
		firmAt, ok := o.firmSeen[b.Height]
		if !ok {
			continue
		}
		for _, l := range b.Latencies {
			lat = append(lat, l+firmAt.Sub(b.Seen))
		}
	}
	res.FirmLatencyP50Ms, res.FirmLatencyP99Ms = percentileMs(lat, 50), percentileMs(lat, 99)
	var lags []int64
	for _, s := range o.lag {
		if !s.at.Before(start) && !s.at.After(start.Add(elapsed)) {
			lags = append(lags, s.blocks)
		}
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	if len(lags) > 0 {
		res.DALagBlocksP50, res.DALagBlocksMax = lags[len(lags)/2], lags[len(lags)-1]
	}
}
