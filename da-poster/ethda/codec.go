package ethda

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/crypto/kzg4844"
	"github.com/ethereum/go-ethereum/params"
)

// Blob codec (version 0).
//
// A payload (an encoded batch, opaque here) is laid out as the byte stream
//
//	0x00 version | uint32 big-endian length L | payload (L bytes) | zero padding
//
// and the stream is cut into 31-byte chunks, one per field element: element
// j of blob i holds stream bytes [(i*4096+j)*31, +31) in its bytes 1..31,
// and its byte 0 (the most significant byte) is zero, so every element is
// below the BLS12-381 scalar modulus (canonical). A payload uses the fewest
// blobs that hold its stream: BlobsFor(L).
//
// DecodeBlobs accepts exactly what EncodeBlobs produces: it rejects a
// non-zero high byte, an unknown version, a length beyond the blobs'
// capacity or beyond maxBlobs blobs, more blobs than the length needs, and
// non-zero padding. So decode(blobs) = p implies encode(p) = blobs.
const (
	// FieldElementsPerBlob is EIP-4844's blob size in field elements.
	FieldElementsPerBlob = 4096
	// BytesPerFieldElement is the size of one serialized field element.
	BytesPerFieldElement = 32
	// UsableBytesPerElement is the payload bytes carried per element (the
	// high byte is always zero).
	UsableBytesPerElement = BytesPerFieldElement - 1
	// BlobCapacity is the stream bytes one blob carries.
	BlobCapacity = FieldElementsPerBlob * UsableBytesPerElement // 126976

	codecVersion = 0
	headerLen    = 1 + 4

	// ProtocolMaxBlobsPerTx is the most blobs one transaction may carry
	// (EIP-7594's per-transaction cap under Osaka; go-ethereum's blob pool
	// enforces it).
	ProtocolMaxBlobsPerTx = params.BlobTxMaxBlobs
)

// ErrMalformed marks blobs that are not a valid encoding.
var ErrMalformed = errors.New("ethda: malformed blob payload")

// MaxPayloadBytes is the largest payload that fits in maxBlobs blobs (the
// poster's MaxBatchBytes must not exceed MaxPayloadBytes(Config.MaxBlobsPerTx)).
func MaxPayloadBytes(maxBlobs int) int {
	if maxBlobs < 1 {
		return 0
	}
	return maxBlobs*BlobCapacity - headerLen
}

// BlobsFor is the number of blobs a payload of n bytes takes (at least 1).
func BlobsFor(n int) int {
	return (n + headerLen + BlobCapacity - 1) / BlobCapacity
}

// EncodeBlobs packs data into BlobsFor(len(data)) blobs. A payload needing
// more than maxBlobs blobs is an error (the caller's configuration must
// keep payloads within MaxPayloadBytes(maxBlobs)).
func EncodeBlobs(data []byte, maxBlobs int) ([]kzg4844.Blob, error) {
	if len(data) > MaxPayloadBytes(maxBlobs) {
		return nil, fmt.Errorf("ethda: payload of %d bytes exceeds %d bytes (%d blobs)", len(data), MaxPayloadBytes(maxBlobs), maxBlobs)
	}
	n := BlobsFor(len(data))
	stream := make([]byte, n*BlobCapacity)
	stream[0] = codecVersion
	binary.BigEndian.PutUint32(stream[1:headerLen], uint32(len(data)))
	copy(stream[headerLen:], data)
	blobs := make([]kzg4844.Blob, n)
	for i := range blobs {
		chunk := stream[i*BlobCapacity : (i+1)*BlobCapacity]
		for j := range FieldElementsPerBlob {
			copy(blobs[i][j*BytesPerFieldElement+1:(j+1)*BytesPerFieldElement], chunk[j*UsableBytesPerElement:(j+1)*UsableBytesPerElement])
		}
	}
	return blobs, nil
}

// DecodeBlobs extracts the payload from blobs (in transaction order),
// strictly: see the codec description. Errors wrap ErrMalformed.
func DecodeBlobs(blobs []*kzg4844.Blob, maxBlobs int) ([]byte, error) {
	if len(blobs) == 0 || len(blobs) > maxBlobs {
		return nil, fmt.Errorf("%w: %d blobs, want 1..%d", ErrMalformed, len(blobs), maxBlobs)
	}
	// The header sits in the first element of the first blob.
	first := blobs[0]
	if first == nil {
		return nil, fmt.Errorf("%w: nil blob", ErrMalformed)
	}
	if first[0] != 0 {
		return nil, fmt.Errorf("%w: blob 0 element 0: high byte %#x", ErrMalformed, first[0])
	}
	if v := first[1]; v != codecVersion {
		return nil, fmt.Errorf("%w: unknown codec version %d", ErrMalformed, v)
	}
	size := uint64(binary.BigEndian.Uint32(first[2 : 2+4]))
	if size > uint64(MaxPayloadBytes(maxBlobs)) {
		return nil, fmt.Errorf("%w: length %d exceeds %d", ErrMalformed, size, MaxPayloadBytes(maxBlobs))
	}
	if want := BlobsFor(int(size)); want != len(blobs) {
		return nil, fmt.Errorf("%w: length %d needs %d blobs, got %d", ErrMalformed, size, want, len(blobs))
	}
	out := make([]byte, size)
	end := headerLen + int(size) // stream offset just past the payload
	for i, b := range blobs {
		if b == nil {
			return nil, fmt.Errorf("%w: nil blob %d", ErrMalformed, i)
		}
		for j := range FieldElementsPerBlob {
			fe := b[j*BytesPerFieldElement : (j+1)*BytesPerFieldElement]
			if fe[0] != 0 {
				return nil, fmt.Errorf("%w: blob %d element %d: high byte %#x", ErrMalformed, i, j, fe[0])
			}
			if err := takeElement(out, fe[1:], (i*FieldElementsPerBlob+j)*UsableBytesPerElement, end); err != nil {
				return nil, fmt.Errorf("%w: blob %d element %d: %w", ErrMalformed, i, j, err)
			}
		}
	}
	return out, nil
}

// takeElement copies the payload part of one element's 31 bytes (at stream
// offset off) into out and checks that the rest, padding, is zero.
func takeElement(out, fe []byte, off, end int) error {
	for k, c := range fe {
		pos := off + k
		switch {
		case pos < headerLen:
			// header, already read
		case pos < end:
			out[pos-headerLen] = c
		case c != 0:
			return errors.New("non-zero padding")
		}
	}
	return nil
}
