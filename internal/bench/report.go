package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Report is a whole invocation's result (written as JSON).
type Report struct {
	Date    string      `json:"date"`
	Machine MachineInfo `json:"machine"`
	Config  ConfigInfo  `json:"config"`
	Runs    []RunResult `json:"runs"`
	// Ratios compare each Ordo run with the kvstore baseline of the same
	// invocation (absent without a baseline).
	Ratios map[string]float64 `json:"ratios,omitempty"`
}

// MachineInfo describes where the run happened.
type MachineInfo struct {
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go"`
	OS        string `json:"os"`
	MemTotal  string `json:"mem_total"`
}

// ConfigInfo echoes the configuration.
type ConfigInfo struct {
	Validators    int     `json:"validators"`
	TxSize        int     `json:"tx_size_bytes"`
	DurationSec   float64 `json:"duration_s"`
	WarmupSec     float64 `json:"warmup_s"`
	Rate          float64 `json:"rate_tx_per_s"`
	Accounts      int     `json:"accounts"`
	BlockInterval string  `json:"block_interval"`
}

// RunResult is one system's figures.
type RunResult struct {
	System       string  `json:"system"`
	Submitted    int64   `json:"submitted"`
	Rejected     int64   `json:"rejected"`
	FirstReject  string  `json:"first_rejection,omitempty"`
	Blocks       int     `json:"blocks"`
	Committed    int     `json:"committed_txs"`
	TxPerSec     float64 `json:"tx_per_s"`
	MBPerSec     float64 `json:"mb_per_s"`
	LatencyP50Ms float64 `json:"soft_latency_p50_ms"`
	LatencyP90Ms float64 `json:"soft_latency_p90_ms"`
	LatencyP99Ms float64 `json:"soft_latency_p99_ms"`
	// ExtBytesPerValidatorPerBlock: size of the injected vote extensions
	// divided by the validator count (Ordo only).
	ExtBytesPerValidatorPerBlock float64   `json:"ext_bytes_per_validator_per_block"`
	CPUSeconds                   []float64 `json:"cpu_seconds_per_validator"`
	CPUMicrosPerTx               float64   `json:"cpu_us_per_tx"`
	PeakRSSMiB                   []float64 `json:"peak_rss_mib_per_validator"`
	// Submit→firm latency (DA confirmed) and DA lag (tip − firm height,
	// sampled at every poll); FirmNote explains their absence.
	FirmLatencyP50Ms float64 `json:"firm_latency_p50_ms"`
	FirmLatencyP99Ms float64 `json:"firm_latency_p99_ms"`
	DALagBlocksP50   int64   `json:"da_lag_blocks_p50"`
	DALagBlocksMax   int64   `json:"da_lag_blocks_max"`
	FirmNote         string  `json:"firm_note,omitempty"`
	Timeline         []Point `json:"timeline"`
}

// Point is one second of the timeline.
type Point struct {
	Second   int     `json:"s"`
	TxPerSec float64 `json:"tx_per_s"`
	P50Ms    float64 `json:"p50_ms"`
}

func newReport(cfg Config) *Report {
	return &Report{
		Date: time.Now().UTC().Format(time.RFC3339),
		Machine: MachineInfo{
			CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, MemTotal: memTotal(),
		},
		Config: ConfigInfo{
			Validators: cfg.Validators, TxSize: cfg.TxSize, DurationSec: cfg.Duration.Seconds(),
			WarmupSec: cfg.Warmup.Seconds(), Rate: cfg.Rate, Accounts: cfg.Accounts, BlockInterval: cfg.BlockInterval.String(),
		},
	}
}

func (r *Report) finish() {
	var base *RunResult
	for i := range r.Runs {
		if r.Runs[i].System == "kvstore" {
			base = &r.Runs[i]
		}
	}
	if base == nil || base.TxPerSec == 0 {
		return
	}
	r.Ratios = make(map[string]float64)
	for _, run := range r.Runs {
		if run.System != "kvstore" {
			r.Ratios[run.System+"_tx_per_s_over_kvstore"] = run.TxPerSec / base.TxPerSec
		}
	}
}

// summarize turns observed blocks into a RunResult. Blocks count when the
// bench saw them within [start, start+elapsed].
func summarize(sys string, cfg Config, blocks []blockObs, start time.Time, elapsed time.Duration, submitted int64, subs *submissions) RunResult {
	res := RunResult{System: sys, Submitted: submitted, Rejected: subs.rejected.Load()}
	if v, ok := subs.firstRej.Load().(string); ok {
		res.FirstReject = v
	}
	var (
		lat      []time.Duration
		bytes    int64
		extBytes int
		perSec   = make(map[int][]blockObs)
	)
	for _, b := range blocks {
		if b.Seen.After(start.Add(elapsed)) {
			continue
		}
		res.Blocks++
		res.Committed += b.Txs
		bytes += b.Bytes
		extBytes += b.ExtBytes
		lat = append(lat, b.Latencies...)
		sec := int(b.Seen.Sub(start) / time.Second)
		perSec[sec] = append(perSec[sec], b)
	}
	res.TxPerSec = float64(res.Committed) / elapsed.Seconds()
	res.MBPerSec = float64(bytes) / 1e6 / elapsed.Seconds()
	res.LatencyP50Ms, res.LatencyP90Ms, res.LatencyP99Ms = percentileMs(lat, 50), percentileMs(lat, 90), percentileMs(lat, 99)
	if res.Blocks > 0 && cfg.Validators > 0 {
		res.ExtBytesPerValidatorPerBlock = float64(extBytes) / float64(res.Blocks) / float64(cfg.Validators)
	}
	for s := 0; s < int(elapsed/time.Second); s++ {
		var n int
		var l []time.Duration
		for _, b := range perSec[s] {
			n += b.Txs
			l = append(l, b.Latencies...)
		}
		res.Timeline = append(res.Timeline, Point{Second: s, TxPerSec: float64(n), P50Ms: percentileMs(l, 50)})
	}
	return res
}

func (r *RunResult) finishCPU() {
	var total float64
	for _, c := range r.CPUSeconds {
		total += c
	}
	if r.Committed > 0 {
		r.CPUMicrosPerTx = total / float64(r.Committed) * 1e6
	}
}

func percentileMs(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * p / 100)
	return float64(s[i]) / float64(time.Millisecond)
}

// WriteJSON writes the report.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteSummary prints a human summary.
func (r *Report) WriteSummary(w io.Writer) {
	fmt.Fprintf(w, "\nordo bench — %s — %d CPUs, %s, %s\n", r.Date, r.Machine.CPUs, r.Machine.MemTotal, r.Machine.GoVersion)
	fmt.Fprintf(w, "%d validators, %d-byte txs, %gs measured, rate %s\n\n", r.Config.Validators, r.Config.TxSize, r.Config.DurationSec, rateString(r.Config.Rate))
	fmt.Fprintf(w, "%-12s %10s %8s %9s %9s %9s %10s %10s %11s %s\n", "system", "tx/s", "MB/s", "p50 ms", "p90 ms", "p99 ms", "ext B/val", "CPU µs/tx", "peak RSS", "rejected")
	for _, run := range r.Runs {
		var rss float64
		for _, x := range run.PeakRSSMiB {
			rss = max(rss, x)
		}
		fmt.Fprintf(w, "%-12s %10.0f %8.2f %9.0f %9.0f %9.0f %10.0f %10.0f %8.0f MiB %d\n", run.System, run.TxPerSec, run.MBPerSec,
			run.LatencyP50Ms, run.LatencyP90Ms, run.LatencyP99Ms, run.ExtBytesPerValidatorPerBlock, run.CPUMicrosPerTx, rss, run.Rejected)
	}
	if len(r.Ratios) > 0 {
		var keys []string
		for k := range r.Ratios {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintln(w)
		for _, k := range keys {
			fmt.Fprintf(w, "%s: %.2f×\n", k, r.Ratios[k])
		}
	}
	fmt.Fprintf(w, "\n%-12s %14s %14s %12s %12s\n", "system", "firm p50 ms", "firm p99 ms", "DA lag p50", "DA lag max")
	for _, run := range r.Runs {
		if run.FirmNote != "" {
			fmt.Fprintf(w, "%-12s %s\n", run.System, run.FirmNote)
			continue
		}
		fmt.Fprintf(w, "%-12s %14.0f %14.0f %12d %12d\n", run.System, run.FirmLatencyP50Ms, run.FirmLatencyP99Ms, run.DALagBlocksP50, run.DALagBlocksMax)
	}
}

func rateString(r float64) string {
	if r == 0 {
		return "closed loop"
	}
	return fmt.Sprintf("%.0f tx/s offered", r)
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(rest), "%f", &kb)
			return fmt.Sprintf("%.0f GiB", kb/1024/1024)
		}
	}
	return "unknown"
}

// progressBar draws a one-line bar with \r updates.
type progressBar struct {
	w     io.Writer
	total time.Duration
	last  time.Time
}

func newProgressBar(w io.Writer, total time.Duration) *progressBar {
	return &progressBar{w: w, total: total}
}

func (p *progressBar) update(elapsed time.Duration, committed int) {
	if time.Since(p.last) < 250*time.Millisecond {
		return
	}
	p.last = time.Now()
	const width = 30
	done := int(float64(width) * min(1, elapsed.Seconds()/p.total.Seconds()))
	fmt.Fprintf(p.w, "\r  [%s%s] %3.0fs/%.0fs  committed %d (%.0f tx/s)   ",
		strings.Repeat("=", done), strings.Repeat(" ", width-done), elapsed.Seconds(), p.total.Seconds(),
		committed, float64(committed)/max(elapsed.Seconds(), 0.001))
}

func (p *progressBar) done() { fmt.Fprintln(p.w) }
