package kv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// State key prefixes. One byte each; never reuse a retired prefix. 'a' and
// 'k' are the committed state (see the package doc); the others are
// bookkeeping outside the state root.
const (
	prefixAccount = 'a'
	prefixKV      = 'k'
	prefixMeta    = 'm'
	prefixReceipt = 'x'
)

func accountKey(a tx.Address) []byte { return append([]byte{prefixAccount}, a[:]...) }

func kvKey(owner tx.Address, key []byte) []byte {
	k := make([]byte, 0, 1+len(owner)+len(key))
	k = append(k, prefixKV)
	k = append(k, owner[:]...)
	return append(k, key...)
}

// applyOp applies op, sent by sender, on o. A non-nil *failure means the op
// failed deterministically; o may then hold partial writes and must be
// discarded. An error means the state could not be read.
func applyOp(o *overlay, minter, sender tx.Address, op Op) (*failure, error) {
	switch op := op.(type) {
	case Transfer:
		return transfer(o, sender, op.To, op.Amount)
	case Mint:
		if minter == (tx.Address{}) || sender != minter {
			return failf(CodeUnauthorized, "%s is not the minter", sender), nil
		}
		return credit(o, op.To, op.Amount)
	case Put:
		o.set(kvKey(sender, op.Key), op.Value)
		return nil, nil
	case Delete:
		k := kvKey(sender, op.Key)
		_, found, err := o.get(k)
		if found {
			o.del(k)
		}
		return nil, err
	default:
		return nil, fmt.Errorf("kv: unknown op %T", op)
	}
}

func transfer(o *overlay, from, to tx.Address, amount uint64) (*failure, error) {
	bal, err := balance(o, from)
	if err != nil {
		return nil, err
	}
	if bal < amount {
		return failf(CodeInsufficientBalance, "balance %d, amount %d", bal, amount), nil
	}
	if amount == 0 || from == to {
		return nil, nil
	}
	setBalance(o, from, bal-amount)
	return credit(o, to, amount)
}

func credit(o *overlay, to tx.Address, amount uint64) (*failure, error) {
	if amount == 0 {
		return nil, nil
	}
	bal, err := balance(o, to)
	if err != nil {
		return nil, err
	}
	if bal > math.MaxUint64-amount {
		return failf(CodeOverflow, "balance %d of %s plus %d overflows", bal, to, amount), nil
	}
	setBalance(o, to, bal+amount)
	return nil, nil
}

func balance(r reader, a tx.Address) (uint64, error) {
	v, found, err := r.get(accountKey(a))
	if err != nil || !found {
		return 0, err
	}
	return decodeBalance(v)
}

// setBalance stages a balance; a zero balance removes the account, so the
// state (and its root) does not depend on which accounts were ever touched.
func setBalance(o *overlay, a tx.Address, bal uint64) {
	if bal == 0 {
		o.del(accountKey(a))
		return
	}
	o.set(accountKey(a), binary.BigEndian.AppendUint64(nil, bal))
}

func decodeBalance(v []byte) (uint64, error) {
	if len(v) != 8 || bytes.Equal(v, make([]byte, 8)) {
		return 0, fmt.Errorf("kv: corrupt balance record %x", v)
	}
	return binary.BigEndian.Uint64(v), nil
}
