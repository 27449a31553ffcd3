package testnet

import (
	"crypto/ecdsa"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ordolabs/ordo/l1/devchain"
)

// l1Chain is the network's in-process go-ethereum L1 (a devchain), used by
// the ethereum DA backend and the L1 inbox.
type l1Chain struct {
	mu    sync.Mutex
	cfg   devchain.Config
	chain *devchain.Chain
	// RPC and beacon URLs, planned at Setup (the chain listens there).
	rpcURL, beaconURL string
}

// needsL1 reports whether the options call for the in-process L1.
func (o Options) needsL1() bool { return o.DA == "ethereum" || o.L1Inbox }

// BatchInboxAddress is where the ethereum DA backend sends batches on the
// localnet's L1 (the bytes of "OrdoBatches", zero-padded).
const BatchInboxAddress = "0x4f72646f42617463686573000000000000000000"

// planL1 picks the L1's addresses and dev accounts: validators use dev
// keys 0..n-1 (DA posting), the client key file holds key n (forced txs).
func (n *Network) planL1() error {
	o := n.Opts
	ip := "127.0.0." + strconv.Itoa(o.FirstIP)
	rpcPort, beaconPort := 8545, 5052
	if !o.FixedPorts {
		var err error
		if rpcPort, err = FreePort(ip); err != nil {
			return err
		}
		if beaconPort, err = FreePort(ip); err != nil {
			return err
		}
	}
	cfg := devchain.DefaultConfig()
	cfg.HTTPAddr = net.JoinHostPort(ip, strconv.Itoa(rpcPort))
	cfg.BeaconAddr = net.JoinHostPort(ip, strconv.Itoa(beaconPort))
	cfg.DevAccounts = o.Validators + 2
	cfg.FinalityDepth = 2
	n.l1.cfg = cfg
	n.l1.rpcURL = "http://" + cfg.HTTPAddr
	n.l1.beaconURL = "http://" + cfg.BeaconAddr
	return nil
}

// L1RPC and L1Beacon are the in-process L1's endpoints ("" without one).
func (n *Network) L1RPC() string    { return n.l1.rpcURL }
func (n *Network) L1Beacon() string { return n.l1.beaconURL }

// L1ChainID is the in-process L1's chain id.
func (n *Network) L1ChainID() uint64 { return n.l1.cfg.ChainID }

// L1Key returns dev key i of the in-process L1 (validator i posts with key
// i; key Validators is the client's, for forced txs).
func (n *Network) L1Key(i int) (*ecdsa.PrivateKey, error) { return devchain.DevKey(i) }

// L1 returns the running in-process L1 (nil when not running).
func (n *Network) L1() *devchain.Chain {
	n.l1.mu.Lock()
	defer n.l1.mu.Unlock()
	return n.l1.chain
}

func (n *Network) startL1() error {
	if !n.Opts.needsL1() {
		return nil
	}
	n.l1.mu.Lock()
	defer n.l1.mu.Unlock()
	if n.l1.chain != nil {
		return nil
	}
	c, err := devchain.Start(n.l1.cfg)
	if err != nil {
		return fmt.Errorf("in-process L1: %w", err)
	}
	n.l1.chain = c
	fmt.Fprintf(n.Opts.Progress, "in-process L1 (go-ethereum dev chain %d): JSON-RPC %s, beacon API %s\n", n.l1.cfg.ChainID, n.l1.rpcURL, n.l1.beaconURL)
	return nil
}

func (n *Network) stopL1() error {
	n.l1.mu.Lock()
	defer n.l1.mu.Unlock()
	if n.l1.chain == nil {
		return nil
	}
	err := n.l1.chain.Stop()
	n.l1.chain = nil
	return err
}

// writeL1Key writes dev key i as hex to path (mode 0600).
func writeL1Key(path string, i int) error {
	key, err := devchain.DevKey(i)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(hex.EncodeToString(crypto.FromECDSA(key))+"\n"), 0o600)
}
