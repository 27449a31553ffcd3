//go:build unix

package kv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/ordolabs/ordo/rollup-adapters/sdk"
)

// crashChildEnv names the store directory when the test binary runs as the
// child process of TestCrashConsistency.
const crashChildEnv = "KV_CRASH_CHILD_DIR"

// crashAt is how many blocks the child applies before it is killed in the
// middle of the next one.
const crashAt = 8

func crashFixture(tb testing.TB) (Genesis, []sdk.Block) {
	g := newGen(777)
	gen := g.genesis()
	blocks := g.blocks(crashAt + 4)
	// Make sure the interrupted block has staged writes when it dies.
	b := &blocks[crashAt]
	b.Items = append(b.Items, sdk.Item{
		TxHash: hashOf(b.Height, 999), Sender: addr(1),
		Data: mustEncode(tb, Put{Key: []byte("written by the killed block"), Value: []byte("v")}),
	})
	return gen, blocks
}

// TestCrashConsistency kills a process (SIGKILL, no Close) inside
// ExecuteBlock, after the block's ops are staged and before the commit,
// then reopens its store: the applied height and state are those of the
// last completed block, an applied height is refused when offered again,
// and execution continues to the same roots as an uninterrupted instance.
func TestCrashConsistency(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(t, dir)
		return
	}
	gen, blocks := crashFixture(t)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashConsistency$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child did not die: %v\n%s", err, out)
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child exited with %v, want SIGKILL\n%s", err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf("killing at height %d", blocks[crashAt].Height)) {
		t.Fatalf("child died before reaching the kill point:\n%s", out)
	}

	// Reference: an uninterrupted instance.
	ref := newRollup(t, gen)
	for _, b := range blocks[:crashAt] {
		execBlock(t, ref, b)
	}

	r, err := Open(dir, gen)
	if err != nil {
		t.Fatalf("reopening after the crash: %v", err)
	}
	defer func() { _ = r.Close() }()
	if h, want := mustHeight(t, r), blocks[crashAt-1].Height; h != want {
		t.Fatalf("applied height after crash %d, want %d", h, want)
	}
	if !bytes.Equal(mustRoot(t, r), mustRoot(t, ref)) {
		t.Fatalf("state root after crash differs from the uninterrupted instance")
	}
	g := newGen(777)
	for _, u := range g.users {
		if got, want := mustBalance(t, r, u), mustBalance(t, ref, u); got != want {
			t.Fatalf("balance of %s after crash %d, want %d", u, got, want)
		}
	}
	if _, found, _ := r.Get(addr(1), []byte("written by the killed block")); found {
		t.Fatalf("a write of the killed block survived")
	}
	if _, found, _ := r.Receipt(hashOf(blocks[crashAt].Height, 999), 0); found {
		t.Fatalf("a receipt of the killed block survived")
	}

	// Applied heights are refused when offered again.
	for _, i := range []int{crashAt - 1, 0} {
		if _, err := r.ExecuteBlock(context.Background(), blocks[i]); !errors.Is(err, ErrWrongHeight) {
			t.Fatalf("re-offering applied height %d: %v", blocks[i].Height, err)
		}
	}
	// Execution resumes where it stopped and agrees with the reference.
	for _, b := range blocks[crashAt:] {
		if got, want := execBlock(t, r, b), execBlock(t, ref, b); !bytes.Equal(got, want) {
			t.Fatalf("height %d after resume: root %x, want %x", b.Height, got, want)
		}
	}

	// A clean close and reopen keeps everything; another genesis is refused.
	last := mustRoot(t, r)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r2, err := Open(dir, gen)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r2.Close() }()
	if mustHeight(t, r2) != blocks[len(blocks)-1].Height || !bytes.Equal(mustRoot(t, r2), last) {
		t.Fatalf("clean reopen lost state")
	}
	if err := r2.Close(); err != nil {
		t.Fatal(err)
	}
	other := gen
	other.Minter = addr(42)
	if r3, err := Open(dir, other); !errors.Is(err, ErrGenesisMismatch) {
		if err == nil {
			_ = r3.Close()
		}
		t.Fatalf("reopen with another genesis: %v", err)
	}
}

// crashChild applies crashAt blocks, then SIGKILLs itself inside the next
// ExecuteBlock, at the context check just before the commit.
func crashChild(t *testing.T, dir string) {
	gen, blocks := crashFixture(t)
	r, err := Open(dir, gen)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks[:crashAt] {
		execBlock(t, r, b)
	}
	b := blocks[crashAt]
	ctx := &cancelAfter{Context: context.Background(), n: len(b.Items), onHit: func() {
		fmt.Printf("killing at height %d\n", b.Height)
		_ = os.Stdout.Sync()
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // wait for the signal
	}}
	_, err = r.ExecuteBlock(ctx, b)
	t.Fatalf("ExecuteBlock returned (%v) instead of being killed", err)
}
