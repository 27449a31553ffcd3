package testnet_test

import (
	"context"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/ethereum/go-ethereum/common"

	"github.com/ordolabs/ordo/consensus"
	"github.com/ordolabs/ordo/l1/inbox"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/testnet"
)

// TestForcedInclusionThroughL1: 4 validators follow an in-process
// go-ethereum L1; validator 1 is a censoring proposer that drops one
// account's txs from its proposals, and validator 3's L1 endpoint is down.
// The account sends its Ordo txs only through the L1 inbox. Each must be
// included within the bound after its L1 block is finalized (the validators
// poll L1 every second, then one block imports, the next includes); an
// undecodable inbox message is recorded as skipped; the chain never halts.
func TestForcedInclusionThroughL1(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 validators and an L1")
	}
	const victimAcct = 1
	opts := testnet.Options{Validators: 4, FirstIP: 101, DevAccounts: 2, L1Inbox: true, L1Unreachable: []int{3}}
	var mu sync.Mutex
	var byz *censor
	net := testnet.StartInProcess(t, opts, func(i int, app *consensus.App) abci.Application {
		if i != 1 {
			return app
		}
		mu.Lock()
		defer mu.Unlock()
		byz = &censor{App: app, dropFromProposals: true}
		return byz
	})
	mu.Lock()
	byz.victim = net.Signer(victimAcct).Address()
	mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := net.WaitForHeight(ctx, 3); err != nil {
		t.Fatal(err)
	}
	c0, err := net.Client(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c0.Close()
	l1 := net.L1()
	ec := l1.Client()
	key, err := net.L1Key(len(net.Validators))
	if err != nil {
		t.Fatal(err)
	}
	inboxAddr := common.HexToAddress(consensus.DefaultInboxAddress)

	// Bound, in Ordo heights after the L1 block is finalized: up to ~1s of
	// L1 polling plus a block for the extensions to carry it (about 8
	// heights at 200 ms), one to import, one to include, and slack for
	// rounds lost to the censoring proposer.
	const bound = 16
	for n := 0; n < 3; n++ {
		raw, err := net.Signer(victimAcct).Sign(uint64(n), client.RollupData(net.Rollup("demo-a"), []byte("forced via L1")))
		if err != nil {
			t.Fatal(err)
		}
		l1Tx, err := inbox.Send(ctx, ec, key, l1.ChainID(), inboxAddr, raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inbox.WaitFinalized(ctx, ec, l1Tx); err != nil {
			t.Fatal(err)
		}
		finalizedAt, err := net.Height(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		rec := waitForcedOutcome(ctx, t, c0, l1Tx.Hex())
		if rec.Status != "included" {
			t.Fatalf("forced tx %d: %s (%s)", n, rec.Status, rec.Reason)
		}
		st, err := c0.Query.TxStatus(ctx, &sequencerv1.TxStatusRequest{Hash: rec.TxHash})
		if err != nil || st.Height != rec.Height {
			t.Fatalf("forced tx %d: status %+v, %v; record says height %d", n, st, err, rec.Height)
		}
		t.Logf("forced tx %d: L1 finalized while Ordo was at %d, included at %d", n, finalizedAt, rec.Height)
		if rec.Height > finalizedAt+bound {
			t.Fatalf("forced tx %d included at %d, more than %d heights after %d", n, rec.Height, bound, finalizedAt)
		}
	}

	// Garbage in the inbox is imported and recorded as skipped, not fatal.
	l1Tx, err := inbox.Send(ctx, ec, key, l1.ChainID(), inboxAddr, []byte("not an ordo tx"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inbox.WaitFinalized(ctx, ec, l1Tx); err != nil {
		t.Fatal(err)
	}
	if rec := waitForcedOutcome(ctx, t, c0, l1Tx.Hex()); rec.Status != "skipped" || rec.Reason == "" {
		t.Fatalf("garbage message: %+v", rec)
	}
	// The validator without an L1 endpoint kept up with the chain.
	h0, _ := net.Height(ctx, 0)
	if err := net.WaitValidatorHeight(ctx, 3, h0); err != nil {
		t.Fatalf("validator 3 (L1 endpoint down) fell behind: %v", err)
	}
	byz.mu.Lock()
	t.Logf("the censoring proposer dropped forced txs from %d proposals", byz.dropped)
	byz.mu.Unlock()
}

// waitForcedOutcome polls the node until the inbox message of l1Tx is
// included or skipped.
func waitForcedOutcome(ctx context.Context, t *testing.T, c *client.Client, l1Tx string) *sequencerv1.ForcedMessage {
	t.Helper()
	for {
		res, err := c.Query.Forced(ctx, &sequencerv1.ForcedRequest{L1Tx: l1Tx, Limit: 1})
		if err == nil && res.Record != nil && res.Record.Status != "queued" {
			return res.Record
		}
		select {
		case <-ctx.Done():
			t.Fatalf("inbox message %s: no outcome (last: %+v, %v)", l1Tx, res, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
