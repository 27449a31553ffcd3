package tx

import (
	"crypto/sha256"
	"strconv"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
)

const testChain = "ordo-test"

// testKey returns a deterministic ed25519 key for index i.
func testKey(i int) ed25519.PrivKey {
	return ed25519.GenPrivKeyFromSecret([]byte("ordo tx test key " + strconv.Itoa(i)))
}

func rollupID(name string) []byte {
	id := sha256.Sum256([]byte(name))
	return id[:]
}

func actRollupData(name, data string) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_RollupData{RollupData: &txv1.RollupData{RollupId: rollupID(name), Data: []byte(data)}}}
}

func leg(name, data string) *txv1.RollupData {
	return &txv1.RollupData{RollupId: rollupID(name), Data: []byte(data)}
}

func actBundle(legs ...*txv1.RollupData) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_Bundle{Bundle: &txv1.Bundle{Legs: legs}}}
}

func actRegister(name string, maxBytes uint64) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_RegisterRollup{RegisterRollup: &txv1.RegisterRollup{Name: name, MaxBytesPerBlock: maxBytes}}}
}

func actTransfer(to []byte, amount uint64) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_Transfer{Transfer: &txv1.Transfer{To: to, Amount: amount}}}
}

func body(nonce, fee uint64, actions ...*txv1.Action) *txv1.TxBody {
	return &txv1.TxBody{ChainId: testChain, Nonce: nonce, Fee: fee, Actions: actions}
}

// mustSign signs body with key and fails the test on error.
func mustSign(tb testing.TB, key ed25519.PrivKey, b *txv1.TxBody) []byte {
	tb.Helper()
	raw, err := Sign(key, b)
	if err != nil {
		tb.Fatalf("Sign: %v", err)
	}
	return raw
}

// envelope marshals an envelope from its parts, without any checks.
func envelope(tb testing.TB, bodyBytes, pub, sig []byte) []byte {
	tb.Helper()
	raw, err := (&txv1.Tx{Body: bodyBytes, PublicKey: pub, Signature: sig}).Marshal()
	if err != nil {
		tb.Fatalf("marshal envelope: %v", err)
	}
	return raw
}

// signedEnvelope signs arbitrary body bytes (possibly not a valid TxBody)
// with key, the way Sign does for a well-formed body.
func signedEnvelope(tb testing.TB, key ed25519.PrivKey, bodyBytes []byte) []byte {
	tb.Helper()
	sig, err := key.Sign(SignBytes(bodyBytes))
	if err != nil {
		tb.Fatalf("sign: %v", err)
	}
	return envelope(tb, bodyBytes, key.PubKey().Bytes(), sig)
}

func mustMarshalBody(tb testing.TB, b *txv1.TxBody) []byte {
	tb.Helper()
	out, err := b.Marshal()
	if err != nil {
		tb.Fatalf("marshal body: %v", err)
	}
	return out
}

// seedBodies are well-formed and malformed bodies used as fuzz seeds and
// corpus files. Keys are stable names (corpus file names).
func seedBodies() []struct {
	name string
	body *txv1.TxBody
} {
	to := AddressFromPubKey(testKey(2).PubKey().Bytes())
	return []struct {
		name string
		body *txv1.TxBody
	}{
		{"rollup-data", body(0, 500, actRollupData("alpha", "hello alpha"))},
		{"bundle", body(1, 900, actBundle(leg("alpha", "leg a"), leg("beta", "leg b")))},
		{"register", body(2, 300, actRegister("my-rollup", 4096))},
		{"transfer", body(3, 250, actTransfer(to[:], 12345))},
		{"mixed", body(4, 1000, actRollupData("alpha", "x"), actTransfer(to[:], 1), actRegister("z9", 0),
			actBundle(leg("alpha", "1"), leg("beta", "2"), leg("gamma", "3")))},
		{"bundle-one-leg", body(5, 100, actBundle(leg("alpha", "only")))},
		{"bundle-dup-rollup", body(6, 100, actBundle(leg("alpha", "a"), leg("alpha", "b")))},
		{"zero-transfer", body(7, 100, actTransfer(to[:], 0))},
		{"bad-name", body(8, 100, actRegister("Bad_Name", 0))},
		{"overflow", body(9, ^uint64(0), actTransfer(to[:], 1))},
		{"no-actions", body(10, 100)},
	}
}
