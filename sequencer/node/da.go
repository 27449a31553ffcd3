package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cometbft/cometbft/libs/log"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ordolabs/ordo/da-poster/da"
	"github.com/ordolabs/ordo/da-poster/ethda"
	"github.com/ordolabs/ordo/da-poster/localda"
	"github.com/ordolabs/ordo/da-poster/poster"
	"github.com/ordolabs/ordo/sequencer/state"
)

// daPoster is a node's DA posting: the poster driver, its journal and its
// backend connection.
type daPoster struct {
	driver  *poster.Driver
	journal *poster.BadgerJournal
	backend io.Closer
}

// daBackend opens the backend ordo.toml names, and returns the largest
// batch it takes (0: no limit beyond the config).
func daBackend(cfg *Config, logger log.Logger) (da.Backend, io.Closer, int, error) {
	c := cfg.Ordo.DA
	switch c.Backend {
	case "local":
		b, err := localda.Dial(c.LocalAddress)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("local DA at %s: %w", c.LocalAddress, err)
		}
		return b, b, 0, nil
	case "ethereum":
		keyFile := c.EthKeyFile
		if !filepath.IsAbs(keyFile) {
			keyFile = filepath.Join(cfg.Comet.RootDir, keyFile)
		}
		raw, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("DA poster key: %w", err)
		}
		key, err := crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(string(raw)), "0x"))
		if err != nil {
			return nil, nil, 0, fmt.Errorf("DA poster key %s: %w", keyFile, err)
		}
		if !common.IsHexAddress(c.EthInbox) {
			return nil, nil, 0, fmt.Errorf("da.eth_inbox %q is not an address", c.EthInbox)
		}
		ec := ethda.DefaultConfig()
		ec.RPCURL, ec.BeaconURL, ec.ChainID = c.EthRPC, c.EthBeacon, c.EthChainID
		ec.Key, ec.Inbox, ec.ReadStartBlock = key, common.HexToAddress(c.EthInbox), c.EthStartBlock
		ec.JournalDir = filepath.Join(cfg.Comet.DBDir(), "ethda")
		ec.Logger = logger
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		b, err := ethda.Open(ctx, ec)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("ethereum DA: %w", err)
		}
		return b, b, b.MaxPayload(), nil
	}
	return nil, nil, 0, nil
}

// newDAPoster builds the poster the config asks for, or returns nil for
// backend "none".
func newDAPoster(cfg *Config, store *state.Store, self []byte, initialHeight int64, logger log.Logger) (*daPoster, error) {
	backend, closer, maxBatch, err := daBackend(cfg, logger)
	if err != nil || backend == nil {
		return nil, err
	}
	journal, err := poster.OpenJournal(filepath.Join(cfg.Comet.DBDir(), "da-poster"), poster.JournalOptions{
		SyncWrites: cfg.Ordo.State.SyncWrites, Logger: badgerLogger{logger},
	})
	if err != nil {
		closer.Close()
		return nil, err
	}
	pc := poster.DefaultConfig()
	pc.Self = self
	pc.StartHeight = max(initialHeight, 1)
	pc.OverdueBlocks = cfg.Ordo.DA.OverdueBlocks
	pc.MaxBatchBytes = cfg.Ordo.DA.MaxBatchBytes
	if maxBatch > 0 && maxBatch < pc.MaxBatchBytes {
		pc.MaxBatchBytes = maxBatch
	}
	driver, err := poster.New(pc, poster.Deps{
		Source: blockSource{store}, Backend: backend, Journal: journal, Logger: logger,
	})
	if err != nil {
		journal.Close()
		closer.Close()
		return nil, err
	}
	return &daPoster{driver: driver, journal: journal, backend: closer}, nil
}

// firmHeight is nil-safe: 0 without a poster.
func (p *daPoster) firmHeight() int64 {
	if p == nil {
		return 0
	}
	return p.driver.FirmHeight()
}

func (p *daPoster) start() error {
	if p == nil {
		return nil
	}
	return p.driver.Start()
}

func (p *daPoster) stop() error {
	if p == nil {
		return nil
	}
	return errors.Join(p.driver.Stop(), p.journal.Close(), p.backend.Close())
}

// blockSource is the poster's view of the state store: one block record
// (commitment.VerifyRecord's input) per committed height.
type blockSource struct {
	store *state.Store
}

func (b blockSource) LastHeight() (int64, error) {
	h, _, err := b.store.LastCommitted()
	return h, err
}

func (b blockSource) Record(height int64) ([]byte, error) {
	rec, err := b.store.BlockRecord(height)
	if err != nil {
		return nil, fmt.Errorf("block record %d: %w", height, err)
	}
	return rec.Marshal()
}

func (b blockSource) Proposer(height int64) ([]byte, error) {
	block, err := b.store.Block(height)
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", height, err)
	}
	return block.Proposer, nil
}
