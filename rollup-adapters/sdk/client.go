package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
)

// Client fetches a rollup's data from an Ordo node's delivery service and
// verifies every height before handing it on.
type Client struct {
	svc deliveryv1.DeliveryServiceClient
	v   *Verifier
	// retry is the pause before retrying a header the light client could
	// not verify yet, or reopening a broken stream.
	retry time.Duration
}

// NewClient returns a client over a gRPC connection to an Ordo node.
func NewClient(conn grpc.ClientConnInterface, v *Verifier) *Client {
	return &Client{svc: deliveryv1.NewDeliveryServiceClient(conn), v: v, retry: 200 * time.Millisecond}
}

// Get fetches and verifies the rollup's data at one height. It returns a
// gRPC NotFound error while the height is not deliverable yet.
func (c *Client) Get(ctx context.Context, height int64) (Delivery, error) {
	rb, err := c.svc.GetRollupBlock(ctx, &deliveryv1.GetRollupBlockRequest{RollupId: c.v.Rollup[:], Height: height})
	if err != nil {
		return Delivery{}, err
	}
	return c.verify(ctx, height, rb)
}

// Stream calls fn with every height from `from` on, in order, each verified,
// until ctx ends, fn fails, or a delivery fails verification (a tampered or
// forged delivery: the error wraps one of this package's errors). A broken
// connection is reopened from the next height, so nothing is skipped or
// repeated.
func (c *Client) Stream(ctx context.Context, from int64, fn func(Delivery) error) error {
	next := from
	for {
		err := c.streamOnce(ctx, &next, fn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(c.retry):
		}
	}
}

// streamErr marks errors that end Stream for good (verification failures
// and the callback's own errors).
type streamErr struct{ err error }

func (e streamErr) Error() string { return e.err.Error() }
func (e streamErr) Unwrap() error { return e.err }

func retryable(err error) bool {
	var fatal streamErr
	if errors.As(err, &fatal) {
		return false
	}
	switch status.Code(err) {
	case codes.InvalidArgument, codes.NotFound, codes.PermissionDenied, codes.Unimplemented:
		return false
	}
	return true
}

func (c *Client) streamOnce(ctx context.Context, next *int64, fn func(Delivery) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.svc.StreamRollupBlocks(ctx, &deliveryv1.StreamRollupBlocksRequest{RollupId: c.v.Rollup[:], FromHeight: *next})
	if err != nil {
		return err
	}
	for {
		rb, err := stream.Recv()
		if err == io.EOF {
			return fmt.Errorf("delivery stream closed by the node at height %d", *next)
		}
		if err != nil {
			return err
		}
		d, err := c.verify(ctx, *next, rb)
		if err != nil {
			return streamErr{err}
		}
		if err := fn(d); err != nil {
			return streamErr{err}
		}
		*next++
	}
}

// verify verifies rb, retrying for a while when the light client cannot
// verify the header yet (its witnesses may lag the node by a block).
func (c *Client) verify(ctx context.Context, height int64, rb *deliveryv1.RollupBlock) (Delivery, error) {
	const attempts = 50
	for i := 0; ; i++ {
		d, err := c.v.Verify(ctx, height, rb)
		if err == nil || !errors.Is(err, ErrHeaderUnverified) || i == attempts-1 {
			return d, err
		}
		select {
		case <-ctx.Done():
			return Delivery{}, ctx.Err()
		case <-time.After(c.retry):
		}
	}
}
