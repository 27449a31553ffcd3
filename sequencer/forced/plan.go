package forced

// Params are the inbox's genesis parameters (ledger.InboxParams mirrors
// them).
type Params struct {
	// StartBlock is the first L1 block whose messages count.
	StartBlock uint64
	// MaxImportBlocks bounds how many L1 blocks one Ordo block scans.
	MaxImportBlocks uint64
	// MaxImportBytes bounds the message data one Ordo block imports.
	MaxImportBytes int64
	// MaxForcedBytes is the block room reserved for forced txs: each block
	// must include (or excuse) the queue's FIFO prefix that fits it. A
	// message larger than this is skipped at import as oversize.
	MaxForcedBytes int64
	// DueBlocks (N) bounds the queue: a message is imported only while the
	// queue, with it, stays within N × MaxForcedBytes (one message is
	// always imported into an empty queue). So a message waits at most N
	// blocks in the queue after import.
	DueBlocks int64
}

// Cursor is the import position in L1 order: Block is the next L1 block
// to read and Index how many of its messages are already imported.
type Cursor struct {
	Block uint64
	Index uint32
}

// MessageOverhead bounds what one message adds to the L1 import tx beyond
// its data (protobuf framing: block number, index, L1 tx hash, flags).
const MessageOverhead = 64

// Start is the cursor before anything is imported.
func Start(p Params) Cursor { return Cursor{Block: max(p.StartBlock, 1)} }

// Oversize reports whether a message is too large to be a forced tx (it is
// imported without its data and recorded as skipped).
func (p Params) Oversize(m Message) bool { return m.Oversize || int64(len(m.Data)) > p.MaxForcedBytes }

// NextImport walks the inbox messages from cur, in L1 order, through L1
// block target, and returns those the next Ordo block must import and the
// cursor after them. messagesOf returns one L1 block's messages in order
// (from the caller's own L1 follower; the caller has checked target is
// finalized for it).
//
// The walk stops when it has scanned MaxImportBlocks L1 blocks, when the
// next message would take the import past MaxImportBytes (each message
// counts its data plus MessageOverhead; an oversize message, imported
// without data, its overhead only), or when it would take the queued data
// bytes (queuedBytes plus the data imported so far) past DueBlocks ×
// MaxForcedBytes — except that a message is always imported into an empty
// import. So the import tx stays within MaxImportBytes plus one message.
// Every validator with an honest L1 endpoint computes the same result.
func NextImport(p Params, cur Cursor, target uint64, queuedBytes int64, messagesOf func(l1Block uint64) ([]Message, error)) ([]Message, Cursor, error) {
	var (
		out       []Message
		importLen int64 // the import tx's message bytes so far
		queued    = queuedBytes
		limit     = p.DueBlocks * p.MaxForcedBytes
		scanned   uint64
	)
	for cur.Block <= target && (p.MaxImportBlocks == 0 || scanned < p.MaxImportBlocks) {
		msgs, err := messagesOf(cur.Block)
		if err != nil {
			return nil, cur, err
		}
		for int(cur.Index) < len(msgs) {
			m := msgs[cur.Index]
			data := int64(len(m.Data))
			if p.Oversize(m) {
				data = 0
			}
			if len(out) > 0 && (importLen+data+MessageOverhead > p.MaxImportBytes || (queued > 0 && queued+data > limit)) {
				return out, cur, nil
			}
			if len(out) == 0 && queued > 0 && queued+data > limit {
				return out, cur, nil // queue full: only an empty queue takes a message past the limit
			}
			out = append(out, m)
			importLen += data + MessageOverhead
			queued += data
			cur.Index++
		}
		cur.Block++
		cur.Index = 0
		scanned++
	}
	return out, cur, nil
}

// DuePrefix returns how many entries, from the head of the queue, the
// block must include (or excuse): the longest prefix whose txs' sizes sum
// to at most MaxForcedBytes.
func DuePrefix(p Params, sizes []int) int {
	var used int64
	for i, n := range sizes {
		if used+int64(n) > p.MaxForcedBytes {
			return i
		}
		used += int64(n)
	}
	return len(sizes)
}
