package node

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/cometbft/cometbft/libs/log"

	"github.com/ordolabs/ordo/da-poster/localda"
	"github.com/ordolabs/ordo/da-poster/poster"
	"github.com/ordolabs/ordo/sequencer/state"
)

// daPoster is a node's DA posting: the poster driver, its journal and its
// backend connection.
type daPoster struct {
	driver  *poster.Driver
	journal *poster.BadgerJournal
	backend *localda.Client
}

// newDAPoster builds the poster the config asks for, or returns nil for
// backend "none".
func newDAPoster(cfg *Config, store *state.Store, self []byte, initialHeight int64, logger log.Logger) (*daPoster, error) {
	if cfg.Ordo.DA.Backend != "local" {
		return nil, nil
	}
	backend, err := localda.Dial(cfg.Ordo.DA.LocalAddress)
	if err != nil {
		return nil, fmt.Errorf("local DA at %s: %w", cfg.Ordo.DA.LocalAddress, err)
	}
	journal, err := poster.OpenJournal(filepath.Join(cfg.Comet.DBDir(), "da-poster"), poster.JournalOptions{
		SyncWrites: cfg.Ordo.State.SyncWrites, Logger: badgerLogger{logger},
	})
	if err != nil {
		backend.Close()
		return nil, err
	}
	pc := poster.DefaultConfig()
	pc.Self = self
	pc.StartHeight = max(initialHeight, 1)
	pc.OverdueBlocks = cfg.Ordo.DA.OverdueBlocks
	pc.MaxBatchBytes = cfg.Ordo.DA.MaxBatchBytes
	driver, err := poster.New(pc, poster.Deps{
		Source: blockSource{store}, Backend: backend, Journal: journal, Logger: logger,
	})
	if err != nil {
		journal.Close()
		backend.Close()
		return nil, err
	}
	return &daPoster{driver: driver, journal: journal, backend: backend}, nil
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
