package ethda

import (
	"bytes"
	"testing"

	"github.com/ethereum/go-ethereum/crypto/kzg4844"
)

// fuzzMaxBlobs keeps fuzz inputs small while still crossing blob
// boundaries.
const fuzzMaxBlobs = 3

// FuzzDecodeBlobs: decoding arbitrary blobs never panics; whatever decodes
// re-encodes to exactly the same blobs (the encoding is canonical); and any
// payload that fits round-trips through encode and decode.
//
// Inputs: raw is laid over the blobs either as raw blob bytes (stream=false)
// or as codec stream bytes, 31 per element with zero high bytes
// (stream=true); n picks the blob count.
func FuzzDecodeBlobs(f *testing.F) {
	f.Add([]byte{}, uint8(0), false)
	f.Add([]byte("hello"), uint8(0), true)
	f.Fuzz(func(t *testing.T, raw []byte, n uint8, stream bool) {
		blobs := make([]kzg4844.Blob, 1+int(n)%fuzzMaxBlobs)
		if stream {
			for k := 0; k < len(raw) && k < len(blobs)*BlobCapacity; k++ {
				el := k / UsableBytesPerElement
				blobs[el/FieldElementsPerBlob][(el%FieldElementsPerBlob)*BytesPerFieldElement+1+k%UsableBytesPerElement] = raw[k]
			}
		} else {
			for k := 0; k < len(raw) && k < len(blobs)*len(blobs[0]); k++ {
				blobs[k/len(blobs[0])][k%len(blobs[0])] = raw[k]
			}
		}
		data, err := DecodeBlobs(ptrs(blobs), fuzzMaxBlobs)
		if err == nil {
			again, err := EncodeBlobs(data, fuzzMaxBlobs)
			if err != nil {
				t.Fatalf("decoded %d bytes do not re-encode: %v", len(data), err)
			}
			if len(again) != len(blobs) {
				t.Fatalf("re-encoded to %d blobs, decoded from %d", len(again), len(blobs))
			}
			for i := range again {
				if again[i] != blobs[i] {
					t.Fatalf("blob %d differs after decode/encode", i)
				}
			}
		}
		if len(raw) <= MaxPayloadBytes(fuzzMaxBlobs) {
			enc, err := EncodeBlobs(raw, fuzzMaxBlobs)
			if err != nil {
				t.Fatalf("encode %d bytes: %v", len(raw), err)
			}
			dec, err := DecodeBlobs(ptrs(enc), fuzzMaxBlobs)
			if err != nil || !bytes.Equal(dec, raw) {
				t.Fatalf("round trip of %d bytes: %d bytes, %v", len(raw), len(dec), err)
			}
		}
	})
}
