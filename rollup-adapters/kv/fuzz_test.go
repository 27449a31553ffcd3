package kv

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// Regenerate the checked-in seed corpus with
//
//	go test ./rollup-adapters/kv -run TestFuzzCorpusFiles -write-corpus
var writeCorpus = flag.Bool("write-corpus", false, "rewrite testdata/fuzz seed files")

// seedOps are the corpus seeds: one valid op of each kind and a few
// near-misses of the canonical form.
func seedOps(tb testing.TB) map[string][]byte {
	put := mustEncode(tb, Put{Key: []byte("greeting"), Value: []byte("hello")})
	return map[string][]byte{
		"transfer":        mustEncode(tb, Transfer{To: addr(1), Amount: 1000}),
		"mint":            mustEncode(tb, Mint{To: addr(2), Amount: ^uint64(0)}),
		"put":             put,
		"put-empty":       mustEncode(tb, Put{Key: []byte{0}}),
		"delete":          mustEncode(tb, Delete{Key: []byte("greeting")}),
		"put-trailing":    append(append([]byte{}, put...), 0),
		"put-truncated":   put[:len(put)-1],
		"put-empty-key":   {OpVersion, kindPut, 0, 0, 0, 0},
		"unknown-kind":    {OpVersion, 0x09},
		"unknown-version": {0x02, kindDelete, 0, 1, 'k'},
	}
}

// codecErrors are the only errors DecodeOp may return.
var codecErrors = []error{ErrOpVersion, ErrOpKind, ErrOpTruncated, ErrOpTrailing, ErrOpTooLarge, ErrKeyLength, ErrValueLength}

// FuzzDecodeOp: DecodeOp never panics, fails only with a codec error, and
// accepts only canonical encodings — re-encoding a decoded op gives back
// the input bytes exactly.
func FuzzDecodeOp(f *testing.F) {
	for _, b := range seedOps(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		op, err := DecodeOp(data)
		if err != nil {
			if op != nil {
				t.Fatalf("DecodeOp returned an op with error %v", err)
			}
			for _, e := range codecErrors {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("DecodeOp(%x) failed with a non-codec error: %v", data, err)
		}
		enc, err := EncodeOp(op)
		if err != nil {
			t.Fatalf("EncodeOp of decoded %#v: %v", op, err)
		}
		if !bytes.Equal(enc, data) {
			t.Fatalf("non-canonical input accepted: %x re-encodes to %x", data, enc)
		}
		again, err := DecodeOp(enc)
		if err != nil || !reflect.DeepEqual(again, op) {
			t.Fatalf("decode(encode(op)) = %#v, %v; want %#v", again, err, op)
		}
	})
}

// FuzzDecodeGenesis: DecodeGenesis never panics, fails only with
// ErrGenesisEncoding and a zero Genesis, and accepts only canonical
// encodings — re-encoding a decoded genesis gives back the input bytes.
func FuzzDecodeGenesis(f *testing.F) {
	for _, b := range seedGeneses() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := DecodeGenesis(data)
		if err != nil {
			if !errors.Is(err, ErrGenesisEncoding) {
				t.Fatalf("DecodeGenesis(%x) failed with another error: %v", data, err)
			}
			if !reflect.DeepEqual(g, Genesis{}) {
				t.Fatalf("DecodeGenesis returned a genesis with error %v", err)
			}
			return
		}
		if enc := EncodeGenesis(g); !bytes.Equal(enc, data) {
			t.Fatalf("non-canonical input accepted: %x re-encodes to %x", data, enc)
		}
		if len(g.Balances) > MaxGenesisAccounts {
			t.Fatalf("%d accounts accepted", len(g.Balances))
		}
		for a, bal := range g.Balances {
			if bal == 0 {
				t.Fatalf("zero balance for %s accepted", a)
			}
		}
	})
}

// corpusFile renders one []byte input in Go's fuzz corpus format.
func corpusFile(b []byte) []byte {
	return []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n")
}

// TestFuzzCorpusFiles keeps testdata/fuzz/FuzzDecodeOp and
// testdata/fuzz/FuzzDecodeGenesis in step with seedOps and seedGeneses.
func TestFuzzCorpusFiles(t *testing.T) {
	for target, seeds := range map[string]map[string][]byte{
		"FuzzDecodeOp":      seedOps(t),
		"FuzzDecodeGenesis": seedGeneses(),
	} {
		for name, b := range seeds {
			path := filepath.Join("testdata", "fuzz", target, "seed-"+name)
			want := corpusFile(b)
			if *writeCorpus {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (regenerate with -write-corpus)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale (regenerate with -write-corpus)", path)
			}
		}
	}
}
