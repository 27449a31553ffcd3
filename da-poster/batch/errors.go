package batch

import "errors"

// Decode and Encode errors. Every error Decode returns wraps exactly one of
// these (test with errors.Is); the wrapping message says where and why.
var (
	// ErrTooLarge: the encoded batch exceeds Limits.MaxCompressed.
	ErrTooLarge = errors.New("batch: encoded batch too large")
	// ErrTruncated: the input ends inside the header.
	ErrTruncated = errors.New("batch: truncated header")
	// ErrBadMagic: the input does not start with "ORDB".
	ErrBadMagic = errors.New("batch: bad magic")
	// ErrUnsupportedVersion: a version byte other than 1.
	ErrUnsupportedVersion = errors.New("batch: unsupported version")
	// ErrUnsupportedCompression: a compression byte other than zstd.
	ErrUnsupportedCompression = errors.New("batch: unsupported compression")
	// ErrNonCanonicalVarint: a varint with redundant continuation bytes.
	ErrNonCanonicalVarint = errors.New("batch: non-minimal varint")
	// ErrVarintOverflow: a varint that does not fit in 63 bits.
	ErrVarintOverflow = errors.New("batch: varint overflow")
	// ErrBadHeight: first height below 1, or first+count overflows int64.
	ErrBadHeight = errors.New("batch: bad first height")
	// ErrBadCount: zero records, or more than Limits.MaxRecords.
	ErrBadCount = errors.New("batch: bad record count")
	// ErrDecompress: the body is not a valid zstd stream.
	ErrDecompress = errors.New("batch: corrupt compressed body")
	// ErrDecompressedTooLarge: the body inflates beyond
	// Limits.MaxDecompressed (decompression stops at the limit).
	ErrDecompressedTooLarge = errors.New("batch: decompressed body too large")
	// ErrCountMismatch: the body holds fewer records than the header's count,
	// or a record's length runs past the end of the body.
	ErrCountMismatch = errors.New("batch: record count mismatch")
	// ErrTrailingBytes: bytes follow the last record in the body.
	ErrTrailingBytes = errors.New("batch: trailing bytes after last record")
	// ErrRecordTooLarge: a single record cannot be packed within the hard
	// Limits (returned by the packer, never by Decode).
	ErrRecordTooLarge = errors.New("batch: record too large for limits")
)
