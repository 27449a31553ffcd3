// Package inbox is the L1 side of Ordo's forced inclusion (SPEC §3, FI, "L1
// inbox"): users who cannot get a transaction into Ordo through any
// validator send it to Ethereum instead, and every validator reads it back
// from finalized L1 blocks.
//
// # Messages
//
// A user sends an ordinary Ethereum transaction whose recipient ("to") is
// the configured inbox address and whose calldata is the raw bytes of an
// Ordo transaction (an encoded ordo.tx.v1.Tx; this package neither decodes
// nor validates them). An inbox message is any transaction of an L1 block
// such that
//
//   - it is a top-level transaction whose to equals the inbox address (any
//     transaction type: legacy, access-list, EIP-1559, blob, set-code);
//     contract creations and internal calls (a contract calling the inbox)
//     are not messages;
//   - its receipt status is 1 (success): a reverted transaction is never a
//     message, even though it is in the block;
//   - its calldata is non-empty.
//
// Messages are ordered by (L1 block number, transaction index in the
// block); that order is the FIFO order forced inclusion uses. A message's
// From is the L1 sender, recovered locally from the transaction signature.
//
// Oversize: a message whose calldata is longer than Config.MaxDataBytes is
// still returned, in its place, with Oversize set, Size the calldata
// length and Data empty, so the sequencer can record it as skipped with a
// reason instead of silently dropping it. Whether a message is oversize
// depends only on its length and MaxDataBytes, so every validator must use
// the same MaxDataBytes (a chain parameter: the chain's max tx bytes).
//
// # Inbox address
//
// The inbox address is just an address, the same for every validator: an
// EOA (ideally one whose key nobody holds) or a contract. No contract is
// needed: a call to an address with no code always succeeds (it only pays
// intrinsic gas), so with an inbox without code every included transaction
// to it is a message. A contract inbox can reject messages by reverting
// (for example to charge a fee or rate-limit); its reverted calls are not
// messages.
//
// # Finality and trust
//
// Validators read messages from finalized L1 blocks only. A Follower polls
// the JSON-RPC "finalized" block tag of its endpoint and Messages refuses
// (ErrNotFinalized) any range that reaches above the highest finalized block
// it has seen, so callers never act on data that could still be reorged
// away. Finalized data never changes, so Messages caches it per block.
//
// Trust assumption: each validator trusts its own Ethereum JSON-RPC
// endpoint (ideally its own execution + consensus client pair) to report
// the finalized head and finalized blocks and receipts correctly. The
// follower checks what is cheap to check (transactions against the
// header's transactions root, receipts against their transaction and
// block, parent-hash links between consecutive blocks it returns, a pinned
// chain id) but does not verify consensus (no light client): a lying
// endpoint can make its validator report a wrong finalized head or wrong
// messages. Consensus tolerates that for a minority: the L1 origin of a
// block is the highest finalized head reported by more than 1/3 of the
// voting power (see SPEC §3), so at least one honest validator's endpoint
// vouches for it.
//
// # Sending
//
// Send signs and sends an EIP-1559 transaction carrying an Ordo
// transaction to the inbox; WaitFinalized waits until a transaction's block
// is finalized. Neither needs a Follower.
//
// # Limitations
//
//   - Only top-level transactions count: smart-contract wallets (ERC-4337)
//     must route through an EOA (or an EIP-7702 delegated EOA sending its
//     own transaction).
//   - Finality is taken from the endpoint's "finalized" tag; chains without
//     it (pre-merge, some L2s) are unsupported.
//   - Blocks are decoded with this module's go-ethereum: an L1 fork that
//     adds a transaction type makes blocks holding one unreadable (an
//     error, never a wrong answer) until go-ethereum is upgraded.
//   - The cache is in memory; a restarted follower refetches what it needs.
package inbox
