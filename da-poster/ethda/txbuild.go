package ethda

import (
	"crypto/sha256"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto/kzg4844"
	"github.com/holiman/uint256"
)

// encoded is a payload cut into blobs with their KZG commitments and
// versioned hashes (cheap to recompute; cell proofs are computed only when
// a transaction is sent, by sidecar).
type encoded struct {
	blobs       []kzg4844.Blob
	commitments []kzg4844.Commitment
	hashes      []common.Hash
}

// encode packs data into at most maxBlobs blobs and commits to them.
func encode(data []byte, maxBlobs int) (*encoded, error) {
	blobs, err := EncodeBlobs(data, maxBlobs)
	if err != nil {
		return nil, err
	}
	e := &encoded{blobs: blobs}
	h := sha256.New()
	for i := range blobs {
		c, err := kzg4844.BlobToCommitment(&blobs[i])
		if err != nil {
			return nil, fmt.Errorf("ethda: KZG commitment of blob %d: %w", i, err)
		}
		e.commitments = append(e.commitments, c)
		e.hashes = append(e.hashes, kzg4844.CalcBlobHashV1(h, &c))
	}
	return e, nil
}

// sidecar builds the version-1 (EIP-7594 cell proofs) sidecar go-ethereum's
// blob pool requires.
func (e *encoded) sidecar() (*types.BlobTxSidecar, error) {
	var proofs []kzg4844.Proof
	for i := range e.blobs {
		p, err := kzg4844.ComputeCellProofs(&e.blobs[i])
		if err != nil {
			return nil, fmt.Errorf("ethda: cell proofs of blob %d: %w", i, err)
		}
		proofs = append(proofs, p...)
	}
	return types.NewBlobTxSidecar(types.BlobSidecarVersion1, e.blobs, e.commitments, proofs), nil
}

// signTx signs a blob transaction to the inbox carrying sc's blobs. The
// signature (hence the hash) does not cover the sidecar, and signing is
// deterministic (RFC 6979), so the same nonce and fees give the same hash.
func (b *Backend) signTx(sc *types.BlobTxSidecar, nonce uint64, f fees) (*types.Transaction, error) {
	tx := types.NewTx(&types.BlobTx{
		ChainID:    uint256.NewInt(b.cfg.ChainID),
		Nonce:      nonce,
		GasTipCap:  uint256.MustFromBig(f.tip),
		GasFeeCap:  uint256.MustFromBig(f.feeCap),
		Gas:        b.cfg.GasLimit,
		To:         b.cfg.Inbox,
		BlobFeeCap: uint256.MustFromBig(f.blobFeeCap),
		BlobHashes: sc.BlobHashes(),
		Sidecar:    sc,
	})
	signed, err := types.SignTx(tx, b.signer, b.cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("ethda: signing: %w", err)
	}
	return signed, nil
}
