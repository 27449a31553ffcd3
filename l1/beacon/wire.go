package beacon

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// The JSON shapes of the standard beacon REST API (ethereum/beacon-APIs),
// shared by this client and by servers such as l1/devchain. They are wire
// types: unchecked. Client code converts them into verified values
// (Sidecar) at the edge.

// Uint64 is a beacon API integer: a decimal number in a JSON string ("12").
// Decoding also accepts a bare JSON number.
type Uint64 uint64

// MarshalJSON encodes u as a quoted decimal string.
func (u Uint64) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatUint(uint64(u), 10) + `"`), nil
}

// UnmarshalJSON decodes a quoted (or bare) decimal uint64.
func (u *Uint64) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("beacon: bad integer %q: %w", string(b), err)
	}
	*u = Uint64(v)
	return nil
}

// BeaconBlockHeader is the header message of a beacon block.
type BeaconBlockHeader struct {
	Slot          Uint64      `json:"slot"`
	ProposerIndex Uint64      `json:"proposer_index"`
	ParentRoot    common.Hash `json:"parent_root"`
	StateRoot     common.Hash `json:"state_root"`
	BodyRoot      common.Hash `json:"body_root"`
}

// SignedBeaconBlockHeader is a header with its proposer's BLS signature.
type SignedBeaconBlockHeader struct {
	Message   BeaconBlockHeader `json:"message"`
	Signature hexutil.Bytes     `json:"signature"`
}

// APIBlobSidecar is one element of GET /eth/v1/beacon/blob_sidecars/{block_id}.
type APIBlobSidecar struct {
	Index                       Uint64                   `json:"index"`
	Blob                        hexutil.Bytes            `json:"blob"`
	KZGCommitment               hexutil.Bytes            `json:"kzg_commitment"`
	KZGProof                    hexutil.Bytes            `json:"kzg_proof"`
	SignedBlockHeader           *SignedBeaconBlockHeader `json:"signed_block_header,omitempty"`
	KZGCommitmentInclusionProof []common.Hash            `json:"kzg_commitment_inclusion_proof"`
}

// BlobSidecarsResponse is the body of GET /eth/v1/beacon/blob_sidecars/{block_id}.
type BlobSidecarsResponse struct {
	Version             string           `json:"version,omitempty"`
	ExecutionOptimistic bool             `json:"execution_optimistic"`
	Finalized           bool             `json:"finalized"`
	Data                []APIBlobSidecar `json:"data"`
}

// APIGenesis is the data of GET /eth/v1/beacon/genesis.
type APIGenesis struct {
	GenesisTime           Uint64        `json:"genesis_time"`
	GenesisValidatorsRoot common.Hash   `json:"genesis_validators_root"`
	GenesisForkVersion    hexutil.Bytes `json:"genesis_fork_version"`
}

// GenesisResponse is the body of GET /eth/v1/beacon/genesis.
type GenesisResponse struct {
	Data APIGenesis `json:"data"`
}

// APIHeader is the data of GET /eth/v1/beacon/headers/{block_id}.
type APIHeader struct {
	Root      common.Hash             `json:"root"`
	Canonical bool                    `json:"canonical"`
	Header    SignedBeaconBlockHeader `json:"header"`
}

// HeaderResponse is the body of GET /eth/v1/beacon/headers/{block_id}.
type HeaderResponse struct {
	ExecutionOptimistic bool      `json:"execution_optimistic"`
	Finalized           bool      `json:"finalized"`
	Data                APIHeader `json:"data"`
}

// SpecResponse is the body of GET /eth/v1/config/spec: every value is a
// string, keyed by the consensus-spec constant name.
type SpecResponse struct {
	Data map[string]string `json:"data"`
}

// ErrorResponse is the body of a beacon API error answer.
type ErrorResponse struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Compile-time checks that Uint64 round-trips through encoding/json.
var (
	_ json.Marshaler   = Uint64(0)
	_ json.Unmarshaler = (*Uint64)(nil)
)
