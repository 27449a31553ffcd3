package commitment

import (
	"crypto/sha256"

	"github.com/cometbft/cometbft/crypto/merkle"
)

// EmptyRoot is the root of a tree with no leaves (sha256 of nothing, as in
// RFC 6962 and CometBFT).
func EmptyRoot() [32]byte {
	var r [32]byte
	copy(r[:], merkle.HashFromByteSlices(nil))
	return r
}

// leafHash is RFC 6962's leaf hash, sha256(0x00 || leaf), which CometBFT's
// Proof carries as LeafHash.
func leafHash(leaf []byte) []byte {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(leaf)
	return h.Sum(nil)
}
