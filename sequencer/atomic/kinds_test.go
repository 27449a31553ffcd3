package atomic

import (
	"testing"

	"github.com/cometbft/cometbft/libs/log"

	"github.com/ordolabs/ordo/rollup-adapters/kv"
	"github.com/ordolabs/ordo/sequencer/tx"
)

func TestKindsCheckGenesis(t *testing.T) {
	var k Kinds
	good := kv.EncodeGenesis(kv.Genesis{Balances: map[tx.Address]uint64{{1}: 5}})
	if err := k.CheckGenesis("kv", good); err != nil {
		t.Fatalf("valid kv genesis refused: %v", err)
	}
	if err := k.CheckGenesis("kv", append(good, 0)); err == nil {
		t.Fatal("kv genesis with a trailing byte accepted")
	}
	if err := k.CheckGenesis("evm", nil); err == nil {
		t.Fatal("unknown executor kind accepted")
	}
}

// TestNotifyNeverBlocks: without a worker, notifications coalesce to the
// latest height instead of blocking consensus.
func TestNotifyNeverBlocks(t *testing.T) {
	r := NewRunner(t.TempDir(), nil, log.NewNopLogger())
	for h := int64(1); h <= 100; h++ {
		r.Notify(h)
	}
	if got := <-r.notify; got != 100 {
		t.Fatalf("pending notification %d, want the latest (100)", got)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
