package bench

import (
	"context"
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
	return nil
}
