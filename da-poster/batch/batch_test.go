package batch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func randRecords(r *rand.Rand, n, maxLen int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		rec := make([]byte, r.IntN(maxLen+1))
		for j := range rec {
			rec[j] = byte(r.IntN(8)) // compressible, not trivially
		}
		out[i] = rec
	}
	return out
}

func equalBatch(a, b Batch) bool {
	if a.First != b.First || len(a.Records) != len(b.Records) {
		return false
	}
	for i := range a.Records {
		if !bytes.Equal(a.Records[i], b.Records[i]) {
			return false
		}
	}
	return true
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []Batch{
		{First: 1, Records: [][]byte{{}}},
		{First: 1, Records: [][]byte{[]byte("one")}},
		{First: 7, Records: [][]byte{{}, {0}, {}, bytes.Repeat([]byte{9}, 300)}},
		{First: math.MaxInt64 - 1, Records: [][]byte{[]byte("last possible height")}},
		{First: 1 << 40, Records: randRecords(r, 100, 2000)},
		{First: 3, Records: [][]byte{bytes.Repeat([]byte("x"), 1<<20)}}, // several zstd blocks
	}
	for _, c := range cases {
		enc, err := Encode(c.First, c.Records)
		if err != nil {
			t.Fatalf("%v: encode: %v", c, err)
		}
		got, err := Decode(enc, DefaultLimits())
		if err != nil {
			t.Fatalf("%v: decode: %v", c, err)
		}
		if !equalBatch(got, c) {
			t.Fatalf("%v: round trip changed the batch", c)
		}
		again, err := Encode(got.First, got.Records)
		if err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("%v: re-encoding differs (err %v)", c, err)
		}
	}
}

// TestEncodeDeterministic encodes the same input from many goroutines and
// with interleaved other work: the bytes never change.
func TestEncodeDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	recs := randRecords(r, 50, 1000)
	want, err := Encode(10, recs)
	if err != nil {
		t.Fatal(err)
	}
	const goroutines = 4
	errs := make(chan error, goroutines)
	for g := range goroutines {
		go func() {
			other := randRecords(rand.New(rand.NewPCG(uint64(g), 9)), 20, 1000)
			for range 5 {
				if _, err := Encode(1, other); err != nil {
					errs <- err
					return
				}
				got, err := Encode(10, recs)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got, want) {
					errs <- errors.New("encoding changed between calls")
					return
				}
			}
			errs <- nil
		}()
	}
	for range goroutines {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestEncodeRejects(t *testing.T) {
	if _, err := Encode(0, [][]byte{{1}}); !errors.Is(err, ErrBadHeight) {
		t.Errorf("height 0: %v", err)
	}
	if _, err := Encode(-5, [][]byte{{1}}); !errors.Is(err, ErrBadHeight) {
		t.Errorf("negative height: %v", err)
	}
	if _, err := Encode(1, nil); !errors.Is(err, ErrBadCount) {
		t.Errorf("empty: %v", err)
	}
	if _, err := Encode(math.MaxInt64, [][]byte{{1}, {2}}); !errors.Is(err, ErrBadHeight) {
		t.Errorf("overflow: %v", err)
	}
}

// compress is a test zstd frame with default options (not the package's
// encoder), to build hostile bodies.
func compress(t testing.TB, raw []byte) []byte {
	t.Helper()
	e, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	return e.EncodeAll(raw, nil)
}

// rawBatch builds a batch from explicit header varint bytes and a raw body.
func rawBatch(t testing.TB, header []byte, body []byte) []byte {
	out := append([]byte(Magic), Version1, CompressionZstd)
	out = append(out, header...)
	return append(out, compress(t, body)...)
}

func uv(v uint64) []byte { return binary.AppendUvarint(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestDecodeRejects(t *testing.T) {
	good, err := Encode(5, [][]byte{[]byte("ab"), []byte("c")})
	if err != nil {
		t.Fatal(err)
	}
	goodBody := cat(uv(2), []byte("ab"), uv(1), []byte("c"))
	bomb := make([]byte, 2<<20) // 2 MiB of zeros compress to a few hundred bytes
	lim := DefaultLimits()

	cases := []struct {
		name   string
		in     []byte
		limits Limits
		want   error
	}{
		{"empty", nil, lim, ErrTruncated},
		{"short", []byte("ORD"), lim, ErrTruncated},
		{"magic", cat([]byte("ORDX"), good[4:]), lim, ErrBadMagic},
		{"short bad magic", []byte("XXXX\x01"), lim, ErrBadMagic},
		{"version", cat(good[:4], []byte{2}, good[5:]), lim, ErrUnsupportedVersion},
		{"compression", cat(good[:5], []byte{2}, good[6:]), lim, ErrUnsupportedCompression},
		{"no first", good[:6], lim, ErrTruncated},
		{"no count", good[:7], lim, ErrTruncated},
		{"first 0", rawBatch(t, cat(uv(0), uv(2)), goodBody), lim, ErrBadHeight},
		{"count 0", rawBatch(t, cat(uv(5), uv(0)), nil), lim, ErrBadCount},
		{"height overflow", rawBatch(t, cat(uv(math.MaxInt64), uv(2)), goodBody), lim, ErrBadHeight},
		{"varint > int64", rawBatch(t, cat(uv(math.MaxInt64+1), uv(2)), goodBody), lim, ErrVarintOverflow},
		{"varint > 64 bits", rawBatch(t, cat(bytes.Repeat([]byte{0xff}, 10), []byte{0x7f}, uv(2)), goodBody), lim, ErrVarintOverflow},
		{"non-minimal first", rawBatch(t, cat([]byte{0x85, 0x00}, uv(2)), goodBody), lim, ErrNonCanonicalVarint},
		{"non-minimal count", rawBatch(t, cat(uv(5), []byte{0x82, 0x80, 0x00}), goodBody), lim, ErrNonCanonicalVarint},
		{"non-minimal record length", rawBatch(t, cat(uv(5), uv(2)), cat([]byte{0x82, 0x00}, []byte("ab"), uv(1), []byte("c"))), lim, ErrNonCanonicalVarint},
		{"too many records for limit", good, Limits{MaxCompressed: 1 << 20, MaxDecompressed: 1 << 20, MaxRecords: 1}, ErrBadCount},
		{"too large", good, Limits{MaxCompressed: len(good) - 1, MaxDecompressed: 1 << 20, MaxRecords: 10}, ErrTooLarge},
		{"fewer records", rawBatch(t, cat(uv(5), uv(3)), goodBody), lim, ErrCountMismatch},
		{"count above body size", rawBatch(t, cat(uv(5), uv(1000)), goodBody), lim, ErrCountMismatch},
		{"record past end", rawBatch(t, cat(uv(5), uv(2)), cat(uv(2), []byte("ab"), uv(5), []byte("c"))), lim, ErrCountMismatch},
		{"trailing body bytes", rawBatch(t, cat(uv(5), uv(2)), cat(goodBody, []byte{0})), lim, ErrTrailingBytes},
		{"garbage after frame", cat(good, []byte{1, 2, 3}), lim, ErrDecompress},
		{"corrupt body", cat(good[:len(good)-3], []byte{0xde, 0xad, 0xbe}), lim, ErrDecompress},
		{"no body", good[:8], lim, ErrCountMismatch},
		{"zip bomb", rawBatch(t, cat(uv(1), uv(1)), cat(uv(uint64(len(bomb))), bomb)), Limits{MaxCompressed: 1 << 20, MaxDecompressed: 1 << 20, MaxRecords: 10}, ErrDecompressedTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.in, c.limits)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	if _, err := Decode(good, lim); err != nil {
		t.Fatalf("control: %v", err)
	}
	if _, err := Decode(good, Limits{}); err == nil {
		t.Fatal("zero limits accepted")
	}
}

// TestDecodeBombWithoutContentSize: a streamed zstd frame (no content size
// in its header) that inflates past the limit is cut off too.
func TestDecodeBombWithoutContentSize(t *testing.T) {
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	body := cat(uv(8<<20), make([]byte, 8<<20))
	if _, err := w.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	in := cat([]byte(Magic), []byte{Version1, CompressionZstd}, uv(1), uv(1), buf.Bytes())
	_, err = Decode(in, Limits{MaxCompressed: 1 << 20, MaxDecompressed: 1 << 20, MaxRecords: 1})
	if !errors.Is(err, ErrDecompressedTooLarge) {
		t.Fatalf("got %v", err)
	}
}

func TestDecodeAcceptsOtherEncoders(t *testing.T) {
	// A batch compressed by a different zstd configuration is valid: only
	// the framing must be canonical, not the compressed bytes.
	body := cat(uv(3), []byte("abc"), uv(0))
	in := rawBatch(t, cat(uv(9), uv(2)), body)
	b, err := Decode(in, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := Batch{First: 9, Records: [][]byte{[]byte("abc"), {}}}
	if !equalBatch(b, want) {
		t.Fatalf("got %v", b)
	}
}

func TestBatchAccessors(t *testing.T) {
	b := Batch{First: 10, Records: [][]byte{{1}, {2}, {3}}}
	if b.Count() != 3 || b.Last() != 12 {
		t.Fatalf("count %d last %d", b.Count(), b.Last())
	}
	if r, ok := b.Record(11); !ok || r[0] != 2 {
		t.Fatal("Record(11)")
	}
	if _, ok := b.Record(13); ok {
		t.Fatal("Record(13) present")
	}
	if _, ok := b.Record(9); ok {
		t.Fatal("Record(9) present")
	}
}
