package testnet_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/testnet"
)

// TestBundlesAcrossRollups: 200 random bundles across three rollups, mixed
// with ordinary txs, on 4 validator processes. Every bundle lands at one
// height with exactly one leg in each of its rollups — at the bundle tx's
// index, so contiguous in the global order — tagged leg i of n, and
// nothing in the other rollup.
func TestBundlesAcrossRollups(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 validator processes")
	}
	names := []string{"demo-a", "demo-b", "demo-c"}
	net := testnet.Start(t, testnet.Options{Validators: 4, FirstIP: 111, DevAccounts: 4, Rollups: names})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := net.WaitForHeight(ctx, 2); err != nil {
		t.Fatal(err)
	}
	c0, err := net.Client(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c0.Close()
	stream, err := c0.Submit.SubmitTxStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type sent struct {
		hash string
		legs []string // rollup names, in leg order; nil for an ordinary tx
	}
	rng := rand.New(rand.NewSource(11))
	var all []sent
	nonces := make([]uint64, 4)
	bundles := 0
	for bundles < 200 {
		a := rng.Intn(4)
		var action *txv1.Action
		var legs []string
		if rng.Intn(4) == 0 {
			action = client.RollupData(net.Rollup(names[rng.Intn(3)]), []byte("plain"))
		} else {
			perm := rng.Perm(3)[:2+rng.Intn(2)]
			var rd []*txv1.RollupData
			for i, r := range perm {
				id := net.Rollup(names[r])
				rd = append(rd, &txv1.RollupData{RollupId: id[:], Data: []byte(fmt.Sprintf("b%d-leg%d", bundles, i))})
				legs = append(legs, names[r])
			}
			action = client.Bundle(rd...)
			bundles++
		}
		raw, err := net.Signer(a).Sign(nonces[a], action)
		if err != nil {
			t.Fatal(err)
		}
		nonces[a]++
		if err := stream.Send(&sequencerv1.SubmitTxRequest{Tx: raw}); err != nil {
			t.Fatal(err)
		}
		res, err := stream.Recv()
		if err != nil || res.Code != 0 {
			t.Fatalf("submit: %v %+v", err, res)
		}
		all = append(all, sent{hash: res.Hash, legs: legs})
	}
	_ = stream.CloseSend()

	checked := 0
	for _, s := range all {
		st, err := c0.WaitCommitted(ctx, s.hash)
		if err != nil {
			t.Fatal(err)
		}
		if s.legs == nil {
			continue
		}
		inBundle := map[string]int{}
		for i, r := range s.legs {
			inBundle[r] = i
		}
		for _, name := range names {
			rb, err := c0.Query.RollupBlock(ctx, &sequencerv1.RollupBlockRequest{Rollup: name, Height: st.Height})
			if err != nil {
				t.Fatal(err)
			}
			var legs []*sequencerv1.RollupItem
			for _, it := range rb.Items {
				if it.TxHash == s.hash {
					legs = append(legs, it)
				}
			}
			want, isLeg := inBundle[name]
			switch {
			case !isLeg && len(legs) != 0:
				t.Fatalf("bundle %s: %d items in %s, which it has no leg for", s.hash, len(legs), name)
			case isLeg && len(legs) != 1:
				t.Fatalf("bundle %s: %d legs in %s at height %d, want 1", s.hash, len(legs), name, st.Height)
			case isLeg && (legs[0].TxIndex != st.Index || legs[0].BundleLegIndex != uint32(want) || legs[0].BundleLegCount != uint32(len(s.legs))):
				t.Fatalf("bundle %s in %s: tx index %d (tx at %d), leg %d/%d, want %d/%d", s.hash, name,
					legs[0].TxIndex, st.Index, legs[0].BundleLegIndex, legs[0].BundleLegCount, want, len(s.legs))
			}
		}
		checked++
	}
	if checked != 200 {
		t.Fatalf("checked %d bundles", checked)
	}
}
