// Package gossip is Ordo's transaction gossip: a CometBFT p2p reactor that
// relays pending txs between nodes in batches, and the admission worker
// that checks them.
//
// CometBFT's flood mempool sends one p2p message per tx per peer and calls
// CheckTx once per tx, so every validator verifies every signature on its
// own. Here, every tx a node admits — submitted locally or received from a
// peer — is queued for each other peer and sent in batches of up to
// Config.MaxBatchBytes; the receiving node's admission worker takes
// everything waiting (peers' batches and local submissions together) and
// admits it with one call to an Admitter, which checks all signatures with
// one ed25519 batch equation (consensus.App.AdmitBatch). A tx is relayed
// only after it was admitted, and never back to the peer it came from.
//
// A node that connects is sent the sender's pending pool (up to the send
// queue's bound), so a restarted validator sees what it missed. Send queues
// are bounded per peer (Config.MaxQueueBytes); when a peer cannot keep up,
// the newest txs for it are dropped and counted (it still learns them from
// other peers or sees them in blocks). Each peer has at most
// Config.MaxPeerInflight received messages (each ≤ Config.MaxMessageBytes
// and ≤ Config.MaxMessageTxs txs) waiting for admission. A peer that breaks those bounds, or relays a tx failing a
// stateless check (undecodable, too large, wrong chain id, invalid
// signature), is disconnected: honest nodes relay only txs they admitted.
// Peers that do not announce the channel (nodes with CometBFT's flood
// gossip) are skipped.
//
// Nothing here feeds consensus directly: what a node's pool holds may
// differ between nodes, and every block is re-checked by ProcessProposal.
package gossip
