package batch

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// fuzzLimits keep each fuzz iteration cheap.
var fuzzLimits = Limits{MaxCompressed: 1 << 16, MaxDecompressed: 1 << 18, MaxRecords: 256}

// seedBatches are valid batches; the seed corpus under
// testdata/fuzz/FuzzDecodeBatch holds their encodings and some mutations.
func seedBatches() []Batch {
	return []Batch{
		{First: 1, Records: [][]byte{{}}},
		{First: 1, Records: [][]byte{[]byte("block record 1"), []byte("block record 2")}},
		{First: 1 << 20, Records: [][]byte{bytes.Repeat([]byte("ab"), 200), {}, {0xff}}},
		{First: 300, Records: [][]byte{{1, 2, 3}, {4, 5}, {6}, {}, {7, 8, 9, 10}}},
	}
}

// FuzzDecodeBatch: Decode never panics, and anything it accepts re-encodes
// to a batch with the same header bytes that decodes to the same Batch;
// re-encoding is stable.
func FuzzDecodeBatch(f *testing.F) {
	for _, b := range seedBatches() {
		enc, err := Encode(b.First, b.Records)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := Decode(in, fuzzLimits)
		if err != nil {
			return
		}
		enc, err := Encode(b.First, b.Records)
		if err != nil {
			t.Fatalf("accepted batch does not encode: %v", err)
		}
		_, _, body, err := decodeHeader(in, fuzzLimits)
		if err != nil {
			t.Fatal(err)
		}
		hdr := len(in) - len(body)
		if !bytes.Equal(enc[:hdr], in[:hdr]) {
			t.Fatalf("header not canonical: %x vs %x", in[:hdr], enc[:hdr])
		}
		back, err := Decode(enc, Limits{MaxCompressed: 1 << 20, MaxDecompressed: fuzzLimits.MaxDecompressed, MaxRecords: fuzzLimits.MaxRecords})
		if err != nil {
			t.Fatalf("re-encoded batch rejected: %v", err)
		}
		if !equalBatch(back, b) {
			t.Fatal("decode -> encode -> decode changed the batch")
		}
		again, err := Encode(back.First, back.Records)
		if err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("encoding not stable (err %v)", err)
		}
	})
}

// TestEncodedSeedsRoundTripExactly: for batches Encode wrote, decode ->
// encode gives back the very same bytes (the seed corpus is such input).
func TestEncodedSeedsRoundTripExactly(t *testing.T) {
	for _, b := range seedBatches() {
		enc, err := Encode(b.First, b.Records)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(enc, fuzzLimits)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Encode(got.First, got.Records)
		if err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("%v: bytes changed (err %v)", b, err)
		}
	}
}

// TestWriteFuzzCorpus regenerates testdata/fuzz/FuzzDecodeBatch when
// ORDO_WRITE_CORPUS=1 (after a format change); otherwise it only checks
// that the corpus exists.
func TestWriteFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecodeBatch")
	if os.Getenv("ORDO_WRITE_CORPUS") != "1" {
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) == 0 {
			t.Fatalf("seed corpus missing in %s (run with ORDO_WRITE_CORPUS=1): %v", dir, err)
		}
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var seeds [][]byte
	for _, b := range seedBatches() {
		enc, err := Encode(b.First, b.Records)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, enc)
		// Mutations near the interesting edges: truncated body, flipped
		// version, non-minimal count varint, trailing byte.
		seeds = append(seeds, enc[:len(enc)-1])
		seeds = append(seeds, append(append([]byte{}, enc[:4]...), append([]byte{2}, enc[5:]...)...))
		seeds = append(seeds, append(enc[:len(enc):len(enc)], 0))
	}
	seeds = append(seeds, []byte("ORDB\x01\x01\x01\x81\x00"), []byte{}, []byte("ORDB"))
	for i, s := range seeds {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
