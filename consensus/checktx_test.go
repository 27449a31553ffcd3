package consensus

import (
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/sequencer/tx"
)

func TestCheckTxRejectsBadInput(t *testing.T) {
	cfg := mempool.DefaultConfig()
	cfg.MaxTxsPerAccount = 2
	n := openNode(t, "", cfg)
	n.initChain(t)
	// Block 1 uses alice's nonce 0, so nonce 0 is stale afterwards.
	n.decide(t, 1, [][]byte{alice.sign(t, 0, fee, rollupData("beta", 1))})

	dup := bob.sign(t, 0, fee, rollupData("beta", 5))
	taken := alice.sign(t, 1, fee, rollupData("beta", 5))
	n.mustCheckTx(t, dup, taken, erin.sign(t, 0, fee, rollupData("beta", 1)), erin.sign(t, 1, fee, rollupData("beta", 1)))

	cases := []struct {
		name string
		raw  []byte
		want *tx.Error
		frag string
	}{
		{"oversized", alice.sign(t, 1, fee, rollupData("beta", maxTxBytes)), tx.ErrTooLarge, "limit 2048"},
		{"undecodable", []byte{0xde, 0xad, 0xbe, 0xef}, tx.ErrDecode, "envelope"},
		{"empty", nil, tx.ErrDecode, "empty"},
		{"bad signature", badSignature(t, alice.sign(t, 1, fee, rollupData("beta", 7))), tx.ErrInvalidSignature, "does not match"},
		{"wrong chain id", alice.signChain(t, "other-chain", 1, fee, rollupData("beta", 1)), tx.ErrWrongChainID, "other-chain"},
		{"stale nonce", alice.sign(t, 0, fee, rollupData("beta", 2)), tx.ErrStaleNonce, "at nonce 1, tx has 0"},
		{"nonce too far ahead", alice.sign(t, 1000+cfg.MaxNonceGap, fee, rollupData("beta", 1)), tx.ErrFutureNonce, "ahead"},
		{"unknown rollup", alice.sign(t, 2, fee, rollupData("nope", 1)), tx.ErrUnknownRollup, "not registered"},
		{"unknown bundle leg", alice.sign(t, 2, fee, bundle(3, "alpha", "nope")), tx.ErrUnknownRollup, "not registered"},
		{"insufficient fee", alice.sign(t, 2, 10, rollupData("beta", 1)), tx.ErrInsufficientFee, "below the minimum"},
		{"insufficient balance", carol.sign(t, 0, fee, rollupData("beta", 1)), tx.ErrInsufficientBalance, "has 100"},
		{"unfunded account", dave.sign(t, 0, fee, rollupData("beta", 1)), tx.ErrInsufficientBalance, "has 0"},
		{"bundle with one leg", alice.sign(t, 2, fee, bundle(3, "alpha")), tx.ErrInvalidAction, "at least 2"},
		{"bundle with duplicate rollups", alice.sign(t, 2, fee, bundle(3, "alpha", "alpha")), tx.ErrInvalidAction, "two legs"},
		{"invalid rollup name", alice.sign(t, 2, fee, register("Not_Valid", 0)), tx.ErrInvalidAction, "rollup name"},
		{"no actions", alice.sign(t, 2, fee), tx.ErrInvalidAction, "no actions"},
		{"over the rollup's per-block cap", alice.sign(t, 2, fee, rollupData("alpha", alphaCap+1)), tx.ErrRollupCapExceeded, "cap is 300"},
		{"name already registered", alice.sign(t, 2, fee, register("alpha", 0)), tx.ErrRollupExists, "already registered"},
		{"nonce taken", alice.sign(t, 1, fee+1, rollupData("beta", 5)), tx.ErrNonceTaken, "already uses nonce 1"},
		{"account queue full", erin.sign(t, 2, fee, rollupData("beta", 1)), tx.ErrMempoolFull, "limit 2"},
	}
	pooled, _ := n.pool.Len()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := n.checkTx(t, c.raw)
			if resp.Code != c.want.Code {
				t.Fatalf("code %d (%s), want %d (%s)", resp.Code, resp.Log, c.want.Code, c.want.Desc)
			}
			if resp.Codespace != tx.Codespace {
				t.Fatalf("codespace %q", resp.Codespace)
			}
			if !strings.HasPrefix(resp.Log, c.want.Desc+": ") || !strings.Contains(resp.Log, c.frag) {
				t.Fatalf("log %q, want %q and %q", resp.Log, c.want.Desc, c.frag)
			}
			if got, _ := n.pool.Len(); got != pooled {
				t.Fatalf("a rejected tx changed the pool: %d txs, want %d", got, pooled)
			}
			// The rejection is remembered for the status API, except a
			// duplicate, which is still pending.
			rej, ok := n.app.Status().Rejection(tx.HashOf(c.raw))
			if c.want == tx.ErrDuplicate {
				if ok {
					t.Fatalf("a pending duplicate was recorded as rejected: %v", rej)
				}
			} else if !ok || tx.CodeOf(rej) != c.want.Code {
				t.Fatalf("rejection not recorded: %v, %v", rej, ok)
			}
		})
	}
}

func TestRecheck(t *testing.T) {
	n := newNode(t)
	a0 := alice.sign(t, 0, fee, rollupData("beta", 1))
	a1 := alice.sign(t, 1, fee, rollupData("beta", 1))
	b0 := bob.sign(t, 0, fee, rollupData("beta", 1))
	n.mustCheckTx(t, a0, a1, b0)
	// Another proposer's block commits a0 and a different bob nonce 0.
	other := bob.sign(t, 0, fee+7, rollupData("beta", 2))
	n.decide(t, 1, [][]byte{a0, other})
	recheck := func(raw []byte) *abci.CheckTxResponse {
		resp, err := n.app.CheckTx(ctx, &abci.CheckTxRequest{Tx: raw, Type: abci.CHECK_TX_TYPE_RECHECK})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := recheck(a1); resp.Code != abci.CodeTypeOK {
		t.Fatalf("recheck of a still valid tx: %d %s", resp.Code, resp.Log)
	}
	for name, raw := range map[string][]byte{"committed": a0, "replaced": b0} {
		if resp := recheck(raw); resp.Code != tx.ErrStaleNonce.Code || resp.Log == "" {
			t.Fatalf("recheck of the %s tx: %d %q, want stale nonce", name, resp.Code, resp.Log)
		}
	}
	if _, ok := n.pool.Get(tx.HashOf(b0)); ok {
		t.Fatal("stale tx kept in the pool after commit")
	}
	if got, _ := n.pool.Len(); got != 1 {
		t.Fatalf("pool holds %d txs, want 1", got)
	}
	// Admission after the commit sees the new committed nonce.
	if resp := n.checkTx(t, alice.sign(t, 0, fee, rollupData("beta", 9))); resp.Code != tx.ErrStaleNonce.Code {
		t.Fatalf("nonce 0 after commit: %d %s", resp.Code, resp.Log)
	}
}

// TestCheckTxDuplicateOfPooledTxIsAccepted: CometBFT's cache catches real
// duplicates before CheckTx; a tx that reaches CheckTx while already in the
// app pool is one CometBFT dropped after the app admitted it, so CheckTx
// accepts it (CometBFT re-adds and gossips it) and the pool is unchanged.
func TestCheckTxDuplicateOfPooledTxIsAccepted(t *testing.T) {
	n := newNode(t)
	raw := alice.sign(t, 0, fee, rollupData("beta", 1))
	n.mustCheckTx(t, raw)
	before, _ := n.pool.Len()
	if resp := n.checkTx(t, raw); resp.Code != 0 {
		t.Fatalf("re-check of a pooled tx: code %d %s", resp.Code, resp.Log)
	}
	if after, _ := n.pool.Len(); after != before {
		t.Fatalf("pool holds %d txs, want %d", after, before)
	}
}
