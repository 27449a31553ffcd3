package batch

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// The encoder is fixed: one goroutine, SpeedDefault, checksum on, no
// dictionary. EncodeAll with these options is a pure function of its
// input, which makes Encode deterministic. Changing any option changes the
// bytes the poster writes (old batches stay readable).
var (
	encOnce sync.Once
	enc     *zstd.Encoder
	encErr  error
)

func encoder() (*zstd.Encoder, error) {
	encOnce.Do(func() {
		enc, encErr = zstd.NewWriter(nil,
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderLevel(zstd.SpeedDefault),
			zstd.WithEncoderCRC(true),
			zstd.WithZeroFrames(true),
		)
	})
	return enc, encErr
}

// Encode returns the version-1 encoding of the batch holding records for
// heights first, first+1, ... It is deterministic: the same arguments always
// give the same bytes. first must be >= 1 and records non-empty; records
// may be empty byte strings. Encode applies no size limits (the Packer
// does): check the result against the readers' Limits before posting it.
func Encode(first int64, records [][]byte) ([]byte, error) {
	if err := checkRange(first, uint64(len(records))); err != nil {
		return nil, err
	}
	body := make([]byte, 0, rawBodySize(records))
	for _, r := range records {
		body = binary.AppendUvarint(body, uint64(len(r)))
		body = append(body, r...)
	}
	e, err := encoder()
	if err != nil {
		return nil, fmt.Errorf("batch: zstd encoder: %w", err)
	}
	out := make([]byte, 0, headerFixed+2*binary.MaxVarintLen64+len(body)/2+64)
	out = appendHeader(out, first, len(records))
	return e.EncodeAll(body, out), nil
}

// appendHeader appends magic, version, compression, first and count.
func appendHeader(dst []byte, first int64, count int) []byte {
	dst = append(dst, Magic...)
	dst = append(dst, Version1, CompressionZstd)
	dst = binary.AppendUvarint(dst, uint64(first))
	return binary.AppendUvarint(dst, uint64(count))
}

// checkRange validates a batch's first height and record count.
func checkRange(first int64, count uint64) error {
	if first < 1 {
		return fmt.Errorf("%w: %d (heights start at 1)", ErrBadHeight, first)
	}
	if count == 0 {
		return fmt.Errorf("%w: empty batch", ErrBadCount)
	}
	if count > math.MaxInt64-uint64(first) {
		return fmt.Errorf("%w: %d records from height %d overflow", ErrBadHeight, count, first)
	}
	return nil
}

// recordSize is the size of one record in the uncompressed body.
func recordSize(r []byte) int { return uvarintLen(uint64(len(r))) + len(r) }

// rawBodySize is the size of the uncompressed body for records.
func rawBodySize(records [][]byte) int {
	n := 0
	for _, r := range records {
		n += recordSize(r)
	}
	return n
}

// MaxEncodedSize bounds the encoded size of a batch whose uncompressed body
// (all length prefixes and records) is rawBody bytes: zstd never expands
// its input by more than a raw-block header per 128 KiB block plus the
// frame header and checksum.
func MaxEncodedSize(rawBody int) int {
	const (
		header    = headerFixed + 2*binary.MaxVarintLen64
		frame     = 18 + 4 // frame header (max) + checksum
		blockSize = 128 << 10
	)
	return header + frame + rawBody + 3*(rawBody/blockSize+1)
}
