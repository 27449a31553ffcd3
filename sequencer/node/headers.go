package node

import (
	"fmt"

	"github.com/cometbft/cometbft/store"
	cmttypes "github.com/cometbft/cometbft/types"
)

// cometHeaders reads signed headers from CometBFT's block store, the way
// CometBFT's /commit RPC does: the canonical commit (from the next block)
// when there is one, else this node's seen commit for the latest height.
type cometHeaders struct {
	bs *store.BlockStore
}

func (c cometHeaders) Height() int64 { return c.bs.Height() }

func (c cometHeaders) SignedHeader(height int64) (*cmttypes.SignedHeader, error) {
	meta := c.bs.LoadBlockMeta(height)
	if meta == nil {
		return nil, fmt.Errorf("no block meta at height %d", height)
	}
	commit := c.bs.LoadBlockCommit(height)
	if commit == nil {
		commit = c.bs.LoadSeenCommit(height)
	}
	if commit == nil {
		return nil, fmt.Errorf("no commit for height %d", height)
	}
	return &cmttypes.SignedHeader{Header: &meta.Header, Commit: commit}, nil
}
