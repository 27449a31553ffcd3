package state

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Validator is a member of the (static) validator set, stored at genesis.
type Validator struct {
	Address []byte // 20 bytes, CometBFT's address of PubKey
	PubKey  []byte // ed25519, 32 bytes
	Power   int64
}

// BlockMeta identifies the last committed block.
type BlockMeta struct {
	Hash     []byte
	TimeUnix int64 // unix milliseconds
}

var keyLastBlock = []byte{prefixMeta, 'l'}

const prefixValidator = 'v'

// Validators returns the validator set stored at genesis, in address order.
func (s *Store) Validators() ([]Validator, error) {
	var out []Validator
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixValidator}, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			b, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if len(b) != 8+32 {
				return errors.New("malformed validator record")
			}
			addr := append([]byte(nil), it.Item().Key()[1:]...)
			out = append(out, Validator{Address: addr, Power: int64(binary.BigEndian.Uint64(b[:8])), PubKey: b[8:]})
		}
		return nil
	})
	return out, err
}

// LastBlock returns the last committed block's hash and time (zero before
// the first block).
func (s *Store) LastBlock() (BlockMeta, error) {
	var m BlockMeta
	err := s.db.View(func(txn *badger.Txn) error {
		b, err := get(txn, keyLastBlock)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(b) < 8 {
			return fmt.Errorf("malformed last-block record")
		}
		m.TimeUnix = int64(binary.BigEndian.Uint64(b[:8]))
		m.Hash = b[8:]
		return nil
	})
	return m, err
}

func validatorKey(addr []byte) []byte { return append([]byte{prefixValidator}, addr...) }

func encodeValidator(v Validator) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(v.Power))
	return append(b, v.PubKey...)
}

func encodeBlockMeta(m BlockMeta) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(m.TimeUnix))
	return append(b, m.Hash...)
}
