package ethda

import (
	"math/big"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err == nil {
		t.Fatal("default config without endpoints validated")
	}
	c := DefaultConfig()
	c.RPCURL, c.BeaconURL, c.ChainID, c.Inbox = "http://127.0.0.1:8545", "http://127.0.0.1:5052", 1, testInbox
	if err := c.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, mutate := range map[string]func(*Config){
		"bump below the blob pool's": func(c *Config) { c.BumpPercent = 10 },
		"too many blobs":             func(c *Config) { c.MaxBlobsPerTx = 7 },
		"key without journal":        func(c *Config) { c.Key = mustKey(t) },
		"no inbox":                   func(c *Config) { c.Inbox = [20]byte{} },
		"beacon ws":                  func(c *Config) { c.BeaconURL = "ws://x" },
		"tip above cap":              func(c *Config) { c.MinTipCap = new(big.Int).Add(c.MaxFeeCap, big.NewInt(1)) },
	} {
		cc := DefaultConfig()
		cc.RPCURL, cc.BeaconURL, cc.ChainID, cc.Inbox = c.RPCURL, c.BeaconURL, c.ChainID, c.Inbox
		mutate(&cc)
		if err := cc.Validate(); err == nil {
			t.Errorf("%s: validated", name)
		}
	}
}
