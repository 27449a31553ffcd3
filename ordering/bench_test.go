package ordering

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Micro-benchmarks at block scale (benchstat-ready: go test -bench . -count 10).
// A block of n 256-byte txs from 64 accounts, reported by 4 equal-power
// validators with skewed first-seen times.

type benchBlock struct {
	in    Input
	cands []Candidate
	txs   []*tx.Tx
}

func newBenchBlock(b *testing.B, n int) benchBlock {
	b.Helper()
	rng := rand.New(rand.NewSource(1))
	const accounts = 64
	base := newMapReader()
	base.addRollup("alpha", 1<<30)
	keys := make([]ed25519.PrivKey, accounts)
	for i := range keys {
		keys[i] = ed25519.GenPrivKeyFromSecret([]byte(fmt.Sprintf("bench %d", i)))
		base.accounts[tx.AddressFromPubKey(keys[i].PubKey().Bytes())] = ledger.Account{Balance: 1 << 40}
	}
	payload := make([]byte, 100)
	var cands []Candidate
	for i := 0; i < n; i++ {
		k := keys[i%accounts]
		rng.Read(payload)
		raw, err := tx.Sign(k, &txv1.TxBody{ChainId: testChain, Nonce: uint64(i / accounts), Fee: 1000,
			Actions: []*txv1.Action{{Kind: &txv1.Action_RollupData{RollupData: &txv1.RollupData{
				RollupId: func() []byte { id := tx.RollupIDFromName("alpha"); return id[:] }(), Data: append([]byte(nil), payload...)}}}}})
		if err != nil {
			b.Fatal(err)
		}
		t, err := tx.Decode(raw, 0)
		if err != nil {
			b.Fatal(err)
		}
		cands = append(cands, Candidate{Tx: t, Seq: uint64(i)})
	}
	const now = int64(1_700_000_000_000)
	fair := &FairInput{Params: testFairParams, TotalPower: 40, BlockTime: now - 500, PrevHash: make([]byte, 32)}
	fair.Params.MaxReportEntries = n
	for v := 0; v < 4; v++ {
		rep := Report{Now: now}
		for i, c := range cands {
			rep.Seen = append(rep.Seen, Seen{Key: KeyOf(c.Tx.Hash), At: now - 10_000 + int64(i) + rng.Int63n(20)})
		}
		fair.Reporters = append(fair.Reporters, Reporter{Power: 10, Report: rep})
	}
	in := Input{Params: ledger.Params{ChainID: testChain, MaxTxBytes: 1 << 20, DefaultRollupMaxBytes: 1 << 30},
		Height: 2, State: base, Fair: fair}
	block, err := Order(in, cands)
	if err != nil || len(block.Txs) != n {
		b.Fatalf("setup: ordered %d of %d txs: %v", len(block.Txs), n, err)
	}
	return benchBlock{in: in, cands: cands, txs: block.Txs}
}

func BenchmarkStamps(b *testing.B) {
	for _, n := range []int{1000, 8000} {
		bb := newBenchBlock(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				_ = Stamps(*bb.in.Fair)
			}
		})
	}
}

func BenchmarkOrderFair(b *testing.B) {
	for _, n := range []int{1000, 8000} {
		bb := newBenchBlock(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Order(bb.in, bb.cands); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCheckFair(b *testing.B) {
	for _, n := range []int{1000, 8000} {
		bb := newBenchBlock(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := Check(bb.in, bb.txs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkReportCodec(b *testing.B) {
	bb := newBenchBlock(b, 8000)
	rep := bb.in.Fair.Reporters[0].Report
	enc, err := EncodeReport(rep)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode-8000", func(b *testing.B) {
		b.SetBytes(int64(len(enc)))
		for i := 0; i < b.N; i++ {
			if _, err := EncodeReport(rep); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode-8000", func(b *testing.B) {
		b.SetBytes(int64(len(enc)))
		for i := 0; i < b.N; i++ {
			if _, err := DecodeReport(enc, 8000); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(len(enc))/8000, "bytes/entry")
}
