// Package beacon reads EIP-4844 blob sidecars from any Ethereum beacon node
// through the standard beacon REST API, and checks every blob against its KZG
// commitment and proof before handing it out.
//
// Contract: a Sidecar returned by this package has been verified
// (kzg4844.VerifyBlobProof over blob, commitment and proof) and carries the
// versioned hash of its commitment (kzg4844.CalcBlobHashV1), so a reader can
// match it to the BlobHashes() of the blob transaction that carried it.
// Nothing unverified leaves the package: wire types (wire.go) are converted
// once, at the edge, into Sidecar.
//
// Slots: a blob is served under the beacon slot of the block that included
// its transaction. On a real network, slot = (block timestamp - genesis_time)
// / SECONDS_PER_SLOT (Client.SlotAt computes it from /eth/v1/beacon/genesis
// and /eth/v1/config/spec). The in-process dev chain (l1/devchain) keeps the
// same formula true with slot = execution block number.
package beacon
