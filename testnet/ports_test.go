package testnet

import (
	"net"
	"strconv"
	"testing"
)

// TestFreePortDistinctAndOutsideEphemeralRange: ports handed out are never
// repeated within a process, lie below the kernel's ephemeral range (where
// outgoing connections take their source ports), and are bindable.
func TestFreePortDistinctAndOutsideEphemeralRange(t *testing.T) {
	const ip = "127.0.0.250"
	seen := map[int]bool{}
	for i := 0; i < 200; i++ {
		p, err := FreePort(ip)
		if err != nil {
			t.Fatal(err)
		}
		if p < minPickedPort || p > maxPickedPort || p >= 32768 {
			t.Fatalf("port %d outside %d-%d", p, minPickedPort, maxPickedPort)
		}
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
	}
	for p := range seen {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p)))
		if err != nil {
			t.Fatalf("port %d not bindable: %v", p, err)
		}
		l.Close()
		break
	}
}
