package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/state"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// HeaderSource reads CometBFT's committed headers and commits.
type HeaderSource interface {
	// Height is the latest height CometBFT has committed.
	Height() int64
	// SignedHeader returns the header of a committed height with a commit
	// for it.
	SignedHeader(height int64) (*cmttypes.SignedHeader, error)
}

// DeliveryBackend is what the delivery service reads.
type DeliveryBackend struct {
	Store   *state.Store
	Headers HeaderSource
	// FirmHeight is the highest height confirmed on the DA layer with every
	// lower height; nil when the node runs no DA poster.
	FirmHeight func() int64
	// Poll is how often a stream checks for new heights.
	Poll time.Duration
}

// DeliveryServer implements ordo.delivery.v1.DeliveryService.
//
// Height h is deliverable once height h+1 is committed: the app hash of h
// is in header h+1, which is what a rollup verifies with the light client.
type DeliveryServer struct {
	b DeliveryBackend
}

// NewDeliveryServer returns a delivery service over b.
func NewDeliveryServer(b DeliveryBackend) *DeliveryServer {
	if b.Poll <= 0 {
		b.Poll = 100 * time.Millisecond
	}
	return &DeliveryServer{b: b}
}

// Register adds the service to a gRPC server.
func (s *DeliveryServer) Register(g *grpc.Server) { deliveryv1.RegisterDeliveryServiceServer(g, s) }

// GetRollupBlock implements DeliveryService.
func (s *DeliveryServer) GetRollupBlock(_ context.Context, req *deliveryv1.GetRollupBlockRequest) (*deliveryv1.RollupBlock, error) {
	id, err := s.rollup(req.RollupId)
	if err != nil {
		return nil, err
	}
	if err := s.deliverable(req.Height); err != nil {
		return nil, err
	}
	return s.build(id, req.Height)
}

// StreamRollupBlocks implements DeliveryService: every height from
// from_height on, in order, waiting for new ones until the client leaves.
func (s *DeliveryServer) StreamRollupBlocks(req *deliveryv1.StreamRollupBlocksRequest, stream deliveryv1.DeliveryService_StreamRollupBlocksServer) error {
	id, err := s.rollup(req.RollupId)
	if err != nil {
		return err
	}
	if req.FromHeight < 1 {
		return status.Errorf(codes.InvalidArgument, "from_height %d: heights start at 1", req.FromHeight)
	}
	ctx := stream.Context()
	tick := time.NewTicker(s.b.Poll)
	defer tick.Stop()
	for h := req.FromHeight; ; h++ {
		for {
			err := s.deliverable(h)
			if err == nil {
				break
			}
			if status.Code(err) != codes.NotFound {
				return err
			}
			select {
			case <-ctx.Done():
				return status.FromContextError(ctx.Err()).Err()
			case <-tick.C:
			}
		}
		rb, err := s.build(id, h)
		if err != nil {
			return err
		}
		if err := stream.Send(rb); err != nil {
			return err
		}
	}
}

func (s *DeliveryServer) rollup(b []byte) (tx.RollupID, error) {
	var id tx.RollupID
	if len(b) != len(id) {
		return id, status.Errorf(codes.InvalidArgument, "rollup_id of %d bytes, want %d", len(b), len(id))
	}
	copy(id[:], b)
	snap := s.b.Store.Snapshot()
	defer snap.Discard()
	if _, ok, err := snap.Rollup(id); err != nil {
		return id, status.Error(codes.Internal, err.Error())
	} else if !ok {
		return id, status.Errorf(codes.NotFound, "rollup %s is not registered", id)
	}
	return id, nil
}

// deliverable returns nil when height h can be served, NotFound while it
// cannot yet, and InvalidArgument for heights that never will.
func (s *DeliveryServer) deliverable(h int64) error {
	if h < 1 {
		return status.Errorf(codes.InvalidArgument, "height %d: heights start at 1", h)
	}
	committed, _, err := s.b.Store.LastCommitted()
	if err != nil {
		return status.Error(codes.Internal, err.Error())
	}
	if headers := s.b.Headers.Height(); h >= headers || h > committed {
		return status.Errorf(codes.NotFound, "height %d is not deliverable yet: it needs header %d, and the node has committed up to %d", h, h+1, min(headers, committed))
	}
	return nil
}

// build assembles the delivery of rollup id at height h.
func (s *DeliveryServer) build(id tx.RollupID, h int64) (*deliveryv1.RollupBlock, error) {
	block, err := s.b.Store.Block(h)
	if errors.Is(err, state.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no block record at height %d (pruned, or before this node's first height)", h)
	} else if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	entries, err := s.b.Store.RollupEntries(h)
	if err != nil {
		return nil, status.Error(codes.Internal, fmt.Sprintf("rollup entries at %d: %v", h, err))
	}
	tree, err := commitment.NewTree(entries)
	if err != nil {
		return nil, status.Error(codes.Internal, fmt.Sprintf("rollups tree at %d: %v", h, err))
	}
	rb, err := s.b.Store.RollupBlock(id, h)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	sh, err := s.b.Headers.SignedHeader(h + 1)
	if err != nil {
		return nil, status.Error(codes.Internal, fmt.Sprintf("header %d: %v", h+1, err))
	}
	shBytes, err := sh.ToProto().Marshal()
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	c := commitment.BlockOf(block)
	out := &deliveryv1.RollupBlock{
		RollupId: id[:], Height: h, TimeUnixNano: block.TimeUnixNano, Items: rb.Items,
		Proof: commitment.ProofToProto(tree.Prove(id)), Commitment: commitment.CommitmentToProto(c),
		SignedHeader: shBytes, Level: deliveryv1.CommitmentLevel_COMMITMENT_LEVEL_SOFT,
	}
	if err := s.attachVerdicts(out, h); err != nil {
		return nil, status.Error(codes.Internal, fmt.Sprintf("verdicts of height %d: %v", h, err))
	}
	if s.b.FirmHeight != nil {
		out.FirmHeight = s.b.FirmHeight()
		if h <= out.FirmHeight {
			out.Level = deliveryv1.CommitmentLevel_COMMITMENT_LEVEL_FIRM
		}
	}
	return out, nil
}

// attachVerdicts adds, when out has bundle legs and height h had atomic
// bundles, the verdicts tx of block h+1 with its proof against header
// h+1's data hash (the leaves are the block's tx hashes, which the block
// record keeps).
func (s *DeliveryServer) attachVerdicts(out *deliveryv1.RollupBlock, h int64) error {
	legs := false
	for _, it := range out.Items {
		legs = legs || it.BundleLegCount > 0
	}
	if !legs {
		return nil
	}
	v, ok, err := s.b.Store.AtomicBundles(h)
	if err != nil || !ok || len(v.Commits) != len(v.TxIndexes) {
		return err // not atomic, or (never after h+1 committed) undecided
	}
	raw, err := commitment.EncodeVerdictsTx(v)
	if err != nil {
		return err
	}
	next, err := s.b.Store.Block(h + 1)
	if err != nil {
		return err
	}
	want := tx.HashOf(raw)
	hashes := make([][]byte, len(next.Txs))
	index := -1
	for i, t := range next.Txs {
		th, err := tx.ParseHash(t.Hash)
		if err != nil {
			return err
		}
		hashes[i] = th[:]
		if th == want {
			index = i
		}
	}
	if index < 0 {
		return fmt.Errorf("block %d does not carry the verdicts tx", h+1)
	}
	proof, err := commitment.TxProof(hashes, index)
	if err != nil {
		return err
	}
	out.VerdictTx, out.VerdictProof = raw, proof
	return nil
}
