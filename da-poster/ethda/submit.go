package ethda

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/ordolabs/ordo/da-poster/da"
)

// maxNonceTries bounds how many nonces one Submit tries when the node
// reports the chosen one as used.
const maxNonceTries = 4

// Submit posts payload in one blob transaction to the inbox and returns its
// Ref (the versioned hashes of its blobs) once a node has answered the
// send: accepted the transaction into its pool, or refused it as
// underpriced (Status then re-sends it and raises the fees after
// Config.BumpAfterBlocks blocks).
//
// Idempotence: the Ref is a function of the bytes. If the journal knows the
// Ref and it is not dropped (pending, included or confirmed, in this
// process or an earlier one using the same journal), Submit sends nothing
// new and returns the Ref; if the last send of that submission may not
// have reached a node (an error or a crash in between), the same signed
// transaction is sent again. A dropped or unknown Ref starts a new
// transaction with a fresh nonce.
//
// Errors: a payload over MaxPayload, a read-only backend, a chain id
// mismatch or a transaction the node calls invalid wrap da.ErrCritical;
// node and network failures wrap da.ErrUnavailable.
func (b *Backend) Submit(ctx context.Context, payload []byte) (da.Ref, error) {
	if err := b.writable(); err != nil {
		return nil, err
	}
	if len(payload) > b.cfg.MaxPayload() {
		return nil, da.Critical(fmt.Errorf("ethda: payload of %d bytes exceeds %d (%d blobs per tx); lower the poster's MaxBatchBytes",
			len(payload), b.cfg.MaxPayload(), b.cfg.MaxBlobsPerTx))
	}
	enc, err := encode(payload, b.cfg.MaxBlobsPerTx)
	if err != nil {
		return nil, da.Critical(err)
	}
	ref := RefOf(enc.hashes)
	if err := b.checkChain(ctx); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.notClosed(); err != nil {
		return nil, err
	}
	rec, err := b.lookup(ref)
	if err != nil {
		return nil, err
	}
	switch {
	case rec == nil:
		rec = &record{Blobs: len(enc.blobs)}
		return ref, b.startGeneration(ctx, ref, rec, enc, payload)
	case rec.State == stConfirmed:
		return ref, nil
	case rec.State == stDropped:
		return ref, b.startGeneration(ctx, ref, rec, enc, nil)
	case rec.Accepted:
		return ref, nil
	default:
		_, err := b.resend(ctx, ref, rec, enc)
		return ref, err
	}
}

// startGeneration sends the first transaction of a (new) generation of
// rec: a fresh nonce at market fees. payload is stored with the record when
// not nil (a new submission). Caller holds mu.
func (b *Backend) startGeneration(ctx context.Context, ref da.Ref, rec *record, enc *encoded, payload []byte) error {
	f, head, err := b.marketFees(ctx)
	if err != nil {
		return err
	}
	if b.firstFees != nil {
		f = b.firstFees(f)
	}
	sc, err := b.sidecarFor(ref, enc)
	if err != nil {
		return err
	}
	nonce, err := b.freshNonce(ctx, ref, 0)
	if err != nil {
		return err
	}
	for range maxNonceTries {
		tx, err := b.signTx(sc, nonce, f)
		if err != nil {
			return da.Critical(err)
		}
		rec.State, rec.Nonce, rec.Accepted, rec.SentHead = stActive, nonce, false, head
		rec.Attempts = append(rec.Attempts, attempt{Hash: tx.Hash(), Nonce: nonce, TipCap: f.tip, FeeCap: f.feeCap, BlobFeeCap: f.blobFeeCap})
		// Journal first: after a crash the attempt is known and re-sent.
		if err := b.save(ref, rec, payload); err != nil {
			return err
		}
		payload = nil
		out, err := b.send(ctx, tx)
		if err != nil {
			return err
		}
		switch out {
		case sentOK:
			rec.Accepted = true
			b.log.Info("posted blob tx", "ref", ref.String()[:16], "tx", tx.Hash(), "nonce", nonce, "blobs", len(enc.blobs), "fees", f.String())
			return b.save(ref, rec, nil)
		case sentUnderpriced:
			// Re-sending the same price cannot help; Status re-sends it
			// each block and raises the fees after BumpAfterBlocks.
			rec.Accepted = true
			b.log.Error("node refused blob tx as underpriced; fees will be bumped", "ref", ref.String()[:16], "tx", tx.Hash(), "fees", f.String())
			return b.save(ref, rec, nil)
		}
		// The nonce is taken (on chain, or by another tx in the pool):
		// move past it.
		if nonce, err = b.freshNonce(ctx, ref, nonce+1); err != nil {
			return err
		}
	}
	return unavailable("sending blob tx", fmt.Errorf("no free nonce after %d tries", maxNonceTries))
}

// resend sends the newest attempt of rec again (same nonce, fees and hash):
// after a send whose answer was lost, or when the tx fell out of the pool.
// Caller holds mu.
func (b *Backend) resend(ctx context.Context, ref da.Ref, rec *record, enc *encoded) (sendOutcome, error) {
	a := rec.newest()
	sc, err := b.sidecarFor(ref, enc)
	if err != nil {
		return 0, err
	}
	tx, err := b.signTx(sc, a.Nonce, a.fees())
	if err != nil {
		return 0, da.Critical(err)
	}
	if tx.Hash() != a.Hash {
		// Signing is deterministic; a different hash means a different
		// key or encoding: record it so its receipt is recognized too.
		rec.Attempts = append(rec.Attempts, attempt{Hash: tx.Hash(), Nonce: a.Nonce, TipCap: a.TipCap, FeeCap: a.FeeCap, BlobFeeCap: a.BlobFeeCap})
		if err := b.save(ref, rec, nil); err != nil {
			return 0, err
		}
	}
	out, err := b.send(ctx, tx)
	if err != nil {
		return 0, err
	}
	// Whatever the node said, a re-send of the same tx cannot do better:
	// Status settles it (receipt, consumed nonce, or a bump).
	b.log.Debug("re-sent blob tx", "ref", ref.String()[:16], "tx", tx.Hash(), "outcome", int(out))
	if !rec.Accepted {
		rec.Accepted = true
		if err := b.save(ref, rec, nil); err != nil {
			return 0, err
		}
	}
	return out, nil
}

// sidecarFor returns the sidecar of ref, building it (cell proofs) from
// enc, or from the journal's payload when enc is nil. Caller holds mu.
func (b *Backend) sidecarFor(ref da.Ref, enc *encoded) (*types.BlobTxSidecar, error) {
	if sc, ok := b.sidecars[string(ref)]; ok {
		return sc, nil
	}
	if enc == nil {
		payload, err := b.j.payload(ref)
		if err != nil {
			return nil, err
		}
		if enc, err = encode(payload, ProtocolMaxBlobsPerTx); err != nil {
			return nil, da.Critical(err)
		}
		if got := RefOf(enc.hashes); string(got) != string(ref) {
			return nil, da.Critical(fmt.Errorf("ethda: journal payload of %s encodes to %s", ref, got))
		}
	}
	sc, err := enc.sidecar()
	if err != nil {
		return nil, da.Critical(err)
	}
	b.sidecars[string(ref)] = sc
	return sc, nil
}

// freshNonce picks the nonce of a new generation: the node's pending nonce
// (or at least min), skipped past nonces held by this backend's other
// active submissions (whose txs the node may not count yet). Caller holds
// mu.
func (b *Backend) freshNonce(ctx context.Context, ref da.Ref, least uint64) (uint64, error) {
	rctx, cancel := b.reqCtx(ctx)
	defer cancel()
	n, err := b.eth.PendingNonceAt(rctx, b.sender)
	if err != nil {
		return 0, unavailable("pending nonce", err)
	}
	n = max(n, least)
	held := map[uint64]bool{}
	for k, r := range b.active {
		if k != string(ref) {
			held[r.Nonce] = true
		}
	}
	for held[n] {
		n++
	}
	return n, nil
}
