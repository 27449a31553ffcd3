package sdk

import (
	"context"
	"errors"
	"testing"
	"time"

	cmtversion "github.com/cometbft/cometbft/api/cometbft/version/v1"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"

	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
	"github.com/ordolabs/ordo/sequencer/commitment"
	"github.com/ordolabs/ordo/sequencer/tx"
)

const testChain = "sdk-test"

// fakeHeaders is a HeaderVerifier over a fixed set of "verified" headers
// (the light client's job is tested by CometBFT; this tests what the SDK
// does with its answers).
type fakeHeaders map[int64]*cmttypes.Header

func (f fakeHeaders) VerifiedHeader(_ context.Context, h int64) (*cmttypes.Header, error) {
	if hdr, ok := f[h]; ok {
		return hdr, nil
	}
	return nil, errors.New("not verified")
}

func hash32(b byte) []byte {
	out := make([]byte, 32)
	out[0] = b
	return out
}

func header(height int64, appHash []byte, last cmttypes.BlockID, at time.Time) *cmttypes.Header {
	return &cmttypes.Header{
		Version: cmtversion.Consensus{Block: version.BlockProtocol}, ChainID: testChain, Height: height, Time: at,
		LastBlockID: last, ValidatorsHash: hash32(1), NextValidatorsHash: hash32(1), ConsensusHash: hash32(2),
		AppHash: appHash, ProposerAddress: make([]byte, 20),
	}
}

func signed(t *testing.T, h *cmttypes.Header) []byte {
	t.Helper()
	id := cmttypes.BlockID{Hash: h.Hash(), PartSetHeader: cmttypes.PartSetHeader{Total: 1, Hash: hash32(3)}}
	sh := cmttypes.SignedHeader{Header: h, Commit: &cmttypes.Commit{Height: h.Height, BlockID: id,
		Signatures: []cmttypes.CommitSig{{BlockIDFlag: cmttypes.BlockIDFlagCommit, ValidatorAddress: make([]byte, 20), Timestamp: h.Time, Signature: make([]byte, 64)}}}}
	b, err := sh.ToProto().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixture is height 7 with rollups A (3 items, one a bundle leg) and C
// (1 item); rollup B has none. It returns the verifier's headers and the
// honest deliveries for A and B.
type fixture struct {
	a, b, c  tx.RollupID
	headers  fakeHeaders
	delivery map[tx.RollupID]*deliveryv1.RollupBlock
	itemsA   []commitment.Item
	timeH    time.Time
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{a: tx.RollupIDFromName("a"), b: tx.RollupIDFromName("b"), c: tx.RollupIDFromName("c"),
		delivery: map[tx.RollupID]*deliveryv1.RollupBlock{}, timeH: time.Unix(1_700_000_000, 123).UTC()}
	for i := 0; i < 3; i++ {
		it := commitment.Item{TxIndex: uint32(i + 1), Data: []byte{byte('x' + i)}}
		it.TxHash[0], it.Sender[0] = byte(i+1), byte(i+1)
		if i == 2 {
			it.BundleIndex, it.BundleCount = 0, 2
		}
		f.itemsA = append(f.itemsA, it)
	}
	itemsC := []commitment.Item{{TxIndex: 9, Data: []byte("c")}}
	tree, err := commitment.NewTree([]commitment.Entry{commitment.EntryFor(f.a, f.itemsA), commitment.EntryFor(f.c, itemsC)})
	if err != nil {
		t.Fatal(err)
	}
	c := commitment.Block{PrevAppHash: hash32(9), Height: 7, StateDigest: [32]byte{5}, RollupEntries: tree.Len(), RollupsRoot: tree.Root()}
	h7 := header(7, hash32(8), cmttypes.BlockID{Hash: hash32(6), PartSetHeader: cmttypes.PartSetHeader{Total: 1, Hash: hash32(6)}}, f.timeH)
	h8 := header(8, c.AppHash(), cmttypes.BlockID{Hash: h7.Hash(), PartSetHeader: cmttypes.PartSetHeader{Total: 1, Hash: hash32(4)}}, f.timeH.Add(time.Second))
	f.headers = fakeHeaders{7: h7, 8: h8}
	sh := signed(t, h8)
	for id, items := range map[tx.RollupID][]commitment.Item{f.a: f.itemsA, f.b: nil} {
		rb := &deliveryv1.RollupBlock{RollupId: id[:], Height: 7, TimeUnixNano: f.timeH.UnixNano(),
			Proof: commitment.ProofToProto(tree.Prove(id)), Commitment: commitment.CommitmentToProto(c),
			SignedHeader: sh, Level: deliveryv1.CommitmentLevel_COMMITMENT_LEVEL_FIRM, FirmHeight: 7}
		for _, it := range items {
			rb.Items = append(rb.Items, commitment.ItemToProto(it))
		}
		f.delivery[id] = rb
	}
	return f
}

func clone(t *testing.T, rb *deliveryv1.RollupBlock) *deliveryv1.RollupBlock {
	t.Helper()
	b, err := rb.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var out deliveryv1.RollupBlock
	if err := out.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	return &out
}

func TestVerifyHonestDeliveries(t *testing.T) {
	f := newFixture(t)
	v := &Verifier{ChainID: testChain, Rollup: f.a, Headers: f.headers}
	d, err := v.Verify(context.Background(), 7, f.delivery[f.a])
	if err != nil {
		t.Fatal(err)
	}
	if d.Level != Firm || d.FirmHeight != 7 || d.Block.Height != 7 || !d.Block.Time.Equal(f.timeH) || len(d.Block.Items) != 3 {
		t.Fatalf("delivery %+v", d)
	}
	for i, it := range d.Block.Items {
		want := f.itemsA[i]
		if it.TxHash != want.TxHash || it.Sender != want.Sender || string(it.Data) != string(want.Data) || (it.Bundle != nil) != (want.BundleCount > 0) {
			t.Fatalf("item %d = %+v, want %+v", i, it, want)
		}
	}
	if b := d.Block.Items[2].Bundle; b == nil || b.Index != 0 || b.Count != 2 {
		t.Fatalf("bundle leg tag %+v", b)
	}
	// Rollup B had nothing at 7: the absence proof verifies, no items.
	vb := &Verifier{ChainID: testChain, Rollup: f.b, Headers: f.headers}
	if d, err := vb.Verify(context.Background(), 7, f.delivery[f.b]); err != nil || len(d.Block.Items) != 0 {
		t.Fatalf("empty delivery: %d items, %v", len(d.Block.Items), err)
	}
}

func TestVerifyRejectsTampering(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	otherHeader := header(8, hash32(7), cmttypes.BlockID{Hash: hash32(1), PartSetHeader: cmttypes.PartSetHeader{Total: 1, Hash: hash32(1)}}, f.timeH)
	for _, c := range []struct {
		name    string
		rollup  tx.RollupID
		height  int64
		headers fakeHeaders
		tamper  func(rb *deliveryv1.RollupBlock)
		want    error
	}{
		{"item dropped", f.a, 7, nil, func(rb *deliveryv1.RollupBlock) { rb.Items = rb.Items[1:] }, ErrCountMismatch},
		{"items swapped", f.a, 7, nil, func(rb *deliveryv1.RollupBlock) { rb.Items[0], rb.Items[1] = rb.Items[1], rb.Items[0] }, ErrItemsMismatch},
		{"item altered", f.a, 7, nil, func(rb *deliveryv1.RollupBlock) { rb.Items[0].Data = []byte("forged") }, ErrItemsMismatch},
		{"bundle tag altered", f.a, 7, nil, func(rb *deliveryv1.RollupBlock) { rb.Items[2].BundleLegIndex = 1 }, ErrItemsMismatch},
		{"items added to an empty height", f.b, 7, nil, func(rb *deliveryv1.RollupBlock) {
			rb.Items = f.delivery[f.a].Items
		}, ErrUnexpectedItems},
		{"another rollup's delivery", f.b, 7, nil, func(rb *deliveryv1.RollupBlock) { copy(rb.RollupId, f.a[:]) }, ErrWrongRollup},
		{"asked for another height", f.a, 6, nil, func(*deliveryv1.RollupBlock) {}, ErrWrongHeight},
		{"commitment altered", f.a, 7, nil, func(rb *deliveryv1.RollupBlock) { rb.Commitment.StateDigest[1] ^= 1 }, ErrAppHashMismatch},
		{"forged header", f.a, 7, nil, func(rb *deliveryv1.RollupBlock) { rb.SignedHeader = signed(t, otherHeader) }, ErrHeaderMismatch},
		{"garbage header", f.a, 7, nil, func(rb *deliveryv1.RollupBlock) { rb.SignedHeader = []byte{0xff} }, ErrMalformed},
		{"header not verifiable", f.a, 7, fakeHeaders{}, func(*deliveryv1.RollupBlock) {}, ErrHeaderUnverified},
		{"header h+1 does not follow header h", f.a, 7, fakeHeaders{7: header(7, nil, f.headers[7].LastBlockID, f.timeH.Add(time.Hour)), 8: f.headers[8]},
			func(*deliveryv1.RollupBlock) {}, ErrHeaderMismatch},
		{"proof aunt altered", f.a, 7, nil, func(rb *deliveryv1.RollupBlock) { rb.Proof.Entry.Aunts[0][0] ^= 1 }, ErrBadProof},
		{"proof missing", f.a, 7, nil, func(rb *deliveryv1.RollupBlock) { rb.Proof = nil }, ErrBadProof},
	} {
		t.Run(c.name, func(t *testing.T) {
			headers := f.headers
			if c.headers != nil {
				headers = c.headers
			}
			rb := clone(t, f.delivery[c.rollup])
			c.tamper(rb)
			v := &Verifier{ChainID: testChain, Rollup: c.rollup, Headers: headers}
			if _, err := v.Verify(ctx, c.height, rb); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}
