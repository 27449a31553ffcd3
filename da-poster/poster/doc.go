// Package poster posts finalized Ordo blocks to a DA layer in compressed
// batches (da-poster/batch) and reports the firm height: the highest h such
// that every height <= h is confirmed (final) on DA.
//
// It is split like Optimism's batcher: Manager is the state (what is
// finalized, who proposed it, what this poster has posted, what is seen and
// confirmed on DA) and decides what to post; Driver does the I/O (block
// source, DA backend, clock, retries) around it.
//
// # Posting duty
//
// The proposer of a height posts it (with Config.DutyWindow = W > 1: the
// proposer of the last height of each window of W heights posts the
// window). Any validator posts a height that has no valid copy seen on DA
// more than Config.OverdueBlocks heights after its window closed. Readers
// take the first valid copy of each height in DA order, so duplicates from
// different posters are harmless; a copy is valid when its batch decodes
// and every record equals the committed block (the poster checks other
// posters' copies against its own node's records before counting them).
//
// # Crash safety
//
// Before a batch's bytes are first submitted, the poster records an intent
// (heights, sha256 and the bytes themselves) in its Journal (badger); after
// Submit it records the DA reference; confirmations advance the persisted
// firm height. A restart with an intent but no reference re-submits the
// identical bytes, and backends return the existing reference for bytes
// they already hold (da.Submitter's contract), so a crash at any point
// neither posts a height twice nor skips one. A blob the DA layer drops
// (an Ethereum reorg) is submitted again, same bytes.
//
// # Wiring
//
//	j, _ := poster.OpenJournal(filepath.Join(dataDir, "da-poster"), poster.JournalOptions{SyncWrites: true})
//	be, _ := localda.Dial("127.0.0.1:7980") // or any da.Backend
//	cfg := poster.DefaultConfig()
//	cfg.Self = validatorAddress
//	d, _ := poster.New(cfg, poster.Deps{Source: blocks, Backend: be, Journal: j, Logger: logger,
//		OnFirm: func(h int64) { /* tell the rollup adapters */ }})
//	_ = d.Start()
//	// after each commit: d.Notify()
//	// on shutdown: d.Stop(); j.Close(); be.Close()
package poster
