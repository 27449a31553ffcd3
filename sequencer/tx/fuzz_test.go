package tx

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
)

// Regenerate the checked-in seed corpus with
//
//	go test ./sequencer/tx -run TestFuzzCorpusFiles -write-corpus
var writeCorpus = flag.Bool("write-corpus", false, "rewrite testdata/fuzz seed files from real signed txs")

// fuzzKey signs every fuzzed body, so a body that decodes must also verify.
var fuzzKey = testKey(100)

// checkDecoded asserts the invariants every successfully decoded tx holds.
func checkDecoded(t *testing.T, raw []byte, d *Tx) {
	t.Helper()
	if !bytes.Equal(d.Raw, raw) || d.Size() != len(raw) {
		t.Fatalf("Raw/Size do not match the input")
	}
	if d.Hash != sha256.Sum256(raw) || d.Hash != HashOf(raw) {
		t.Fatalf("Hash is not sha256(raw)")
	}
	if len(d.PubKey) != PubKeySize || len(d.signature) != SignatureSize {
		t.Fatalf("accepted key of %d bytes, signature of %d", len(d.PubKey), len(d.signature))
	}
	if d.Sender != AddressFromPubKey(d.PubKey) {
		t.Fatalf("Sender not derived from PubKey")
	}
	if len(d.ChainID) == 0 || len(d.ChainID) > MaxChainIDBytes {
		t.Fatalf("accepted chain id of %d bytes", len(d.ChainID))
	}
	if len(d.Actions) == 0 || len(d.Actions) > MaxActions {
		t.Fatalf("accepted %d actions", len(d.Actions))
	}
	spend, ok := d.Spend()
	if !ok {
		t.Fatalf("accepted a tx whose spend overflows")
	}
	wantSpend := d.Fee
	usage := make(map[RollupID]uint64)
	for i, a := range d.Actions {
		switch a := a.(type) {
		case *RollupData:
			if len(a.Data) == 0 {
				t.Fatalf("action %d: empty rollup data accepted", i)
			}
			usage[a.Rollup] += uint64(len(a.Data))
		case *Bundle:
			if len(a.Legs) < 2 || len(a.Legs) > MaxBundleLegs {
				t.Fatalf("action %d: bundle with %d legs accepted", i, len(a.Legs))
			}
			ids := make(map[RollupID]bool)
			for _, l := range a.Legs {
				if ids[l.Rollup] {
					t.Fatalf("action %d: bundle with duplicate rollup accepted", i)
				}
				ids[l.Rollup] = true
				if len(l.Data) == 0 {
					t.Fatalf("action %d: empty leg accepted", i)
				}
				usage[l.Rollup] += uint64(len(l.Data))
			}
		case *RegisterRollup:
			if err := ValidateRollupName(a.Name); err != nil {
				t.Fatalf("action %d: bad name %q accepted", i, a.Name)
			}
		case *Transfer:
			if a.Amount == 0 {
				t.Fatalf("action %d: zero transfer accepted", i)
			}
			wantSpend += a.Amount
		default:
			t.Fatalf("action %d: unknown type %T", i, a)
		}
	}
	if spend != wantSpend {
		t.Fatalf("Spend %d, want %d", spend, wantSpend)
	}
	got := d.RollupBytes()
	if len(got) != len(usage) {
		t.Fatalf("RollupBytes lists %d rollups, want %d", len(got), len(usage))
	}
	for _, u := range got {
		if usage[u.Rollup] != u.Bytes {
			t.Fatalf("RollupBytes %s = %d, want %d", u.Rollup, u.Bytes, usage[u.Rollup])
		}
	}

	// Re-encoding the decoded envelope fields gives a tx that decodes to
	// the same content.
	again, err := Decode(envelope(t, d.body, d.PubKey, d.signature), 0)
	if err != nil {
		t.Fatalf("re-encoded envelope does not decode: %v", err)
	}
	if again.Sender != d.Sender || again.ChainID != d.ChainID || again.Nonce != d.Nonce ||
		again.Fee != d.Fee || !reflect.DeepEqual(again.Actions, d.Actions) {
		t.Fatalf("re-encoded envelope decodes differently")
	}
}

func checkRejected(t *testing.T, err error, allowed ...*Error) {
	t.Helper()
	code := CodeOf(err)
	for _, e := range allowed {
		if code == e.Code {
			if len(err.Error()) <= len(e.Desc)+2 {
				t.Fatalf("error without detail: %q", err)
			}
			return
		}
	}
	t.Fatalf("unexpected code %d: %v", code, err)
}

func FuzzDecode(f *testing.F) {
	for _, s := range seedBodies() {
		f.Add(mustSign(f, testKey(1), s.body))
	}
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x00, 0x12, 0x00, 0x1a, 0x00})
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, raw []byte) {
		const limit = 1 << 16
		d, err := Decode(raw, limit)
		if err != nil {
			if d != nil {
				t.Fatalf("Decode returned a tx with an error")
			}
			checkRejected(t, err, ErrTooLarge, ErrDecode, ErrWrongChainID, ErrInvalidAction)
			return
		}
		checkDecoded(t, raw, d)
		// Verify never panics and only fails with these codes.
		if err := d.Verify(d.ChainID); err != nil {
			checkRejected(t, err, ErrInvalidSignature)
		}
		if err := d.Verify(d.ChainID + "x"); CodeOf(err) != ErrWrongChainID.Code {
			t.Fatalf("Verify on another chain id: %v", err)
		}
	})
}

// FuzzDecodeActions fuzzes the TxBody bytes inside a correctly signed
// envelope, reaching the body and action validation that FuzzDecode rarely
// gets to.
func FuzzDecodeActions(f *testing.F) {
	for _, s := range seedBodies() {
		f.Add(mustMarshalBody(f, s.body))
	}
	f.Add([]byte{})
	f.Add([]byte{0x22, 0x00})
	f.Fuzz(func(t *testing.T, bodyBytes []byte) {
		raw := signedEnvelope(t, fuzzKey, bodyBytes)
		d, err := Decode(raw, 0)
		var pb txv1.TxBody
		pbErr := pb.Unmarshal(bodyBytes)
		if err != nil {
			if pbErr == nil && CodeOf(err) == ErrDecode.Code {
				// Only a non-canonical encoding may be refused as undecodable.
				if canon, mErr := pb.Marshal(); mErr == nil && bytes.Equal(canon, bodyBytes) {
					t.Fatalf("Decode reports a canonical body that unmarshals as undecodable: %v", err)
				}
			}
			checkRejected(t, err, ErrDecode, ErrWrongChainID, ErrInvalidAction)
			return
		}
		if pbErr != nil {
			t.Fatalf("Decode accepted a body that does not unmarshal: %v", pbErr)
		}
		if canon, mErr := pb.Marshal(); mErr != nil || !bytes.Equal(canon, bodyBytes) {
			t.Fatalf("Decode accepted a non-canonical body %x (canonical %x)", bodyBytes, canon)
		}
		checkDecoded(t, raw, d)
		if d.Sender != AddressFromPubKey(fuzzKey.PubKey().Bytes()) {
			t.Fatalf("wrong sender")
		}
		if err := d.Verify(pb.ChainId); err != nil {
			t.Fatalf("correctly signed tx fails Verify: %v", err)
		}
		if d.ChainID != pb.ChainId || d.Nonce != pb.Nonce || d.Fee != pb.Fee || len(d.Actions) != len(pb.Actions) {
			t.Fatalf("header fields differ from the protobuf body")
		}
		for i, a := range pb.Actions {
			if want := domainAction(a); !reflect.DeepEqual(d.Actions[i], want) {
				t.Fatalf("action %d: got %#v, want %#v", i, d.Actions[i], want)
			}
		}
	})
}

// domainAction converts a protobuf action that Decode accepted into the
// domain value Decode must have produced.
func domainAction(a *txv1.Action) Action {
	rd := func(r *txv1.RollupData) RollupData {
		var id RollupID
		copy(id[:], r.RollupId)
		return RollupData{Rollup: id, Data: r.Data}
	}
	switch k := a.Kind.(type) {
	case *txv1.Action_RollupData:
		v := rd(k.RollupData)
		return &v
	case *txv1.Action_Bundle:
		b := &Bundle{}
		for _, l := range k.Bundle.Legs {
			b.Legs = append(b.Legs, rd(l))
		}
		return b
	case *txv1.Action_RegisterRollup:
		return &RegisterRollup{Name: k.RegisterRollup.Name, MaxBytesPerBlock: k.RegisterRollup.MaxBytesPerBlock}
	case *txv1.Action_Transfer:
		var to Address
		copy(to[:], k.Transfer.To)
		return &Transfer{To: to, Amount: k.Transfer.Amount}
	}
	return nil
}

// corpusFile renders one []byte input in Go's fuzz corpus format.
func corpusFile(b []byte) []byte {
	return []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n")
}

// seedCorpus lists the checked-in corpus files per fuzz target, built from
// real signed txs.
func seedCorpus(tb testing.TB) map[string][]byte {
	out := make(map[string][]byte)
	for _, s := range seedBodies() {
		out[filepath.Join("FuzzDecode", "seed-"+s.name)] = corpusFile(mustSign(tb, testKey(1), s.body))
		out[filepath.Join("FuzzDecodeActions", "seed-"+s.name)] = corpusFile(mustMarshalBody(tb, s.body))
	}
	return out
}

// TestFuzzCorpusFiles keeps testdata/fuzz in step with seedBodies, and
// checks that the valid seeds decode, so the corpus keeps exercising the
// accepting path.
func TestFuzzCorpusFiles(t *testing.T) {
	for name, want := range seedCorpus(t) {
		path := filepath.Join("testdata", "fuzz", name)
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
			t.Fatalf("%v (run with -write-corpus)", err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s is stale (run with -write-corpus)", path)
		}
	}
	valid := 0
	for _, s := range seedBodies() {
		raw := mustSign(t, testKey(1), s.body)
		if _, err := decodeAndVerify(raw, 0, testChain); err == nil {
			valid++
		}
	}
	if valid < 5 {
		t.Fatalf("only %d seed txs are valid; the corpus must include accepted txs", valid)
	}
}

func ExampleSign() {
	key := testKey(1)
	raw, _ := Sign(key, body(0, 500, actRollupData("alpha", "hello")))
	t, _ := Decode(raw, 1<<20)
	fmt.Println(t.Verify(testChain), t.Nonce, len(t.Actions))
	// Output: <nil> 0 1
}
