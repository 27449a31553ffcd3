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

// MaxRetries bounds how many blocks may leave out a forced tx that could
// execute (it did not fit beside other required txs: a shared rollup cap,
// or a dependency on another account's tx in the same block) before it is
// skipped for good.
const MaxRetries = 4

// Outcome is what a block did with one due entry.
type Outcome struct {
	// Included: the block executed the entry's tx.
	Included bool
	// Err, when not included, is why: the tx could not execute (Retry
	// false: skipped for good) or was left out although it could (Retry
	// true: queued again, at the tail, while Retries < MaxRetries).
	Err   error
	Retry bool
}

// Settle removes the block's due prefix from the head of the queue and
// records each entry's outcome (outcome(i) for due[i]). An entry left out
// although it could execute is appended again at the tail (a new seq,
// Retries+1) until MaxRetries, then skipped. It returns the new state, the
// re-appended entries and the records.
func Settle(s State, height int64, due []Entry, hashes []tx.Hash, outcome func(i int) Outcome) (State, []Entry, []Record) {
	records := make([]Record, 0, len(due))
	var again []Entry
	for i, e := range due {
		o := outcome(i)
		r := Record{Msg: e.Msg, Height: height, TxHash: hashes[i], Status: Included, DataLen: len(e.Msg.Data)}
		s.Head++
		s.Bytes -= int64(len(e.Msg.Data))
		switch {
		case o.Included:
		case o.Retry && e.Retries < MaxRetries:
			r.Status, r.Reason = Queued, fmt.Sprintf("left out at height %d (%v): queued again", height, o.Err)
			e.Seq, e.Retries = s.Tail, e.Retries+1
			s.Tail++
			s.Bytes += int64(len(e.Msg.Data))
			again = append(again, e)
		case o.Retry:
			r.Status, r.Reason = Skipped, fmt.Sprintf("left out by %d blocks although it could execute (%v)", MaxRetries+1, o.Err)
		default:
			r.Status, r.Reason = Skipped, o.Err.Error()
		}
		records = append(records, r)
	}
	return s, again, records
}
