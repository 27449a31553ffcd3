package consensus

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"

	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
	"github.com/ordolabs/ordo/sequencer/forced"
	"github.com/ordolabs/ordo/sequencer/state"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// L1Source is this validator's view of the L1 inbox (l1/inbox.Follower
// behind an adapter). It is local data: validators may disagree, and only
// ExtendVote, PrepareProposal and ProcessProposal read it — never
// FinalizeBlock, which reads the import from the block.
type L1Source interface {
	// Finalized is the highest finalized L1 block this validator has read
	// (with every block before it), the head it reports in ExtendVote.
	Finalized() uint64
	// Messages returns the inbox messages of L1 blocks [from, to], in order;
	// it fails for blocks above Finalized.
	Messages(ctx context.Context, from, to uint64) ([]forced.Message, error)
}

// SetL1 gives the app its L1 inbox follower (call before the node starts).
func (a *App) SetL1(src L1Source) { a.l1 = src }

// l1ImportMagic starts the system tx importing L1 inbox messages; like E's,
// 0xFF cannot start a user tx.
var l1ImportMagic = []byte("\xffORDO/L1")

// IsL1ImportTx reports whether raw is the L1 import system tx.
func IsL1ImportTx(raw []byte) bool { return bytes.HasPrefix(raw, l1ImportMagic) }

// maxDueEntries bounds the queue entries read to find the due prefix.
const maxDueEntries = 4096

// inboxPlan is what block h+1 must do with the L1 inbox, derived from the
// committed inbox state, E and (for the import) this validator's follower.
type inboxPlan struct {
	before forced.State
	// Import, when the cursor moves, is the L1Import system tx content.
	imp *consensusv1.L1Import
	// due are the queue's head entries the block must include or excuse;
	// dueTxs their decoded txs.
	due    []forced.Entry
	dueTxs []*tx.Tx
}

func (a *App) inboxParams() forced.Params {
	p := a.params.Inbox
	return forced.Params{StartBlock: p.StartBlock, MaxImportBlocks: p.MaxImportBlocks,
		MaxImportBytes: p.MaxImportBytes, MaxForcedBytes: p.MaxForcedBytes, DueBlocks: p.DueBlocks}
}

// inboxState reads the committed inbox state (the start state before the
// first import).
func (a *App) inboxState(snap *state.Snapshot) (forced.State, error) {
	s, ok, err := snap.InboxState()
	if err != nil || ok {
		return s, err
	}
	return forced.State{Cursor: forced.Start(a.inboxParams())}, nil
}

// l1Reports extracts the L1 finalized heads from E's committed votes.
func l1Reports(ext abci.ExtendedCommitInfo) []forced.Report {
	var out []forced.Report
	for _, c := range committedExtensions(ext) {
		out = append(out, forced.Report{Power: c.power, Finalized: c.ve.L1Finalized})
	}
	return out
}

// planInbox computes the inbox plan for the next block. The due prefix
// depends only on committed state; the import also on E (the target) and
// on this validator's follower, which must hold the L1 blocks up to the
// target: without them the plan fails (the proposer then proposes no
// import, and ProcessProposal rejects — both only delay the inbox).
func (a *App) planInbox(ctx context.Context, snap *state.Snapshot, ext abci.ExtendedCommitInfo) (inboxPlan, error) {
	p := a.inboxParams()
	s, err := a.inboxState(snap)
	if err != nil {
		return inboxPlan{}, err
	}
	plan := inboxPlan{}
	plan.before = s
	if plan.due, plan.dueTxs, err = a.duePrefix(snap, s); err != nil {
		return inboxPlan{}, err
	}
	target := forced.Target(l1Reports(ext), a.vals.total)
	if target < s.Cursor.Block {
		return plan, nil // nothing new finalized (never moves backwards)
	}
	if a.l1 == nil {
		return plan, errors.New("L1 inbox: this validator has no L1 endpoint ([l1] rpc in ordo.toml) to read the agreed L1 blocks")
	}
	msgs, next, err := forced.NextImport(p, s.Cursor, target, s.Bytes, func(b uint64) ([]forced.Message, error) {
		return a.l1.Messages(ctx, b, b)
	})
	if err != nil {
		return plan, fmt.Errorf("L1 inbox: reading L1 blocks %d..%d: %w", s.Cursor.Block, target, err)
	}
	if next == s.Cursor {
		return plan, nil
	}
	imp := &consensusv1.L1Import{StartBlock: s.Cursor.Block, StartIndex: s.Cursor.Index, EndBlock: next.Block, EndIndex: next.Index}
	for _, m := range msgs {
		imp.Messages = append(imp.Messages, &consensusv1.L1Message{
			L1Block: m.L1Block, TxIndex: m.TxIndex, L1Tx: append([]byte(nil), m.L1Tx[:]...),
			Data: m.Data, Oversize: m.Oversize,
		})
	}
	plan.imp = imp
	return plan, nil
}

// duePrefix returns the queue's head entries block h+1 must include or
// excuse, with their txs (queued entries always decode: Import checked).
func (a *App) duePrefix(snap *state.Snapshot, s forced.State) ([]forced.Entry, []*tx.Tx, error) {
	if s.Len() == 0 {
		return nil, nil, nil
	}
	entries, err := snap.QueueEntries(s.Head, int(min(s.Len(), maxDueEntries)))
	if err != nil {
		return nil, nil, err
	}
	sizes := make([]int, len(entries))
	for i, e := range entries {
		sizes[i] = len(e.Msg.Data)
	}
	entries = entries[:forced.DuePrefix(a.inboxParams(), sizes)]
	txs := make([]*tx.Tx, len(entries))
	for i, e := range entries {
		t, err := a.decodeVerified(e.Msg.Data)
		if err != nil {
			return nil, nil, fmt.Errorf("queued forced tx %d does not decode: %w", e.Seq, err)
		}
		txs[i] = t
	}
	return entries, txs, nil
}

func encodeL1Import(imp *consensusv1.L1Import) ([]byte, error) {
	b, err := imp.Marshal()
	if err != nil {
		return nil, err
	}
	return append(append([]byte{}, l1ImportMagic...), b...), nil
}

func decodeL1Import(raw []byte) (*consensusv1.L1Import, error) {
	if !IsL1ImportTx(raw) {
		return nil, errors.New("not an L1 import tx")
	}
	var imp consensusv1.L1Import
	if err := imp.Unmarshal(raw[len(l1ImportMagic):]); err != nil {
		return nil, fmt.Errorf("L1 import tx: %w", err)
	}
	return &imp, nil
}

// importMessages converts an import's messages.
func importMessages(imp *consensusv1.L1Import) ([]forced.Message, forced.Cursor, error) {
	out := make([]forced.Message, len(imp.Messages))
	for i, m := range imp.Messages {
		if len(m.L1Tx) != 32 {
			return nil, forced.Cursor{}, fmt.Errorf("L1 import message %d: l1_tx of %d bytes", i, len(m.L1Tx))
		}
		out[i] = forced.Message{L1Block: m.L1Block, TxIndex: m.TxIndex, Data: m.Data, Oversize: m.Oversize}
		copy(out[i].L1Tx[:], m.L1Tx)
	}
	return out, forced.Cursor{Block: imp.EndBlock, Index: imp.EndIndex}, nil
}

// mergeListed adds the due forced txs to the listed txs (distinct by hash;
// the order is irrelevant to ordering).
func mergeListed(listed, forcedTxs []*tx.Tx) []*tx.Tx {
	if len(forcedTxs) == 0 {
		return listed
	}
	seen := make(map[tx.Hash]bool, len(listed)+len(forcedTxs))
	out := make([]*tx.Tx, 0, len(listed)+len(forcedTxs))
	for _, t := range append(append([]*tx.Tx{}, listed...), forcedTxs...) {
		if !seen[t.Hash] {
			seen[t.Hash] = true
			out = append(out, t)
		}
	}
	return out
}

// checkImport checks the block's import against the plan: the block's
// second tx must be exactly the planned import, byte for byte (its
// canonical encoding: bytes that decode to nothing would take block room
// that due forced txs are owed), or no import tx when the plan has none.
func checkImport(want *consensusv1.L1Import, raws [][]byte) error {
	has := len(raws) > 0 && IsL1ImportTx(raws[0])
	if want == nil {
		if has {
			return errors.New("L1 import where none is due")
		}
		return nil
	}
	if !has {
		return fmt.Errorf("L1 import of blocks %d..%d missing", want.StartBlock, want.EndBlock)
	}
	got, err := decodeL1Import(raws[0])
	if err != nil {
		return err
	}
	wb, err := encodeL1Import(want)
	if err != nil || !bytes.Equal(raws[0], wb) {
		return fmt.Errorf("L1 import differs from this validator's L1 view (cursor %d/%d → %d/%d, %d messages; expected → %d/%d, %d messages)",
			got.StartBlock, got.StartIndex, got.EndBlock, got.EndIndex, len(got.Messages), want.EndBlock, want.EndIndex, len(want.Messages))
	}
	return nil
}

// finalizeInbox applies a decided block to the inbox, from the block and
// committed state only: the due prefix (computed as ProcessProposal did)
// is settled — each entry included if the block executed its tx, else
// skipped with the reason it could not execute at the end of the block —
// then the block's import (if any) is appended to the queue. It returns
// nil when nothing changed.
func (a *App) finalizeInbox(snap *state.Snapshot, ov interface{ Check(*tx.Tx) error }, height int64, l1Import []byte, executed map[tx.Hash]bool) (*state.InboxChanges, error) {
	s, err := a.inboxState(snap)
	if err != nil {
		return nil, err
	}
	due, dueTxs, err := a.duePrefix(snap, s)
	if err != nil {
		return nil, err
	}
	hashes := make([]tx.Hash, len(dueTxs))
	for i, t := range dueTxs {
		hashes[i] = t.Hash
	}
	after, appended, records := forced.Settle(s, height, due, hashes, func(i int) forced.Outcome {
		if executed[hashes[i]] {
			return forced.Outcome{Included: true}
		}
		if err := ov.Check(dueTxs[i]); err != nil {
			return forced.Outcome{Err: err}
		}
		// It could execute now but was not required (it shared a full
		// rollup cap, needed another account's tx, or registers a rollup):
		// it is due again.
		return forced.Outcome{Retry: true, Err: errors.New("not required in this block")}
	})
	if l1Import != nil {
		imp, err := decodeL1Import(l1Import)
		if err != nil {
			return nil, err
		}
		msgs, next, err := importMessages(imp)
		if err != nil {
			return nil, err
		}
		var (
			recs     []forced.Record
			imported []forced.Entry
		)
		after, imported, recs = forced.Import(a.inboxParams(), after, height, msgs, next, func(raw []byte) (*tx.Tx, error) {
			return a.decodeVerified(raw)
		})
		appended = append(appended, imported...)
		records = append(records, recs...)
	}
	if after == s && len(records) == 0 {
		return nil, nil
	}
	a.metrics.forcedIncluded.Add(float64(countStatus(records, forced.Included)))
	return &state.InboxChanges{State: after, Appended: appended, RemovedFrom: s.Head, RemovedTo: after.Head, Records: records}, nil
}

func countStatus(records []forced.Record, st forced.Status) int {
	n := 0
	for _, r := range records {
		if r.Status == st {
			n++
		}
	}
	return n
}
