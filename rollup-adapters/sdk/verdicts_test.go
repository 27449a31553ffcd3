package sdk

import (
	"context"
	"errors"
	"testing"

	cmttypes "github.com/cometbft/cometbft/types"

	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// withVerdicts puts the verdicts tx v into block 8 of the fixture (so
// header 8's data hash commits to it) and attaches it, proven, to rollup
// A's delivery of height 7. Rollup A's bundle leg is tx 3.
func withVerdicts(t *testing.T, f *fixture, v *consensusv1.BundleVerdicts) []byte {
	t.Helper()
	raw, err := commitment.EncodeVerdictsTx(v)
	if err != nil {
		t.Fatal(err)
	}
	block8 := cmttypes.Txs{[]byte("\xffORDO/E..."), raw, []byte("user tx")}
	f.headers[8].DataHash = block8.Hash()
	hashes := make([][]byte, len(block8))
	for i, b := range block8 {
		hashes[i] = b.Hash()
	}
	proof, err := commitment.TxProof(hashes, 1)
	if err != nil {
		t.Fatal(err)
	}
	rb := f.delivery[f.a]
	rb.SignedHeader = signed(t, f.headers[8])
	rb.VerdictTx, rb.VerdictProof = raw, proof
	return raw
}

func TestVerifyAtomicVerdicts(t *testing.T) {
	ctx := context.Background()
	for _, commit := range []bool{true, false} {
		f := newFixture(t)
		withVerdicts(t, f, &consensusv1.BundleVerdicts{Height: 7, TxIndexes: []uint32{3}, Commits: []bool{commit}})
		v := &Verifier{ChainID: testChain, Rollup: f.a, Headers: f.headers, Atomic: true}
		d, err := v.Verify(ctx, 7, f.delivery[f.a])
		if err != nil {
			t.Fatal(err)
		}
		want := map[bool]Verdict{true: VerdictCommit, false: VerdictAbort}[commit]
		if got := d.Block.Items[2].Bundle.Verdict; got != want {
			t.Fatalf("leg verdict %v, want %v", got, want)
		}
		if d.Block.Items[0].Bundle != nil || d.Block.Items[1].Bundle != nil {
			t.Fatal("ordinary items got bundle tags")
		}
		// A rollup that is not atomic ignores the verdicts.
		nv := &Verifier{ChainID: testChain, Rollup: f.a, Headers: f.headers}
		if d, err := nv.Verify(ctx, 7, f.delivery[f.a]); err != nil || d.Block.Items[2].Bundle.Verdict != VerdictNone {
			t.Fatalf("non-atomic verifier: %v, %v", err, d.Block.Items[2].Bundle)
		}
	}
}

func TestVerifyAtomicVerdictTampering(t *testing.T) {
	ctx := context.Background()
	honest := &consensusv1.BundleVerdicts{Height: 7, TxIndexes: []uint32{3}, Commits: []bool{false}}
	for _, c := range []struct {
		name     string
		verdicts *consensusv1.BundleVerdicts // proven in block 8
		tamper   func(t *testing.T, f *fixture)
		want     error
	}{
		{"verdict tx left out", honest, func(_ *testing.T, f *fixture) { f.delivery[f.a].VerdictTx = nil }, ErrVerdictMissing},
		{"verdict flipped", honest, func(t *testing.T, f *fixture) {
			raw, err := commitment.EncodeVerdictsTx(&consensusv1.BundleVerdicts{Height: 7, TxIndexes: []uint32{3}, Commits: []bool{true}})
			if err != nil {
				t.Fatal(err)
			}
			f.delivery[f.a].VerdictTx = raw
		}, ErrBadVerdictProof},
		{"proof of another tx", honest, func(_ *testing.T, f *fixture) { f.delivery[f.a].VerdictProof.Index = 2 }, ErrBadVerdictProof},
		{"proof missing", honest, func(_ *testing.T, f *fixture) { f.delivery[f.a].VerdictProof = nil }, ErrBadVerdictProof},
		{"verdicts of another height", &consensusv1.BundleVerdicts{Height: 6, TxIndexes: []uint32{3}, Commits: []bool{true}}, func(*testing.T, *fixture) {}, ErrWrongHeight},
		{"verdicts without this bundle", &consensusv1.BundleVerdicts{Height: 7, TxIndexes: []uint32{4}, Commits: []bool{true}}, func(*testing.T, *fixture) {}, ErrVerdictMissing},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			withVerdicts(t, f, c.verdicts)
			c.tamper(t, f)
			v := &Verifier{ChainID: testChain, Rollup: f.a, Headers: f.headers, Atomic: true}
			if _, err := v.Verify(ctx, 7, f.delivery[f.a]); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

func TestApplyVerdicts(t *testing.T) {
	var h tx.Hash
	items := []Item{{TxHash: h, TxIndex: 1}, {TxIndex: 2, Bundle: &BundleLeg{Index: 1, Count: 2}}, {TxIndex: 5, Bundle: &BundleLeg{Count: 3}}}
	v := &consensusv1.BundleVerdicts{Height: 1, TxIndexes: []uint32{2, 5}, Commits: []bool{true, false}}
	if err := ApplyVerdicts(items, v); err != nil {
		t.Fatal(err)
	}
	if items[0].Bundle != nil || items[1].Bundle.Verdict != VerdictCommit || items[2].Bundle.Verdict != VerdictAbort || items[1].Bundle.Index != 1 {
		t.Fatalf("items %+v %+v %+v", items[0], items[1].Bundle, items[2].Bundle)
	}
	if err := ApplyVerdicts([]Item{{TxIndex: 7, Bundle: &BundleLeg{Count: 2}}}, v); !errors.Is(err, ErrVerdictMissing) {
		t.Fatalf("leg without verdict: %v", err)
	}
	if err := ApplyVerdicts([]Item{{TxIndex: 7, Bundle: &BundleLeg{Count: 2}}}, nil); !errors.Is(err, ErrVerdictMissing) {
		t.Fatalf("leg with no verdicts at all: %v", err)
	}
	if err := ApplyVerdicts(items, &consensusv1.BundleVerdicts{TxIndexes: []uint32{2}}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("verdicts without commits: %v", err)
	}
}
