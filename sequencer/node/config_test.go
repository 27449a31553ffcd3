package node

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ordolabs/ordo/mempool"
)

// TestOrdoConfigRoundTrip writes ordo.toml with non-default values and
// loads it back: every field must survive (a field viper cannot map would
// silently keep its default).
func TestOrdoConfigRoundTrip(t *testing.T) {
	home := t.TempDir()
	comet := DefaultCometConfig(home)
	want := DefaultOrdoConfig()
	want.GRPC.Address = "127.0.0.9:9999"
	want.Mempool.MaxTxs = 123
	want.Mempool.MaxBytes = 456789
	want.Mempool.MaxTxsPerAccount = 7
	want.Mempool.MaxNonceGap = 42
	want.Mempool.TTL = 90 * time.Second
	want.Mempool.SubmitFill = 0.25
	want.Mempool.Gossip = mempool.GossipCometBFT
	want.State.SyncWrites = false
	comet.Mempool.Broadcast = true
	if _, err := InitHome(comet, want); err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if got.Ordo != want {
		t.Fatalf("loaded %+v, wrote %+v", got.Ordo, want)
	}
	if got.Comet.Mempool.Size != comet.Mempool.Size || got.Comet.Consensus.TimeoutCommit != comet.Consensus.TimeoutCommit {
		t.Fatalf("config.toml did not round-trip")
	}
}

func TestOrdoConfigValidate(t *testing.T) {
	c := DefaultOrdoConfig()
	if err := c.ValidateBasic(); err != nil {
		t.Fatal(err)
	}
	c.Mempool.SubmitFill = 1.5
	if err := c.ValidateBasic(); err == nil {
		t.Fatal("submit_fill 1.5 accepted")
	}
	c = DefaultOrdoConfig()
	c.GRPC.Address = ""
	if err := c.ValidateBasic(); err == nil {
		t.Fatal("empty grpc address accepted")
	}
}

// TestGossipSettingsMustAgree: exactly one gossip relays pending txs. A
// home whose ordo.toml and config.toml disagree is refused with an error
// naming the setting to change; both consistent pairs load.
func TestGossipSettingsMustAgree(t *testing.T) {
	cases := []struct {
		gossip    string
		broadcast bool
		wantErr   string
	}{
		{mempool.GossipOrdo, false, ""},
		{mempool.GossipCometBFT, true, ""},
		{mempool.GossipOrdo, true, "set broadcast = false"},
		{mempool.GossipCometBFT, false, "needs broadcast = true"},
		{"carrier-pigeon", false, "gossip"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/broadcast=%v", c.gossip, c.broadcast), func(t *testing.T) {
			home := t.TempDir()
			comet := DefaultCometConfig(home)
			comet.Mempool.Broadcast = c.broadcast
			ordo := DefaultOrdoConfig()
			ordo.Mempool.Gossip = c.gossip
			if _, err := InitHome(comet, ordo); err != nil {
				if c.wantErr != "" && strings.Contains(err.Error(), c.wantErr) {
					return // refused already at init
				}
				t.Fatal(err)
			}
			got, err := LoadConfig(home)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("consistent settings refused: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("got %v, want an error containing %q", err, c.wantErr)
			case c.wantErr == "" && (got.Ordo.Mempool.Gossip != c.gossip || got.Comet.Mempool.Broadcast != c.broadcast):
				t.Fatalf("loaded gossip %q broadcast %v", got.Ordo.Mempool.Gossip, got.Comet.Mempool.Broadcast)
			}
		})
	}
	if d := DefaultOrdoConfig(); d.Mempool.Gossip != mempool.GossipOrdo || DefaultCometConfig(t.TempDir()).Mempool.Broadcast {
		t.Fatal("defaults must be Ordo's gossip with CometBFT's broadcast off")
	}
}
