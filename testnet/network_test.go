package testnet_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/sequencer/tx"
	"github.com/ordolabs/ordo/testnet"
)

// TestNetworkOrdersAndSurvivesKill is the sequencer chain's end-to-end
// check: 4 validator processes, 1,000+ txs for two rollups from 4 accounts,
// one validator kill -9'd under load and restarted. Every validator must end
// with the same blocks, app hashes and per-rollup data, each account's
// items in nonce order.
func TestNetworkOrdersAndSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 validator processes")
	}
	const (
		accounts     = 4
		txsPerAcct   = 260
		killedVal    = 3
		killAfterTxs = txsPerAcct / 2
	)
	net := testnet.Start(t, testnet.Options{Validators: 4, FirstIP: 11, DevAccounts: accounts})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if err := net.WaitForHeight(ctx, 2); err != nil {
		t.Fatal(err)
	}
	rollups := []tx.RollupID{net.Rollup("demo-a"), net.Rollup("demo-b")}

	// Each account streams its txs to one of the validators that stay up.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		hashes   []string
		halfway  sync.WaitGroup
		errs     = make(chan error, accounts)
		killDone = make(chan struct{})
	)
	halfway.Add(accounts)
	for a := 0; a < accounts; a++ {
		wg.Add(1)
		go func(a int) {
			defer wg.Done()
			c, err := net.Client(a % killedVal)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			stream, err := c.Submit.SubmitTxStream(ctx)
			if err != nil {
				errs <- err
				return
			}
			signer := net.Signer(a)
			for n := 0; n < txsPerAcct; n++ {
				if n == killAfterTxs {
					halfway.Done()
					<-killDone
				}
				data := []byte(fmt.Sprintf("acct%d/n%04d", a, n))
				raw, err := signer.Sign(uint64(n), client.RollupData(rollups[n%2], data))
				if err != nil {
					errs <- err
					return
				}
				if err := stream.Send(&sequencerv1.SubmitTxRequest{Tx: raw}); err != nil {
					errs <- err
					return
				}
				res, err := stream.Recv()
				if err != nil {
					errs <- err
					return
				}
				if res.Code != 0 {
					errs <- fmt.Errorf("account %d nonce %d rejected: code %d %s", a, n, res.Code, res.Log)
					return
				}
				mu.Lock()
				hashes = append(hashes, res.Hash)
				mu.Unlock()
			}
			_ = stream.CloseSend()
		}(a)
	}

	// Under load, crash one validator; the other three (30 of 40 power)
	// must keep committing blocks.
	halfway.Wait()
	if err := net.Kill(killedVal); err != nil {
		t.Fatal(err)
	}
	close(killDone)
	h0, err := net.Height(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.WaitValidatorHeight(ctx, 0, h0+3); err != nil {
		t.Fatalf("chain stalled with validator %d down: %v", killedVal, err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(hashes) != accounts*txsPerAcct {
		t.Fatalf("submitted %d txs, want %d", len(hashes), accounts*txsPerAcct)
	}

	// Every tx commits.
	c0, err := net.Client(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c0.Close()
	var lastHeight int64
	for _, h := range hashes {
		st, err := c0.WaitCommitted(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		lastHeight = max(lastHeight, st.Height)
	}

	// The crashed validator restarts, replays and catches up.
	downAt, _ := net.Height(ctx, 0)
	t.Logf("all %d txs committed by height %d; validator %d was killed at about height %d", len(hashes), lastHeight, killedVal, h0)
	if downAt <= h0 {
		t.Fatalf("no block committed while validator %d was down", killedVal)
	}
	if err := net.StartValidator(killedVal); err != nil {
		t.Fatal(err)
	}
	if err := net.WaitForHeight(ctx, lastHeight+2); err != nil {
		t.Fatal(err)
	}
	compareValidators(ctx, t, net, lastHeight+2, rollups, accounts, txsPerAcct)

	// CometBFT's own RPC stays available: broadcast_tx_sync runs the same
	// CheckTx and the tx commits like one submitted over gRPC.
	rpc, err := rpchttp.New("http://" + net.Validators[2].RPCAddr)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := net.Signer(0).Sign(txsPerAcct, client.RollupData(rollups[0], []byte("via-cometbft-rpc")))
	if err != nil {
		t.Fatal(err)
	}
	res, err := rpc.BroadcastTxSync(ctx, raw)
	if err != nil || res.Code != 0 {
		t.Fatalf("broadcast_tx_sync: %v %+v", err, res)
	}
	if _, err := c0.WaitCommitted(ctx, res.Hash.String()); err != nil {
		t.Fatal(err)
	}
	// CometBFT v1's RPC reports an app rejection as an error carrying the
	// app's code, log and codespace.
	_, err = rpc.BroadcastTxSync(ctx, []byte("not an ordo tx"))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("code=%d", tx.ErrDecode.Code)) || !strings.Contains(err.Error(), "codespace='ordo'") {
		t.Fatalf("broadcast_tx_sync of garbage: %v, want code %d in codespace ordo", err, tx.ErrDecode.Code)
	}
}

// compareValidators checks that every validator has identical blocks, app
// hashes and per-rollup data up to height top, and that each account's
// items appear exactly once each, in nonce order.
func compareValidators(ctx context.Context, t *testing.T, net *testnet.Network, top int64, rollups []tx.RollupID, accounts, txsPerAcct int) {
	t.Helper()
	clients := make([]*client.Client, len(net.Validators))
	for i := range net.Validators {
		c, err := net.Client(i)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients[i] = c
	}
	nextNonce := make(map[string]int) // "rollup/acct" → next expected n
	items := 0
	for h := int64(1); h <= top; h++ {
		ref, err := clients[0].Query.Block(ctx, &sequencerv1.BlockRequest{Height: h})
		if err != nil {
			t.Fatalf("validator 0 block %d: %v", h, err)
		}
		for i := 1; i < len(clients); i++ {
			b, err := clients[i].Query.Block(ctx, &sequencerv1.BlockRequest{Height: h})
			if err != nil {
				t.Fatalf("validator %d block %d: %v", i, h, err)
			}
			if !bytes.Equal(b.AppHash, ref.AppHash) {
				t.Fatalf("height %d: validator %d app hash %X, validator 0 %X", h, i, b.AppHash, ref.AppHash)
			}
			if !sameMsg(t, ref, b) {
				t.Fatalf("height %d: validator %d block differs from validator 0", h, i)
			}
		}
		for ri, r := range rollups {
			refRB, err := clients[0].Query.RollupBlock(ctx, &sequencerv1.RollupBlockRequest{Rollup: r.String(), Height: h})
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i < len(clients); i++ {
				rb, err := clients[i].Query.RollupBlock(ctx, &sequencerv1.RollupBlockRequest{Rollup: r.String(), Height: h})
				if err != nil {
					t.Fatal(err)
				}
				if !sameMsg(t, refRB, rb) {
					t.Fatalf("height %d rollup %d: validator %d data differs", h, ri, i)
				}
			}
			for _, it := range refRB.Items {
				var a, n int
				if _, err := fmt.Sscanf(string(it.Data), "acct%d/n%d", &a, &n); err != nil {
					t.Fatalf("unexpected item %q", it.Data)
				}
				if n%2 != ri {
					t.Fatalf("item %q delivered to rollup %d", it.Data, ri)
				}
				key := fmt.Sprintf("%d/%d", ri, a)
				want, ok := nextNonce[key]
				if !ok {
					want = ri
				}
				if n != want {
					t.Fatalf("rollup %d: account %d item n=%d, want n=%d (nonce order)", ri, a, n, want)
				}
				nextNonce[key] = n + 2
				items++
			}
		}
	}
	if items != accounts*txsPerAcct {
		var got []string
		for k, v := range nextNonce {
			got = append(got, fmt.Sprintf("%s→%d", k, v))
		}
		t.Fatalf("found %d rollup items, want %d (%s)", items, accounts*txsPerAcct, strings.Join(got, " "))
	}
}

type marshaler interface{ Marshal() ([]byte, error) }

func sameMsg(t *testing.T, a, b marshaler) bool {
	t.Helper()
	ab, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	bb, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(ab, bb)
}
