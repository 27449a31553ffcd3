// Package forced holds the deterministic half of forced inclusion through
// the L1 inbox (docs/spec/forced-inclusion.md): the agreed L1 origin, the
// import of inbox messages into a FIFO queue, the queue's canonical
// encoding and its contribution to the state digest, and which queued txs
// a block must include. It does no I/O: the L1 follower (l1/inbox) feeds
// it through the consensus package.
package forced
