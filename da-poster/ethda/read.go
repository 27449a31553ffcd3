package ethda

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/ordolabs/ordo/da-poster/da"
)

// headerBatch is how many headers one JSON-RPC batch fetches while
// scanning.
const headerBatch = 64

// maxSkips bounds readState's memo (one entry per reader cursor in use).
const maxSkips = 64

// readState remembers scans that crossed final L1 blocks without returning
// a final payload, so a caller that reads again from the same cursor (the
// poster does, until a final copy appears) resumes where the scan stopped
// instead of re-reading those blocks: with it, a caller that ignores next
// on empty pages still progresses. Final blocks never change, so an entry
// never goes stale.
type readState struct {
	mu    sync.Mutex
	skips map[position]position
}

func (r *readState) resume(start position) position {
	r.mu.Lock()
	defer r.mu.Unlock()
	if to, ok := r.skips[start]; ok {
		return to
	}
	return start
}

func (r *readState) remember(start, to position) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.skips == nil || len(r.skips) >= maxSkips {
		r.skips = map[position]position{}
	}
	r.skips[start] = to
}

// Read returns the payloads posted to the inbox after cursor, in L1 order
// (block number, then transaction index), as the contract of da.Reader
// says, with these specifics:
//
//   - A payload is a blob transaction to Config.Inbox (from one of
//     Config.Posters, if set) whose blobs, fetched from the beacon API and
//     verified there against their KZG commitments and the transaction's
//     versioned hashes, decode under the blob codec. Other transactions
//     and undecodable payloads are skipped.
//   - Final is "the block is at or below the L1 finalized block". Final
//     payloads never change or disappear. A non-final one may vanish or
//     move in a reorg, and is returned again by later calls until final.
//   - Ref is RefOf(tx.BlobHashes()), the Ref Submit returned for the same
//     bytes; Next is the position after the payload's transaction.
//   - next is after the last final payload returned, and also moves past
//     final blocks scanned without a payload: an empty page with next !=
//     cursor means "keep reading"; an empty page with next == cursor means
//     caught up.
//   - A page holds at most Config.MaxReadBlobs payloads and about
//     Config.MaxReadBytes bytes (at least one payload when one is within
//     reach), from at most Config.MaxReadBlocks L1 blocks.
//
// Errors: a beacon node that cannot serve a final block's blobs (pruned,
// unreachable, invalid) is da.ErrUnavailable: skipping them would lose
// data. For a non-final block, the scan just stops there (its blobs may
// not be served yet, or it was reorged).
func (b *Backend) Read(ctx context.Context, cursor da.Cursor) ([]da.Blob, da.Cursor, error) {
	start, err := decodeCursor(cursor, b.cfg.ReadStartBlock)
	if err != nil {
		return nil, cursor, err
	}
	if err := b.checkChain(ctx); err != nil {
		return nil, cursor, err
	}
	fin, err := b.finalized(ctx)
	if err != nil {
		return nil, cursor, err
	}
	rctx, cancel := b.reqCtx(ctx)
	head, err := b.eth.BlockNumber(rctx)
	cancel()
	if err != nil {
		return nil, cursor, unavailable("block number", err)
	}
	pos := b.read.resume(start)
	s := scan{b: b, fin: fin, next: pos}
	err = s.run(ctx, pos, head)
	if err != nil && len(s.out) == 0 {
		return nil, cursor, err
	}
	if err != nil {
		b.log.Debug("read stopped early", "err", err)
	}
	if !s.finalFound && s.next != start {
		b.read.remember(start, s.next)
	}
	return s.out, s.next.cursor(), nil
}

// scan is one Read's walk over L1 blocks.
type scan struct {
	b          *Backend
	fin        uint64
	out        []da.Blob
	bytes      int
	next       position // after the last final payload or final block
	finalFound bool
}

// run scans blocks from pos up to head (at most MaxReadBlocks of them)
// until the page is full.
func (s *scan) run(ctx context.Context, pos position, head uint64) error {
	if head < pos.block {
		return nil
	}
	last := min(head, pos.block+s.b.cfg.MaxReadBlocks-1)
	for from := pos.block; from <= last; from += headerBatch {
		to := min(last, from+headerBatch-1)
		headers, err := s.b.headers(ctx, from, to)
		if err != nil {
			return err
		}
		for _, h := range headers {
			first := uint32(0)
			if h.Number.Uint64() == pos.block {
				first = pos.index
			}
			done, err := s.block(ctx, h, first)
			if err != nil || !done {
				return err
			}
		}
		if uint64(len(headers)) < to-from+1 {
			return nil // the chain is shorter than it was (a reorg)
		}
	}
	return nil
}

// block reads the payloads of block h from transaction index first. done
// is false when the scan must stop (page full, or a non-final block whose
// data is not available).
func (s *scan) block(ctx context.Context, h *types.Header, first uint32) (done bool, err error) {
	num := h.Number.Uint64()
	final := num <= s.fin
	if h.BlobGasUsed != nil && *h.BlobGasUsed > 0 {
		stop, err := s.payloads(ctx, h, first, final)
		if err != nil {
			if !final {
				s.b.log.Debug("stopping read at non-final block", "block", num, "err", err)
				return false, nil
			}
			return false, err
		}
		if stop {
			return false, nil
		}
	}
	if final {
		s.next = position{block: num + 1}
	}
	return true, nil
}

// payloads appends the payloads of block h from index first; stop is true
// when the page is full.
func (s *scan) payloads(ctx context.Context, h *types.Header, first uint32, final bool) (stop bool, err error) {
	b := s.b
	rctx, cancel := b.reqCtx(ctx)
	blk, err := b.eth.BlockByNumber(rctx, h.Number)
	cancel()
	if err != nil {
		return false, unavailable(fmt.Sprintf("block %d", h.Number), err)
	}
	if blk.Hash() != h.Hash() {
		return false, unavailable(fmt.Sprintf("block %d", h.Number), errors.New("changed while reading (reorg)"))
	}
	var slot uint64
	haveSlot := false
	for i, tx := range blk.Transactions() {
		if uint32(i) < first || !b.accepts(tx) {
			continue
		}
		if !haveSlot {
			sctx, cancel := b.reqCtx(ctx)
			slot, err = b.beacon.SlotAt(sctx, h.Time)
			cancel()
			if err != nil {
				return false, unavailable("beacon slot", err)
			}
			haveSlot = true
		}
		bctx, cancel := b.reqCtx(ctx)
		blobs, err := b.beacon.Blobs(bctx, slot, tx.BlobHashes())
		cancel()
		if err != nil {
			return false, unavailable(fmt.Sprintf("blobs of tx %s in block %d (slot %d)", tx.Hash(), h.Number, slot), err)
		}
		here := position{block: h.Number.Uint64(), index: uint32(i) + 1}
		data, derr := DecodeBlobs(blobs, ProtocolMaxBlobsPerTx)
		if final {
			s.next = here
		}
		if derr != nil {
			b.log.Debug("skipping undecodable inbox payload", "tx", tx.Hash(), "block", h.Number, "err", derr)
			continue
		}
		s.out = append(s.out, da.Blob{Ref: RefOf(tx.BlobHashes()), Data: data, Final: final, Next: here.cursor()})
		s.finalFound = s.finalFound || final
		s.bytes += len(data)
		if len(s.out) >= b.cfg.MaxReadBlobs || s.bytes >= b.cfg.MaxReadBytes {
			return true, nil
		}
	}
	return false, nil
}

// accepts reports whether tx is a blob transaction to the inbox from an
// allowed poster.
func (b *Backend) accepts(tx *types.Transaction) bool {
	if tx.Type() != types.BlobTxType || len(tx.BlobHashes()) == 0 {
		return false
	}
	if to := tx.To(); to == nil || *to != b.cfg.Inbox {
		return false
	}
	if len(b.posters) == 0 {
		return true
	}
	from, err := types.Sender(b.signer, tx)
	return err == nil && b.posters[from]
}

// headers fetches the headers of blocks from..to in one JSON-RPC batch.
// It stops at the first missing one (the chain got shorter: a reorg).
func (b *Backend) headers(ctx context.Context, from, to uint64) ([]*types.Header, error) {
	n := int(to - from + 1)
	hs := make([]*types.Header, n)
	reqs := make([]rpc.BatchElem, n)
	for i := range reqs {
		reqs[i] = rpc.BatchElem{
			Method: "eth_getBlockByNumber",
			Args:   []any{hexutil.EncodeBig(new(big.Int).SetUint64(from + uint64(i))), false},
			Result: &hs[i],
		}
	}
	ctx, cancel := b.reqCtx(ctx)
	defer cancel()
	if err := b.rpc.BatchCallContext(ctx, reqs); err != nil {
		return nil, unavailable("headers batch", err)
	}
	for i, r := range reqs {
		if r.Error != nil {
			return nil, unavailable(fmt.Sprintf("header %d", from+uint64(i)), r.Error)
		}
		if hs[i] == nil {
			return hs[:i], nil
		}
	}
	return hs, nil
}
