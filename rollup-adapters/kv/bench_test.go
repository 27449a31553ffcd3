package kv

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/ordolabs/ordo/rollup-adapters/sdk"
)

// BenchmarkExecuteBlock measures one block of 10 Puts on a state of n
// entries; the root recomputation over the whole state dominates.
func BenchmarkExecuteBlock(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint("entries=", n), func(b *testing.B) {
			r, err := Open(b.TempDir(), Genesis{})
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = r.Close() }()
			height := int64(1)
			fill := sdk.Block{Height: height}
			for i := range n {
				key := binary.BigEndian.AppendUint32([]byte("key"), uint32(i))
				fill.Items = append(fill.Items, sdk.Item{
					TxHash: hashOf(0, i), Sender: addr(byte(i % 7)),
					Data: mustEncode(b, Put{Key: key, Value: make([]byte, 32)}),
				})
			}
			execBlock(b, r, fill)
			b.ResetTimer()
			for b.Loop() {
				height++
				blk := sdk.Block{Height: height}
				for j := range 10 {
					blk.Items = append(blk.Items, sdk.Item{
						TxHash: hashOf(height, j), Sender: addr(1),
						Data: mustEncode(b, Put{Key: []byte{byte(j)}, Value: binary.BigEndian.AppendUint64(nil, uint64(height))}),
					})
				}
				execBlock(b, r, blk)
			}
		})
	}
}
