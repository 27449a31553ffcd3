package batch

import (
	"errors"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Decode parses and validates an encoded batch under limits. It never
// panics and never decompresses more than limits.MaxDecompressed bytes.
// Every error wraps one of the package's Err values. The returned records
// do not alias b.
func Decode(b []byte, limits Limits) (Batch, error) {
	if err := limits.Validate(); err != nil {
		return Batch{}, err
	}
	if len(b) > limits.MaxCompressed {
		return Batch{}, fmt.Errorf("%w: %d bytes > limit %d", ErrTooLarge, len(b), limits.MaxCompressed)
	}
	first, count, body, err := decodeHeader(b, limits)
	if err != nil {
		return Batch{}, err
	}
	raw, err := decompress(body, limits.MaxDecompressed)
	if err != nil {
		return Batch{}, err
	}
	records, err := splitRecords(raw, count)
	if err != nil {
		return Batch{}, err
	}
	return Batch{First: first, Records: records}, nil
}

// decodeHeader checks the fixed prefix and reads first and count.
func decodeHeader(b []byte, limits Limits) (first int64, count int, body []byte, err error) {
	if len(b) < headerFixed {
		if len(b) >= len(Magic) && string(b[:len(Magic)]) != Magic {
			return 0, 0, nil, ErrBadMagic
		}
		return 0, 0, nil, fmt.Errorf("%w: %d bytes", ErrTruncated, len(b))
	}
	if string(b[:len(Magic)]) != Magic {
		return 0, 0, nil, ErrBadMagic
	}
	if v := b[len(Magic)]; v != Version1 {
		return 0, 0, nil, fmt.Errorf("%w: %d", ErrUnsupportedVersion, v)
	}
	if c := b[len(Magic)+1]; c != CompressionZstd {
		return 0, 0, nil, fmt.Errorf("%w: %d", ErrUnsupportedCompression, c)
	}
	rest := b[headerFixed:]
	f, n, err := readUvarint(rest, "first height", ErrTruncated)
	if err != nil {
		return 0, 0, nil, err
	}
	rest = rest[n:]
	c, n, err := readUvarint(rest, "record count", ErrTruncated)
	if err != nil {
		return 0, 0, nil, err
	}
	rest = rest[n:]
	if err := checkRange(int64(f), c); err != nil {
		return 0, 0, nil, err
	}
	if c > uint64(limits.MaxRecords) {
		return 0, 0, nil, fmt.Errorf("%w: %d records > limit %d", ErrBadCount, c, limits.MaxRecords)
	}
	return int64(f), int(c), rest, nil
}

// splitRecords cuts the uncompressed body into exactly count records.
func splitRecords(raw []byte, count int) ([][]byte, error) {
	// Every record takes at least one byte, so count bounds the allocation
	// only after this check.
	if count > len(raw) {
		return nil, fmt.Errorf("%w: header says %d records, body has %d bytes", ErrCountMismatch, count, len(raw))
	}
	records := make([][]byte, count)
	rest := raw
	for i := range records {
		l, n, err := readUvarint(rest, fmt.Sprintf("length of record %d", i), ErrCountMismatch)
		if err != nil {
			return nil, err
		}
		rest = rest[n:]
		if l > uint64(len(rest)) {
			return nil, fmt.Errorf("%w: record %d is %d bytes, %d left", ErrCountMismatch, i, l, len(rest))
		}
		records[i] = rest[:l:l]
		rest = rest[l:]
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after record %d", ErrTrailingBytes, len(rest), count-1)
	}
	return records, nil
}

// decompress inflates a zstd body, stopping past max bytes.
func decompress(body []byte, max int) ([]byte, error) {
	d, release, err := decoderFor(max)
	if err != nil {
		return nil, err
	}
	defer release()
	raw, err := d.DecodeAll(body, nil)
	switch {
	case errors.Is(err, zstd.ErrDecoderSizeExceeded), errors.Is(err, zstd.ErrWindowSizeExceeded):
		return nil, fmt.Errorf("%w: limit %d bytes", ErrDecompressedTooLarge, max)
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrDecompress, err)
	case len(raw) > max: // belt and braces: DecodeAll already enforces it
		return nil, fmt.Errorf("%w: %d bytes > limit %d", ErrDecompressedTooLarge, len(raw), max)
	}
	return raw, nil
}

// Decoders are cached per size limit: DecodeAll on a zstd.Decoder is safe
// for concurrent use and creating one is not free. At most
// maxCachedDecoders distinct limits are cached; others get a decoder for
// one call.
const maxCachedDecoders = 8

var (
	decMu    sync.Mutex
	decCache = map[int]*zstd.Decoder{}
)

func decoderFor(max int) (*zstd.Decoder, func(), error) {
	decMu.Lock()
	d, ok := decCache[max]
	decMu.Unlock()
	if ok {
		return d, func() {}, nil
	}
	d, err := zstd.NewReader(nil,
		zstd.WithDecoderMaxMemory(uint64(max)),
		zstd.WithDecoderLowmem(true),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("batch: zstd decoder: %w", err)
	}
	decMu.Lock()
	defer decMu.Unlock()
	if cached, ok := decCache[max]; ok {
		d.Close()
		return cached, func() {}, nil
	}
	if len(decCache) < maxCachedDecoders {
		decCache[max] = d
		return d, func() {}, nil
	}
	return d, d.Close, nil
}
