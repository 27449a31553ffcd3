package beacon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto/kzg4844"
)

// maxResponseBytes bounds a response body: far above any block's blobs
// (hex doubles 128 KiB per blob), far below what could exhaust memory.
const maxResponseBytes = 256 << 20

// DefaultTimeout bounds one request when the caller's context has no
// earlier deadline.
const DefaultTimeout = 30 * time.Second

// Client reads blob sidecars from one beacon node. It is safe for
// concurrent use. Genesis time and SECONDS_PER_SLOT are fetched once and
// cached (they never change for a network).
type Client struct {
	base string
	http *http.Client

	mu             sync.Mutex
	genesisTime    uint64
	secondsPerSlot uint64
}

// NewClient returns a client for the beacon API at baseURL (for example
// "http://127.0.0.1:5052"). hc may be nil: a client with DefaultTimeout is
// used.
func NewClient(baseURL string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("beacon: bad base URL %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("beacon: base URL %q must be http(s)://host[:port][/path]", baseURL)
	}
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), http: hc}, nil
}

// BlobSidecars fetches every blob sidecar of block blockID and verifies
// each one (see Verify). blockID is a beacon API block id: "head",
// "finalized", "genesis", a decimal slot, or a 0x-prefixed block root. A
// block without blobs yields an empty slice and no error.
func (c *Client) BlobSidecars(ctx context.Context, blockID string) ([]*Sidecar, error) {
	var resp BlobSidecarsResponse
	if err := c.get(ctx, "/eth/v1/beacon/blob_sidecars/"+url.PathEscape(blockID), &resp); err != nil {
		return nil, err
	}
	out := make([]*Sidecar, 0, len(resp.Data))
	for i := range resp.Data {
		s, err := Verify(&resp.Data[i])
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", blockID, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// BlobSidecarsAt is BlobSidecars for a slot number.
func (c *Client) BlobSidecarsAt(ctx context.Context, slot uint64) ([]*Sidecar, error) {
	return c.BlobSidecars(ctx, strconv.FormatUint(slot, 10))
}

// Blobs fetches the verified blobs of slot whose versioned hashes are
// hashes (typically a blob transaction's BlobHashes()), in that order.
// A hash absent from the slot yields ErrMissingBlob.
func (c *Client) Blobs(ctx context.Context, slot uint64, hashes []common.Hash) ([]*kzg4844.Blob, error) {
	sidecars, err := c.BlobSidecarsAt(ctx, slot)
	if err != nil {
		return nil, err
	}
	blobs, err := MatchBlobs(sidecars, hashes)
	if err != nil {
		return nil, fmt.Errorf("slot %d: %w", slot, err)
	}
	return blobs, nil
}

// Header fetches the beacon block header of blockID.
func (c *Client) Header(ctx context.Context, blockID string) (*HeaderResponse, error) {
	var resp HeaderResponse
	if err := c.get(ctx, "/eth/v1/beacon/headers/"+url.PathEscape(blockID), &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// SlotAt returns the slot whose start time is timestamp (an execution
// block's timestamp): (timestamp - genesis_time) / SECONDS_PER_SLOT. A
// timestamp before genesis or not on a slot boundary is an error.
func (c *Client) SlotAt(ctx context.Context, timestamp uint64) (uint64, error) {
	genesis, perSlot, err := c.timing(ctx)
	if err != nil {
		return 0, err
	}
	if timestamp < genesis {
		return 0, fmt.Errorf("beacon: timestamp %d before genesis %d", timestamp, genesis)
	}
	if (timestamp-genesis)%perSlot != 0 {
		return 0, fmt.Errorf("beacon: timestamp %d is not on a slot boundary (genesis %d, %d s/slot)", timestamp, genesis, perSlot)
	}
	return (timestamp - genesis) / perSlot, nil
}

// timing returns the cached genesis time and seconds per slot, fetching
// them on first use.
func (c *Client) timing(ctx context.Context) (genesis, perSlot uint64, err error) {
	c.mu.Lock()
	genesis, perSlot = c.genesisTime, c.secondsPerSlot
	c.mu.Unlock()
	if perSlot != 0 {
		return genesis, perSlot, nil
	}
	var g GenesisResponse
	if err := c.get(ctx, "/eth/v1/beacon/genesis", &g); err != nil {
		return 0, 0, err
	}
	var spec SpecResponse
	if err := c.get(ctx, "/eth/v1/config/spec", &spec); err != nil {
		return 0, 0, err
	}
	perSlot, err = strconv.ParseUint(spec.Data["SECONDS_PER_SLOT"], 10, 64)
	if err != nil || perSlot == 0 {
		return 0, 0, fmt.Errorf("%w: SECONDS_PER_SLOT %q", ErrBadResponse, spec.Data["SECONDS_PER_SLOT"])
	}
	genesis = uint64(g.Data.GenesisTime)
	c.mu.Lock()
	c.genesisTime, c.secondsPerSlot = genesis, perSlot
	c.mu.Unlock()
	return genesis, perSlot, nil
}

// get performs GET base+path and decodes a 200 JSON body into out. Errors
// wrap ErrNotFound (404), ErrUnavailable (transport, 5xx, 429) or
// ErrBadResponse (other statuses, undecodable bodies).
func (c *Client) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return fmt.Errorf("beacon: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: GET %s: %w", ErrUnavailable, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("%w: GET %s: reading body: %w", ErrUnavailable, path, err)
	}
	if len(body) > maxResponseBytes {
		return fmt.Errorf("%w: GET %s: body over %d bytes", ErrBadResponse, path, maxResponseBytes)
	}
	if resp.StatusCode != http.StatusOK {
		return statusError(path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%w: GET %s: %w", ErrBadResponse, path, err)
	}
	return nil
}

// statusError classifies a non-200 answer.
func statusError(path string, status int, body []byte) error {
	msg := strings.TrimSpace(string(body))
	var e ErrorResponse
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		msg = e.Message
	}
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	var kind error
	switch {
	case status == http.StatusNotFound:
		kind = ErrNotFound
	case status == http.StatusTooManyRequests || status >= 500:
		kind = ErrUnavailable
	default:
		kind = ErrBadResponse
	}
	return fmt.Errorf("%w: GET %s: HTTP %d: %s", kind, path, status, msg)
}
