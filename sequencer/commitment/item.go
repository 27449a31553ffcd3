package commitment

import (
	"encoding/binary"

	"github.com/cometbft/cometbft/crypto/merkle"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// Item is one rollup item as committed: the payload plus where it came from.
type Item struct {
	TxHash      tx.Hash
	TxIndex     uint32
	ActionIndex uint32
	Sender      tx.Address
	// BundleIndex and BundleCount tag a bundle leg (leg BundleIndex of
	// BundleCount; the bundle id is TxHash). BundleCount is 0 for an item
	// that is not a bundle leg.
	BundleIndex uint32
	BundleCount uint32
	Data        []byte
}

const itemLeafPrefix = "ordo.item.v1"

// ItemLeaf is the Merkle leaf of an item:
//
//	"ordo.item.v1" || tx_hash(32) || be32(tx_index) || be32(action_index)
//	  || sender(20) || be32(bundle_index) || be32(bundle_count) || data
func ItemLeaf(it Item) []byte {
	b := make([]byte, 0, len(itemLeafPrefix)+32+4+4+20+4+4+len(it.Data))
	b = append(b, itemLeafPrefix...)
	b = append(b, it.TxHash[:]...)
	b = binary.BigEndian.AppendUint32(b, it.TxIndex)
	b = binary.BigEndian.AppendUint32(b, it.ActionIndex)
	b = append(b, it.Sender[:]...)
	b = binary.BigEndian.AppendUint32(b, it.BundleIndex)
	b = binary.BigEndian.AppendUint32(b, it.BundleCount)
	return append(b, it.Data...)
}

// DataRoot is the Merkle root over the leaves of items, in the given order.
func DataRoot(items []Item) [32]byte {
	leaves := make([][]byte, len(items))
	for i, it := range items {
		leaves[i] = ItemLeaf(it)
	}
	var root [32]byte
	copy(root[:], merkle.HashFromByteSlices(leaves))
	return root
}
