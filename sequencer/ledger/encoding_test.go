package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand"
	"reflect"
	"testing"
	"testing/quick"

	"github.com/ordolabs/ordo/sequencer/tx"
)

func TestAccountEncodingRoundTrip(t *testing.T) {
	f := func(bal, nonce uint64) bool {
		a := Account{Balance: bal, Nonce: nonce}
		b := EncodeAccount(a)
		got, err := DecodeAccount(b)
		return err == nil && got == a && len(b) == 16
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 2000, Rand: rand.New(rand.NewSource(1))}); err != nil {
		t.Fatal(err)
	}
	for n := 0; n <= 32; n++ {
		if n == 16 {
			continue
		}
		if _, err := DecodeAccount(make([]byte, n)); err == nil {
			t.Fatalf("DecodeAccount accepted %d bytes", n)
		}
	}
	// Encodings of different accounts differ (the hash relies on it).
	if bytes.Equal(EncodeAccount(Account{Balance: 1}), EncodeAccount(Account{Nonce: 1})) {
		t.Fatal("balance and nonce encode alike")
	}
}

func randomRollup(rng *rand.Rand) Rollup {
	var r Rollup
	rng.Read(r.ID[:])
	rng.Read(r.Owner[:])
	r.MaxBytesPerBlock = rng.Uint64()
	r.RegisteredHeight = rng.Int63()
	name := make([]byte, rng.Intn(tx.MaxRollupName+1))
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-"
	for i := range name {
		name[i] = alphabet[rng.Intn(len(alphabet))]
	}
	r.Name = string(name)
	if rng.Intn(2) == 0 {
		r.Atomic = true
		r.Executor = string(name[:min(len(name), 8)]) + "kv"
		if n := rng.Intn(64); n > 0 {
			r.ExecutorGenesis = make([]byte, n)
			rng.Read(r.ExecutorGenesis)
		}
	}
	return r
}

func TestRollupEncodingRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 2000; i++ {
		r := randomRollup(rng)
		b := EncodeRollup(r)
		got, err := DecodeRollup(b)
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Fatalf("round trip of %+v: %+v, %v", r, got, err)
		}
		// Every truncation and any extra byte is rejected.
		for n := 0; n < len(b); n++ {
			if _, err := DecodeRollup(b[:n]); err == nil {
				t.Fatalf("DecodeRollup accepted a %d-byte prefix of %d bytes", n, len(b))
			}
		}
		if _, err := DecodeRollup(append(bytes.Clone(b), 'x')); err == nil {
			t.Fatal("DecodeRollup accepted a trailing byte")
		}
	}
	// Longest names the length byte can carry still round-trip.
	r := randomRollup(rng)
	r.Name = string(bytes.Repeat([]byte("n"), 255))
	if got, err := DecodeRollup(EncodeRollup(r)); err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("255-byte name: %v", err)
	}
}

// stateDigestSpec is StateDigest as its doc comment specifies it, written
// independently.
func stateDigestSpec(accounts []AccountChange, rollups []Rollup) []byte {
	var buf []byte
	buf = append(buf, "ordo.state.v1"...)
	for _, a := range accounts {
		buf = append(buf, 'a')
		buf = append(buf, a.Address[:]...)
		buf = binary.BigEndian.AppendUint64(buf, a.Account.Balance)
		buf = binary.BigEndian.AppendUint64(buf, a.Account.Nonce)
	}
	for _, r := range rollups {
		buf = append(buf, 'r')
		buf = append(buf, r.ID[:]...)
		buf = append(buf, r.Owner[:]...)
		buf = binary.BigEndian.AppendUint64(buf, r.MaxBytesPerBlock)
		buf = binary.BigEndian.AppendUint64(buf, uint64(r.RegisteredHeight))
		buf = append(buf, byte(len(r.Name)))
		buf = append(buf, r.Name...)
		if !r.Atomic {
			buf = append(buf, 0)
			continue
		}
		buf = append(buf, 1, byte(len(r.Executor)))
		buf = append(buf, r.Executor...)
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(r.ExecutorGenesis)))
		buf = append(buf, r.ExecutorGenesis...)
	}
	sum := sha256.Sum256(buf)
	return sum[:]
}

type hashInput struct {
	accounts []AccountChange
	rollups  []Rollup
}

func (h hashInput) clone() hashInput {
	c := hashInput{}
	c.accounts = append([]AccountChange(nil), h.accounts...)
	c.rollups = append([]Rollup(nil), h.rollups...)
	return c
}

func (h hashInput) hash() []byte {
	d := StateDigest(h.accounts, h.rollups)
	return d[:]
}

func TestStateDigestMatchesSpecAndIsDeterministic(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 200; i++ {
		in := hashInput{}
		for j := rng.Intn(5); j > 0; j-- {
			var a AccountChange
			rng.Read(a.Address[:])
			a.Account = Account{Balance: rng.Uint64(), Nonce: rng.Uint64()}
			in.accounts = append(in.accounts, a)
		}
		for j := rng.Intn(4); j > 0; j-- {
			in.rollups = append(in.rollups, randomRollup(rng))
		}
		got := in.hash()
		if len(got) != sha256.Size {
			t.Fatalf("hash of %d bytes", len(got))
		}
		if want := stateDigestSpec(in.accounts, in.rollups); !bytes.Equal(got, want) {
			t.Fatalf("StateDigest differs from its specification: %x vs %x", got, want)
		}
		if again := in.clone().hash(); !bytes.Equal(got, again) {
			t.Fatal("StateDigest not deterministic")
		}
	}
}

func TestStateDigestSensitiveToEveryInput(t *testing.T) {
	base := hashInput{
		accounts: []AccountChange{
			{Address: tx.Address{1}, Account: Account{Balance: 100, Nonce: 1}},
			{Address: tx.Address{2}, Account: Account{Balance: 200, Nonce: 2}},
		},
		rollups: []Rollup{
			{ID: tx.RollupID{1}, Name: "alpha", Owner: tx.Address{7}, MaxBytesPerBlock: 10, RegisteredHeight: 3},
			{ID: tx.RollupID{2}, Name: "beta", Owner: tx.Address{8}, MaxBytesPerBlock: 0, RegisteredHeight: 4},
		},
	}
	mutations := map[string]func(*hashInput){
		"account address":   func(h *hashInput) { h.accounts[0].Address[19] ^= 1 },
		"account balance":   func(h *hashInput) { h.accounts[0].Account.Balance++ },
		"account nonce":     func(h *hashInput) { h.accounts[1].Account.Nonce++ },
		"account dropped":   func(h *hashInput) { h.accounts = h.accounts[:1] },
		"account added":     func(h *hashInput) { h.accounts = append(h.accounts, AccountChange{Address: tx.Address{3}}) },
		"accounts swapped":  func(h *hashInput) { h.accounts[0], h.accounts[1] = h.accounts[1], h.accounts[0] },
		"rollup id":         func(h *hashInput) { h.rollups[0].ID[5] ^= 1 },
		"rollup name":       func(h *hashInput) { h.rollups[0].Name = "alphb" },
		"rollup name len":   func(h *hashInput) { h.rollups[1].Name = "bet" },
		"rollup owner":      func(h *hashInput) { h.rollups[1].Owner[0] ^= 1 },
		"rollup max bytes":  func(h *hashInput) { h.rollups[1].MaxBytesPerBlock = 1 },
		"rollup height":     func(h *hashInput) { h.rollups[0].RegisteredHeight++ },
		"rollup dropped":    func(h *hashInput) { h.rollups = h.rollups[1:] },
		"rollups swapped":   func(h *hashInput) { h.rollups[0], h.rollups[1] = h.rollups[1], h.rollups[0] },
		"no changes at all": func(h *hashInput) { h.accounts, h.rollups = nil, nil },
	}
	seen := map[string]string{hex.EncodeToString(base.hash()): "base"}
	for name, mutate := range mutations {
		in := base.clone()
		mutate(&in)
		h := hex.EncodeToString(in.hash())
		if other, dup := seen[h]; dup {
			t.Errorf("%q gives the same app hash as %q", name, other)
		}
		seen[h] = name
	}
}

// FuzzDecodeRollup: DecodeRollup never panics, and whatever it accepts
// re-encodes to the same bytes (one encoding per record).
func FuzzDecodeRollup(f *testing.F) {
	rng := rand.New(rand.NewSource(4))
	for i := 0; i < 4; i++ {
		f.Add(EncodeRollup(randomRollup(rng)))
	}
	f.Add([]byte{})
	f.Add(make([]byte, 32+20+8+8+1))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRollup(b)
		if err != nil {
			return
		}
		if again := EncodeRollup(r); !bytes.Equal(again, b) {
			t.Fatalf("DecodeRollup accepted a non-canonical record: %x re-encodes as %x", b, again)
		}
	})
}

// FuzzDecodeAccount: the same for account records.
func FuzzDecodeAccount(f *testing.F) {
	f.Add(EncodeAccount(Account{Balance: 5, Nonce: 7}))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAccount(b)
		if err != nil {
			return
		}
		if again := EncodeAccount(a); !bytes.Equal(again, b) {
			t.Fatalf("DecodeAccount accepted a non-canonical record %x", b)
		}
	})
}
