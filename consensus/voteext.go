package consensus

import (
	"bytes"
	"context"
	"fmt"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/ordolabs/ordo/ordering"
	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// ExtendVote implements abci.Application: the validator reports its clock
// and the first-seen times of the ready txs in its pool (contiguous nonces
// from the committed ones) that are not in block h (oldest first, at most
// max_report_entries). With fair ordering
// off it reports its clock only. This is local data: it differs between
// validators by design.
//
// With inclusion lists on it also lists the ready txs that have waited at
// least min_age_blocks (inclusionList). When block h has atomic bundles
// it reports their outcomes on its verifier-mode executors
// (bundleOutcomes).
func (a *App) ExtendVote(ctx context.Context, req *abci.ExtendVoteRequest) (*abci.ExtendVoteResponse, error) {
	rep := ordering.Report{Now: a.now().UnixMilli()}
	var list [][]byte
	if a.params.Fair.Enabled || a.params.Inclusion.Enabled {
		inBlock := make(map[ordering.TxKey]bool, len(req.Txs))
		inBlockHash := make(map[tx.Hash]bool, len(req.Txs))
		for _, raw := range req.Txs {
			h := tx.HashOf(raw)
			inBlock[ordering.KeyOf(h)] = true
			inBlockHash[h] = true
		}
		snap := a.store.Snapshot()
		ready, err := a.pool.Ready(func(addr tx.Address) (uint64, error) {
			acct, err := snap.Account(addr)
			return acct.Nonce, err
		})
		snap.Discard()
		if err != nil {
			return nil, err
		}
		list = inclusionList(a.params.Inclusion, req.Height, ready, inBlockHash)
		if !a.params.Fair.Enabled {
			ready = nil
		}
		// Only txs that can execute are reported: a tx parked behind a
		// missing nonce costs its sender nothing and must not take report
		// slots from txs that pay.
		for _, e := range ready {
			if len(rep.Seen) >= a.params.Fair.MaxReportEntries {
				break
			}
			k := ordering.KeyOf(e.Tx.Hash)
			if inBlock[k] {
				continue
			}
			inBlock[k] = true // a repeated short key is reported once
			rep.Seen = append(rep.Seen, ordering.Seen{Key: k, At: min(e.FirstSeen.UnixMilli(), rep.Now)})
		}
	}
	var l1 uint64
	if a.params.Inbox.Enabled && a.l1 != nil {
		l1 = a.l1.Finalized()
	}
	ve := consensusv1.VoteExtension{InclusionList: list, L1Finalized: l1, BundleOutcomes: a.bundleOutcomes(ctx, req.Height, req.Txs)}
	ext, err := encodeVoteExtensionWith(rep, &ve)
	if err != nil {
		return nil, err
	}
	a.metrics.observeExtension(len(ext), len(rep.Seen))
	a.metrics.listedTxs.Add(float64(len(list)))
	return &abci.ExtendVoteResponse{VoteExtension: ext}, nil
}

// VerifyVoteExtension implements abci.Application: it checks format and
// bounds only (decodes, at most max_report_entries entries, a list within
// max_list_bytes of valid signed txs), so every validator decides alike.
func (a *App) VerifyVoteExtension(_ context.Context, req *abci.VerifyVoteExtensionRequest) (*abci.VerifyVoteExtensionResponse, error) {
	if err := a.verifyExtension(req.VoteExtension); err != nil {
		a.logger.Info("rejecting vote extension", "height", req.Height, "validator", fmt.Sprintf("%X", req.ValidatorAddress), "err", err)
		return &abci.VerifyVoteExtensionResponse{Status: abci.VERIFY_VOTE_EXTENSION_STATUS_REJECT}, nil
	}
	return &abci.VerifyVoteExtensionResponse{Status: abci.VERIFY_VOTE_EXTENSION_STATUS_ACCEPT}, nil
}

// verifyExtension is VerifyVoteExtension's check: the report decodes within
// bounds and every listed tx is a valid signed tx, within the list budget.
func (a *App) verifyExtension(b []byte) error {
	if _, err := decodeVoteExtension(b, a.params.Fair.MaxReportEntries); err != nil {
		return err
	}
	var ve consensusv1.VoteExtension
	if err := ve.Unmarshal(b); err != nil {
		return err
	}
	if err := checkListBudget(a.params.Inclusion, ve.InclusionList); err != nil {
		return err
	}
	if max := MaxReportedBundles; !ordering.ValidPackedOutcomes(ve.BundleOutcomes, max) {
		return fmt.Errorf("bundle outcomes: %d bytes (at most %d outcomes, 2 bits each, each 0, 1 or 2)", len(ve.BundleOutcomes), max)
	}
	if ve.L1Finalized != 0 && !a.params.Inbox.Enabled {
		return fmt.Errorf("L1 finalized head %d reported while the L1 inbox is off", ve.L1Finalized)
	}
	for i, raw := range ve.InclusionList {
		if _, err := a.decodeVerified(raw); err != nil {
			return fmt.Errorf("listed tx %d: %w", i, err)
		}
	}
	return nil
}

// EncodeVoteExtension is the vote-extension payload carrying rep and an
// inclusion list.
func EncodeVoteExtension(rep ordering.Report, list ...[]byte) ([]byte, error) {
	return encodeVoteExtension(rep, list...)
}

// DecodeVoteExtension parses a vote-extension payload (at most maxEntries
// first-seen entries).
func DecodeVoteExtension(b []byte, maxEntries int) (ordering.Report, error) {
	return decodeVoteExtension(b, maxEntries)
}

func encodeVoteExtension(rep ordering.Report, list ...[]byte) ([]byte, error) {
	return encodeVoteExtensionL1(rep, 0, list)
}

// encodeVoteExtensionL1 also carries the validator's L1 finalized head.
func encodeVoteExtensionL1(rep ordering.Report, l1Finalized uint64, list [][]byte) ([]byte, error) {
	return encodeVoteExtensionWith(rep, &consensusv1.VoteExtension{InclusionList: list, L1Finalized: l1Finalized})
}

// encodeVoteExtensionWith encodes ve with rep as its first-seen report.
func encodeVoteExtensionWith(rep ordering.Report, ve *consensusv1.VoteExtension) ([]byte, error) {
	seen, err := ordering.EncodeReport(rep)
	if err != nil {
		return nil, err
	}
	ve.FirstSeen = seen
	return ve.Marshal()
}

// decodeVoteExtension parses and bounds-checks a vote extension. It never
// panics, whatever the input.
func decodeVoteExtension(b []byte, maxEntries int) (ordering.Report, error) {
	var ve consensusv1.VoteExtension
	if err := ve.Unmarshal(b); err != nil {
		return ordering.Report{}, fmt.Errorf("vote extension: %w", err)
	}
	// Only the canonical encoding is accepted: no unknown or repeated
	// fields, no padded lengths, so an extension cannot carry dead weight.
	canon, err := ve.Marshal()
	if err != nil || !bytes.Equal(canon, b) {
		return ordering.Report{}, fmt.Errorf("vote extension is not canonically encoded (%d bytes, canonical form %d)", len(b), len(canon))
	}
	return ordering.DecodeReport(ve.FirstSeen, maxEntries)
}

// wallClock is the production clock; tests replace App.now.
func wallClock() time.Time { return time.Now() }
