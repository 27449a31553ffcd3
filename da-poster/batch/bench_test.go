package batch

import (
	"fmt"
	"math/rand"
	"testing"
)

// benchRecords returns n records of size bytes, half random (incompressible)
// and half repetitive, like block records with rollup payloads and hashes.
func benchRecords(n, size int) [][]byte {
	rng := rand.New(rand.NewSource(1))
	recs := make([][]byte, n)
	for i := range recs {
		r := make([]byte, size)
		rng.Read(r[:size/2])
		recs[i] = r
	}
	return recs
}

// BenchmarkEncode: packing and compressing a batch of block records.
func BenchmarkEncode(b *testing.B) {
	for _, c := range []struct{ n, size int }{{16, 4 << 10}, {64, 16 << 10}} {
		b.Run(fmt.Sprintf("records=%d/size=%d", c.n, c.size), func(b *testing.B) {
			recs := benchRecords(c.n, c.size)
			b.SetBytes(int64(c.n * c.size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Encode(1, recs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecode: what a reader does per batch.
func BenchmarkDecode(b *testing.B) {
	for _, c := range []struct{ n, size int }{{16, 4 << 10}, {64, 16 << 10}} {
		b.Run(fmt.Sprintf("records=%d/size=%d", c.n, c.size), func(b *testing.B) {
			enc, err := Encode(1, benchRecords(c.n, c.size))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(c.n * c.size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(enc, DefaultLimits()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
