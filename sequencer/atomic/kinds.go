package atomic

import (
	"context"
	"fmt"

	"github.com/ordolabs/ordo/rollup-adapters/kv"
	"github.com/ordolabs/ordo/rollup-adapters/sdk"
)

// Executor is an atomic rollup's state machine as a validator runs it: the
// rollup's own sdk.Executor contract (durable, exactly-once ExecuteBlock
// of committed blocks with their verdicts) plus what-if Previews.
type Executor interface {
	AppliedHeight() (int64, error)
	ExecuteBlock(ctx context.Context, b sdk.Block) ([]byte, error)
	// Preview applies pending (the blocks after AppliedHeight, in order,
	// with their verdicts) in memory and returns a what-if execution after
	// them. Nothing it does is written.
	Preview(ctx context.Context, pending []sdk.Block) (Preview, error)
	Close() error
}

// Preview is a what-if execution of one block's items on one rollup.
type Preview interface {
	// Apply applies an ordinary item; a failing op changes nothing.
	Apply(it sdk.Item) error
	// TryLeg stages a bundle leg and reports whether it succeeds.
	TryLeg(it sdk.Item) (bool, error)
	// Settle keeps or drops the staged leg.
	Settle(keep bool)
	Close()
}

// Kind is one executor kind compiled into this binary.
type Kind struct {
	// CheckGenesis validates a registration's executor genesis. It feeds
	// consensus (through the ledger): it must be a pure function.
	CheckGenesis func(genesis []byte) error
	// Open opens (or creates) the executor's store in dir.
	Open func(dir string, genesis []byte) (Executor, error)
}

// kinds are the executor kinds validators run. Adding one is a protocol
// change: every validator must run a binary that has it before a rollup
// registers with it.
var kinds = map[string]Kind{
	"kv": {
		CheckGenesis: func(b []byte) error { _, err := kv.DecodeGenesis(b); return err },
		Open: func(dir string, b []byte) (Executor, error) {
			g, err := kv.DecodeGenesis(b)
			if err != nil {
				return nil, err
			}
			r, err := kv.OpenUnsynced(dir, g)
			if err != nil {
				return nil, err
			}
			return kvExecutor{r}, nil
		},
	},
}

// Kinds implements ledger.ExecutorKinds over the compiled-in kinds.
type Kinds struct{}

// CheckGenesis implements ledger.ExecutorKinds.
func (Kinds) CheckGenesis(kind string, genesis []byte) error {
	k, ok := kinds[kind]
	if !ok {
		return fmt.Errorf("executor kind %q is not supported (this chain runs: kv)", kind)
	}
	return k.CheckGenesis(genesis)
}

// kvExecutor adapts the kv reference rollup.
type kvExecutor struct{ *kv.Rollup }

func (e kvExecutor) Preview(ctx context.Context, pending []sdk.Block) (Preview, error) {
	p, err := e.Rollup.Preview(ctx, pending)
	if err != nil {
		return nil, err
	}
	return kvPreview{p}, nil
}

type kvPreview struct{ *kv.Preview }

func (p kvPreview) Apply(it sdk.Item) error {
	_, err := p.Preview.Apply(it)
	return err
}
