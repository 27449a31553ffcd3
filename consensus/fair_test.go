package consensus

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/libs/log"
	cmttypes "github.com/cometbft/cometbft/types"
	gogotypes "github.com/cosmos/gogoproto/types"

	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/ordering"
	"github.com/ordolabs/ordo/sequencer/state"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// fairVal is a validator with a real ed25519 key.
type fairVal struct {
	key   ed25519.PrivKey
	addr  []byte
	power int64
}

func fairValidators(powers ...int64) []fairVal {
	out := make([]fairVal, len(powers))
	for i, p := range powers {
		k := ed25519.GenPrivKeyFromSecret([]byte("ordo fair validator " + strconv.Itoa(i)))
		out[i] = fairVal{key: k, addr: k.PubKey().Address(), power: p}
	}
	return out
}

func stateValidators(vals []fairVal) []state.Validator {
	out := make([]state.Validator, len(vals))
	for i, v := range vals {
		out[i] = state.Validator{Address: v.addr, PubKey: v.key.PubKey().Bytes(), Power: v.power}
	}
	return out
}

// signExt signs an extension the way CometBFT does for a precommit.
func signExt(tb testing.TB, v fairVal, chainID string, height int64, round int32, ext []byte) []byte {
	tb.Helper()
	sig, err := v.key.Sign(cmttypes.VoteExtensionSignBytes(chainID, &cmtproto.Vote{
		Type: cmtproto.PrecommitType, Height: height, Round: round, Extension: ext,
	}))
	if err != nil {
		tb.Fatal(err)
	}
	return sig
}

func mustEncodeExt(tb testing.TB, r ordering.Report) []byte {
	tb.Helper()
	b, err := encodeVoteExtension(r)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// buildCommit returns E and the matching last commit: validator i voted
// with flags[i] and, when it committed, extension exts[i] signed for
// (testChain, height, round).
func buildCommit(tb testing.TB, vals []fairVal, height int64, round int32, flags []cmtproto.BlockIDFlag, exts [][]byte) (abci.ExtendedCommitInfo, abci.CommitInfo) {
	tb.Helper()
	ext := abci.ExtendedCommitInfo{Round: round}
	last := abci.CommitInfo{Round: round}
	for i, v := range vals {
		val := abci.Validator{Address: v.addr, Power: v.power}
		ev := abci.ExtendedVoteInfo{Validator: val, BlockIdFlag: flags[i]}
		if flags[i] == cmtproto.BlockIDFlagCommit {
			ev.VoteExtension = exts[i]
			ev.ExtensionSignature = signExt(tb, v, testChain, height, round, exts[i])
		}
		ext.Votes = append(ext.Votes, ev)
		last.Votes = append(last.Votes, abci.VoteInfo{Validator: val, BlockIdFlag: flags[i]})
	}
	return ext, last
}

func allCommit(n int) []cmtproto.BlockIDFlag {
	out := make([]cmtproto.BlockIDFlag, n)
	for i := range out {
		out[i] = cmtproto.BlockIDFlagCommit
	}
	return out
}

// cloneExt deep-copies E so a case can mutate it.
func cloneExt(e abci.ExtendedCommitInfo) abci.ExtendedCommitInfo {
	out := abci.ExtendedCommitInfo{Round: e.Round}
	for _, v := range e.Votes {
		v.Validator.Address = bytes.Clone(v.Validator.Address)
		v.VoteExtension = bytes.Clone(v.VoteExtension)
		v.ExtensionSignature = bytes.Clone(v.ExtensionSignature)
		out.Votes = append(out.Votes, v)
	}
	return out
}

func cloneLast(c abci.CommitInfo) abci.CommitInfo {
	return abci.CommitInfo{Round: c.Round, Votes: append([]abci.VoteInfo(nil), c.Votes...)}
}

const maxEntries = 1000

func TestVerifyExtCommit(t *testing.T) {
	vals := fairValidators(10, 10, 10, 10)
	set := newValidatorSet(stateValidators(vals))
	const h = 41
	reports := make([][]byte, len(vals))
	for i := range vals {
		reports[i] = mustEncodeExt(t, ordering.Report{Now: 1_700_000_000_000 + int64(i), Seen: []ordering.Seen{
			{Key: ordering.TxKey{1}, At: 1_699_999_999_000 + int64(i)}, {Key: ordering.TxKey{2, byte(i)}, At: 1_699_999_999_500},
		}})
	}
	ext, last := buildCommit(t, vals, h, 2, allCommit(4), reports)

	reporters, err := verifyExtCommit(testChain, h, ext, last, set, maxEntries)
	if err != nil {
		t.Fatalf("valid E rejected: %v", err)
	}
	if len(reporters) != 4 {
		t.Fatalf("%d reporters", len(reporters))
	}
	for i, r := range reporters {
		want, _ := decodeVoteExtension(reports[i], maxEntries)
		if r.Power != 10 || r.Report.Now != want.Now || len(r.Report.Seen) != 2 || r.Report.Seen[0] != want.Seen[0] {
			t.Fatalf("reporter %d = %+v, want %+v", i, r, want)
		}
	}

	outsider := fairValidators(1, 1, 1, 1, 1)[4] // a key that is not in the set
	flipped := func(b []byte, i int) []byte { b = bytes.Clone(b); b[i%len(b)] ^= 0x01; return b }
	changedTime := func() []byte {
		r, err := decodeVoteExtension(reports[1], maxEntries)
		if err != nil {
			t.Fatal(err)
		}
		r.Seen[0].At-- // the validator "saw" tx 1 a millisecond earlier
		return mustEncodeExt(t, r)
	}()
	tooMany := func() []byte {
		r := ordering.Report{Now: 1_700_000_000_000}
		for i := 0; i <= maxEntries; i++ {
			r.Seen = append(r.Seen, ordering.Seen{Key: ordering.TxKey{byte(i), byte(i >> 8), 7}, At: r.Now})
		}
		return mustEncodeExt(t, r)
	}()

	cases := []struct {
		name   string
		mutate func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo)
		frag   string
	}{
		{"round mismatch", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) { e.Round = 3 }, "round"},
		{"last commit round differs", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) { l.Round = 0 }, "round"},
		{"rounds agree, signed for another round", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) { e.Round, l.Round = 1, 1 }, "signature"},
		{"one vote fewer", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) { e.Votes = e.Votes[:3] }, "votes"},
		{"one vote more", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) { e.Votes = append(e.Votes, e.Votes[0]) }, "votes"},
		{"address mismatch", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) { e.Votes[2].Validator.Address = vals[3].addr }, "differs"},
		{"power mismatch", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) { e.Votes[2].Validator.Power = 11 }, "differs"},
		{"flag mismatch (commit vs absent)", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			l.Votes[1].BlockIdFlag = cmtproto.BlockIDFlagAbsent
		}, "differs"},
		{"flag mismatch (nil vs commit)", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[1].BlockIdFlag = cmtproto.BlockIDFlagNil
		}, "differs"},
		{"wrong power in both", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[0].Validator.Power, l.Votes[0].Validator.Power = 30, 30
		}, "not a validator"},
		{"duplicate validator", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[3], l.Votes[3] = e.Votes[0], l.Votes[0]
		}, "twice"},
		{"duplicate validator, non-adjacent and absent", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[2] = abci.ExtendedVoteInfo{Validator: e.Votes[0].Validator, BlockIdFlag: cmtproto.BlockIDFlagAbsent}
			l.Votes[2] = abci.VoteInfo{Validator: l.Votes[0].Validator, BlockIdFlag: cmtproto.BlockIDFlagAbsent}
		}, "twice"},
		{"unknown validator", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			v := abci.Validator{Address: outsider.addr, Power: 10}
			e.Votes[3] = abci.ExtendedVoteInfo{Validator: v, BlockIdFlag: cmtproto.BlockIDFlagCommit, VoteExtension: reports[3],
				ExtensionSignature: signExt(t, outsider, testChain, h, 2, reports[3])}
			l.Votes[3] = abci.VoteInfo{Validator: v, BlockIdFlag: cmtproto.BlockIDFlagCommit}
		}, "not a validator"},
		{"bit-flipped signature", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[1].ExtensionSignature = flipped(e.Votes[1].ExtensionSignature, 17)
		}, "signature"},
		{"signature's last bit flipped", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[1].ExtensionSignature = flipped(e.Votes[1].ExtensionSignature, 63)
		}, "signature"},
		{"signature by another validator", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[1].ExtensionSignature = signExt(t, vals[2], testChain, h, 2, reports[1])
		}, "signature"},
		{"signatures swapped", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[0].ExtensionSignature, e.Votes[1].ExtensionSignature = e.Votes[1].ExtensionSignature, e.Votes[0].ExtensionSignature
		}, "signature"},
		{"extensions swapped", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[0].VoteExtension, e.Votes[1].VoteExtension = e.Votes[1].VoteExtension, e.Votes[0].VoteExtension
		}, "signature"},
		{"no signature", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) { e.Votes[1].ExtensionSignature = nil }, "signature"},
		{"short signature", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[1].ExtensionSignature = e.Votes[1].ExtensionSignature[:63]
		}, "signature"},
		{"signed for another height", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[1].ExtensionSignature = signExt(t, vals[1], testChain, h+1, 2, reports[1])
		}, "signature"},
		{"signed for another chain", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[1].ExtensionSignature = signExt(t, vals[1], "other-chain", h, 2, reports[1])
		}, "signature"},
		{"changed reported time, original signature", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[1].VoteExtension = changedTime
		}, "signature"},
		{"extension dropped from a committed vote", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[1].VoteExtension = nil
		}, "signature"},
		{"extension on an absent vote", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[3].BlockIdFlag, l.Votes[3].BlockIdFlag = cmtproto.BlockIDFlagAbsent, cmtproto.BlockIDFlagAbsent
		}, "did not commit"},
		{"extension on a nil vote", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[3].BlockIdFlag, l.Votes[3].BlockIdFlag = cmtproto.BlockIDFlagNil, cmtproto.BlockIDFlagNil
		}, "did not commit"},
		{"signature only on an absent vote", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[3].BlockIdFlag, l.Votes[3].BlockIdFlag = cmtproto.BlockIDFlagAbsent, cmtproto.BlockIDFlagAbsent
			e.Votes[3].VoteExtension = nil
		}, "did not commit"},
		{"extension only on an absent vote", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[3].BlockIdFlag, l.Votes[3].BlockIdFlag = cmtproto.BlockIDFlagAbsent, cmtproto.BlockIDFlagAbsent
			e.Votes[3].ExtensionSignature = nil
		}, "did not commit"},
		{"two absent: exactly 1/2", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			for _, i := range []int{2, 3} {
				e.Votes[i] = abci.ExtendedVoteInfo{Validator: e.Votes[i].Validator, BlockIdFlag: cmtproto.BlockIDFlagAbsent}
				l.Votes[i].BlockIdFlag = cmtproto.BlockIDFlagAbsent
			}
		}, "2/3"},
		{"malformed extension, validly signed", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[2].VoteExtension = []byte{0x0a, 0x03, 0x01, 0x00, 0x00, 0x00}
			e.Votes[2].ExtensionSignature = signExt(t, vals[2], testChain, h, 2, e.Votes[2].VoteExtension)
		}, "extension of"},
		{"empty extension, validly signed", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[2].VoteExtension = nil
			e.Votes[2].ExtensionSignature = signExt(t, vals[2], testChain, h, 2, nil)
		}, "extension of"},
		{"garbage extension, validly signed", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[2].VoteExtension = []byte("\xff\xff\xff")
			e.Votes[2].ExtensionSignature = signExt(t, vals[2], testChain, h, 2, e.Votes[2].VoteExtension)
		}, "extension of"},
		{"too many entries, validly signed", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) {
			e.Votes[2].VoteExtension = tooMany
			e.Votes[2].ExtensionSignature = signExt(t, vals[2], testChain, h, 2, tooMany)
		}, "extension of"},
		{"no votes at all", func(e *abci.ExtendedCommitInfo, l *abci.CommitInfo) { e.Votes, l.Votes = nil, nil }, "2/3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, l := cloneExt(ext), cloneLast(last)
			c.mutate(&e, &l)
			r, err := verifyExtCommit(testChain, h, e, l, set, maxEntries)
			if err == nil {
				t.Fatalf("accepted, %d reporters", len(r))
			}
			if !strings.Contains(err.Error(), c.frag) {
				t.Fatalf("error %q does not mention %q", err, c.frag)
			}
		})
	}

	// Accepted variants: one validator absent (3/4 > 2/3), and a nil vote.
	for _, flag := range []cmtproto.BlockIDFlag{cmtproto.BlockIDFlagAbsent, cmtproto.BlockIDFlagNil} {
		flags := allCommit(4)
		flags[0] = flag
		e, l := buildCommit(t, vals, h, 0, flags, reports)
		if r, err := verifyExtCommit(testChain, h, e, l, set, maxEntries); err != nil || len(r) != 3 {
			t.Fatalf("3 of 4 committed (%v): %d reporters, %v", flag, len(r), err)
		}
	}
}

// TestVerifyExtCommitTwoThirdsBoundary: committed power exactly 2/3 of
// the total is rejected, anything above is accepted.
func TestVerifyExtCommitTwoThirdsBoundary(t *testing.T) {
	for _, c := range []struct {
		powers    []int64
		committed []bool
		ok        bool
	}{
		{[]int64{1, 1, 1}, []bool{true, true, false}, false},           // 2/3
		{[]int64{1, 1, 1}, []bool{true, true, true}, true},             //
		{[]int64{2, 1, 1, 2}, []bool{true, false, true, true}, true},   // 5/6
		{[]int64{2, 1, 1, 2}, []bool{true, true, true, false}, false},  // 4/6
		{[]int64{2, 1, 1, 2}, []bool{true, false, false, true}, false}, // 4/6
		{[]int64{1, 1, 1, 1}, []bool{true, true, true, false}, true},   // 3/4
		{[]int64{100, 100, 101}, []bool{true, true, false}, false},     // 200/301 < 2/3
		{[]int64{100, 100, 101}, []bool{true, false, true}, true},      // 201/301 > 2/3
		{[]int64{100, 100, 100}, []bool{true, true, false}, false},     // exactly 200/300
		{[]int64{100, 101, 100}, []bool{true, true, false}, true},      // 201/301 > 2/3
		{[]int64{1 << 40, 1 << 40, 1 << 40}, []bool{true, true, false}, false},
		{[]int64{1<<40 + 1, 1 << 40, 1 << 40}, []bool{true, true, false}, true},
		{[]int64{7}, []bool{true}, true},
		{[]int64{7}, []bool{false}, false},
	} {
		vals := fairValidators(c.powers...)
		flags := make([]cmtproto.BlockIDFlag, len(vals))
		exts := make([][]byte, len(vals))
		var committed, total int64
		for i, ok := range c.committed {
			flags[i] = cmtproto.BlockIDFlagAbsent
			if ok {
				flags[i] = cmtproto.BlockIDFlagCommit
				committed += c.powers[i]
			}
			total += c.powers[i]
			exts[i] = mustEncodeExt(t, ordering.Report{Now: 5})
		}
		e, l := buildCommit(t, vals, 9, 0, flags, exts)
		_, err := verifyExtCommit(testChain, 9, e, l, newValidatorSet(stateValidators(vals)), maxEntries)
		if (err == nil) != c.ok {
			t.Errorf("committed %d of %d: err %v, want ok=%v", committed, total, err, c.ok)
		}
	}
}

func TestExtCommitSystemTxRoundTrip(t *testing.T) {
	vals := fairValidators(1, 1, 1)
	exts := [][]byte{mustEncodeExt(t, ordering.Report{Now: 1}), mustEncodeExt(t, ordering.Report{Now: 2}), mustEncodeExt(t, ordering.Report{Now: 3})}
	e, _ := buildCommit(t, vals, 3, 0, allCommit(3), exts)
	raw, err := encodeExtCommit(e)
	if err != nil {
		t.Fatal(err)
	}
	if !IsSystemTx(raw) || raw[0] != 0xff {
		t.Fatalf("system tx %x does not start with the magic", raw[:8])
	}
	if _, err := tx.Decode(raw, 0); err == nil {
		t.Fatal("the system tx decodes as a user tx")
	}
	back, err := decodeExtCommit(raw)
	if err != nil || len(back.Votes) != 3 || !bytes.Equal(back.Votes[2].VoteExtension, exts[2]) {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	for _, bad := range [][]byte{nil, {}, extCommitMagic[:4], append(bytes.Clone(extCommitMagic), 0xff, 0xff), raw[1:]} {
		if _, err := decodeExtCommit(bad); err == nil {
			t.Errorf("decodeExtCommit(%x) accepted", bad)
		}
	}
}

// --- full cycle over in-memory Apps with fair ordering on ---

var fairUsers = func() []signer {
	out := make([]signer, 8)
	for i := range out {
		out[i] = newSigner("fair user " + strconv.Itoa(i))
	}
	return out
}()

func fairGenesis() Genesis {
	g := testGenesis()
	g.Params.Fair.Enabled = true
	// E must fit in half of the tests' small max_block_tx_bytes for up to
	// 4 validators (InitChain enforces it).
	FitReportEntries(&g.Params, 4)
	for _, u := range fairUsers {
		g.Accounts = append(g.Accounts, GenesisAccount{Address: u.addr.String(), Balance: strconv.Itoa(richBalance)})
	}
	return g
}

// fairNode is one validator's App with a settable clock (read by the
// pool for first-seen times and by ExtendVote).
type fairNode struct {
	*node
	clock time.Time
}

func (n *fairNode) at(t time.Time) *fairNode { n.clock = t; return n }

func veParams(h int64) *cmtproto.ConsensusParams {
	return &cmtproto.ConsensusParams{Feature: &cmtproto.FeatureParams{VoteExtensionsEnableHeight: &gogotypes.Int64Value{Value: h}}}
}

func validatorUpdates(vals []fairVal) []abci.ValidatorUpdate {
	out := make([]abci.ValidatorUpdate, len(vals))
	for i, v := range vals {
		out[i] = abci.ValidatorUpdate{Power: v.power, PubKeyType: ed25519.KeyType, PubKeyBytes: v.key.PubKey().Bytes()}
	}
	return out
}

func openFairNode(tb testing.TB, g Genesis, vals []fairVal) *fairNode {
	tb.Helper()
	return openFairNodeAt(tb, g, vals, 1, 1)
}

// openFairNodeAt runs InitChain with the given initial height and vote
// extensions enable height.
func openFairNodeAt(tb testing.TB, g Genesis, vals []fairVal, initialHeight, veHeight int64) *fairNode {
	tb.Helper()
	store, err := state.Open("", state.Options{InMemory: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	n := &fairNode{clock: genesisTime}
	pool := mempool.New(mempool.DefaultConfig(), func() time.Time { return n.clock })
	app, err := NewApp(store, pool, log.NewNopLogger())
	if err != nil {
		tb.Fatal(err)
	}
	app.now = func() time.Time { return n.clock }
	n.node = &node{app: app, store: store, pool: pool}
	if _, err := app.InitChain(ctx, &abci.InitChainRequest{
		Time: genesisTime, ChainId: testChain, InitialHeight: initialHeight, AppStateBytes: genesisBytes(tb, g),
		ConsensusParams: veParams(veHeight), Validators: validatorUpdates(vals),
	}); err != nil {
		tb.Fatalf("InitChain: %v", err)
	}
	return n
}

// cluster is a set of validators' Apps driven in lockstep.
type cluster struct {
	vals  []fairVal
	nodes []*fairNode
}

func newCluster(tb testing.TB, g Genesis, powers ...int64) *cluster {
	c := &cluster{vals: fairValidators(powers...)}
	for range powers {
		c.nodes = append(c.nodes, openFairNode(tb, g, c.vals))
	}
	return c
}

func blockHash(h int64) []byte {
	s := []byte("block hash " + strconv.FormatInt(h, 10))
	out := make([]byte, 32)
	copy(out, s)
	return out
}

// decideAll finalizes and commits block h on every node and checks they
// agree on the app hash.
func (c *cluster) decideAll(tb testing.TB, h int64, txs [][]byte) []*abci.FinalizeBlockResponse {
	tb.Helper()
	var out []*abci.FinalizeBlockResponse
	for i, n := range c.nodes {
		resp, err := n.app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{
			Txs: txs, Height: h, Time: blockTime(h), ProposerAddress: c.vals[0].addr, Hash: blockHash(h),
		})
		if err != nil {
			tb.Fatalf("node %d FinalizeBlock(%d): %v", i, h, err)
		}
		n.commit(tb)
		if i > 0 && !bytes.Equal(resp.AppHash, out[0].AppHash) {
			tb.Fatalf("node %d app hash %X differs from node 0's %X", i, resp.AppHash, out[0].AppHash)
		}
		out = append(out, resp)
	}
	return out
}

// extendAll runs ExtendVote(h) on every node at its clock, checks every
// node accepts every extension, and returns them.
func (c *cluster) extendAll(tb testing.TB, h int64, blockTxs [][]byte) [][]byte {
	tb.Helper()
	exts := make([][]byte, len(c.nodes))
	for i, n := range c.nodes {
		resp, err := n.app.ExtendVote(ctx, &abci.ExtendVoteRequest{Height: h, Txs: blockTxs, Hash: blockHash(h), Time: blockTime(h)})
		if err != nil {
			tb.Fatalf("node %d ExtendVote: %v", i, err)
		}
		exts[i] = resp.VoteExtension
		for j, m := range c.nodes {
			v, err := m.app.VerifyVoteExtension(ctx, &abci.VerifyVoteExtensionRequest{
				Hash: blockHash(h), ValidatorAddress: c.vals[i].addr, Height: h, VoteExtension: exts[i],
			})
			if err != nil || v.Status != abci.VERIFY_VOTE_EXTENSION_STATUS_ACCEPT {
				tb.Fatalf("node %d rejects node %d's extension: %v %v", j, i, v, err)
			}
		}
	}
	return exts
}

func (c *cluster) prepare(tb testing.TB, h int64, proposer int, local abci.ExtendedCommitInfo, maxTxBytes int64) [][]byte {
	tb.Helper()
	resp, err := c.nodes[proposer].app.PrepareProposal(ctx, &abci.PrepareProposalRequest{
		MaxTxBytes: maxTxBytes, Height: h, Time: blockTime(h), ProposerAddress: c.vals[proposer].addr, LocalLastCommit: local,
	})
	if err != nil {
		tb.Fatalf("PrepareProposal(%d): %v", h, err)
	}
	return resp.Txs
}

func (c *cluster) process(tb testing.TB, node int, h int64, txs [][]byte, last abci.CommitInfo) abci.ProcessProposalStatus {
	tb.Helper()
	resp, err := c.nodes[node].app.ProcessProposal(ctx, &abci.ProcessProposalRequest{
		Txs: txs, Height: h, Time: blockTime(h), ProposerAddress: c.vals[0].addr, ProposedLastCommit: last, Hash: blockHash(h),
	})
	if err != nil {
		tb.Fatalf("node %d ProcessProposal(%d) returned an error: %v", node, h, err)
	}
	return resp.Status
}

func hashOf(raw []byte) tx.Hash { return tx.HashOf(raw) }

// TestFairOrderingFullCycle drives four Apps with fair ordering on through
// heights 1 and 2: block 1 without E; the pool txs reach each validator at
// different times (the proposer gets them in reverse); ExtendVote, signed
// extensions, PrepareProposal(2) with the local extended commit, and
// ProcessProposal(2) on the others with the block's last commit. Then
// byzantine variants of block 2 are rejected, and the honest block is
// finalized identically everywhere.
func TestFairOrderingFullCycle(t *testing.T) {
	c := newCluster(t, fairGenesis(), 10, 10, 10, 10)
	for _, n := range c.nodes {
		if !n.app.Params().Fair.Enabled || n.app.Params().VoteExtensionsHeight != 1 {
			t.Fatalf("params %+v", n.app.Params())
		}
	}
	t1 := blockTime(1)

	// Height 1: no E, fair rule off for this block.
	a0 := alice.sign(t, 0, fee, rollupData("beta", 10))
	for _, n := range c.nodes {
		n.at(t1.Add(-2*time.Second)).mustCheckTx(t, a0)
	}
	block1 := c.prepare(t, 1, 0, abci.ExtendedCommitInfo{}, 1<<20)
	if len(block1) != 1 || IsSystemTx(block1[0]) {
		t.Fatalf("block 1 = %d txs", len(block1))
	}
	for i := range c.nodes {
		if st := c.process(t, i, 1, block1, abci.CommitInfo{}); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("node %d rejects block 1", i)
		}
	}

	// Pool txs for height 2, seen at staggered times: user i at +100·i ms
	// (plus a per-node jitter); alice's next nonce at +50 ms; x only by
	// node 0 (1/4 of the power: not eligible); y by nodes 0 and 1 at
	// +250 ms (1/2: eligible, median +250 ms).
	u := make([][]byte, 6)
	for i := range u {
		u[i] = fairUsers[i].sign(t, 0, fee, rollupData("beta", 20+i))
	}
	a1 := alice.sign(t, 1, fee, rollupData("alpha", 5))
	x := fairUsers[6].sign(t, 0, fee, rollupData("beta", 7))
	y := fairUsers[7].sign(t, 0, fee, rollupData("beta", 8))
	base := t1.Add(-time.Second)
	for i, n := range c.nodes {
		jitter := time.Duration(i*7) * time.Millisecond
		order := []int{0, 1, 2, 3, 4, 5}
		if i == 0 { // the proposer receives them in reverse
			order = []int{5, 4, 3, 2, 1, 0}
		}
		for _, k := range order {
			n.at(base.Add(time.Duration(100*k)*time.Millisecond+jitter)).mustCheckTx(t, u[k])
		}
		n.at(base.Add(50*time.Millisecond+jitter)).mustCheckTx(t, a1)
		if i <= 1 {
			n.at(base.Add(250*time.Millisecond)).mustCheckTx(t, y)
		}
		if i == 0 {
			n.at(base.Add(-500*time.Millisecond)).mustCheckTx(t, x)
		}
		n.at(t1.Add(time.Duration(600+40*i) * time.Millisecond)) // vote time
	}
	exts := c.extendAll(t, 1, block1)
	for i, e := range exts {
		r, err := decodeVoteExtension(e, maxEntries)
		if err != nil {
			t.Fatal(err)
		}
		want := 8 // u0..u5, a1, y
		if i == 0 {
			want = 9 // and x
		} else if i > 1 {
			want = 7
		}
		if len(r.Seen) != want {
			t.Fatalf("node %d reports %d txs, want %d (a0 is in block 1 and must not be reported)", i, len(r.Seen), want)
		}
		for _, s := range r.Seen {
			if s.Key == ordering.KeyOf(hashOf(a0)) || s.At > r.Now {
				t.Fatalf("node %d report entry %+v (now %d)", i, s, r.Now)
			}
		}
	}
	c.decideAll(t, 1, block1)

	// Height 2.
	local, last := buildCommit(t, c.vals, 1, 0, allCommit(4), exts)
	block2 := c.prepare(t, 2, 0, local, 1<<20)
	if len(block2) == 0 || !IsSystemTx(block2[0]) {
		t.Fatal("block 2 does not start with the system tx")
	}
	want := [][]byte{u[0], a1, u[1], u[2], y, u[3], u[4], u[5]}
	if got := block2[1:]; len(got) != len(want) {
		t.Fatalf("block 2 has %d user txs, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(block2[1+i], want[i]) {
			t.Fatalf("block 2 user tx %d is %s, want %s", i, hashOf(block2[1+i]), hashOf(want[i]))
		}
	}
	for i := range c.nodes {
		if st := c.process(t, i, 2, block2, last); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("node %d rejects the honest block 2", i)
		}
	}

	// Byzantine variants of block 2.
	sys := block2[0]
	withE := func(mut func(e *abci.ExtendedCommitInfo)) []byte {
		e := cloneExt(local)
		mut(&e)
		raw, err := encodeExtCommit(e)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	changedTime := func() []byte {
		r, _ := decodeVoteExtension(exts[2], maxEntries)
		r.Seen[len(r.Seen)-1].At = r.Seen[0].At - 1000 // claims to have seen a late tx first
		return mustEncodeExt(t, r)
	}()
	user := block2[1:]
	cat := func(parts ...[][]byte) [][]byte {
		var out [][]byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	one := func(b []byte) [][]byte { return [][]byte{b} }
	lastTwoAbsent := cloneLast(last)
	lastTwoAbsent.Votes[2].BlockIdFlag = cmtproto.BlockIDFlagAbsent
	lastTwoAbsent.Votes[3].BlockIdFlag = cmtproto.BlockIDFlagAbsent
	lastRound1 := cloneLast(last)
	lastRound1.Round = 1
	cases := []struct {
		name string
		txs  [][]byte
		last abci.CommitInfo
	}{
		{"eligible txs reordered", cat(one(sys), one(user[1]), one(user[0]), user[2:]), last},
		{"eligible txs of different accounts swapped far apart", cat(one(sys), one(user[7]), user[1:7], one(user[0])), last},
		{"proposer's own arrival order", cat(one(sys), one(u[5]), one(u[4]), one(u[3]), one(y), one(u[2]), one(u[1]), one(a1), one(u[0])), last},
		{"ineligible tx included", cat(one(sys), one(x), user), last},
		{"ineligible tx at its median's place", cat(one(sys), user[:1], one(x), user[1:]), last},
		{"E with one extension dropped", cat(one(withE(func(e *abci.ExtendedCommitInfo) {
			e.Votes[3] = abci.ExtendedVoteInfo{Validator: e.Votes[3].Validator, BlockIdFlag: cmtproto.BlockIDFlagAbsent}
		})), user), last},
		{"E and last commit with two extensions: 1/2 of the power", cat(one(withE(func(e *abci.ExtendedCommitInfo) {
			for _, i := range []int{2, 3} {
				e.Votes[i] = abci.ExtendedVoteInfo{Validator: e.Votes[i].Validator, BlockIdFlag: cmtproto.BlockIDFlagAbsent}
			}
		})), user), lastTwoAbsent},
		{"E with a vote removed", cat(one(withE(func(e *abci.ExtendedCommitInfo) { e.Votes = e.Votes[:3] })), user), last},
		{"forged extension signature", cat(one(withE(func(e *abci.ExtendedCommitInfo) { e.Votes[1].ExtensionSignature[5] ^= 0x40 })), user), last},
		{"changed reported time, original signature", cat(one(withE(func(e *abci.ExtendedCommitInfo) { e.Votes[2].VoteExtension = changedTime })), user), last},
		{"E for another round", cat(one(sys), user), lastRound1},
		{"missing system tx", user, last},
		{"system tx not first", cat(user[:1], one(sys), user[1:]), last},
		{"system tx last", cat(user, one(sys)), last},
		{"system tx twice", cat(one(sys), one(sys), user), last},
		{"truncated system tx", cat(one(sys[:len(sys)/2]), user), last},
		{"bare magic", cat(one(extCommitMagic), user), last},
	}
	before := c.nodes[1].info(t)
	for _, bc := range cases {
		t.Run(bc.name, func(t *testing.T) {
			for i := 1; i < len(c.nodes); i++ {
				if st := c.process(t, i, 2, bc.txs, bc.last); st != abci.PROCESS_PROPOSAL_STATUS_REJECT {
					t.Fatalf("node %d: status %v, want REJECT", i, st)
				}
			}
		})
	}
	if after := c.nodes[1].info(t); after.LastBlockHeight != before.LastBlockHeight || !bytes.Equal(after.LastBlockAppHash, before.LastBlockAppHash) {
		t.Fatal("ProcessProposal changed committed state")
	}

	// A byzantine proposer may legitimately choose its own report (it
	// signs it): the block built from it is still checked, not trusted.
	// Here the proposer's extension claims it saw u5 first.
	ownExt := func() []byte {
		r, _ := decodeVoteExtension(exts[0], maxEntries)
		for i := range r.Seen {
			if r.Seen[i].Key == ordering.KeyOf(hashOf(u[5])) {
				r.Seen[i].At = r.Now - 600_000
			}
		}
		return mustEncodeExt(t, r)
	}()
	bexts := append([][]byte{ownExt}, exts[1:]...)
	blocal, blast := buildCommit(t, c.vals, 1, 0, allCommit(4), bexts)
	bblock := c.prepare(t, 2, 0, blocal, 1<<20)
	if !bytes.Equal(bblock[1], u[0]) {
		t.Fatalf("one byzantine report of 1/4 of the power moved u5 ahead of u0")
	}
	for i := 1; i < len(c.nodes); i++ {
		if st := c.process(t, i, 2, bblock, blast); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("node %d rejects a block built from a validly signed byzantine report", i)
		}
	}

	// One validator absent from the commit: 3/4 of the power, accepted.
	flags := allCommit(4)
	flags[2] = cmtproto.BlockIDFlagAbsent
	alocal, alast := buildCommit(t, c.vals, 1, 0, flags, exts)
	ablock := c.prepare(t, 2, 0, alocal, 1<<20)
	for i := 1; i < len(c.nodes); i++ {
		if st := c.process(t, i, 2, ablock, alast); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("node %d rejects a block whose E has 3 of 4 validators", i)
		}
	}

	// The honest block executes identically everywhere; the system tx is
	// skipped with code OK.
	res := c.decideAll(t, 2, block2)
	for i, r := range res[0].TxResults {
		if r.Code != abci.CodeTypeOK {
			t.Fatalf("block 2 tx %d: code %d %s", i, r.Code, r.Log)
		}
	}
	if got := c.nodes[2].account(t, alice.addr).Nonce; got != 2 {
		t.Fatalf("alice nonce %d after block 2, want 2", got)
	}
	if got := c.nodes[3].account(t, fairUsers[6].addr).Nonce; got != 0 {
		t.Fatalf("x was executed")
	}
}

func TestInitChainRejectsFairWithoutVoteExtensions(t *testing.T) {
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
	for name, cp := range map[string]*cmtproto.ConsensusParams{
		"no consensus params":     nil,
		"no feature params":       {},
		"no enable height":        {Feature: &cmtproto.FeatureParams{}},
		"extensions disabled (0)": veParams(0),
	} {
		_, err = app.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, InitialHeight: 1, AppStateBytes: genesisBytes(t, fairGenesis()),
			ConsensusParams: cp, Validators: validatorUpdates(vals)})
		if err == nil || !strings.Contains(err.Error(), "vote extensions") {
			t.Errorf("%s: InitChain = %v, want a vote-extension error", name, err)
		}
		if h, hash, _ := store.LastCommitted(); h != 0 || len(hash) != 0 {
			t.Errorf("%s: a rejected genesis was written", name)
		}
	}
	// Fair off without extensions is fine; fair on with them too.
	if _, err := openNode(t, "", mempool.DefaultConfig()).app.InitChain(ctx, &abci.InitChainRequest{
		ChainId: testChain, InitialHeight: 1, AppStateBytes: genesisBytes(t, testGenesis()), Validators: validatorUpdates(vals),
	}); err != nil {
		t.Fatalf("fair off, no extensions: %v", err)
	}
	openFairNode(t, fairGenesis(), vals)
}

func TestInitChainRejectsNonEd25519Validators(t *testing.T) {
	vals := fairValidators(1)
	n := openNode(t, "", mempool.DefaultConfig()) // a rejected InitChain writes nothing
	for name, vu := range map[string]abci.ValidatorUpdate{
		"secp256k1":   {Power: 1, PubKeyType: "secp256k1", PubKeyBytes: make([]byte, 33)},
		"short key":   {Power: 1, PubKeyType: ed25519.KeyType, PubKeyBytes: make([]byte, 31)},
		"zero power":  {Power: 0, PubKeyType: ed25519.KeyType, PubKeyBytes: vals[0].key.PubKey().Bytes()},
		"minus power": {Power: -1, PubKeyType: ed25519.KeyType, PubKeyBytes: vals[0].key.PubKey().Bytes()},
	} {
		if _, err := n.app.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, InitialHeight: 1, AppStateBytes: genesisBytes(t, fairGenesis()),
			ConsensusParams: veParams(1), Validators: []abci.ValidatorUpdate{vu}}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestExtendVoteReport: with fair ordering on, the report lists pool txs
// not in the block, oldest first, at most max_report_entries, every time
// at or before the clock; with it off, the clock only.
func TestExtendVoteReport(t *testing.T) {
	g := fairGenesis()
	g.Params.Fair.MaxReportEntries = 3
	vals := fairValidators(1)
	n := openFairNode(t, g, vals)
	start := blockTime(1)
	var raws [][]byte
	for i := 0; i < 5; i++ {
		raw := fairUsers[i].sign(t, 0, fee, rollupData("beta", 1))
		n.at(start.Add(time.Duration(i)*time.Second)).mustCheckTx(t, raw)
		raws = append(raws, raw)
	}
	n.at(start.Add(2500 * time.Millisecond)) // the clock is behind some first-seen times
	resp, err := n.app.ExtendVote(ctx, &abci.ExtendVoteRequest{Height: 1, Txs: [][]byte{raws[0]}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := decodeVoteExtension(resp.VoteExtension, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.Now != start.Add(2500*time.Millisecond).UnixMilli() || len(r.Seen) != 3 {
		t.Fatalf("report %+v", r)
	}
	wantAt := map[ordering.TxKey]int64{
		ordering.KeyOf(hashOf(raws[1])): start.Add(time.Second).UnixMilli(),
		ordering.KeyOf(hashOf(raws[2])): start.Add(2 * time.Second).UnixMilli(),
		ordering.KeyOf(hashOf(raws[3])): r.Now, // seen "after" the clock: capped at it
	}
	for _, s := range r.Seen {
		if at, ok := wantAt[s.Key]; !ok || at != s.At {
			t.Fatalf("entry %+v unexpected (want %v)", s, wantAt)
		}
	}

	// Fair off: the clock only, whatever the pool holds.
	off := newNode(t)
	off.mustCheckTx(t, alice.sign(t, 0, fee, rollupData("beta", 1)))
	resp, err = off.app.ExtendVote(ctx, &abci.ExtendVoteRequest{Height: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := decodeVoteExtension(resp.VoteExtension, 1000); err != nil || len(r.Seen) != 0 {
		t.Fatalf("fair off: report %+v, %v", r, err)
	}
}

func TestVerifyVoteExtensionBounds(t *testing.T) {
	g := fairGenesis()
	g.Params.Fair.MaxReportEntries = 2
	n := openFairNode(t, g, fairValidators(1))
	verify := func(ext []byte) abci.VerifyVoteExtensionStatus {
		resp, err := n.app.VerifyVoteExtension(ctx, &abci.VerifyVoteExtensionRequest{Height: 3, VoteExtension: ext})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Status
	}
	two := mustEncodeExt(t, ordering.Report{Now: 10, Seen: []ordering.Seen{{Key: ordering.TxKey{1}, At: 1}, {Key: ordering.TxKey{2}, At: 2}}})
	three := mustEncodeExt(t, ordering.Report{Now: 10, Seen: []ordering.Seen{{Key: ordering.TxKey{1}, At: 1}, {Key: ordering.TxKey{2}, At: 2}, {Key: ordering.TxKey{3}, At: 3}}})
	for name, c := range map[string]struct {
		ext []byte
		ok  bool
	}{
		"two entries":      {two, true},
		"clock only":       {mustEncodeExt(t, ordering.Report{Now: 10}), true},
		"three entries":    {three, false},
		"empty":            {nil, false},
		"garbage":          {[]byte{0xff, 0x00}, false},
		"wrong field type": {[]byte{0x08, 0x01}, false},
		"truncated":        {two[:len(two)-1], false},
	} {
		got := verify(c.ext)
		if (got == abci.VERIFY_VOTE_EXTENSION_STATUS_ACCEPT) != c.ok {
			t.Errorf("%s: %v, want accept=%v", name, got, c.ok)
		}
	}
}
