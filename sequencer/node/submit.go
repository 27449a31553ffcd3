package node

import (
	"context"
	"errors"

	cmtmempool "github.com/cometbft/cometbft/mempool"

	"github.com/ordolabs/ordo/consensus"
	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/mempool/gossip"
	"github.com/ordolabs/ordo/sequencer/api"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// gossipSubmitter submits through Ordo's gossip: the tx joins the next
// admission batch (peers' txs and other submissions, signatures checked
// together) and, once admitted, is relayed to every peer.
//
// New submissions are refused once the pool holds maxLocal txs, below its
// capacity: the headroom is kept for txs gossiped from peers, which fair
// ordering needs (a tx is eligible only once validators holding more than
// 1/3 of the power report it).
type gossipSubmitter struct {
	gossip   *gossip.Reactor
	app      *consensus.App
	pool     *mempool.Pool
	maxLocal int
}

// SubmitBatch implements api.Submitter. Txs beyond the room left below
// maxLocal are refused as busy; the rest are admitted together.
func (s gossipSubmitter) SubmitBatch(ctx context.Context, raws [][]byte) ([]api.Verdict, error) {
	out := make([]api.Verdict, len(raws))
	take := len(raws)
	if s.maxLocal > 0 {
		n, _ := s.pool.Len()
		take = min(take, max(s.maxLocal-n, 0))
		if take < len(raws) {
			busy := busyLog("pool", n, s.maxLocal)
			for i := take; i < len(raws); i++ {
				out[i] = api.Verdict{Code: tx.ErrMempoolFull.Code, Log: busy}
			}
		}
	}
	if take == 0 {
		return out, nil
	}
	errs, err := s.gossip.Submit(ctx, raws[:take])
	if err != nil {
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			s.app.RecordRejection(raws[i], err)
			out[i] = api.Verdict{Code: tx.CodeOf(err), Log: err.Error()}
		}
	}
	return out, nil
}

// busyLog is the reason given for a submission refused because the node's
// pool (or CometBFT's mempool) holds n txs, at or above maxLocal.
func busyLog(what string, n, maxLocal int) string {
	return tx.Errorf(tx.ErrMempoolFull,
		"node busy: its %s holds %d txs and takes new submissions below %d (the rest is kept for peers' gossip); retry shortly or submit to another validator",
		what, n, maxLocal).Error()
}

// pendingTxs lists the pool's txs in arrival order, for a newly connected
// peer.
func pendingTxs(pool *mempool.Pool) func() [][]byte {
	return func() [][]byte {
		entries := pool.Snapshot()
		out := make([][]byte, len(entries))
		for i, e := range entries {
			out[i] = e.Tx.Raw
		}
		return out
	}
}

// mempoolSubmitter submits through CometBFT's mempool, which runs CheckTx
// and gossips accepted txs to peers.
//
// New submissions are refused once the mempool holds maxLocal txs, below
// its full size: the headroom is kept for txs gossiped from peers. Under
// overload clients are pushed back while every tx already admitted
// somewhere still reaches the other validators — which fair ordering
// needs, since a tx is eligible only once validators holding more than 1/3
// of the power report it.
type mempoolSubmitter struct {
	mp       cmtmempool.Mempool
	maxLocal int
}

// SubmitBatch implements api.Submitter: one CheckTx per tx.
func (s mempoolSubmitter) SubmitBatch(ctx context.Context, raws [][]byte) ([]api.Verdict, error) {
	out := make([]api.Verdict, len(raws))
	for i, raw := range raws {
		code, log, err := s.submit(ctx, raw)
		if err != nil {
			return nil, err
		}
		out[i] = api.Verdict{Code: code, Log: log}
	}
	return out, nil
}

func (s mempoolSubmitter) submit(ctx context.Context, raw []byte) (uint32, string, error) {
	if n := s.mp.Size(); s.maxLocal > 0 && n >= s.maxLocal {
		return tx.ErrMempoolFull.Code, busyLog("mempool", n, s.maxLocal), nil
	}
	reqRes, err := s.mp.CheckTx(raw, "")
	if err != nil {
		return mempoolVerdict(err, raw)
	}
	done := make(chan struct{})
	go func() { reqRes.Wait(); close(done) }()
	select {
	case <-ctx.Done():
		return 0, "", ctx.Err()
	case <-done:
	}
	if err := reqRes.Error(); err != nil {
		return mempoolVerdict(err, raw)
	}
	res := reqRes.Response.GetCheckTx()
	return res.Code, res.Log, nil
}

// mempoolVerdict turns CometBFT mempool errors into Ordo codes: the app's
// own rejection (ErrInvalidTx carries its code and log), duplicates, size
// and capacity. Anything else is an error of the node, not of the tx.
func mempoolVerdict(err error, raw []byte) (uint32, string, error) {
	var (
		invalid  cmtmempool.ErrInvalidTx
		tooLarge cmtmempool.ErrTxTooLarge
		full     cmtmempool.ErrMempoolIsFull
	)
	switch {
	case errors.As(err, &invalid):
		return invalid.Code, invalid.Log, nil
	case errors.Is(err, cmtmempool.ErrTxInCache), errors.Is(err, cmtmempool.ErrTxInMempool):
		return tx.ErrDuplicate.Code, tx.Errorf(tx.ErrDuplicate, "tx %s was already received", tx.HashOf(raw)).Error(), nil
	case errors.As(err, &tooLarge):
		return tx.ErrTooLarge.Code, tx.Errorf(tx.ErrTooLarge, "%v", err).Error(), nil
	case errors.As(err, &full), errors.Is(err, cmtmempool.ErrRecheckFull):
		return tx.ErrMempoolFull.Code, tx.Errorf(tx.ErrMempoolFull, "%v", err).Error(), nil
	}
	return 0, "", err
}
