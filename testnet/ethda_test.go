package testnet_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ordolabs/ordo/da-poster/ethda"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/testnet"
)

// TestEthereumDA runs 4 validator processes that post their batches as
// EIP-4844 blob transactions to an in-process go-ethereum L1: every height
// becomes firm (the blob txs are final on L1), and a reader that trusts
// nothing but its light client reads the batches back from the beacon API's
// blob sidecars (checked against the versioned hashes) and verifies every
// height's record against the app hash.
func TestEthereumDA(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 validator processes and an L1")
	}
	net := testnet.Start(t, testnet.Options{Validators: 4, FirstIP: 91, DevAccounts: 2, DA: "ethereum"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := net.WaitForHeight(ctx, 2); err != nil {
		t.Fatal(err)
	}
	rollup := net.Rollup("demo-a")
	c0, err := net.Client(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c0.Close()
	const items = 20
	var last int64
	for n := 0; n < items; n++ {
		raw, err := net.Signer(n%2).Sign(uint64(n/2), client.RollupData(rollup, []byte(fmt.Sprintf("blob-item-%02d", n))))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c0.Submit.SubmitTx(ctx, &sequencerv1.SubmitTxRequest{Tx: raw})
		if err != nil || res.Code != 0 {
			t.Fatalf("submit: %v %+v", err, res)
		}
		st, err := c0.WaitCommitted(ctx, res.Hash)
		if err != nil {
			t.Fatal(err)
		}
		last = max(last, st.Height)
	}
	if err := net.WaitFirm(ctx, "ethereum", last); err != nil {
		t.Fatal(err)
	}
	// A read-only reader: L1 RPC + beacon API, no key.
	rc := ethda.DefaultConfig()
	rc.RPCURL, rc.BeaconURL, rc.ChainID = net.L1RPC(), net.L1Beacon(), net.L1ChainID()
	rc.Inbox = common.HexToAddress(testnet.BatchInboxAddress)
	reader, err := ethda.Open(ctx, rc)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	conn, err := net.RollupClient(ctx, 1, rollup, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dar := &sdk.DAReader{DA: reader, Headers: conn.Light}
	blobs, err := dar.Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if firm := dar.FirmThrough(1); firm < last || dar.Skipped != 0 {
		t.Fatalf("blobs give valid copies through %d (want >= %d), %d skipped", firm, last, dar.Skipped)
	}
	var found int
	for h := int64(1); h <= last; h++ {
		rec, _ := dar.Record(h)
		for _, r := range rec.Rollups {
			if bytes.Equal(r.RollupId, rollup[:]) {
				found += len(r.Items)
			}
		}
	}
	if found != items {
		t.Fatalf("%d items in the blobs, submitted %d", found, items)
	}
	t.Logf("read %d blob txs back: heights 1..%d verified, %d items", blobs, last, found)
}
