package commitment

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/cometbft/cometbft/crypto/merkle"
	"github.com/cometbft/cometbft/crypto/tmhash"

	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
)

// verdictsMagic starts the bundle-verdicts system tx; like every system
// tx's, its 0xFF cannot start a user tx (docs/spec/bundles.md).
var verdictsMagic = []byte("\xffORDO/AB")

// IsVerdictsTx reports whether raw is a bundle-verdicts system tx.
func IsVerdictsTx(raw []byte) bool { return bytes.HasPrefix(raw, verdictsMagic) }

// EncodeVerdictsTx is the system tx carrying v: the magic, then v's
// canonical protobuf encoding.
func EncodeVerdictsTx(v *consensusv1.BundleVerdicts) ([]byte, error) {
	b, err := v.Marshal()
	if err != nil {
		return nil, err
	}
	return append(append([]byte{}, verdictsMagic...), b...), nil
}

// DecodeVerdictsTx parses a bundle-verdicts system tx. It accepts only the
// canonical encoding with one commit per listed bundle.
func DecodeVerdictsTx(raw []byte) (*consensusv1.BundleVerdicts, error) {
	if !IsVerdictsTx(raw) {
		return nil, errors.New("not a bundle-verdicts tx")
	}
	var v consensusv1.BundleVerdicts
	if err := v.Unmarshal(raw[len(verdictsMagic):]); err != nil {
		return nil, fmt.Errorf("bundle-verdicts tx: %w", err)
	}
	if len(v.Commits) != len(v.TxIndexes) {
		return nil, fmt.Errorf("bundle-verdicts tx: %d verdicts for %d bundles", len(v.Commits), len(v.TxIndexes))
	}
	if canon, err := EncodeVerdictsTx(&v); err != nil || !bytes.Equal(canon, raw) {
		return nil, errors.New("bundle-verdicts tx is not canonically encoded")
	}
	return &v, nil
}

// TxProof proves tx number index of txHashes (the sha256 hashes of a
// block's txs, in order) against the block header's data_hash.
func TxProof(txHashes [][]byte, index int) (*deliveryv1.TxProof, error) {
	if index < 0 || index >= len(txHashes) {
		return nil, fmt.Errorf("tx index %d out of %d", index, len(txHashes))
	}
	_, proofs := merkle.ProofsFromByteSlices(txHashes)
	p := proofs[index]
	return &deliveryv1.TxProof{Index: uint32(p.Index), Total: uint32(p.Total), Aunts: p.Aunts}, nil
}

// VerifyTxProof checks that raw is a tx of the block whose header has
// dataHash, at the position the proof states.
func VerifyTxProof(dataHash, raw []byte, p *deliveryv1.TxProof) error {
	if p == nil {
		return errors.New("missing tx proof")
	}
	if p.Total == 0 || p.Index >= p.Total || len(p.Aunts) > 64 {
		return fmt.Errorf("malformed tx proof (index %d of %d, %d aunts)", p.Index, p.Total, len(p.Aunts))
	}
	leaf := tmhash.Sum(raw)
	// merkle.Proof.Verify compares LeafHash with the leaf's RFC-6962 hash
	// sha256(0x00 || leaf) and then folds the aunts up to dataHash.
	lh := sha256.Sum256(append([]byte{0}, leaf...))
	mp := merkle.Proof{Total: int64(p.Total), Index: int64(p.Index), LeafHash: lh[:], Aunts: p.Aunts}
	return mp.Verify(dataHash, leaf)
}
