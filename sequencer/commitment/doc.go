// Package commitment defines Ordo's per-block commitments to rollup data and
// how they are proven and verified.
//
// For every block, each rollup with items gets a data root: an RFC 6962
// Merkle root (CometBFT's crypto/merkle) over its items' leaves, in block
// order. The rollups root is a Merkle root over one entry per rollup with
// items — (rollup id, item count, data root) — sorted by rollup id. The app
// hash of the block commits to the rollups root and the number of entries,
// and CometBFT puts that app hash in the next header, which the light client
// verifies. A rollup that holds only its own items, that header and a
// RollupProof can therefore check it has exactly its items, complete and in
// order, or that it had none at that height.
//
// The exact scheme is written in docs/spec/commitments.md; this package is
// its only implementation, used by the sequencer to build commitments and
// by the rollup SDK to verify them.
package commitment
