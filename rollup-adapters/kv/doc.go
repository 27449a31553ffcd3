// Package kv is Ordo's reference rollup: a small deterministic state
// machine (native balances and a per-account key-value store) that runs
// behind the SDK Driver as an sdk.Executor, persisting its state in badger.
//
// # Execution contract
//
// A Rollup applies Ordo blocks in height order, one op per sdk.Item, in the
// order the block lists the items. ExecuteBlock applies a block's ops, its
// receipts, the new applied height and the new state root in ONE badger
// transaction, so after a crash (even kill -9) the store holds all of a
// block or none of it, and the Driver's resume from AppliedHeight()+1 never
// applies a block twice or skips one. The first block may have any height
// > 0; after it, only AppliedHeight()+1 is accepted.
//
// Execution is deterministic: it reads only the genesis, the committed
// state and the block's items (never the clock, the block time, or map
// iteration order), so every instance fed the same blocks from the same
// genesis reaches the same state and state root.
//
// An op that fails (undecodable data, insufficient balance, overflow, a
// Mint from anyone but the minter) changes nothing, is recorded as a
// failed Receipt with a Code and a reason, and never aborts the block.
// Ops are staged on an overlay per item and merged only on success.
//
// # Ops
//
// sdk.Item.Data holds exactly one op, encoded as
//
//	op       = version kind body               version = 0x01
//	Transfer = 0x01 to[20] amount:be64         sender -> to
//	Put      = 0x02 klen:be16 key vlen:be16 value
//	Delete   = 0x03 klen:be16 key
//	Mint     = 0x04 to[20] amount:be64         minter only
//
// with 1 <= klen <= 256 and 0 <= vlen <= 4096. Every op value has exactly
// one encoding: DecodeOp rejects other versions and kinds, out-of-range
// lengths, short input and trailing bytes. Put and Delete act on the
// sender's own namespace; Delete of an absent key succeeds and changes
// nothing. Transfer and Mint fail on insufficient balance or on overflow
// of the recipient's balance; a zero amount, or a Transfer to the sender
// itself that the balance covers, succeeds and changes nothing.
//
// # State and state root
//
// The committed state is a set of (key, value) entries:
//
//	'a' (0x61) || address[20]             -> balance:be64   (only non-zero balances)
//	'k' (0x6B) || owner[20] || key        -> value          (Put by owner)
//
// The state root after a block is the RFC-6962 Merkle root — exactly
// merkle.HashFromByteSlices from cometbft/crypto/merkle — over the leaves
//
//	leaf = len(k):be16 || k || v
//
// for every entry (k, v), sorted by k bytewise (all accounts, then all
// key-value entries). Leaf hashes are sha256(0x00 || leaf), inner nodes
// sha256(0x01 || left || right), and the root of the empty state is
// sha256(""). The root commits to the state only, not to its history:
// two block sequences that reach the same balances and entries have the
// same root. Receipts, the applied height and the heads are not part of
// it. The root is recomputed only after blocks that change the state.
//
// # Bundles
//
// An item with Bundle != nil is one leg of a cross-rollup bundle, and
// ExecuteBlock honors the verdict Ordo attached to it:
//
//   - VerdictAbort: the leg is not applied and its data is not even
//     decoded; its receipt has CodeAborted and a reason naming the leg.
//     The state is exactly as if the item were absent.
//   - VerdictCommit: the op is applied like any item — staged on its own
//     overlay, merged only on success. A COMMIT leg whose op fails (Ordo's
//     validators predicted success, but it fails here) gets its ordinary
//     failed receipt and changes nothing.
//   - VerdictNone (the rollup is not atomic): as VerdictCommit; Ordo then
//     guarantees inclusion atomicity only.
//
// Any other verdict value makes ExecuteBlock fail with ErrUnknownVerdict
// (nothing is written): the rollup halts rather than guess.
//
// # Verifier mode
//
// Validators decide a bundle's verdict before it is applied, by running
// the rollup in verifier mode: Rollup.Preview applies the blocks that are
// ordered but not yet applied (with their verdicts) in memory above the
// durable state, then tries the next block's items on top — ordinary
// items with Apply, legs with TryLeg followed by Settle(keep) once the
// bundle's fate is assumed. Nothing a Preview does is written.
//
// # Genesis encoding
//
// EncodeGenesis and DecodeGenesis give a Genesis one canonical binary
// form, for carrying it in registrations and configuration:
//
//	genesis = version minter[20] count:be32 account*count   version = 0x01
//	account = address[20] balance:be64
//
// Addresses are strictly increasing and balances non-zero (a zero balance
// is no account), and count <= MaxGenesisAccounts (1024). Every Genesis
// value has exactly one encoding: DecodeGenesis rejects other versions,
// short input, trailing bytes, unsorted or duplicate addresses, zero
// balances and larger counts.
//
// # Limits
//
// One block's writes (state changes plus one receipt per item) must fit in
// one badger transaction: 15% of the 128 MiB memtable, i.e. about 200k
// entries or 19 MiB of keys and values (OpenInMemory: 16 MiB memtable,
// about 26k entries). A larger block makes ExecuteBlock return an error;
// the Driver would then offer it again and fail again. The root is
// recomputed over the whole state, about 6 ms per block at 10k entries.
package kv
