// Package devchain runs a real go-ethereum execution chain in-process, for
// the localnet and for tests, as Ordo's L1: the chain that EIP-4844 DA
// posting writes blobs to and that the forced-inclusion inbox lives on.
//
// What it runs: an eth.Ethereum node (go-ethereum's own EVM, tx pool, blob
// pool and JSON-RPC server) on an in-memory database, with no p2p. A small
// block producer inside this package plays the consensus client: for each
// block it asks go-ethereum's miner for a payload built from the tx pool
// (the same path as engine_forkchoiceUpdated + engine_getPayload), keeps the
// payload's blobs bundle, inserts the block and makes it the head (as
// engine_newPayload + engine_forkchoiceUpdated would). Every fork up to
// and including Osaka (so Cancun's EIP-4844) is active from genesis, so
// type-3 blob transactions are accepted and included.
//
// Blob sidecar versions: go-ethereum v1.17's blob pool holds only
// version-1 (Osaka, cell-proof) sidecars. eth_sendRawTransaction still
// converts a version-0 sidecar (one blob proof per blob) for the sender,
// but go-ethereum marks that conversion for removal: senders should build
// version-1 sidecars (types.BlobTxSidecar.ToV1, or
// kzg4844.ComputeCellProofs). The beacon API serves the EIP-4844 blob
// proof (kzg_proof) either way, computing it from the blob.
//
// Endpoints (loopback only):
//   - standard Ethereum JSON-RPC over HTTP and WebSocket on one port
//     (RPCURL, WSURL; namespaces eth, net, web3, txpool);
//   - a minimal beacon REST API (BeaconURL) serving the blob sidecars of the
//     blocks this chain produced (see beaconapi.go for the endpoint list).
//
// Slots: slot = execution block number. Block n has timestamp
// GenesisTime + n*SecondsPerSlot, so the real networks' formula
// slot = (timestamp - genesis_time) / SECONDS_PER_SLOT also holds, and a
// reader written for a real beacon node works unchanged.
//
// Finality: after producing block n the chain marks block
// max(0, n-FinalityDepth) finalized and safe (the "finalized" and "safe"
// block tags of JSON-RPC). Finalized therefore lags latest by exactly
// FinalityDepth blocks once the chain is that long, and never moves back.
// The chain never reorgs: every block is built on the current head.
//
// Not goals: persistence (everything is in memory and gone after Stop),
// reorg simulation, real beacon-chain data (block roots are execution block
// hashes, signatures and inclusion proofs are absent), withdrawals.
package devchain
