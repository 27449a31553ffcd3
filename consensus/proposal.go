package consensus

import (
	"context"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"

	"github.com/ordolabs/ordo/ordering"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/state"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// PrepareProposal implements abci.Application: it ignores CometBFT's reaped
// txs; it puts the previous height's vote extensions (E) first, then the L1
// import (when the inbox cursor moves), then the verdicts on the previous
// height's atomic bundles (when it had any), then the user txs ordering.Order
// picks from the app pool snapshot (with the fair rule fed by E when fair
// ordering is on, and the listed and due forced txs it must include).
func (a *App) PrepareProposal(ctx context.Context, req *abci.PrepareProposalRequest) (*abci.PrepareProposalResponse, error) {
	snap := a.store.Snapshot()
	defer snap.Discard()
	in := a.orderingInput(snap, req.Height, req.ProposerAddress)
	if req.MaxTxBytes > 0 && req.MaxTxBytes < in.MaxBlockBytes {
		in.MaxBlockBytes = req.MaxTxBytes
	}
	var system [][]byte
	if a.extensionsExpected(req.Height) {
		e, err := encodeExtCommit(req.LocalLastCommit)
		if err != nil {
			return nil, err
		}
		system = append(system, e)
		if in.Listed, err = a.listedTxs(req.LocalLastCommit, false); err != nil {
			return nil, err
		}
		if a.params.Inbox.Enabled {
			plan, err := a.planInbox(ctx, snap, req.LocalLastCommit)
			if err != nil {
				a.logger.Info("proposing without the L1 import", "height", req.Height, "err", err)
			}
			if plan.imp != nil && err == nil {
				imp, err := encodeL1Import(plan.imp)
				if err != nil {
					return nil, err
				}
				system = append(system, imp)
			}
			in.Listed = mergeListed(in.Listed, plan.dueTxs)
		}
		verdicts, err := a.planVerdicts(snap, req.Height, req.LocalLastCommit)
		if err != nil {
			return nil, err
		}
		if verdicts != nil {
			raw, err := commitment.EncodeVerdictsTx(verdicts)
			if err != nil {
				return nil, err
			}
			system = append(system, raw)
		}
		for _, sys := range system {
			in.MaxBlockBytes -= ordering.TxEncodedSize(len(sys))
		}
		if in.MaxBlockBytes <= 0 {
			// System txs fill the budget: propose them and no user txs (a
			// zero budget would read as "unbounded" to ordering.Order).
			a.logger.Info("system txs fill the block budget", "height", req.Height)
			return &abci.PrepareProposalResponse{Txs: system}, nil
		}
		if a.params.Fair.Enabled {
			reporters := reportersOf(req.LocalLastCommit, a.params.Fair.MaxReportEntries)
			if committed := committedVotes(req.LocalLastCommit); len(reporters) < committed {
				// Possible only after block sync, which does not run
				// VerifyVoteExtension: the other validators will reject E.
				a.logger.Info("last commit carries extensions that do not decode", "height", req.Height, "committed", committed, "decoded", len(reporters))
			}
			if in.Fair, err = a.fairInput(reporters); err != nil {
				return nil, err
			}
		}
	}
	entries := a.pool.Snapshot()
	candidates := make([]ordering.Candidate, len(entries))
	for i, e := range entries {
		candidates[i] = ordering.Candidate{Tx: e.Tx, Seq: e.Seq}
	}
	block, err := ordering.Order(in, candidates)
	if err != nil {
		return nil, err
	}
	for _, s := range block.Invalid {
		a.pool.Remove(s.Hash)
		a.status.Reject(s.Hash, s.Err)
	}
	txs := make([][]byte, 0, len(block.Txs)+len(system))
	txs = append(txs, system...)
	for _, t := range block.Txs {
		txs = append(txs, t.Raw)
	}
	a.logger.Debug("prepared proposal", "height", req.Height, "txs", len(txs), "pool", len(entries))
	return &abci.PrepareProposalResponse{Txs: txs}, nil
}

// ProcessProposal implements abci.Application: it decodes and verifies every
// tx and re-derives the ordering rules with ordering.Check. Any violation is
// a REJECT. The decision depends only on the proposal and committed state.
func (a *App) ProcessProposal(ctx context.Context, req *abci.ProcessProposalRequest) (*abci.ProcessProposalResponse, error) {
	reject := func(err error) (*abci.ProcessProposalResponse, error) {
		a.logger.Info("rejecting proposal", "height", req.Height, "proposer", req.ProposerAddress, "reason", err)
		return &abci.ProcessProposalResponse{Status: abci.PROCESS_PROPOSAL_STATUS_REJECT}, nil
	}
	raws := req.Txs
	var fair *ordering.FairInput
	var listed []*tx.Tx
	budget := a.params.MaxBlockTxBytes // for user txs, after E (as PrepareProposal counts)
	if a.extensionsExpected(req.Height) {
		if len(raws) == 0 {
			return reject(tx.Errorf(tx.ErrBlockRule, "block carries no vote extensions"))
		}
		ext, err := decodeExtCommit(raws[0])
		if err != nil {
			return reject(tx.Errorf(tx.ErrBlockRule, "%v", err))
		}
		reporters, err := verifyExtCommit(a.params.ChainID, req.Height-1, ext, req.ProposedLastCommit, a.vals, a.params.Fair.MaxReportEntries)
		if err != nil {
			return reject(tx.Errorf(tx.ErrBlockRule, "vote extensions: %v", err))
		}
		if err := checkOutcomeBounds(ext, MaxReportedBundles); err != nil {
			return reject(tx.Errorf(tx.ErrBlockRule, "vote extensions: %v", err))
		}
		if a.params.Fair.Enabled {
			if fair, err = a.fairInput(reporters); err != nil {
				return nil, err
			}
		}
		if listed, err = a.listedTxs(ext, true); err != nil {
			return reject(tx.Errorf(tx.ErrBlockRule, "inclusion lists: %v", err))
		}
		budget -= ordering.TxEncodedSize(len(raws[0]))
		raws = raws[1:]
		if a.params.Inbox.Enabled {
			snap := a.store.Snapshot()
			plan, err := a.planInbox(ctx, snap, ext)
			snap.Discard()
			if err != nil {
				// This validator cannot verify the import (its L1 endpoint
				// lags or is down): it rejects, the others decide.
				return reject(tx.Errorf(tx.ErrBlockRule, "%v", err))
			}
			if err := checkImport(plan.imp, raws); err != nil {
				return reject(tx.Errorf(tx.ErrBlockRule, "%v", err))
			}
			if plan.imp != nil {
				budget -= ordering.TxEncodedSize(len(raws[0]))
				raws = raws[1:]
			}
			listed = mergeListed(listed, plan.dueTxs)
		}
		snap := a.store.Snapshot()
		verdicts, err := a.planVerdicts(snap, req.Height, ext)
		snap.Discard()
		if err != nil {
			return nil, err
		}
		if err := checkVerdicts(verdicts, raws); err != nil {
			return reject(tx.Errorf(tx.ErrBlockRule, "%v", err))
		}
		if verdicts != nil {
			budget -= ordering.TxEncodedSize(len(raws[0]))
			raws = raws[1:]
		}
		if budget <= 0 && len(raws) > 0 {
			return reject(tx.Errorf(tx.ErrBlockRule, "vote extensions take the whole block budget, yet the block has %d user txs", len(raws)))
		}
	}
	txs := make([]*tx.Tx, len(raws))
	for i, raw := range raws {
		t, err := a.decodeVerified(raw)
		if err != nil {
			return reject(tx.Errorf(tx.ErrBlockRule, "tx %d: %v", i, err))
		}
		txs[i] = t
	}
	snap := a.store.Snapshot()
	defer snap.Discard()
	in := a.orderingInput(snap, req.Height, req.ProposerAddress)
	in.Fair = fair
	in.Listed = listed
	// System txs took the whole budget (with no user txs, checked above):
	// no room is left, and 0 would read as "unbounded".
	in.MaxBlockBytes = max(budget, 1)
	if err := ordering.Check(in, txs); err != nil {
		if tx.CodeOf(err) == tx.ErrInternal.Code {
			return nil, err
		}
		return reject(err)
	}
	return &abci.ProcessProposalResponse{Status: abci.PROCESS_PROPOSAL_STATUS_ACCEPT}, nil
}

func (a *App) orderingInput(snap *state.Snapshot, height int64, proposer []byte) ordering.Input {
	var p tx.Address
	copy(p[:], proposer)
	return ordering.Input{
		Params:        a.params,
		Height:        height,
		Proposer:      p,
		MaxBlockBytes: a.params.MaxBlockTxBytes,
		State:         snap,
	}
}

// extensionsExpected reports whether block `height` must carry the vote
// extensions of height-1 as its first tx.
func (a *App) extensionsExpected(height int64) bool {
	// Block height-1 must exist (height-1 ≥ initial height) and its votes
	// must carry extensions (height-1 ≥ the enable height).
	return a.params.VoteExtensionsHeight > 0 && height > max(a.params.VoteExtensionsHeight, a.params.InitialHeight)
}

// fairInput assembles the fair-ordering input for the next block from the
// verified reporters and the last committed block.
func (a *App) fairInput(reporters []ordering.Reporter) (*ordering.FairInput, error) {
	last, err := a.store.LastBlock()
	if err != nil {
		return nil, err
	}
	return &ordering.FairInput{
		Params:     a.params.Fair,
		TotalPower: a.vals.total,
		Reporters:  reporters,
		BlockTime:  last.TimeUnix,
		PrevHash:   last.Hash,
	}, nil
}

func committedVotes(ext abci.ExtendedCommitInfo) int {
	n := 0
	for _, v := range ext.Votes {
		if v.BlockIdFlag == cmtproto.BlockIDFlagCommit {
			n++
		}
	}
	return n
}
