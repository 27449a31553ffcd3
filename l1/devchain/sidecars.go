package devchain

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/ethereum/go-ethereum/beacon/engine"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto/kzg4844"
)

// storedBlob is one blob of a produced block, as the beacon API serves it:
// proof is the EIP-4844 blob proof (computed from the blob when the
// payload carried Osaka cell proofs).
type storedBlob struct {
	blob       kzg4844.Blob
	commitment kzg4844.Commitment
	proof      kzg4844.Proof
}

// sidecarStore keeps the blobs of produced blocks by block number, for the
// newest `retention` blocks (0 = all). Safe for concurrent use.
type sidecarStore struct {
	retention uint64

	mu          sync.RWMutex
	blocks      map[uint64][]storedBlob // only blocks with blobs
	prunedBelow uint64                  // blocks < prunedBelow were pruned
}

func newSidecarStore(retention uint64) *sidecarStore {
	return &sidecarStore{retention: retention, blocks: make(map[uint64][]storedBlob)}
}

// put records the blobs of block number (already checked by
// bundleSidecars) and prunes what fell out of the retention window.
func (s *sidecarStore) put(number uint64, blobs []storedBlob) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(blobs) > 0 {
		s.blocks[number] = blobs
	}
	if s.retention == 0 || number < s.retention {
		return
	}
	horizon := number - s.retention + 1 // oldest block kept
	for n := range s.blocks {
		if n < horizon {
			delete(s.blocks, n)
		}
	}
	s.prunedBelow = max(s.prunedBelow, horizon)
}

// get returns the blobs of block number (nil for a block without blobs),
// or ok=false if that block's blobs were pruned.
func (s *sidecarStore) get(number uint64) (blobs []storedBlob, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if number < s.prunedBelow {
		return nil, false
	}
	return s.blocks[number], true
}

// bundleSidecars turns the blobs bundle of block's payload into stored
// blobs, checking that it matches the block: the bundle's commitments hash,
// in order, to the blob hashes of the block's blob transactions. Osaka
// bundles carry CellProofsPerBlob cell proofs per blob; the blob proof is
// then computed from the blob.
func bundleSidecars(block *types.Block, bundle *engine.BlobsBundle) ([]storedBlob, error) {
	var want []common.Hash
	for _, tx := range block.Transactions() {
		want = append(want, tx.BlobHashes()...)
	}
	if bundle == nil {
		if len(want) > 0 {
			return nil, errors.New("payload has blob transactions but no blobs bundle")
		}
		return nil, nil
	}
	n := len(bundle.Blobs)
	if len(bundle.Commitments) != n || n != len(want) {
		return nil, fmt.Errorf("blobs bundle has %d blobs, %d commitments; block has %d blob hashes", n, len(bundle.Commitments), len(want))
	}
	cellProofs := len(bundle.Proofs) == n*kzg4844.CellProofsPerBlob && n > 0
	if len(bundle.Proofs) != n && !cellProofs {
		return nil, fmt.Errorf("blobs bundle has %d proofs for %d blobs", len(bundle.Proofs), n)
	}
	out := make([]storedBlob, n)
	hasher := sha256.New()
	for i := range out {
		b := &out[i]
		if len(bundle.Blobs[i]) != len(b.blob) || len(bundle.Commitments[i]) != len(b.commitment) {
			return nil, fmt.Errorf("blob %d: bad blob or commitment length", i)
		}
		copy(b.blob[:], bundle.Blobs[i])
		copy(b.commitment[:], bundle.Commitments[i])
		if vh := kzg4844.CalcBlobHashV1(hasher, &b.commitment); common.Hash(vh) != want[i] {
			return nil, fmt.Errorf("blob %d: commitment hashes to %x, block lists %s", i, vh, want[i])
		}
		if cellProofs {
			p, err := kzg4844.ComputeBlobProof(&b.blob, b.commitment)
			if err != nil {
				return nil, fmt.Errorf("blob %d: computing blob proof: %w", i, err)
			}
			b.proof = p
		} else {
			if len(bundle.Proofs[i]) != len(b.proof) {
				return nil, fmt.Errorf("blob %d: bad proof length", i)
			}
			copy(b.proof[:], bundle.Proofs[i])
		}
	}
	return out, nil
}
