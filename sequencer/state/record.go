package state

import (
	"fmt"

	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
)

// BlockRecord assembles what a committed height contributes to the DA
// layer: its app-hash preimage and every rollup's items, sorted by rollup
// id (see commitment.VerifyRecord). It returns ErrNotFound for heights
// without a block record.
func (s *Store) BlockRecord(height int64) (*deliveryv1.BlockRecord, error) {
	block, err := s.Block(height)
	if err != nil {
		return nil, err
	}
	entries, err := s.RollupEntries(height)
	if err != nil {
		return nil, err
	}
	c := commitment.BlockOf(block)
	rec := &deliveryv1.BlockRecord{
		Height: height, TimeUnixNano: block.TimeUnixNano, Commitment: commitment.CommitmentToProto(c),
		Rollups: make([]*deliveryv1.RollupItems, 0, len(entries)),
	}
	for _, e := range entries {
		rb, err := s.RollupBlock(e.Rollup, height)
		if err != nil {
			return nil, err
		}
		if uint32(len(rb.Items)) != e.Count {
			return nil, fmt.Errorf("height %d rollup %s: %d items stored, %d committed", height, e.Rollup, len(rb.Items), e.Count)
		}
		rec.Rollups = append(rec.Rollups, &deliveryv1.RollupItems{RollupId: append([]byte(nil), e.Rollup[:]...), Items: rb.Items})
	}
	return rec, nil
}
