package tx

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
)

// decodeAndVerify runs the full stateless pipeline a node runs on a
// submitted tx: Decode, then Verify against the chain id.
func decodeAndVerify(raw []byte, maxBytes int, chainID string) (t *Tx, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("PANIC: %v", r)
		}
	}()
	t, err = Decode(raw, maxBytes)
	if err != nil {
		return nil, err
	}
	return t, t.Verify(chainID)
}

func TestDecodeVerifyRejectsBadInput(t *testing.T) {
	alice := testKey(1)
	bob := testKey(2)
	to := AddressFromPubKey(bob.PubKey().Bytes())
	good := mustSign(t, alice, body(0, 500, actRollupData("alpha", "data")))
	goodBody := mustMarshalBody(t, body(0, 500, actRollupData("alpha", "data")))
	otherBody := mustMarshalBody(t, body(1, 500, actRollupData("alpha", "data")))
	goodSig, err := alice.Sign(SignBytes(goodBody))
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(goodSig)
	flipped[10] ^= 0x01
	bobSig, err := bob.Sign(SignBytes(goodBody))
	if err != nil {
		t.Fatal(err)
	}
	undomainedSig, err := alice.Sign(goodBody)
	if err != nil {
		t.Fatal(err)
	}
	pub := alice.PubKey().Bytes()

	sixtyFive := make([]*txv1.Action, MaxActions+1)
	for i := range sixtyFive {
		sixtyFive[i] = actRollupData("alpha", "x")
	}
	seventeenLegs := make([]*txv1.RollupData, MaxBundleLegs+1)
	for i := range seventeenLegs {
		seventeenLegs[i] = leg(fmt.Sprintf("r%d", i), "x")
	}
	signed := func(b *txv1.TxBody) []byte { return mustSign(t, alice, b) }

	cases := []struct {
		name     string
		raw      []byte
		maxBytes int
		code     *Error
		detail   string // a fragment the message must contain
	}{
		{"oversized", good, len(good) - 1, ErrTooLarge, fmt.Sprintf("limit %d", len(good)-1)},
		{"oversized garbage", bytes.Repeat([]byte{0xff}, 5000), 4096, ErrTooLarge, "5000 bytes"},
		{"empty nil", nil, 0, ErrDecode, "empty"},
		{"empty slice", []byte{}, 4096, ErrDecode, "empty"},
		{"undecodable", []byte{0xff, 0xff, 0xff, 0xff}, 0, ErrDecode, "envelope"},
		{"truncated", good[:len(good)-7], 0, ErrDecode, "envelope"},
		{"wrong wire type", []byte{0x08, 0x01}, 0, ErrDecode, "envelope"},
		{"missing public key", envelope(t, goodBody, nil, goodSig), 0, ErrDecode, "public key is 0 bytes"},
		{"short public key", envelope(t, goodBody, pub[:31], goodSig), 0, ErrDecode, "public key is 31 bytes"},
		{"long public key", envelope(t, goodBody, append(bytes.Clone(pub), 0), goodSig), 0, ErrDecode, "public key is 33 bytes"},
		{"missing signature", envelope(t, goodBody, pub, nil), 0, ErrDecode, "signature is 0 bytes"},
		{"short signature", envelope(t, goodBody, pub, goodSig[:63]), 0, ErrDecode, "signature is 63 bytes"},
		{"long signature", envelope(t, goodBody, pub, append(bytes.Clone(goodSig), 1)), 0, ErrDecode, "signature is 65 bytes"},
		{"undecodable body", envelope(t, []byte{0xff, 0xff, 0xff}, pub, goodSig), 0, ErrDecode, "body"},
		{"flipped signature bit", envelope(t, goodBody, pub, flipped), 0, ErrInvalidSignature, "does not match"},
		{"signature by another key", envelope(t, goodBody, pub, bobSig), 0, ErrInvalidSignature, "does not match"},
		{"signature over another body", envelope(t, otherBody, pub, goodSig), 0, ErrInvalidSignature, "does not match"},
		{"signature without domain", envelope(t, goodBody, pub, undomainedSig), 0, ErrInvalidSignature, "does not match"},
		{"all-zero signature", envelope(t, goodBody, pub, make([]byte, 64)), 0, ErrInvalidSignature, "does not match"},
		{"wrong chain id", signed(&txv1.TxBody{ChainId: "other-chain", Fee: 1, Actions: []*txv1.Action{actRollupData("a", "x")}}), 0, ErrWrongChainID, `"other-chain"`},
		{"chain id prefix", signed(&txv1.TxBody{ChainId: testChain + "x", Fee: 1, Actions: []*txv1.Action{actRollupData("a", "x")}}), 0, ErrWrongChainID, testChain},
		{"empty chain id", signed(&txv1.TxBody{Fee: 1, Actions: []*txv1.Action{actRollupData("a", "x")}}), 0, ErrWrongChainID, "chain id must be"},
		{"long chain id", signed(&txv1.TxBody{ChainId: strings.Repeat("c", MaxChainIDBytes+1), Fee: 1, Actions: []*txv1.Action{actRollupData("a", "x")}}), 0, ErrWrongChainID, "chain id must be"},
		{"no actions", signed(body(0, 1)), 0, ErrInvalidAction, "no actions"},
		{"too many actions", signed(body(0, 1, sixtyFive...)), 0, ErrInvalidAction, "65 actions"},
		{"action without kind", signed(body(0, 1, &txv1.Action{})), 0, ErrInvalidAction, "no kind"},
		{"second action bad", signed(body(0, 1, actRollupData("a", "x"), &txv1.Action{})), 0, ErrInvalidAction, "action 1"},
		{"bundle with no legs", signed(body(0, 1, actBundle())), 0, ErrInvalidAction, "at least 2"},
		{"bundle with one leg", signed(body(0, 1, actBundle(leg("alpha", "x")))), 0, ErrInvalidAction, "at least 2"},
		{"bundle with duplicate rollups", signed(body(0, 1, actBundle(leg("alpha", "x"), leg("beta", "y"), leg("alpha", "z")))), 0, ErrInvalidAction, "two legs for rollup"},
		{"bundle with too many legs", signed(body(0, 1, actBundle(seventeenLegs...))), 0, ErrInvalidAction, "too many legs"},
		{"bundle leg with bad id", signed(body(0, 1, actBundle(leg("alpha", "x"), &txv1.RollupData{RollupId: []byte{1, 2}, Data: []byte("y")}))), 0, ErrInvalidAction, "leg 1: rollup id must be 32 bytes"},
		{"bundle leg with empty data", signed(body(0, 1, actBundle(leg("alpha", ""), leg("beta", "y")))), 0, ErrInvalidAction, "leg 0: rollup data is empty"},
		{"rollup id too short", signed(body(0, 1, &txv1.Action{Kind: &txv1.Action_RollupData{RollupData: &txv1.RollupData{RollupId: make([]byte, 31), Data: []byte("x")}}})), 0, ErrInvalidAction, "rollup id must be 32 bytes"},
		{"rollup id too long", signed(body(0, 1, &txv1.Action{Kind: &txv1.Action_RollupData{RollupData: &txv1.RollupData{RollupId: make([]byte, 33), Data: []byte("x")}}})), 0, ErrInvalidAction, "rollup id must be 32 bytes"},
		{"rollup id missing", signed(body(0, 1, &txv1.Action{Kind: &txv1.Action_RollupData{RollupData: &txv1.RollupData{Data: []byte("x")}}})), 0, ErrInvalidAction, "rollup id must be 32 bytes"},
		{"empty rollup data", signed(body(0, 1, actRollupData("alpha", ""))), 0, ErrInvalidAction, "rollup data is empty"},
		{"rollup name empty", signed(body(0, 1, actRegister("", 0))), 0, ErrInvalidAction, "1-64 characters"},
		{"rollup name too long", signed(body(0, 1, actRegister(strings.Repeat("a", MaxRollupName+1), 0))), 0, ErrInvalidAction, "1-64 characters"},
		{"rollup name upper case", signed(body(0, 1, actRegister("Alpha", 0))), 0, ErrInvalidAction, "a-z, 0-9"},
		{"rollup name underscore", signed(body(0, 1, actRegister("my_rollup", 0))), 0, ErrInvalidAction, "a-z, 0-9"},
		{"rollup name non-ascii", signed(body(0, 1, actRegister("rollüp", 0))), 0, ErrInvalidAction, "a-z, 0-9"},
		{"rollup name leading dash", signed(body(0, 1, actRegister("-alpha", 0))), 0, ErrInvalidAction, "start or end"},
		{"rollup name trailing dash", signed(body(0, 1, actRegister("alpha-", 0))), 0, ErrInvalidAction, "start or end"},
		{"zero transfer", signed(body(0, 1, actTransfer(to[:], 0))), 0, ErrInvalidAction, "must be positive"},
		{"transfer to short address", signed(body(0, 1, actTransfer(to[:19], 5))), 0, ErrInvalidAction, "20-byte"},
		{"transfer to no address", signed(body(0, 1, actTransfer(nil, 5))), 0, ErrInvalidAction, "20-byte"},
		{"fee plus transfer overflows", signed(body(0, math.MaxUint64, actTransfer(to[:], 1))), 0, ErrInvalidAction, "overflow"},
		{"two transfers overflow", signed(body(0, 0, actTransfer(to[:], math.MaxUint64/2+1), actTransfer(to[:], math.MaxUint64/2+1))), 0, ErrInvalidAction, "overflow"},
	}
	seen := make(map[string]bool)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if seen[c.name] {
				t.Fatalf("duplicate case name")
			}
			seen[c.name] = true
			_, err := decodeAndVerify(c.raw, c.maxBytes, testChain)
			if err == nil {
				t.Fatalf("accepted, want code %d (%s)", c.code.Code, c.code.Desc)
			}
			if strings.HasPrefix(err.Error(), "PANIC") {
				t.Fatal(err)
			}
			if got := CodeOf(err); got != c.code.Code {
				t.Fatalf("code %d (%v), want %d (%s)", got, err, c.code.Code, c.code.Desc)
			}
			if !errors.Is(err, c.code) {
				t.Fatalf("errors.Is(%v, %s) is false", err, c.code.Desc)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, c.code.Desc+": ") || len(msg) <= len(c.code.Desc)+2 {
				t.Fatalf("message %q lacks a detail after %q", msg, c.code.Desc)
			}
			if !strings.Contains(msg, c.detail) {
				t.Fatalf("message %q does not mention %q", msg, c.detail)
			}
		})
	}
}

// TestDecodeAcceptsLimits is the positive side of the table above: inputs
// exactly at each limit are accepted, so the table's rejections come from
// crossing the limit and not from something else.
func TestDecodeAcceptsLimits(t *testing.T) {
	alice := testKey(1)
	to := AddressFromPubKey(testKey(2).PubKey().Bytes())
	sixtyFour := make([]*txv1.Action, MaxActions)
	for i := range sixtyFour {
		sixtyFour[i] = actRollupData("alpha", "x")
	}
	sixteenLegs := make([]*txv1.RollupData, MaxBundleLegs)
	for i := range sixteenLegs {
		sixteenLegs[i] = leg(fmt.Sprintf("r%d", i), "x")
	}
	longChain := strings.Repeat("c", MaxChainIDBytes)
	cases := []struct {
		name  string
		body  *txv1.TxBody
		chain string
	}{
		{"64 actions", body(0, 1, sixtyFour...), testChain},
		{"16 legs", body(0, 1, actBundle(sixteenLegs...)), testChain},
		{"2 legs", body(0, 1, actBundle(leg("a", "x"), leg("b", "y"))), testChain},
		{"64-byte chain id", &txv1.TxBody{ChainId: longChain, Actions: []*txv1.Action{actRollupData("a", "x")}}, longChain},
		{"64-character name", body(0, 1, actRegister(strings.Repeat("a", MaxRollupName), 0)), testChain},
		{"one-character name", body(0, 1, actRegister("a", 0)), testChain},
		{"inner dashes", body(0, 1, actRegister("a-b-9", 0)), testChain},
		{"spend exactly max", body(0, math.MaxUint64-7, actTransfer(to[:], 7)), testChain},
		{"zero fee", body(0, 0, actRollupData("a", "x")), testChain},
		{"max nonce", body(math.MaxUint64, 1, actRollupData("a", "x")), testChain},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := mustSign(t, alice, c.body)
			if _, err := decodeAndVerify(raw, len(raw), c.chain); err != nil {
				t.Fatalf("rejected: %v (code %d)", err, CodeOf(err))
			}
		})
	}
}

func TestSignDecodeVerifyRoundTrip(t *testing.T) {
	alice := testKey(1)
	bobAddr := AddressFromPubKey(testKey(2).PubKey().Bytes())
	b := body(7, 4242,
		actRollupData("alpha", "item-1"),
		actTransfer(bobAddr[:], 100),
		actBundle(leg("beta", "b-leg"), leg("alpha", "a-leg")),
		actRegister("new-rollup", 2048),
		actTransfer(bobAddr[:], 5),
		actRollupData("beta", "item-2"),
	)
	raw := mustSign(t, alice, b)
	got, err := decodeAndVerify(raw, len(raw), testChain)
	if err != nil {
		t.Fatalf("round trip: %v", err)
	}
	id := func(n string) RollupID { return RollupIDFromName(n) }
	want := &Tx{
		Raw:     raw,
		Hash:    sha256.Sum256(raw),
		PubKey:  alice.PubKey().Bytes(),
		Sender:  AddressFromPubKey(alice.PubKey().Bytes()),
		ChainID: testChain,
		Nonce:   7,
		Fee:     4242,
		Actions: []Action{
			&RollupData{Rollup: id("alpha"), Data: []byte("item-1")},
			&Transfer{To: bobAddr, Amount: 100},
			&Bundle{Legs: []RollupData{{Rollup: id("beta"), Data: []byte("b-leg")}, {Rollup: id("alpha"), Data: []byte("a-leg")}}},
			&RegisterRollup{Name: "new-rollup", MaxBytesPerBlock: 2048},
			&Transfer{To: bobAddr, Amount: 5},
			&RollupData{Rollup: id("beta"), Data: []byte("item-2")},
		},
	}
	if !reflect.DeepEqual(got.Actions, want.Actions) {
		t.Fatalf("actions:\n got %#v\nwant %#v", got.Actions, want.Actions)
	}
	if !bytes.Equal(got.Raw, want.Raw) || got.Hash != want.Hash || HashOf(raw) != want.Hash ||
		!bytes.Equal(got.PubKey, want.PubKey) || got.Sender != want.Sender || got.ChainID != want.ChainID ||
		got.Nonce != want.Nonce || got.Fee != want.Fee {
		t.Fatalf("decoded header fields differ:\n got %+v\nwant %+v", got, want)
	}
	if got.Size() != len(raw) {
		t.Fatalf("Size %d, want %d", got.Size(), len(raw))
	}
	if spend, ok := got.Spend(); !ok || spend != 4242+100+5 {
		t.Fatalf("Spend = %d, %v; want %d", spend, ok, 4242+100+5)
	}
	wantUsage := []RollupUsage{
		{Rollup: id("alpha"), Bytes: uint64(len("item-1") + len("a-leg"))},
		{Rollup: id("beta"), Bytes: uint64(len("b-leg") + len("item-2"))},
	}
	if u := got.RollupBytes(); !reflect.DeepEqual(u, wantUsage) {
		t.Fatalf("RollupBytes = %+v, want %+v", u, wantUsage)
	}
	// The signature binds every body field: re-signing with one field
	// changed and splicing the old signature in must fail.
	b.Nonce++
	tampered := envelope(t, mustMarshalBody(t, b), alice.PubKey().Bytes(), got.signature)
	if _, err := decodeAndVerify(tampered, 0, testChain); CodeOf(err) != ErrInvalidSignature.Code {
		t.Fatalf("tampered nonce: got %v, want invalid signature", err)
	}
}

func TestSignIsDeterministicAndDistinct(t *testing.T) {
	b := body(0, 10, actRollupData("alpha", "x"))
	a1 := mustSign(t, testKey(1), b)
	a2 := mustSign(t, testKey(1), b)
	if !bytes.Equal(a1, a2) {
		t.Fatal("ed25519 signing of the same body differs between calls")
	}
	other := mustSign(t, testKey(2), b)
	if bytes.Equal(a1, other) {
		t.Fatal("two keys produced the same envelope")
	}
	ta, err := Decode(a1, 0)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := Decode(other, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ta.Sender == tb.Sender || ta.Hash == tb.Hash {
		t.Fatal("different signers share a sender or hash")
	}
}

func TestCodeOf(t *testing.T) {
	if CodeOf(nil) != 0 {
		t.Fatal("CodeOf(nil) != 0")
	}
	if got := CodeOf(errors.New("plain")); got != ErrInternal.Code {
		t.Fatalf("CodeOf(plain) = %d, want %d", got, ErrInternal.Code)
	}
	seen := make(map[uint32]string)
	for _, e := range AllErrors {
		if e.Code == 0 {
			t.Fatalf("%q has code 0, which ABCI reads as success", e.Desc)
		}
		if prev, dup := seen[e.Code]; dup {
			t.Fatalf("code %d used by %q and %q", e.Code, prev, e.Desc)
		}
		seen[e.Code] = e.Desc
		wrapped := fmt.Errorf("outer: %w", Errorf(e, "detail %d", 42))
		if CodeOf(wrapped) != e.Code || !errors.Is(wrapped, e) {
			t.Fatalf("code of wrapped %q lost: %d", e.Desc, CodeOf(wrapped))
		}
		if want := "outer: " + e.Desc + ": detail 42"; wrapped.Error() != want {
			t.Fatalf("message %q, want %q", wrapped.Error(), want)
		}
	}
	for i := 1; i < len(AllErrors); i++ {
		if AllErrors[i-1].Code >= AllErrors[i].Code {
			t.Fatalf("AllErrors not in code order at %d", i)
		}
	}
}

func TestValidateRollupName(t *testing.T) {
	ok := []string{"a", "z", "0", "alpha", "a-b", "rollup-123", strings.Repeat("x", 64)}
	bad := []string{"", "-", "-a", "a-", "A", "a_b", "a b", "a.b", "é", "a\x00", strings.Repeat("x", 65), "\xff"}
	for _, n := range ok {
		if err := ValidateRollupName(n); err != nil {
			t.Errorf("%q rejected: %v", n, err)
		}
	}
	for _, n := range bad {
		if err := ValidateRollupName(n); err == nil || err.Error() == "" {
			t.Errorf("%q accepted", n)
		}
	}
}

func TestParseRoundTrips(t *testing.T) {
	addr := AddressFromPubKey(testKey(3).PubKey().Bytes())
	for _, s := range []string{addr.String(), strings.ToLower(addr.String()), "0x" + addr.String()} {
		got, err := ParseAddress(s)
		if err != nil || got != addr {
			t.Fatalf("ParseAddress(%q) = %v, %v", s, got, err)
		}
	}
	id := RollupIDFromName("alpha")
	if got, err := ParseRollupID(id.String()); err != nil || got != id {
		t.Fatalf("ParseRollupID: %v, %v", got, err)
	}
	h := HashOf([]byte("x"))
	if got, err := ParseHash(h.String()); err != nil || got != h {
		t.Fatalf("ParseHash: %v, %v", got, err)
	}
	for _, s := range []string{"", "zz", addr.String()[:38], addr.String() + "00"} {
		if _, err := ParseAddress(s); err == nil {
			t.Errorf("ParseAddress(%q) accepted", s)
		}
	}
	if _, err := ParseRollupID(addr.String()); err == nil {
		t.Error("ParseRollupID accepted a 20-byte value")
	}
	if _, err := ParseHash(id.String()[:62]); err == nil {
		t.Error("ParseHash accepted 31 bytes")
	}
}
