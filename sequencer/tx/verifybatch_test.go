package tx

import (
	"errors"
	"math/rand"
	"testing"
)

// batchCase builds n decoded txs; kinds[i] picks tx i's defect: 0 none,
// 1 bad signature (a valid envelope whose signature is another body's), 2
// wrong chain id.
func batchCase(tb testing.TB, kinds []int) []*Tx {
	tb.Helper()
	out := make([]*Tx, len(kinds))
	for i, kind := range kinds {
		b := body(uint64(i), 10, actRollupData("a", "item"))
		var raw []byte
		switch kind {
		case 0:
			raw = mustSign(tb, testKey(i), b)
		case 1:
			good, err := Decode(mustSign(tb, testKey(i), body(uint64(i)+1000, 10, actRollupData("a", "other"))), 0)
			if err != nil {
				tb.Fatal(err)
			}
			bodyBytes, err := b.Marshal()
			if err != nil {
				tb.Fatal(err)
			}
			raw = envelope(tb, bodyBytes, testKey(i).PubKey().Bytes(), good.signature)
		case 2:
			b.ChainId = "another-chain"
			raw = mustSign(tb, testKey(i), b)
		}
		t, err := Decode(raw, 0)
		if err != nil {
			tb.Fatalf("tx %d: %v", i, err)
		}
		out[i] = t
	}
	return out
}

// TestVerifyBatchMatchesVerify: for random mixes of valid txs, bad
// signatures and wrong chain ids, in batches below and above the batch
// threshold, VerifyBatch gives each tx exactly the verdict Verify gives it.
func TestVerifyBatchMatchesVerify(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	sizes := []int{0, 1, 3, 4, 5, 16, 64}
	for round := 0; round < 30; round++ {
		n := sizes[round%len(sizes)]
		kinds := make([]int, n)
		for i := range kinds {
			switch r := rng.Intn(10); {
			case r == 0:
				kinds[i] = 1
			case r == 1:
				kinds[i] = 2
			}
		}
		if round%3 == 0 { // every third round is all valid: the batch equation holds
			kinds = make([]int, n)
		}
		txs := batchCase(t, kinds)
		got := VerifyBatch(testChain, txs)
		if len(got) != n {
			t.Fatalf("round %d: %d results for %d txs", round, len(got), n)
		}
		for i, tx := range txs {
			want := tx.Verify(testChain)
			if (want == nil) != (got[i] == nil) || CodeOf(want) != CodeOf(got[i]) {
				t.Fatalf("round %d tx %d (kind %d): VerifyBatch %v, Verify %v", round, i, kinds[i], got[i], want)
			}
			if wantErr := map[int]error{0: nil, 1: ErrInvalidSignature, 2: ErrWrongChainID}[kinds[i]]; wantErr == nil && got[i] != nil || wantErr != nil && !errors.Is(got[i], wantErr) {
				t.Fatalf("round %d tx %d (kind %d): got %v, want %v", round, i, kinds[i], got[i], wantErr)
			}
		}
	}
}

// BenchmarkVerify compares one-by-one and batch verification of 256 txs.
func BenchmarkVerify(b *testing.B) {
	txs := batchCase(b, make([]int, 256))
	b.Run("one-by-one/256", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, t := range txs {
				if err := t.Verify(testChain); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("batch/256", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, err := range VerifyBatch(testChain, txs) {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
