package inbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ordolabs/ordo/l1/devchain"
)

// want is an expected message, checked against the receipt of its tx.
type want struct {
	tx       common.Hash
	from     common.Address
	data     []byte
	oversize bool
}

// TestMessages sends, to a contract inbox, three messages (two in block 1,
// one in block 3) and an oversize one, plus transactions that are not
// messages: calldata to another address, a reverted call to the inbox, an
// empty-calldata transfer to the inbox. Messages returns exactly the
// messages, in order, with their fields.
func TestMessages(t *testing.T) {
	c := startChain(t, nil)
	ctx := testCtx(t)
	cl := dial(t, c.RPCURL())
	keys, addrs, chainID := c.DevKeys(), c.DevAddresses(), c.ChainID()
	send := func(k int, to common.Address, data []byte) common.Hash {
		t.Helper()
		h, err := Send(ctx, cl, keys[k], chainID, to, data)
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		return h
	}
	msgA, msgB, msgC := []byte("ordo tx A"), []byte("ordo tx B"), []byte("ordo tx C")
	huge := bytes.Repeat([]byte{0x42}, 100) // over MaxDataBytes 64

	// Block 1.
	a := send(0, contractInbox, msgA)
	b := send(1, contractInbox, msgB)
	other := send(2, common.HexToAddress("0x0000000000000000000000000000000000000abc"), []byte("not for the inbox"))
	reverted := signed(t, ctx, cl, keys[3], chainID, contractInbox, 0, []byte{0xff, 1, 2}, 100_000).Hash()
	if n := len(commit(t, c).Transactions()); n != 4 {
		t.Fatalf("block 1 has %d txs, want 4", n)
	}
	commit(t, c) // block 2: empty
	// Block 3.
	cc := send(0, contractInbox, msgC)
	empty := signed(t, ctx, cl, keys[1], chainID, contractInbox, 1, nil, 100_000).Hash()
	over := send(2, contractInbox, huge)
	if n := len(commit(t, c).Transactions()); n != 3 {
		t.Fatalf("block 3 has %d txs, want 3", n)
	}
	for _, h := range []common.Hash{other, empty} {
		if r, err := cl.TransactionReceipt(ctx, h); err != nil || r.Status != types.ReceiptStatusSuccessful {
			t.Fatalf("tx %s: receipt %v, err %v; want success", h, r, err)
		}
	}
	if r, err := cl.TransactionReceipt(ctx, reverted); err != nil || r.Status != types.ReceiptStatusFailed {
		t.Fatalf("reverting tx: receipt %v, err %v; want failed", r, err)
	}

	f := newFollower(t, c.RPCURL(), contractInbox, nil)
	if _, err := f.Messages(ctx, 0, 0); !errors.Is(err, ErrNotFinalized) {
		t.Fatalf("Messages before any poll: %v, want ErrNotFinalized", err)
	}
	if ok, err := f.Healthy(); ok || err == nil {
		t.Fatalf("Healthy before any poll: %v, %v", ok, err)
	}
	// Head 3, finalized 1: block 3 is not final yet.
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.Finalized(); got != 1 {
		t.Fatalf("Finalized %d at head 3, want 1", got)
	}
	if _, err := f.Messages(ctx, 0, 3); !errors.Is(err, ErrNotFinalized) {
		t.Fatalf("Messages(0, 3) at finalized 1: %v, want ErrNotFinalized", err)
	}
	commit(t, c)
	commit(t, c) // head 5, finalized 3
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.Finalized(); got != 3 {
		t.Fatalf("Finalized %d at head 5, want 3", got)
	}
	if ok, err := f.Healthy(); !ok || err != nil {
		t.Fatalf("Healthy: %v, %v", ok, err)
	}

	block1 := sortByIndex(t, cl, want{tx: a, from: addrs[0], data: msgA}, want{tx: b, from: addrs[1], data: msgB})
	block3 := sortByIndex(t, cl, want{tx: cc, from: addrs[0], data: msgC}, want{tx: over, from: addrs[2], oversize: true})
	for _, tc := range []struct {
		from, to uint64
		want     []want
	}{
		{0, 3, append(slices.Clone(block1), block3...)},
		{1, 3, append(slices.Clone(block1), block3...)},
		{0, 1, block1},
		{1, 1, block1},
		{2, 2, nil},
		{2, 3, block3},
		{3, 3, block3},
		{3, 2, nil}, // empty range
	} {
		got, err := f.Messages(ctx, tc.from, tc.to)
		if err != nil {
			t.Fatalf("Messages(%d, %d): %v", tc.from, tc.to, err)
		}
		checkMessages(t, ctx, cl, fmt.Sprintf("Messages(%d, %d)", tc.from, tc.to), got, tc.want)
	}
	if _, err := f.Messages(ctx, 0, 4); !errors.Is(err, ErrNotFinalized) {
		t.Fatalf("Messages(0, 4) at finalized 3: %v, want ErrNotFinalized", err)
	}

	// Results share no memory with the cache.
	got, _ := f.Messages(ctx, 1, 1)
	got[0].Data[0] ^= 0xff
	checkMessages(t, ctx, cl, "after modifying a result", mustMessages(t, f, 1, 1), block1)

	// StartBlock filters.
	g := newFollower(t, c.RPCURL(), contractInbox, func(cfg *Config) { cfg.StartBlock = 2 })
	if err := g.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	checkMessages(t, ctx, cl, "StartBlock 2, Messages(0, 3)", mustMessages(t, g, 0, 3), block3)
	checkMessages(t, ctx, cl, "StartBlock 2, Messages(0, 1)", mustMessages(t, g, 0, 1), nil)

	// A follower of another inbox sees none of these.
	h := newFollower(t, c.RPCURL(), eoaInbox, nil)
	if err := h.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	checkMessages(t, ctx, cl, "other inbox", mustMessages(t, h, 0, 3), nil)

	// The reverted tx is final, and WaitFinalized says so.
	if n, err := WaitFinalized(ctx, cl, reverted); !errors.Is(err, ErrReverted) || n != 1 {
		t.Fatalf("WaitFinalized(reverted): %d, %v; want 1, ErrReverted", n, err)
	}

	// Finalized data is cached: with the chain gone, f still answers.
	before := mustMessages(t, f, 0, 3)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	after := mustMessages(t, f, 0, 3)
	if !slices.EqualFunc(before, after, equalMessage) {
		t.Fatalf("from cache after chain stop: %+v, want %+v", after, before)
	}
}

// sortByIndex orders ws by the position of their txs in the block.
func sortByIndex(t *testing.T, cl interface {
	TransactionReceipt(context.Context, common.Hash) (*types.Receipt, error)
}, ws ...want) []want {
	t.Helper()
	idx := func(w want) uint {
		r, err := cl.TransactionReceipt(testCtx(t), w.tx)
		if err != nil {
			t.Fatal(err)
		}
		return r.TransactionIndex
	}
	slices.SortFunc(ws, func(a, b want) int { return int(idx(a)) - int(idx(b)) })
	return ws
}

func mustMessages(t *testing.T, f *Follower, from, to uint64) []Message {
	t.Helper()
	ms, err := f.Messages(testCtx(t), from, to)
	if err != nil {
		t.Fatalf("Messages(%d, %d): %v", from, to, err)
	}
	return ms
}

// checkMessages compares got with ws, taking block and index from the
// receipts of ws's txs.
func checkMessages(t *testing.T, ctx context.Context, cl interface {
	TransactionReceipt(context.Context, common.Hash) (*types.Receipt, error)
}, what string, got []Message, ws []want) {
	t.Helper()
	if len(got) != len(ws) {
		t.Fatalf("%s: %d messages %+v, want %d", what, len(got), got, len(ws))
	}
	for i, w := range ws {
		r, err := cl.TransactionReceipt(ctx, w.tx)
		if err != nil {
			t.Fatalf("%s: receipt of %s: %v", what, w.tx, err)
		}
		m := got[i]
		size := len(w.data)
		if w.oversize {
			size = 100
		}
		if m.L1Block != r.BlockNumber.Uint64() || m.TxIndex != uint32(r.TransactionIndex) || m.L1Tx != w.tx ||
			m.From != w.from || !bytes.Equal(m.Data, w.data) || m.Oversize != w.oversize || m.Size != size {
			t.Fatalf("%s: message %d = %+v, want tx %s block %d index %d from %s data %q oversize %v size %d",
				what, i, m, w.tx, r.BlockNumber, r.TransactionIndex, w.from, w.data, w.oversize, size)
		}
	}
}

// Finalized follows the chain's finalized tag through the poll loop,
// lagging the head by FinalityDepth and never decreasing.
func TestFinalizedFollowsChain(t *testing.T) {
	const depth = 3
	c := startChain(t, func(cfg *devchain.Config) { cfg.FinalityDepth = depth })
	f := newFollower(t, c.RPCURL(), eoaInbox, nil)
	f.Start()
	f.Start() // no-op
	waitFor(t, "first poll", func() bool { ok, _ := f.Healthy(); return ok })
	if got := f.Finalized(); got != 0 {
		t.Fatalf("Finalized %d at genesis", got)
	}
	var last uint64
	for i := uint64(1); i <= 7; i++ {
		head := commit(t, c).NumberU64()
		want := uint64(0)
		if head > depth {
			want = head - depth
		}
		waitFor(t, fmt.Sprintf("finalized %d", want), func() bool {
			got := f.Finalized()
			if got < last {
				t.Fatalf("Finalized went back %d -> %d", last, got)
			}
			last = got
			return got == want
		})
		if got := c.Finalized().Number.Uint64(); got != want {
			t.Fatalf("chain finalized %d, want %d", got, want)
		}
	}
}

// A follower of a closed port reports unhealthy, Finalized 0, refuses
// Messages, and stops cleanly.
func TestUnreachableEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for _, url := range []string{"http://" + addr, "ws://" + addr} {
		f := newFollower(t, url, eoaInbox, nil)
		f.Start()
		waitFor(t, "a failed poll", func() bool { _, err := f.Healthy(); return err != nil && err != errNotPolled })
		ok, err := f.Healthy()
		if ok || err == nil {
			t.Fatalf("%s: Healthy %v, %v", url, ok, err)
		}
		t.Logf("%s: %v", url, err)
		if got := f.Finalized(); got != 0 {
			t.Fatalf("%s: Finalized %d", url, got)
		}
		if _, err := f.Messages(testCtx(t), 0, 0); !errors.Is(err, ErrNotFinalized) {
			t.Fatalf("%s: Messages: %v, want ErrNotFinalized", url, err)
		}
		f.Stop()
		f.Stop()
		if err := f.Poll(testCtx(t)); !errors.Is(err, ErrStopped) {
			t.Fatalf("Poll after Stop: %v", err)
		}
		if ok, err := f.Healthy(); ok || err == nil {
			t.Fatalf("Healthy after Stop: %v, %v", ok, err)
		}
	}
}

// The endpoint going away and coming back (same address): the follower
// reports unhealthy, keeps Finalized, fails reads of uncached blocks with
// an error, serves cached ones, and resumes by itself.
func TestEndpointDownAndBack(t *testing.T) {
	for _, scheme := range []string{"http", "ws"} {
		t.Run(scheme, func(t *testing.T) { testEndpointDownAndBack(t, scheme) })
	}
}

func testEndpointDownAndBack(t *testing.T, scheme string) {
	c := startChain(t, nil)
	ctx := testCtx(t)
	cl := dial(t, c.RPCURL())
	key, from := c.DevKeys()[0], c.DevAddresses()[0]
	tx1, err := Send(ctx, cl, key, c.ChainID(), eoaInbox, []byte("before"))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		commit(t, c) // head 3, finalized 1
	}
	p := newTCPProxy(t, strings.TrimPrefix(c.RPCURL(), "http://"))
	f := newFollower(t, scheme+"://"+p.addr, eoaInbox, nil)
	f.Start()
	waitFor(t, "finalized 1", func() bool { return f.Finalized() == 1 })
	if ms := mustMessages(t, f, 1, 1); len(ms) != 1 || ms[0].L1Tx != tx1 || ms[0].From != from {
		t.Fatalf("block 1 messages %+v", ms)
	}

	p.down()
	waitFor(t, "unhealthy", func() bool { ok, _ := f.Healthy(); return !ok })
	tx2, err := Send(ctx, cl, key, c.ChainID(), eoaInbox, []byte("during"))
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		commit(t, c) // head 7, finalized 5; tx2 in block 4
	}
	if got := f.Finalized(); got != 1 {
		t.Fatalf("Finalized %d while down, want 1", got)
	}
	if _, err := f.Messages(ctx, 1, 1); err != nil {
		t.Fatalf("cached Messages while down: %v", err)
	}
	if err := f.Poll(ctx); err == nil {
		t.Fatal("Poll succeeded while down")
	}
	// Uncached finalized blocks cannot be read while down: drop the cache.
	f.cache.remove(1)
	if _, err := f.Messages(ctx, 1, 1); err == nil || errors.Is(err, ErrNotFinalized) {
		t.Fatalf("uncached Messages while down: %v, want a fetch error", err)
	}

	p.up(t)
	waitFor(t, "finalized 5", func() bool { return f.Finalized() == 5 })
	if ok, err := f.Healthy(); !ok || err != nil {
		t.Fatalf("Healthy after recovery: %v, %v", ok, err)
	}
	ms := mustMessages(t, f, 0, 5)
	if len(ms) != 2 || ms[0].L1Tx != tx1 || ms[1].L1Tx != tx2 || ms[1].L1Block != 4 || string(ms[1].Data) != "during" {
		t.Fatalf("messages after recovery %+v", ms)
	}
}

// A follower whose chain stops keeps its last Finalized and reports
// unhealthy.
func TestChainStops(t *testing.T) {
	c := startChain(t, nil)
	f := newFollower(t, c.RPCURL(), eoaInbox, nil)
	f.Start()
	for range 5 {
		commit(t, c)
	}
	waitFor(t, "finalized 3", func() bool { return f.Finalized() == 3 })
	// The poll loop reads finalized blocks ahead: the readable head
	// follows the finalized one.
	waitFor(t, "readable head 3", func() bool { return f.ReadableHead() == 3 })
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "unhealthy", func() bool { ok, _ := f.Healthy(); return !ok })
	_, err := f.Healthy()
	t.Logf("after chain stop: %v", err)
	if got := f.Finalized(); got != 3 {
		t.Fatalf("Finalized %d after chain stop, want 3", got)
	}
	if got := f.ReadableHead(); got != 3 {
		t.Fatalf("ReadableHead %d after chain stop, want 3", got)
	}
	// Prefetched blocks are served from the cache; nothing above them is.
	if _, err := f.Messages(testCtx(t), 2, 3); err != nil {
		t.Fatalf("Messages of prefetched blocks with the chain stopped: %v", err)
	}
	if _, err := f.Messages(testCtx(t), 2, 4); err == nil {
		t.Fatal("Messages above the finalized head succeeded")
	}
}

// Send to an inbox without code, WaitFinalized, then read it back.
func TestSendWaitFinalized(t *testing.T) {
	c := startChain(t, func(cfg *devchain.Config) { cfg.BlockPeriod = 50 * time.Millisecond })
	ctx := testCtx(t)
	cl := dial(t, c.RPCURL())
	if code, err := cl.CodeAt(ctx, eoaInbox, nil); err != nil || len(code) != 0 {
		t.Fatalf("inbox code %x, %v; want none", code, err)
	}
	if _, err := Send(ctx, cl, c.DevKeys()[0], c.ChainID(), eoaInbox, nil); err == nil {
		t.Fatal("Send with empty calldata succeeded")
	}
	key := c.DevKeys()[1]
	data := []byte{0x0a, 0x03, 'o', 'r', 'd', 'o', 0x00, 0x00} // zero bytes too
	h, err := Send(ctx, cl, key, c.ChainID(), eoaInbox, data)
	if err != nil {
		t.Fatal(err)
	}
	n, err := WaitFinalized(ctx, cl, h)
	if err != nil {
		t.Fatalf("WaitFinalized: %v", err)
	}
	if fin := c.Finalized().Number.Uint64(); fin < n {
		t.Fatalf("WaitFinalized returned block %d, chain finalized %d", n, fin)
	}
	r, err := cl.TransactionReceipt(ctx, h)
	if err != nil || r.BlockNumber.Uint64() != n || r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("receipt %+v, %v", r, err)
	}
	f := newFollower(t, c.RPCURL(), eoaInbox, nil)
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	ms := mustMessages(t, f, n, n)
	want := Message{L1Block: n, TxIndex: uint32(r.TransactionIndex), L1Tx: h, From: crypto.PubkeyToAddress(key.PublicKey), Data: data, Size: len(data)}
	if len(ms) != 1 || !equalMessage(ms[0], want) {
		t.Fatalf("messages %+v, want [%+v]", ms, want)
	}
}

func equalMessage(a, b Message) bool {
	return a.L1Block == b.L1Block && a.TxIndex == b.TxIndex && a.L1Tx == b.L1Tx && a.From == b.From &&
		bytes.Equal(a.Data, b.Data) && a.Size == b.Size && a.Oversize == b.Oversize
}
