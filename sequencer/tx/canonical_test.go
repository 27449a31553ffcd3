package tx

import (
	"testing"
)

// TestDecodeRejectsReencodings: appending an unknown field, repeating a
// field, or re-encoding the body keeps the signature valid but changes the
// hash; only the canonical encoding may decode, so a third party cannot
// create a second valid copy of someone's tx.
func TestDecodeRejectsReencodings(t *testing.T) {
	key := testKey(0)
	raw := mustSign(t, key, body(0, 1000, actRollupData("alpha", "x")))
	if _, err := Decode(raw, 0); err != nil {
		t.Fatalf("canonical tx rejected: %v", err)
	}
	good, err := Decode(raw, 0)
	if err != nil {
		t.Fatal(err)
	}
	bodyBytes := good.body
	cases := map[string][]byte{
		"unknown varint field appended to envelope": append(append([]byte{}, raw...), 0x78, 0x01),
		"envelope field repeated":                   append(append([]byte{}, raw...), envelopeField(1, bodyBytes)...),
		"unknown field appended to signed body": signedEnvelope(t, key,
			append(append([]byte{}, bodyBytes...), 0x78, 0x05)),
	}
	for name, b := range cases {
		_, err := Decode(b, 0)
		if CodeOf(err) != ErrDecode.Code {
			t.Errorf("%s: Decode error %v, want code %d", name, err, ErrDecode.Code)
		}
	}
}

// envelopeField encodes a length-delimited protobuf field.
func envelopeField(num byte, b []byte) []byte {
	out := []byte{num<<3 | 2}
	n := len(b)
	for n >= 0x80 {
		out = append(out, byte(n)|0x80)
		n >>= 7
	}
	out = append(out, byte(n))
	return append(out, b...)
}
