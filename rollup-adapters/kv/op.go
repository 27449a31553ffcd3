package kv

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// Codec constants. The encoding is part of the rollup's protocol: a change
// needs a new OpVersion.
const (
	// OpVersion is the first byte of every encoded op.
	OpVersion byte = 0x01
	// MaxKeyLen bounds a Put or Delete key; keys are never empty.
	MaxKeyLen = 256
	// MaxValueLen bounds a Put value; values may be empty.
	MaxValueLen = 4096
	// MaxOpSize is the length of the largest valid encoding (a Put with a
	// maximal key and value).
	MaxOpSize = 2 + 2 + MaxKeyLen + 2 + MaxValueLen
)

// Op kinds, the second byte of an encoded op. Never renumber them.
const (
	kindTransfer byte = 0x01
	kindPut      byte = 0x02
	kindDelete   byte = 0x03
	kindMint     byte = 0x04
)

// Codec errors. DecodeOp and EncodeOp wrap exactly one of them with detail;
// test with errors.Is.
var (
	ErrOpVersion   = errors.New("kv: unsupported op version")
	ErrOpKind      = errors.New("kv: unknown op kind")
	ErrOpTruncated = errors.New("kv: op truncated")
	ErrOpTrailing  = errors.New("kv: trailing bytes after op")
	ErrOpTooLarge  = errors.New("kv: op too large")
	ErrKeyLength   = errors.New("kv: key length out of range")
	ErrValueLength = errors.New("kv: value length out of range")
)

var errAddrTooShort = fmt.Errorf("%w: address and amount", ErrOpTruncated)

// Op is one rollup operation: Transfer, Put, Delete or Mint. The sender is
// not part of the op; it is the Ordo account that signed the carrying tx.
type Op interface{ isOp() }

// Transfer moves Amount from the sender's balance to To.
type Transfer struct {
	To     tx.Address
	Amount uint64
}

// Put sets Key to Value in the sender's namespace.
type Put struct {
	Key   []byte
	Value []byte
}

// Delete removes Key from the sender's namespace.
type Delete struct {
	Key []byte
}

// Mint creates Amount on To. Only the genesis minter may mint.
type Mint struct {
	To     tx.Address
	Amount uint64
}

func (Transfer) isOp() {}
func (Put) isOp()      {}
func (Delete) isOp()   {}
func (Mint) isOp()     {}

// EncodeOp returns the canonical encoding of op. It fails only for ops no
// encoding exists for: a nil or foreign Op, or a key or value out of range.
func EncodeOp(op Op) ([]byte, error) {
	switch op := op.(type) {
	case Transfer:
		return encodeAmount(kindTransfer, op.To, op.Amount), nil
	case Mint:
		return encodeAmount(kindMint, op.To, op.Amount), nil
	case Put:
		if err := checkKey(len(op.Key)); err != nil {
			return nil, err
		}
		if len(op.Value) > MaxValueLen {
			return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrValueLength, len(op.Value), MaxValueLen)
		}
		b := make([]byte, 0, 2+2+len(op.Key)+2+len(op.Value))
		b = append(b, OpVersion, kindPut)
		b = appendBytes16(b, op.Key)
		return appendBytes16(b, op.Value), nil
	case Delete:
		if err := checkKey(len(op.Key)); err != nil {
			return nil, err
		}
		b := make([]byte, 0, 2+2+len(op.Key))
		b = append(b, OpVersion, kindDelete)
		return appendBytes16(b, op.Key), nil
	default:
		return nil, fmt.Errorf("%w: %T", ErrOpKind, op)
	}
}

// DecodeOp parses an encoded op. It accepts only the canonical encoding
// (so EncodeOp(DecodeOp(b)) == b whenever DecodeOp succeeds), never reads
// more than MaxOpSize bytes and never panics. The returned op does not
// alias b.
func DecodeOp(b []byte) (Op, error) {
	if len(b) > MaxOpSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrOpTooLarge, len(b), MaxOpSize)
	}
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: %d bytes, want version and kind", ErrOpTruncated, len(b))
	}
	if b[0] != OpVersion {
		return nil, fmt.Errorf("%w: %#02x", ErrOpVersion, b[0])
	}
	d := decoder{b: b[2:]}
	var op Op
	switch kind := b[1]; kind {
	case kindTransfer, kindMint:
		to, amount, err := d.addressAmount()
		if err != nil {
			return nil, err
		}
		if kind == kindTransfer {
			op = Transfer{To: to, Amount: amount}
		} else {
			op = Mint{To: to, Amount: amount}
		}
	case kindPut:
		key, err := d.key()
		if err != nil {
			return nil, err
		}
		value, err := d.bytes16()
		if err != nil {
			return nil, fmt.Errorf("%w: value", err)
		}
		if len(value) > MaxValueLen {
			return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrValueLength, len(value), MaxValueLen)
		}
		op = Put{Key: key, Value: value}
	case kindDelete:
		key, err := d.key()
		if err != nil {
			return nil, err
		}
		op = Delete{Key: key}
	default:
		return nil, fmt.Errorf("%w: %#02x", ErrOpKind, kind)
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d", ErrOpTrailing, len(d.b))
	}
	return op, nil
}

func encodeAmount(kind byte, to tx.Address, amount uint64) []byte {
	b := make([]byte, 0, 2+len(to)+8)
	b = append(b, OpVersion, kind)
	b = append(b, to[:]...)
	return binary.BigEndian.AppendUint64(b, amount)
}

func appendBytes16(b, v []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

func checkKey(n int) error {
	if n < 1 || n > MaxKeyLen {
		return fmt.Errorf("%w: %d bytes, want 1-%d", ErrKeyLength, n, MaxKeyLen)
	}
	return nil
}

// decoder consumes an op body front to back.
type decoder struct{ b []byte }

func (d *decoder) addressAmount() (tx.Address, uint64, error) {
	var to tx.Address
	if len(d.b) < len(to)+8 {
		return to, 0, errAddrTooShort
	}
	copy(to[:], d.b)
	amount := binary.BigEndian.Uint64(d.b[len(to):])
	d.b = d.b[len(to)+8:]
	return to, amount, nil
}

func (d *decoder) key() ([]byte, error) {
	key, err := d.bytes16()
	if err != nil {
		return nil, fmt.Errorf("%w: key", err)
	}
	if err := checkKey(len(key)); err != nil {
		return nil, err
	}
	return key, nil
}

// bytes16 reads a be16 length and that many bytes, copied.
func (d *decoder) bytes16() ([]byte, error) {
	if len(d.b) < 2 {
		return nil, ErrOpTruncated
	}
	n := int(binary.BigEndian.Uint16(d.b))
	if len(d.b)-2 < n {
		return nil, ErrOpTruncated
	}
	v := append([]byte{}, d.b[2:2+n]...)
	d.b = d.b[2+n:]
	return v, nil
}
