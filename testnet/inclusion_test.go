package testnet_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/ordolabs/ordo/consensus"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/sequencer/tx"
	"github.com/ordolabs/ordo/testnet"
)

// censor is a validator that keeps one account's txs out of its mempool
// (admission refuses them, from its gossip and from CometBFT's CheckTx
// alike, so it neither holds, reports nor relays them).
// With dropFromProposals it is also a censoring proposer: it removes that
// account's txs from its own proposals, even when E lists them.
type censor struct {
	*consensus.App
	victim            tx.Address
	dropFromProposals bool

	mu      sync.Mutex
	dropped int // proposals from which it removed a listed victim tx
}

func (c *censor) isVictim(raw []byte) bool {
	t, err := tx.Decode(raw, 1<<20)
	return err == nil && t.Sender == c.victim
}

func (c *censor) CheckTx(ctx context.Context, req *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	if c.isVictim(req.Tx) {
		return &abci.CheckTxResponse{Code: 99, Codespace: "censor", Log: "censored"}, nil
	}
	return c.App.CheckTx(ctx, req)
}

// errCensored is the censor's refusal (code 99, outside Ordo's codes).
var errCensored = &tx.Error{Code: 99, Desc: "censored"}

// AdmitBatch refuses the victim's txs and admits the rest as usual (the
// node's gossip admits through the wrapper).
func (c *censor) AdmitBatch(raws [][]byte) []error {
	errs := make([]error, len(raws))
	var rest [][]byte
	var at []int
	for i, raw := range raws {
		if c.isVictim(raw) {
			errs[i] = errCensored
			continue
		}
		rest, at = append(rest, raw), append(at, i)
	}
	for k, err := range c.App.AdmitBatch(rest) {
		errs[at[k]] = err
	}
	return errs
}

func (c *censor) PrepareProposal(ctx context.Context, req *abci.PrepareProposalRequest) (*abci.PrepareProposalResponse, error) {
	res, err := c.App.PrepareProposal(ctx, req)
	if err != nil || !c.dropFromProposals {
		return res, err
	}
	kept := res.Txs[:0:0]
	for _, raw := range res.Txs {
		if c.isVictim(raw) {
			continue
		}
		kept = append(kept, raw)
	}
	if len(kept) < len(res.Txs) {
		c.mu.Lock()
		c.dropped++
		c.mu.Unlock()
	}
	res.Txs = kept
	return res, nil
}

// TestInclusionListsDefeatCensorship: three of four validators refuse one
// account's txs in their mempools, and one of them also drops that
// account's txs from its proposals. The account submits to the one honest
// validator. Fair ordering alone can never include the txs (only 1/4 of
// the power reports them, eligibility needs more than 1/3); the honest
// validator's inclusion list must get each one in within the stated bound:
// listed in the extension of height seen+Δ, included in one of the next
// few heights (the honest validator's vote must be in E).
func TestInclusionListsDefeatCensorship(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 validators")
	}
	const (
		victimAcct = 1
		txs        = 3
		slack      = 3 // heights beyond seen+Δ+1 for the honest vote to reach E
	)
	opts := testnet.Options{Validators: 4, FirstIP: 81, DevAccounts: 2}
	var victim tx.Address
	var censors []*censor
	var mu sync.Mutex
	net := testnet.StartInProcess(t, opts, func(i int, app *consensus.App) abci.Application {
		if i == 0 {
			return app
		}
		c := &censor{App: app, dropFromProposals: i == 1}
		mu.Lock()
		censors = append(censors, c)
		mu.Unlock()
		return c
	})
	victim = net.Signer(victimAcct).Address()
	mu.Lock()
	for _, c := range censors {
		c.victim = victim
	}
	mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := net.WaitForHeight(ctx, 2); err != nil {
		t.Fatal(err)
	}
	c0, err := net.Client(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c0.Close()
	delta := consensus.DefaultGenesisParams().Inclusion.MinAgeBlocks

	// Other accounts' txs go through every validator as usual.
	if raw, err := net.Signer(0).Sign(0, client.RollupData(net.Rollup("demo-a"), []byte("normal"))); err != nil {
		t.Fatal(err)
	} else if res, err := c0.Submit.SubmitTx(ctx, &sequencerv1.SubmitTxRequest{Tx: raw}); err != nil || res.Code != 0 {
		t.Fatalf("normal tx: %v %+v", err, res)
	}

	for n := 0; n < txs; n++ {
		raw, err := net.Signer(victimAcct).Sign(uint64(n), client.RollupData(net.Rollup("demo-a"), []byte(fmt.Sprintf("victim-%d", n))))
		if err != nil {
			t.Fatal(err)
		}
		seen, err := net.Height(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := c0.Submit.SubmitTx(ctx, &sequencerv1.SubmitTxRequest{Tx: raw})
		if err != nil || res.Code != 0 {
			t.Fatalf("victim tx %d: %v %+v", n, err, res)
		}
		// The censoring validators refuse it outright.
		if c1, err := net.Client(2); err == nil {
			if r, err := c1.Submit.SubmitTx(ctx, &sequencerv1.SubmitTxRequest{Tx: raw}); err != nil || r.Code != 99 {
				t.Fatalf("censoring validator accepted the victim's tx: %v %+v", err, r)
			}
			c1.Close()
		}
		st, err := c0.WaitCommitted(ctx, res.Hash)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("victim tx %d: seen at height %d, included at %d (Δ = %d)", n, seen, st.Height, delta)
		if st.Height <= seen+delta {
			t.Fatalf("victim tx %d included at %d, before it could be listed (seen %d, Δ %d): fair ordering should not have made it eligible", n, st.Height, seen, delta)
		}
		// seen is read just before submitting; the tx may arrive one
		// height later.
		if bound := seen + 1 + delta + 1 + slack; st.Height > bound {
			t.Fatalf("victim tx %d included at %d, after the bound %d", n, st.Height, bound)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, c := range censors {
		if c.dropFromProposals {
			c.mu.Lock()
			t.Logf("the censoring proposer dropped listed txs from %d proposals; every victim tx was still included within the bound", c.dropped)
			c.mu.Unlock()
		}
	}
}
