package ordering

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// TxKey is the short key a validator reports a tx under: the first 8 bytes
// of its hash.
type TxKey [8]byte

// KeyOf returns a tx hash's short key.
func KeyOf(h tx.Hash) TxKey {
	var k TxKey
	copy(k[:], h[:8])
	return k
}

// Seen is one first-seen report: the validator first saw the tx with Key
// at time At (unix milliseconds, its own clock).
type Seen struct {
	Key TxKey
	At  int64
}

// Report is one validator's fair-ordering report in its vote extension for
// height h: its clock when voting and the first-seen times of the pending
// txs it knows that are not in block h. Entries are sorted by (At, Key),
// keys are distinct, and every At ≤ Now.
type Report struct {
	Now  int64
	Seen []Seen
}

const reportVersion = 1

// maxClock bounds reported clocks (unix ms; far beyond any real date).
const maxClock = 1 << 62

// ErrMalformedReport marks every decoding failure.
var ErrMalformedReport = errors.New("malformed fair-ordering report")

// EncodeReport writes the compact form:
//
//	version(1) || uvarint(now) || uvarint(count) ||
//	for each entry: key(8) || uvarint(delta)
//
// where the first entry's delta is now-At and each next one's is
// At - previous At (entries ascend by At, so deltas are ≥ 0). Entries are
// sorted first, so equal reports always encode to equal bytes.
func EncodeReport(r Report) ([]byte, error) {
	if r.Now < 0 || r.Now > maxClock {
		return nil, fmt.Errorf("%w: clock %d outside [0, 2^62]", ErrMalformedReport, r.Now)
	}
	seen := append([]Seen(nil), r.Seen...)
	sort.Slice(seen, func(i, j int) bool { return seenLess(seen[i], seen[j]) })
	out := make([]byte, 0, 1+2*binary.MaxVarintLen64+len(seen)*11)
	out = append(out, reportVersion)
	out = binary.AppendUvarint(out, uint64(r.Now))
	out = binary.AppendUvarint(out, uint64(len(seen)))
	prev := r.Now
	keys := make(map[TxKey]struct{}, len(seen))
	for i, s := range seen {
		if s.At > r.Now || s.At < 0 {
			return nil, fmt.Errorf("%w: entry %d is at %d, clock %d", ErrMalformedReport, i, s.At, r.Now)
		}
		if _, dup := keys[s.Key]; dup {
			return nil, fmt.Errorf("%w: key %x reported twice", ErrMalformedReport, s.Key)
		}
		keys[s.Key] = struct{}{}
		out = append(out, s.Key[:]...)
		if i == 0 {
			out = binary.AppendUvarint(out, uint64(r.Now-s.At))
		} else {
			out = binary.AppendUvarint(out, uint64(s.At-prev))
		}
		prev = s.At
	}
	return out, nil
}

// DecodeReport parses EncodeReport's output. It accepts only the canonical
// encoding (sorted, distinct keys, times within [0, Now]) with at most
// maxEntries entries, and never panics.
func DecodeReport(b []byte, maxEntries int) (Report, error) {
	fail := func(why string) (Report, error) { return Report{}, fmt.Errorf("%w: %s", ErrMalformedReport, why) }
	if len(b) == 0 {
		return fail("empty")
	}
	if b[0] != reportVersion {
		return fail(fmt.Sprintf("version %d, want %d", b[0], reportVersion))
	}
	b = b[1:]
	now, n := uvarint(b)
	if n <= 0 || now > maxClock {
		return fail("bad clock")
	}
	b = b[n:]
	count, n := uvarint(b)
	if n <= 0 {
		return fail("bad count")
	}
	b = b[n:]
	if maxEntries < 0 {
		maxEntries = 0
	}
	if count > uint64(maxEntries) {
		return fail(fmt.Sprintf("%d entries, limit %d", count, maxEntries))
	}
	if count > uint64(len(b)/9) { // every entry takes at least 9 bytes
		return fail("truncated")
	}
	r := Report{Now: int64(now), Seen: make([]Seen, 0, count)}
	keys := make(map[TxKey]struct{}, count)
	prev := r.Now
	for i := uint64(0); i < count; i++ {
		if len(b) < 9 {
			return fail("truncated")
		}
		var s Seen
		copy(s.Key[:], b[:8])
		d, n := uvarint(b[8:])
		if n <= 0 {
			return fail("bad delta")
		}
		b = b[8+n:]
		if i == 0 {
			if d > now {
				return fail("first entry before time zero")
			}
			s.At = r.Now - int64(d)
		} else {
			if d > uint64(r.Now-prev) {
				return fail("entry after the reported clock")
			}
			s.At = prev + int64(d)
			if !seenLess(r.Seen[len(r.Seen)-1], s) {
				return fail("entries not sorted by (time, key)")
			}
		}
		if _, dup := keys[s.Key]; dup {
			return fail(fmt.Sprintf("key %x reported twice", s.Key))
		}
		keys[s.Key] = struct{}{}
		prev = s.At
		r.Seen = append(r.Seen, s)
	}
	if len(b) != 0 {
		return fail("trailing bytes")
	}
	return r, nil
}

func seenLess(a, b Seen) bool {
	if a.At != b.At {
		return a.At < b.At
	}
	return string(a.Key[:]) < string(b.Key[:])
}

// uvarint reads a minimally encoded uvarint (n ≤ 0 on error or padding), so
// that every report has exactly one encoding.
func uvarint(b []byte) (uint64, int) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, n
	}
	var buf [binary.MaxVarintLen64]byte
	if binary.PutUvarint(buf[:], v) != n {
		return 0, -1
	}
	return v, n
}
