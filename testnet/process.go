package testnet

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/ordolabs/ordo/sequencer/node"
)

// Validator is one validator process of a Network.
type Validator struct {
	Index   int
	Moniker string
	Home    string
	IP      string
	NodeID  string
	// Listen addresses (host:port). PprofAddr serves net/http/pprof.
	RPCAddr, P2PAddr, GRPCAddr, MetricsAddr, PprofAddr string
	// LogFile receives the process's stdout and stderr.
	LogFile string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	inproc *node.Node
}

// StartValidator starts validator i's process (`ordo start --home ...`).
func (n *Network) StartValidator(i int) error {
	v := n.Validators[i]
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cmd != nil || v.inproc != nil {
		return fmt.Errorf("validator %d is already running", i)
	}
	if n.Opts.Binary == "" {
		return fmt.Errorf("testnet: Options.Binary is required to start validator processes")
	}
	logf, err := os.OpenFile(v.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(n.Opts.Binary, "start", "--home", v.Home)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group: a Ctrl-C in the terminal reaches the localnet
	// command, which then stops the validators in order. If the parent dies
	// without stopping them (a killed test), the kernel sends SIGTERM.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting validator %d: %w", i, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(exited)
	}()
	v.cmd, v.exited = cmd, exited
	return nil
}

// Running reports whether the validator's process is alive.
func (v *Validator) Running() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.inproc != nil {
		return true
	}
	if v.cmd == nil {
		return false
	}
	select {
	case <-v.exited:
		return false
	default:
		return true
	}
}

// Kill sends SIGKILL to validator i (a crash: no cleanup runs) and waits
// for the process to end.
func (n *Network) Kill(i int) error {
	v := n.Validators[i]
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cmd == nil {
		return fmt.Errorf("validator %d is not running", i)
	}
	_ = v.cmd.Process.Kill()
	<-v.exited
	v.cmd = nil
	return nil
}

// StopValidator stops validator i gracefully.
func (n *Network) StopValidator(i int) error { return n.Validators[i].stop(10 * time.Second) }

func (v *Validator) stop(grace time.Duration) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.inproc != nil {
		err := v.inproc.Stop()
		v.inproc = nil
		return err
	}
	if v.cmd == nil {
		return nil
	}
	_ = v.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-v.exited:
	case <-time.After(grace):
		_ = v.cmd.Process.Kill()
		<-v.exited
		v.cmd = nil
		return fmt.Errorf("validator %d did not stop within %s and was killed", v.Index, grace)
	}
	v.cmd = nil
	return nil
}

// Pid returns the validator's process id (0 when not running as a process).
func (v *Validator) Pid() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cmd == nil || v.cmd.Process == nil {
		return 0
	}
	return v.cmd.Process.Pid
}
