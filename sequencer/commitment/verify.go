package commitment

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cometbft/cometbft/crypto/merkle"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// Errors returned by Verify. Each names one way delivered data can be
// wrong; callers match them with errors.Is.
var (
	// ErrItemsMismatch: the items do not hash to the committed data root
	// (an item was dropped, added, altered or reordered).
	ErrItemsMismatch = errors.New("rollup items do not match the committed data root")
	// ErrCountMismatch: the number of items differs from the committed count.
	ErrCountMismatch = errors.New("rollup item count does not match the commitment")
	// ErrWrongRollup: the proof is for another rollup's entry.
	ErrWrongRollup = errors.New("proof is for another rollup")
	// ErrBadProof: a Merkle path does not lead to the committed rollups root,
	// or its shape is malformed.
	ErrBadProof = errors.New("rollup proof does not verify against the rollups root")
	// ErrNotAbsent: an absence proof does not show that the rollup has no
	// entry (the neighbours are not adjacent or do not bracket the rollup).
	ErrNotAbsent = errors.New("absence proof does not exclude the rollup")
	// ErrUnexpectedItems: items were delivered with an absence proof.
	ErrUnexpectedItems = errors.New("items delivered for a rollup the commitment says has none")
)

// Verify checks that items are exactly rollup id's items in a block whose
// rollups tree has root and entries entries, using proof p. It returns nil
// only if the items are complete and in committed order (or the rollup has
// no items and items is empty).
func Verify(root [32]byte, entries uint32, id tx.RollupID, items []Item, p RollupProof) error {
	if p.Entry != nil {
		if p.Left != nil || p.Right != nil {
			return fmt.Errorf("%w: both inclusion and absence parts present", ErrBadProof)
		}
		e := p.Entry.Entry
		if e.Rollup != id {
			return fmt.Errorf("%w: entry for %s, want %s", ErrWrongRollup, e.Rollup, id)
		}
		if err := verifyEntry(root, entries, p.Entry); err != nil {
			return err
		}
		if uint32(len(items)) != e.Count {
			return fmt.Errorf("%w: %d items, committed %d", ErrCountMismatch, len(items), e.Count)
		}
		if got := DataRoot(items); got != e.DataRoot {
			return fmt.Errorf("%w: root %X, committed %X", ErrItemsMismatch, got[:], e.DataRoot[:])
		}
		return nil
	}
	if len(items) != 0 {
		return fmt.Errorf("%w: %d items", ErrUnexpectedItems, len(items))
	}
	return verifyAbsent(root, entries, id, p.Left, p.Right)
}

func verifyAbsent(root [32]byte, entries uint32, id tx.RollupID, left, right *EntryProof) error {
	if entries == 0 {
		if left != nil || right != nil {
			return fmt.Errorf("%w: neighbours given for an empty tree", ErrNotAbsent)
		}
		if empty := EmptyRoot(); root != empty {
			return fmt.Errorf("%w: empty tree with root %X", ErrBadProof, root[:])
		}
		return nil
	}
	if left == nil && right == nil {
		return fmt.Errorf("%w: no neighbours for a tree of %d entries", ErrNotAbsent, entries)
	}
	if left != nil {
		if err := verifyEntry(root, entries, left); err != nil {
			return err
		}
		if bytes.Compare(left.Entry.Rollup[:], id[:]) >= 0 {
			return fmt.Errorf("%w: left neighbour %s does not sort before %s", ErrNotAbsent, left.Entry.Rollup, id)
		}
		if right == nil && left.Index != entries-1 {
			return fmt.Errorf("%w: left neighbour at %d is not the last of %d entries", ErrNotAbsent, left.Index, entries)
		}
	}
	if right != nil {
		if err := verifyEntry(root, entries, right); err != nil {
			return err
		}
		if bytes.Compare(right.Entry.Rollup[:], id[:]) <= 0 {
			return fmt.Errorf("%w: right neighbour %s does not sort after %s", ErrNotAbsent, right.Entry.Rollup, id)
		}
		if left == nil && right.Index != 0 {
			return fmt.Errorf("%w: right neighbour at %d is not the first entry", ErrNotAbsent, right.Index)
		}
	}
	if left != nil && right != nil && right.Index != left.Index+1 {
		return fmt.Errorf("%w: neighbours at %d and %d are not adjacent", ErrNotAbsent, left.Index, right.Index)
	}
	return nil
}

// verifyEntry checks e's Merkle path against root for a tree of entries
// leaves. The committed entry count fixes the tree's shape, which binds the
// index: a path cannot be replayed at another position.
func verifyEntry(root [32]byte, entries uint32, e *EntryProof) error {
	if e.Index >= entries {
		return fmt.Errorf("%w: index %d of %d entries", ErrBadProof, e.Index, entries)
	}
	if e.Entry.Count == 0 {
		return fmt.Errorf("%w: entry with no items", ErrBadProof)
	}
	leaf := EntryLeaf(e.Entry)
	mp := &merkle.Proof{
		Total: int64(entries), Index: int64(e.Index),
		LeafHash: leafHash(leaf), Aunts: e.Aunts,
	}
	if err := mp.ValidateBasic(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadProof, err)
	}
	if err := mp.Verify(root[:], leaf); err != nil {
		return fmt.Errorf("%w: entry %d: %v", ErrBadProof, e.Index, err)
	}
	return nil
}
