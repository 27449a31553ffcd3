package kv

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"slices"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// Genesis is the rollup's initial state and configuration. Open applies it
// to an empty store and refuses a store created from a different genesis.
type Genesis struct {
	// Balances are the initial balances. Zero balances are ignored (an
	// account with a zero balance is absent from the state).
	Balances map[tx.Address]uint64
	// Minter is the only sender allowed to Mint. The zero address disables
	// minting.
	Minter tx.Address
}

// account is one genesis balance.
type account struct {
	addr    tx.Address
	balance uint64
}

// sortedBalances returns the non-zero balances in address order, so that
// nothing downstream depends on map iteration order.
func (g Genesis) sortedBalances() []account {
	out := make([]account, 0, len(g.Balances))
	for a, bal := range g.Balances {
		if bal != 0 {
			out = append(out, account{a, bal})
		}
	}
	slices.SortFunc(out, func(x, y account) int { return bytes.Compare(x.addr[:], y.addr[:]) })
	return out
}

// hash identifies the genesis: sha256("ordo.kv.genesis.v1" || minter ||
// count:be32 || (address || balance:be64) for each non-zero balance in
// address order).
func (g Genesis) hash() []byte {
	bals := g.sortedBalances()
	h := sha256.New()
	h.Write([]byte("ordo.kv.genesis.v1"))
	h.Write(g.Minter[:])
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(bals))))
	for _, a := range bals {
		h.Write(a.addr[:])
		h.Write(binary.BigEndian.AppendUint64(nil, a.balance))
	}
	return h.Sum(nil)
}
