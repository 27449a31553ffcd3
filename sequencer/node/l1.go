package node

import (
	"context"
	"fmt"
	"time"

	"github.com/cometbft/cometbft/libs/log"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/ethereum/go-ethereum/common"

	"github.com/ordolabs/ordo/consensus"
	"github.com/ordolabs/ordo/l1/inbox"
	"github.com/ordolabs/ordo/sequencer/forced"
)

// newL1Follower starts nothing: it builds the L1 inbox follower when the
// genesis enables the inbox and ordo.toml names an endpoint (nil
// otherwise). The inbox address, start block and message size limit come
// from genesis so every validator reads the same messages.
func newL1Follower(cfg *Config, gen *cmttypes.GenesisDoc, logger log.Logger) (*inbox.Follower, error) {
	cs, err := consensus.ParseGenesis(gen.ChainID, gen.AppState)
	if err != nil {
		return nil, err
	}
	p := cs.Params.Inbox
	if !p.Enabled {
		return nil, nil
	}
	if cfg.Ordo.L1.RPC == "" {
		logger.Error("genesis enables the L1 inbox but ordo.toml has no [l1] rpc: this validator reports no L1 head and rejects blocks that import L1 messages")
		return nil, nil
	}
	ic := inbox.DefaultConfig()
	ic.RPCURL, ic.Inbox, ic.StartBlock, ic.ChainID = cfg.Ordo.L1.RPC, common.Address(p.Address), p.StartBlock, p.ChainID
	ic.MaxDataBytes = int(p.MaxForcedBytes)
	ic.PollInterval = time.Second
	ic.Logger = logger
	f, err := inbox.New(ic)
	if err != nil {
		return nil, fmt.Errorf("L1 inbox follower: %w", err)
	}
	return f, nil
}

// l1Source adapts the follower to consensus.L1Source.
type l1Source struct{ f *inbox.Follower }

// Finalized reports the follower's readable head: finalized blocks it has
// read, so the L1 origin only covers blocks the reporters can serve.
func (s l1Source) Finalized() uint64 { return s.f.ReadableHead() }

func (s l1Source) Messages(ctx context.Context, from, to uint64) ([]forced.Message, error) {
	msgs, err := s.f.Messages(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]forced.Message, len(msgs))
	for i, m := range msgs {
		out[i] = forced.Message{L1Block: m.L1Block, TxIndex: m.TxIndex, L1Tx: m.L1Tx, Data: m.Data, Oversize: m.Oversize}
	}
	return out, nil
}
