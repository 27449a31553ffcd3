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
func (a *App) ExtendVote(_ context.Context, req *abci.ExtendVoteRequest) (*abci.ExtendVoteResponse, error) {
	rep := ordering.Report{Now: a.now().UnixMilli()}
	if a.params.Fair.Enabled {
		inBlock := make(map[ordering.TxKey]bool, len(req.Txs))
		for _, raw := range req.Txs {
			inBlock[ordering.KeyOf(tx.HashOf(raw))] = true
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
	ext, err := encodeVoteExtension(rep)
	if err != nil {
		return nil, err
	}
	a.metrics.observeExtension(len(ext), len(rep.Seen))
	return &abci.ExtendVoteResponse{VoteExtension: ext}, nil
}

// VerifyVoteExtension implements abci.Application: it checks format and
// bounds only (decodes, at most max_report_entries entries), so every
// validator decides alike.
func (a *App) VerifyVoteExtension(_ context.Context, req *abci.VerifyVoteExtensionRequest) (*abci.VerifyVoteExtensionResponse, error) {
	if _, err := decodeVoteExtension(req.VoteExtension, a.params.Fair.MaxReportEntries); err != nil {
		a.logger.Info("rejecting vote extension", "height", req.Height, "validator", fmt.Sprintf("%X", req.ValidatorAddress), "err", err)
		return &abci.VerifyVoteExtensionResponse{Status: abci.VERIFY_VOTE_EXTENSION_STATUS_REJECT}, nil
	}
	return &abci.VerifyVoteExtensionResponse{Status: abci.VERIFY_VOTE_EXTENSION_STATUS_ACCEPT}, nil
}

// EncodeVoteExtension is the vote-extension payload carrying rep.
func EncodeVoteExtension(rep ordering.Report) ([]byte, error) { return encodeVoteExtension(rep) }

// DecodeVoteExtension parses a vote-extension payload (at most maxEntries
// first-seen entries).
func DecodeVoteExtension(b []byte, maxEntries int) (ordering.Report, error) {
	return decodeVoteExtension(b, maxEntries)
}

func encodeVoteExtension(rep ordering.Report) ([]byte, error) {
	seen, err := ordering.EncodeReport(rep)
	if err != nil {
		return nil, err
	}
	ve := consensusv1.VoteExtension{FirstSeen: seen}
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
