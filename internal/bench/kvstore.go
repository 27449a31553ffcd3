package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/ordolabs/ordo/sequencer/node"
	"github.com/ordolabs/ordo/testnet"
)

// kvstoreNet is the baseline: CometBFT's own kvstore example app, one
// `ordo kvstore-node` process per validator (CometBFT node + kvstore app,
// both from the CometBFT module Ordo builds with), with the same CometBFT
// config Ordo validators get, on the same kind of loopback addresses.
type kvstoreNet struct {
	homes    []string
	rpcAddrs []string
	cmds     []*exec.Cmd
	logs     []*os.File
}

func setupKVStore(dir, binary string, validators, firstIP int, blockInterval time.Duration) (*kvstoreNet, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	k := &kvstoreNet{}
	type nodeInfo struct {
		id, p2p string
		val     cmttypes.GenesisValidator
	}
	var infos []nodeInfo
	var configs []*cmtcfg.Config
	for i := 0; i < validators; i++ {
		ip := "127.0.0." + strconv.Itoa(firstIP+i)
		home := filepath.Join(dir, fmt.Sprintf("node%d", i))
		c := node.DefaultCometConfig(home)
		c.Moniker = fmt.Sprintf("kvstore%d", i)
		// kvstore has only CometBFT's flood mempool to spread txs (Ordo
		// validators turn its broadcast off and use their own gossip).
		c.Mempool.Broadcast = true
		ports := make([]int, 3)
		for j := range ports {
			p, err := testnet.FreePort(ip)
			if err != nil {
				return nil, err
			}
			ports[j] = p
		}
		c.RPC.ListenAddress = fmt.Sprintf("tcp://%s:%d", ip, ports[0])
		c.P2P.ListenAddress = fmt.Sprintf("tcp://%s:%d", ip, ports[1])
		c.Instrumentation.PrometheusListenAddr = fmt.Sprintf("%s:%d", ip, ports[2])
		c.P2P.AddrBookStrict, c.P2P.AllowDuplicateIP, c.P2P.PexReactor = false, true, false
		c.Consensus.TimeoutCommit = blockInterval
		c.TxIndex.Indexer = "null"
		c.ProxyApp = "kvstore"
		c.LogLevel = "error"
		for _, d := range []string{"config", "data"} {
			if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
				return nil, err
			}
		}
		nk, err := p2p.LoadOrGenNodeKey(c.NodeKeyFile())
		if err != nil {
			return nil, err
		}
		pv, err := privval.LoadOrGenFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile(), nil)
		if err != nil {
			return nil, err
		}
		pub, err := pv.GetPubKey()
		if err != nil {
			return nil, err
		}
		infos = append(infos, nodeInfo{id: string(nk.ID()), p2p: fmt.Sprintf("%s:%d", ip, ports[1]),
			val: cmttypes.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: 10, Name: c.Moniker}})
		configs = append(configs, c)
		k.homes = append(k.homes, home)
		k.rpcAddrs = append(k.rpcAddrs, fmt.Sprintf("http://%s:%d", ip, ports[0]))
	}
	gen := &cmttypes.GenesisDoc{
		GenesisTime: time.Now().UTC(), ChainID: "kvstore-baseline", InitialHeight: 1,
		ConsensusParams: cmttypes.DefaultConsensusParams(),
	}
	gen.ConsensusParams.Block.MaxBytes = node.DefaultConsensusParams().Block.MaxBytes
	for _, in := range infos {
		gen.Validators = append(gen.Validators, in.val)
	}
	if err := gen.ValidateAndComplete(); err != nil {
		return nil, err
	}
	for i, c := range configs {
		var peers []string
		for j, in := range infos {
			if j != i {
				peers = append(peers, in.id+"@"+in.p2p)
			}
		}
		c.P2P.PersistentPeers = strings.Join(peers, ",")
		cmtcfg.WriteConfigFile(filepath.Join(c.RootDir, "config", "config.toml"), c)
		if err := gen.SaveAs(c.GenesisFile()); err != nil {
			return nil, err
		}
	}
	for _, home := range k.homes {
		logf, err := os.Create(filepath.Join(home, "node.log"))
		if err != nil {
			k.stop()
			return nil, err
		}
		cmd := exec.Command(binary, "kvstore-node", "--home", home)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
		if err := cmd.Start(); err != nil {
			logf.Close()
			k.stop()
			return nil, err
		}
		k.cmds = append(k.cmds, cmd)
		k.logs = append(k.logs, logf)
	}
	return k, nil
}

func (k *kvstoreNet) pids() []int {
	out := make([]int, len(k.cmds))
	for i, c := range k.cmds {
		out[i] = c.Process.Pid
	}
	return out
}

func (k *kvstoreNet) stop() {
	for _, c := range k.cmds {
		_ = c.Process.Signal(syscall.SIGTERM)
	}
	for _, c := range k.cmds {
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = c.Process.Kill()
			<-done
		}
	}
	for _, l := range k.logs {
		l.Close()
	}
	k.cmds = nil
}
