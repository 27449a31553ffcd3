package consensus

import (
	"testing"

	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// TestAdmitBatchVerdicts: one batch mixing valid txs with every kind of
// defect gets, per tx and in order, the rejection code of its defect (the
// codes TestCheckTxRejectsBadInput expects from CheckTx); valid txs enter the pool and the verified cache, a tx already
// pending (or repeated in the batch) is a duplicate, and nothing is
// written to the status log (the caller decides what to record).
func TestAdmitBatchVerdicts(t *testing.T) {
	n := openNode(t, "", mempool.DefaultConfig())
	n.initChain(t)
	n.decide(t, 1, [][]byte{alice.sign(t, 0, fee, rollupData("beta", 1))})
	pending := bob.sign(t, 0, fee, rollupData("beta", 5))
	n.mustCheckTx(t, pending)

	valid := [][]byte{
		alice.sign(t, 1, fee, rollupData("beta", 1)),
		alice.sign(t, 2, fee, rollupData("beta", 2)),
		bob.sign(t, 1, fee, rollupData("beta", 3)),
		erin.sign(t, 0, fee, rollupData("alpha", 1)),
		erin.sign(t, 1, fee, rollupData("alpha", 2)),
	}
	cases := []struct {
		name string
		raw  []byte
		want *tx.Error // nil: admitted
	}{
		{"valid 0", valid[0], nil},
		{"bad signature", badSignature(t, alice.sign(t, 3, fee, rollupData("beta", 7))), tx.ErrInvalidSignature},
		{"valid 1", valid[1], nil},
		{"undecodable", []byte{0xde, 0xad}, tx.ErrDecode},
		{"valid 2", valid[2], nil},
		{"wrong chain id", alice.signChain(t, "other-chain", 3, fee, rollupData("beta", 1)), tx.ErrWrongChainID},
		{"stale nonce", alice.sign(t, 0, fee, rollupData("beta", 2)), tx.ErrStaleNonce},
		{"valid 3", valid[3], nil},
		{"unknown rollup", bob.sign(t, 2, fee, rollupData("nope", 1)), tx.ErrUnknownRollup},
		{"insufficient fee", erin.sign(t, 2, 10, rollupData("beta", 1)), tx.ErrInsufficientFee},
		{"already pending", pending, tx.ErrDuplicate},
		{"valid 4", valid[4], nil},
		{"repeated in the batch", valid[4], tx.ErrDuplicate},
		{"another bad signature", badSignature(t, erin.sign(t, 2, fee, rollupData("beta", 9))), tx.ErrInvalidSignature},
	}
	raws := make([][]byte, len(cases))
	for i, c := range cases {
		raws[i] = c.raw
	}
	before, _ := n.pool.Len()
	errs := n.app.AdmitBatch(raws)
	if len(errs) != len(cases) {
		t.Fatalf("%d results for %d txs", len(errs), len(cases))
	}
	for i, c := range cases {
		if c.want == nil {
			if errs[i] != nil {
				t.Errorf("%s: %v, want admitted", c.name, errs[i])
			}
			continue
		}
		if tx.CodeOf(errs[i]) != c.want.Code {
			t.Errorf("%s: %v, want %s", c.name, errs[i], c.want.Desc)
		}
		if _, ok := n.app.Status().Rejection(tx.HashOf(c.raw)); ok {
			t.Errorf("%s: AdmitBatch recorded a rejection", c.name)
		}
	}
	if got, _ := n.pool.Len(); got != before+len(valid) {
		t.Fatalf("pool holds %d txs, want %d", got, before+len(valid))
	}
	for _, raw := range valid {
		h := tx.HashOf(raw)
		if _, ok := n.pool.Get(h); !ok {
			t.Fatalf("valid tx %s not pooled", h)
		}
		if !n.app.verified.has(h) {
			t.Fatalf("valid tx %s not in the verified cache", h)
		}
	}
	// RecordRejection keeps refusals for the status API, never duplicates.
	n.app.RecordRejection(cases[1].raw, errs[1])
	n.app.RecordRejection(pending, errs[10])
	if rej, ok := n.app.Status().Rejection(tx.HashOf(cases[1].raw)); !ok || tx.CodeOf(rej) != tx.ErrInvalidSignature.Code {
		t.Fatalf("recorded rejection: %v %v", rej, ok)
	}
	if _, ok := n.app.Status().Rejection(tx.HashOf(pending)); ok {
		t.Fatal("a duplicate was recorded as a rejection")
	}
}

// TestCheckTxRelaysAdmittedTxs: a tx CheckTx admits (CometBFT's RPC path)
// is handed to the relay hook once; refused txs and resubmissions of a
// pending tx are not.
func TestCheckTxRelaysAdmittedTxs(t *testing.T) {
	n := openNode(t, "", mempool.DefaultConfig())
	n.initChain(t)
	var relayed [][]byte
	n.app.SetOnAdmit(func(raw []byte) { relayed = append(relayed, raw) })
	good := alice.sign(t, 0, fee, rollupData("beta", 1))
	n.mustCheckTx(t, good)
	n.checkTx(t, badSignature(t, alice.sign(t, 1, fee, rollupData("beta", 1))))
	n.checkTx(t, good) // a duplicate is accepted again but not relayed twice
	if len(relayed) != 1 || string(relayed[0]) != string(good) {
		t.Fatalf("relayed %d txs, want exactly the admitted one", len(relayed))
	}
}

// TestDecodeVerifiedReusesPooledTxs: a block tx the pool holds is not
// decoded again (the pooled decoded form is returned), while bytes the pool
// does not hold are decoded and checked as usual.
func TestDecodeVerifiedReusesPooledTxs(t *testing.T) {
	n := openNode(t, "", mempool.DefaultConfig())
	n.initChain(t)
	raw := alice.sign(t, 0, fee, rollupData("beta", 1))
	n.mustCheckTx(t, raw)
	e, ok := n.pool.Get(tx.HashOf(raw))
	if !ok {
		t.Fatal("tx not pooled")
	}
	got, err := n.app.decodeVerified(raw)
	if err != nil || got != e.Tx {
		t.Fatalf("decodeVerified returned %p (%v), want the pooled %p", got, err, e.Tx)
	}
	forged := badSignature(t, raw)
	if _, err := n.app.decodeVerified(forged); tx.CodeOf(err) != tx.ErrInvalidSignature.Code {
		t.Fatalf("forged copy of a pooled tx: %v, want invalid signature", err)
	}
}
