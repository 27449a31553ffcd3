package beacon

import "errors"

// Errors by severity; test with errors.Is.
var (
	// ErrUnavailable: the beacon node could not be reached or answered with
	// a server error. Temporary: retry with backoff.
	ErrUnavailable = errors.New("beacon: unavailable")
	// ErrNotFound: the beacon node has no such block or slot (not produced
	// yet, an empty slot, or blobs already pruned). Temporary for a slot
	// that is not yet final; otherwise ask another node.
	ErrNotFound = errors.New("beacon: not found")
	// ErrInvalidSidecar: the node served a sidecar that is malformed or
	// fails KZG verification. Critical for that node's answer: never use the
	// data; another node may serve a valid copy.
	ErrInvalidSidecar = errors.New("beacon: invalid blob sidecar")
	// ErrMissingBlob: the slot's verified sidecars hold no blob with a
	// requested versioned hash (wrong slot, or the node serves a partial
	// set).
	ErrMissingBlob = errors.New("beacon: blob missing from slot")
	// ErrBadResponse: the node answered 2xx with a body that does not
	// decode as the beacon API shape.
	ErrBadResponse = errors.New("beacon: bad response")
)
