package ethda

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/cometbft/cometbft/libs/log"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/ordolabs/ordo/da-poster/da"
	"github.com/ordolabs/ordo/l1/beacon"
)

// Backend is the `ethereum` DA backend: a da.Backend over an Ethereum
// execution JSON-RPC endpoint and a beacon API. Safe for concurrent use;
// Submit and Status are serialized (one nonce sequence per key), Read runs
// alongside them.
type Backend struct {
	cfg     Config
	log     log.Logger
	rpc     *rpc.Client
	eth     *ethclient.Client
	beacon  *beacon.Client
	signer  types.Signer
	sender  common.Address // zero for a read-only backend
	posters map[common.Address]bool

	chainOK atomic.Bool // eth_chainId matched Config.ChainID

	mu       sync.Mutex // guards everything below
	j        *journal
	active   map[string]*record // stActive records, by string(ref)
	sidecars map[string]*types.BlobTxSidecar
	seen     map[string]statusMemo

	// firstFees, when set (tests), adjusts the fees of a generation's
	// first transaction.
	firstFees func(fees) fees

	read readState
}

// statusMemo is the last Status answer for a ref and the L1 head it was
// computed at: nothing can change before the next block, so Status answers
// from it without asking the node again.
type statusMemo struct {
	head  uint64
	state da.State
}

var _ da.Backend = (*Backend)(nil)

// Open validates cfg, connects (lazily, for HTTP endpoints: nothing is
// asked of the node until the first call) and opens the journal if cfg has
// a key. Close releases it.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	if err := cfg.Validate(); err != nil {
		return nil, da.Critical(err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = log.NewNopLogger()
	}
	bc, err := beacon.NewClient(cfg.BeaconURL, &http.Client{Timeout: cfg.RequestTimeout})
	if err != nil {
		return nil, da.Critical(err)
	}
	dctx, cancel := context.WithTimeout(ctx, cfg.RequestTimeout)
	defer cancel()
	rc, err := rpc.DialContext(dctx, cfg.RPCURL)
	if err != nil {
		return nil, unavailable("dialing "+cfg.RPCURL, err)
	}
	b := &Backend{
		cfg:      cfg,
		log:      logger.With("module", "ethda"),
		rpc:      rc,
		eth:      ethclient.NewClient(rc),
		beacon:   bc,
		signer:   types.LatestSignerForChainID(new(big.Int).SetUint64(cfg.ChainID)),
		posters:  map[common.Address]bool{},
		active:   map[string]*record{},
		sidecars: map[string]*types.BlobTxSidecar{},
		seen:     map[string]statusMemo{},
	}
	for _, p := range cfg.Posters {
		b.posters[p] = true
	}
	if cfg.Key != nil {
		b.sender = crypto.PubkeyToAddress(cfg.Key.PublicKey)
		if b.j, err = openJournal(cfg.JournalDir, b.sender); err != nil {
			rc.Close()
			return nil, da.Critical(err)
		}
		if b.active, err = b.j.active(); err != nil {
			rc.Close()
			return nil, da.Critical(errors.Join(err, b.j.close()))
		}
	}
	return b, nil
}

// Close closes the journal and the RPC connection.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var err error
	if b.j != nil {
		err = b.j.close()
		b.j = nil
	}
	b.rpc.Close()
	return err
}

// Sender is the poster's L1 address (zero for a read-only backend).
func (b *Backend) Sender() common.Address { return b.sender }

// MaxPayload is the largest payload Submit accepts.
func (b *Backend) MaxPayload() int { return b.cfg.MaxPayload() }

// reqCtx bounds one request by Config.RequestTimeout.
func (b *Backend) reqCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.cfg.RequestTimeout)
}

// checkChain verifies once that the endpoint serves Config.ChainID.
func (b *Backend) checkChain(ctx context.Context) error {
	if b.chainOK.Load() {
		return nil
	}
	ctx, cancel := b.reqCtx(ctx)
	defer cancel()
	id, err := b.eth.ChainID(ctx)
	if err != nil {
		return unavailable("eth_chainId", err)
	}
	if !id.IsUint64() || id.Uint64() != b.cfg.ChainID {
		return da.Critical(fmt.Errorf("ethda: endpoint %s serves chain %v, configured %d", b.cfg.RPCURL, id, b.cfg.ChainID))
	}
	b.chainOK.Store(true)
	return nil
}

// writable checks that the backend can post.
func (b *Backend) writable() error {
	if b.cfg.Key == nil {
		return da.Critical(errors.New("ethda: read-only backend (no key)"))
	}
	return nil
}

// notClosed checks that Close has not been called. Caller holds mu.
func (b *Backend) notClosed() error {
	if b.j == nil {
		return da.Critical(errors.New("ethda: backend closed"))
	}
	return nil
}

// lookup returns the record of ref: the in-memory active one or the
// journal's. Caller holds mu.
func (b *Backend) lookup(ref da.Ref) (*record, error) {
	if r, ok := b.active[string(ref)]; ok {
		return r, nil
	}
	return b.j.get(ref)
}

// save persists r (and payload, if not nil) and keeps the in-memory index
// in step. Caller holds mu.
func (b *Backend) save(ref da.Ref, r *record, payload []byte) error {
	if err := b.j.put(ref, r, payload); err != nil {
		return err
	}
	if r.State == stActive {
		b.active[string(ref)] = r
	} else {
		delete(b.active, string(ref))
		delete(b.sidecars, string(ref))
		delete(b.seen, string(ref))
	}
	return nil
}
