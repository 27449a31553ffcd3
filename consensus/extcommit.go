package consensus

import (
	"bytes"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/ordolabs/ordo/ordering"
	"github.com/ordolabs/ordo/ordering/quorum"
	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
	"github.com/ordolabs/ordo/sequencer/state"
)

// extCommitMagic starts the system tx that carries E, the extended commit
// of the previous height. 0xFF is an invalid protobuf tag (wire type 7), so
// no user tx can start with it.
var extCommitMagic = []byte("\xffORDO/E1")

// IsSystemTx reports whether raw is Ordo's injected vote-extension tx.
func IsSystemTx(raw []byte) bool { return bytes.HasPrefix(raw, extCommitMagic) }

// EncodeExtCommitTx builds the system tx carrying E (tools and tests; the
// proposer calls it in PrepareProposal).
func EncodeExtCommitTx(ext abci.ExtendedCommitInfo) ([]byte, error) { return encodeExtCommit(ext) }

// DecodeExtCommitTx parses the system tx back into E.
func DecodeExtCommitTx(raw []byte) (abci.ExtendedCommitInfo, error) { return decodeExtCommit(raw) }

// encodeExtCommit builds the system tx carrying ext.
func encodeExtCommit(ext abci.ExtendedCommitInfo) ([]byte, error) {
	b, err := ext.Marshal()
	if err != nil {
		return nil, err
	}
	return append(append([]byte{}, extCommitMagic...), b...), nil
}

// decodeExtCommit parses the system tx.
func decodeExtCommit(raw []byte) (abci.ExtendedCommitInfo, error) {
	var ext abci.ExtendedCommitInfo
	if !IsSystemTx(raw) {
		return ext, fmt.Errorf("first tx is not the vote-extension system tx")
	}
	if err := ext.Unmarshal(raw[len(extCommitMagic):]); err != nil {
		return ext, fmt.Errorf("vote-extension system tx: %w", err)
	}
	// Only the canonical encoding (what PrepareProposal writes) is
	// accepted: bytes that decode to nothing would take block room that
	// listed and due forced txs are owed.
	if canon, err := ext.Marshal(); err != nil || !bytes.Equal(canon, raw[len(extCommitMagic):]) {
		return ext, fmt.Errorf("vote-extension system tx is not canonically encoded (%d bytes, canonical form %d)", len(raw)-len(extCommitMagic), len(canon))
	}
	return ext, nil
}

// validatorSet is the static validator set, indexed by address.
type validatorSet struct {
	byAddr map[string]state.Validator
	total  int64
}

func newValidatorSet(vals []state.Validator) validatorSet {
	vs := validatorSet{byAddr: make(map[string]state.Validator, len(vals))}
	for _, v := range vals {
		vs.byAddr[string(v.Address)] = v
		vs.total += v.Power
	}
	return vs
}

// verifyExtCommit checks E (the extended commit of height `height`) the
// way ProcessProposal must: it matches the block's last commit vote for
// vote (validator, power, flag), every committed vote's extension is
// well-formed and signed by its validator over CometBFT's canonical
// vote-extension bytes, non-committed votes carry no extension, and the
// committed votes hold more than 2/3 of the total power. It returns the
// reporters, in E's order.
func verifyExtCommit(chainID string, height int64, ext abci.ExtendedCommitInfo, last abci.CommitInfo, vals validatorSet, maxEntries int) ([]ordering.Reporter, error) {
	if ext.Round != last.Round {
		return nil, fmt.Errorf("extended commit round %d, last commit round %d", ext.Round, last.Round)
	}
	if len(ext.Votes) != len(last.Votes) {
		return nil, fmt.Errorf("extended commit has %d votes, last commit %d", len(ext.Votes), len(last.Votes))
	}
	var (
		committed int64
		reporters []ordering.Reporter
		seen      = make(map[string]bool, len(ext.Votes))
	)
	for i, v := range ext.Votes {
		lv := last.Votes[i]
		addr := v.Validator.Address
		if !bytes.Equal(addr, lv.Validator.Address) || v.Validator.Power != lv.Validator.Power || v.BlockIdFlag != lv.BlockIdFlag {
			return nil, fmt.Errorf("vote %d: extended commit (%X, power %d, flag %v) differs from last commit (%X, power %d, flag %v)",
				i, addr, v.Validator.Power, v.BlockIdFlag, lv.Validator.Address, lv.Validator.Power, lv.BlockIdFlag)
		}
		if seen[string(addr)] {
			return nil, fmt.Errorf("vote %d: validator %X appears twice", i, addr)
		}
		seen[string(addr)] = true
		val, ok := vals.byAddr[string(addr)]
		if !ok || val.Power != v.Validator.Power {
			return nil, fmt.Errorf("vote %d: %X is not a validator with power %d", i, addr, v.Validator.Power)
		}
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit {
			if len(v.VoteExtension) != 0 || len(v.ExtensionSignature) != 0 {
				return nil, fmt.Errorf("vote %d: %X did not commit but carries an extension", i, addr)
			}
			continue
		}
		signBytes := cmttypes.VoteExtensionSignBytes(chainID, &cmtproto.Vote{
			Type: cmtproto.PrecommitType, Height: height, Round: ext.Round, Extension: v.VoteExtension,
		})
		if !ed25519.PubKey(val.PubKey).VerifySignature(signBytes, v.ExtensionSignature) {
			return nil, fmt.Errorf("vote %d: extension signature of %X does not verify", i, addr)
		}
		rep, err := decodeVoteExtension(v.VoteExtension, maxEntries)
		if err != nil {
			return nil, fmt.Errorf("vote %d: extension of %X: %w", i, addr, err)
		}
		committed += v.Validator.Power
		reporters = append(reporters, ordering.Reporter{Power: v.Validator.Power, Report: rep})
	}
	if !quorum.MoreThanTwoThirds(committed, vals.total) {
		return nil, fmt.Errorf("extensions carry power %d of %d, need more than 2/3", committed, vals.total)
	}
	return reporters, nil
}

// reportersOf decodes the extensions of the committed votes in a proposer's
// local extended commit (already verified by CometBFT and by
// VerifyVoteExtension on arrival).
func reportersOf(ext abci.ExtendedCommitInfo, maxEntries int) []ordering.Reporter {
	var out []ordering.Reporter
	for _, v := range ext.Votes {
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit {
			continue
		}
		rep, err := decodeVoteExtension(v.VoteExtension, maxEntries)
		if err != nil {
			continue
		}
		out = append(out, ordering.Reporter{Power: v.Validator.Power, Report: rep})
	}
	return out
}

// committedExtension is one committed vote's decoded extension.
type committedExtension struct {
	power int64
	ve    consensusv1.VoteExtension
}

// committedExtensions decodes the extensions of E's committed votes, in E's
// order, skipping any that do not decode (verifyExtCommit rejects E in that
// case; a proposer's local commit never has one).
func committedExtensions(ext abci.ExtendedCommitInfo) []committedExtension {
	var out []committedExtension
	for _, v := range ext.Votes {
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit {
			continue
		}
		c := committedExtension{power: v.Validator.Power}
		if c.ve.Unmarshal(v.VoteExtension) != nil {
			continue
		}
		out = append(out, c)
	}
	return out
}
