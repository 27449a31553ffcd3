package ethda

import (
	"encoding/binary"
	"fmt"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ordolabs/ordo/da-poster/da"
)

// A Ref of this backend is the concatenation of the versioned hashes of a
// payload's blobs, in transaction order (32 bytes per blob). It names the
// content, not a transaction: fee bumps replace the transaction and a drop
// starts a new one, but the same bytes always have the same Ref, and Read
// reports the same Ref for them.

// RefOf returns the Ref of a payload carried in blobs with these versioned
// hashes.
func RefOf(hashes []common.Hash) da.Ref {
	out := make(da.Ref, 0, len(hashes)*common.HashLength)
	for _, h := range hashes {
		out = append(out, h[:]...)
	}
	return out
}

// HashesOf splits a Ref into versioned hashes.
func HashesOf(ref da.Ref) ([]common.Hash, error) {
	n := len(ref) / common.HashLength
	if len(ref)%common.HashLength != 0 || n < 1 || n > ProtocolMaxBlobsPerTx {
		return nil, da.Critical(fmt.Errorf("ethda: malformed ref %x", []byte(ref)))
	}
	out := make([]common.Hash, n)
	for i := range out {
		out[i] = common.BytesToHash(ref[i*common.HashLength : (i+1)*common.HashLength])
	}
	return out, nil
}

// position is a place in the DA order: L1 block number, then the index of
// the transaction in the block. A position means "the blobs at or after
// this transaction".
type position struct {
	block uint64
	index uint32
}

const cursorLen = 8 + 4

// CursorAt is the cursor of the start of L1 block number (for a reader
// that starts from a known block rather than Config.ReadStartBlock).
func CursorAt(block uint64) da.Cursor { return position{block: block}.cursor() }

func (p position) cursor() da.Cursor {
	c := make(da.Cursor, cursorLen)
	binary.BigEndian.PutUint64(c, p.block)
	binary.BigEndian.PutUint32(c[8:], p.index)
	return c
}

// decodeCursor parses c; a nil cursor is the start of block start.
func decodeCursor(c da.Cursor, start uint64) (position, error) {
	if len(c) == 0 {
		return position{block: start}, nil
	}
	if len(c) != cursorLen {
		return position{}, da.Critical(fmt.Errorf("ethda: malformed cursor %x", []byte(c)))
	}
	return position{block: binary.BigEndian.Uint64(c), index: binary.BigEndian.Uint32(c[8:])}, nil
}
