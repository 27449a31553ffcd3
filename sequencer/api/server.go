// Package api serves Ordo's public gRPC services (ordo.sequencer.v1):
// transaction submission and queries over committed state.
package api

import (
	"context"
	"fmt"
	"net"

	"google.golang.org/grpc"

	"github.com/ordolabs/ordo/mempool"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/state"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// Submitter hands raw txs to the node's admission (Ordo's gossip, or
// CometBFT's mempool and CheckTx) and returns one verdict per tx, in order.
// An error means the node could not decide (stopped, context done), not
// that a tx was refused.
type Submitter interface {
	SubmitBatch(ctx context.Context, raws [][]byte) ([]Verdict, error)
}

// Verdict is the admission result of one tx: code 0 when admitted, else an
// Ordo error code (tx.Codespace) and its reason.
type Verdict struct {
	Code uint32
	Log  string
}

// Rejections reports why a tx was rejected or evicted, if remembered.
type Rejections interface {
	Rejection(h tx.Hash) (error, bool)
}

// Backend is what the services read and call.
type Backend struct {
	ChainID    func() string
	Params     func() ledger.Params
	Store      *state.Store
	Pool       *mempool.Pool
	Rejections Rejections
	Submitter  Submitter
	Version    string
	// DABackend names the DA backend; FirmHeight (may be nil) is the DA
	// firm height.
	DABackend  string
	FirmHeight func() int64
}

// Server implements SubmissionService and QueryService.
type Server struct {
	b Backend
}

// NewServer returns a server over b.
func NewServer(b Backend) *Server { return &Server{b: b} }

// Register adds both services to a gRPC server.
func (s *Server) Register(g *grpc.Server) {
	sequencerv1.RegisterSubmissionServiceServer(g, s)
	sequencerv1.RegisterQueryServiceServer(g, s)
}

// Service is a gRPC service that registers itself on a server.
type Service interface {
	Register(g *grpc.Server)
}

// Listen starts serving services on addr and returns the gRPC server (stop
// it with GracefulStop or Stop) and the bound address.
func Listen(addr string, services ...Service) (*grpc.Server, net.Addr, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("grpc listen on %s: %w", addr, err)
	}
	g := grpc.NewServer(grpc.MaxRecvMsgSize(16 << 20))
	for _, s := range services {
		s.Register(g)
	}
	// Serve returns when Stop closes the listener; nothing to report then.
	go func() { _ = g.Serve(lis) }()
	return g, lis.Addr(), nil
}
