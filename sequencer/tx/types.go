// Package tx holds Ordo's checked transaction domain types. Raw protobuf
// messages (proto/ordo/tx/v1) are converted once, by Decode, into these
// validated values; the rest of Ordo never handles an unchecked message.
package tx

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Address is a 20-byte account address: the first 20 bytes of
// sha256(ed25519 public key), the same rule CometBFT uses for validator
// addresses, so a validator's fee account is its consensus address.
type Address [20]byte

// AddressFromPubKey derives the account address of an ed25519 public key.
func AddressFromPubKey(pub []byte) Address {
	sum := sha256.Sum256(pub)
	var a Address
	copy(a[:], sum[:20])
	return a
}

// ParseAddress parses a 40-character hex address (an optional 0x prefix is
// accepted).
func ParseAddress(s string) (Address, error) {
	var a Address
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
	if err != nil || len(b) != len(a) {
		return a, fmt.Errorf("address %q: want 40 hex characters", s)
	}
	copy(a[:], b)
	return a, nil
}

func (a Address) String() string { return strings.ToUpper(hex.EncodeToString(a[:])) }

// RollupID identifies a rollup: sha256 of its registered name.
type RollupID [32]byte

// RollupIDFromName derives a rollup id from a rollup name.
func RollupIDFromName(name string) RollupID { return sha256.Sum256([]byte(name)) }

// ParseRollupID parses a 64-character hex rollup id.
func ParseRollupID(s string) (RollupID, error) {
	var id RollupID
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != len(id) {
		return id, fmt.Errorf("rollup id %q: want 64 hex characters", s)
	}
	copy(id[:], b)
	return id, nil
}

func (r RollupID) String() string { return hex.EncodeToString(r[:]) }

// Hash is the sha256 of a tx's raw bytes, the same hash CometBFT reports.
type Hash [32]byte

func (h Hash) String() string { return strings.ToUpper(hex.EncodeToString(h[:])) }

// ParseHash parses a 64-character hex tx hash.
func ParseHash(s string) (Hash, error) {
	var h Hash
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("tx hash %q: want 64 hex characters", s)
	}
	copy(h[:], b)
	return h, nil
}

// Action is one checked operation of a transaction: *RollupData, *Bundle,
// *RegisterRollup or *Transfer.
type Action interface{ isAction() }

// RollupData is an opaque item for one rollup.
type RollupData struct {
	Rollup RollupID
	Data   []byte
}

// Bundle has legs for two or more distinct rollups, included all-or-none.
type Bundle struct {
	Legs []RollupData
}

// RegisterRollup registers a rollup owned by the sender.
type RegisterRollup struct {
	Name             string
	MaxBytesPerBlock uint64
	// Atomic opts the rollup into atomic bundle execution; Executor is the
	// executor kind validators run for it and ExecutorGenesis its initial
	// state (both empty unless Atomic). Decode checks their form only; the
	// ledger checks the kind is supported and the genesis decodes.
	Atomic          bool
	Executor        string
	ExecutorGenesis []byte
}

// Transfer moves native balance to another account.
type Transfer struct {
	To     Address
	Amount uint64
}

func (*RollupData) isAction()     {}
func (*Bundle) isAction()         {}
func (*RegisterRollup) isAction() {}
func (*Transfer) isAction()       {}

// Tx is a decoded, structurally valid transaction. Its signature is checked
// by Verify, not by Decode. Tx values are immutable once decoded.
type Tx struct {
	Raw     []byte
	Hash    Hash
	PubKey  []byte
	Sender  Address
	ChainID string
	Nonce   uint64
	Fee     uint64
	Actions []Action

	body      []byte
	signature []byte
}

// Size is the tx's size in bytes on the wire.
func (t *Tx) Size() int { return len(t.Raw) }

// HasBundle reports whether t carries a Bundle action (at most one).
func (t *Tx) HasBundle() bool {
	for _, a := range t.Actions {
		if _, ok := a.(*Bundle); ok {
			return true
		}
	}
	return false
}

// Spend is the most native balance the tx can take from its sender: the fee
// plus every transfer amount. ok is false on overflow.
func (t *Tx) Spend() (total uint64, ok bool) {
	total = t.Fee
	for _, a := range t.Actions {
		if tr, isTransfer := a.(*Transfer); isTransfer {
			next := total + tr.Amount
			if next < total {
				return 0, false
			}
			total = next
		}
	}
	return total, true
}

// RollupBytes returns the rollup data bytes the tx carries per rollup, in
// the order the rollups first appear in the tx.
func (t *Tx) RollupBytes() []RollupUsage {
	var out []RollupUsage
	add := func(id RollupID, n int) {
		for i := range out {
			if out[i].Rollup == id {
				out[i].Bytes += uint64(n)
				return
			}
		}
		out = append(out, RollupUsage{Rollup: id, Bytes: uint64(n)})
	}
	for _, a := range t.Actions {
		switch a := a.(type) {
		case *RollupData:
			add(a.Rollup, len(a.Data))
		case *Bundle:
			for _, l := range a.Legs {
				add(l.Rollup, len(l.Data))
			}
		}
	}
	return out
}

// RollupUsage is how many rollup data bytes a tx carries for one rollup.
type RollupUsage struct {
	Rollup RollupID
	Bytes  uint64
}

// HashOf returns the hash of raw tx bytes.
func HashOf(raw []byte) Hash { return sha256.Sum256(raw) }
