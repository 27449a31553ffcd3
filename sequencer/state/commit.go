package state

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Pending is everything one block writes. FinalizeBlock builds it; Commit
// persists it atomically.
type Pending struct {
	Height   int64
	AppHash  []byte
	Accounts []ledger.AccountChange
	Rollups  []ledger.Rollup
	// Params and Validators are set only by genesis.
	Params     *ledger.Params
	Validators []Validator
	// LastBlock is the block's own hash and time (nil for genesis).
	LastBlock *BlockMeta
	// Block is the block record; nil for genesis.
	Block *sequencerv1.BlockResponse
	// TxCodes holds each block tx's result code, by index.
	TxCodes []uint32
	// RollupBlocks holds the per-rollup items of the block, only for
	// rollups that have items.
	RollupBlocks []*sequencerv1.RollupBlockResponse
	// RollupEntries are the entries of the block's rollups tree, sorted by
	// rollup id; stored with Block.
	RollupEntries []commitment.Entry
	// Inbox holds the block's L1 inbox changes (nil: none).
	Inbox *InboxChanges
	// Bundles holds the block's bundle changes (nil: none).
	Bundles *BundleChanges
}

// Commit writes p in one transaction. It refuses to skip or repeat a height.
func (s *Store) Commit(p *Pending) error {
	last, _, err := s.LastCommitted()
	if err != nil {
		return err
	}
	switch {
	case p.Height == 0 && last == 0: // genesis (rewritten if InitChain runs again)
	case p.Height == last+1:
	case last == 0 && p.Params == nil && p.Height > 0 && s.firstBlockAllowed(p.Height):
	default:
		return fmt.Errorf("commit of height %d after height %d", p.Height, last)
	}
	return s.db.Update(func(txn *badger.Txn) error {
		for _, a := range p.Accounts {
			if err := txn.Set(accountKey(a.Address), ledger.EncodeAccount(a.Account)); err != nil {
				return err
			}
		}
		for _, r := range p.Rollups {
			if err := txn.Set(rollupKey(r.ID), ledger.EncodeRollup(r)); err != nil {
				return err
			}
		}
		if p.Params != nil {
			b, err := json.Marshal(p.Params)
			if err != nil {
				return err
			}
			if err := txn.Set(keyParams, b); err != nil {
				return err
			}
		}
		for _, v := range p.Validators {
			if len(v.PubKey) != 32 {
				return fmt.Errorf("validator %X: public key must be 32 bytes", v.Address)
			}
			if err := txn.Set(validatorKey(v.Address), encodeValidator(v)); err != nil {
				return err
			}
		}
		if p.LastBlock != nil {
			if err := txn.Set(keyLastBlock, encodeBlockMeta(*p.LastBlock)); err != nil {
				return err
			}
		}
		if p.Block != nil {
			b, err := p.Block.Marshal()
			if err != nil {
				return err
			}
			if err := txn.Set(heightKey(prefixBlock, p.Height), b); err != nil {
				return err
			}
			if err := txn.Set(heightKey(prefixEntries, p.Height), encodeEntries(p.RollupEntries)); err != nil {
				return err
			}
			for _, i := range indexedTxs(p) {
				h, err := tx.ParseHash(p.Block.Txs[i].Hash)
				if err != nil {
					return err
				}
				rec := make([]byte, 16)
				binary.BigEndian.PutUint64(rec[0:8], uint64(p.Height))
				binary.BigEndian.PutUint32(rec[8:12], uint32(i))
				if i < len(p.TxCodes) {
					binary.BigEndian.PutUint32(rec[12:16], p.TxCodes[i])
				}
				if err := txn.Set(append([]byte{prefixTx}, h[:]...), rec); err != nil {
					return err
				}
			}
		}
		for _, rb := range p.RollupBlocks {
			var id tx.RollupID
			copy(id[:], rb.RollupId)
			b, err := rb.Marshal()
			if err != nil {
				return err
			}
			if err := txn.Set(rollupBlockKey(id, p.Height), b); err != nil {
				return err
			}
		}
		if p.Inbox != nil {
			if err := writeInbox(txn, p.Inbox); err != nil {
				return err
			}
		}
		if p.Bundles != nil {
			if err := writeBundles(txn, p.Height, p.Bundles); err != nil {
				return err
			}
		}
		hb := make([]byte, 8)
		binary.BigEndian.PutUint64(hb, uint64(p.Height))
		if err := txn.Set(keyHeight, hb); err != nil {
			return err
		}
		return txn.Set(keyAppHash, p.AppHash)
	})
}

// indexedTxs picks, for each distinct tx hash in the block, the position the
// tx index records: the first copy that executed (code 0), else the first
// copy. A block repeats a tx only if it was decided by faulty validators or
// replayed, but the index must still point at the copy that took effect.
func indexedTxs(p *Pending) []int {
	chosen := make(map[string]int, len(p.Block.Txs))
	var order []string
	for i, btx := range p.Block.Txs {
		prev, seen := chosen[btx.Hash]
		if !seen {
			order = append(order, btx.Hash)
			chosen[btx.Hash] = i
			continue
		}
		if codeAt(p, prev) != 0 && codeAt(p, i) == 0 {
			chosen[btx.Hash] = i
		}
	}
	out := make([]int, len(order))
	for j, h := range order {
		out[j] = chosen[h]
	}
	return out
}

func codeAt(p *Pending, i int) uint32 {
	if i < len(p.TxCodes) {
		return p.TxCodes[i]
	}
	return 0
}

// firstBlockAllowed reports whether height may be the first block after
// genesis: it must equal the genesis initial height.
func (s *Store) firstBlockAllowed(height int64) bool {
	p, err := s.Params()
	return err == nil && p.NextHeight(0) == height
}

// encodeEntries concatenates the entries' leaves (commitment.EntryLeaf).
func encodeEntries(entries []commitment.Entry) []byte {
	b := make([]byte, 0, len(entries)*commitment.EntryLeafSize)
	for _, e := range entries {
		b = append(b, commitment.EntryLeaf(e)...)
	}
	return b
}

func decodeEntries(b []byte) ([]commitment.Entry, error) {
	if len(b)%commitment.EntryLeafSize != 0 {
		return nil, fmt.Errorf("malformed rollup entries record of %d bytes", len(b))
	}
	out := make([]commitment.Entry, 0, len(b)/commitment.EntryLeafSize)
	for ; len(b) > 0; b = b[commitment.EntryLeafSize:] {
		var e commitment.Entry
		copy(e.Rollup[:], b[0:32])
		e.Count = binary.BigEndian.Uint32(b[32:36])
		copy(e.DataRoot[:], b[36:68])
		out = append(out, e)
	}
	return out, nil
}
