package devchain_test

import (
	"strings"
	"testing"

	"github.com/ordolabs/ordo/l1/devchain"
)

func TestConfigValidateBasic(t *testing.T) {
	if err := devchain.DefaultConfig().ValidateBasic(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*devchain.Config)
		want   string
	}{
		{"chain id", func(c *devchain.Config) { c.ChainID = 0 }, "ChainID"},
		{"public http", func(c *devchain.Config) { c.HTTPAddr = "0.0.0.0:8545" }, "loopback"},
		{"private beacon", func(c *devchain.Config) { c.BeaconAddr = "10.0.0.1:5052" }, "loopback"},
		{"no port", func(c *devchain.Config) { c.HTTPAddr = "127.0.0.1" }, "HTTPAddr"},
		{"negative period", func(c *devchain.Config) { c.BlockPeriod = -1 }, "BlockPeriod"},
		{"accounts", func(c *devchain.Config) { c.DevAccounts = -1 }, "DevAccounts"},
		{"balance", func(c *devchain.Config) { c.DevBalance = nil }, "DevBalance"},
		{"gas", func(c *devchain.Config) { c.GasLimit = 1 }, "GasLimit"},
	} {
		cfg := devchain.DefaultConfig()
		tc.mutate(&cfg)
		err := cfg.ValidateBasic()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want error naming %q", tc.name, err, tc.want)
		}
		if _, err := devchain.Start(cfg); err == nil {
			t.Errorf("%s: Start accepted an invalid config", tc.name)
		}
	}
}

// Dev keys are deterministic and prefunded; the chain id is configurable.
func TestDevKeysAndChainID(t *testing.T) {
	k0, err := devchain.DevKey(0)
	if err != nil {
		t.Fatal(err)
	}
	c := startChain(t, func(cfg *devchain.Config) { cfg.ChainID = 901; cfg.DevAccounts = 2 })
	ctx := testCtx(t)
	cl := dial(t, c)
	if id, err := cl.ChainID(ctx); err != nil || id.Uint64() != 901 {
		t.Fatalf("chain id %v, %v", id, err)
	}
	keys := c.DevKeys()
	if len(keys) != 2 || !keys[0].Equal(k0) {
		t.Fatalf("dev keys not deterministic")
	}
	for _, a := range c.DevAddresses() {
		bal, err := cl.BalanceAt(ctx, a, nil)
		if err != nil || bal.Cmp(devchain.DefaultConfig().DevBalance) != 0 {
			t.Fatalf("balance of %s: %v, %v", a, bal, err)
		}
	}
}
