package sdk

import (
	"errors"

	"github.com/ordolabs/ordo/sequencer/commitment"
)

// Errors the Client returns for deliveries that fail verification. Match
// them with errors.Is. The commitment package's errors (ErrItemsMismatch,
// ErrCountMismatch, ErrBadProof, ErrNotAbsent, ErrUnexpectedItems) are
// returned as they are for tampered items and proofs.
var (
	// ErrMalformed: the delivery cannot be decoded (bad field sizes,
	// missing parts).
	ErrMalformed = errors.New("malformed delivery")
	// ErrWrongRollup: the delivery is for another rollup.
	ErrWrongRollup = commitment.ErrWrongRollup
	// ErrWrongHeight: the delivery is for another height than requested,
	// or its parts disagree on the height.
	ErrWrongHeight = errors.New("delivery for the wrong height")
	// ErrHeaderMismatch: the delivered header is not the header the light
	// client verified for that height (a forged or foreign header).
	ErrHeaderMismatch = errors.New("delivered header differs from the light-client-verified header")
	// ErrAppHashMismatch: the delivered commitment does not hash to the app
	// hash in the verified header.
	ErrAppHashMismatch = errors.New("delivered commitment does not match the verified app hash")
	// ErrHeaderUnverified: the light client could not verify the header
	// (yet); retrying later may succeed.
	ErrHeaderUnverified = errors.New("header not verified by the light client")
	// ErrVerdictMissing: an atomic rollup's delivery has bundle legs but no
	// verdict for one of them (the node left out or forged the verdict tx).
	ErrVerdictMissing = errors.New("bundle verdict missing")
	// ErrBadVerdictProof: the delivered verdict tx is not proven to be in
	// the verified header's block.
	ErrBadVerdictProof = errors.New("bundle verdict tx does not verify against the header's data hash")
)

// Re-exported commitment errors, so callers need only this package.
var (
	ErrItemsMismatch   = commitment.ErrItemsMismatch
	ErrCountMismatch   = commitment.ErrCountMismatch
	ErrBadProof        = commitment.ErrBadProof
	ErrNotAbsent       = commitment.ErrNotAbsent
	ErrUnexpectedItems = commitment.ErrUnexpectedItems
)
