package kv

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cometbft/cometbft/crypto/merkle"

	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// model is a deliberately naive reimplementation of the rollup's rules
// over plain maps, written from the package doc, to check the real one
// against.
type model struct {
	minter tx.Address
	bal    map[tx.Address]uint64
	kv     map[string][]byte // string(owner) + key
}

func newModel(g Genesis) *model {
	m := &model{minter: g.Minter, bal: map[tx.Address]uint64{}, kv: map[string][]byte{}}
	for a, b := range g.Balances {
		m.bal[a] = b
	}
	return m
}

// apply executes one item and returns its outcome code.
func (m *model) apply(sender tx.Address, data []byte) Code {
	op, err := DecodeOp(data)
	if err != nil {
		return CodeMalformed
	}
	switch op := op.(type) {
	case Transfer:
		if m.bal[sender] < op.Amount {
			return CodeInsufficientBalance
		}
		if sender != op.To && m.bal[op.To] > math.MaxUint64-op.Amount {
			return CodeOverflow
		}
		m.bal[sender] -= op.Amount
		m.bal[op.To] += op.Amount
	case Mint:
		if m.minter == (tx.Address{}) || sender != m.minter {
			return CodeUnauthorized
		}
		if m.bal[op.To] > math.MaxUint64-op.Amount {
			return CodeOverflow
		}
		m.bal[op.To] += op.Amount
	case Put:
		m.kv[string(sender[:])+string(op.Key)] = op.Value
	case Delete:
		delete(m.kv, string(sender[:])+string(op.Key))
	}
	return CodeOK
}

// applyItem executes one item, honoring a bundle leg's verdict as the
// package doc says, and returns its outcome code.
func (m *model) applyItem(it sdk.Item) Code {
	if it.Bundle != nil && it.Bundle.Verdict == sdk.VerdictAbort {
		return CodeAborted
	}
	return m.apply(it.Sender, it.Data)
}

// root is the documented state root, computed with cometbft's merkle
// package over leaves built from the maps.
func (m *model) root() []byte {
	type entry struct{ k, v []byte }
	var entries []entry
	for a, b := range m.bal {
		if b != 0 {
			entries = append(entries, entry{append([]byte{'a'}, a[:]...), binary.BigEndian.AppendUint64(nil, b)})
		}
	}
	for k, v := range m.kv {
		entries = append(entries, entry{append([]byte{'k'}, k...), v})
	}
	slices.SortFunc(entries, func(x, y entry) int { return bytes.Compare(x.k, y.k) })
	leaves := make([][]byte, len(entries))
	for i, e := range entries {
		leaf := binary.BigEndian.AppendUint16(nil, uint16(len(e.k)))
		leaf = append(leaf, e.k...)
		leaves[i] = append(leaf, e.v...)
	}
	return merkle.HashFromByteSlices(leaves)
}

// gen produces random but reproducible genesis and blocks over a small set
// of accounts and keys, so that ops collide, fail and overwrite often.
type gen struct {
	rnd   *rand.Rand
	users []tx.Address
	keys  [][]byte
}

func newGen(seed uint64) *gen {
	g := &gen{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for i := range 6 {
		g.users = append(g.users, addr(byte(i+1)))
	}
	g.users = append(g.users, minter)
	for _, k := range []string{"a", "b", "c", "\x00", "\xff\xff"} {
		g.keys = append(g.keys, []byte(k))
	}
	return g
}

func (g *gen) genesis() Genesis {
	out := Genesis{Balances: map[tx.Address]uint64{}, Minter: minter}
	for _, u := range g.users[:4] {
		out.Balances[u] = g.rnd.Uint64N(1000)
	}
	return out
}

func (g *gen) amount() uint64 {
	switch g.rnd.IntN(10) {
	case 0:
		return math.MaxUint64 - g.rnd.Uint64N(3) // provokes overflow
	case 1:
		return 0
	default:
		return g.rnd.Uint64N(300)
	}
}

func (g *gen) key() []byte {
	if g.rnd.IntN(8) == 0 {
		k := make([]byte, 1+g.rnd.IntN(MaxKeyLen))
		for i := range k {
			k[i] = byte(g.rnd.IntN(256))
		}
		return k
	}
	return g.keys[g.rnd.IntN(len(g.keys))]
}

func (g *gen) value() []byte {
	n := g.rnd.IntN(16)
	if g.rnd.IntN(20) == 0 {
		n = MaxValueLen
	}
	v := make([]byte, n)
	for i := range v {
		v[i] = byte(g.rnd.IntN(256))
	}
	return v
}

// item returns a random item's sender and data.
func (g *gen) item() (tx.Address, []byte) {
	sender := g.users[g.rnd.IntN(len(g.users))]
	var op Op
	switch g.rnd.IntN(12) {
	case 0, 1, 2, 3:
		op = Transfer{To: g.users[g.rnd.IntN(len(g.users))], Amount: g.amount()}
	case 4, 5:
		if g.rnd.IntN(3) > 0 {
			sender = minter
		}
		op = Mint{To: g.users[g.rnd.IntN(len(g.users))], Amount: g.amount()}
	case 6, 7, 8:
		op = Put{Key: g.key(), Value: g.value()}
	case 9, 10:
		op = Delete{Key: g.key()}
	default:
		junk := make([]byte, g.rnd.IntN(40))
		for i := range junk {
			junk[i] = byte(g.rnd.IntN(256))
		}
		return sender, junk
	}
	data, err := EncodeOp(op)
	if err != nil {
		panic(err) // the generator only builds valid ops
	}
	return sender, data
}

// tagLegs turns about a third of the items of blocks into bundle legs
// with random verdicts (none, commit or abort, equally likely), in place.
func (g *gen) tagLegs(blocks []sdk.Block) {
	for _, b := range blocks {
		for i := range b.Items {
			if g.rnd.IntN(3) == 0 {
				count := 2 + uint32(g.rnd.IntN(3))
				b.Items[i].Bundle = &sdk.BundleLeg{
					Index: uint32(g.rnd.IntN(int(count))), Count: count,
					Verdict: sdk.Verdict(g.rnd.IntN(3)),
				}
			}
		}
	}
}

// blocks returns n consecutive blocks from a random first height, each with
// 0-24 items.
func (g *gen) blocks(n int) []sdk.Block {
	height := 1 + g.rnd.Int64N(1000)
	out := make([]sdk.Block, n)
	for i := range out {
		b := sdk.Block{Height: height + int64(i)}
		for j := range g.rnd.IntN(25) {
			sender, data := g.item()
			var h tx.Hash
			binary.BigEndian.PutUint64(h[:], uint64(b.Height))
			binary.BigEndian.PutUint32(h[8:], uint32(j))
			b.Items = append(b.Items, sdk.Item{TxHash: h, TxIndex: uint32(j), Sender: sender, Data: data})
		}
		out[i] = b
	}
	return out
}
