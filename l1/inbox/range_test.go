package inbox

import (
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// A range longer than Messages' window, read over HTTP and WebSocket with
// parallel fetches, gives the messages in order; a cached block that does
// not link to its neighbour is reported as an inconsistent endpoint and
// refetched on retry.
func TestLongRangeAndLinks(t *testing.T) {
	c := startChain(t, nil)
	ctx := testCtx(t)
	cl := dial(t, c.RPCURL())
	key := c.DevKeys()[0]
	var sent []common.Hash
	for i := 1; i <= window+40; i++ {
		if i == 2 || i == window || i == window+1 || i == window+30 {
			h, err := Send(ctx, cl, key, c.ChainID(), eoaInbox, []byte{byte(i), byte(i >> 8)})
			if err != nil {
				t.Fatal(err)
			}
			sent = append(sent, h)
		}
		commit(t, c)
	}
	fin := c.Finalized().Number.Uint64()
	for _, url := range []string{c.RPCURL(), c.WSURL()} {
		f := newFollower(t, url, eoaInbox, func(cfg *Config) { cfg.FetchParallelism = 8 })
		if err := f.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		if f.Finalized() != fin {
			t.Fatalf("%s: Finalized %d, chain %d", url, f.Finalized(), fin)
		}
		ms := mustMessages(t, f, 0, fin)
		if len(ms) != len(sent) {
			t.Fatalf("%s: %d messages, want %d", url, len(ms), len(sent))
		}
		for i, m := range ms {
			if m.L1Tx != sent[i] {
				t.Fatalf("%s: message %d is %s, want %s", url, i, m.L1Tx, sent[i])
			}
		}
		if n := f.cache.len(); uint64(n) != fin+1 {
			t.Fatalf("%s: %d blocks cached, want %d", url, n, fin+1)
		}
	}

	// Tamper with the cache: block 100 claims another parent.
	f := newFollower(t, c.RPCURL(), eoaInbox, nil)
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	mustMessages(t, f, 90, 110)
	bad, _ := f.cache.get(100)
	forged := *bad
	forged.parent = common.Hash{1}
	f.cache.put(&forged)
	if _, err := f.Messages(ctx, 90, 110); err == nil || !strings.Contains(err.Error(), "inconsistent endpoint") {
		t.Fatalf("Messages over a broken link: %v", err)
	}
	mustMessages(t, f, 90, 110) // refetched
	if r, _ := f.cache.get(100); r.parent != bad.parent {
		t.Fatal("forged entry still cached")
	}
}
