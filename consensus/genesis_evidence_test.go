package consensus

import (
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	"github.com/cometbft/cometbft/libs/log"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/sequencer/state"
)

// TestInitChainBudgetLeavesRoomForEvidence: max_block_tx_bytes must fit
// what CometBFT leaves for txs when a block also carries the largest
// evidence, or a proposer's budget (lowered by evidence) could fall below
// the one ProcessProposal and the inclusion-list rule use.
func TestInitChainBudgetLeavesRoomForEvidence(t *testing.T) {
	vals := fairValidators(10, 10, 10, 10)
	g := fairGenesis()
	budget := g.Params.MaxBlockTxBytes
	for _, c := range []struct {
		name      string
		evidence  int64
		wantError bool
	}{
		{"room for txs and evidence", 1 << 20, false},
		{"evidence would squeeze the txs", 1<<20 + 128<<10, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			maxBytes := budget + 64<<10 + 1<<20 // txs + headers + 1 MiB
			cp := veParams(1)
			cp.Block = &cmtproto.BlockParams{MaxBytes: maxBytes, MaxGas: -1}
			cp.Evidence = &cmtproto.EvidenceParams{MaxBytes: c.evidence}
			if limit := cmttypes.MaxDataBytesNoEvidence(maxBytes, len(vals)) - c.evidence; (limit < budget) != c.wantError {
				t.Fatalf("test setup: limit %d, budget %d", limit, budget)
			}
			store, err := state.Open(t.TempDir(), state.Options{InMemory: true})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			app, err := NewApp(store, mempool.New(mempool.DefaultConfig(), time.Now), log.NewNopLogger())
			if err != nil {
				t.Fatal(err)
			}
			_, err = app.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, InitialHeight: 1,
				AppStateBytes: genesisBytes(t, g), ConsensusParams: cp, Validators: validatorUpdates(vals)})
			if got := err != nil && strings.Contains(err.Error(), "evidence.max_bytes"); got != c.wantError {
				t.Fatalf("InitChain = %v, want error %v", err, c.wantError)
			}
		})
	}
}
