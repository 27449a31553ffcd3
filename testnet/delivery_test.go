package testnet_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"

	"github.com/ordolabs/ordo/da-poster/batch"
	"github.com/ordolabs/ordo/da-poster/localda"
	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/rollup-adapters/kv"
	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/sequencer/tx"
	"github.com/ordolabs/ordo/testnet"
)

// recorder wraps a rollup's executor and records what the driver hands
// it and the state root after each height, so instances can be compared.
type recorder struct {
	sdk.Executor
	mu      sync.Mutex
	applied int64
	items   []sdk.Item
	roots   map[int64][]byte
}

func newRecorder(exec sdk.Executor) *recorder {
	return &recorder{Executor: exec, roots: make(map[int64][]byte)}
}

func (r *recorder) ExecuteBlock(ctx context.Context, b sdk.Block) ([]byte, error) {
	root, err := r.Executor.ExecuteBlock(ctx, b)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = append(r.items, b.Items...)
	r.applied = b.Height
	r.roots[b.Height] = root
	return root, nil
}

func (r *recorder) snapshot() (int64, []sdk.Item, map[int64][]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	roots := make(map[int64][]byte, len(r.roots))
	for h, v := range r.roots {
		roots[h] = v
	}
	return r.applied, append([]sdk.Item(nil), r.items...), roots
}

// TestRollupDelivery runs the delivery path end to end on 4 validator
// processes: two kv rollups, two independent instances each (own badger
// store, own SDK driver and light client, connected to different
// validators), every height verified. Each rollup must receive exactly its
// submitted items, each account's in nonce order, execute them (including
// ops that fail), and both instances must agree on the state root at every
// height. Then tampered deliveries are fed to the verifier and each must
// fail with its specific error.
func TestRollupDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 validator processes")
	}
	const (
		accounts   = 3
		txsPerAcct = 30
	)
	net := testnet.Start(t, testnet.Options{Validators: 4, FirstIP: 41, DevAccounts: accounts})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := net.WaitForHeight(ctx, 2); err != nil {
		t.Fatal(err)
	}
	rollups := []tx.RollupID{net.Rollup("demo-a"), net.Rollup("demo-b")}
	genesis := kv.Genesis{Balances: map[tx.Address]uint64{}}
	for a := 0; a < accounts; a++ {
		genesis.Balances[net.Signer(a).Address()] = 1000
	}

	// Two kv instances per rollup, on different validators.
	type instance struct {
		rollup int
		kv     *kv.Rollup
		rec    *recorder
		conn   *testnet.RollupConn
	}
	var instances []*instance
	runCtx, stopDrivers := context.WithCancel(ctx)
	var drivers sync.WaitGroup
	defer func() { stopDrivers(); drivers.Wait() }()
	for ri, id := range rollups {
		for k := 0; k < 2; k++ {
			conn, err := net.RollupClient(ctx, (ri*2+k)%4, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			state, err := kv.Open(t.TempDir(), genesis)
			if err != nil {
				t.Fatal(err)
			}
			defer state.Close()
			in := &instance{rollup: ri, kv: state, rec: newRecorder(state), conn: conn}
			instances = append(instances, in)
			d := &sdk.Driver{Client: conn.Client, Exec: in.rec, Backoff: 200 * time.Millisecond}
			drivers.Add(1)
			go func() { defer drivers.Done(); _ = d.Run(runCtx) }()
		}
	}

	// Submit kv ops for both rollups from every account: puts, and every
	// 5th a transfer, every 10th one that cannot be paid.
	want := make([][]string, len(rollups))
	transfers := make([]map[tx.Address]int64, len(rollups))
	for ri := range transfers {
		transfers[ri] = map[tx.Address]int64{}
	}
	var hashes []string
	labels := map[string]string{} // tx hash → label
	c0, err := net.Client(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c0.Close()
	for n := 0; n < txsPerAcct; n++ {
		for a := 0; a < accounts; a++ {
			ri := (a + n) % 2
			label := fmt.Sprintf("acct%d/n%03d/r%d", a, n, ri)
			var op kv.Op = kv.Put{Key: []byte(label[6:]), Value: []byte(label)}
			from, to := net.Signer(a).Address(), net.Signer((a+1)%accounts).Address()
			switch {
			case n%10 == 9:
				op = kv.Transfer{To: to, Amount: 1 << 40} // fails: insufficient balance
			case n%5 == 4:
				op = kv.Transfer{To: to, Amount: 7}
				transfers[ri][from] -= 7
				transfers[ri][to] += 7
			}
			data, err := kv.EncodeOp(op)
			if err != nil {
				t.Fatal(err)
			}
			want[ri] = append(want[ri], label)
			raw, err := net.Signer(a).Sign(uint64(n), client.RollupData(rollups[ri], data))
			if err != nil {
				t.Fatal(err)
			}
			res, err := c0.Submit.SubmitTx(ctx, &sequencerv1.SubmitTxRequest{Tx: raw})
			if err != nil || res.Code != 0 {
				t.Fatalf("submit %s: %v %+v", label, err, res)
			}
			labels[res.Hash] = label
			hashes = append(hashes, res.Hash)
		}
	}
	var last int64
	for _, h := range hashes {
		st, err := c0.WaitCommitted(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		last = max(last, st.Height)
	}

	// Every instance executes through the last height with items.
	for _, in := range instances {
		for {
			applied, _, _ := in.rec.snapshot()
			if applied >= last {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("rollup %d instance stuck at height %d, want %d", in.rollup, applied, last)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	stopDrivers()
	drivers.Wait()

	for ri := range rollups {
		a, b := instances[2*ri], instances[2*ri+1]
		_, itemsA, rootsA := a.rec.snapshot()
		_, itemsB, rootsB := b.rec.snapshot()
		got := make([]string, len(itemsA))
		for i, it := range itemsA {
			got[i] = labels[it.TxHash.String()]
		}
		// Exactly the submitted items: same multiset, nothing foreign.
		sortedGot, sortedWant := append([]string(nil), got...), append([]string(nil), want[ri]...)
		sort.Strings(sortedGot)
		sort.Strings(sortedWant)
		if fmt.Sprint(sortedGot) != fmt.Sprint(sortedWant) {
			t.Fatalf("rollup %d received %d items, want %d:\n got %v\nwant %v", ri, len(got), len(want[ri]), got, want[ri])
		}
		// Each account's items in nonce order.
		lastNonce := map[string]string{}
		for _, g := range got {
			acct, rest := g[:5], g[5:]
			if prev, ok := lastNonce[acct]; ok && rest <= prev {
				t.Fatalf("rollup %d: %s%s delivered after %s%s", ri, acct, rest, acct, prev)
			}
			lastNonce[acct] = rest
		}
		if len(itemsA) != len(itemsB) {
			t.Fatalf("rollup %d: instances received %d and %d items", ri, len(itemsA), len(itemsB))
		}
		t.Logf("rollup %d: %d items over heights 1..%d, both instances agree", ri, len(got), last)
		for h := int64(1); h <= last; h++ {
			if rootsA[h] == nil || !bytes.Equal(rootsA[h], rootsB[h]) {
				t.Fatalf("rollup %d: instances disagree at height %d (%X vs %X)", ri, h, rootsA[h], rootsB[h])
			}
		}
		// The ops took effect: every put is readable, balances moved by
		// exactly the payable transfers.
		for _, label := range want[ri] {
			var acct, n int
			fmt.Sscanf(label, "acct%d/n%d", &acct, &n)
			if n%5 == 4 {
				continue
			}
			v, ok, err := a.kv.Get(net.Signer(acct).Address(), []byte(label[6:]))
			if err != nil || !ok || string(v) != label {
				t.Fatalf("rollup %d: %s reads %q, %v, %v", ri, label, v, ok, err)
			}
		}
		for addr, bal := range genesis.Balances {
			got, err := a.kv.Balance(addr)
			if err != nil || int64(got) != int64(bal)+transfers[ri][addr] {
				t.Fatalf("rollup %d: balance of %s = %d, %v; want %d", ri, addr, got, err, int64(bal)+transfers[ri][addr])
			}
		}
	}

	t.Run("every height becomes firm on the local DA", func(t *testing.T) {
		checkFirm(ctx, t, net, instances[0].conn, rollups, want, last)
	})
	t.Run("tampered deliveries are detected", func(t *testing.T) {
		checkTampering(ctx, t, instances[0].conn, instances[2].conn, rollups, last)
	})
}

// checkFirm waits for every validator to report every height up to last
// firm, then reads the batches back from the DA store with the SDK's
// DAReader, which checks each height's record against the light-client
// verified app hash, and counts each rollup's items.
func checkFirm(ctx context.Context, t *testing.T, net *testnet.Network, conn *testnet.RollupConn, rollups []tx.RollupID, want [][]string, last int64) {
	if err := net.WaitFirm(ctx, "local", last); err != nil {
		t.Fatal(err)
	}
	// Anyone can post to the DA layer: a forged copy claiming a far-future
	// height must not stall readers (its height cannot be verified yet).
	forged, err := (&deliveryv1.BlockRecord{Height: 1_000_000}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	blob, err := batch.Encode(1_000_000, [][]byte{forged})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := net.DAStore().Submit(blob); err != nil {
		t.Fatal(err)
	}
	last += 2 // honest batches land after the forged one
	if err := net.WaitFirm(ctx, "local", last); err != nil {
		t.Fatal(err)
	}
	reader := &sdk.DAReader{DA: localda.NewBackend(net.DAStore()), Headers: conn.Light}
	if _, err := reader.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	// The forged blob waits (with, possibly, the newest honest one, whose
	// next header is not committed yet); it stalls nothing.
	if reader.Pending() < 1 {
		t.Fatalf("%d blobs pending, want at least the forged one", reader.Pending())
	}
	if firm := reader.FirmThrough(1); firm < last {
		t.Fatalf("valid copies on DA through height %d, want >= %d (%d copies skipped)", firm, last, reader.Skipped)
	}
	if reader.Skipped != 0 {
		t.Fatalf("%d invalid copies on DA from honest posters", reader.Skipped)
	}
	for ri, id := range rollups {
		n := 0
		for h := int64(1); h <= last; h++ {
			rec, _ := reader.Record(h)
			for _, r := range rec.Rollups {
				if bytes.Equal(r.RollupId, id[:]) {
					n += len(r.Items)
				}
			}
		}
		if n != len(want[ri]) {
			t.Fatalf("rollup %d: %d items on DA, submitted %d", ri, n, len(want[ri]))
		}
	}
}

// checkTampering fetches honest deliveries, alters them, and checks the
// verifier names each alteration.
func checkTampering(ctx context.Context, t *testing.T, connA, connB *testnet.RollupConn, rollups []tx.RollupID, last int64) {
	svcA := connA.Delivery
	// A height where rollup A has at least two items.
	var rich *deliveryv1.RollupBlock
	for h := int64(1); h <= last && rich == nil; h++ {
		rb, err := svcA.GetRollupBlock(ctx, &deliveryv1.GetRollupBlockRequest{RollupId: rollups[0][:], Height: h})
		if err != nil {
			t.Fatal(err)
		}
		if len(rb.Items) >= 2 {
			rich = rb
		}
	}
	if rich == nil {
		t.Fatal("no height with two items for rollup A")
	}
	h := rich.Height
	if _, err := connA.Verifier.Verify(ctx, h, rich); err != nil {
		t.Fatalf("honest delivery rejected: %v", err)
	}
	other, err := svcA.GetRollupBlock(ctx, &deliveryv1.GetRollupBlockRequest{RollupId: rollups[1][:], Height: h})
	if err != nil {
		t.Fatal(err)
	}
	// A height past the last item: both rollups have none there.
	empty, err := svcA.GetRollupBlock(ctx, &deliveryv1.GetRollupBlockRequest{RollupId: rollups[0][:], Height: last + 1})
	if err != nil {
		// last+1 may not be deliverable yet; wait for it.
		time.Sleep(2 * time.Second)
		if empty, err = svcA.GetRollupBlock(ctx, &deliveryv1.GetRollupBlockRequest{RollupId: rollups[0][:], Height: last + 1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := connA.Verifier.Verify(ctx, last+1, empty); err != nil || len(empty.Items) != 0 {
		t.Fatalf("honest empty delivery: %d items, %v", len(empty.Items), err)
	}

	clone := func(rb *deliveryv1.RollupBlock) *deliveryv1.RollupBlock {
		b, err := rb.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		var out deliveryv1.RollupBlock
		if err := out.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		return &out
	}
	cases := []struct {
		name   string
		height int64
		base   *deliveryv1.RollupBlock
		tamper func(rb *deliveryv1.RollupBlock)
		want   error
	}{
		{"item dropped", h, rich, func(rb *deliveryv1.RollupBlock) { rb.Items = rb.Items[1:] }, sdk.ErrCountMismatch},
		{"items reordered", h, rich, func(rb *deliveryv1.RollupBlock) { rb.Items[0], rb.Items[1] = rb.Items[1], rb.Items[0] }, sdk.ErrItemsMismatch},
		{"item altered", h, rich, func(rb *deliveryv1.RollupBlock) { rb.Items[0].Data = append([]byte("x"), rb.Items[0].Data...) }, sdk.ErrItemsMismatch},
		{"foreign item swapped in", h, rich, func(rb *deliveryv1.RollupBlock) {
			if len(other.Items) == 0 {
				rb.Items[0].Data = []byte("acct9/n999/r1")
				return
			}
			rb.Items[0] = other.Items[0]
		}, sdk.ErrItemsMismatch},
		{"foreign item inserted", h, rich, func(rb *deliveryv1.RollupBlock) {
			rb.Items = append(rb.Items, &sequencerv1.RollupItem{TxHash: rb.Items[0].TxHash, Sender: rb.Items[0].Sender, Data: []byte("extra")})
		}, sdk.ErrCountMismatch},
		{"items added to an empty height", last + 1, empty, func(rb *deliveryv1.RollupBlock) { rb.Items = rich.Items }, sdk.ErrUnexpectedItems},
		{"another rollup's delivery", h, other, func(*deliveryv1.RollupBlock) {}, sdk.ErrWrongRollup},
		{"proof for another height", h, rich, func(rb *deliveryv1.RollupBlock) { rb.Height = h + 1 }, sdk.ErrWrongHeight},
		{"commitment altered", h, rich, func(rb *deliveryv1.RollupBlock) { rb.Commitment.StateDigest[0] ^= 1 }, sdk.ErrAppHashMismatch},
		{"rollups root altered", h, rich, func(rb *deliveryv1.RollupBlock) { rb.Commitment.RollupsRoot[0] ^= 1 }, sdk.ErrAppHashMismatch},
		{"forged header", h, rich, func(rb *deliveryv1.RollupBlock) {
			var sh cmtproto.SignedHeader
			if err := sh.Unmarshal(rb.SignedHeader); err != nil {
				t.Fatal(err)
			}
			sh.Header.AppHash = bytes.Repeat([]byte{7}, 32)
			b, err := sh.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			rb.SignedHeader = b
		}, sdk.ErrHeaderMismatch},
		{"garbage header", h, rich, func(rb *deliveryv1.RollupBlock) { rb.SignedHeader = []byte{0xff, 0x01} }, sdk.ErrMalformed},
	}
	for _, c := range cases {
		rb := clone(c.base)
		c.tamper(rb)
		_, err := connA.Verifier.Verify(ctx, c.height, rb)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	// Rollup B's verifier accepts B's own delivery at the same height.
	if _, err := connB.Verifier.Verify(ctx, h, other); err != nil {
		t.Fatalf("honest delivery for rollup B rejected: %v", err)
	}
}
