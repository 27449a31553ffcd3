package consensus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"

	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/ordering"
	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/forced"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// --- a fake L1 follower ---

// inboxL1 is one validator's view of the L1 inbox: the inbox messages of
// each L1 block and the finalized head. Like the real follower, it refuses
// to serve blocks above its finalized head.
type inboxL1 struct {
	mu        sync.Mutex
	finalized uint64
	blocks    map[uint64][]forced.Message
	reads     int
}

func newInboxL1(finalized uint64, blocks map[uint64][]forced.Message) *inboxL1 {
	return &inboxL1{finalized: finalized, blocks: blocks}
}

func (f *inboxL1) Finalized() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.finalized
}

func (f *inboxL1) setFinalized(h uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finalized = h
}

func (f *inboxL1) Messages(_ context.Context, from, to uint64) ([]forced.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if from > to {
		return nil, fmt.Errorf("bad L1 range %d..%d", from, to)
	}
	if to > f.finalized {
		return nil, fmt.Errorf("L1 block %d is not finalized (finalized head %d)", to, f.finalized)
	}
	var out []forced.Message
	for b := from; b <= to; b++ {
		for _, m := range f.blocks[b] {
			m.Data = bytes.Clone(m.Data)
			out = append(out, m)
		}
	}
	return out, nil
}

// inboxTripwire is the L1 source of a node that must never read L1
// (FinalizeBlock decides from the block alone).
type inboxTripwire struct{ tb testing.TB }

func (w inboxTripwire) Finalized() uint64 {
	w.tb.Error("the L1 head was read")
	return 0
}

func (w inboxTripwire) Messages(context.Context, uint64, uint64) ([]forced.Message, error) {
	w.tb.Error("L1 messages were read")
	return nil, errors.New("tripwire")
}

// inboxMsg is the inbox message sent by the L1 tx at position txIndex of
// L1 block `block`.
func inboxMsg(block uint64, txIndex uint32, data []byte) forced.Message {
	return forced.Message{
		L1Block: block, TxIndex: txIndex, Data: data,
		L1Tx: sha256.Sum256([]byte(fmt.Sprintf("L1 tx %d/%d", block, txIndex))),
	}
}

// inboxBlock lays out an L1 block's inbox messages at L1 tx positions 3,
// 8, 13, ... (the block's other txs are not sent to the inbox), so the
// import cursor's message index never equals a message's L1 tx index.
func inboxBlock(block uint64, datas ...[]byte) []forced.Message {
	out := make([]forced.Message, len(datas))
	for i, d := range datas {
		out[i] = inboxMsg(block, uint32(3+5*i), d)
	}
	return out
}

func oversizeMsg(block uint64, txIndex uint32) forced.Message {
	m := inboxMsg(block, txIndex, nil)
	m.Oversize = true
	return m
}

// --- a 4-validator network with the inbox on ---

const inboxBlockBytes = 32 << 10 // max_block_tx_bytes: 1/8 is 4096

func inboxGenesis(fair bool) Genesis {
	g := testGenesis()
	g.Params.MaxBlockTxBytes = inboxBlockBytes
	g.Params.Fair.Enabled = fair
	g.Params.Inbox = GenesisInbox{
		Enabled: true, Address: DefaultInboxAddress, StartBlock: 1,
		MaxImportBlocks: 8, MaxImportBytes: 4096, MaxForcedBytes: 1024, DueBlocks: 4,
	}
	FitReportEntries(&g.Params, 4)
	for _, u := range fairUsers {
		g.Accounts = append(g.Accounts, GenesisAccount{Address: u.addr.String(), Balance: fmt.Sprint(richBalance)})
	}
	return g
}

// inboxNet is four validators of power 10 (each with its own L1 view, or
// none) and observers: nodes with the same genesis that decide every block
// but do not vote.
type inboxNet struct {
	*cluster
	observers []*fairNode
}

func newInboxNet(tb testing.TB, g Genesis, l1 []L1Source, observers ...L1Source) *inboxNet {
	tb.Helper()
	n := &inboxNet{cluster: newCluster(tb, g, 10, 10, 10, 10)}
	for i, src := range l1 {
		if src != nil {
			n.nodes[i].app.SetL1(src)
		}
	}
	for _, src := range observers {
		o := openFairNode(tb, g, n.vals)
		if src != nil {
			o.app.SetL1(src)
		}
		n.observers = append(n.observers, o)
	}
	return n
}

func (n *inboxNet) all() []*fairNode {
	return append(append([]*fairNode{}, n.nodes...), n.observers...)
}

// commitWithHeads returns E for height h (every validator committed, its
// extension reporting heads[i] as its L1 finalized head) and the matching
// last commit.
func (n *inboxNet) commitWithHeads(tb testing.TB, h int64, heads ...uint64) (abci.ExtendedCommitInfo, abci.CommitInfo) {
	tb.Helper()
	return n.commitWith(tb, h, allCommit(len(n.vals)), heads...)
}

// commitWith is commitWithHeads with validator i voting flags[i] (only
// committed votes carry an extension).
func (n *inboxNet) commitWith(tb testing.TB, h int64, flags []cmtproto.BlockIDFlag, heads ...uint64) (abci.ExtendedCommitInfo, abci.CommitInfo) {
	tb.Helper()
	if len(heads) != len(n.vals) {
		tb.Fatalf("%d heads for %d validators", len(heads), len(n.vals))
	}
	exts := make([][]byte, len(n.vals))
	for i := range n.vals {
		b, err := encodeVoteExtensionL1(ordering.Report{Now: blockTime(h).UnixMilli()}, heads[i], nil)
		if err != nil {
			tb.Fatal(err)
		}
		exts[i] = b
	}
	return buildCommit(tb, n.vals, h, 0, flags, exts)
}

func (n *inboxNet) prepareBy(tb testing.TB, node *fairNode, h int64, proposer int, local abci.ExtendedCommitInfo) [][]byte {
	tb.Helper()
	resp, err := node.app.PrepareProposal(ctx, &abci.PrepareProposalRequest{
		MaxTxBytes: inboxBlockBytes, Height: h, Time: blockTime(h), ProposerAddress: n.vals[proposer].addr, LocalLastCommit: local,
	})
	if err != nil {
		tb.Fatalf("PrepareProposal(%d): %v", h, err)
	}
	return resp.Txs
}

func (n *inboxNet) prepare(tb testing.TB, h int64, proposer int, local abci.ExtendedCommitInfo) [][]byte {
	tb.Helper()
	return n.prepareBy(tb, n.nodes[proposer], h, proposer, local)
}

func (n *inboxNet) processBy(tb testing.TB, node *fairNode, h int64, proposer int, txs [][]byte, last abci.CommitInfo) abci.ProcessProposalStatus {
	tb.Helper()
	resp, err := node.app.ProcessProposal(ctx, &abci.ProcessProposalRequest{
		Txs: txs, Height: h, Time: blockTime(h), ProposerAddress: n.vals[proposer].addr, ProposedLastCommit: last, Hash: blockHash(h),
	})
	if err != nil {
		tb.Fatalf("ProcessProposal(%d) returned an error: %v", h, err)
	}
	return resp.Status
}

// wantStatus checks every given node's ProcessProposal verdict.
func (n *inboxNet) wantStatus(tb testing.TB, want abci.ProcessProposalStatus, h int64, proposer int, txs [][]byte, last abci.CommitInfo, nodes ...*fairNode) {
	tb.Helper()
	for _, nd := range nodes {
		if got := n.processBy(tb, nd, h, proposer, txs, last); got != want {
			tb.Fatalf("node %s: ProcessProposal(%d) = %v, want %v", n.name(nd), h, got, want)
		}
	}
}

func (n *inboxNet) name(nd *fairNode) string {
	for i, x := range n.nodes {
		if x == nd {
			return fmt.Sprint(i)
		}
	}
	for i, x := range n.observers {
		if x == nd {
			return fmt.Sprintf("observer %d", i)
		}
	}
	return "?"
}

// decide finalizes and commits block h on every validator and observer,
// checking they agree on the app hash; it returns validator 0's response.
func (n *inboxNet) decide(tb testing.TB, h int64, proposer int, txs [][]byte) *abci.FinalizeBlockResponse {
	tb.Helper()
	var first *abci.FinalizeBlockResponse
	for _, nd := range n.all() {
		resp, err := nd.app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{
			Txs: txs, Height: h, Time: blockTime(h), ProposerAddress: n.vals[proposer].addr, Hash: blockHash(h),
		})
		if err != nil {
			tb.Fatalf("node %s FinalizeBlock(%d): %v", n.name(nd), h, err)
		}
		nd.commit(tb)
		if first == nil {
			first = resp
		} else if !bytes.Equal(resp.AppHash, first.AppHash) {
			tb.Fatalf("node %s app hash %X at height %d, node 0 %X", n.name(nd), resp.AppHash, h, first.AppHash)
		}
	}
	return first
}

// --- reading the inbox ---

func inboxStateOf(tb testing.TB, nd *node) forced.State {
	tb.Helper()
	snap := nd.store.Snapshot()
	defer snap.Discard()
	s, ok, err := snap.InboxState()
	if err != nil || !ok {
		tb.Fatalf("inbox state: ok=%v err=%v", ok, err)
	}
	return s
}

func inboxQueue(tb testing.TB, nd *node, from uint64, n int) []forced.Entry {
	tb.Helper()
	snap := nd.store.Snapshot()
	defer snap.Discard()
	es, err := snap.QueueEntries(from, n)
	if err != nil {
		tb.Fatal(err)
	}
	return es
}

func inboxRecord(tb testing.TB, nd *node, m forced.Message) forced.Record {
	tb.Helper()
	r, err := nd.store.ForcedRecord(m.L1Tx)
	if err != nil {
		tb.Fatalf("record of L1 message %d/%d: %v", m.L1Block, m.TxIndex, err)
	}
	if r.Msg.L1Block != m.L1Block || r.Msg.TxIndex != m.TxIndex || r.Msg.L1Tx != m.L1Tx {
		tb.Fatalf("record of %d/%d names message %d/%d", m.L1Block, m.TxIndex, r.Msg.L1Block, r.Msg.TxIndex)
	}
	return r
}

// wantInboxRecord checks a message's record: its status, height, and (for
// skipped messages) that the reason mentions reasonFrag.
func wantInboxRecord(tb testing.TB, nd *node, m forced.Message, st forced.Status, height int64, reasonFrag string) forced.Record {
	tb.Helper()
	r := inboxRecord(tb, nd, m)
	if r.Status != st || r.Height != height || r.DataLen != len(m.Data) {
		tb.Fatalf("record of %d/%d: %v at %d (%d bytes, %q), want %v at %d (%d bytes)", m.L1Block, m.TxIndex, r.Status, r.Height, r.DataLen, r.Reason, st, height, len(m.Data))
	}
	switch st {
	case forced.Skipped:
		if r.Reason == "" || !strings.Contains(r.Reason, reasonFrag) {
			tb.Fatalf("record of %d/%d: skipped for %q, want a reason mentioning %q", m.L1Block, m.TxIndex, r.Reason, reasonFrag)
		}
	default:
		if r.Reason != "" {
			tb.Fatalf("record of %d/%d: %v with reason %q", m.L1Block, m.TxIndex, st, r.Reason)
		}
		if r.TxHash != tx.HashOf(m.Data) {
			tb.Fatalf("record of %d/%d names tx %s, want %s", m.L1Block, m.TxIndex, r.TxHash, tx.HashOf(m.Data))
		}
	}
	return r
}

// --- imports ---

func inboxWantImport(start, end forced.Cursor, msgs ...forced.Message) *consensusv1.L1Import {
	imp := &consensusv1.L1Import{StartBlock: start.Block, StartIndex: start.Index, EndBlock: end.Block, EndIndex: end.Index}
	for _, m := range msgs {
		imp.Messages = append(imp.Messages, &consensusv1.L1Message{
			L1Block: m.L1Block, TxIndex: m.TxIndex, L1Tx: bytes.Clone(m.L1Tx[:]), Data: bytes.Clone(m.Data), Oversize: m.Oversize,
		})
	}
	return imp
}

func inboxDescribe(imp *consensusv1.L1Import) string {
	if imp == nil {
		return "no import"
	}
	var ms []string
	for _, m := range imp.Messages {
		ms = append(ms, fmt.Sprintf("%d/%d(%dB)", m.L1Block, m.TxIndex, len(m.Data)))
	}
	return fmt.Sprintf("%d/%d → %d/%d %v", imp.StartBlock, imp.StartIndex, imp.EndBlock, imp.EndIndex, ms)
}

func inboxImportTx(tb testing.TB, imp *consensusv1.L1Import) []byte {
	tb.Helper()
	raw, err := encodeL1Import(imp)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// inboxImportOf returns the import a block carries right after E (nil if
// none); no other tx of the block may be an import.
func inboxImportOf(tb testing.TB, txs [][]byte) *consensusv1.L1Import {
	tb.Helper()
	if len(txs) == 0 || !IsSystemTx(txs[0]) {
		tb.Fatal("block does not start with E")
	}
	for i, raw := range txs {
		if i != 1 && IsL1ImportTx(raw) {
			tb.Fatalf("L1 import at position %d", i)
		}
	}
	if len(txs) < 2 || !IsL1ImportTx(txs[1]) {
		return nil
	}
	imp, err := decodeL1Import(txs[1])
	if err != nil {
		tb.Fatal(err)
	}
	return imp
}

func inboxCheckImport(tb testing.TB, what string, got, want *consensusv1.L1Import) {
	tb.Helper()
	if (got == nil) != (want == nil) {
		tb.Fatalf("%s: %s, want %s", what, inboxDescribe(got), inboxDescribe(want))
	}
	if got == nil {
		return
	}
	gb, _ := got.Marshal()
	wb, _ := want.Marshal()
	if !bytes.Equal(gb, wb) {
		tb.Fatalf("%s: %s, want %s", what, inboxDescribe(got), inboxDescribe(want))
	}
}

func inboxCloneImport(imp *consensusv1.L1Import) *consensusv1.L1Import {
	b, err := imp.Marshal()
	if err != nil {
		panic(err)
	}
	var out consensusv1.L1Import
	if err := out.Unmarshal(b); err != nil {
		panic(err)
	}
	return &out
}

func inboxMsgOf(m *consensusv1.L1Message) forced.Message {
	out := forced.Message{L1Block: m.L1Block, TxIndex: m.TxIndex, Data: m.Data, Oversize: m.Oversize}
	copy(out.L1Tx[:], m.L1Tx)
	return out
}

func inboxCat(parts ...[][]byte) [][]byte {
	var out [][]byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func inboxGarbage(n int, tag byte) []byte {
	b := bytes.Repeat([]byte("not an ordo tx "), n/15+1)[:n]
	b[n-1] = tag
	return b
}

// inboxUserTxs returns a block's txs after E and the import.
func inboxUserTxs(txs [][]byte) [][]byte {
	i := 0
	for i < len(txs) && (IsSystemTx(txs[i]) || IsL1ImportTx(txs[i])) {
		i++
	}
	return txs[i:]
}

func inboxSameTxs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	set := make(map[tx.Hash]int)
	for _, r := range a {
		set[tx.HashOf(r)]++
	}
	for _, r := range b {
		set[tx.HashOf(r)]--
	}
	for _, c := range set {
		if c != 0 {
			return false
		}
	}
	return true
}

func inboxHashes(raws [][]byte) []string {
	var out []string
	for _, r := range raws {
		out = append(out, tx.HashOf(r).String()[:8])
	}
	return out
}

// --- 1. genesis ---

func TestGenesisInboxValidation(t *testing.T) {
	g := inboxGenesis(false)
	cs, err := ParseGenesis(testChain, genesisBytes(t, g))
	if err != nil {
		t.Fatal(err)
	}
	want := ledger.InboxParams{Enabled: true, StartBlock: 1, MaxImportBlocks: 8, MaxImportBytes: 4096, MaxForcedBytes: 1024, DueBlocks: 4}
	copy(want.Address[:], "OrdoInbox")
	if cs.Params.Inbox != want {
		t.Fatalf("inbox params %+v, want %+v", cs.Params.Inbox, want)
	}

	hex40 := strings.Repeat("ab", 20)
	cases := []struct {
		name   string
		mutate func(*GenesisInbox, *GenesisParams)
		ok     bool
	}{
		{"address without 0x", func(in *GenesisInbox, _ *GenesisParams) { in.Address = hex40 }, true},
		{"address with 0X, upper case", func(in *GenesisInbox, _ *GenesisParams) { in.Address = "0X" + strings.ToUpper(hex40) }, true},
		{"address empty", func(in *GenesisInbox, _ *GenesisParams) { in.Address = "" }, false},
		{"address 0x only", func(in *GenesisInbox, _ *GenesisParams) { in.Address = "0x" }, false},
		{"address 39 hex characters", func(in *GenesisInbox, _ *GenesisParams) { in.Address = "0x" + hex40[:39] }, false},
		{"address 38 hex characters", func(in *GenesisInbox, _ *GenesisParams) { in.Address = "0x" + hex40[:38] }, false},
		{"address 42 hex characters", func(in *GenesisInbox, _ *GenesisParams) { in.Address = "0x" + hex40 + "ab" }, false},
		{"address not hex", func(in *GenesisInbox, _ *GenesisParams) { in.Address = "0x" + strings.Repeat("g", 40) }, false},
		{"address with two prefixes", func(in *GenesisInbox, _ *GenesisParams) { in.Address = "0x0x" + hex40[:38] }, false},
		{"max_import_blocks 0", func(in *GenesisInbox, _ *GenesisParams) { in.MaxImportBlocks = 0 }, false},
		{"max_import_blocks 1", func(in *GenesisInbox, _ *GenesisParams) { in.MaxImportBlocks = 1 }, true},
		{"max_import_blocks 1024", func(in *GenesisInbox, _ *GenesisParams) { in.MaxImportBlocks = 1024 }, true},
		{"max_import_blocks 1025", func(in *GenesisInbox, _ *GenesisParams) { in.MaxImportBlocks = 1025 }, false},
		{"due_blocks 0", func(in *GenesisInbox, _ *GenesisParams) { in.DueBlocks = 0 }, false},
		{"due_blocks negative", func(in *GenesisInbox, _ *GenesisParams) { in.DueBlocks = -1 }, false},
		{"due_blocks 1", func(in *GenesisInbox, _ *GenesisParams) { in.DueBlocks = 1 }, true},
		{"due_blocks 10000", func(in *GenesisInbox, _ *GenesisParams) { in.DueBlocks = 10_000 }, true},
		{"due_blocks 10001", func(in *GenesisInbox, _ *GenesisParams) { in.DueBlocks = 10_001 }, false},
		{"max_forced_bytes 1023", func(in *GenesisInbox, _ *GenesisParams) { in.MaxForcedBytes = 1023 }, false},
		{"max_forced_bytes = max_import_bytes = max_block_tx_bytes/8", func(in *GenesisInbox, _ *GenesisParams) {
			in.MaxForcedBytes, in.MaxImportBytes = inboxBlockBytes/8, inboxBlockBytes/8
		}, true},
		{"max_forced_bytes above max_block_tx_bytes/8", func(in *GenesisInbox, _ *GenesisParams) {
			in.MaxForcedBytes, in.MaxImportBytes = inboxBlockBytes/8+1, inboxBlockBytes/8+1
		}, false},
		{"max_import_bytes above max_block_tx_bytes/8", func(in *GenesisInbox, _ *GenesisParams) { in.MaxImportBytes = inboxBlockBytes/8 + 1 }, false},
		{"max_import_bytes below max_forced_bytes", func(in *GenesisInbox, _ *GenesisParams) { in.MaxForcedBytes, in.MaxImportBytes = 2048, 2047 }, false},
		{"max_import_bytes = max_forced_bytes", func(in *GenesisInbox, _ *GenesisParams) { in.MaxForcedBytes, in.MaxImportBytes = 2048, 2048 }, true},
		{"max_import_bytes 0", func(in *GenesisInbox, _ *GenesisParams) { in.MaxImportBytes = 0 }, false},
		{"block too small for the smallest forced room", func(in *GenesisInbox, p *GenesisParams) {
			p.MaxBlockTxBytes = 8*1024 - 1 // 1/8 is 1023 < 1024
			in.MaxForcedBytes, in.MaxImportBytes = 1024, 1024
		}, false},
		{"block just large enough", func(in *GenesisInbox, p *GenesisParams) {
			p.MaxBlockTxBytes = 8 * 1024
			in.MaxForcedBytes, in.MaxImportBytes = 1024, 1024
		}, true},
		{"inbox off: its fields are not checked", func(in *GenesisInbox, _ *GenesisParams) {
			*in = GenesisInbox{Address: "nonsense", MaxForcedBytes: -5}
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := inboxGenesis(false)
			c.mutate(&g.Params.Inbox, &g.Params)
			cs, err := ParseGenesis(testChain, genesisBytes(t, g))
			if c.ok {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if cs.Params.Inbox.Enabled != g.Params.Inbox.Enabled {
					t.Fatalf("inbox enabled = %v", cs.Params.Inbox.Enabled)
				}
				if !g.Params.Inbox.Enabled && cs.Params.Inbox != (ledger.InboxParams{}) {
					t.Fatalf("inbox off, yet params %+v", cs.Params.Inbox)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "l1_inbox") {
				t.Fatalf("ParseGenesis = %v, want an l1_inbox error", err)
			}
		})
	}
	// The parsed address is the hex decoded, whatever the prefix and case.
	g = inboxGenesis(false)
	g.Params.Inbox.Address = "0X" + strings.ToUpper(hex40)
	if cs, err := ParseGenesis(testChain, genesisBytes(t, g)); err != nil || cs.Params.Inbox.Address != [20]byte(bytes.Repeat([]byte{0xab}, 20)) {
		t.Fatalf("address %x, %v", cs.Params.Inbox.Address, err)
	}
}

func TestInitChainRefusesInboxWithoutVoteExtensions(t *testing.T) {
	vals := fairValidators(1, 1, 1, 1)
	n := openNode(t, "", mempool.DefaultConfig())
	for name, cp := range map[string]*cmtproto.ConsensusParams{
		"no consensus params":     nil,
		"no feature params":       {},
		"no enable height":        {Feature: &cmtproto.FeatureParams{}},
		"extensions disabled (0)": veParams(0),
	} {
		_, err := n.app.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, InitialHeight: 1,
			AppStateBytes: genesisBytes(t, inboxGenesis(false)), ConsensusParams: cp, Validators: validatorUpdates(vals)})
		if err == nil || !strings.Contains(err.Error(), "L1 inbox") || !strings.Contains(err.Error(), "vote extensions") {
			t.Errorf("%s: InitChain = %v, want the L1 inbox vote-extension error", name, err)
		}
		if h, hash, _ := n.store.LastCommitted(); h != 0 || len(hash) != 0 {
			t.Fatalf("%s: a refused genesis was written", name)
		}
	}
	// With vote extensions it is accepted and the parameters are stored.
	nd := openFairNode(t, inboxGenesis(false), vals)
	if p := nd.app.Params(); !p.Inbox.Enabled || p.Inbox.MaxForcedBytes != 1024 || p.VoteExtensionsHeight != 1 {
		t.Fatalf("params %+v", p)
	}
	if p, err := nd.store.Params(); err != nil || p.Inbox != nd.app.Params().Inbox {
		t.Fatalf("stored params %+v, %v", p.Inbox, err)
	}
}

// --- 2. vote extensions ---

func inboxL1HeadOf(tb testing.TB, ext []byte) uint64 {
	tb.Helper()
	var ve consensusv1.VoteExtension
	if err := ve.Unmarshal(ext); err != nil {
		tb.Fatal(err)
	}
	return ve.L1Finalized
}

func TestExtendVoteReportsL1Head(t *testing.T) {
	vals := fairValidators(1)
	extend := func(nd *fairNode) []byte {
		t.Helper()
		resp, err := nd.app.ExtendVote(ctx, &abci.ExtendVoteRequest{Height: 1, Hash: blockHash(1), Time: blockTime(1)})
		if err != nil {
			t.Fatal(err)
		}
		v, err := nd.app.VerifyVoteExtension(ctx, &abci.VerifyVoteExtensionRequest{Height: 1, Hash: blockHash(1), ValidatorAddress: vals[0].addr, VoteExtension: resp.VoteExtension})
		if err != nil || v.Status != abci.VERIFY_VOTE_EXTENSION_STATUS_ACCEPT {
			t.Fatalf("the node rejects its own extension: %v %v", v, err)
		}
		return resp.VoteExtension
	}

	// Inbox on, with a follower: its finalized head, as it moves.
	on := openFairNode(t, inboxGenesis(false), vals)
	l1 := newInboxL1(42, nil)
	on.app.SetL1(l1)
	if got := inboxL1HeadOf(t, extend(on)); got != 42 {
		t.Fatalf("l1_finalized %d, want 42", got)
	}
	l1.setFinalized(1 << 40)
	if got := inboxL1HeadOf(t, extend(on)); got != 1<<40 {
		t.Fatalf("l1_finalized %d, want %d", got, uint64(1<<40))
	}
	// Inbox on, no L1 endpoint: 0.
	if got := inboxL1HeadOf(t, extend(openFairNode(t, inboxGenesis(false), vals))); got != 0 {
		t.Fatalf("no L1 endpoint: l1_finalized %d", got)
	}
	// Inbox off: 0 even if a follower is set; with fair ordering on too.
	for _, fair := range []bool{false, true} {
		g := inboxGenesis(fair)
		g.Params.Inbox.Enabled = false
		off := openFairNode(t, g, vals)
		off.app.SetL1(newInboxL1(42, nil))
		if got := inboxL1HeadOf(t, extend(off)); got != 0 {
			t.Fatalf("inbox off (fair %v): l1_finalized %d", fair, got)
		}
	}
}

func TestVerifyVoteExtensionL1Head(t *testing.T) {
	vals := fairValidators(1)
	on := openFairNode(t, inboxGenesis(false), vals)
	g := inboxGenesis(false)
	g.Params.Inbox.Enabled = false
	off := openFairNode(t, g, vals)
	verify := func(nd *fairNode, ext []byte) abci.VerifyVoteExtensionStatus {
		t.Helper()
		resp, err := nd.app.VerifyVoteExtension(ctx, &abci.VerifyVoteExtensionRequest{Height: 3, ValidatorAddress: vals[0].addr, VoteExtension: ext})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Status
	}
	ext := func(head uint64) []byte {
		b, err := encodeVoteExtensionL1(ordering.Report{Now: 10}, head, nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const accept, reject = abci.VERIFY_VOTE_EXTENSION_STATUS_ACCEPT, abci.VERIFY_VOTE_EXTENSION_STATUS_REJECT
	for _, c := range []struct {
		name string
		nd   *fairNode
		head uint64
		want abci.VerifyVoteExtensionStatus
	}{
		{"inbox off, head 0", off, 0, accept},
		{"inbox off, head 7", off, 7, reject},
		{"inbox off, head 1", off, 1, reject},
		{"inbox off, huge head", off, 1<<64 - 1, reject},
		{"inbox on, head 0", on, 0, accept},
		{"inbox on, head 7", on, 7, accept},
		{"inbox on, huge head", on, 1<<64 - 1, accept},
	} {
		if got := verify(c.nd, ext(c.head)); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// --- 3. the import in proposals ---

// TestInboxImportProposedAndChecked: E (from the validators' own
// ExtendVote) reports heads 6, 5, 5, 3: the agreed target is 5. The
// proposer, whose follower also holds block 6, imports exactly the
// messages of L1 blocks 1..5, right after E; validators with the same view
// accept; one whose follower lags (head 3) and a node with no L1 endpoint
// reject, as do all of them for any altered import.
func TestInboxImportProposedAndChecked(t *testing.T) {
	g := inboxGenesis(false)
	txA := fairUsers[0].sign(t, 0, fee, rollupData("beta", 10))
	txB := fairUsers[1].sign(t, 0, fee, rollupData("beta", 11))
	txC := fairUsers[2].sign(t, 0, fee, rollupData("alpha", 12))
	txD := fairUsers[3].sign(t, 0, fee, transfer(dave.addr, 5))
	txE := fairUsers[4].sign(t, 0, fee, rollupData("beta", 13))
	blocks := map[uint64][]forced.Message{
		1: inboxBlock(1, txA),
		2: nil,
		3: inboxBlock(3, txB, txC),
		4: inboxBlock(4, inboxGarbage(40, '4')),
		5: inboxBlock(5, txD),
		6: inboxBlock(6, txE),
	}
	l1 := []*inboxL1{newInboxL1(6, blocks), newInboxL1(5, blocks), newInboxL1(5, blocks), newInboxL1(3, blocks)}
	n := newInboxNet(t, g, []L1Source{l1[0], l1[1], l1[2], l1[3]}, nil)
	noL1 := n.observers[0]
	n.decide(t, 1, 0, nil)

	exts := n.extendAll(t, 1, nil)
	for i, want := range []uint64{6, 5, 5, 3} {
		if got := inboxL1HeadOf(t, exts[i]); got != want {
			t.Fatalf("validator %d reports L1 head %d, want %d", i, got, want)
		}
	}
	local, last := buildCommit(t, n.vals, 1, 0, allCommit(4), exts)

	user := erin.sign(t, 0, fee, rollupData("beta", 20))
	n.nodes[0].mustCheckTx(t, user)
	block := n.prepare(t, 2, 0, local)
	want := inboxWantImport(forced.Cursor{Block: 1}, forced.Cursor{Block: 6},
		blocks[1][0], blocks[3][0], blocks[3][1], blocks[4][0], blocks[5][0])
	inboxCheckImport(t, "proposer's import", inboxImportOf(t, block), want)
	if len(block) != 3 || !bytes.Equal(block[2], user) {
		t.Fatalf("block 2 = E, import and %d more txs; want the pool tx after them", len(block)-2)
	}
	if l1[0].reads == 0 {
		t.Fatal("the proposer's follower was never read")
	}

	// Same L1 view (and the proposer itself): ACCEPT.
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 2, 0, block, last, n.nodes[0], n.nodes[1], n.nodes[2])
	// A follower that lacks blocks 4 and 5 cannot verify: REJECT. So does a
	// node without an L1 endpoint.
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_REJECT, 2, 0, block, last, n.nodes[3], noL1)
	// Once its endpoint catches up, the lagging validator agrees again
	// (then it lags again for the cases below).
	l1[3].mu.Lock()
	l1[3].finalized = 6
	l1[3].mu.Unlock()
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 2, 0, block, last, n.nodes[3])
	l1[3].mu.Lock()
	l1[3].finalized = 3
	l1[3].mu.Unlock()

	// The lagging validator, as proposer, proposes no import; the others
	// reject its block (the import is due).
	lagging := n.prepare(t, 2, 3, local)
	if imp := inboxImportOf(t, lagging); imp != nil {
		t.Fatalf("lagging proposer imports %s", inboxDescribe(imp))
	}
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_REJECT, 2, 3, lagging, last, n.nodes[0], n.nodes[1], n.nodes[2])
	// A proposer without an L1 endpoint does the same.
	if imp := inboxImportOf(t, n.prepareBy(t, noL1, 2, 0, local)); imp != nil {
		t.Fatalf("proposer without L1 imports %s", inboxDescribe(imp))
	}

	// Altered imports.
	sys, imp := block[0], inboxImportOf(t, block)
	variant := func(mut func(*consensusv1.L1Import)) []byte {
		c := inboxCloneImport(imp)
		mut(c)
		return inboxImportTx(t, c)
	}
	otherA := fairUsers[0].sign(t, 0, fee, rollupData("beta", 99)) // same sender and nonce, other content
	one := func(b []byte) [][]byte { return [][]byte{b} }
	cases := []struct {
		name string
		txs  [][]byte
	}{
		{"import missing", inboxCat(one(sys), one(user))},
		{"import missing, no user txs", one(sys)},
		{"a message dropped", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) {
			c.Messages = append(c.Messages[:2], c.Messages[3:]...)
		}), user)},
		{"the first message dropped", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) { c.Messages = c.Messages[1:] }), user)},
		{"stops early at a consistent cursor", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) {
			c.Messages, c.EndBlock = c.Messages[:4], 5
		}), user)},
		{"stops mid-block at a consistent cursor", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) {
			c.Messages, c.EndBlock, c.EndIndex = c.Messages[:2], 3, 1
		}), user)},
		{"two messages swapped", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) {
			c.Messages[1], c.Messages[2] = c.Messages[2], c.Messages[1]
		}), user)},
		{"data altered", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) { c.Messages[0].Data[5] ^= 1 }), user)},
		{"data replaced by another valid tx", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) { c.Messages[0].Data = otherA }), user)},
		{"data emptied", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) { c.Messages[3].Data = nil }), user)},
		{"marked oversize", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) { c.Messages[0].Oversize = true }), user)},
		{"L1 tx hash altered", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) { c.Messages[1].L1Tx[0] ^= 1 }), user)},
		{"L1 tx index altered", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) { c.Messages[1].TxIndex++ }), user)},
		{"L1 block altered", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) { c.Messages[0].L1Block = 2 }), user)},
		{"extra message from beyond the target", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) {
			c.Messages = append(c.Messages, inboxWantImport(forced.Cursor{}, forced.Cursor{}, blocks[6][0]).Messages[0])
		}), user)},
		{"import through block 6 (past the target)", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) {
			c.Messages = append(c.Messages, inboxWantImport(forced.Cursor{}, forced.Cursor{}, blocks[6][0]).Messages[0])
			c.EndBlock = 7
		}), user)},
		{"invented message", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) {
			c.Messages = append(c.Messages, inboxWantImport(forced.Cursor{}, forced.Cursor{}, inboxMsg(5, 99, otherA)).Messages[0])
		}), user)},
		{"duplicated message", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) {
			c.Messages = append(c.Messages, c.Messages[0])
		}), user)},
		{"end cursor index off", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) { c.EndIndex = 1 }), user)},
		{"end cursor block off", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) { c.EndBlock = 5 }), user)},
		{"start cursor off", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) { c.StartBlock = 2 }), user)},
		{"start index off", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) { c.StartIndex = 1 }), user)},
		{"empty import, right cursors", inboxTxs3(sys, variant(func(c *consensusv1.L1Import) { c.Messages = nil }), user)},
		{"import after a user tx", inboxCat(one(sys), one(user), one(block[1]))},
		{"import before E", inboxCat(one(block[1]), one(sys), one(user))},
		{"import twice", inboxCat(one(sys), one(block[1]), one(block[1]), one(user))},
		{"truncated import", inboxTxs3(sys, block[1][:len(block[1])-3], user)},
		{"bare magic", inboxTxs3(sys, bytes.Clone(l1ImportMagic), user)},
		{"unknown field appended", inboxTxs3(sys, append(bytes.Clone(block[1]), 0x30, 0x01), user)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_REJECT, 2, 0, c.txs, last, n.nodes[0], n.nodes[1], n.nodes[2], noL1)
		})
	}

	// The honest block executes alike everywhere, including on the node
	// without L1 and the lagging one (FinalizeBlock reads the block only).
	res := n.decide(t, 2, 0, block)
	if r := res.TxResults[1]; r.Code != abci.CodeTypeOK {
		t.Fatalf("import tx result %d %q", r.Code, r.Log)
	}
	for _, nd := range n.all() {
		if s := inboxStateOf(t, nd.node); s.Cursor != (forced.Cursor{Block: 6}) || s.Len() != 4 {
			t.Fatalf("node %s inbox state %+v", n.name(nd), s)
		}
	}
}

func inboxTxs3(a, b, c []byte) [][]byte { return [][]byte{a, b, c} }

// TestInboxNothingDue: no import is due while the agreed target is below
// the cursor (before start_block, or reported by at most 2/3 of the
// power); then an import is proposed but the nodes without L1 reject it,
// while they accept blocks that import nothing.
func TestInboxNothingDue(t *testing.T) {
	g := inboxGenesis(false)
	g.Params.Inbox.StartBlock = 10
	blocks := map[uint64][]forced.Message{}
	for b := uint64(1); b <= 12; b++ {
		blocks[b] = inboxBlock(b, inboxGarbage(30, byte(b)))
	}
	src := func() L1Source { return newInboxL1(12, blocks) }
	n := newInboxNet(t, g, []L1Source{src(), src(), src(), src()}, nil)
	noL1 := n.observers[0]
	n.decide(t, 1, 0, nil)
	everyone := n.all()

	stale := inboxImportTx(t, inboxWantImport(forced.Cursor{Block: 10}, forced.Cursor{Block: 11}, blocks[10][0]))
	for _, c := range []struct {
		name  string
		heads []uint64
	}{
		{"no head reported", []uint64{0, 0, 0, 0}},
		{"heads below start_block", []uint64{9, 9, 9, 9}},
		{"one liar (1/4 of the power) far ahead", []uint64{12, 0, 0, 0}},
		{"one liar, the others below start_block", []uint64{1000, 9, 9, 5}},
		// Half of the power without an L1 endpoint: with a 1/3 threshold
		// this imported, those validators rejected every block, and the
		// chain halted. Now the inbox waits and every block commits.
		{"half of the power without L1", []uint64{12, 12, 0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			local, last := n.commitWithHeads(t, 1, c.heads...)
			block := n.prepare(t, 2, 1, local)
			if imp := inboxImportOf(t, block); imp != nil {
				t.Fatalf("proposed %s", inboxDescribe(imp))
			}
			n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 2, 1, block, last, everyone...)
			// An import where none is due is rejected by everyone.
			n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_REJECT, 2, 1, inboxCat([][]byte{block[0], stale}, block[1:]), last, everyone...)
		})
	}

	// Validators absent from the commit report nothing, but their power
	// still counts in the total: 12 reported by 1/4 of the power, with one
	// validator absent, is not a target.
	absent := allCommit(4)
	absent[1] = cmtproto.BlockIDFlagAbsent
	local, last := n.commitWith(t, 1, absent, 12, 0, 9, 9)
	block := n.prepare(t, 2, 1, local)
	if imp := inboxImportOf(t, block); imp != nil {
		t.Fatalf("with one validator absent: proposed %s", inboxDescribe(imp))
	}
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 2, 1, block, last, everyone...)
	local, last = n.commitWith(t, 1, absent, 12, 0, 12, 0)
	block = n.prepare(t, 2, 0, local)
	if imp := inboxImportOf(t, block); imp != nil {
		t.Fatalf("with one validator absent and 12 reported by 1/2 of the power (a target needs more than 2/3): proposed %s", inboxDescribe(imp))
	}
	local, last = n.commitWith(t, 1, absent, 12, 0, 12, 12)
	block = n.prepare(t, 2, 0, local)
	if imp := inboxImportOf(t, block); imp == nil || imp.EndBlock != 13 {
		t.Fatalf("with one validator absent and 12 reported by 3/4 of the power: %s", inboxDescribe(imp))
	}
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 2, 0, block, last, n.nodes...)

	// Three validators (3/4 of the power) at 12: target 12, the import
	// starts at start_block 10.
	local, last = n.commitWithHeads(t, 1, 12, 12, 12, 0)
	block = n.prepare(t, 2, 1, local)
	inboxCheckImport(t, "import from start_block", inboxImportOf(t, block),
		inboxWantImport(forced.Cursor{Block: 10}, forced.Cursor{Block: 13}, blocks[10][0], blocks[11][0], blocks[12][0]))
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 2, 1, block, last, n.nodes...)
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_REJECT, 2, 1, block, last, noL1)
	// Without the import, the validators reject (it is due) and so does the
	// node without L1 (it cannot tell).
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_REJECT, 2, 1, block[:1], last, everyone...)
}

// TestInboxCursorNeverMovesBack: after importing through L1 block 5, E
// reporting lower heads (or the same) imports nothing, and an import of
// old blocks is rejected.
func TestInboxCursorNeverMovesBack(t *testing.T) {
	g := inboxGenesis(false)
	blocks := map[uint64][]forced.Message{}
	for b := uint64(1); b <= 8; b++ {
		blocks[b] = inboxBlock(b, inboxGarbage(50, byte(b)))
	}
	src := func() L1Source { return newInboxL1(8, blocks) }
	n := newInboxNet(t, g, []L1Source{src(), src(), src(), src()}, nil)
	noL1 := n.observers[0]
	n.decide(t, 1, 0, nil)

	local, last := n.commitWithHeads(t, 1, 5, 5, 5, 5)
	block2 := n.prepare(t, 2, 0, local)
	imp2 := inboxImportOf(t, block2)
	inboxCheckImport(t, "height 2", imp2, inboxWantImport(forced.Cursor{Block: 1}, forced.Cursor{Block: 6},
		blocks[1][0], blocks[2][0], blocks[3][0], blocks[4][0], blocks[5][0]))
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 2, 0, block2, last, n.nodes...)
	n.decide(t, 2, 0, block2)

	h := int64(3)
	for _, heads := range [][]uint64{{5, 5, 5, 5}, {4, 4, 4, 4}, {1, 2, 3, 4}, {0, 0, 0, 0}, {8, 3, 3, 3}} {
		local, last := n.commitWithHeads(t, h-1, heads...)
		block := n.prepare(t, h, int(h)%4, local)
		if imp := inboxImportOf(t, block); imp != nil {
			t.Fatalf("height %d, heads %v: proposed %s", h, heads, inboxDescribe(imp))
		}
		n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, h, int(h)%4, block, last, n.all()...)
		// Replaying the old import, or importing old blocks again, is rejected.
		for _, bad := range []*consensusv1.L1Import{
			imp2,
			inboxWantImport(forced.Cursor{Block: 6}, forced.Cursor{Block: 5}),
			inboxWantImport(forced.Cursor{Block: 5}, forced.Cursor{Block: 6}, blocks[5][0]),
			inboxWantImport(forced.Cursor{Block: 6}, forced.Cursor{Block: 6}),
		} {
			n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_REJECT, h, int(h)%4, inboxCat(block[:1], [][]byte{inboxImportTx(t, bad)}, block[1:]), last, n.all()...)
		}
		n.decide(t, h, int(h)%4, block)
		if s := inboxStateOf(t, n.nodes[0].node); s.Cursor != (forced.Cursor{Block: 6}) {
			t.Fatalf("height %d, heads %v: cursor %+v", h, heads, s.Cursor)
		}
		h++
	}
	// Heads moving on again: the import resumes at block 6.
	local, last = n.commitWithHeads(t, h-1, 7, 7, 7, 0)
	block := n.prepare(t, h, 0, local)
	inboxCheckImport(t, "resumed", inboxImportOf(t, block), inboxWantImport(forced.Cursor{Block: 6}, forced.Cursor{Block: 8}, blocks[6][0], blocks[7][0]))
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, h, 0, block, last, n.nodes...)
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_REJECT, h, 0, block, last, noL1)
}

// TestInboxImportBounds: max_import_blocks (2) and max_import_bytes
// (1024) split the walk over several heights, resuming mid-block, and the
// import never reads past the agreed target although the followers hold
// more.
func TestInboxImportBounds(t *testing.T) {
	g := inboxGenesis(false)
	g.Params.Inbox.MaxImportBlocks, g.Params.Inbox.MaxImportBytes, g.Params.Inbox.MaxForcedBytes = 2, 1024, 1024
	blocks := map[uint64][]forced.Message{
		1: inboxBlock(1, inboxGarbage(400, 'a'), inboxGarbage(400, 'b'), inboxGarbage(400, 'c')),
		2: nil,
		3: inboxBlock(3, inboxGarbage(100, 'd')),
		4: inboxBlock(4, inboxGarbage(100, 'e')),
		5: inboxBlock(5, inboxGarbage(100, 'f')),
		6: nil,
		7: nil,
		8: inboxBlock(8, inboxGarbage(100, 'g')),
		9: inboxBlock(9, inboxGarbage(100, 'h')),
	}
	src := func() L1Source { return newInboxL1(9, blocks) }
	n := newInboxNet(t, g, []L1Source{src(), src(), src(), src()}, nil)
	n.decide(t, 1, 0, nil)

	c := func(b uint64, i uint32) forced.Cursor { return forced.Cursor{Block: b, Index: i} }
	steps := []struct {
		heads []uint64
		want  *consensusv1.L1Import
	}{
		// 400+400 fit 1024, a third 400 does not: stop inside block 1.
		{[]uint64{5, 5, 5, 5}, inboxWantImport(c(1, 0), c(1, 2), blocks[1][0], blocks[1][1])},
		// Resume at message 2 of block 1; blocks 1 and 2 make two blocks.
		{[]uint64{5, 5, 5, 5}, inboxWantImport(c(1, 2), c(3, 0), blocks[1][2])},
		{[]uint64{5, 5, 5, 5}, inboxWantImport(c(3, 0), c(5, 0), blocks[3][0], blocks[4][0])},
		// Only block 5 remains below the target.
		{[]uint64{5, 5, 5, 9}, inboxWantImport(c(5, 0), c(6, 0), blocks[5][0])},
		{[]uint64{5, 5, 5, 9}, nil},
		{[]uint64{3, 3, 3, 3}, nil},
		// Target 8 (9 is reported by 1/4 of the power only; a target
		// needs more than 2/3).
		{[]uint64{9, 8, 8, 8}, inboxWantImport(c(6, 0), c(8, 0))}, // two empty blocks: the cursor moves, nothing imported
		{[]uint64{9, 8, 8, 8}, inboxWantImport(c(8, 0), c(9, 0), blocks[8][0])},
		{[]uint64{9, 8, 8, 8}, nil},
		{[]uint64{9, 9, 9, 8}, inboxWantImport(c(9, 0), c(10, 0), blocks[9][0])},
	}
	for i, s := range steps {
		h := int64(i + 2)
		proposer := i % 4
		local, last := n.commitWithHeads(t, h-1, s.heads...)
		block := n.prepare(t, h, proposer, local)
		inboxCheckImport(t, fmt.Sprintf("height %d", h), inboxImportOf(t, block), s.want)
		var others []*fairNode
		for j, nd := range n.nodes {
			if j != proposer {
				others = append(others, nd)
			}
		}
		n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, h, proposer, block, last, others...)
		n.decide(t, h, proposer, block)
		if s.want != nil {
			st := inboxStateOf(t, n.nodes[0].node)
			if st.Cursor != c(s.want.EndBlock, s.want.EndIndex) || st.Len() != 0 || st.Bytes != 0 {
				t.Fatalf("height %d: inbox state %+v", h, st)
			}
			for _, m := range s.want.Messages {
				wantInboxRecord(t, n.nodes[1].node, inboxMsgOf(m), forced.Skipped, h, "")
			}
		}
	}
}

// --- 4. finalizing an import ---

// TestInboxFinalizeImport: valid messages join the queue; undecodable,
// wrongly signed, foreign-chain and oversize ones are recorded as skipped.
// The inbox changes enter the app hash, and a replayer that never reads L1
// computes the same app hash.
func TestInboxFinalizeImport(t *testing.T) {
	g := inboxGenesis(false)
	txA := fairUsers[0].sign(t, 0, fee, rollupData("beta", 10))
	txB := fairUsers[4].sign(t, 0, fee, transfer(bob.addr, 7))
	bigTx := fairUsers[3].sign(t, 0, fee, rollupData("beta", 1100)) // valid, but over max_forced_bytes 1024
	if len(bigTx) <= 1024 || len(bigTx) > maxTxBytes {
		t.Fatalf("big tx of %d bytes", len(bigTx))
	}
	mA, mGarbage, mOversize := inboxMsg(1, 0, txA), inboxMsg(1, 4, inboxGarbage(14, 'x')), oversizeMsg(1, 5)
	mChain := inboxMsg(1, 6, fairUsers[1].signChain(t, "other-chain", 0, fee, rollupData("beta", 1)))
	mSig := inboxMsg(1, 9, badSignature(t, fairUsers[2].sign(t, 0, fee, rollupData("beta", 1))))
	mBig, mB, mTiny := inboxMsg(1, 12, bigTx), inboxMsg(3, 2, txB), inboxMsg(3, 7, []byte{0x0a})
	blocks := map[uint64][]forced.Message{1: {mA, mGarbage, mOversize, mChain, mSig, mBig}, 3: {mB, mTiny}}
	src := func() L1Source { return newInboxL1(3, blocks) }
	// The observer replays: it runs FinalizeBlock only, and must never
	// read L1.
	n := newInboxNet(t, g, []L1Source{src(), src(), src(), src()}, inboxTripwire{t})
	genesisHash := n.nodes[0].info(t).LastBlockAppHash
	res1 := n.decide(t, 1, 0, nil)

	local, last := n.commitWithHeads(t, 1, 3, 3, 3, 3)
	block := n.prepare(t, 2, 0, local)
	inboxCheckImport(t, "import", inboxImportOf(t, block), inboxWantImport(forced.Cursor{Block: 1}, forced.Cursor{Block: 4}, mA, mGarbage, mOversize, mChain, mSig, mBig, mB, mTiny))
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 2, 0, block, last, n.nodes[1:]...)
	res := n.decide(t, 2, 0, block) // the replayer runs FinalizeBlock only
	if len(block) != 2 || res.TxResults[1].Code != abci.CodeTypeOK || res.TxResults[1].Log != "L1 inbox import" {
		t.Fatalf("block of %d txs, import result %+v", len(block), res.TxResults[1])
	}

	wantState := forced.State{Cursor: forced.Cursor{Block: 4}, Head: 0, Tail: 2, Bytes: int64(len(txA) + len(txB))}
	wantEntries := []forced.Entry{{Seq: 0, ImportHeight: 2, Msg: mA}, {Seq: 1, ImportHeight: 2, Msg: mB}}
	for _, nd := range n.all() {
		if s := inboxStateOf(t, nd.node); s != wantState {
			t.Fatalf("node %s: inbox state %+v, want %+v", n.name(nd), s, wantState)
		}
		es := inboxQueue(t, nd.node, 0, 10)
		if len(es) != 2 {
			t.Fatalf("node %s: %d queue entries", n.name(nd), len(es))
		}
		for i, e := range es {
			w := wantEntries[i]
			if e.Seq != w.Seq || e.ImportHeight != w.ImportHeight || e.Msg.L1Block != w.Msg.L1Block || e.Msg.TxIndex != w.Msg.TxIndex ||
				e.Msg.L1Tx != w.Msg.L1Tx || !bytes.Equal(e.Msg.Data, w.Msg.Data) || e.Msg.Oversize {
				t.Fatalf("node %s: entry %d = %+v, want %+v", n.name(nd), i, e, w)
			}
		}
		wantInboxRecord(t, nd.node, mA, forced.Queued, 2, "")
		wantInboxRecord(t, nd.node, mB, forced.Queued, 2, "")
		for _, c := range []struct {
			m    forced.Message
			frag string
		}{
			{mGarbage, "decode"}, {mOversize, "oversize"}, {mBig, "oversize"}, {mChain, "chain"},
			{mSig, "signature"}, {mTiny, ""},
		} {
			if r := wantInboxRecord(t, nd.node, c.m, forced.Skipped, 2, c.frag); r.TxHash != (tx.Hash{}) {
				t.Fatalf("a skipped message names tx %s", r.TxHash)
			}
		}
	}

	// The block record marks the import as a system tx; its state digest
	// chains the inbox digest (block 2 changes no account or rollup), and
	// the app hash commits to it.
	rec, err := n.nodes[2].store.Block(2)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Txs[0].System || !rec.Txs[1].System || rec.Txs[1].Hash != tx.HashOf(block[1]).String() {
		t.Fatalf("block record txs %+v", rec.Txs)
	}
	ledgerDigest := ledger.StateDigest(nil, nil)
	h := sha256.New()
	h.Write([]byte("ordo.state+inbox.v1"))
	h.Write(ledgerDigest[:])
	h.Write(forced.Digest(wantState, wantEntries))
	if !bytes.Equal(rec.StateDigest, h.Sum(nil)) {
		t.Fatalf("state digest %X does not chain the inbox digest", rec.StateDigest)
	}
	var sd [32]byte
	copy(sd[:], rec.StateDigest)
	if want := (commitment.Block{PrevAppHash: res1.AppHash, Height: 2, StateDigest: sd, RollupsRoot: commitment.EmptyRoot()}).AppHash(); !bytes.Equal(res.AppHash, want) {
		t.Fatalf("app hash %X, want %X", res.AppHash, want)
	}
	if bytes.Equal(res1.AppHash, genesisHash) {
		t.Fatal("block 1 kept the genesis app hash")
	}

	// The same height without the import (no inbox change): another app
	// hash, and a plain ledger state digest.
	plain := openFairNode(t, g, n.vals)
	var plainRes [3]*abci.FinalizeBlockResponse
	for h := int64(1); h <= 2; h++ {
		txs := block[:1]
		if h == 1 {
			txs = nil
		}
		resp, err := plain.app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Txs: txs, Height: h, Time: blockTime(h), ProposerAddress: n.vals[0].addr, Hash: blockHash(h)})
		if err != nil {
			t.Fatal(err)
		}
		plain.commit(t)
		plainRes[h] = resp
	}
	if !bytes.Equal(plainRes[1].AppHash, res1.AppHash) {
		t.Fatal("the plain node disagrees on block 1")
	}
	if bytes.Equal(plainRes[2].AppHash, res.AppHash) {
		t.Fatal("the import does not change the app hash")
	}
	if rec, err := plain.store.Block(2); err != nil || !bytes.Equal(rec.StateDigest, ledgerDigest[:]) {
		t.Fatalf("without inbox changes the state digest is %X, want the ledger digest %X (%v)", rec.StateDigest, ledgerDigest, err)
	}
	snap := plain.store.Snapshot()
	if _, ok, err := snap.InboxState(); ok || err != nil {
		t.Fatalf("a block without import wrote an inbox state (%v)", err)
	}
	snap.Discard()

	// A fresh node replaying blocks 1 and 2 from disk, restarted in between,
	// reaches the same app hash and inbox.
	dir := t.TempDir()
	disk := openNode(t, dir, mempool.DefaultConfig())
	if _, err := disk.app.InitChain(ctx, &abci.InitChainRequest{Time: genesisTime, ChainId: testChain, InitialHeight: 1,
		AppStateBytes: genesisBytes(t, g), ConsensusParams: veParams(1), Validators: validatorUpdates(n.vals)}); err != nil {
		t.Fatal(err)
	}
	disk.app.SetL1(inboxTripwire{t})
	if _, err := disk.app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: 1, Time: blockTime(1), ProposerAddress: n.vals[0].addr, Hash: blockHash(1)}); err != nil {
		t.Fatal(err)
	}
	disk.commit(t)
	disk.store.Close()
	disk = openNode(t, dir, mempool.DefaultConfig())
	disk.app.SetL1(inboxTripwire{t})
	resp, err := disk.app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Txs: block, Height: 2, Time: blockTime(2), ProposerAddress: n.vals[0].addr, Hash: blockHash(2)})
	if err != nil {
		t.Fatal(err)
	}
	disk.commit(t)
	if !bytes.Equal(resp.AppHash, res.AppHash) || inboxStateOf(t, disk) != wantState {
		t.Fatalf("replayer: app hash %X inbox %+v; want %X %+v", resp.AppHash, inboxStateOf(t, disk), res.AppHash, wantState)
	}
}

// --- 5. the due prefix ---

// TestInboxDuePrefix: txs imported at height 2 are due at height 3. The
// honest proposer, whose pool never held them, includes the executable
// ones; a block omitting one is rejected; one whose sender cannot pay, or
// whose nonce is used, is excused. Records and the queue follow.
func TestInboxDuePrefix(t *testing.T) {
	for _, fair := range []bool{false, true} {
		t.Run(fmt.Sprintf("fair=%v", fair), func(t *testing.T) { testInboxDuePrefix(t, fair) })
	}
}

func testInboxDuePrefix(t *testing.T, fair bool) {
	g := inboxGenesis(fair)
	drained := fairUsers[4]
	// Block 1 (no E, so no fair rule): drained empties its account with
	// nonce 0, fairUsers[2] uses its nonce 0.
	drain := drained.sign(t, 0, fee, transfer(bob.addr, richBalance-fee-50))
	used := fairUsers[2].sign(t, 0, fee, rollupData("beta", 30))
	f := [][]byte{
		fairUsers[0].sign(t, 0, fee, rollupData("beta", 5)),  // 0: included
		fairUsers[1].sign(t, 0, fee, rollupData("alpha", 5)), // 1: included
		carol.sign(t, 0, fee, rollupData("beta", 5)),         // 2: carol never could pay
		fairUsers[2].sign(t, 0, fee, rollupData("beta", 5)),  // 3: nonce 0 already used
		drained.sign(t, 1, fee, rollupData("beta", 5)),       // 4: can no longer pay
		fairUsers[3].sign(t, 0, fee, transfer(dave.addr, 1)), // 5: included
	}
	total := 0
	for _, raw := range f {
		total += len(raw)
	}
	if total > 1024 {
		t.Fatalf("forced txs take %d bytes, more than max_forced_bytes", total)
	}
	msgs := inboxBlock(1, f...)
	src := func() L1Source { return newInboxL1(1, map[uint64][]forced.Message{1: msgs}) }
	n := newInboxNet(t, g, []L1Source{src(), src(), src(), src()}, nil)
	noL1 := n.observers[0]
	n.decide(t, 1, 0, [][]byte{drain, used})

	local, last := n.commitWithHeads(t, 1, 1, 1, 1, 1)
	block2 := n.prepare(t, 2, 0, local)
	if imp := inboxImportOf(t, block2); imp == nil || len(imp.Messages) != 6 || len(block2) != 2 {
		t.Fatalf("block 2: %d txs, %s", len(block2), inboxDescribe(imp))
	}
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 2, 0, block2, last, n.nodes...)
	n.decide(t, 2, 0, block2)
	if s := inboxStateOf(t, n.nodes[0].node); s.Len() != 6 || s.Bytes != int64(total) {
		t.Fatalf("queue after import: %+v", s)
	}

	// Height 3: nothing to import (target 1 < cursor 2); all six are due.
	local, last = n.commitWithHeads(t, 2, 1, 1, 1, 1)
	for _, nd := range n.all() {
		if len(nd.pool.Snapshot()) != 0 {
			t.Fatalf("node %s's pool is not empty", n.name(nd))
		}
	}
	block := n.prepare(t, 3, 1, local)
	if imp := inboxImportOf(t, block); imp != nil {
		t.Fatalf("height 3 imports %s", inboxDescribe(imp))
	}
	if got, want := inboxUserTxs(block), [][]byte{f[0], f[1], f[5]}; !inboxSameTxs(got, want) {
		t.Fatalf("height 3 includes %v, want %v", inboxHashes(got), inboxHashes(want))
	}
	// Everyone accepts, including the node without L1 (no import due).
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 3, 1, block, last, n.all()...)
	// The excused ones may not be forced in either: they cannot execute.
	for _, i := range []int{2, 3, 4} {
		n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_REJECT, 3, 1, append(inboxCopy(block), f[i]), last, n.all()...)
	}
	// A censoring proposer omits an executable forced tx: rejected.
	sys := block[:1]
	for _, c := range []struct {
		name string
		txs  [][]byte
	}{
		{"no forced tx", sys},
		{"f0 omitted", inboxCat(sys, [][]byte{f[1], f[5]})},
		{"f1 omitted", inboxCat(sys, [][]byte{f[0], f[5]})},
		{"f5 omitted", inboxCat(sys, [][]byte{f[0], f[1]})},
		{"f5 omitted for an ordinary tx", inboxCat(sys, [][]byte{f[0], f[1], erin.sign(t, 0, fee, rollupData("beta", 5))})},
	} {
		n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_REJECT, 3, 1, c.txs, last, n.all()...)
	}

	res := n.decide(t, 3, 1, block)
	for i, r := range res.TxResults {
		if r.Code != abci.CodeTypeOK {
			t.Fatalf("height 3 tx %d: code %d %s", i, r.Code, r.Log)
		}
	}
	for _, nd := range []*node{n.nodes[0].node, n.nodes[3].node, noL1.node} {
		for _, i := range []int{0, 1, 5} {
			wantInboxRecord(t, nd, msgs[i], forced.Included, 3, "")
		}
		wantInboxRecord(t, nd, msgs[2], forced.Skipped, 3, "insufficient balance")
		wantInboxRecord(t, nd, msgs[3], forced.Skipped, 3, "stale nonce")
		wantInboxRecord(t, nd, msgs[4], forced.Skipped, 3, "insufficient balance")
		if s := inboxStateOf(t, nd); s != (forced.State{Cursor: forced.Cursor{Block: 2}, Head: 6, Tail: 6}) {
			t.Fatalf("inbox after settling: %+v", s)
		}
		if es := inboxQueue(t, nd, 0, 10); len(es) != 0 {
			t.Fatalf("settled entries left in the queue: %+v", es)
		}
	}
	for _, c := range []struct {
		who   tx.Address
		nonce uint64
	}{{fairUsers[0].addr, 1}, {fairUsers[1].addr, 1}, {fairUsers[3].addr, 1}, {carol.addr, 0}, {fairUsers[2].addr, 1}, {drained.addr, 1}} {
		if got := n.nodes[2].account(t, c.who).Nonce; got != c.nonce {
			t.Fatalf("%s at nonce %d, want %d", c.who, got, c.nonce)
		}
	}
	for _, i := range []int{0, 1, 5} {
		if loc, err := n.nodes[0].store.TxLocation(tx.HashOf(f[i])); err != nil || loc.Height != 3 || loc.Code != 0 {
			t.Fatalf("forced tx %d at %+v, %v", i, loc, err)
		}
	}

	// Height 4: nothing due, nothing to import; the inbox does not change.
	local, last = n.commitWithHeads(t, 3, 1, 1, 1, 1)
	block = n.prepare(t, 4, 2, local)
	if len(block) != 1 {
		t.Fatalf("height 4 has %d txs", len(block))
	}
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 4, 2, block, last, n.all()...)
	n.decide(t, 4, 2, block)
	if s := inboxStateOf(t, n.nodes[0].node); s != (forced.State{Cursor: forced.Cursor{Block: 2}, Head: 6, Tail: 6}) {
		t.Fatalf("inbox at height 4: %+v", s)
	}
}

func inboxCopy(txs [][]byte) [][]byte { return append([][]byte{}, txs...) }

// TestInboxDuePrefixSplitFIFO: a queue larger than max_forced_bytes is
// included over several blocks, in FIFO order, each block taking the
// longest prefix that fits.
func TestInboxDuePrefixSplitFIFO(t *testing.T) {
	g := inboxGenesis(false)
	u := fairUsers
	f := [][]byte{
		u[0].sign(t, 0, fee, rollupData("beta", 150)),
		u[1].sign(t, 0, fee, rollupData("beta", 160)),
		u[0].sign(t, 1, fee, rollupData("beta", 170)),
		u[2].sign(t, 0, fee, rollupData("alpha", 60)),
		u[3].sign(t, 0, fee, rollupData("beta", 190)),
		u[0].sign(t, 2, fee, rollupData("beta", 200)),
		u[4].sign(t, 0, fee, rollupData("beta", 210)),
		u[5].sign(t, 0, fee, rollupData("beta", 220)),
	}
	msgs := inboxBlock(1, f...)
	src := func() L1Source { return newInboxL1(1, map[uint64][]forced.Message{1: msgs}) }
	n := newInboxNet(t, g, []L1Source{src(), src(), src(), src()})
	n.decide(t, 1, 0, nil)

	local, last := n.commitWithHeads(t, 1, 1, 1, 1, 1)
	block := n.prepare(t, 2, 0, local)
	if imp := inboxImportOf(t, block); imp == nil || len(imp.Messages) != len(f) {
		t.Fatalf("import %s", inboxDescribe(imp))
	}
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 2, 0, block, last, n.nodes...)
	n.decide(t, 2, 0, block)

	next, blocksUsed := 0, 0
	for h := int64(3); next < len(f); h++ {
		// The expected prefix: FIFO, while the sizes fit 1024 bytes.
		end, used := next, 0
		for end < len(f) && used+len(f[end]) <= 1024 {
			used += len(f[end])
			end++
		}
		if end == next {
			t.Fatalf("entry %d (%d bytes) never fits", next, len(f[next]))
		}
		local, last := n.commitWithHeads(t, h-1, 1, 1, 1, 1)
		proposer := int(h) % 4
		block := n.prepare(t, h, proposer, local)
		if got := inboxUserTxs(block); !inboxSameTxs(got, f[next:end]) {
			t.Fatalf("height %d includes %v, want entries %d..%d %v", h, inboxHashes(got), next, end-1, inboxHashes(f[next:end]))
		}
		n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, h, proposer, block, last, n.nodes...)
		// Omitting the last due entry is censorship: rejected.
		var omit [][]byte
		for _, raw := range block {
			if !bytes.Equal(raw, f[end-1]) {
				omit = append(omit, raw)
			}
		}
		n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_REJECT, h, proposer, omit, last, n.nodes...)
		n.decide(t, h, proposer, block)
		for i := range f {
			switch {
			case i < next:
			case i < end:
				wantInboxRecord(t, n.nodes[0].node, msgs[i], forced.Included, h, "")
			default:
				wantInboxRecord(t, n.nodes[0].node, msgs[i], forced.Queued, 2, "")
			}
		}
		if s := inboxStateOf(t, n.nodes[1].node); s.Head != uint64(end) || s.Tail != uint64(len(f)) {
			t.Fatalf("height %d: inbox %+v, want head %d", h, s, end)
		}
		if es := inboxQueue(t, n.nodes[1].node, uint64(end), 100); len(es) != len(f)-end || (len(es) > 0 && es[0].Seq != uint64(end)) {
			t.Fatalf("height %d: queue %+v", h, es)
		}
		next = end
		blocksUsed++
	}
	if blocksUsed < 2 {
		t.Fatalf("the queue fit one block (%d); the test needs a split", blocksUsed)
	}
}

// inboxPad appends an unknown length-delimited field (number 15) to a
// system tx so that it grows to n bytes: protobuf decoders skip it.
func inboxPad(tb testing.TB, raw []byte, n int) []byte {
	tb.Helper()
	for pad := n - len(raw) - 4; pad >= 0; pad-- {
		out := append(bytes.Clone(raw), 0x7a)
		l := uint64(pad)
		for l >= 0x80 {
			out = append(out, byte(l)|0x80)
			l >>= 7
		}
		out = append(out, byte(l))
		out = append(out, make([]byte, pad)...)
		if len(out) <= n {
			return out
		}
	}
	tb.Fatalf("cannot pad a %d-byte tx to %d bytes", len(raw), n)
	return nil
}

// TestInboxPaddedSystemTxCannotCrowdOutForcedTxs: a due forced tx is
// excused only when it cannot execute, or when it does not fit a block
// that holds no unlisted tx. A byzantine proposer must not make the latter
// true by padding a system tx (E or the import) with bytes that decode to
// nothing: the forced txs would be recorded as skipped for good.
func TestInboxPaddedSystemTxCannotCrowdOutForcedTxs(t *testing.T) {
	g := inboxGenesis(false)
	f := [][]byte{
		fairUsers[0].sign(t, 0, fee, rollupData("beta", 5)),
		fairUsers[1].sign(t, 0, fee, rollupData("beta", 6)),
	}
	blocks := map[uint64][]forced.Message{1: inboxBlock(1, f...), 2: inboxBlock(2, inboxGarbage(20, 'z'))}
	src := func() L1Source { return newInboxL1(2, blocks) }
	n := newInboxNet(t, g, []L1Source{src(), src(), src(), src()})
	n.decide(t, 1, 0, nil)
	local, last := n.commitWithHeads(t, 1, 1, 1, 1, 1)
	block := n.prepare(t, 2, 0, local)
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 2, 0, block, last, n.nodes...)
	n.decide(t, 2, 0, block)

	// The honest block 3 (target 1: no import) includes both forced txs;
	// so does block 3 with target 2, after the import of L1 block 2.
	budget := int64(inboxBlockBytes)
	for _, heads := range [][]uint64{{1, 1, 1, 1}, {2, 2, 2, 2}} {
		local, last := n.commitWithHeads(t, 2, heads...)
		block := n.prepare(t, 3, 1, local)
		if !inboxSameTxs(inboxUserTxs(block), f) {
			t.Fatalf("heads %v: honest block 3 includes %v", heads, inboxHashes(inboxUserTxs(block)))
		}
		n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 3, 1, block, last, n.nodes...)
		// Pad E, or the import, so that less room than one forced tx is
		// left, and leave the forced txs out.
		sys := len(block) - len(f)
		room := budget
		for _, raw := range block[:sys] {
			room -= ordering.TxEncodedSize(len(raw))
		}
		for i := 0; i < sys; i++ {
			padded := inboxCopy(block[:sys])
			grow := int(room) - len(f[0])/2 // leaves less than one forced tx
			padded[i] = inboxPad(t, padded[i], len(padded[i])+grow)
			var used int64
			for _, raw := range padded {
				used += ordering.TxEncodedSize(len(raw))
			}
			if used > budget || budget-used >= ordering.TxEncodedSize(len(f[0])) {
				t.Fatalf("padding left %d bytes", budget-used)
			}
			what := "E"
			if i == 1 {
				what = "the import"
			}
			t.Run(fmt.Sprintf("heads %v, padded %s", heads, what), func(t *testing.T) {
				n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_REJECT, 3, 1, padded, last, n.nodes...)
			})
		}
	}
}

// TestInboxImportFitsTheBlock: every imported message counts its data
// plus forced.MessageOverhead against max_import_bytes (at most 1/8 of the
// block), and oversize messages their overhead: L1 txs to the inbox with
// 1-byte or oversize calldata cannot make the mandatory import outgrow the
// block (no proposer could propose, as none may leave it out).
func TestInboxImportFitsTheBlock(t *testing.T) {
	g := inboxGenesis(false)
	blocks := map[uint64][]forced.Message{}
	for b := uint64(1); b <= 8; b++ {
		datas := make([][]byte, 120)
		for i := range datas {
			datas[i] = []byte{byte(i)} // 1-byte calldata: counts 1 byte
		}
		blocks[b] = inboxBlock(b, datas...)
		blocks[b] = append(blocks[b], oversizeMsg(b, 1000)) // counts 0 bytes
	}
	src := func() L1Source { return newInboxL1(8, blocks) }
	n := newInboxNet(t, g, []L1Source{src(), src(), src(), src()})
	n.decide(t, 1, 0, nil)
	local, _ := n.commitWithHeads(t, 1, 8, 8, 8, 8)
	block := n.prepare(t, 2, 0, local)
	var total int64
	for _, raw := range block {
		total += ordering.TxEncodedSize(len(raw))
	}
	imp := inboxImportOf(t, block)
	t.Logf("import of %d messages: %d bytes; block %d bytes of %d", len(imp.GetMessages()), len(block[1]), total, inboxBlockBytes)
	if total > inboxBlockBytes {
		t.Fatalf("the proposal takes %d bytes, more than max_tx_bytes %d", total, inboxBlockBytes)
	}
}

// dueNet imports fs (L1 block 1) at height 2; at height 3 they are all
// due. It returns the net, height 3's E and last commit, and the honest
// block 3 of proposer 1.
func inboxDueNet(t *testing.T, fs ...[]byte) (*inboxNet, []forced.Message, abci.CommitInfo, [][]byte) {
	t.Helper()
	msgs := inboxBlock(1, fs...)
	src := func() L1Source { return newInboxL1(1, map[uint64][]forced.Message{1: msgs}) }
	n := newInboxNet(t, inboxGenesis(false), []L1Source{src(), src(), src(), src()})
	n.decide(t, 1, 0, nil)
	local, last := n.commitWithHeads(t, 1, 1, 1, 1, 1)
	block := n.prepare(t, 2, 0, local)
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 2, 0, block, last, n.nodes...)
	n.decide(t, 2, 0, block)
	if s := inboxStateOf(t, n.nodes[0].node); s.Len() != uint64(len(fs)) {
		t.Fatalf("queue %+v", s)
	}
	local, last = n.commitWithHeads(t, 2, 1, 1, 1, 1)
	return n, msgs, last, n.prepare(t, 3, 1, local)
}

// TestInboxForcedRegistrationIsRetried: a due forced tx that registers a
// rollup is never required (a registration can conflict with another
// account's), so a block may leave it out; the honest proposer includes it,
// and a block that leaves it out sends it back to the queue (retried up to
// forced.MaxRetries times), never skips it silently.
func TestInboxForcedRegistrationIsRetried(t *testing.T) {
	reg := fairUsers[0].sign(t, 0, fee, register("gamma", 0))
	other := fairUsers[1].sign(t, 0, fee, rollupData("beta", 5))
	n, msgs, last, block := inboxDueNet(t, reg, other)
	if !inboxSameTxs(inboxUserTxs(block), [][]byte{reg, other}) {
		t.Errorf("the honest block includes %v, want both forced txs", inboxHashes(inboxUserTxs(block)))
	}
	leftOut := [][]byte{block[0], other}
	for _, nd := range n.nodes {
		if st := n.processBy(t, nd, 3, 1, leftOut, last); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("node %s rejects a block leaving out a registration, which is never required", n.name(nd))
		}
	}
	n.decide(t, 3, 1, leftOut)
	if r := inboxRecord(t, n.nodes[0].node, msgs[0]); r.Status != forced.Queued || !strings.Contains(r.Reason, "queued again") {
		t.Fatalf("left-out registration: %v %q, want queued again", r.Status, r.Reason)
	}
	if s := inboxStateOf(t, n.nodes[0].node); s.Len() != 1 {
		t.Fatalf("queue after the retry: %+v", s)
	}
}

// TestInboxForcedTxFundedByEarlierForcedTx: dave's due forced tx is paid
// for by alice's forced transfer in the same due prefix. It is not required
// in that block (each sender is judged on committed state alone), so it may
// be left out; it is then queued again, and once alice's transfer has
// executed it is required: the next block must include it.
func TestInboxForcedTxFundedByEarlierForcedTx(t *testing.T) {
	fund := alice.sign(t, 0, fee, transfer(dave.addr, 100_000))
	spend := dave.sign(t, 0, fee, rollupData("beta", 5))
	n, msgs, last, block := inboxDueNet(t, fund, spend)
	users := inboxUserTxs(block)
	if len(users) == 0 || !bytes.Equal(users[0], fund) && !bytes.Equal(users[len(users)-1], fund) {
		t.Fatalf("the honest block %v lacks alice's transfer", inboxHashes(users))
	}
	// A block with alice's transfer only is acceptable at height 3.
	only := [][]byte{block[0], fund}
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_ACCEPT, 3, 1, only, last, n.nodes...)
	n.decide(t, 3, 1, only)
	if r := inboxRecord(t, n.nodes[0].node, msgs[1]); r.Status != forced.Queued {
		t.Fatalf("dave's tx after height 3: %v %q, want queued again", r.Status, r.Reason)
	}
	// At height 4 dave is funded: his tx is required.
	local, last4 := n.commitWithHeads(t, 3, 1, 1, 1, 1)
	honest := n.prepare(t, 4, 2, local)
	if !inboxSameTxs(inboxUserTxs(honest), [][]byte{spend}) {
		t.Fatalf("honest block 4 includes %v, want dave's tx", inboxHashes(inboxUserTxs(honest)))
	}
	n.wantStatus(t, abci.PROCESS_PROPOSAL_STATUS_REJECT, 4, 2, [][]byte{honest[0]}, last4, n.nodes...)
	n.decide(t, 4, 2, honest)
	if r := inboxRecord(t, n.nodes[0].node, msgs[1]); r.Status != forced.Included || r.Height != 4 {
		t.Fatalf("dave's tx: %v at %d, want included at 4", r.Status, r.Height)
	}
}
