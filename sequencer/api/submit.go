package api

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// SubmitTx implements SubmissionService.
func (s *Server) SubmitTx(ctx context.Context, req *sequencerv1.SubmitTxRequest) (*sequencerv1.SubmitTxResponse, error) {
	res, err := s.submit(ctx, [][]byte{req.Tx})
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// maxStreamBatch and maxStreamBatchBytes bound the txs of one stream
// submitted together; streamReadAhead is how many received txs may wait
// for the next batch (with the gRPC message limit, it bounds a stream's
// memory).
const (
	maxStreamBatch      = 256
	maxStreamBatchBytes = 4 << 20
	streamReadAhead     = 64
)

// SubmitTxStream implements SubmissionService: one result per tx, in
// order. The stream is pipelined: while one batch of its txs is being
// admitted, the next ones are read, and every tx waiting when a batch
// finishes (up to maxStreamBatch) goes into the next batch, so a client
// with many txs in flight gets them checked together.
func (s *Server) SubmitTxStream(stream sequencerv1.SubmissionService_SubmitTxStreamServer) error {
	ctx := stream.Context()
	reqs := make(chan []byte, streamReadAhead)
	recvErr := make(chan error, 1)
	go func() {
		defer close(reqs)
		for {
			req, err := stream.Recv()
			if err != nil {
				recvErr <- err
				return
			}
			select {
			case reqs <- req.Tx:
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		raw, ok := <-reqs
		if !ok {
			break
		}
		batch, size := [][]byte{raw}, len(raw)
	gather:
		for len(batch) < maxStreamBatch && size < maxStreamBatchBytes {
			select {
			case raw, ok := <-reqs:
				if !ok {
					break gather
				}
				batch, size = append(batch, raw), size+len(raw)
			default:
				break gather
			}
		}
		res, err := s.submit(ctx, batch)
		for _, r := range res {
			if err := stream.Send(r); err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
	}
	select {
	case err := <-recvErr:
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	default:
		return status.FromContextError(ctx.Err()).Err()
	}
}

// submit admits a batch and returns a response per tx, in order. An empty
// tx ends the batch: the txs before it get their responses, and the error
// says which one was empty.
func (s *Server) submit(ctx context.Context, raws [][]byte) ([]*sequencerv1.SubmitTxResponse, error) {
	var empty error
	for i, raw := range raws {
		if len(raw) == 0 {
			raws, empty = raws[:i], status.Error(codes.InvalidArgument, "tx is empty")
			break
		}
	}
	if len(raws) == 0 {
		return nil, empty
	}
	verdicts, err := s.b.Submitter.SubmitBatch(ctx, raws)
	if err != nil {
		if ctx.Err() != nil {
			return nil, status.FromContextError(ctx.Err()).Err()
		}
		return nil, status.Errorf(codes.Unavailable, "submitting %d txs: %v", len(raws), err)
	}
	out := make([]*sequencerv1.SubmitTxResponse, len(raws))
	for i, v := range verdicts {
		out[i] = &sequencerv1.SubmitTxResponse{Hash: tx.HashOf(raws[i]).String(), Code: v.Code, Log: v.Log}
		if v.Code != 0 {
			out[i].Codespace = tx.Codespace
		}
	}
	return out, empty
}
