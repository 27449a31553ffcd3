package consensus

import (
	"bytes"
	"fmt"
	"sort"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"

	"github.com/ordolabs/ordo/mempool"
	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// inclusionList picks what this validator lists in its extension for
// height h (docs/spec/inclusion-lists.md): ready txs (contiguous nonces from
// the committed ones) that arrived at least min_age_blocks committed blocks
// ago and are not in block h, within max_list_bytes. Accounts are taken in
// the arrival order of their oldest ready tx, each account's txs in nonce
// order, so an account's listed txs are always a nonce prefix: listing
// stops at an account's first tx that is too young or does not fit.
func inclusionList(p ledger.InclusionParams, height int64, ready []*mempool.Entry, inBlock map[tx.Hash]bool) [][]byte {
	if !p.Enabled {
		return nil
	}
	bySender := make(map[tx.Address][]*mempool.Entry)
	first := make(map[tx.Address]uint64)
	var senders []tx.Address
	for _, e := range ready {
		s := e.Tx.Sender
		if _, ok := bySender[s]; !ok {
			senders = append(senders, s)
			first[s] = e.Seq
		}
		bySender[s] = append(bySender[s], e)
		first[s] = min(first[s], e.Seq)
	}
	sort.Slice(senders, func(i, j int) bool { return first[senders[i]] < first[senders[j]] })
	var (
		list [][]byte
		used int64
	)
	for _, s := range senders {
		entries := bySender[s]
		sort.Slice(entries, func(i, j int) bool { return entries[i].Tx.Nonce < entries[j].Tx.Nonce })
		for _, e := range entries {
			t := e.Tx
			if inBlock[t.Hash] {
				continue // block h carries it: the account's next nonce is due
			}
			cost := int64(len(t.Raw)) + ledger.ListEntryOverhead
			if e.SeenHeight > height-p.MinAgeBlocks || used+cost > p.MaxListBytes {
				break
			}
			used += cost
			list = append(list, t.Raw)
		}
	}
	return list
}

// checkListBudget checks a decoded extension's list against the genesis
// bound (VerifyVoteExtension and ProcessProposal).
func checkListBudget(p ledger.InclusionParams, list [][]byte) error {
	if len(list) == 0 {
		return nil
	}
	if !p.Enabled {
		return fmt.Errorf("inclusion list of %d txs while inclusion lists are off", len(list))
	}
	var used int64
	for _, raw := range list {
		used += int64(len(raw)) + ledger.ListEntryOverhead
	}
	if used > p.MaxListBytes {
		return fmt.Errorf("inclusion list takes %d bytes, max_list_bytes %d", used, p.MaxListBytes)
	}
	return nil
}

// listedTxs decodes and verifies every list in the committed votes of E and
// returns the distinct listed txs sorted by hash. With strict set (the
// proposal's E, in ProcessProposal) any list entry that is not a valid,
// signed tx is an error: honest validators reject such extensions, so it
// cannot be in a real commit. Otherwise (the proposer's own local commit)
// bad entries are skipped.
func (a *App) listedTxs(ext abci.ExtendedCommitInfo, strict bool) ([]*tx.Tx, error) {
	if !a.params.Inclusion.Enabled {
		return nil, nil
	}
	byHash := make(map[tx.Hash]*tx.Tx)
	for i, v := range ext.Votes {
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit {
			continue
		}
		var ve consensusv1.VoteExtension
		if err := ve.Unmarshal(v.VoteExtension); err != nil {
			if strict {
				return nil, fmt.Errorf("vote %d: %w", i, err)
			}
			continue
		}
		if err := checkListBudget(a.params.Inclusion, ve.InclusionList); err != nil {
			if strict {
				return nil, fmt.Errorf("vote %d: %w", i, err)
			}
			continue
		}
		for j, raw := range ve.InclusionList {
			t, err := a.decodeVerified(raw)
			if err != nil {
				if strict {
					return nil, fmt.Errorf("vote %d: listed tx %d: %w", i, j, err)
				}
				continue
			}
			byHash[t.Hash] = t
		}
	}
	out := make([]*tx.Tx, 0, len(byHash))
	for _, t := range byHash {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Hash[:], out[j].Hash[:]) < 0 })
	return out, nil
}
