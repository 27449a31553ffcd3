// Package ethda is the `ethereum` DA backend of Ordo's poster: it posts
// batches as EIP-4844 blob transactions through go-ethereum's ethclient to
// any Ethereum JSON-RPC endpoint, and reads them back through the standard
// beacon API (l1/beacon: blob_sidecars, each blob checked against its KZG
// commitment and the transaction's versioned hashes).
//
// # Encoding
//
// A payload (an encoded batch) is packed into as few blobs as hold it, 31
// bytes per field element with the high byte zero, behind a version byte
// and a length (codec.go); one transaction carries one payload, in at most
// Config.MaxBlobsPerTx blobs (6, the Osaka per-transaction cap), so at most
// MaxPayloadBytes(6) = 761,851 bytes. The poster's MaxBatchBytes must not
// exceed Backend.MaxPayload(); a larger payload is da.ErrCritical.
//
// # References and idempotence
//
// A Ref is the concatenation of the payload's versioned hashes (ref.go): a
// function of the bytes, not of a transaction, so it survives fee bumps
// (which replace the transaction) and re-posts after a drop. A badger
// journal (Config.JournalDir) records each submission — nonce, every signed
// attempt's hash and fees, the payload until confirmed — before anything is
// sent, so identical bytes submitted again, in this process or after a
// restart, return the known Ref without a new transaction (Submit).
//
// # Lifecycle of a submission (Status)
//
// Pending (in a pool; re-sent if the node lost it; replaced with fees
// raised by Config.BumpPercent, same nonce and blobs, every
// Config.BumpAfterBlocks L1 blocks) → Included (canonical receipt above the
// L1 "finalized" block) → Confirmed (at or below it; terminal). Dropped:
// no receipt and the nonce used by another transaction; the next Submit of
// the bytes sends a new transaction with a fresh nonce.
//
// # Reorgs: what is and is not guaranteed
//
//   - Confirmed and Final rely on the L1 "finalized" tag: they are never
//     undone unless L1 finality itself is violated.
//   - Included and non-final Read results may be undone by a reorg; Status
//     then reports Pending (the tx returned to the pool) or Dropped, and
//     Read stops returning or moves them.
//   - Dropped is judged at the latest block. After a deep reorg an old
//     transaction of a dropped submission could still be included next to
//     its re-post: a duplicate copy, which readers tolerate (first valid
//     copy wins); no payload is lost.
//   - Read's order (block number, transaction index) and cursors are
//     stable for final blocks only.
//
// # Nonces
//
// One nonce sequence per key: the key must be used by this backend only,
// in one process. A new transaction takes the node's pending nonce,
// skipping nonces of this backend's other active submissions; "nonce too
// low" and "replacement transaction underpriced" move to the next nonce,
// "already known" counts as accepted.
//
// # Wiring
//
//	cfg := ethda.DefaultConfig()
//	cfg.RPCURL, cfg.BeaconURL, cfg.ChainID = rpcURL, beaconURL, chainID
//	cfg.Key = posterKey                       // nil: read-only backend
//	cfg.Inbox = inboxAddress                  // same for every validator and reader
//	cfg.Posters = validatorL1Addresses        // optional reader allow-list
//	cfg.JournalDir = filepath.Join(dataDir, "ethda")
//	be, err := ethda.Open(ctx, cfg)
//	pcfg := poster.DefaultConfig()
//	pcfg.MaxBatchBytes = be.MaxPayload()
//	// poster.New(pcfg, poster.Deps{Backend: be, ...}); on shutdown be.Close()
package ethda
