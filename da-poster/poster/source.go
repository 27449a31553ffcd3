package poster

// BlockSource is the node's store of finalized Ordo blocks, as the poster
// sees them. The sequencer implements it over its state store.
//
// Contract: heights from the chain's initial height to LastHeight() are
// final and available; Record and Proposer return the same answer every
// time they are asked about a height (they are posted and compared
// byte-for-byte with other validators' copies, so Record must be the same
// bytes on every validator). Safe for use from the driver's goroutine
// while the node commits blocks.
type BlockSource interface {
	// LastHeight is the highest finalized height (0 before the first).
	LastHeight() (int64, error)
	// Record is the block record of a finalized height: the opaque bytes
	// the poster puts in a batch for that height.
	Record(height int64) ([]byte, error)
	// Proposer is the address of the validator that proposed height (as in
	// CometBFT's block header), compared with Config.Self.
	Proposer(height int64) ([]byte, error)
}
