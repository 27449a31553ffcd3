package beacon

import (
	"crypto/sha256"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto/kzg4844"
)

// Sidecar is one verified blob of a beacon block: the blob matches its KZG
// commitment under the proof, and VersionedHash is the commitment's EIP-4844
// versioned hash (the value a blob transaction lists in BlobHashes()).
// Values are only built by Verify; treat them as immutable.
type Sidecar struct {
	Index         uint64 // position of the blob in its block
	Slot          uint64 // slot from the signed block header, if the node served one
	Blob          kzg4844.Blob
	Commitment    kzg4844.Commitment
	Proof         kzg4844.Proof
	VersionedHash common.Hash
}

// Verify converts a wire sidecar into a Sidecar, checking lengths and the
// KZG blob proof. Any failure wraps ErrInvalidSidecar.
func Verify(w *APIBlobSidecar) (*Sidecar, error) {
	var s Sidecar
	if len(w.Blob) != len(s.Blob) {
		return nil, fmt.Errorf("%w: index %d: blob is %d bytes, want %d", ErrInvalidSidecar, w.Index, len(w.Blob), len(s.Blob))
	}
	if len(w.KZGCommitment) != len(s.Commitment) {
		return nil, fmt.Errorf("%w: index %d: commitment is %d bytes, want %d", ErrInvalidSidecar, w.Index, len(w.KZGCommitment), len(s.Commitment))
	}
	if len(w.KZGProof) != len(s.Proof) {
		return nil, fmt.Errorf("%w: index %d: proof is %d bytes, want %d", ErrInvalidSidecar, w.Index, len(w.KZGProof), len(s.Proof))
	}
	s.Index = uint64(w.Index)
	if w.SignedBlockHeader != nil {
		s.Slot = uint64(w.SignedBlockHeader.Message.Slot)
	}
	copy(s.Blob[:], w.Blob)
	copy(s.Commitment[:], w.KZGCommitment)
	copy(s.Proof[:], w.KZGProof)
	if err := kzg4844.VerifyBlobProof(&s.Blob, s.Commitment, s.Proof); err != nil {
		return nil, fmt.Errorf("%w: index %d: %w", ErrInvalidSidecar, w.Index, err)
	}
	s.VersionedHash = kzg4844.CalcBlobHashV1(sha256.New(), &s.Commitment)
	return &s, nil
}

// MatchBlobs picks, in the order of hashes, the blob of each versioned hash
// from sidecars (typically one slot's verified sidecars and one blob
// transaction's BlobHashes()). A hash with no sidecar yields ErrMissingBlob.
func MatchBlobs(sidecars []*Sidecar, hashes []common.Hash) ([]*kzg4844.Blob, error) {
	byHash := make(map[common.Hash]*Sidecar, len(sidecars))
	for _, s := range sidecars {
		byHash[s.VersionedHash] = s
	}
	out := make([]*kzg4844.Blob, len(hashes))
	for i, h := range hashes {
		s, ok := byHash[h]
		if !ok {
			return nil, fmt.Errorf("%w: versioned hash %s", ErrMissingBlob, h)
		}
		out[i] = &s.Blob
	}
	return out, nil
}
