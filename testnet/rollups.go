package testnet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cometbft/cometbft/libs/log"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	deliveryv1 "github.com/ordolabs/ordo/proto/ordo/delivery/v1"
	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// RollupConn is the rollup SDK connected to one validator for one rollup.
type RollupConn struct {
	Client   *sdk.Client
	Verifier *sdk.Verifier
	Light    *sdk.LightClient
	// Delivery is the raw delivery service, unverified (for tests that
	// tamper with deliveries).
	Delivery deliveryv1.DeliveryServiceClient
	conn     *grpc.ClientConn
}

// Close closes the connection and the light client.
func (c *RollupConn) Close() error {
	return errors.Join(c.conn.Close(), c.Light.Close())
}

// RollupClient connects the rollup SDK to validator i's delivery service
// for rollup. Its light client uses validator i as primary and the other
// validators as witnesses, and trusts header 1 as validator i reports it,
// which is acceptable for a development network only. Height 1 must be
// committed. Validators share one clock on loopback, so the light client's
// wait for a lagging witness is cut to 3s.
//
// logger (may be nil) receives the light client's log.
func (n *Network) RollupClient(ctx context.Context, i int, rollup tx.RollupID, logger log.Logger) (*RollupConn, error) {
	primary := "http://" + n.Validators[i].RPCAddr
	var witnesses []string
	for j, v := range n.Validators {
		if j != i {
			witnesses = append(witnesses, "http://"+v.RPCAddr)
		}
	}
	hash, err := sdk.TrustFromNode(ctx, primary, 1)
	if err != nil {
		return nil, err
	}
	lc, err := sdk.NewLightClient(ctx, sdk.LightConfig{
		ChainID: n.ChainID, Primary: primary, Witnesses: witnesses, TrustHeight: 1, TrustHash: hash,
		Logger: logger, MaxClockDrift: time.Second, MaxBlockLag: time.Second,
	})
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(n.Validators[i].GRPCAddr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
	if err != nil {
		lc.Close()
		return nil, fmt.Errorf("dialing %s: %w", n.Validators[i].GRPCAddr, err)
	}
	v := &sdk.Verifier{ChainID: n.ChainID, Rollup: rollup, Headers: lc}
	return &RollupConn{
		Client: sdk.NewClient(conn, v), Verifier: v, Light: lc,
		Delivery: deliveryv1.NewDeliveryServiceClient(conn), conn: conn,
	}, nil
}
