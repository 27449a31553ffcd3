package localda

import (
	"context"
	"errors"
	"fmt"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	dav1 "github.com/ordolabs/ordo/proto/ordo/da/v1"
)

// maxListBytes caps one List response's blob data (a single larger blob is
// still returned alone).
const maxListBytes = 16 << 20

// Server serves ordo.da.v1.LocalDAService over a Store.
type Server struct {
	s *Store
}

var _ dav1.LocalDAServiceServer = (*Server)(nil)

// NewServer returns a server over s. The caller keeps ownership of s.
func NewServer(s *Store) *Server { return &Server{s: s} }

// Register adds the service to a gRPC server.
func (srv *Server) Register(g *grpc.Server) { dav1.RegisterLocalDAServiceServer(g, srv) }

// Listen starts serving on addr (host:port; port 0 picks a free one) and
// returns the gRPC server (stop it with GracefulStop or Stop) and the bound
// address.
func (srv *Server) Listen(addr string) (*grpc.Server, net.Addr, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("localda: listen on %s: %w", addr, err)
	}
	g := grpc.NewServer(grpc.MaxRecvMsgSize(srv.s.maxBlob + 1<<20))
	srv.Register(g)
	// Serve returns when Stop closes the listener; nothing to report then.
	go func() { _ = g.Serve(lis) }()
	return g, lis.Addr(), nil
}

// Submit implements LocalDAService.Submit.
func (srv *Server) Submit(_ context.Context, req *dav1.SubmitRequest) (*dav1.SubmitResponse, error) {
	h, existed, err := srv.s.Submit(req.Blob)
	if err != nil {
		return nil, toStatus(err)
	}
	return &dav1.SubmitResponse{Height: h, Existed: existed}, nil
}

// Get implements LocalDAService.Get.
func (srv *Server) Get(_ context.Context, req *dav1.GetRequest) (*dav1.GetResponse, error) {
	b, err := srv.s.Get(req.Height)
	if err != nil {
		return nil, toStatus(err)
	}
	return &dav1.GetResponse{Height: req.Height, Blob: b}, nil
}

// Head implements LocalDAService.Head.
func (srv *Server) Head(context.Context, *dav1.HeadRequest) (*dav1.HeadResponse, error) {
	return &dav1.HeadResponse{Height: srv.s.Head()}, nil
}

// List implements LocalDAService.List.
func (srv *Server) List(_ context.Context, req *dav1.ListRequest) (*dav1.ListResponse, error) {
	count := int(req.MaxCount)
	if count <= 0 || count > defaultPageCount {
		count = defaultPageCount
	}
	size := maxListBytes
	if req.MaxBytes > 0 && req.MaxBytes < uint64(size) {
		size = int(req.MaxBytes)
	}
	head := srv.s.Head()
	entries, err := srv.s.List(req.After, count, size)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &dav1.ListResponse{Head: head, Blobs: make([]*dav1.StoredBlob, len(entries))}
	for i, e := range entries {
		out.Blobs[i] = &dav1.StoredBlob{Height: e.Height, Blob: e.Blob}
	}
	return out, nil
}

// toStatus maps store errors to gRPC status codes.
func toStatus(err error) error {
	switch {
	case errors.Is(err, ErrRefusing):
		return status.Error(codes.Unavailable, err.Error())
	case errors.Is(err, ErrEmptyBlob), errors.Is(err, ErrBlobTooLarge):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, ErrNotFound):
		return status.Error(codes.NotFound, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}
