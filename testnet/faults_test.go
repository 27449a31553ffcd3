package testnet_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ordolabs/ordo/da-poster/localda"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/rollup-adapters/kv"
	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/testnet"
)

// TestDAOutageAndCrashes puts the delivery and DA path through faults on 4
// validator processes under a steady load of kv transfers (which are not
// idempotent: a block applied twice would change balances):
//
//   - DA outage: the local DA refuses submissions for a while. Firm lag
//     grows while soft delivery continues; after the outage every height
//     becomes firm.
//   - Adapter crashes: an `ordo rollup kv` process is killed with SIGKILL
//     several times and restarted; it must end with the same state root,
//     height for height, as an instance that never crashed.
//   - Poster crash: a validator is killed with SIGKILL and restarted; no
//     height is lost on DA (every height has a valid copy, read back and
//     verified against the light-client-verified app hash).
func TestDAOutageAndCrashes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 validator processes")
	}
	net := testnet.Start(t, testnet.Options{Validators: 4, FirstIP: 71, DevAccounts: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if err := net.WaitForHeight(ctx, 2); err != nil {
		t.Fatal(err)
	}
	rollup := net.Rollup("demo-a")
	genesis := net.KVGenesis()

	// The reference instance: in process, never crashes.
	refConn, err := net.RollupClient(ctx, 1, rollup, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer refConn.Close()
	refState, err := kv.Open(t.TempDir(), genesis)
	if err != nil {
		t.Fatal(err)
	}
	defer refState.Close()
	ref := newRecorder(refState)
	runCtx, stopRef := context.WithCancel(ctx)
	var refDone sync.WaitGroup
	refDone.Add(1)
	go func() {
		defer refDone.Done()
		_ = (&sdk.Driver{Client: refConn.Client, Exec: ref, Backoff: 200 * time.Millisecond}).Run(runCtx)
	}()
	defer func() { stopRef(); refDone.Wait() }()

	// The crash-tested instance: an `ordo rollup kv` process.
	adapterDir := t.TempDir()
	adapter := startAdapter(t, net, adapterDir, genesis)
	defer func() { adapter.stop(t) }()

	// Load: transfers back and forth, and puts, from two accounts.
	loadCtx, stopLoad := context.WithCancel(ctx)
	loadErr := make(chan error, 1)
	var lastHash string
	go func() { loadErr <- runKVLoad(loadCtx, net, rollup, &lastHash) }()

	status := func(i int) *sequencerv1.StatusResponse {
		t.Helper()
		c, err := net.Client(i)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		st, err := c.Query.Status(ctx, &sequencerv1.StatusRequest{})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			select {
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %s", what)
			case <-time.After(200 * time.Millisecond):
			}
		}
	}

	// DA outage.
	waitFor("firm height 3", func() bool { return status(0).DaFirmHeight >= 3 })
	net.DAStore().SetRefusing(true)
	st := status(0)
	outageStart, firmAtOutage := st.Height, st.DaFirmHeight
	softAtOutage, _, _ := ref.snapshot()
	waitFor("10 blocks into the outage, with soft delivery going on", func() bool {
		soft, _, _ := ref.snapshot()
		return status(0).Height >= outageStart+10 && soft >= softAtOutage+5
	})
	st = status(0)
	softDuring, _, _ := ref.snapshot()
	t.Logf("DA outage: height %d→%d, firm %d→%d, rollup soft %d→%d", outageStart, st.Height, firmAtOutage, st.DaFirmHeight, softAtOutage, softDuring)
	if st.DaFirmHeight > outageStart+1 {
		t.Fatalf("firm height %d advanced during the outage (started at height %d)", st.DaFirmHeight, outageStart)
	}
	if st.Height-st.DaFirmHeight < 9 {
		t.Fatalf("firm lag %d did not grow during the outage", st.Height-st.DaFirmHeight)
	}
	net.DAStore().SetRefusing(false)
	recovered := status(0).Height
	waitFor("firm to catch up after the outage", func() bool { return status(0).DaFirmHeight >= recovered })

	// Adapter crashes, and one validator (a poster) crash.
	for k := 0; k < 3; k++ {
		time.Sleep(time.Duration(400+300*k) * time.Millisecond)
		adapter.kill(t)
		adapter = startAdapter(t, net, adapterDir, genesis)
	}
	if err := net.Kill(2); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := net.StartValidator(2); err != nil {
		t.Fatal(err)
	}

	// Stop the load and let everything settle.
	time.Sleep(2 * time.Second)
	stopLoad()
	if err := <-loadErr; err != nil {
		t.Fatal(err)
	}
	c0, err := net.Client(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c0.Close()
	final, err := c0.WaitCommitted(ctx, lastHash)
	if err != nil {
		t.Fatal(err)
	}
	last := final.Height
	waitFor("the adapter process to apply the last height", func() bool { return adapter.applied() >= last })
	waitFor("the reference instance to apply the last height", func() bool { h, _, _ := ref.snapshot(); return h >= last })
	for i := range net.Validators {
		waitFor(fmt.Sprintf("validator %d firm through %d", i, last), func() bool { return status(i).DaFirmHeight >= last })
	}

	// The crashed adapter agrees with the reference, height for height.
	adapter.stop(t)
	crashed, err := kv.Open(filepath.Join(adapterDir, "state"), genesis)
	if err != nil {
		t.Fatal(err)
	}
	defer crashed.Close()
	applied, err := crashed.AppliedHeight()
	if err != nil {
		t.Fatal(err)
	}
	root, err := crashed.StateRoot()
	if err != nil {
		t.Fatal(err)
	}
	_, _, refRoots := ref.snapshot()
	if applied < last || !bytes.Equal(root, refRoots[applied]) {
		t.Fatalf("crashed adapter at height %d root %X; reference root there %X (last height %d)", applied, root, refRoots[applied], last)
	}
	for _, addr := range []int{0, 1} {
		a, _ := crashed.Balance(net.Signer(addr).Address())
		b, _ := refState.Balance(net.Signer(addr).Address())
		if a != b {
			t.Fatalf("dev%d balance %d in the crashed adapter, %d in the reference", addr, a, b)
		}
	}
	t.Logf("adapter survived %d SIGKILLs: height %d, root %X", 3, applied, root)

	// Nothing is missing on DA.
	reader := &sdk.DAReader{DA: localda.NewBackend(net.DAStore()), Headers: refConn.Light}
	if _, err := reader.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if firm := reader.FirmThrough(1); firm < last || reader.Skipped != 0 {
		t.Fatalf("DA holds valid copies through %d (want >= %d), %d invalid copies", firm, last, reader.Skipped)
	}
}

// runKVLoad sends kv ops for rollup from dev accounts 0 and 1 until ctx
// ends: transfers between them (some unpayable) and puts.
func runKVLoad(ctx context.Context, net *testnet.Network, rollup [32]byte, lastHash *string) error {
	c, err := net.Client(0)
	if err != nil {
		return err
	}
	defer c.Close()
	for n := 0; ; n++ {
		for a := 0; a < 2; a++ {
			if ctx.Err() != nil {
				return nil
			}
			var op kv.Op = kv.Transfer{To: net.Signer(1 - a).Address(), Amount: uint64(1 + n%7)}
			switch n % 4 {
			case 1:
				op = kv.Put{Key: []byte(fmt.Sprintf("k%d", n%13)), Value: []byte(strconv.Itoa(n))}
			case 3:
				op = kv.Transfer{To: net.Signer(1 - a).Address(), Amount: 1 << 50}
			}
			data, err := kv.EncodeOp(op)
			if err != nil {
				return err
			}
			raw, err := net.Signer(a).Sign(uint64(n), client.RollupData(rollup, data))
			if err != nil {
				return err
			}
			res, err := c.Submit.SubmitTx(context.Background(), &sequencerv1.SubmitTxRequest{Tx: raw})
			if err != nil {
				return err
			}
			if res.Code != 0 {
				return fmt.Errorf("load tx %d/%d rejected: %d %s", a, n, res.Code, res.Log)
			}
			*lastHash = res.Hash
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// adapterProc is an `ordo rollup kv` process.
type adapterProc struct {
	cmd    *exec.Cmd
	out    *os.File
	exited chan struct{}
}

var appliedLine = regexp.MustCompile(`applied height (\d+):`)

func startAdapter(t *testing.T, net *testnet.Network, dir string, g kv.Genesis) *adapterProc {
	t.Helper()
	args := []string{"rollup", "kv", "--rollup", "demo-a", "--dir", dir, "--chain-id", net.ChainID,
		"--node", net.Validators[0].GRPCAddr, "--rpc", "http://" + net.Validators[0].RPCAddr, "--trust-primary"}
	for _, v := range net.Validators[1:] {
		args = append(args, "--witness", "http://"+v.RPCAddr)
	}
	for addr, bal := range g.Balances {
		args = append(args, "--fund", fmt.Sprintf("%s=%d", addr, bal))
	}
	args = append(args, "--minter", g.Minter.String())
	out, err := os.OpenFile(filepath.Join(dir, "adapter.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(net.Opts.Binary, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &adapterProc{cmd: cmd, out: out, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	return p
}

// applied is the highest height the process has reported applying (from
// its log, across restarts).
func (p *adapterProc) applied() int64 {
	b, err := os.ReadFile(p.out.Name())
	if err != nil {
		return 0
	}
	var h int64
	for _, m := range appliedLine.FindAllSubmatch(b, -1) {
		if v, err := strconv.ParseInt(string(m[1]), 10, 64); err == nil && v > h {
			h = v
		}
	}
	return h
}

func (p *adapterProc) kill(t *testing.T) {
	_ = p.cmd.Process.Kill()
	<-p.exited
	p.out.Close()
}

func (p *adapterProc) stop(t *testing.T) {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Errorf("adapter did not stop on SIGTERM")
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	p.out.Close()
}
