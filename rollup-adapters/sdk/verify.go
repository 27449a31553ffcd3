package sdk

import (
	"bytes"
	"context"
	"fmt"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	cmttypes "github.com/cometbft/cometbft/types"

	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// HeaderVerifier returns the header at a height, verified against a root
// of trust. LightClient implements it with CometBFT's light client.
type HeaderVerifier interface {
	VerifiedHeader(ctx context.Context, height int64) (*cmttypes.Header, error)
}

// Verifier checks deliveries for one rollup.
type Verifier struct {
	ChainID string
	Rollup  tx.RollupID
	Headers HeaderVerifier
	// Atomic is set for a rollup registered as atomic: every bundle leg
	// must then come with its verdict, proven against header height+1
	// (docs/spec/bundles.md).
	Atomic bool
}

// Level is the commitment level a delivery was sent with.
type Level int

const (
	// Soft: ordered and finalized by Ordo's validators.
	Soft Level = iota + 1
	// Firm: also confirmed on the DA layer (as reported by the node).
	Firm
)

func (l Level) String() string {
	switch l {
	case Soft:
		return "soft"
	case Firm:
		return "firm"
	}
	return "unknown"
}

// Delivery is a verified rollup block with the node's view of its level.
type Delivery struct {
	Block Block
	// Level and FirmHeight are what the node reported; the items and
	// their order are verified, the DA status is the node's claim.
	Level      Level
	FirmHeight int64
}

// Verify checks that rb holds exactly the rollup's items at height, in
// order, bound to a header the light client verified:
//
//  1. the delivery is for v.Rollup at height;
//  2. header height+1 verifies with the light client, and the delivered
//     header is that header;
//  3. the delivered commitment hashes to that header's app hash;
//  4. the items and proof verify against the commitment's rollups root
//     (commitment.Verify), including "no items" with an absence proof;
//  5. for an atomic rollup with bundle legs at height, the verdict tx is
//     proven against header height+1's data hash, is for height, and
//     decides every leg (ApplyVerdicts).
//
// The block time is taken from header height, also verified.
func (v *Verifier) Verify(ctx context.Context, height int64, rb *deliveryv1.RollupBlock) (Delivery, error) {
	if rb == nil {
		return Delivery{}, fmt.Errorf("%w: empty delivery", ErrMalformed)
	}
	if !bytes.Equal(rb.RollupId, v.Rollup[:]) {
		return Delivery{}, fmt.Errorf("%w: delivery for rollup %X, want %s", ErrWrongRollup, rb.RollupId, v.Rollup)
	}
	if rb.Height != height {
		return Delivery{}, fmt.Errorf("%w: delivery for height %d, want %d", ErrWrongHeight, rb.Height, height)
	}
	c, err := commitment.CommitmentFromProto(rb.Commitment)
	if err != nil {
		return Delivery{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if c.Height != height {
		return Delivery{}, fmt.Errorf("%w: commitment for height %d, want %d", ErrWrongHeight, c.Height, height)
	}
	sh, err := decodeSignedHeader(rb.SignedHeader, v.ChainID)
	if err != nil {
		return Delivery{}, err
	}
	if sh.Height != height+1 {
		return Delivery{}, fmt.Errorf("%w: header at height %d, want %d", ErrWrongHeight, sh.Height, height+1)
	}
	trusted, err := v.Headers.VerifiedHeader(ctx, height+1)
	if err != nil {
		return Delivery{}, fmt.Errorf("%w: height %d: %v", ErrHeaderUnverified, height+1, err)
	}
	if !bytes.Equal(trusted.Hash(), sh.Hash()) {
		return Delivery{}, fmt.Errorf("%w: height %d: delivered %X, verified %X", ErrHeaderMismatch, height+1, sh.Hash(), trusted.Hash())
	}
	if app := c.AppHash(); !bytes.Equal(app, trusted.AppHash) {
		return Delivery{}, fmt.Errorf("%w: height %d: commitment hashes to %X, header has %X", ErrAppHashMismatch, height, app, []byte(trusted.AppHash))
	}
	items := make([]commitment.Item, len(rb.Items))
	for i, p := range rb.Items {
		if items[i], err = commitment.ItemFromProto(p); err != nil {
			return Delivery{}, fmt.Errorf("%w: item %d: %v", ErrMalformed, i, err)
		}
	}
	proof, err := commitment.ProofFromProto(rb.Proof)
	if err != nil {
		return Delivery{}, err
	}
	if err := commitment.Verify(c.RollupsRoot, c.RollupEntries, v.Rollup, items, proof); err != nil {
		return Delivery{}, fmt.Errorf("height %d: %w", height, err)
	}
	own, err := v.Headers.VerifiedHeader(ctx, height)
	if err != nil {
		return Delivery{}, fmt.Errorf("%w: height %d: %v", ErrHeaderUnverified, height, err)
	}
	if !bytes.Equal(trusted.LastBlockID.Hash, own.Hash()) {
		return Delivery{}, fmt.Errorf("%w: header %d does not follow header %d", ErrHeaderMismatch, height+1, height)
	}
	sdkItems := toSDKItems(items)
	if v.Atomic {
		if err := verifyVerdicts(height, trusted, rb, sdkItems); err != nil {
			return Delivery{}, err
		}
	}
	d := Delivery{
		Block:      Block{Rollup: v.Rollup, Height: height, Time: own.Time, Items: sdkItems},
		Level:      Soft,
		FirmHeight: rb.FirmHeight,
	}
	if rb.Level == deliveryv1.CommitmentLevel_COMMITMENT_LEVEL_FIRM {
		d.Level = Firm
	}
	return d, nil
}

func decodeSignedHeader(b []byte, chainID string) (*cmttypes.SignedHeader, error) {
	var pb cmtproto.SignedHeader
	if err := pb.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("%w: signed header: %v", ErrMalformed, err)
	}
	sh, err := cmttypes.SignedHeaderFromProto(&pb)
	if err != nil {
		return nil, fmt.Errorf("%w: signed header: %v", ErrMalformed, err)
	}
	if err := sh.ValidateBasic(chainID); err != nil {
		return nil, fmt.Errorf("%w: signed header: %v", ErrHeaderMismatch, err)
	}
	return sh, nil
}

// ItemsOf converts verified commitment items to SDK items (bundle legs
// get VerdictNone; see ApplyVerdicts).
func ItemsOf(items []commitment.Item) []Item { return toSDKItems(items) }

func toSDKItems(items []commitment.Item) []Item {
	out := make([]Item, len(items))
	for i, it := range items {
		out[i] = Item{TxHash: it.TxHash, TxIndex: it.TxIndex, ActionIndex: it.ActionIndex, Sender: it.Sender, Data: it.Data}
		if it.BundleCount > 0 {
			out[i].Bundle = &BundleLeg{Index: it.BundleIndex, Count: it.BundleCount}
		}
	}
	return out
}

// verifyVerdicts applies the delivered verdicts to an atomic rollup's
// items, after proving the verdict tx is in block height+1 (whose header,
// next, the light client verified).
func verifyVerdicts(height int64, next *cmttypes.Header, rb *deliveryv1.RollupBlock, items []Item) error {
	legs := false
	for _, it := range items {
		legs = legs || it.Bundle != nil
	}
	if !legs {
		return nil
	}
	if len(rb.VerdictTx) == 0 {
		return fmt.Errorf("%w: height %d has bundle legs and no verdict tx", ErrVerdictMissing, height)
	}
	if err := commitment.VerifyTxProof(next.DataHash, rb.VerdictTx, rb.VerdictProof); err != nil {
		return fmt.Errorf("%w: height %d: %v", ErrBadVerdictProof, height, err)
	}
	v, err := commitment.DecodeVerdictsTx(rb.VerdictTx)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if v.Height != height {
		return fmt.Errorf("%w: verdicts for height %d, want %d", ErrWrongHeight, v.Height, height)
	}
	return ApplyVerdicts(items, v)
}
