package sdk

import (
	"context"
	"errors"
	"fmt"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/light"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"
)

// LightConfig configures the light client that verifies Ordo headers.
type LightConfig struct {
	ChainID string
	// Primary is a CometBFT RPC address ("http://127.0.0.1:26657") the
	// light client fetches headers from; Witnesses (at least one) are
	// other validators' RPC addresses it cross-checks them with.
	Primary   string
	Witnesses []string
	// TrustHeight and TrustHash are the root of trust: a header hash the
	// operator obtained out of band (TrustFromNode fetches one from a node,
	// for development networks only).
	TrustHeight int64
	TrustHash   []byte
	// TrustPeriod bounds how old a trusted header may be (default one week).
	TrustPeriod time.Duration
	// MaxClockDrift and MaxBlockLag tune the witness cross-check (zero:
	// CometBFT's defaults, 10s each). When a witness has not yet committed
	// the height being verified, the light client waits 2*MaxClockDrift +
	// MaxBlockLag for it; on a localnet with one clock, 1s each is ample.
	MaxClockDrift time.Duration
	MaxBlockLag   time.Duration
	// Dir keeps the trusted headers on disk; empty keeps them in memory.
	Dir    string
	Logger log.Logger
}

// LightClient verifies headers with CometBFT's light client (skipping
// verification with witnesses cross-checking the primary).
type LightClient struct {
	c         *light.Client
	db        dbm.DB
	witnesses []*rpchttp.HTTP
}

// NewLightClient starts a light client from cfg's root of trust.
func NewLightClient(ctx context.Context, cfg LightConfig) (*LightClient, error) {
	if len(cfg.Witnesses) == 0 {
		return nil, errors.New("light client: at least one witness RPC address is needed")
	}
	if cfg.TrustPeriod <= 0 {
		cfg.TrustPeriod = 7 * 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = log.NewNopLogger()
	}
	var db dbm.DB = dbm.NewMemDB()
	if cfg.Dir != "" {
		var err error
		if db, err = dbm.NewDB("light", dbm.PebbleDBBackend, cfg.Dir); err != nil {
			return nil, fmt.Errorf("light client store in %s: %w", cfg.Dir, err)
		}
	}
	opts := []light.Option{light.Logger(cfg.Logger), light.MaxRetryAttempts(3)}
	if cfg.MaxClockDrift > 0 {
		opts = append(opts, light.MaxClockDrift(cfg.MaxClockDrift))
	}
	if cfg.MaxBlockLag > 0 {
		opts = append(opts, light.MaxBlockLag(cfg.MaxBlockLag))
	}
	c, err := light.NewHTTPClient(ctx, cfg.ChainID,
		light.TrustOptions{Period: cfg.TrustPeriod, Height: cfg.TrustHeight, Hash: cfg.TrustHash},
		cfg.Primary, cfg.Witnesses, lightdb.New(db, "ordo"), opts...)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("light client: %w", err)
	}
	l := &LightClient{c: c, db: db}
	for _, w := range cfg.Witnesses {
		rc, err := rpchttp.New(w)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("witness %s: %w", w, err)
		}
		l.witnesses = append(l.witnesses, rc)
	}
	return l, nil
}

// VerifiedHeader implements HeaderVerifier.
func (l *LightClient) VerifiedHeader(ctx context.Context, height int64) (*cmttypes.Header, error) {
	if lb, err := l.c.TrustedLightBlock(height); err == nil {
		return lb.Header, nil
	}
	l.awaitWitnesses(ctx, height)
	lb, err := l.c.VerifyLightBlockAtHeight(ctx, height, time.Now())
	if err != nil {
		return nil, err
	}
	return lb.Header, nil
}

// awaitWitnesses waits (up to a second) until every witness has committed
// height. The light client's cross-check otherwise sleeps
// 2*MaxClockDrift + MaxBlockLag for a witness that is a few milliseconds
// behind the primary, which on a fast chain happens at most heights.
func (l *LightClient) awaitWitnesses(ctx context.Context, height int64) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	for _, w := range l.witnesses {
		for {
			st, err := w.Status(ctx)
			if err == nil && st.SyncInfo.LatestBlockHeight >= height {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

// Close releases the trusted store.
func (l *LightClient) Close() error { return l.db.Close() }

// TrustFromNode returns the hash of the header at height as reported by the
// node at rpcAddr. Trusting a node's word is only for development networks
// (a localnet, tests); production rollups configure a trusted hash.
func TrustFromNode(ctx context.Context, rpcAddr string, height int64) ([]byte, error) {
	c, err := rpchttp.New(rpcAddr)
	if err != nil {
		return nil, err
	}
	res, err := c.Commit(ctx, &height)
	if err != nil {
		return nil, fmt.Errorf("commit at height %d from %s: %w", height, rpcAddr, err)
	}
	return res.SignedHeader.Hash(), nil
}
