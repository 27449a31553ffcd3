package testnet_test

import (
	"context"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/ordolabs/ordo/consensus"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/rollup-adapters/kv"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/testnet"
)

// verdictFlipper proposes honest blocks, except that it flips every
// verdict of the bundle-verdicts tx: COMMIT for bundles whose legs fail
// (without a single success report) and ABORT for bundles that succeed.
type verdictFlipper struct {
	*consensus.App

	mu      sync.Mutex
	flipped map[[32]byte]bool // digests of the proposals it flipped
}

func (f *verdictFlipper) PrepareProposal(ctx context.Context, req *abci.PrepareProposalRequest) (*abci.PrepareProposalResponse, error) {
	res, err := f.App.PrepareProposal(ctx, req)
	if err != nil {
		return nil, err
	}
	for i := 1; i < len(res.Txs) && i <= 2; i++ {
		if !commitment.IsVerdictsTx(res.Txs[i]) {
			continue
		}
		v, err := commitment.DecodeVerdictsTx(res.Txs[i])
		if err != nil {
			return nil, err
		}
		for j := range v.Commits {
			v.Commits[j] = !v.Commits[j]
		}
		if res.Txs[i], err = commitment.EncodeVerdictsTx(v); err != nil {
			return nil, err
		}
		f.mu.Lock()
		f.flipped[digest(res.Txs)] = true
		f.mu.Unlock()
		break
	}
	return res, nil
}

func (f *verdictFlipper) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.flipped)
}

// TestByzantineVerdictsRejected runs 4 real CometBFT validators in process
// over two atomic kv rollups; validator 0 flips the verdicts in its
// proposals. Every honest validator rejects those proposals, and every
// bundle ends with the verdict the validators' executors support: COMMIT
// for the payments that succeed on both rollups, ABORT for those that fail
// on one.
func TestByzantineVerdictsRejected(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 validators")
	}
	const byzIdx = 0
	opts := testnet.Options{
		Validators: 4, FirstIP: 151, DevAccounts: 2,
		Rollups: []string{"atom-a", "atom-b"}, AtomicRollups: []string{"atom-a", "atom-b"},
	}
	var (
		flipper   *verdictFlipper
		recorders []*verdictRecorder
	)
	net := testnet.StartInProcess(t, opts, func(i int, app *consensus.App) abci.Application {
		if i == byzIdx {
			flipper = &verdictFlipper{App: app, flipped: make(map[[32]byte]bool)}
			return flipper
		}
		r := &verdictRecorder{App: app, verdicts: make(map[[32]byte]abci.ProcessProposalStatus)}
		recorders = append(recorders, r)
		return r
	})
	byzAddr := validatorAddress(t, net, byzIdx)
	for _, r := range recorders {
		r.mu.Lock()
		r.byzantine = byzAddr
		r.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := net.WaitForHeight(ctx, 2); err != nil {
		t.Fatal(err)
	}
	c, err := net.Client(1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// dev0 holds DemoBalance on both rollups (KVGenesis): a payment of 1
	// on each succeeds; one of DemoBalance+1 on atom-b fails there.
	payer, payee := net.Signer(0), net.Signer(1).Address()
	leg := func(amount uint64) []byte {
		b, err := kv.EncodeOp(kv.Transfer{To: payee, Amount: amount})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := net.Rollup("atom-a"), net.Rollup("atom-b")
	type sent struct {
		hash    string
		succeed bool
	}
	var bundles []sent
	nonce := uint64(0)
	// Bundles keep arriving (two every 150-350 ms) so that most blocks
	// carry some, until the byzantine validator has proposed verdicts twice.
	for round := 0; flipper.count() < 2 || round < 8; round++ {
		if round > 400 {
			t.Fatalf("the byzantine validator flipped %d proposals in %d rounds", flipper.count(), round)
		}
		time.Sleep(time.Duration(150+50*(round%5)) * time.Millisecond)
		for k := 0; k < 2; k++ {
			succeed := (round+k)%2 == 0
			amountB := uint64(1)
			if !succeed {
				amountB = testnet.DemoBalance + 1
			}
			raw, err := payer.Sign(nonce, client.Bundle(
				&txv1.RollupData{RollupId: a[:], Data: leg(1)}, &txv1.RollupData{RollupId: b[:], Data: leg(amountB)}))
			if err != nil {
				t.Fatal(err)
			}
			nonce++
			h, err := c.SubmitRaw(ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			bundles = append(bundles, sent{hash: h, succeed: succeed})
		}
	}
	if _, err := c.WaitCommitted(ctx, bundles[len(bundles)-1].hash); err != nil {
		t.Fatal(err)
	}

	// Every bundle is decided as the executors say.
	for _, s := range bundles {
		hb, err := hex.DecodeString(s.hash)
		if err != nil {
			t.Fatal(err)
		}
		want := sequencerv1.BundleVerdictState_BUNDLE_VERDICT_ABORT
		if s.succeed {
			want = sequencerv1.BundleVerdictState_BUNDLE_VERDICT_COMMIT
		}
		for {
			st, err := c.Query.Bundle(ctx, &sequencerv1.BundleRequest{Hash: hb})
			if err == nil && st.Verdict != sequencerv1.BundleVerdictState_BUNDLE_VERDICT_PENDING {
				if st.Verdict != want {
					t.Fatalf("bundle %s (succeeds: %v) decided %v", s.hash, s.succeed, st.Verdict)
				}
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("bundle %s not decided: %v", s.hash, err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}

	// Every flipped proposal an honest validator judged was rejected.
	judged := 0
	for ri, r := range recorders {
		r.mu.Lock()
		for d, status := range r.verdicts {
			flipper.mu.Lock()
			flipped := flipper.flipped[d]
			flipper.mu.Unlock()
			if !flipped {
				continue
			}
			judged++
			if status != abci.PROCESS_PROPOSAL_STATUS_REJECT {
				t.Errorf("honest validator %d accepted a proposal with flipped verdicts", ri)
			}
		}
		r.mu.Unlock()
	}
	if judged == 0 {
		t.Fatal("no honest validator judged a flipped proposal")
	}
	t.Logf("%d bundles decided correctly; %d flipped proposals, %d judgements, all REJECT", len(bundles), flipper.count(), judged)
}
