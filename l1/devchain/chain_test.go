package devchain_test

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/params"
)

func TestValueTransferIncluded(t *testing.T) {
	c := startChain(t, nil)
	ctx := testCtx(t)
	cl := dial(t, c)

	id, err := cl.ChainID(ctx)
	if err != nil || id.Uint64() != 1337 {
		t.Fatalf("chain id %v, %v; want 1337", id, err)
	}
	to := c.DevAddresses()[1]
	before, err := cl.BalanceAt(ctx, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	value := big.NewInt(params.Ether)
	tx := valueTx(t, ctx, cl, c.DevKeys()[0], c.ChainID(), to, value)
	if err := cl.SendTransaction(ctx, tx); err != nil {
		t.Fatalf("send: %v", err)
	}
	commitReceipt(t, ctx, c, cl, tx)
	after, err := cl.BalanceAt(ctx, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := new(big.Int).Sub(after, before); got.Cmp(value) != 0 {
		t.Fatalf("balance grew by %v, want %v", got, value)
	}
}

// The WebSocket endpoint serves subscriptions (e.g. new heads for an L1
// watcher).
func TestWebSocketNewHeads(t *testing.T) {
	c := startChain(t, nil)
	ctx := testCtx(t)
	cl, err := ethclient.DialContext(ctx, c.WSURL())
	if err != nil {
		t.Fatalf("dial %s: %v", c.WSURL(), err)
	}
	defer cl.Close()
	heads := make(chan *types.Header, 4)
	sub, err := cl.SubscribeNewHead(ctx, heads)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	b, err := c.Commit()
	if err != nil {
		t.Fatal(err)
	}
	select {
	case h := <-heads:
		if h.Hash() != b.Hash() {
			t.Fatalf("got head %d, committed %d", h.Number, b.Number())
		}
	case err := <-sub.Err():
		t.Fatal(err)
	case <-ctx.Done():
		t.Fatal("no new head")
	}
}
