package forced

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Message is one L1 inbox message: an L1 tx to the inbox address whose
// calldata is an Ordo tx.
type Message struct {
	L1Block uint64
	TxIndex uint32
	L1Tx    [32]byte
	Data    []byte
	// Oversize marks a message whose calldata exceeded the follower's
	// limit; its Data is empty and it is recorded as skipped.
	Oversize bool
}

// Entry is a queued forced tx: a message whose data decoded as a signed
// Ordo tx when imported.
type Entry struct {
	Seq          uint64
	ImportHeight int64
	// Retries counts the blocks that left the entry out although it could
	// execute (see Settle).
	Retries uint32
	Msg     Message
}

// State is the inbox state every validator keeps in consensus: the import
// cursor, the queue bounds [Head, Tail) and the queued data bytes.
type State struct {
	Cursor Cursor
	Head   uint64
	Tail   uint64
	Bytes  int64
}

// Len is the number of queued entries.
func (s State) Len() uint64 { return s.Tail - s.Head }

// EncodeEntry is an entry's canonical encoding:
//
//	be64(seq) || be64(import_height) || be32(retries) || be64(l1_block) || be32(tx_index) || l1_tx(32) || data
func EncodeEntry(e Entry) []byte {
	b := make([]byte, 0, 8+8+4+8+4+32+len(e.Msg.Data))
	b = binary.BigEndian.AppendUint64(b, e.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(e.ImportHeight))
	b = binary.BigEndian.AppendUint32(b, e.Retries)
	b = binary.BigEndian.AppendUint64(b, e.Msg.L1Block)
	b = binary.BigEndian.AppendUint32(b, e.Msg.TxIndex)
	b = append(b, e.Msg.L1Tx[:]...)
	return append(b, e.Msg.Data...)
}

// DecodeEntry parses EncodeEntry's output.
func DecodeEntry(b []byte) (Entry, error) {
	const fixed = 8 + 8 + 4 + 8 + 4 + 32
	if len(b) < fixed {
		return Entry{}, errors.New("malformed forced-queue entry")
	}
	var e Entry
	e.Seq = binary.BigEndian.Uint64(b[0:8])
	e.ImportHeight = int64(binary.BigEndian.Uint64(b[8:16]))
	e.Retries = binary.BigEndian.Uint32(b[16:20])
	e.Msg.L1Block = binary.BigEndian.Uint64(b[20:28])
	e.Msg.TxIndex = binary.BigEndian.Uint32(b[28:32])
	copy(e.Msg.L1Tx[:], b[32:64])
	e.Msg.Data = append([]byte(nil), b[fixed:]...)
	return e, nil
}

// EncodeState is the state's canonical encoding: be64(cursor.block) ||
// be32(cursor.index) || be64(head) || be64(tail) || be64(bytes).
func EncodeState(s State) []byte {
	b := make([]byte, 0, 36)
	b = binary.BigEndian.AppendUint64(b, s.Cursor.Block)
	b = binary.BigEndian.AppendUint32(b, s.Cursor.Index)
	b = binary.BigEndian.AppendUint64(b, s.Head)
	b = binary.BigEndian.AppendUint64(b, s.Tail)
	return binary.BigEndian.AppendUint64(b, uint64(s.Bytes))
}

// DecodeState parses EncodeState's output.
func DecodeState(b []byte) (State, error) {
	if len(b) != 36 {
		return State{}, fmt.Errorf("malformed inbox state of %d bytes", len(b))
	}
	return State{
		Cursor: Cursor{Block: binary.BigEndian.Uint64(b[0:8]), Index: binary.BigEndian.Uint32(b[8:12])},
		Head:   binary.BigEndian.Uint64(b[12:20]),
		Tail:   binary.BigEndian.Uint64(b[20:28]),
		Bytes:  int64(binary.BigEndian.Uint64(b[28:36])),
	}, nil
}

// Digest commits to a block's inbox changes for the state digest (blocks
// that change nothing in the inbox have no inbox digest):
//
//	sha256("ordo.inbox.v1" || EncodeState(after) || for each appended entry: sha256(EncodeEntry))
func Digest(after State, appended []Entry) []byte {
	h := sha256.New()
	h.Write([]byte("ordo.inbox.v1"))
	h.Write(EncodeState(after))
	for _, e := range appended {
		sum := sha256.Sum256(EncodeEntry(e))
		h.Write(sum[:])
	}
	return h.Sum(nil)
}
