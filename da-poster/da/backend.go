// Package da is the contract between Ordo's DA poster and the DA layers it
// posts to (the `local` badger store, Ethereum EIP-4844 blobs, ...). It
// holds only types and interfaces, so that backends do not depend on the
// poster and readers (rollup adapters) do not depend on either.
//
// A blob is opaque to a backend: the poster puts encoded batches
// (da-poster/batch) in them and readers decode them. Several copies of the
// same heights may be on DA (posted by different validators); readers take
// the first valid copy of each height in DA order.
package da

import (
	"context"
	"encoding/hex"
)

// Ref locates one submitted blob on the DA layer (the local store's DA
// height, an Ethereum transaction hash, ...). It is opaque to the poster,
// which persists it and hands it back to Status.
type Ref []byte

func (r Ref) String() string { return hex.EncodeToString(r) }

// Cursor is a position in the DA layer's order of blobs, opaque to callers.
// The zero (nil) Cursor is the start of the DA layer.
type Cursor []byte

// State is what the DA layer says about one submitted blob.
type State int

const (
	// StatePending: submitted, not yet included (in a mempool, say).
	StatePending State = iota + 1
	// StateIncluded: included on the DA layer but not final: a reorg may
	// still remove it (Status then reports StateDropped).
	StateIncluded
	// StateConfirmed: final on the DA layer; it will never be removed. For
	// Ethereum this is L1 finality of the including block.
	StateConfirmed
	// StateDropped: not on the DA layer and never will be under this Ref
	// (evicted, replaced, reorged out and not re-included). The poster
	// submits the identical bytes again.
	StateDropped
)

func (s State) String() string {
	switch s {
	case StatePending:
		return "pending"
	case StateIncluded:
		return "included"
	case StateConfirmed:
		return "confirmed"
	case StateDropped:
		return "dropped"
	}
	return "unknown"
}

// Blob is one blob read back from the DA layer.
type Blob struct {
	// Ref is where the blob is (the same Ref Submit returned, for blobs this
	// node submitted).
	Ref Ref
	// Data is the blob's content.
	Data []byte
	// Final reports that the blob is confirmed (StateConfirmed): it will
	// never disappear. A non-final blob may vanish in a reorg.
	Final bool
	// Next is the cursor just after this blob: reading from it continues
	// with the blob that follows. Meaningful for final blobs only.
	Next Cursor
}

// Submitter posts blobs.
type Submitter interface {
	// Submit posts blob and returns its reference once the DA layer has
	// accepted it for inclusion (it may still be pending).
	//
	// Idempotence (required): submitting bytes identical to a blob this
	// backend already holds or has in flight, which is not dropped, returns
	// the existing reference and posts nothing new. The poster relies on it
	// to survive a crash between submitting and recording the reference:
	// it re-submits the identical bytes after restart. A backend that cannot
	// see its own past submissions (a fresh process on Ethereum) must
	// recognize them on the DA layer or in the mempool, for example by the
	// blob's versioned hash sent from the poster's account.
	//
	// Errors: an error wrapping ErrCritical means retrying cannot help
	// (the blob is too large, the key is wrong); any other error is treated
	// as temporary (outage, refusal, timeout) and retried with backoff.
	Submit(ctx context.Context, blob []byte) (Ref, error)

	// Status reports what happened to a submitted blob. It may be called
	// any number of times; for Ethereum it drives fee bumps of pending
	// transactions. StateConfirmed is terminal. After StateDropped the poster
	// calls Submit again with the same bytes and tracks the new Ref.
	Status(ctx context.Context, ref Ref) (State, error)
}

// Reader lists blobs in DA order, so that readers can scan for the first
// valid copy of each height.
type Reader interface {
	// Read returns blobs posted after cursor, in DA order: first final
	// blobs, then possibly blobs that are included but not yet final
	// (Final=false), at most a backend-chosen page. next is the cursor after
	// the last final blob returned (cursor itself if none): non-final blobs
	// are returned again by later calls until they become final or vanish.
	// An empty result with next == cursor means the reader is caught up.
	Read(ctx context.Context, cursor Cursor) (blobs []Blob, next Cursor, err error)
}

// Backend is a DA layer the poster can post to and read from.
type Backend interface {
	Submitter
	Reader
}
