package commitment

import (
	"crypto/sha256"
	"encoding/binary"
)

// Block is what one block's app hash commits to.
type Block struct {
	// PrevAppHash is the app hash of the previous height (nil at genesis).
	PrevAppHash []byte
	Height      int64
	// StateDigest commits to the block's state changes (accounts and
	// rollup registry); see ledger.StateDigest.
	StateDigest [32]byte
	// RollupEntries and RollupsRoot describe the block's rollups tree.
	RollupEntries uint32
	RollupsRoot   [32]byte
}

// AppHash is the app hash of the block:
//
//	sha256("ordo.apphash.v2" || prev_app_hash || be64(height) || state_digest
//	       || be32(rollup_entries) || rollups_root)
//
// CometBFT carries it in the header of height+1.
func (b Block) AppHash() []byte {
	h := sha256.New()
	h.Write([]byte("ordo.apphash.v2"))
	h.Write(b.PrevAppHash)
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(b.Height)))
	h.Write(b.StateDigest[:])
	h.Write(binary.BigEndian.AppendUint32(nil, b.RollupEntries))
	h.Write(b.RollupsRoot[:])
	return h.Sum(nil)
}
