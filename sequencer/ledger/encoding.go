package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
)

// EncodeAccount is the canonical binary form of an account, used both for
// storage and for the app hash.
func EncodeAccount(a Account) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b[0:8], a.Balance)
	binary.BigEndian.PutUint64(b[8:16], a.Nonce)
	return b
}

// DecodeAccount parses EncodeAccount's output.
func DecodeAccount(b []byte) (Account, error) {
	if len(b) != 16 {
		return Account{}, errors.New("account record must be 16 bytes")
	}
	return Account{Balance: binary.BigEndian.Uint64(b[0:8]), Nonce: binary.BigEndian.Uint64(b[8:16])}, nil
}

// EncodeRollup is the canonical binary form of a rollup record:
//
//	id[32] owner[20] max_bytes:be64 registered:be64 len(name):u8 name atomic:u8
//	[ len(executor):u8 executor len(genesis):be32 genesis ]   (when atomic = 1)
func EncodeRollup(r Rollup) []byte {
	b := make([]byte, 0, 32+20+8+8+1+len(r.Name)+1)
	b = append(b, r.ID[:]...)
	b = append(b, r.Owner[:]...)
	b = binary.BigEndian.AppendUint64(b, r.MaxBytesPerBlock)
	b = binary.BigEndian.AppendUint64(b, uint64(r.RegisteredHeight))
	b = append(b, byte(len(r.Name)))
	b = append(b, r.Name...)
	if !r.Atomic {
		return append(b, 0)
	}
	b = append(b, 1, byte(len(r.Executor)))
	b = append(b, r.Executor...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.ExecutorGenesis)))
	return append(b, r.ExecutorGenesis...)
}

// DecodeRollup parses EncodeRollup's output, and nothing else: every
// truncation or extension of a record is rejected.
func DecodeRollup(b []byte) (Rollup, error) {
	const fixed = 32 + 20 + 8 + 8 + 1
	malformed := errors.New("malformed rollup record")
	if len(b) < fixed || len(b) < fixed+int(b[fixed-1])+1 {
		return Rollup{}, malformed
	}
	var r Rollup
	copy(r.ID[:], b[0:32])
	copy(r.Owner[:], b[32:52])
	r.MaxBytesPerBlock = binary.BigEndian.Uint64(b[52:60])
	r.RegisteredHeight = int64(binary.BigEndian.Uint64(b[60:68]))
	end := fixed + int(b[fixed-1])
	r.Name = string(b[fixed:end])
	rest := b[end:]
	switch {
	case rest[0] == 0 && len(rest) == 1:
		return r, nil
	case rest[0] != 1 || len(rest) < 2 || rest[1] == 0 || len(rest) < 2+int(rest[1])+4:
		return Rollup{}, malformed
	}
	r.Atomic = true
	r.Executor = string(rest[2 : 2+int(rest[1])])
	rest = rest[2+int(rest[1]):]
	if n := binary.BigEndian.Uint32(rest); uint64(len(rest)-4) != uint64(n) {
		return Rollup{}, malformed
	}
	if len(rest) > 4 {
		r.ExecutorGenesis = append([]byte(nil), rest[4:]...)
	}
	return r, nil
}

// StateDigest commits to the state changes of one block:
//
//	state_digest = sha256("ordo.state.v1" || changes)
//
// where changes lists the changed accounts then the changed rollups, each
// sorted by key, in their canonical encodings. Every validator that executes
// the same block on the same state computes the same digest; the block's
// app hash (sequencer/commitment) chains it with the previous app hash, the
// height and the block's rollup data.
func StateDigest(accounts []AccountChange, rollups []Rollup) [32]byte {
	h := sha256.New()
	h.Write([]byte("ordo.state.v1"))
	for _, a := range accounts {
		h.Write([]byte{'a'})
		h.Write(a.Address[:])
		h.Write(EncodeAccount(a.Account))
	}
	for _, r := range rollups {
		h.Write([]byte{'r'})
		h.Write(EncodeRollup(r))
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}
