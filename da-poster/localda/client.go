package localda

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/ordolabs/ordo/da-poster/da"
	dav1 "github.com/ordolabs/ordo/proto/ordo/da/v1"
)

// Client is a da.Backend over a LocalDAService reached by gRPC. Safe for
// concurrent use.
type Client struct {
	conn *grpc.ClientConn
	rpc  dav1.LocalDAServiceClient
}

var _ da.Backend = (*Client)(nil)

// Dial connects to a local DA server at addr (host:port, plaintext). The
// connection is made lazily: an unreachable server shows up as
// da.ErrUnavailable on the first call, which the poster retries.
func Dial(addr string) (*Client, error) {
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20), grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		return nil, fmt.Errorf("localda: dialing %s: %w", addr, err)
	}
	return &Client{conn: conn, rpc: dav1.NewLocalDAServiceClient(conn)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Submit stores blob (idempotent for identical bytes).
func (c *Client) Submit(ctx context.Context, blob []byte) (da.Ref, error) {
	res, err := c.rpc.Submit(ctx, &dav1.SubmitRequest{Blob: blob})
	if err != nil {
		return nil, fromStatus("submit", err)
	}
	return RefOf(res.Height), nil
}

// Status reports StateConfirmed for a stored blob, else StateDropped.
func (c *Client) Status(ctx context.Context, ref da.Ref) (da.State, error) {
	h, err := HeightOf(ref)
	if err != nil {
		return 0, err
	}
	head, err := c.Head(ctx)
	if err != nil {
		return 0, err
	}
	return statusOf(h, head), nil
}

// Read returns the next page of blobs after cursor; all are final.
func (c *Client) Read(ctx context.Context, cursor da.Cursor) ([]da.Blob, da.Cursor, error) {
	after, err := cursorHeight(cursor)
	if err != nil {
		return nil, cursor, err
	}
	res, err := c.rpc.List(ctx, &dav1.ListRequest{After: after, MaxCount: defaultPageCount, MaxBytes: defaultPageBytes})
	if err != nil {
		return nil, cursor, fromStatus("list", err)
	}
	entries := make([]Entry, len(res.Blobs))
	next := after
	for i, b := range res.Blobs {
		if b.Height != next+1 {
			return nil, cursor, fmt.Errorf("localda: list after %d returned height %d out of order: %w", after, b.Height, da.ErrUnavailable)
		}
		next = b.Height
		entries[i] = Entry{Height: b.Height, Blob: b.Blob}
	}
	if len(entries) == 0 {
		return nil, cursor, nil
	}
	return toBlobs(entries), da.Cursor(be64(next)), nil
}

// Get returns the blob at DA height h (da.ErrNotFound if none).
func (c *Client) Get(ctx context.Context, h uint64) ([]byte, error) {
	res, err := c.rpc.Get(ctx, &dav1.GetRequest{Height: h})
	if err != nil {
		return nil, fromStatus("get", err)
	}
	return res.Blob, nil
}

// Head returns the store's highest DA height.
func (c *Client) Head(ctx context.Context) (uint64, error) {
	res, err := c.rpc.Head(ctx, &dav1.HeadRequest{})
	if err != nil {
		return 0, fromStatus("head", err)
	}
	return res.Height, nil
}

// fromStatus maps gRPC errors to the da error classes: bad requests are
// critical, a missing blob is da.ErrNotFound, a cancelled context stays as
// it is, everything else (unreachable, refusing, internal) is a temporary
// outage.
func fromStatus(op string, err error) error {
	switch status.Code(err) {
	case codes.InvalidArgument, codes.ResourceExhausted, codes.Unimplemented:
		return da.Critical(fmt.Errorf("localda %s: %w", op, err))
	case codes.NotFound:
		return fmt.Errorf("localda %s: %w: %w", op, da.ErrNotFound, err)
	case codes.Canceled:
		return fmt.Errorf("localda %s: %w: %w", op, context.Canceled, err)
	}
	return fmt.Errorf("localda %s: %w: %w", op, da.ErrUnavailable, err)
}
