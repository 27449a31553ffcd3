package batch

import (
	"crypto/rand"
	"errors"
	mrand "math/rand/v2"
	"testing"
)

func incompressible(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// TestMaxEncodedSize: the bound holds for incompressible bodies of many
// sizes, including several zstd blocks.
func TestMaxEncodedSize(t *testing.T) {
	for _, n := range []int{0, 1, 100, 4095, 128 << 10, 128<<10 + 1, 300 << 10, 1 << 20} {
		rec := incompressible(n)
		enc, err := Encode(1<<62, [][]byte{rec})
		if err != nil {
			t.Fatal(err)
		}
		if bound := MaxEncodedSize(recordSize(rec)); len(enc) > bound {
			t.Fatalf("record of %d bytes encodes to %d > bound %d", n, len(enc), bound)
		}
	}
}

func checkPacked(t *testing.T, first int64, records [][]byte, o PackOptions, got []Packed) {
	t.Helper()
	next, i := first, 0
	for _, p := range got {
		if p.First != next || p.Count < 1 {
			t.Fatalf("batch %d..+%d, want start %d", p.First, p.Count, next)
		}
		b, err := Decode(p.Data, o.Limits)
		if err != nil {
			t.Fatalf("packed batch does not decode: %v", err)
		}
		if !equalBatch(b, Batch{First: p.First, Records: records[i : i+p.Count]}) {
			t.Fatal("packed batch holds the wrong records")
		}
		if len(p.Data) > o.MaxBatchBytes && p.Count != 1 {
			t.Fatalf("batch of %d records is %d bytes > cap %d", p.Count, len(p.Data), o.MaxBatchBytes)
		}
		// Greedy: one more record would not have fitted (unless a hard limit
		// stopped the batch first).
		if rest := i + p.Count; rest < len(records) && p.Count < o.Limits.MaxRecords &&
			rawBodySize(records[i:rest+1]) <= o.Limits.MaxDecompressed {
			more, err := Encode(p.First, records[i:rest+1])
			if err != nil {
				t.Fatal(err)
			}
			if len(more) <= o.MaxBatchBytes {
				t.Fatalf("batch at %d stopped at %d records though %d fit in %d bytes", p.First, p.Count, p.Count+1, len(more))
			}
		}
		next += int64(p.Count)
		i += p.Count
	}
	if i != len(records) {
		t.Fatalf("packed %d of %d records", i, len(records))
	}
}

func TestBuildBatchesSizeCap(t *testing.T) {
	r := mrand.New(mrand.NewPCG(5, 6))
	lim := DefaultLimits()
	for _, c := range []struct {
		name    string
		records [][]byte
		cap     int
	}{
		{"compressible small", randRecords(r, 500, 400), 4096},
		{"incompressible", [][]byte{incompressible(1000), incompressible(1500), incompressible(700), incompressible(3000), incompressible(10)}, 2600},
		{"one oversized in the middle", [][]byte{incompressible(100), incompressible(10000), incompressible(100), incompressible(100)}, 1000},
		{"all fit", randRecords(r, 20, 50), 1 << 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := PackOptions{MaxBatchBytes: c.cap, Limits: lim}
			got, err := BuildBatches(100, c.records, o)
			if err != nil {
				t.Fatal(err)
			}
			checkPacked(t, 100, c.records, o, got)
			if c.name == "compressible small" && len(got) >= len(c.records)/2 {
				t.Fatalf("%d batches for %d records: packing does not group", len(got), len(c.records))
			}
			if c.name == "all fit" && len(got) != 1 {
				t.Fatalf("%d batches", len(got))
			}
			if c.name == "one oversized in the middle" {
				if len(got) != 3 || got[1].Count != 1 || len(got[1].Data) <= c.cap {
					t.Fatalf("oversized record not alone: %+v", got)
				}
			}
		})
	}
}

func TestPackHardLimits(t *testing.T) {
	lim := Limits{MaxCompressed: 1 << 20, MaxDecompressed: 1000, MaxRecords: 3}
	recs := [][]byte{make([]byte, 10), make([]byte, 10), make([]byte, 10), make([]byte, 10)}
	p, err := Pack(1, recs, PackOptions{MaxBatchBytes: 1 << 20, Limits: lim})
	if err != nil || p.Count != 3 {
		t.Fatalf("MaxRecords: count %d err %v", p.Count, err)
	}
	recs = [][]byte{make([]byte, 600), make([]byte, 600)}
	p, err = Pack(1, recs, PackOptions{MaxBatchBytes: 1 << 20, Limits: lim})
	if err != nil || p.Count != 1 {
		t.Fatalf("MaxDecompressed: count %d err %v", p.Count, err)
	}
	if _, err := Pack(1, [][]byte{make([]byte, 1000)}, PackOptions{MaxBatchBytes: 1 << 20, Limits: lim}); !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("record above MaxDecompressed: %v", err)
	}
	big := Limits{MaxCompressed: 500, MaxDecompressed: 1 << 20, MaxRecords: 3}
	if _, err := Pack(1, [][]byte{incompressible(1000)}, PackOptions{MaxBatchBytes: 100, Limits: big}); !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("record above MaxCompressed: %v", err)
	}
	if _, err := Pack(1, [][]byte{{1}}, PackOptions{Limits: lim}); err == nil {
		t.Fatal("zero MaxBatchBytes accepted")
	}
	if _, err := BuildBatches(1, nil, PackOptions{MaxBatchBytes: 10, Limits: lim}); err == nil {
		t.Fatal("no records accepted")
	}
}
