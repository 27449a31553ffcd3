package testnet

import (
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
)

// Ports are picked below Linux's ephemeral range (32768-60999 by default):
// a port the kernel hands out for bind(0) can be taken, between the pick and
// the node binding it, by an outgoing connection's source port on the same
// loopback address (connections to 127.0.0.x use it as their source).
const (
	minPickedPort = 10000
	maxPickedPort = 32767
)

var (
	pickedMu sync.Mutex
	picked   = map[string]bool{} // "ip:port" handed out by this process
)

// FreePort returns a TCP port on ip that is free now and was not returned
// before by this process: random in 10000-32767, checked by binding it.
func FreePort(ip string) (int, error) {
	pickedMu.Lock()
	defer pickedMu.Unlock()
	for try := 0; try < 1000; try++ {
		port := minPickedPort + rand.IntN(maxPickedPort-minPickedPort+1)
		addr := net.JoinHostPort(ip, fmt.Sprint(port))
		if picked[addr] {
			continue
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue // in use
		}
		l.Close()
		picked[addr] = true
		return port, nil
	}
	return 0, fmt.Errorf("finding a free port on %s: none free after 1000 tries in %d-%d", ip, minPickedPort, maxPickedPort)
}
