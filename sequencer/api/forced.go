package api

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/forced"
	"github.com/ordolabs/ordo/sequencer/state"
)

// Forced implements QueryService: the L1 inbox's cursor and queue, and one
// message's record.
func (s *Server) Forced(_ context.Context, req *sequencerv1.ForcedRequest) (*sequencerv1.ForcedResponse, error) {
	p := s.b.Params()
	out := &sequencerv1.ForcedResponse{Enabled: p.Inbox.Enabled}
	if !p.Inbox.Enabled {
		return out, nil
	}
	snap := s.b.Store.Snapshot()
	defer snap.Discard()
	st, ok, err := snap.InboxState()
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if !ok {
		st.Cursor = forced.Cursor{Block: max(p.Inbox.StartBlock, 1)}
	}
	out.CursorBlock, out.CursorIndex, out.Queued, out.QueuedBytes = st.Cursor.Block, st.Cursor.Index, st.Len(), st.Bytes
	limit := int(req.Limit)
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	entries, err := snap.QueueEntries(st.Head, limit)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	for _, e := range entries {
		out.Queue = append(out.Queue, &sequencerv1.ForcedMessage{
			L1Block: e.Msg.L1Block, TxIndex: e.Msg.TxIndex, L1Tx: "0x" + hex.EncodeToString(e.Msg.L1Tx[:]),
			Status: forced.Queued.String(), Height: e.ImportHeight, Size_: uint32(len(e.Msg.Data)),
		})
	}
	if req.L1Tx != "" {
		b, err := hex.DecodeString(strings.TrimPrefix(req.L1Tx, "0x"))
		if err != nil || len(b) != 32 {
			return nil, status.Errorf(codes.InvalidArgument, "l1_tx %q: want 64 hex characters", req.L1Tx)
		}
		var h [32]byte
		copy(h[:], b)
		r, err := s.b.Store.ForcedRecord(h)
		if errors.Is(err, state.ErrNotFound) {
			return nil, status.Errorf(codes.NotFound, "no inbox message from L1 tx %s has been imported (yet)", req.L1Tx)
		} else if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		out.Record = &sequencerv1.ForcedMessage{
			L1Block: r.Msg.L1Block, TxIndex: r.Msg.TxIndex, L1Tx: "0x" + hex.EncodeToString(r.Msg.L1Tx[:]),
			Status: r.Status.String(), Height: r.Height, Reason: r.Reason, Size_: uint32(r.DataLen),
		}
		if r.TxHash != ([32]byte{}) {
			out.Record.TxHash = r.TxHash.String()
		}
	}
	return out, nil
}
