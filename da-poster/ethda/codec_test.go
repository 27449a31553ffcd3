package ethda

import (
	"bytes"
	"errors"
	"math/rand"
	"testing"

	"github.com/ethereum/go-ethereum/crypto/kzg4844"
)

func ptrs(blobs []kzg4844.Blob) []*kzg4844.Blob {
	out := make([]*kzg4844.Blob, len(blobs))
	for i := range blobs {
		out[i] = &blobs[i]
	}
	return out
}

func randBytes(seed int64, n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func TestCodecRoundTrip(t *testing.T) {
	max := MaxPayloadBytes(ProtocolMaxBlobsPerTx)
	if max != 6*126976-5 {
		t.Fatalf("MaxPayloadBytes(6) = %d", max)
	}
	for _, n := range []int{0, 1, 31, 32, BlobCapacity - headerLen, BlobCapacity - headerLen + 1, 300_000, max} {
		data := randBytes(int64(n), n)
		blobs, err := EncodeBlobs(data, ProtocolMaxBlobsPerTx)
		if err != nil {
			t.Fatalf("encode %d: %v", n, err)
		}
		if len(blobs) != BlobsFor(n) {
			t.Fatalf("%d bytes: %d blobs, want %d", n, len(blobs), BlobsFor(n))
		}
		for i := range blobs {
			for j := 0; j < len(blobs[i]); j += BytesPerFieldElement {
				if blobs[i][j] != 0 {
					t.Fatalf("%d bytes: blob %d element %d has a non-zero high byte", n, i, j/32)
				}
			}
		}
		got, err := DecodeBlobs(ptrs(blobs), ProtocolMaxBlobsPerTx)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: decode = %d bytes, %v", n, len(got), err)
		}
	}
	if BlobsFor(BlobCapacity-headerLen) != 1 || BlobsFor(BlobCapacity-headerLen+1) != 2 {
		t.Fatal("BlobsFor boundary")
	}
	if _, err := EncodeBlobs(make([]byte, max+1), ProtocolMaxBlobsPerTx); err == nil {
		t.Fatal("oversized payload encoded")
	}
	if _, err := EncodeBlobs(make([]byte, MaxPayloadBytes(2)+1), 2); err == nil {
		t.Fatal("payload over a 2-blob cap encoded")
	}
}

func TestDecodeRejects(t *testing.T) {
	data := randBytes(7, 200_000) // two blobs
	good, err := EncodeBlobs(data, ProtocolMaxBlobsPerTx)
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(b []kzg4844.Blob) []kzg4844.Blob) []*kzg4844.Blob {
		c := append([]kzg4844.Blob(nil), good...)
		return ptrs(f(c))
	}
	cases := map[string][]*kzg4844.Blob{
		"none":          nil,
		"high byte":     mutate(func(b []kzg4844.Blob) []kzg4844.Blob { b[1][32*100] = 1; return b }),
		"header high":   mutate(func(b []kzg4844.Blob) []kzg4844.Blob { b[0][0] = 0x73; return b }),
		"version":       mutate(func(b []kzg4844.Blob) []kzg4844.Blob { b[0][1] = 1; return b }),
		"padding":       mutate(func(b []kzg4844.Blob) []kzg4844.Blob { b[1][len(b[1])-1] = 1; return b }),
		"extra blob":    mutate(func(b []kzg4844.Blob) []kzg4844.Blob { return append(b, kzg4844.Blob{}) }),
		"missing blob":  mutate(func(b []kzg4844.Blob) []kzg4844.Blob { return b[:1] }),
		"length beyond": mutate(func(b []kzg4844.Blob) []kzg4844.Blob { b[0][2] = 0xff; return b }),
		"length short":  mutate(func(b []kzg4844.Blob) []kzg4844.Blob { b[0][4]--; return b }),
		"nil blob":      {&good[0], nil},
	}
	for name, blobs := range cases {
		if _, err := DecodeBlobs(blobs, ProtocolMaxBlobsPerTx); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
	// A cap below the blob count rejects too.
	if _, err := DecodeBlobs(ptrs(good), 1); !errors.Is(err, ErrMalformed) {
		t.Errorf("over cap: %v", err)
	}
}
