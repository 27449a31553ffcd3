package api

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/state"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// TxStatus implements QueryService: committed (with height and index),
// pending in this node's pool, rejected (with code and reason) or unknown.
func (s *Server) TxStatus(_ context.Context, req *sequencerv1.TxStatusRequest) (*sequencerv1.TxStatusResponse, error) {
	h, err := tx.ParseHash(req.Hash)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	res := &sequencerv1.TxStatusResponse{Hash: h.String()}
	loc, err := s.b.Store.TxLocation(h)
	switch {
	case err == nil:
		res.State = sequencerv1.TxState_TX_STATE_COMMITTED
		res.Height, res.Index, res.Code = loc.Height, loc.Index, loc.Code
		if loc.Code != 0 {
			if rej, ok := s.b.Rejections.Rejection(h); ok {
				res.Log = rej.Error()
			}
		}
		return res, nil
	case !errors.Is(err, state.ErrNotFound):
		return nil, status.Error(codes.Internal, err.Error())
	}
	if _, ok := s.b.Pool.Get(h); ok {
		res.State = sequencerv1.TxState_TX_STATE_PENDING
		return res, nil
	}
	if rej, ok := s.b.Rejections.Rejection(h); ok {
		res.State = sequencerv1.TxState_TX_STATE_REJECTED
		res.Code, res.Log = tx.CodeOf(rej), rej.Error()
		return res, nil
	}
	res.State = sequencerv1.TxState_TX_STATE_UNKNOWN
	return res, nil
}

// Account implements QueryService.
func (s *Server) Account(_ context.Context, req *sequencerv1.AccountRequest) (*sequencerv1.AccountResponse, error) {
	addr, err := tx.ParseAddress(req.Address)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	snap := s.b.Store.Snapshot()
	defer snap.Discard()
	acct, err := snap.Account(addr)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &sequencerv1.AccountResponse{
		Address: addr.String(), Balance: acct.Balance, Nonce: acct.Nonce,
		PendingNonce: s.b.Pool.PendingNonce(addr, acct.Nonce),
	}, nil
}

// Rollup implements QueryService; the request names a rollup or gives its
// hex id.
func (s *Server) Rollup(_ context.Context, req *sequencerv1.RollupRequest) (*sequencerv1.RollupResponse, error) {
	id, err := ResolveRollup(req.Rollup)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	snap := s.b.Store.Snapshot()
	defer snap.Discard()
	r, ok, err := snap.Rollup(id)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if !ok {
		return nil, status.Errorf(codes.NotFound, "rollup %q is not registered", req.Rollup)
	}
	return &sequencerv1.RollupResponse{
		Id: r.ID[:], Name: r.Name, Owner: r.Owner[:],
		MaxBytesPerBlock: s.b.Params().RollupCap(r), RegisteredHeight: r.RegisteredHeight,
		Atomic: r.Atomic, Executor: r.Executor, ExecutorGenesis: r.ExecutorGenesis,
	}, nil
}

// Bundle implements QueryService: a committed bundle's status.
func (s *Server) Bundle(_ context.Context, req *sequencerv1.BundleRequest) (*sequencerv1.BundleResponse, error) {
	var h tx.Hash
	if len(req.Hash) != len(h) {
		return nil, status.Errorf(codes.InvalidArgument, "hash of %d bytes, want %d", len(req.Hash), len(h))
	}
	copy(h[:], req.Hash)
	st, err := s.b.Store.BundleStatus(h)
	if errors.Is(err, state.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no committed bundle %s (not a bundle, or not committed yet: see TxStatus)", h)
	}
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return st, nil
}

// Block implements QueryService (height 0: latest).
func (s *Server) Block(_ context.Context, req *sequencerv1.BlockRequest) (*sequencerv1.BlockResponse, error) {
	height, err := s.resolveHeight(req.Height)
	if err != nil {
		return nil, err
	}
	b, err := s.b.Store.Block(height)
	if errors.Is(err, state.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no block at height %d", height)
	}
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return b, nil
}

// RollupBlock implements QueryService: the rollup's items at a height, in
// order (empty when the block had none for it).
func (s *Server) RollupBlock(_ context.Context, req *sequencerv1.RollupBlockRequest) (*sequencerv1.RollupBlockResponse, error) {
	id, err := ResolveRollup(req.Rollup)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	height, err := s.resolveHeight(req.Height)
	if err != nil {
		return nil, err
	}
	rb, err := s.b.Store.RollupBlock(id, height)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return rb, nil
}

// Status implements QueryService.
func (s *Server) Status(context.Context, *sequencerv1.StatusRequest) (*sequencerv1.StatusResponse, error) {
	height, hash, err := s.b.Store.LastCommitted()
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	n, _ := s.b.Pool.Len()
	p := s.b.Params()
	var firm int64
	if s.b.FirmHeight != nil {
		firm = s.b.FirmHeight()
	}
	return &sequencerv1.StatusResponse{
		ChainId: s.b.ChainID(), Height: height, AppHash: hash, Version: s.b.Version, MempoolTxs: uint32(n),
		BaseFee: p.BaseFee, FeePerByte: p.FeePerByte, MaxTxBytes: uint32(p.MaxTxBytes),
		DaBackend: s.b.DABackend, DaFirmHeight: firm,
	}, nil
}

func (s *Server) resolveHeight(h int64) (int64, error) {
	last, _, err := s.b.Store.LastCommitted()
	if err != nil {
		return 0, status.Error(codes.Internal, err.Error())
	}
	switch {
	case h < 0:
		return 0, status.Errorf(codes.InvalidArgument, "height %d is negative", h)
	case h == 0:
		if last == 0 {
			return 0, status.Error(codes.NotFound, "no block committed yet")
		}
		return last, nil
	case h > last:
		return 0, status.Errorf(codes.NotFound, "height %d is not committed yet (latest %d)", h, last)
	}
	return h, nil
}

// ResolveRollup turns a rollup name or 64-hex-character id into an id.
func ResolveRollup(s string) (tx.RollupID, error) {
	if len(s) == 64 {
		if id, err := tx.ParseRollupID(s); err == nil {
			return id, nil
		}
	}
	if err := tx.ValidateRollupName(s); err != nil {
		return tx.RollupID{}, errors.New("rollup must be a registered name or a 64-character hex id: " + err.Error())
	}
	return tx.RollupIDFromName(s), nil
}
