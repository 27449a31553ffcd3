package state

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/ordolabs/ordo/sequencer/forced"
)

// Key prefixes of the L1 inbox (see store.go for the others).
const (
	prefixForcedQueue  = 'f' // be64(seq) → forced.EncodeEntry
	prefixForcedRecord = 'l' // L1 tx hash → encodeRecord
)

var keyInbox = []byte{prefixMeta, 'i'}

// InboxChanges is what one block changes in the L1 inbox.
type InboxChanges struct {
	State    forced.State
	Appended []forced.Entry
	// Removed are the queue seqs [RemovedFrom, RemovedTo) the block settled.
	RemovedFrom, RemovedTo uint64
	Records                []forced.Record
}

// InboxState returns the committed inbox state; ok is false before the
// first import (the caller starts from forced.Start).
func (v *Snapshot) InboxState() (forced.State, bool, error) {
	b, err := get(v.txn, keyInbox)
	if errors.Is(err, ErrNotFound) {
		return forced.State{}, false, nil
	}
	if err != nil {
		return forced.State{}, false, err
	}
	s, err := forced.DecodeState(b)
	return s, err == nil, err
}

// QueueEntries returns up to n queued entries from seq on, in queue order.
func (v *Snapshot) QueueEntries(from uint64, n int) ([]forced.Entry, error) {
	var out []forced.Entry
	for seq := from; len(out) < n; seq++ {
		b, err := get(v.txn, queueKey(seq))
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		e, err := forced.DecodeEntry(b)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// ForcedRecord returns what happened to the inbox message sent in L1 tx
// l1Tx.
func (s *Store) ForcedRecord(l1Tx [32]byte) (forced.Record, error) {
	var r forced.Record
	err := s.db.View(func(txn *badger.Txn) error {
		b, err := get(txn, append([]byte{prefixForcedRecord}, l1Tx[:]...))
		if err != nil {
			return err
		}
		r, err = decodeRecord(b)
		return err
	})
	return r, err
}

// writeInbox applies a block's inbox changes inside a commit.
func writeInbox(txn *badger.Txn, c *InboxChanges) error {
	for seq := c.RemovedFrom; seq < c.RemovedTo; seq++ {
		if err := txn.Delete(queueKey(seq)); err != nil {
			return err
		}
	}
	for _, e := range c.Appended {
		if err := txn.Set(queueKey(e.Seq), forced.EncodeEntry(e)); err != nil {
			return err
		}
	}
	for _, r := range c.Records {
		if err := txn.Set(append([]byte{prefixForcedRecord}, r.Msg.L1Tx[:]...), encodeRecord(r)); err != nil {
			return err
		}
	}
	return txn.Set(keyInbox, forced.EncodeState(c.State))
}

func queueKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixForcedQueue}, seq)
}

// encodeRecord: status(1) || be64(height) || tx_hash(32) || be64(l1_block)
// || be32(tx_index) || l1_tx(32) || be32(data_len) || reason.
func encodeRecord(r forced.Record) []byte {
	b := make([]byte, 0, 1+8+32+8+4+32+4+len(r.Reason))
	b = append(b, byte(r.Status))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Height))
	b = append(b, r.TxHash[:]...)
	b = binary.BigEndian.AppendUint64(b, r.Msg.L1Block)
	b = binary.BigEndian.AppendUint32(b, r.Msg.TxIndex)
	b = append(b, r.Msg.L1Tx[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(r.DataLen))
	return append(b, r.Reason...)
}

func decodeRecord(b []byte) (forced.Record, error) {
	const fixed = 1 + 8 + 32 + 8 + 4 + 32 + 4
	if len(b) < fixed {
		return forced.Record{}, fmt.Errorf("malformed forced record of %d bytes", len(b))
	}
	var r forced.Record
	r.Status = forced.Status(b[0])
	r.Height = int64(binary.BigEndian.Uint64(b[1:9]))
	copy(r.TxHash[:], b[9:41])
	r.Msg.L1Block = binary.BigEndian.Uint64(b[41:49])
	r.Msg.TxIndex = binary.BigEndian.Uint32(b[49:53])
	copy(r.Msg.L1Tx[:], b[53:85])
	r.DataLen = int(binary.BigEndian.Uint32(b[85:89]))
	r.Reason = string(b[fixed:])
	return r, nil
}
