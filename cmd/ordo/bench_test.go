package main_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ordolabs/ordo/internal/bench"
	"github.com/ordolabs/ordo/testnet"
)

// TestBenchSmoke keeps the benchmark harness working: a few seconds of a
// tiny load against Ordo (fair ordering on and off, with atomic bundles,
// and with CometBFT's flood gossip instead of Ordo's) and the kvstore
// baseline (addresses 127.0.0.161-180). It checks that the harness ran and wrote consistent output —
// never a speed.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five 4-validator networks")
	}
	bin := testnet.BuildBinary(t)
	out := t.TempDir()
	cmd := exec.Command(bin, "bench", "--duration", "3s", "--warmup", "2s", "--accounts", "2", "--rate", "100",
		"--compare-fair", "--compare-atomic", "--compare-flood", "--baseline", "--first-ip", "161", "--block-interval", "200ms", "--out", out)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ordo bench: %v\n%s", err, b)
	}
	raw, err := os.ReadFile(filepath.Join(out, "bench.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	want := []string{"ordo", "ordo-nofair", "ordo-atomic", "ordo-flood", "kvstore"}
	if len(rep.Runs) != len(want) {
		t.Fatalf("%d runs, want %d", len(rep.Runs), len(want))
	}
	for i, run := range rep.Runs {
		if run.System != want[i] {
			t.Errorf("run %d is %q, want %q", i, run.System, want[i])
		}
		if run.Blocks == 0 || run.Committed == 0 {
			t.Errorf("%s: %d blocks, %d txs committed", run.System, run.Blocks, run.Committed)
		}
		if run.Rejected != 0 {
			t.Errorf("%s: %d rejected at 100 tx/s (%s)", run.System, run.Rejected, run.FirstReject)
		}
		if run.LatencyP50Ms <= 0 || run.LatencyP50Ms > run.LatencyP90Ms || run.LatencyP90Ms > run.LatencyP99Ms {
			t.Errorf("%s: latency percentiles not ordered: %v %v %v", run.System, run.LatencyP50Ms, run.LatencyP90Ms, run.LatencyP99Ms)
		}
		if len(run.CPUSeconds) != 4 || len(run.PeakRSSMiB) != 4 {
			t.Errorf("%s: per-validator stats for %d/%d validators", run.System, len(run.CPUSeconds), len(run.PeakRSSMiB))
		}
		var sum float64
		for _, p := range run.Timeline {
			sum += p.TxPerSec
		}
		if int(sum) > run.Committed {
			t.Errorf("%s: timeline counts %v txs, committed %d", run.System, sum, run.Committed)
		}
		// Ordo posts to its local DA: firm latency follows soft latency and
		// the firm height trails the tip by a few blocks at most.
		if run.System == "kvstore" {
			if run.FirmNote == "" {
				t.Errorf("kvstore: firm figures without DA posting")
			}
		} else if run.FirmNote != "" || run.FirmLatencyP50Ms < run.LatencyP50Ms || run.DALagBlocksMax < run.DALagBlocksP50 {
			t.Errorf("%s: firm p50 %v ms (soft p50 %v), DA lag p50 %d max %d, note %q", run.System,
				run.FirmLatencyP50Ms, run.LatencyP50Ms, run.DALagBlocksP50, run.DALagBlocksMax, run.FirmNote)
		}
		hasExt := run.ExtBytesPerValidatorPerBlock > 0
		if hasExt != (run.System != "kvstore") {
			t.Errorf("%s: extension bytes per validator %v", run.System, run.ExtBytesPerValidatorPerBlock)
		}
	}
	if r, ok := rep.Ratios["ordo_tx_per_s_over_kvstore"]; !ok || r <= 0 {
		t.Errorf("ratios %v", rep.Ratios)
	}
	if st, err := os.Stat(filepath.Join(out, "bench.png")); err != nil || st.Size() == 0 {
		t.Errorf("plot: %v", err)
	}
}
