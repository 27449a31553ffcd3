package testnet_test

import (
	"bytes"
	"context"
	"crypto/sha256"
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

// Misbehaviours of the byzantine proposer, cycled through one per proposal.
const (
	reorderNonces = iota
	exceedRollupCap
	invalidSignature
	numMisbehaviours
)

var misbehaviourNames = [numMisbehaviours]string{"reorder-nonces", "exceed-rollup-cap", "invalid-signature"}

// byzantineProposer builds honest proposals and then breaks one rule.
type byzantineProposer struct {
	*consensus.App
	bad [numMisbehaviours][][]byte // txs to inject for each misbehaviour
	// armed is set once bad is filled in (after the network started);
	// until then it proposes honestly. armedFrom is the first height it
	// prepared a proposal for while armed.
	armed     bool
	armedFrom int64

	mu       sync.Mutex
	next     int
	proposed map[[32]byte]int // proposal txs digest → misbehaviour
}

func (b *byzantineProposer) PrepareProposal(ctx context.Context, req *abci.PrepareProposalRequest) (*abci.PrepareProposalResponse, error) {
	res, err := b.App.PrepareProposal(ctx, req)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.armed {
		return res, nil
	}
	if b.armedFrom == 0 {
		b.armedFrom = req.Height
	}
	kind := b.next % numMisbehaviours
	b.next++
	// Keep the vote-extension system tx first; inject after it.
	head := 0
	if len(res.Txs) > 0 && consensus.IsSystemTx(res.Txs[0]) {
		head = 1
	}
	txs := append([][]byte{}, res.Txs[:head]...)
	txs = append(txs, b.bad[kind]...)
	res.Txs = append(txs, res.Txs[head:]...)
	b.proposed[digest(res.Txs)] = kind
	return res, nil
}

func (b *byzantineProposer) kinds() map[[32]byte]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[[32]byte]int, len(b.proposed))
	for k, v := range b.proposed {
		out[k] = v
	}
	return out
}

// verdictRecorder records an honest validator's ProcessProposal verdicts on
// the byzantine validator's proposals.
type verdictRecorder struct {
	*consensus.App
	byzantine []byte

	mu       sync.Mutex
	verdicts map[[32]byte]abci.ProcessProposalStatus
}

func (r *verdictRecorder) ProcessProposal(ctx context.Context, req *abci.ProcessProposalRequest) (*abci.ProcessProposalResponse, error) {
	res, err := r.App.ProcessProposal(ctx, req)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil && bytes.Equal(req.ProposerAddress, r.byzantine) {
		r.verdicts[digest(req.Txs)] = res.Status
	}
	return res, err
}

func digest(txs [][]byte) [32]byte {
	h := sha256.New()
	for _, t := range txs {
		h.Write(t)
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d
}

// TestByzantineProposerRejected runs 4 real CometBFT validators in process;
// validator 0 proposes blocks that reorder an account's nonces, exceed a
// rollup's per-block cap, or include a tx with a forged signature. The
// honest validators must reject every such proposal, no block proposed by
// validator 0 may commit, and the chain must keep ordering honest txs.
func TestByzantineProposerRejected(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 validators")
	}
	const byzIdx = 0
	// Fair ordering is off here: the injected txs are never reported by
	// the honest validators, so with it on they would be rejected as
	// ineligible before the rules under test are reached. The fair-ordering
	// rules have their own byzantine scenario (fairness_test.go).
	opts := testnet.Options{
		Validators: 4, FirstIP: 31, DevAccounts: 2, DisableFairOrdering: true,
		Rollups:        []string{"demo-a", "tiny"},
		RollupMaxBytes: map[string]uint64{"tiny": 1000},
	}
	var (
		byz       *byzantineProposer
		recorders []*verdictRecorder
		byzAddr   []byte
	)
	var setupErr error
	net := testnet.StartInProcess(t, opts, func(i int, app *consensus.App) abci.Application {
		if i == byzIdx {
			byz = &byzantineProposer{App: app, proposed: make(map[[32]byte]int)}
			return byz
		}
		r := &verdictRecorder{App: app, verdicts: make(map[[32]byte]abci.ProcessProposalStatus)}
		recorders = append(recorders, r)
		return r
	})
	// Validator addresses are known only after setup: fill them in now,
	// before any byzantine proposal can be checked against them.
	byzAddr = validatorAddress(t, net, byzIdx)
	for _, r := range recorders {
		r.mu.Lock()
		r.byzantine = byzAddr
		r.mu.Unlock()
	}
	// The byzantine proposer's own txs come from dev1, an account that never
	// gets a tx committed, so nonces 0 and 1 stay the next ones.
	signer := net.Signer(1)
	demoA, tiny := net.Rollup("demo-a"), net.Rollup("tiny")
	must := func(raw []byte, err error) []byte {
		if err != nil {
			setupErr = err
		}
		return raw
	}
	n0 := must(signer.Sign(0, client.RollupData(demoA, []byte("byz-0"))))
	n1 := must(signer.Sign(1, client.RollupData(demoA, []byte("byz-1"))))
	big0 := must(signer.Sign(0, client.RollupData(tiny, bytes.Repeat([]byte{'x'}, 600))))
	big1 := must(signer.Sign(1, client.RollupData(tiny, bytes.Repeat([]byte{'y'}, 600))))
	forged := append([]byte{}, n0...)
	forged[len(forged)-1] ^= 0xff // last byte of the signature
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	byz.mu.Lock()
	byz.bad[reorderNonces] = [][]byte{n1, n0}
	byz.bad[exceedRollupCap] = [][]byte{big0, big1}
	byz.bad[invalidSignature] = [][]byte{forged}
	byz.armed = true
	byz.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// Honest traffic from dev0 through an honest validator.
	c, err := net.Client(1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	honest := net.Signer(0)
	var hashes []string
	for n := 0; n < 40; n++ {
		raw, err := honest.Sign(uint64(n), client.RollupData(demoA, []byte(fmt.Sprintf("honest-%02d", n))))
		if err != nil {
			t.Fatal(err)
		}
		h, err := c.SubmitRaw(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
		if n%10 == 9 {
			time.Sleep(300 * time.Millisecond) // spread the txs over several blocks
		}
	}

	// Wait until the byzantine validator has proposed every misbehaviour
	// and the honest validators have judged those proposals.
	for {
		seen := make(map[int]bool)
		for d, kind := range byz.kinds() {
			judged := 0
			for _, r := range recorders {
				r.mu.Lock()
				if _, ok := r.verdicts[d]; ok {
					judged++
				}
				r.mu.Unlock()
			}
			if judged > 0 {
				seen[kind] = true
			}
		}
		if len(seen) == numMisbehaviours {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("byzantine proposals judged so far cover %v of %d misbehaviours", seen, numMisbehaviours)
		case <-time.After(200 * time.Millisecond):
		}
	}

	for _, h := range hashes {
		if _, err := c.WaitCommitted(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	top, err := net.Height(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.WaitForHeight(ctx, top); err != nil {
		t.Fatal(err)
	}

	// Every judged byzantine proposal was rejected by every honest validator.
	kinds := byz.kinds()
	rejected := make(map[int]int)
	for ri, r := range recorders {
		r.mu.Lock()
		for d, status := range r.verdicts {
			kind, ok := kinds[d]
			if !ok {
				t.Errorf("honest validator %d judged a proposal the byzantine wrapper did not build", ri)
				continue
			}
			if status != abci.PROCESS_PROPOSAL_STATUS_REJECT {
				t.Errorf("honest validator %d accepted a %s proposal", ri, misbehaviourNames[kind])
			}
			rejected[kind]++
		}
		r.mu.Unlock()
	}
	for k := 0; k < numMisbehaviours; k++ {
		if rejected[k] == 0 {
			t.Errorf("no %s proposal was rejected", misbehaviourNames[k])
		}
	}

	// Blocks below armedFrom may have been proposed before the byzantine
	// validator was armed (the network starts before addresses are known).
	byz.mu.Lock()
	armedFrom := byz.armedFrom
	byz.mu.Unlock()
	if armedFrom == 0 {
		t.Fatal("the byzantine validator never proposed while armed")
	}
	// No block proposed by the byzantine validator committed, the chain
	// went on, and the honest account's txs are in nonce order.
	nextHonest := 0
	for h := int64(1); h <= top; h++ {
		b, err := c.Query.Block(ctx, &sequencerv1.BlockRequest{Height: h})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(b.Proposer, byzAddr) && h >= armedFrom {
			t.Fatalf("block %d proposed by the armed byzantine validator was committed", h)
		}
		for _, bt := range b.Txs {
			var sender tx.Address
			copy(sender[:], bt.Sender)
			if sender == signer.Address() {
				t.Fatalf("block %d contains a byzantine tx", h)
			}
			if sender == honest.Address() {
				if int(bt.Nonce) != nextHonest {
					t.Fatalf("block %d: honest nonce %d, want %d", h, bt.Nonce, nextHonest)
				}
				nextHonest++
			}
		}
	}
	if nextHonest != len(hashes) {
		t.Fatalf("committed %d honest txs, want %d", nextHonest, len(hashes))
	}
	t.Logf("byzantine proposals rejected: %v (by kind); chain reached height %d", rejected, top)
}

func validatorAddress(t *testing.T, net *testnet.Network, i int) []byte {
	t.Helper()
	addr, err := net.ValidatorAddress(i)
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
