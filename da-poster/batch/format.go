// Package batch is the versioned wire format of the DA batches Ordo's
// poster writes and rollup adapters read: a run of consecutive Ordo
// heights, each carrying one opaque block record, compressed with zstd.
//
// Wire format (version 1):
//
//	magic        4 bytes  "ORDB"
//	version      1 byte   1
//	compression  1 byte   1 = zstd
//	first        uvarint  first Ordo height (>= 1)
//	count        uvarint  number of heights (>= 1); the batch covers [first, first+count)
//	body         the rest: one zstd frame holding, for each height in order,
//	             uvarint(len(record)) || record
//
// Every varint is minimally encoded. Decode is strict: it rejects anything
// Encode would not produce at the framing level (non-minimal varints, bytes
// after the last record, fewer records than count, unknown version or
// compression) and bounds the work an untrusted blob can cause (compressed
// size, decompressed size, record count) before and while decompressing.
//
// Encode is deterministic: the same first height and records always give
// the same bytes with a given build (single-threaded zstd at a fixed
// level, checksum on, no dictionary). The compressed body is not required
// to be byte-canonical when decoding, because zstd encoders may change
// their output between library versions and a reader must still accept
// batches an older poster wrote; what Decode guarantees is that the
// decoded Batch is unique for a given input and re-encodes to a batch that
// decodes to the same Batch.
//
// A copy of a height on DA is valid when its batch decodes under the
// reader's Limits and its record equals the block committed at that height;
// readers take the first valid copy of each height in DA order.
package batch

import "fmt"

// Magic opens every batch.
const Magic = "ORDB"

// Version1 is the only version this package writes and reads.
const Version1 byte = 1

// Compression algorithms (the byte after the version).
const (
	// CompressionZstd is a single zstd frame (RFC 8878).
	CompressionZstd byte = 1
)

// headerFixed is magic + version + compression.
const headerFixed = len(Magic) + 2

// Batch is a decoded batch: the records of heights First, First+1, ...,
// First+len(Records)-1, in order. Records are opaque to this package.
type Batch struct {
	First   int64
	Records [][]byte
}

// Count is the number of heights in the batch.
func (b Batch) Count() int { return len(b.Records) }

// Last is the last height in the batch (First-1 for an empty batch).
func (b Batch) Last() int64 { return b.First + int64(len(b.Records)) - 1 }

// Record returns the record of height h and whether the batch covers h.
func (b Batch) Record(h int64) ([]byte, bool) {
	if h < b.First || h > b.Last() {
		return nil, false
	}
	return b.Records[h-b.First], true
}

func (b Batch) String() string {
	return fmt.Sprintf("batch[%d..%d]", b.First, b.Last())
}
