package testnet_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"

	"github.com/ordolabs/ordo/consensus"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/sequencer/tx"
	"github.com/ordolabs/ordo/testnet"
)

// lyingReporter is a validator whose vote extensions reverse the relative
// order of every first-seen time it reports (the latest-seen tx is claimed
// earliest), while its clock stays honest.
type lyingReporter struct {
	*consensus.App
	lies atomic.Int64 // extensions it falsified
}

func (l *lyingReporter) ExtendVote(ctx context.Context, req *abci.ExtendVoteRequest) (*abci.ExtendVoteResponse, error) {
	res, err := l.App.ExtendVote(ctx, req)
	if err != nil {
		return nil, err
	}
	rep, err := consensus.DecodeVoteExtension(res.VoteExtension, l.Params().Fair.MaxReportEntries)
	if err != nil || len(rep.Seen) < 2 {
		return res, err
	}
	l.lies.Add(1)
	lo, hi := rep.Seen[0].At, rep.Seen[len(rep.Seen)-1].At
	for i := range rep.Seen {
		rep.Seen[i].At = lo + hi - rep.Seen[i].At
	}
	if res.VoteExtension, err = consensus.EncodeVoteExtension(rep); err != nil {
		return nil, err
	}
	return res, nil
}

// position locates a committed tx in the global order.
type position struct {
	height   int64
	index    int
	proposer []byte
}

func (p position) before(q position) bool {
	return p.height < q.height || p.height == q.height && p.index < q.index
}

// TestFairOrderingKeepsHonestOrder: 4 real CometBFT validators; validator 0
// reports reversed first-seen times in its vote extensions. Pairs of txs
// (a, b) from distinct accounts are submitted to every validator, b 150 ms
// after a, so every honest validator sees a first by far more than the
// clock skew (zero here: one machine). Whichever validator proposes —
// including the liar — a must precede b.
func TestFairOrderingKeepsHonestOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 validators")
	}
	const pairs = 6
	var liarApp *lyingReporter
	net := testnet.StartInProcess(t, testnet.Options{Validators: 4, FirstIP: 51, DevAccounts: 2 * pairs, BlockInterval: time.Second},
		func(i int, app *consensus.App) abci.Application {
			if i == 0 {
				liarApp = &lyingReporter{App: app}
				return liarApp
			}
			return app
		})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := net.WaitForHeight(ctx, 2); err != nil {
		t.Fatal(err)
	}
	clients := make([]*client.Client, len(net.Validators))
	for i := range clients {
		c, err := net.Client(i)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients[i] = c
	}
	rollup := net.Rollup("demo-a")
	submitAll := func(acct int, label string) string {
		raw, err := net.Signer(acct).Sign(0, client.RollupData(rollup, []byte(label)))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(clients))
		for i, c := range clients {
			wg.Add(1)
			go func(i int, c *client.Client) {
				defer wg.Done()
				_, errs[i] = c.SubmitRaw(ctx, raw)
			}(i, c)
		}
		wg.Wait()
		for _, err := range errs {
			var rej *client.RejectedError
			if err != nil && !(asRejected(err, &rej) && rej.Code == tx.ErrDuplicate.Code) {
				t.Fatalf("submitting %s: %v", label, err)
			}
		}
		return tx.HashOf(raw).String()
	}
	type pair struct{ a, b string }
	var ps []pair
	for k := 0; k < pairs; k++ {
		a := submitAll(2*k, fmt.Sprintf("pair%d-a", k))
		time.Sleep(150 * time.Millisecond)
		b := submitAll(2*k+1, fmt.Sprintf("pair%d-b", k))
		ps = append(ps, pair{a, b})
		time.Sleep(time.Duration(700+(k%3)*300) * time.Millisecond) // vary which proposer gets which pair
	}
	pos := make(map[string]position)
	for _, p := range ps {
		for _, h := range []string{p.a, p.b} {
			st, err := clients[1].WaitCommitted(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			pos[h] = position{height: st.Height, index: int(st.Index)}
		}
	}
	liar, err := net.ValidatorAddress(0)
	if err != nil {
		t.Fatal(err)
	}
	sameBlock, byLiar := 0, 0
	for k, p := range ps {
		a, b := pos[p.a], pos[p.b]
		if !a.before(b) {
			t.Errorf("pair %d: b (height %d index %d) precedes a (height %d index %d)", k, b.height, b.index, a.height, a.index)
		}
		if a.height == b.height {
			sameBlock++
			blk, err := clients[1].Query.Block(ctx, &sequencerv1.BlockRequest{Height: a.height})
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(blk.Proposer, liar) {
				byLiar++
			}
		}
	}
	t.Logf("%d pairs: %d ordered within one block (%d of those proposed by the lying reporter); %d falsified extensions", pairs, sameBlock, byLiar, liarApp.lies.Load())
	if liarApp.lies.Load() == 0 {
		t.Fatal("the lying reporter never falsified an extension")
	}
	if sameBlock == 0 {
		t.Fatal("no pair landed in one block: the scenario did not exercise in-block ordering")
	}
}

func asRejected(err error, target **client.RejectedError) bool {
	r, ok := err.(*client.RejectedError)
	if ok {
		*target = r
	}
	return ok
}

// Byzantine fair-ordering proposer misbehaviours, one per proposal.
const (
	swapEligible = iota
	dropExtensions
	forgeExtensionSignature
	alterReportedTime
	numFairMisbehaviours
)

var fairMisbehaviourNames = [numFairMisbehaviours]string{"swap-eligible-txs", "drop-extensions-below-2/3", "forge-extension-signature", "alter-reported-time"}

// fairByzantine builds an honest proposal and then breaks one fair-ordering
// rule; a proposal it cannot break (e.g. fewer than two user txs to swap)
// is left honest and not recorded.
type fairByzantine struct {
	*consensus.App

	mu       sync.Mutex
	next     int
	proposed map[[32]byte]int // raw-bytes digest → misbehaviour
	byHashes map[[32]byte]bool
}

func (b *fairByzantine) PrepareProposal(ctx context.Context, req *abci.PrepareProposalRequest) (*abci.PrepareProposalResponse, error) {
	res, err := b.App.PrepareProposal(ctx, req)
	if err != nil || len(res.Txs) == 0 || !consensus.IsSystemTx(res.Txs[0]) {
		return res, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	kind := b.next % numFairMisbehaviours
	txs := append([][]byte{}, res.Txs...)
	if !b.misbehave(kind, txs) {
		return res, nil
	}
	b.next++
	res.Txs = txs
	b.proposed[digest(txs)] = kind
	b.byHashes[hashDigest(rawHashes(txs))] = true
	return res, nil
}

func (b *fairByzantine) misbehave(kind int, txs [][]byte) bool {
	switch kind {
	case swapEligible:
		// Swap the first two user txs from different senders.
		for i := 1; i < len(txs); i++ {
			ti, err := tx.Decode(txs[i], 0)
			if err != nil {
				return false
			}
			for j := i + 1; j < len(txs); j++ {
				tj, err := tx.Decode(txs[j], 0)
				if err == nil && tj.Sender != ti.Sender {
					txs[i], txs[j] = txs[j], txs[i]
					return true
				}
			}
		}
		return false
	default:
		ext, err := consensus.DecodeExtCommitTx(txs[0])
		if err != nil {
			return false
		}
		var committed []int
		for i, v := range ext.Votes {
			if v.BlockIdFlag == cmtproto.BlockIDFlagCommit {
				committed = append(committed, i)
			}
		}
		if len(committed) == 0 {
			return false
		}
		switch kind {
		case dropExtensions:
			// Strip all but one validator's extension: < 2/3 power remains.
			for _, i := range committed[1:] {
				ext.Votes[i].VoteExtension, ext.Votes[i].ExtensionSignature = nil, nil
			}
		case forgeExtensionSignature:
			v := &ext.Votes[committed[0]]
			v.ExtensionSignature = append([]byte{}, v.ExtensionSignature...)
			v.ExtensionSignature[0] ^= 0x01
		case alterReportedTime:
			v := &ext.Votes[committed[0]]
			rep, err := consensus.DecodeVoteExtension(v.VoteExtension, b.Params().Fair.MaxReportEntries)
			if err != nil {
				return false
			}
			if len(rep.Seen) > 0 {
				rep.Seen[0].At-- // claim the first tx was seen 1 ms earlier
			} else {
				rep.Now-- // nothing reported: move the clock instead
			}
			if v.VoteExtension, err = consensus.EncodeVoteExtension(rep); err != nil {
				return false
			}
		}
		raw, err := consensus.EncodeExtCommitTx(ext)
		if err != nil {
			return false
		}
		txs[0] = raw
		return true
	}
}

// TestFairOrderingByzantineProposerRejected: validator 0 proposes blocks
// that reorder eligible txs, strip extensions below 2/3 power, forge an
// extension signature, or alter a reported time. Every such block must be
// rejected by the honest validators, none may commit, and the chain must
// keep ordering the honest load.
func TestFairOrderingByzantineProposerRejected(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 validators")
	}
	var (
		byz       *fairByzantine
		recorders []*verdictRecorder
	)
	net := testnet.StartInProcess(t, testnet.Options{Validators: 4, FirstIP: 61, DevAccounts: 4},
		func(i int, app *consensus.App) abci.Application {
			if i == 0 {
				byz = &fairByzantine{App: app, proposed: make(map[[32]byte]int), byHashes: make(map[[32]byte]bool)}
				return byz
			}
			r := &verdictRecorder{App: app, verdicts: make(map[[32]byte]abci.ProcessProposalStatus)}
			recorders = append(recorders, r)
			return r
		})
	byzAddr := validatorAddress(t, net, 0)
	for _, r := range recorders {
		r.mu.Lock()
		r.byzantine = byzAddr
		r.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// Honest load: 4 accounts stream txs to the honest validators until the
	// byzantine proposer has tried every misbehaviour.
	rollup := net.Rollup("demo-a")
	var (
		wg      sync.WaitGroup
		hashMu  sync.Mutex
		hashes  []string
		stop    = make(chan struct{})
		loadErr = make(chan error, 4)
	)
	for a := 0; a < 4; a++ {
		wg.Add(1)
		go func(a int) {
			defer wg.Done()
			c, err := net.Client(1 + a%3)
			if err != nil {
				loadErr <- err
				return
			}
			defer c.Close()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case <-time.After(60 * time.Millisecond):
				}
				raw, err := net.Signer(a).Sign(uint64(n), client.RollupData(rollup, []byte(fmt.Sprintf("acct%d-%d", a, n))))
				if err != nil {
					loadErr <- err
					return
				}
				h, err := c.SubmitRaw(ctx, raw)
				if err != nil {
					loadErr <- err
					return
				}
				hashMu.Lock()
				hashes = append(hashes, h)
				hashMu.Unlock()
			}
		}(a)
	}
	judgedKinds := func() map[int]bool {
		byz.mu.Lock()
		kinds := make(map[[32]byte]int, len(byz.proposed))
		for d, k := range byz.proposed {
			kinds[d] = k
		}
		byz.mu.Unlock()
		seen := make(map[int]bool)
		for _, r := range recorders {
			r.mu.Lock()
			for d := range r.verdicts {
				if k, ok := kinds[d]; ok {
					seen[k] = true
				}
			}
			r.mu.Unlock()
		}
		return seen
	}
	for len(judgedKinds()) < numFairMisbehaviours {
		select {
		case <-ctx.Done():
			t.Fatalf("judged misbehaviours so far: %v", judgedKinds())
		case err := <-loadErr:
			t.Fatal(err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	close(stop)
	wg.Wait()

	c, err := net.Client(1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, h := range hashes {
		if _, err := c.WaitCommitted(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	byz.mu.Lock()
	kinds := byz.proposed
	byz.mu.Unlock()
	rejected := make(map[int]int)
	for ri, r := range recorders {
		r.mu.Lock()
		for d, status := range r.verdicts {
			kind, ok := kinds[d]
			if !ok {
				continue // an honest block by the byzantine validator (nothing to break)
			}
			if status != abci.PROCESS_PROPOSAL_STATUS_REJECT {
				t.Errorf("honest validator %d accepted a %s proposal", ri+1, fairMisbehaviourNames[kind])
			}
			rejected[kind]++
		}
		r.mu.Unlock()
	}
	top, err := net.Height(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for h := int64(1); h <= top; h++ {
		b, err := c.Query.Block(ctx, &sequencerv1.BlockRequest{Height: h})
		if err != nil {
			t.Fatal(err)
		}
		if byz.byHashes[hashDigest(blockHashes(t, b))] {
			t.Fatalf("block %d is a byzantine proposal that was committed", h)
		}
	}
	named := make(map[string]int)
	for k, n := range rejected {
		named[fairMisbehaviourNames[k]] = n
	}
	t.Logf("rejections by honest validators: %v; %d honest txs committed; height %d", named, len(hashes), top)
}

// hashDigest digests a block by its tx hashes, so a proposal can be
// compared with a committed block record (which keeps hashes, not bytes).
func hashDigest(hashes [][32]byte) [32]byte {
	h := sha256.New()
	for _, x := range hashes {
		h.Write(x[:])
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d
}

func rawHashes(txs [][]byte) [][32]byte {
	out := make([][32]byte, len(txs))
	for i, raw := range txs {
		out[i] = tx.HashOf(raw)
	}
	return out
}

func blockHashes(t *testing.T, b *sequencerv1.BlockResponse) [][32]byte {
	t.Helper()
	out := make([][32]byte, len(b.Txs))
	for i, bt := range b.Txs {
		h, err := tx.ParseHash(bt.Hash)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = h
	}
	return out
}
