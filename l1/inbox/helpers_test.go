package inbox

import (
	"context"
	"crypto/ecdsa"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/ordolabs/ordo/l1/devchain"
)

// eoaInbox is an inbox without code.
var eoaInbox = common.HexToAddress("0x00000000000000000000000000000000000f1001")

// contractInbox holds revertIfFF in the test chains' genesis.
var contractInbox = common.HexToAddress("0x00000000000000000000000000000000000f1002")

// revertIfFF is runtime code that reverts when the calldata's first byte is
// 0xff and stops (succeeds) otherwise:
//
//	PUSH1 0 CALLDATALOAD PUSH1 0xf8 SHR PUSH1 0xff EQ PUSH1 13 JUMPI STOP
//	13: JUMPDEST PUSH1 0 DUP1 REVERT
var revertIfFF = common.FromHex("0x60003560f81c60ff14600d57005b600080fd")

// startChain starts a dev chain in manual mode (BlockPeriod 0, finality 2
// blocks behind) with contractInbox deployed, unless mutate changes it,
// and stops it when the test ends.
func startChain(t *testing.T, mutate func(*devchain.Config)) *devchain.Chain {
	t.Helper()
	cfg := devchain.DefaultConfig()
	cfg.BlockPeriod = 0
	cfg.Alloc = types.GenesisAlloc{contractInbox: {Code: revertIfFF, Balance: big.NewInt(0)}}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := devchain.Start(cfg)
	if err != nil {
		t.Fatalf("devchain.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("devchain Stop: %v", err)
		}
	})
	return c
}

// dial connects to the chain's JSON-RPC over HTTP, as an outside client.
func dial(t *testing.T, url string) *ethclient.Client {
	t.Helper()
	cl, err := ethclient.Dial(url)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newFollower makes a follower of url (fast polls, small MaxDataBytes)
// after mutate, and stops it when the test ends.
func newFollower(t *testing.T, url string, inbox common.Address, mutate func(*Config)) *Follower {
	t.Helper()
	cfg := DefaultConfig()
	cfg.RPCURL, cfg.Inbox = url, inbox
	cfg.PollInterval = 20 * time.Millisecond
	cfg.RequestTimeout = 2 * time.Second
	cfg.MaxDataBytes = 64
	if mutate != nil {
		mutate(&cfg)
	}
	f, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(f.Stop)
	return f
}

// commit produces one block.
func commit(t *testing.T, c *devchain.Chain) *types.Block {
	t.Helper()
	b, err := c.Commit()
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return b
}

// signed signs an EIP-1559 transaction with fixed gas (no estimate, so it
// may revert).
func signed(t *testing.T, ctx context.Context, cl *ethclient.Client, key *ecdsa.PrivateKey, chainID *big.Int, to common.Address, value int64, data []byte, gas uint64) *types.Transaction {
	t.Helper()
	nonce, err := cl.PendingNonceAt(ctx, crypto.PubkeyToAddress(key.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	tx, err := types.SignNewTx(key, types.LatestSignerForChainID(chainID), &types.DynamicFeeTx{
		ChainID: chainID, Nonce: nonce, GasTipCap: big.NewInt(1e9), GasFeeCap: big.NewInt(100e9),
		Gas: gas, To: &to, Value: big.NewInt(value), Data: data,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	return tx
}

// waitFor polls cond every 10 ms for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tcpProxy forwards loopback connections to target and can be taken down
// (listener closed, connections cut: clients see connection refused) and
// brought back up on the same address.
type tcpProxy struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]struct{}
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
}

func (p *tcpProxy) handle(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // went down meanwhile
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

func (p *tcpProxy) up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("re-listening on %s: %v", p.addr, err)
	}
	p.serve(ln)
}
