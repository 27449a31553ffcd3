package testnet

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
	buildDir  string
)

// BuildBinary builds cmd/ordo once per test process and returns its path.
func BuildBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = err
			return
		}
		root := filepath.Dir(strings.TrimSpace(string(out)))
		buildDir, buildErr = os.MkdirTemp("", "ordo-bin-")
		if buildErr != nil {
			return
		}
		buildPath = filepath.Join(buildDir, "ordo")
		cmd := exec.Command("go", "build", "-o", buildPath, "./cmd/ordo")
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{err: err, out: string(b)}
		}
	})
	if buildErr != nil {
		t.Fatalf("building ordo: %v", buildErr)
	}
	return buildPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// Start sets up and starts a network for a test and stops it when the test
// ends. Unset Options take test-friendly defaults: a fresh temp Dir, the
// binary built from this module, free ports, and a 200ms block interval.
// On failure the validators' log tails are printed.
func Start(t testing.TB, o Options) *Network {
	t.Helper()
	if o.Binary == "" {
		o.Binary = BuildBinary(t)
	}
	n := setupForTest(t, o)
	if err := n.Start(); err != nil {
		t.Fatalf("testnet start: %v", err)
	}
	return n
}

func tail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// setupForTest applies test defaults (temp dir, 200ms blocks), sets the
// network up, and registers its shutdown (with log tails on failure).
func setupForTest(t testing.TB, o Options) *Network {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.BlockInterval == 0 {
		o.BlockInterval = 200 * time.Millisecond
	}
	n, err := Setup(o)
	if err != nil {
		t.Fatalf("testnet setup: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Errorf("testnet stop: %v", err)
		}
		if t.Failed() {
			for _, v := range n.Validators {
				t.Logf("--- tail of %s\n%s", v.LogFile, tail(v.LogFile, 30))
			}
		}
	})
	return n
}
