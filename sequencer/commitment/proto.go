package commitment

import (
	"fmt"

	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// ItemToProto converts an item to its wire form.
func ItemToProto(it Item) *sequencerv1.RollupItem {
	return &sequencerv1.RollupItem{
		TxHash: it.TxHash.String(), TxIndex: it.TxIndex, ActionIndex: it.ActionIndex,
		Data: it.Data, Sender: append([]byte(nil), it.Sender[:]...),
		BundleLegIndex: it.BundleIndex, BundleLegCount: it.BundleCount,
	}
}

// ItemFromProto converts a wire item, checking field sizes.
func ItemFromProto(p *sequencerv1.RollupItem) (Item, error) {
	var it Item
	if p == nil {
		return it, fmt.Errorf("missing item")
	}
	h, err := tx.ParseHash(p.TxHash)
	if err != nil {
		return it, err
	}
	if len(p.Sender) != len(it.Sender) {
		return it, fmt.Errorf("item sender of %d bytes, want %d", len(p.Sender), len(it.Sender))
	}
	if p.BundleLegCount == 0 && p.BundleLegIndex != 0 || p.BundleLegCount != 0 && p.BundleLegIndex >= p.BundleLegCount {
		return it, fmt.Errorf("bundle leg %d of %d", p.BundleLegIndex, p.BundleLegCount)
	}
	it.TxHash, it.TxIndex, it.ActionIndex, it.Data = h, p.TxIndex, p.ActionIndex, p.Data
	copy(it.Sender[:], p.Sender)
	it.BundleIndex, it.BundleCount = p.BundleLegIndex, p.BundleLegCount
	return it, nil
}

// ProofToProto converts a rollup proof to its wire form.
func ProofToProto(p RollupProof) *deliveryv1.RollupProof {
	return &deliveryv1.RollupProof{Entry: entryToProto(p.Entry), Left: entryToProto(p.Left), Right: entryToProto(p.Right)}
}

func entryToProto(e *EntryProof) *deliveryv1.EntryProof {
	if e == nil {
		return nil
	}
	return &deliveryv1.EntryProof{
		RollupId: append([]byte(nil), e.Entry.Rollup[:]...), Count: e.Entry.Count,
		DataRoot: append([]byte(nil), e.Entry.DataRoot[:]...), Index: e.Index, Aunts: e.Aunts,
	}
}

// maxAunts bounds a Merkle path: a tree of at most 2^32 entries.
const maxAunts = 32

// ProofFromProto converts a wire proof, checking field sizes. It does not
// verify the proof; Verify does.
func ProofFromProto(p *deliveryv1.RollupProof) (RollupProof, error) {
	if p == nil {
		return RollupProof{}, fmt.Errorf("%w: missing proof", ErrBadProof)
	}
	var out RollupProof
	var err error
	if out.Entry, err = entryFromProto(p.Entry); err != nil {
		return RollupProof{}, err
	}
	if out.Left, err = entryFromProto(p.Left); err != nil {
		return RollupProof{}, err
	}
	if out.Right, err = entryFromProto(p.Right); err != nil {
		return RollupProof{}, err
	}
	return out, nil
}

func entryFromProto(p *deliveryv1.EntryProof) (*EntryProof, error) {
	if p == nil {
		return nil, nil
	}
	e := &EntryProof{Index: p.Index}
	if len(p.RollupId) != len(e.Entry.Rollup) || len(p.DataRoot) != len(e.Entry.DataRoot) {
		return nil, fmt.Errorf("%w: entry with a %d-byte rollup id and a %d-byte data root", ErrBadProof, len(p.RollupId), len(p.DataRoot))
	}
	if len(p.Aunts) > maxAunts {
		return nil, fmt.Errorf("%w: %d aunts", ErrBadProof, len(p.Aunts))
	}
	for i, a := range p.Aunts {
		if len(a) != 32 {
			return nil, fmt.Errorf("%w: aunt %d of %d bytes", ErrBadProof, i, len(a))
		}
	}
	copy(e.Entry.Rollup[:], p.RollupId)
	copy(e.Entry.DataRoot[:], p.DataRoot)
	e.Entry.Count = p.Count
	e.Aunts = p.Aunts
	return e, nil
}

// CommitmentToProto converts a block commitment to its wire form.
func CommitmentToProto(b Block) *deliveryv1.BlockCommitment {
	return &deliveryv1.BlockCommitment{
		PrevAppHash: b.PrevAppHash, Height: b.Height, StateDigest: append([]byte(nil), b.StateDigest[:]...),
		RollupEntries: b.RollupEntries, RollupsRoot: append([]byte(nil), b.RollupsRoot[:]...),
	}
}

// CommitmentFromProto converts a wire block commitment, checking sizes.
func CommitmentFromProto(p *deliveryv1.BlockCommitment) (Block, error) {
	var b Block
	if p == nil {
		return b, fmt.Errorf("missing block commitment")
	}
	if len(p.StateDigest) != 32 || len(p.RollupsRoot) != 32 || (len(p.PrevAppHash) != 0 && len(p.PrevAppHash) != 32) {
		return b, fmt.Errorf("block commitment with malformed hashes")
	}
	b.PrevAppHash, b.Height, b.RollupEntries = p.PrevAppHash, p.Height, p.RollupEntries
	copy(b.StateDigest[:], p.StateDigest)
	copy(b.RollupsRoot[:], p.RollupsRoot)
	return b, nil
}

// BlockOf reads the app-hash preimage a block record carries (written by
// FinalizeBlock: prev_app_hash, state_digest, rollup_entries,
// rollups_root).
func BlockOf(b *sequencerv1.BlockResponse) Block {
	c := Block{PrevAppHash: b.PrevAppHash, Height: b.Height, RollupEntries: b.RollupEntries}
	copy(c.StateDigest[:], b.StateDigest)
	copy(c.RollupsRoot[:], b.RollupsRoot)
	return c
}
