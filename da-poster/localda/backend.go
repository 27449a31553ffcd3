package localda

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/ordolabs/ordo/da-poster/da"
)

// Page limits for Read.
const (
	defaultPageCount = 256
	defaultPageBytes = 8 << 20
)

// Refs and cursors of the local DA layer are both a DA height as 8
// big-endian bytes (a nil cursor is height 0, the start).

// RefOf returns the da.Ref of the blob at DA height h.
func RefOf(h uint64) da.Ref { return da.Ref(be64(h)) }

// HeightOf decodes a local DA Ref.
func HeightOf(ref da.Ref) (uint64, error) {
	if len(ref) != 8 {
		return 0, da.Critical(fmt.Errorf("localda: malformed ref %x", []byte(ref)))
	}
	return binary.BigEndian.Uint64(ref), nil
}

func cursorHeight(c da.Cursor) (uint64, error) {
	if len(c) == 0 {
		return 0, nil
	}
	if len(c) != 8 {
		return 0, da.Critical(fmt.Errorf("localda: malformed cursor %x", []byte(c)))
	}
	return binary.BigEndian.Uint64(c), nil
}

func toBlobs(entries []Entry) []da.Blob {
	out := make([]da.Blob, len(entries))
	for i, e := range entries {
		out[i] = da.Blob{Ref: RefOf(e.Height), Data: e.Blob, Final: true, Next: da.Cursor(be64(e.Height))}
	}
	return out
}

// statusOf maps "is there a blob at the ref's height" to a da.State: a
// stored blob is final; a missing one (a wiped store) was dropped and must
// be posted again.
func statusOf(height, head uint64) da.State {
	if height >= 1 && height <= head {
		return da.StateConfirmed
	}
	return da.StateDropped
}

// Backend is a da.Backend over a Store in the same process.
type Backend struct {
	s *Store
}

var _ da.Backend = (*Backend)(nil)

// NewBackend returns a backend over s.
func NewBackend(s *Store) *Backend { return &Backend{s: s} }

// Submit stores blob (idempotent for identical bytes).
func (b *Backend) Submit(ctx context.Context, blob []byte) (da.Ref, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h, _, err := b.s.Submit(blob)
	if err != nil {
		return nil, err
	}
	return RefOf(h), nil
}

// Status reports StateConfirmed for a stored blob, else StateDropped.
func (b *Backend) Status(ctx context.Context, ref da.Ref) (da.State, error) {
	h, err := HeightOf(ref)
	if err != nil {
		return 0, err
	}
	return statusOf(h, b.s.Head()), nil
}

// Read returns the next page of blobs after cursor; all are final.
func (b *Backend) Read(ctx context.Context, cursor da.Cursor) ([]da.Blob, da.Cursor, error) {
	if err := ctx.Err(); err != nil {
		return nil, cursor, err
	}
	after, err := cursorHeight(cursor)
	if err != nil {
		return nil, cursor, err
	}
	entries, err := b.s.List(after, defaultPageCount, defaultPageBytes)
	if err != nil {
		return nil, cursor, err
	}
	if len(entries) == 0 {
		return nil, cursor, nil
	}
	return toBlobs(entries), da.Cursor(be64(entries[len(entries)-1].Height)), nil
}
