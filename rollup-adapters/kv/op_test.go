package kv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestEncodeOpGolden pins the wire format documented in the package doc.
func TestEncodeOpGolden(t *testing.T) {
	to := addr(7) // a0 00..00 07
	const toHex = "a000000000000000000000000000000000000007"
	cases := []struct {
		op   Op
		want string
	}{
		{Transfer{To: to, Amount: 0x0102}, "0101" + toHex + "0000000000000102"},
		{Mint{To: to, Amount: 1}, "0104" + toHex + "0000000000000001"},
		{Put{Key: []byte("k"), Value: []byte("vv")}, "0102" + "0001" + "6b" + "0002" + "7676"},
		{Put{Key: []byte("k")}, "0102" + "0001" + "6b" + "0000"},
		{Delete{Key: []byte("ab")}, "0103" + "0002" + "6162"},
	}
	for _, c := range cases {
		got := hex.EncodeToString(mustEncode(t, c.op))
		if got != c.want {
			t.Errorf("EncodeOp(%#v) = %s, want %s", c.op, got, c.want)
		}
	}
}

func TestOpRoundTrip(t *testing.T) {
	ops := []Op{
		Transfer{To: addr(1), Amount: 0},
		Transfer{To: addr(2), Amount: ^uint64(0)},
		Mint{To: addr(3), Amount: 42},
		Put{Key: []byte{0}, Value: []byte{}},
		Put{Key: bytes.Repeat([]byte{'k'}, MaxKeyLen), Value: bytes.Repeat([]byte{'v'}, MaxValueLen)},
		Delete{Key: []byte("x")},
		Delete{Key: bytes.Repeat([]byte{0xff}, MaxKeyLen)},
	}
	for _, op := range ops {
		enc := mustEncode(t, op)
		if len(enc) > MaxOpSize {
			t.Fatalf("%T encodes to %d bytes > MaxOpSize", op, len(enc))
		}
		got, err := DecodeOp(enc)
		if err != nil {
			t.Fatalf("DecodeOp(EncodeOp(%T)): %v", op, err)
		}
		if !reflect.DeepEqual(got, op) {
			t.Fatalf("round trip: got %#v, want %#v", got, op)
		}
	}
	// The maximal Put is exactly MaxOpSize.
	maxPut := mustEncode(t, ops[4])
	if len(maxPut) != MaxOpSize {
		t.Fatalf("maximal Put is %d bytes, MaxOpSize %d", len(maxPut), MaxOpSize)
	}
}

func TestDecodeOpDoesNotAlias(t *testing.T) {
	enc := mustEncode(t, Put{Key: []byte("key"), Value: []byte("value")})
	op, err := DecodeOp(enc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range enc {
		enc[i] = 0
	}
	if p := op.(Put); string(p.Key) != "key" || string(p.Value) != "value" {
		t.Fatalf("decoded op changed with its input: %q %q", p.Key, p.Value)
	}
}

func TestDecodeOpRejects(t *testing.T) {
	transfer := mustEncode(t, Transfer{To: addr(1), Amount: 5})
	put := mustEncode(t, Put{Key: []byte("k"), Value: []byte("v")})
	del := mustEncode(t, Delete{Key: []byte("k")})
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	u16 := func(n int) []byte { return []byte{byte(n >> 8), byte(n)} }
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrOpTruncated},
		{"version only", []byte{OpVersion}, ErrOpTruncated},
		{"version 0", []byte{0x00, kindPut, 0, 1, 'k', 0, 0}, ErrOpVersion},
		{"version 2", cat([]byte{0x02}, transfer[1:]), ErrOpVersion},
		{"kind 0", []byte{OpVersion, 0x00}, ErrOpKind},
		{"kind 5", cat([]byte{OpVersion, 0x05}, transfer[2:]), ErrOpKind},
		{"transfer short", transfer[:len(transfer)-1], ErrOpTruncated},
		{"transfer trailing", cat(transfer, []byte{0}), ErrOpTrailing},
		{"mint no body", []byte{OpVersion, kindMint}, ErrOpTruncated},
		{"put no key length", []byte{OpVersion, kindPut, 0}, ErrOpTruncated},
		{"put empty key", []byte{OpVersion, kindPut, 0, 0, 0, 0}, ErrKeyLength},
		{"put key too long", cat([]byte{OpVersion, kindPut}, u16(MaxKeyLen+1), make([]byte, MaxKeyLen+1), u16(0)), ErrKeyLength},
		{"put key past end", []byte{OpVersion, kindPut, 0, 5, 'k'}, ErrOpTruncated},
		{"put no value length", []byte{OpVersion, kindPut, 0, 1, 'k'}, ErrOpTruncated},
		{"put value past end", []byte{OpVersion, kindPut, 0, 1, 'k', 0, 2, 'v'}, ErrOpTruncated},
		{"put value too long", cat([]byte{OpVersion, kindPut}, u16(1), []byte{'k'}, u16(MaxValueLen+1), make([]byte, MaxValueLen+1)), ErrValueLength},
		{"put trailing", cat(put, []byte{'x'}), ErrOpTrailing},
		{"delete empty key", []byte{OpVersion, kindDelete, 0, 0}, ErrKeyLength},
		{"delete trailing", cat(del, []byte{0}), ErrOpTrailing},
		{"too large", make([]byte, MaxOpSize+1), ErrOpTooLarge},
	}
	for _, c := range cases {
		op, err := DecodeOp(c.data)
		if op != nil || !errors.Is(err, c.want) {
			t.Errorf("%s: DecodeOp = %v, %v; want error %v", c.name, op, err, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "kv: ") {
			t.Errorf("%s: error %q lacks the package prefix", c.name, err)
		}
	}
}

func TestEncodeOpRejects(t *testing.T) {
	cases := []struct {
		op   Op
		want error
	}{
		{nil, ErrOpKind},
		{&Put{Key: []byte("k")}, ErrOpKind}, // ops are values, not pointers
		{Put{Key: nil}, ErrKeyLength},
		{Put{Key: make([]byte, MaxKeyLen+1)}, ErrKeyLength},
		{Put{Key: []byte("k"), Value: make([]byte, MaxValueLen+1)}, ErrValueLength},
		{Delete{}, ErrKeyLength},
		{Delete{Key: make([]byte, MaxKeyLen+1)}, ErrKeyLength},
	}
	for _, c := range cases {
		if b, err := EncodeOp(c.op); b != nil || !errors.Is(err, c.want) {
			t.Errorf("EncodeOp(%#v) = %x, %v; want error %v", c.op, b, err, c.want)
		}
	}
}
