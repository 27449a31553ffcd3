package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// Genesis codec constants. The encoding is part of the rollup's protocol:
// a change needs a new GenesisVersion.
const (
	// GenesisVersion is the first byte of an encoded genesis.
	GenesisVersion byte = 0x01
	// MaxGenesisAccounts bounds the accounts of an encoded genesis.
	MaxGenesisAccounts = 1024

	genesisHeaderLen  = 1 + len(tx.Address{}) + 4 // version, minter, count
	genesisAccountLen = len(tx.Address{}) + 8     // address, balance
)

// ErrGenesisEncoding is wrapped, with detail, by every DecodeGenesis error.
var ErrGenesisEncoding = errors.New("kv: invalid genesis encoding")

// EncodeGenesis returns the canonical encoding of g (see the package doc):
//
//	version=0x01 || minter[20] || count:be32 || (address[20] || balance:be64) × count
//
// with one entry per non-zero balance, in strictly increasing address
// order. Zero balances are not part of the value (the state holds no entry
// for them) and are left out, so genesis values that differ only in zero
// balances have the same encoding. If g has more than MaxGenesisAccounts
// non-zero balances there is no valid encoding: the result is then
// rejected by DecodeGenesis.
func EncodeGenesis(g Genesis) []byte {
	bals := g.sortedBalances()
	b := make([]byte, 0, genesisHeaderLen+len(bals)*genesisAccountLen)
	b = append(b, GenesisVersion)
	b = append(b, g.Minter[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(bals)))
	for _, a := range bals {
		b = append(b, a.addr[:]...)
		b = binary.BigEndian.AppendUint64(b, a.balance)
	}
	return b
}

// DecodeGenesis parses an encoded genesis. It accepts only the canonical
// encoding, so EncodeGenesis(DecodeGenesis(b)) == b whenever it succeeds:
// it rejects another version, short input, trailing bytes, more than
// MaxGenesisAccounts accounts, addresses not in strictly increasing order
// (including duplicates) and zero balances, each with an error wrapping
// ErrGenesisEncoding. It never panics, and the result does not alias b;
// its Balances map is never nil.
func DecodeGenesis(b []byte) (Genesis, error) {
	fail := func(format string, args ...any) (Genesis, error) {
		return Genesis{}, fmt.Errorf("%w: %s", ErrGenesisEncoding, fmt.Sprintf(format, args...))
	}
	if len(b) == 0 {
		return fail("empty input")
	}
	if b[0] != GenesisVersion {
		return fail("unsupported version %#02x, want %#02x", b[0], GenesisVersion)
	}
	if len(b) < genesisHeaderLen {
		return fail("truncated header: %d bytes, want %d", len(b), genesisHeaderLen)
	}
	var g Genesis
	copy(g.Minter[:], b[1:])
	count := binary.BigEndian.Uint32(b[1+len(g.Minter):])
	if count > MaxGenesisAccounts {
		return fail("%d accounts, limit %d", count, MaxGenesisAccounts)
	}
	body := b[genesisHeaderLen:]
	if want := int(count) * genesisAccountLen; len(body) != want {
		if len(body) < want {
			return fail("truncated: %d accounts need %d bytes after the header, have %d", count, want, len(body))
		}
		return fail("%d trailing bytes after %d accounts", len(body)-want, count)
	}
	g.Balances = make(map[tx.Address]uint64, count)
	var prev tx.Address
	for i := range int(count) {
		e := body[i*genesisAccountLen:]
		var a tx.Address
		copy(a[:], e)
		bal := binary.BigEndian.Uint64(e[len(a):])
		if i > 0 {
			switch c := bytes.Compare(prev[:], a[:]); {
			case c == 0:
				return fail("account %d: duplicate address %s", i, a)
			case c > 0:
				return fail("account %d: address %s is below the previous %s (addresses must be strictly increasing)", i, a, prev)
			}
		}
		if bal == 0 {
			return fail("account %d: zero balance for %s (zero balances are not encoded)", i, a)
		}
		g.Balances[a] = bal
		prev = a
	}
	return g, nil
}
