package node

import (
	"testing"
	"time"
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
	want.State.SyncWrites = false
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
