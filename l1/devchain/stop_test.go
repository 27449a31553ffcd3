package devchain_test

import (
	"errors"
	"net"
	"net/url"
	"runtime"
	"testing"
	"time"

	"github.com/ordolabs/ordo/l1/devchain"
)

// Stop closes both listeners, stops production, leaves no goroutine and is
// idempotent.
func TestStopReleasesEverything(t *testing.T) {
	// Warm up once, producing blocks: go-ethereum starts process-wide
	// goroutines on first use (core.SenderCacher: one per CPU) that are
	// not the chain's.
	initial := runtime.NumGoroutine()
	warm, err := devchain.Start(devchain.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := warm.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if err := warm.Stop(); err != nil {
		t.Fatal(err)
	}
	base := settledGoroutines(-1)
	t.Logf("goroutines: %d before the first chain, %d after it stopped", initial, base)

	cfg := devchain.DefaultConfig()
	cfg.BlockPeriod = 20 * time.Millisecond
	c, err := devchain.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addrs := []string{hostOf(t, c.RPCURL()), hostOf(t, c.BeaconURL())}
	for _, a := range addrs {
		conn, err := net.DialTimeout("tcp", a, time.Second)
		if err != nil {
			t.Fatalf("%s not listening while running: %v", a, err)
		}
		conn.Close()
	}
	time.Sleep(100 * time.Millisecond) // let a few blocks be produced

	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	for _, a := range addrs {
		if conn, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			conn.Close()
			t.Fatalf("%s still accepts connections after Stop", a)
		}
	}
	if _, err := c.Commit(); !errors.Is(err, devchain.ErrStopped) {
		t.Fatalf("Commit after Stop: %v, want ErrStopped", err)
	}
	if n := settledGoroutines(base); n > base {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after Stop, %d before Start:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

// settledGoroutines waits up to 5 s for the goroutine count to reach
// target (or, with target < 0, to stop changing) and returns it.
func settledGoroutines(target int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		m := runtime.NumGoroutine()
		if (target >= 0 && m <= target) || (target < 0 && m == n) {
			return m
		}
		n = m
	}
	return n
}

func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
