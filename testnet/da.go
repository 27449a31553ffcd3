package testnet

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/ordolabs/ordo/da-poster/localda"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/client"
)

// localDA is the network's local DA service: a badger store under
// <Dir>/da served over gRPC at DAAddr.
type localDA struct {
	mu     sync.Mutex
	store  *localda.Store
	server *grpc.Server
}

func (n *Network) startDA() error {
	if n.DAAddr == "" {
		return nil
	}
	n.da.mu.Lock()
	defer n.da.mu.Unlock()
	if n.da.store != nil {
		return nil
	}
	store, err := localda.Open(filepath.Join(n.Opts.Dir, "da"), localda.DefaultOptions())
	if err != nil {
		return fmt.Errorf("local DA: %w", err)
	}
	server, _, err := localda.NewServer(store).Listen(n.DAAddr)
	if err != nil {
		store.Close()
		return fmt.Errorf("local DA: %w", err)
	}
	n.da.store, n.da.server = store, server
	fmt.Fprintf(n.Opts.Progress, "local DA service on %s\n", n.DAAddr)
	return nil
}

func (n *Network) stopDA() error {
	n.da.mu.Lock()
	defer n.da.mu.Unlock()
	if n.da.store == nil {
		return nil
	}
	n.da.server.Stop()
	err := n.da.store.Close()
	n.da.store, n.da.server = nil, nil
	return err
}

// DAStore is the local DA service's store while the network runs (nil
// otherwise): tests read it, or make it refuse submissions to simulate an
// outage (SetRefusing).
func (n *Network) DAStore() *localda.Store {
	n.da.mu.Lock()
	defer n.da.mu.Unlock()
	return n.da.store
}

// WaitFirm waits until every validator reports DA backend `backend` and a
// firm height of at least h (every height up to h confirmed on DA).
func (n *Network) WaitFirm(ctx context.Context, backend string, h int64) error {
	for i := range n.Validators {
		c, err := n.Client(i)
		if err != nil {
			return err
		}
		err = waitFirm(ctx, c, i, backend, h)
		c.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func waitFirm(ctx context.Context, c *client.Client, i int, backend string, h int64) error {
	for {
		st, err := c.Query.Status(ctx, &sequencerv1.StatusRequest{})
		if err != nil {
			return err
		}
		if st.DaBackend != backend {
			return fmt.Errorf("validator %d reports DA backend %q, want %q", i, st.DaBackend, backend)
		}
		if st.DaFirmHeight >= h {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("validator %d firm height %d, want >= %d: %w", i, st.DaFirmHeight, h, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
