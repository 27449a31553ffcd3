package commitment

import (
	"bytes"
	"errors"
	"fmt"

	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// ErrRecordMismatch: a DA block record does not match the app hash it is
// checked against (a corrupt or forged copy; readers skip it and take the
// next copy of the height).
var ErrRecordMismatch = errors.New("block record does not match the app hash")

// RollupItems is one rollup's items in a block record.
type RollupItems struct {
	Rollup tx.RollupID
	Items  []Item
}

// RecordItems decodes a block record's rollups and checks they are sorted
// by rollup id without duplicates or empty lists.
func RecordItems(rec *deliveryv1.BlockRecord) ([]RollupItems, error) {
	out := make([]RollupItems, 0, len(rec.Rollups))
	for i, r := range rec.Rollups {
		var ri RollupItems
		if len(r.RollupId) != len(ri.Rollup) {
			return nil, fmt.Errorf("record rollup %d: id of %d bytes", i, len(r.RollupId))
		}
		copy(ri.Rollup[:], r.RollupId)
		if i > 0 && bytes.Compare(out[i-1].Rollup[:], ri.Rollup[:]) >= 0 {
			return nil, fmt.Errorf("record rollups not sorted by id at %d", i)
		}
		if len(r.Items) == 0 {
			return nil, fmt.Errorf("record rollup %s without items", ri.Rollup)
		}
		ri.Items = make([]Item, len(r.Items))
		for j, p := range r.Items {
			it, err := ItemFromProto(p)
			if err != nil {
				return nil, fmt.Errorf("record rollup %s item %d: %w", ri.Rollup, j, err)
			}
			ri.Items[j] = it
		}
		out = append(out, ri)
	}
	return out, nil
}

// VerifyRecord checks a block record against the app hash of its height
// (taken from a verified header of height+1) and returns its rollups'
// items. It fails with ErrRecordMismatch unless the record holds exactly
// what the app hash commits to. The record's block time is not under the
// app hash: callers check it against the verified header of the height
// (sdk.DAReader does).
func VerifyRecord(rec *deliveryv1.BlockRecord, appHash []byte) ([]RollupItems, error) {
	if rec == nil {
		return nil, fmt.Errorf("%w: empty record", ErrRecordMismatch)
	}
	c, err := CommitmentFromProto(rec.Commitment)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRecordMismatch, err)
	}
	if c.Height != rec.Height {
		return nil, fmt.Errorf("%w: commitment for height %d in the record of height %d", ErrRecordMismatch, c.Height, rec.Height)
	}
	if !bytes.Equal(c.AppHash(), appHash) {
		return nil, fmt.Errorf("%w: height %d", ErrRecordMismatch, rec.Height)
	}
	rollups, err := RecordItems(rec)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRecordMismatch, err)
	}
	entries := make([]Entry, len(rollups))
	for i, r := range rollups {
		entries[i] = EntryFor(r.Rollup, r.Items)
	}
	tree, err := NewTree(entries)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRecordMismatch, err)
	}
	if tree.Len() != c.RollupEntries || tree.Root() != c.RollupsRoot {
		return nil, fmt.Errorf("%w: height %d: the items do not rebuild the rollups root", ErrRecordMismatch, rec.Height)
	}
	return rollups, nil
}
