package consensus

import (
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/libs/log"

	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/ordering"
	"github.com/ordolabs/ordo/sequencer/state"
)

// protoField appends protobuf field `num` (wire type 2) holding b.
func protoField(out []byte, num int, b []byte) []byte {
	out = binary.AppendUvarint(out, uint64(num<<3|2))
	out = binary.AppendUvarint(out, uint64(len(b)))
	return append(out, b...)
}

func sampleReport(n int) ordering.Report {
	r := ordering.Report{Now: 1_735_689_601_234}
	for i := 0; i < n; i++ {
		r.Seen = append(r.Seen, ordering.Seen{Key: ordering.TxKey{byte(i), 0x5a, byte(i * 7)}, At: r.Now - int64(1000*(n-i))})
	}
	return r
}

// TestVerifyVoteExtensionRejectsNonCanonical: the extension is a protobuf
// message whose only field carries the report. Its decoder (gogoproto)
// skips unknown fields and lets a repeated field overwrite the earlier
// one, so a validator can attach arbitrary bytes to its extension and
// VerifyVoteExtension still accepts it. The bytes then travel in E, i.e.
// in the system tx of every next block, where PrepareProposal charges
// them to the block's byte budget (see TestPrepareProposalBudgetBelowSystemTx
// for what happens when E outgrows it). Only the bound on report entries
// is enforced, not a bound on the extension's size.
func TestVerifyVoteExtensionRejectsNonCanonical(t *testing.T) {
	n := openFairNode(t, fairGenesis(), fairValidators(1))
	good := mustEncodeExt(t, sampleReport(3))
	payload, err := ordering.EncodeReport(sampleReport(3))
	if err != nil {
		t.Fatal(err)
	}
	junk := bytes.Repeat([]byte{0xab}, 64<<10)
	nowV := binary.AppendUvarint(nil, uint64(sampleReport(3).Now))
	paddedNow := append(append([]byte{1}, nowV[:len(nowV)-1]...), nowV[len(nowV)-1]|0x80, 0x00)
	paddedNow = append(paddedNow, payload[1+len(nowV):]...)
	verify := func(ext []byte) abci.VerifyVoteExtensionStatus {
		resp, err := n.app.VerifyVoteExtension(ctx, &abci.VerifyVoteExtensionRequest{Height: 1, VoteExtension: ext})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Status
	}
	if verify(good) != abci.VERIFY_VOTE_EXTENSION_STATUS_ACCEPT {
		t.Fatal("canonical extension rejected")
	}
	for name, ext := range map[string][]byte{
		"64 KiB unknown field appended":    protoField(bytes.Clone(good), 15, junk),
		"64 KiB unknown field first":       append(protoField(nil, 2, junk), good...),
		"first_seen repeated, junk first":  append(protoField(nil, 1, junk), good...),
		"non-minimal length varint":        append([]byte{0x0a, byte(len(payload)) | 0x80, 0x00}, payload...),
		"padded uvarint inside the report": protoField(nil, 1, paddedNow),
	} {
		if got := verify(ext); got != abci.VERIFY_VOTE_EXTENSION_STATUS_REJECT {
			r, _ := decodeVoteExtension(ext, 1000)
			t.Errorf("%s (%d bytes): %v; decodes to a report with %d entries whose canonical extension takes %d bytes",
				name, len(ext), got, len(r.Seen), len(mustEncodeExt(t, r)))
		}
	}
}

// TestPrepareProposalBudgetBelowSystemTx: PrepareProposal subtracts the
// system tx's size from the block's byte budget; when E is larger than the
// budget (max_block_tx_bytes, or CometBFT's MaxTxBytes), the budget goes
// negative, and ordering treats MaxBlockBytes ≤ 0 as "no bound". The
// honest proposer then packs every eligible pool tx, the user txs exceed
// max_block_tx_bytes, and every honest validator's ProcessProposal
// rejects the proposal (a liveness failure while E stays that large).
// Honest reports alone get there: 4 validators × 56 pending txs × ~11
// bytes per entry exceed a 2048-byte max_block_tx_bytes; at the defaults
// (2 MiB, max_report_entries 20000) about 10 validators with full pools
// do, and a byzantine validator's padded extension (previous test) can
// alone.
func TestPrepareProposalBudgetBelowSystemTx(t *testing.T) {
	// A genesis in which E could outgrow the block budget is refused at
	// InitChain (E must fit in half of max_block_tx_bytes), so the case the
	// PrepareProposal guard covers cannot arise with a valid genesis.
	g := fairGenesis()
	g.Params.MaxBlockTxBytes = maxTxBytes // 2048, the smallest the params allow
	vals := fairValidators(1, 1, 1, 1)
	store, err := state.Open("", state.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	app, err := NewApp(store, mempool.New(mempool.DefaultConfig(), time.Now), log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	_, err = app.InitChain(ctx, &abci.InitChainRequest{
		Time: genesisTime, ChainId: testChain, InitialHeight: 1, AppStateBytes: genesisBytes(t, g),
		ConsensusParams: veParams(1), Validators: validatorUpdates(vals),
	})
	if err == nil || !strings.Contains(err.Error(), "vote extensions can take") {
		t.Fatalf("InitChain with E larger than half the block budget: %v", err)
	}
}

// voteExtSeeds are real vote extensions (from encodeVoteExtension) and
// near misses, for the fuzz target and its corpus.
func voteExtSeeds(tb testing.TB) map[string][]byte {
	tb.Helper()
	good := mustEncodeExt(tb, sampleReport(4))
	return map[string][]byte{
		"seed-clock-only": mustEncodeExt(tb, ordering.Report{Now: 1_735_689_601_234}),
		"seed-one":        mustEncodeExt(tb, sampleReport(1)),
		"seed-four":       good,
		"seed-forty":      mustEncodeExt(tb, sampleReport(40)),
		"seed-truncated":  good[:len(good)-2],
		"seed-unknown":    protoField(bytes.Clone(good), 9, []byte("junk")),
		"seed-empty":      {},
	}
}

// Regenerate the checked-in corpus with
//
//	go test ./consensus -run TestVoteExtensionFuzzCorpus -write-corpus
var writeCorpus = flag.Bool("write-corpus", false, "rewrite testdata/fuzz seed files from real vote extensions")

func TestVoteExtensionFuzzCorpus(t *testing.T) {
	seeds := voteExtSeeds(t)
	// And an extension as ExtendVote produces it (deterministic: fixed
	// clock, deterministic signatures).
	n := openFairNode(t, fairGenesis(), fairValidators(1))
	n.at(blockTime(1))
	n.mustCheckTx(t, fairUsers[0].sign(t, 0, fee, rollupData("beta", 1)), fairUsers[1].sign(t, 0, fee, rollupData("beta", 2)))
	n.at(blockTime(1).Add(700 * time.Millisecond))
	resp, err := n.app.ExtendVote(ctx, &abci.ExtendVoteRequest{Height: 1})
	if err != nil {
		t.Fatal(err)
	}
	seeds["seed-extendvote"] = resp.VoteExtension
	accepted := 0
	for name, b := range seeds {
		path := filepath.Join("testdata", "fuzz", "FuzzDecodeVoteExtension", name)
		want := []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n")
		if *writeCorpus {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		} else if got, err := os.ReadFile(path); err != nil {
			t.Fatalf("%v (run with -write-corpus)", err)
		} else if !bytes.Equal(got, want) {
			t.Fatalf("%s is stale (run with -write-corpus)", path)
		}
		if _, err := decodeVoteExtension(b, 1000); err == nil {
			accepted++
		}
	}
	if accepted < 5 {
		t.Fatalf("only %d corpus extensions decode", accepted)
	}
}

// FuzzDecodeVoteExtension: decodeVoteExtension never panics; what it
// accepts satisfies the report invariants and re-encodes to a report that
// decodes the same; and (canonical encoding) re-encoding gives the input
// bytes back.
func FuzzDecodeVoteExtension(f *testing.F) {
	for _, b := range voteExtSeeds(f) {
		f.Add(b)
	}
	f.Add([]byte{0x0a, 0x00})
	f.Add([]byte{0x0a, 0x01, 0x01})
	f.Add([]byte{0x0a, 0x80, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, max := range []int{0, 3, 1000} {
			r, err := decodeVoteExtension(b, max)
			if err != nil {
				continue
			}
			if r.Now < 0 || len(r.Seen) > max {
				t.Fatalf("accepted clock %d with %d entries (limit %d)", r.Now, len(r.Seen), max)
			}
			keys := make(map[ordering.TxKey]bool)
			for i, s := range r.Seen {
				if s.At < 0 || s.At > r.Now || keys[s.Key] {
					t.Fatalf("entry %d %+v (clock %d)", i, s, r.Now)
				}
				keys[s.Key] = true
				if i > 0 {
					p := r.Seen[i-1]
					if p.At > s.At || (p.At == s.At && bytes.Compare(p.Key[:], s.Key[:]) >= 0) {
						t.Fatalf("entries %d and %d not strictly ascending", i-1, i)
					}
				}
			}
			enc, err := encodeVoteExtension(r)
			if err != nil {
				t.Fatalf("accepted report does not re-encode: %v", err)
			}
			again, err := decodeVoteExtension(enc, max)
			if err != nil || again.Now != r.Now || !reflect.DeepEqual(again.Seen, r.Seen) {
				t.Fatalf("re-encoded report decodes to %+v, %v; want %+v", again, err, r)
			}
			if !bytes.Equal(enc, b) {
				t.Fatalf("accepted non-canonical extension %x; canonical form %x", b, enc)
			}
		}
	})
}

// TestFirstBlockAfterInitialHeightAboveExtensionsHeight: CometBFT accepts
// a genesis with initial_height 5 and vote_extensions_enable_height 1
// (ConsensusParams.ValidateBasic only checks the height is ≥ 0). Its first
// block has an empty last commit, and PrepareProposal gets an empty
// LocalLastCommit (there is no height 4). extensionsExpected(5) is
// 5 > 1, so Ordo demands E in block 5: the proposer injects an empty E and
// every validator rejects it for carrying 0 of the power. No first block
// can ever be accepted: the chain halts at genesis. (With enable height
// equal to the initial height the first block is fine.)
func TestFirstBlockAfterInitialHeightAboveExtensionsHeight(t *testing.T) {
	vals := fairValidators(1, 1, 1, 1)
	for _, c := range []struct {
		initial, ve int64
	}{{5, 5}, {5, 6}, {5, 1}, {5, 4}} {
		proposer := openFairNodeAt(t, fairGenesis(), vals, c.initial, c.ve)
		validator := openFairNodeAt(t, fairGenesis(), vals, c.initial, c.ve)
		raw := alice.sign(t, 0, fee, rollupData("beta", 1))
		proposer.mustCheckTx(t, raw)
		prep, err := proposer.app.PrepareProposal(ctx, &abci.PrepareProposalRequest{
			MaxTxBytes: 1 << 20, Height: c.initial, Time: blockTime(c.initial), ProposerAddress: vals[0].addr,
		})
		if err != nil {
			t.Fatalf("initial %d, extensions at %d: PrepareProposal: %v", c.initial, c.ve, err)
		}
		proc, err := validator.app.ProcessProposal(ctx, &abci.ProcessProposalRequest{
			Txs: prep.Txs, Height: c.initial, Time: blockTime(c.initial), ProposerAddress: vals[0].addr,
		})
		if err != nil {
			t.Fatal(err)
		}
		if proc.Status != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Errorf("initial height %d, vote extensions from %d: the first block (%d txs) is rejected", c.initial, c.ve, len(prep.Txs))
		}
	}
}
