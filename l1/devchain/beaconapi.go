package devchain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params/forks"

	"github.com/ordolabs/ordo/l1/beacon"
)

// The beacon API served for the dev chain, shaped like the standard one
// (ethereum/beacon-APIs), with this dev mapping: slot = execution block
// number; a block root is the execution block hash; a header's parent_root,
// state_root and body_root are the execution parent hash, state root and
// transactions root; proposer_index is 0; signatures are zero bytes;
// kzg_commitment_inclusion_proof is empty.
//
//	GET /eth/v1/beacon/genesis
//	GET /eth/v1/config/spec                     (SECONDS_PER_SLOT, ...)
//	GET /eth/v1/node/version
//	GET /eth/v1/beacon/headers/{block_id}
//	GET /eth/v1/beacon/blob_sidecars/{block_id}[?indices=0,1]
//
// block_id is "head", "finalized", "genesis", a decimal slot or a
// 0x-prefixed block root. An unknown block, or a block whose blobs are
// past BlobRetention, is 404; a block without blobs has "data": [].

// beaconServer is the HTTP server of the beacon API.
type beaconServer struct {
	url string
	srv *http.Server
	ln  net.Listener
}

// startBeaconServer listens on addr and serves c's beacon API.
func startBeaconServer(addr string, c *Chain) (*beaconServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("devchain: beacon API listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /eth/v1/beacon/genesis", c.handleGenesis)
	mux.HandleFunc("GET /eth/v1/config/spec", c.handleSpec)
	mux.HandleFunc("GET /eth/v1/node/version", handleVersion)
	mux.HandleFunc("GET /eth/v1/beacon/headers/{block_id}", c.handleHeader)
	mux.HandleFunc("GET /eth/v1/beacon/blob_sidecars/{block_id}", c.handleBlobSidecars)
	s := &beaconServer{
		url: "http://" + ln.Addr().String(),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		ln:  ln,
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("devchain: beacon API server stopped", "err", err)
		}
	}()
	return s, nil
}

// close stops the server: waits up to 5 s for requests in flight, then
// closes the rest. The listener is closed when close returns.
func (s *beaconServer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return errors.Join(err, s.srv.Close())
	}
	return nil
}

func (c *Chain) handleGenesis(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, beacon.GenesisResponse{Data: beacon.APIGenesis{
		GenesisTime:           beacon.Uint64(c.genesisTime),
		GenesisValidatorsRoot: common.Hash{},
		GenesisForkVersion:    make([]byte, 4),
	}})
}

func (c *Chain) handleSpec(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, beacon.SpecResponse{Data: map[string]string{
		"SECONDS_PER_SLOT":     strconv.FormatUint(c.secondsPerSlot, 10),
		"SLOTS_PER_EPOCH":      "32",
		"DEPOSIT_CHAIN_ID":     strconv.FormatUint(c.cfg.ChainID, 10),
		"DEPOSIT_NETWORK_ID":   strconv.FormatUint(c.cfg.ChainID, 10),
		"CONFIG_NAME":          "ordo-devchain",
		"PRESET_BASE":          "minimal",
		"MIN_GENESIS_TIME":     strconv.FormatUint(c.genesisTime, 10),
		"GENESIS_FORK_VERSION": "0x00000000",
	}})
}

func handleVersion(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]string{"version": "ordo-devchain"}})
}

func (c *Chain) handleHeader(w http.ResponseWriter, r *http.Request) {
	h, ok := c.resolveBlockID(w, r.PathValue("block_id"))
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, beacon.HeaderResponse{
		Finalized: c.isFinalized(h),
		Data: beacon.APIHeader{
			Root:      h.Hash(),
			Canonical: true,
			Header:    signedHeader(h),
		},
	})
}

func (c *Chain) handleBlobSidecars(w http.ResponseWriter, r *http.Request) {
	h, ok := c.resolveBlockID(w, r.PathValue("block_id"))
	if !ok {
		return
	}
	want, err := parseIndices(r.URL.Query()["indices"])
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	number := h.Number.Uint64()
	blobs, ok := c.sidecars.get(number)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("blob sidecars of slot %d pruned (retention %d blocks)", number, c.cfg.BlobRetention))
		return
	}
	sh := signedHeader(h)
	data := make([]beacon.APIBlobSidecar, 0, len(blobs))
	for i := range blobs {
		if want != nil && !want[uint64(i)] {
			continue
		}
		b := &blobs[i]
		data = append(data, beacon.APIBlobSidecar{
			Index:                       beacon.Uint64(i),
			Blob:                        b.blob[:],
			KZGCommitment:               b.commitment[:],
			KZGProof:                    b.proof[:],
			SignedBlockHeader:           &sh,
			KZGCommitmentInclusionProof: []common.Hash{},
		})
	}
	writeJSON(w, http.StatusOK, beacon.BlobSidecarsResponse{
		Version:   c.consensusVersion(h),
		Finalized: c.isFinalized(h),
		Data:      data,
	})
}

// resolveBlockID maps a beacon block_id to a canonical execution header,
// writing the error answer itself when it cannot.
func (c *Chain) resolveBlockID(w http.ResponseWriter, id string) (*types.Header, bool) {
	bc := c.eth.BlockChain()
	var h *types.Header
	switch {
	case id == "head":
		h = bc.CurrentBlock()
	case id == "finalized":
		h = bc.CurrentFinalBlock()
	case id == "genesis":
		h = bc.GetHeaderByNumber(0)
	case strings.HasPrefix(id, "0x"):
		b, err := hexBytes32(id)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid block id %q: %v", id, err))
			return nil, false
		}
		if h = bc.GetHeaderByHash(b); h != nil && bc.GetCanonicalHash(h.Number.Uint64()) != b {
			h = nil
		}
	default:
		slot, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid block id %q", id))
			return nil, false
		}
		h = bc.GetHeaderByNumber(slot)
	}
	if h == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("block %s not found", id))
		return nil, false
	}
	return h, true
}

// isFinalized reports whether h is at or below the finalized head.
func (c *Chain) isFinalized(h *types.Header) bool {
	f := c.eth.BlockChain().CurrentFinalBlock()
	return f != nil && h.Number.Cmp(f.Number) <= 0
}

// consensusVersion names the consensus fork paired with h's execution fork.
func (c *Chain) consensusVersion(h *types.Header) string {
	switch c.eth.BlockChain().Config().LatestFork(h.Time) {
	case forks.Cancun:
		return "deneb"
	case forks.Prague:
		return "electra"
	case forks.Osaka:
		return "fulu"
	}
	return ""
}

// signedHeader is the dev-mapped beacon header of execution header h.
func signedHeader(h *types.Header) beacon.SignedBeaconBlockHeader {
	return beacon.SignedBeaconBlockHeader{
		Message: beacon.BeaconBlockHeader{
			Slot:       beacon.Uint64(SlotOf(h.Number.Uint64())),
			ParentRoot: h.ParentHash,
			StateRoot:  h.Root,
			BodyRoot:   h.TxHash,
		},
		Signature: make([]byte, 96),
	}
}

// parseIndices reads the optional indices filter, given as repeated
// parameters and/or comma-separated lists. nil means all.
func parseIndices(params []string) (map[uint64]bool, error) {
	if len(params) == 0 {
		return nil, nil
	}
	out := make(map[uint64]bool)
	for _, p := range params {
		for _, s := range strings.Split(p, ",") {
			i, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("invalid blob index %q", s)
			}
			out[i] = true
		}
	}
	return out, nil
}

// hexBytes32 decodes a 0x-prefixed 32-byte hex string.
func hexBytes32(s string) (common.Hash, error) {
	var h common.Hash
	if len(s) != 2+2*len(h) {
		return h, errors.New("want 32 bytes of hex")
	}
	if err := h.UnmarshalText([]byte(s)); err != nil {
		return h, err
	}
	return h, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to do
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, beacon.ErrorResponse{Code: status, Message: msg})
}
