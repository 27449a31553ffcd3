package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// encodeAccounts builds an encoding by hand: version, minter, the given
// count, then the accounts as listed.
func encodeAccounts(version byte, m tx.Address, count uint32, accts ...account) []byte {
	b := append([]byte{version}, m[:]...)
	b = binary.BigEndian.AppendUint32(b, count)
	for _, a := range accts {
		b = append(b, a.addr[:]...)
		b = binary.BigEndian.AppendUint64(b, a.balance)
	}
	return b
}

// seedGeneses are corpus seeds and test cases: valid encodings and
// near-misses of the canonical form.
func seedGeneses() map[string][]byte {
	valid := encodeAccounts(GenesisVersion, minter, 3, account{alice, 100}, account{bob, 1}, account{addr(9), ^uint64(0)})
	return map[string][]byte{
		"empty-genesis":   encodeAccounts(GenesisVersion, tx.Address{}, 0),
		"one":             encodeAccounts(GenesisVersion, minter, 1, account{alice, 1}),
		"three":           valid,
		"empty-input":     {},
		"unknown-version": encodeAccounts(0x02, minter, 0),
		"short-header":    valid[:genesisHeaderLen-1],
		"truncated":       valid[:len(valid)-1],
		"trailing":        append(append([]byte{}, valid...), 0),
		"unsorted":        encodeAccounts(GenesisVersion, minter, 2, account{bob, 1}, account{alice, 1}),
		"duplicate":       encodeAccounts(GenesisVersion, minter, 2, account{alice, 1}, account{alice, 2}),
		"zero-balance":    encodeAccounts(GenesisVersion, minter, 2, account{alice, 1}, account{bob, 0}),
		"too-many":        encodeAccounts(GenesisVersion, minter, MaxGenesisAccounts+1),
		"huge-count":      encodeAccounts(GenesisVersion, minter, ^uint32(0)),
	}
}

func TestGenesisRoundTrip(t *testing.T) {
	many := Genesis{Balances: map[tx.Address]uint64{}, Minter: minter}
	for i := range MaxGenesisAccounts {
		var a tx.Address
		binary.BigEndian.PutUint32(a[16:], uint32(i*7919)) // not in insertion order
		many.Balances[a] = uint64(i + 1)
	}
	for name, g := range map[string]Genesis{
		"empty":  {Balances: map[tx.Address]uint64{}},
		"funded": fundedGenesis(), // carol's zero balance is not encoded
		"max":    many,
	} {
		enc := EncodeGenesis(g)
		got, err := DecodeGenesis(enc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := Genesis{Balances: map[tx.Address]uint64{}, Minter: g.Minter}
		for a, b := range g.Balances {
			if b != 0 {
				want.Balances[a] = b
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: decoded %+v, want %+v", name, got, want)
		}
		if !bytes.Equal(got.hash(), g.hash()) {
			t.Fatalf("%s: decoded genesis has another identity", name)
		}
		if again := EncodeGenesis(got); !bytes.Equal(again, enc) {
			t.Fatalf("%s: re-encoding differs", name)
		}
	}
	want := encodeAccounts(GenesisVersion, minter, 2, account{alice, 100}, account{bob, 50})
	if got := EncodeGenesis(fundedGenesis()); !bytes.Equal(got, want) {
		t.Fatalf("EncodeGenesis = %x, want %x", got, want)
	}
}

func TestDecodeGenesisErrors(t *testing.T) {
	seeds := seedGeneses()
	for name, want := range map[string]string{
		"empty-input":     "empty input",
		"unknown-version": "unsupported version 0x02",
		"short-header":    "truncated header: 24 bytes, want 25",
		"truncated":       "truncated: 3 accounts need 84 bytes after the header, have 83",
		"trailing":        "1 trailing bytes after 3 accounts",
		"unsorted":        "account 1: address " + alice.String() + " is below the previous " + bob.String(),
		"duplicate":       "account 1: duplicate address " + alice.String(),
		"zero-balance":    "account 1: zero balance for " + bob.String(),
		"too-many":        "1025 accounts, limit 1024",
		"huge-count":      "4294967295 accounts, limit 1024",
	} {
		g, err := DecodeGenesis(seeds[name])
		if !errors.Is(err, ErrGenesisEncoding) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want ErrGenesisEncoding with %q", name, err, want)
		}
		if !reflect.DeepEqual(g, Genesis{}) {
			t.Errorf("%s: a genesis returned with the error", name)
		}
	}
	// More than MaxGenesisAccounts balances have no valid encoding.
	big := Genesis{Balances: map[tx.Address]uint64{}}
	for i := range MaxGenesisAccounts + 1 {
		var a tx.Address
		binary.BigEndian.PutUint32(a[:], uint32(i))
		big.Balances[a] = 1
	}
	if _, err := DecodeGenesis(EncodeGenesis(big)); !errors.Is(err, ErrGenesisEncoding) {
		t.Fatalf("decoding an oversized genesis: %v", err)
	}
}

// TestDecodeGenesisDoesNotAlias: the decoded genesis survives changes to
// the input.
func TestDecodeGenesisDoesNotAlias(t *testing.T) {
	b := seedGeneses()["three"]
	g, err := DecodeGenesis(b)
	if err != nil {
		t.Fatal(err)
	}
	want := EncodeGenesis(g)
	for i := range b {
		b[i] = 0xFF
	}
	if !bytes.Equal(EncodeGenesis(g), want) {
		t.Fatalf("decoded genesis aliases its input")
	}
}
