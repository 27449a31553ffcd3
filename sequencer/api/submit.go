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
	return s.submit(ctx, req.Tx)
}

// SubmitTxStream implements SubmissionService: one result per tx, in order.
func (s *Server) SubmitTxStream(stream sequencerv1.SubmissionService_SubmitTxStreamServer) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		res, err := s.submit(stream.Context(), req.Tx)
		if err != nil {
			return err
		}
		if err := stream.Send(res); err != nil {
			return err
		}
	}
}

func (s *Server) submit(ctx context.Context, raw []byte) (*sequencerv1.SubmitTxResponse, error) {
	if len(raw) == 0 {
		return nil, status.Error(codes.InvalidArgument, "tx is empty")
	}
	h := tx.HashOf(raw)
	code, log, err := s.b.Submitter.Submit(ctx, raw)
	if err != nil {
		if ctx.Err() != nil {
			return nil, status.FromContextError(ctx.Err()).Err()
		}
		return nil, status.Errorf(codes.Unavailable, "submitting tx %s: %v", h, err)
	}
	res := &sequencerv1.SubmitTxResponse{Hash: h.String(), Code: code, Log: log}
	if code != 0 {
		res.Codespace = tx.Codespace
	}
	return res, nil
}
