package testnet

import (
	"fmt"
	"path/filepath"
	"sync"

	"google.golang.org/grpc"

	"github.com/ordolabs/ordo/da-poster/localda"
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
