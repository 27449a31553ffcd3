package sdk

import (
	"context"

	"github.com/ordolabs/ordo/da-poster/batch"
	"github.com/ordolabs/ordo/da-poster/da"
	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
)

// DAReader reads Ordo's batches back from a DA layer and checks them: for
// each height it keeps the first copy, in DA order, whose block record
// matches the app hash the light client verified (header height+1) and
// whose block time is header height's.
// Corrupt, forged or undecodable copies are skipped and counted. This is
// how a rollup confirms for itself that its data is firm.
type DAReader struct {
	DA      da.Reader
	Headers HeaderVerifier
	// Limits bound what a batch may decode to (default batch.DefaultLimits).
	Limits batch.Limits

	cursor  da.Cursor
	records map[int64]*deliveryv1.BlockRecord
	// pending holds blobs with heights the light client cannot verify yet
	// (not committed yet — or claimed by a forged, far-ahead copy); they
	// are retried on later scans, at most maxPending of them.
	pending [][]byte
	// Skipped counts copies rejected (undecodable batch or record, or a
	// record that does not match its height's app hash).
	Skipped int
}

// Scan reads every final blob posted since the last Scan and records the
// first valid copy of each height. It returns the number of blobs read.
func (r *DAReader) Scan(ctx context.Context) (int, error) {
	if r.records == nil {
		r.records = make(map[int64]*deliveryv1.BlockRecord)
	}
	if r.Limits == (batch.Limits{}) {
		r.Limits = batch.DefaultLimits()
	}
	read := 0
	retry := r.pending
	r.pending = nil
	for _, blob := range retry {
		if err := r.take(ctx, blob); err != nil {
			return read, err
		}
	}
	for {
		blobs, next, err := r.DA.Read(ctx, r.cursor)
		if err != nil {
			return read, err
		}
		final := 0
		for _, b := range blobs {
			if !b.Final {
				break
			}
			final++
			if err := r.take(ctx, b.Data); err != nil {
				return read, err
			}
		}
		read += final
		if string(next) == string(r.cursor) {
			return read, nil
		}
		r.cursor = next
	}
}

// take checks every record of one blob. A blob with a height the light
// client cannot verify yet is kept for a later scan (records of it already
// taken stay taken). Only a storage-level failure would be an error.
func (r *DAReader) take(ctx context.Context, blob []byte) error {
	b, err := batch.Decode(blob, r.Limits)
	if err != nil {
		r.Skipped++
		return nil
	}
	for i, raw := range b.Records {
		h := b.First + int64(i)
		if _, ok := r.records[h]; ok {
			continue
		}
		var rec deliveryv1.BlockRecord
		if err := rec.Unmarshal(raw); err != nil || rec.Height != h {
			r.Skipped++
			continue
		}
		header, err := r.Headers.VerifiedHeader(ctx, h+1)
		if err != nil {
			// Not verifiable now: keep the blob for a later scan instead of
			// stalling on it (a forged copy may claim any height).
			r.defer_(blob)
			return nil
		}
		if _, err := commitment.VerifyRecord(&rec, header.AppHash); err != nil {
			r.Skipped++
			continue
		}
		// The block time is not under the app hash: check it against the
		// verified header of h.
		own, err := r.Headers.VerifiedHeader(ctx, h)
		if err != nil {
			r.defer_(blob)
			return nil
		}
		if rec.TimeUnixNano != own.Time.UnixNano() {
			r.Skipped++
			continue
		}
		r.records[h] = &rec
	}
	return nil
}

// maxPending bounds the blobs kept for a later scan; the oldest go first.
const maxPending = 64

func (r *DAReader) defer_(blob []byte) {
	if len(r.pending) >= maxPending {
		r.pending = r.pending[1:]
	}
	r.pending = append(r.pending, blob)
}

// Pending is the number of blobs waiting for heights the light client
// cannot verify yet.
func (r *DAReader) Pending() int { return len(r.pending) }

// Record returns the verified record of a height, if a valid copy was
// found by the scans so far.
func (r *DAReader) Record(height int64) (*deliveryv1.BlockRecord, bool) {
	rec, ok := r.records[height]
	return rec, ok
}

// FirmThrough is the highest height h such that valid copies of every
// height from `from` to h have been found (from-1 when none).
func (r *DAReader) FirmThrough(from int64) int64 {
	h := from
	for {
		if _, ok := r.records[h]; !ok {
			return h - 1
		}
		h++
	}
}
