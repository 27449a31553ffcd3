package consensus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/ordolabs/ordo/ordering"
	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/atomic"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/state"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// BundleSimulator is this validator's verifier-mode executors for atomic
// rollups (sequencer/atomic.Runner). It is local machinery: only
// ExtendVote calls it, and what it reports is checked by quorum
// (ordering.DecideVerdicts), never trusted alone.
type BundleSimulator interface {
	// Outcomes executes the steps of block height, in order, on the atomic
	// rollups' state after block height-1 executed with prev (that
	// block's decided atomic bundles; nil when it had none), and returns
	// one ordering.Outcome per bundle step, in order. Nothing is persisted
	// for block height.
	Outcomes(ctx context.Context, height int64, prev *consensusv1.BundleVerdicts, steps []atomic.Step) ([]byte, error)
}

// SetExecutors enables atomic rollups: kinds checks registrations, sim (nil
// allowed: the validator then reports every outcome unknown) runs the
// executors. Call before the node starts.
func (a *App) SetExecutors(kinds ledger.ExecutorKinds, sim BundleSimulator) {
	a.kinds, a.sim = kinds, sim
	a.params.Executors = kinds
}

// MaxReportedBundles is how many atomic bundles of a block validators
// report on (the first ones, in block order). Any later atomic bundle of
// the block is aborted without reports: it keeps vote extensions, and E,
// small whatever the block holds (docs/spec/bundles.md).
const MaxReportedBundles = 1024

// maxOutcomeBytes bounds the packed outcome vector of one extension with
// its protobuf framing, for the genesis bound on E (MaxExtCommitBytes).
const maxOutcomeBytes = (MaxReportedBundles+3)/4 + 6

// checkOutcomeBounds is ProcessProposal's check of E's outcome vectors
// (VerifyVoteExtension's rule), after verifyExtCommit: each committed
// vote's packed outcomes fit the bound, so a proposer cannot pad E with its
// own oversize extension.
func checkOutcomeBounds(ext abci.ExtendedCommitInfo, maxBundles int) error {
	for i, c := range committedExtensions(ext) {
		if !ordering.ValidPackedOutcomes(c.ve.BundleOutcomes, maxBundles) {
			return fmt.Errorf("extension %d: bundle outcomes of %d bytes out of bounds or malformed", i, len(c.ve.BundleOutcomes))
		}
	}
	return nil
}

// indexedTx is a decoded user tx at its position in the block.
type indexedTx struct {
	index uint32
	t     *tx.Tx
}

// bundleScan is what a block's bundles are, against the rollup registry
// committed before the block.
type bundleScan struct {
	// atomic are the tx indexes of the atomic bundles (a leg on a rollup
	// registered atomic before this height), in block order.
	atomic []uint32
	// steps are the block's items for atomic rollups in global order (only
	// when asked for).
	steps []atomic.Step
	// status are the status records of all the block's bundles.
	status []*sequencerv1.BundleResponse
}

type rollupReader interface {
	Rollup(id tx.RollupID) (ledger.Rollup, bool, error)
}

// scanBundles scans txs (in block order) of block height. A rollup is
// atomic for the block when its committed record is atomic and was
// registered before height (ledger refuses bundle legs for a rollup in its
// registration block, so every bundle's status follows from committed
// state).
func scanBundles(reg rollupReader, height int64, txs []indexedTx, withSteps bool) (bundleScan, error) {
	var out bundleScan
	atomicRollup := make(map[tx.RollupID]bool)
	isAtomic := func(id tx.RollupID) (bool, error) {
		if v, ok := atomicRollup[id]; ok {
			return v, nil
		}
		r, ok, err := reg.Rollup(id)
		if err != nil {
			return false, err
		}
		v := ok && r.Atomic && r.RegisteredHeight < height
		atomicRollup[id] = v
		return v, nil
	}
	for _, it := range txs {
		t := it.t
		for ai, act := range t.Actions {
			item := sdk.Item{TxHash: t.Hash, TxIndex: it.index, ActionIndex: uint32(ai), Sender: t.Sender}
			switch act := act.(type) {
			case *tx.RollupData:
				if !withSteps {
					continue
				}
				ok, err := isAtomic(act.Rollup)
				if err != nil {
					return bundleScan{}, err
				}
				if ok {
					item.Data = act.Data
					out.steps = append(out.steps, atomic.Step{Items: []atomic.RollupItem{{Rollup: act.Rollup, Item: item}}})
				}
			case *tx.Bundle:
				st := &sequencerv1.BundleResponse{Height: height, TxIndex: it.index}
				step := atomic.Step{Bundle: true}
				for li, l := range act.Legs {
					ok, err := isAtomic(l.Rollup)
					if err != nil {
						return bundleScan{}, err
					}
					st.Legs = append(st.Legs, &sequencerv1.BundleLegStatus{RollupId: append([]byte(nil), l.Rollup[:]...), Atomic: ok, Size_: uint32(len(l.Data))})
					if ok {
						leg := item
						leg.Data = l.Data
						leg.Bundle = &sdk.BundleLeg{Index: uint32(li), Count: uint32(len(act.Legs))}
						step.Items = append(step.Items, atomic.RollupItem{Rollup: l.Rollup, Item: leg})
					}
				}
				if len(step.Items) > 0 {
					st.Verdict = sequencerv1.BundleVerdictState_BUNDLE_VERDICT_PENDING
					out.atomic = append(out.atomic, it.index)
					if withSteps {
						out.steps = append(out.steps, step)
					}
				}
				out.status = append(out.status, st)
			}
		}
	}
	out.steps = stepsForBundles(out.steps)
	return out, nil
}

// stepsForBundles keeps the steps that can change an outcome: the bundles,
// and the ordinary items of rollups some bundle has a leg on (in order).
// Items of atomic rollups no bundle touches are left to the executors'
// background catch-up.
func stepsForBundles(steps []atomic.Step) []atomic.Step {
	touched := make(map[tx.RollupID]bool)
	for _, s := range steps {
		if s.Bundle {
			for _, it := range s.Items {
				touched[it.Rollup] = true
			}
		}
	}
	out := steps[:0]
	for _, s := range steps {
		if s.Bundle || touched[s.Items[0].Rollup] {
			out = append(out, s)
		}
	}
	return out
}

// bundleOutcomes is ExtendVote's report on block height's atomic bundles:
// one ordering.Outcome per bundle, packed, or nil when the block has none, this
// validator runs no executors, or they failed (unknown: it then does not
// count towards any verdict).
func (a *App) bundleOutcomes(ctx context.Context, height int64, raws [][]byte) []byte {
	if a.sim == nil || !a.anyAtomic.Load() {
		return nil
	}
	var (
		txs  []indexedTx
		prev *consensusv1.BundleVerdicts
	)
	for i, raw := range raws {
		if commitment.IsVerdictsTx(raw) {
			v, err := commitment.DecodeVerdictsTx(raw)
			if err != nil {
				return nil
			}
			prev = v
			continue
		}
		if len(raw) > 0 && raw[0] == 0xFF {
			continue // E and the L1 import
		}
		if t, err := a.decodeVerified(raw); err == nil {
			txs = append(txs, indexedTx{uint32(i), t})
		}
	}
	snap := a.store.Snapshot()
	scan, err := scanBundles(snap, height, txs, true)
	snap.Discard()
	if err != nil || len(scan.atomic) == 0 {
		return nil
	}
	out, err := a.sim.Outcomes(ctx, height, prev, scan.steps)
	if err != nil || len(out) != len(scan.atomic) {
		a.logger.Error("atomic executors could not report on the block's bundles (reporting unknown)", "height", height, "bundles", len(scan.atomic), "err", err)
		return nil
	}
	return ordering.PackOutcomes(out[:min(len(out), MaxReportedBundles)])
}

// outcomeReports extracts the bundle outcomes from E's committed votes.
func outcomeReports(ext abci.ExtendedCommitInfo) []ordering.OutcomeReport {
	var out []ordering.OutcomeReport
	for _, c := range committedExtensions(ext) {
		out = append(out, ordering.OutcomeReport{Power: c.power, Outcomes: c.ve.BundleOutcomes})
	}
	return out
}

// planVerdicts decides, for block height, the atomic bundles of block
// height-1 from E (nil when it had none). It reads committed state and E
// only, so proposer and validators derive the same verdicts.
func (a *App) planVerdicts(snap *state.Snapshot, height int64, ext abci.ExtendedCommitInfo) (*consensusv1.BundleVerdicts, error) {
	list, ok, err := snap.AtomicBundles(height - 1)
	if err != nil || !ok {
		return nil, err
	}
	reported := min(len(list.TxIndexes), MaxReportedBundles)
	commits := ordering.DecideVerdicts(reported, outcomeReports(ext), a.vals.total)
	commits = append(commits, make([]bool, len(list.TxIndexes)-reported)...) // ABORT beyond the reported ones
	return &consensusv1.BundleVerdicts{Height: height - 1, TxIndexes: list.TxIndexes, Commits: commits}, nil
}

// checkVerdicts checks the block's next system tx against the planned
// verdicts: exactly their canonical encoding, or no verdicts tx when none
// are due. A flipped, missing, extra or reordered verdict is a REJECT.
func checkVerdicts(want *consensusv1.BundleVerdicts, raws [][]byte) error {
	has := len(raws) > 0 && commitment.IsVerdictsTx(raws[0])
	if want == nil {
		if has {
			return errors.New("bundle verdicts where none are due")
		}
		return nil
	}
	if !has {
		return fmt.Errorf("bundle verdicts for the %d atomic bundles of height %d missing", len(want.TxIndexes), want.Height)
	}
	wb, err := commitment.EncodeVerdictsTx(want)
	if err != nil {
		return err
	}
	if !bytes.Equal(raws[0], wb) {
		got, err := commitment.DecodeVerdictsTx(raws[0])
		if err != nil {
			return err
		}
		return fmt.Errorf("bundle verdicts differ from the vote extensions (got %v for height %d, E decides %v for height %d)",
			got.Commits, got.Height, want.Commits, want.Height)
	}
	return nil
}

// finalizeBundles derives a decided block's bundle changes: the status of
// its bundles, its own atomic bundles (decided by the next block), and the
// verdicts it carries (verdicts; nil when none) for the previous height's.
func (a *App) finalizeBundles(snap *state.Snapshot, height int64, verdicts []byte, txs []indexedTx) (*state.BundleChanges, error) {
	scan, err := scanBundles(snap, height, txs, false)
	if err != nil {
		return nil, err
	}
	ch := &state.BundleChanges{Status: scan.status}
	if len(scan.atomic) > 0 {
		ch.Atomic = &consensusv1.BundleVerdicts{Height: height, TxIndexes: scan.atomic}
	}
	if verdicts != nil {
		if ch.Decided, err = a.decided(snap, height, verdicts); err != nil {
			return nil, err
		}
		if ch.Decided != nil {
			st, err := decidedStatus(snap, height, ch.Decided)
			if err != nil {
				return nil, err
			}
			ch.Status = append(ch.Status, st...)
		}
	}
	if ch.Atomic == nil && ch.Decided == nil && len(ch.Status) == 0 {
		return nil, nil
	}
	return ch, nil
}

// decided checks a decided block's verdicts tx against the previous
// height's atomic bundles (ProcessProposal did; a replayed block that
// differs is logged and its verdicts ignored).
func (a *App) decided(snap *state.Snapshot, height int64, raw []byte) (*consensusv1.BundleVerdicts, error) {
	v, err := commitment.DecodeVerdictsTx(raw)
	if err != nil {
		a.logger.Error("decided block carries a malformed verdicts tx", "height", height, "err", err)
		return nil, nil
	}
	list, ok, err := snap.AtomicBundles(height - 1)
	if err != nil {
		return nil, err
	}
	if !ok || v.Height != height-1 || !slices.Equal(v.TxIndexes, list.TxIndexes) {
		a.logger.Error("decided block's verdicts do not match the previous height's atomic bundles", "height", height)
		return nil, nil
	}
	return v, nil
}

// decidedStatus updates the status records of the decided bundles.
func decidedStatus(snap *state.Snapshot, height int64, v *consensusv1.BundleVerdicts) ([]*sequencerv1.BundleResponse, error) {
	out := make([]*sequencerv1.BundleResponse, 0, len(v.TxIndexes))
	for i, idx := range v.TxIndexes {
		st, err := snap.BundleStatusAt(height-1, idx)
		if err != nil {
			return nil, fmt.Errorf("bundle at height %d tx %d: %w", height-1, idx, err)
		}
		st.Verdict = sequencerv1.BundleVerdictState_BUNDLE_VERDICT_ABORT
		if v.Commits[i] {
			st.Verdict = sequencerv1.BundleVerdictState_BUNDLE_VERDICT_COMMIT
		}
		st.VerdictHeight = height
		out = append(out, st)
	}
	return out, nil
}

// bundlesDigest chains a block's atomic bundle list and the verdicts it
// carries into the state digest d (unchanged when it has neither):
//
//	sha256("ordo.state+bundles.v1" || d || be32(len(a)) || a || be32(len(v)) || v)
//
// with a and v the canonical encodings of BundleChanges.Atomic and Decided
// (empty when nil).
func bundlesDigest(d [32]byte, ch *state.BundleChanges) ([32]byte, error) {
	if ch == nil || (ch.Atomic == nil && ch.Decided == nil) {
		return d, nil
	}
	h := sha256.New()
	h.Write([]byte("ordo.state+bundles.v1"))
	h.Write(d[:])
	for _, m := range []*consensusv1.BundleVerdicts{ch.Atomic, ch.Decided} {
		var b []byte
		if m != nil {
			var err error
			if b, err = m.Marshal(); err != nil {
				return d, err
			}
		}
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(b))))
		h.Write(b)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out, nil
}
