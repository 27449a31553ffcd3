package forced

import (
	"fmt"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// Status is what happened to an inbox message.
type Status uint8

const (
	// Queued: imported and waiting in the forced queue.
	Queued Status = iota + 1
	// Included: executed in block Height.
	Included
	// Skipped: never executed, for Reason (undecodable, bad signature,
	// oversize, or invalid when it came due).
	Skipped
)

func (s Status) String() string {
	switch s {
	case Queued:
		return "queued"
	case Included:
		return "included"
	case Skipped:
		return "skipped"
	}
	return "unknown"
}

// Record is the fate of one inbox message, indexed by its L1 tx hash.
type Record struct {
	Msg    Message
	Status Status
	// Height is the Ordo height of the import (Queued) or of the outcome.
	Height int64
	// TxHash is the Ordo tx the message carried (zero if undecodable).
	TxHash tx.Hash
	// DataLen is the message's calldata size (records do not keep the data).
	DataLen int
	Reason  string
}

// Import appends a block's imported messages to the queue. decode checks a
// message's data is a canonically encoded Ordo tx with a valid signature
// and chain id (stateless validity); messages that fail it, and oversize
// messages, are recorded as skipped and not queued. The cursor moves to
// next.
func Import(p Params, s State, height int64, msgs []Message, next Cursor, decode func([]byte) (*tx.Tx, error)) (State, []Entry, []Record) {
	var (
		entries []Entry
		records []Record
	)
	for _, m := range msgs {
		r := Record{Msg: m, Height: height, DataLen: len(m.Data)}
		if p.Oversize(m) {
			r.Status, r.Reason = Skipped, fmt.Sprintf("oversize: more than max_forced_bytes %d", p.MaxForcedBytes)
			records = append(records, r)
			continue
		}
		t, err := decode(m.Data)
		if err != nil {
			r.Status, r.Reason = Skipped, err.Error()
			records = append(records, r)
			continue
		}
		r.Status, r.TxHash = Queued, t.Hash
		records = append(records, r)
		entries = append(entries, Entry{Seq: s.Tail, ImportHeight: height, Msg: m})
		s.Tail++
		s.Bytes += int64(len(m.Data))
	}
	s.Cursor = next
	return s, entries, records
}

// Settle removes the block's due prefix from the head of the queue and
// records each entry's outcome: outcome returns, for an entry's tx, nil
// when the block executed it, or why it was excused (it could not execute).
func Settle(s State, height int64, due []Entry, hashes []tx.Hash, outcome func(i int) error) (State, []Record) {
	records := make([]Record, 0, len(due))
	for i, e := range due {
		r := Record{Msg: e.Msg, Height: height, TxHash: hashes[i], Status: Included, DataLen: len(e.Msg.Data)}
		if err := outcome(i); err != nil {
			r.Status, r.Reason = Skipped, err.Error()
		}
		records = append(records, r)
		s.Head++
		s.Bytes -= int64(len(e.Msg.Data))
	}
	return s, records
}
