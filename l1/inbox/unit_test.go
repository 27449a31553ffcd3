package inbox

import (
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

func validConfig() Config {
	cfg := DefaultConfig()
	cfg.RPCURL, cfg.Inbox = "http://127.0.0.1:8545", eoaInbox
	return cfg
}

func TestConfigValidateBasic(t *testing.T) {
	if err := validConfig().ValidateBasic(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, url := range []string{"https://x.example/v3/key", "ws://127.0.0.1:8546", "wss://x.example"} {
		cfg := validConfig()
		cfg.RPCURL = url
		if err := cfg.ValidateBasic(); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
	}
	for name, mut := range map[string]func(*Config){
		"no url":          func(c *Config) { c.RPCURL = "" },
		"ipc path":        func(c *Config) { c.RPCURL = "/tmp/geth.ipc" },
		"bad scheme":      func(c *Config) { c.RPCURL = "ftp://127.0.0.1" },
		"no host":         func(c *Config) { c.RPCURL = "http://" },
		"bad url":         func(c *Config) { c.RPCURL = "http://[::1" },
		"no inbox":        func(c *Config) { c.Inbox = common.Address{} },
		"zero poll":       func(c *Config) { c.PollInterval = 0 },
		"zero timeout":    func(c *Config) { c.RequestTimeout = -time.Second },
		"zero max data":   func(c *Config) { c.MaxDataBytes = 0 },
		"neg cache":       func(c *Config) { c.CacheBlocks = -1 },
		"neg cache bytes": func(c *Config) { c.CacheBytes = -1 },
		"no parallelism":  func(c *Config) { c.FetchParallelism = 0 },
		"parallelism":     func(c *Config) { c.FetchParallelism = 65 },
	} {
		cfg := validConfig()
		mut(&cfg)
		if err := cfg.ValidateBasic(); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.HasPrefix(err.Error(), "inbox: ") {
			t.Errorf("%s: error %q", name, err)
		}
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted", name)
		}
	}
}

func result(n uint64, dataLens ...int) *blockResult {
	r := &blockResult{number: n}
	for _, l := range dataLens {
		r.msgs = append(r.msgs, Message{L1Block: n, Data: make([]byte, l), Size: l})
	}
	return r
}

func TestBlockCache(t *testing.T) {
	c := newBlockCache(3, 100)
	for n := uint64(1); n <= 3; n++ {
		c.put(result(n))
	}
	c.get(1) // 2 is now least recently used
	c.put(result(4))
	if _, ok := c.get(2); ok || c.len() != 3 {
		t.Fatalf("entry 2 not evicted by count (len %d)", c.len())
	}
	// Bytes: 60 + 50 > 100 evicts least recently used entries until it fits.
	c.put(result(5, 60))
	c.put(result(6, 30, 20))
	if c.bytes != 50 || c.len() != 1 {
		t.Fatalf("bytes %d len %d after byte eviction, want 50, 1", c.bytes, c.len())
	}
	if _, ok := c.get(5); ok {
		t.Fatal("entry 5 kept over the byte bound")
	}
	// Too large for the cache at all: not cached, nothing evicted.
	c.put(result(7, 101))
	if _, ok := c.get(7); ok || c.len() != 1 {
		t.Fatal("oversized entry cached")
	}
	// Replacing and removing keep the byte count right.
	c.put(result(6, 10))
	c.put(result(8, 5))
	c.remove(8)
	c.remove(8)
	if c.bytes != 10 || c.len() != 1 {
		t.Fatalf("bytes %d len %d, want 10, 1", c.bytes, c.len())
	}
	// A zero-size cache caches nothing.
	z := newBlockCache(0, 100)
	z.put(result(1))
	if z.len() != 0 {
		t.Fatal("zero-size cache holds an entry")
	}
}
