// Package bench is the harness behind `ordo bench`: it starts a localnet of
// separate validator processes on loopback addresses, drives a bounded load
// from this process, watches blocks commit, and reports throughput,
// submit→soft latency, vote-extension bytes, CPU and memory per validator —
// for Ordo and, in the same invocation, for CometBFT's own kvstore app on
// the identical localnet shape (the baseline), so results come as ratios.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/testnet"
)

// Config is one `ordo bench` invocation.
type Config struct {
	Validators int
	TxSize     int
	Duration   time.Duration
	// Warmup runs load before measuring (blocks in it are not counted).
	Warmup time.Duration
	// Rate caps the offered load in tx/s (0: closed loop, as fast as the
	// nodes accept).
	Rate float64
	// Accounts (Ordo) and workers (baseline) submitting concurrently.
	Accounts int
	// Systems to run, in order: "ordo", "ordo-nofair", "ordo-atomic"
	// (every tx an atomic bundle of two kv Puts across two atomic
	// rollups), "ordo-flood" (txs relayed by CometBFT's flood mempool
	// instead of Ordo's gossip), "kvstore".
	Systems []string
	// Binary is the ordo executable for the validator processes.
	Binary string
	// Dir holds every network's homes and logs.
	Dir string
	// FirstIP is the last octet of validator 0's loopback address.
	FirstIP       int
	BlockInterval time.Duration
	// Progress receives a progress bar and status lines.
	Progress io.Writer
}

// Validate checks a config.
func (c Config) Validate() error {
	switch {
	case c.Validators < 1:
		return errors.New("bench: need at least one validator")
	case c.TxSize < 64 || c.TxSize > 900_000:
		return errors.New("bench: tx size must be 64 B to 900 kB")
	case c.Duration < time.Second:
		return errors.New("bench: duration must be at least 1s")
	case c.Accounts < 1:
		return errors.New("bench: need at least one account")
	case len(c.Systems) == 0:
		return errors.New("bench: no system to run")
	case c.Binary == "" || c.Dir == "":
		return errors.New("bench: binary and dir are required")
	}
	for _, s := range c.Systems {
		if s != "ordo" && s != "ordo-nofair" && s != "ordo-atomic" && s != "ordo-flood" && s != "kvstore" {
			return fmt.Errorf("bench: unknown system %q", s)
		}
	}
	return nil
}

// Run runs every configured system one after the other and returns the
// report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rep := newReport(cfg)
	for i, sys := range cfg.Systems {
		fmt.Fprintf(cfg.Progress, "\n[%d/%d] %s: %d validators, %d-byte txs, %s measured after %s warm-up\n",
			i+1, len(cfg.Systems), sys, cfg.Validators, cfg.TxSize, cfg.Duration, cfg.Warmup)
		res, err := runSystem(ctx, cfg, sys, cfg.FirstIP+i*cfg.Validators)
		if err != nil {
			return rep, fmt.Errorf("%s: %w", sys, err)
		}
		rep.Runs = append(rep.Runs, res)
	}
	rep.finish()
	return rep, nil
}

// network abstracts the two kinds of localnet.
type network struct {
	rpcAddrs []string
	// firm reads the DA firm height (nil for systems without DA posting).
	firm func(ctx context.Context) (int64, error)
	pids func() []int
	stop func()
	load func(ctx context.Context, subs *submissions) error
}

func runSystem(ctx context.Context, cfg Config, sys string, firstIP int) (RunResult, error) {
	dir := filepath.Join(cfg.Dir, sys)
	var (
		nw  network
		err error
	)
	if sys == "kvstore" {
		nw, err = startKVStore(cfg, dir, firstIP)
	} else {
		nw, err = startOrdo(ctx, cfg, dir, firstIP, ordoVariant{
			fair: sys != "ordo-nofair", atomic: sys == "ordo-atomic", flood: sys == "ordo-flood",
		})
	}
	if err != nil {
		return RunResult{}, err
	}
	defer nw.stop()

	obs, err := newObserver(nw.rpcAddrs[0], newSubmissions())
	if err != nil {
		return RunResult{}, err
	}
	obs.firmFn = nw.firm
	if err := waitBlocks(ctx, obs, 2, 90*time.Second); err != nil {
		return RunResult{}, fmt.Errorf("network did not start: %w", err)
	}
	subs := obs.subs
	loadCtx, stopLoad := context.WithCancel(ctx)
	loadErr := make(chan error, 1)
	go func() { loadErr <- nw.load(loadCtx, subs) }()

	// Warm up, then measure.
	if err := sleepCtx(ctx, cfg.Warmup); err != nil {
		stopLoad()
		return RunResult{}, err
	}
	if err := obs.start(ctx); err != nil {
		stopLoad()
		return RunResult{}, err
	}
	cpu0 := cpuOf(nw.pids())
	sent0 := subs.sent.Load()
	start := time.Now()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	bar := newProgressBar(cfg.Progress, cfg.Duration)
	for time.Since(start) < cfg.Duration {
		select {
		case <-ctx.Done():
			stopLoad()
			return RunResult{}, ctx.Err()
		case err := <-loadErr:
			stopLoad()
			if err == nil {
				err = errors.New("load generator stopped early")
			}
			return RunResult{}, err
		case <-tick.C:
		}
		if err := obs.poll(ctx); err != nil {
			stopLoad()
			return RunResult{}, err
		}
		bar.update(time.Since(start), committedTxs(obs.blocks))
	}
	elapsed := time.Since(start)
	stopLoad()
	<-loadErr
	bar.done()
	cpu1 := cpuOf(nw.pids())
	res := summarize(sys, cfg, obs.blocks, start, elapsed, subs.sent.Load()-sent0, subs)
	obs.summarizeDA(&res, start, elapsed)
	for i, pid := range nw.pids() {
		res.CPUSeconds = append(res.CPUSeconds, cpu1[i]-cpu0[i])
		rss, _ := procPeakRSS(pid)
		res.PeakRSSMiB = append(res.PeakRSSMiB, rss)
	}
	res.finishCPU()
	return res, nil
}

// ordoVariant is how an Ordo system differs from the default.
type ordoVariant struct {
	fair   bool // fair ordering on
	atomic bool // every tx an atomic bundle
	flood  bool // CometBFT's flood mempool relays txs
}

func startOrdo(ctx context.Context, cfg Config, dir string, firstIP int, v ordoVariant) (network, error) {
	opts := testnet.Options{
		Validators: cfg.Validators, Dir: dir, Binary: cfg.Binary, FirstIP: firstIP,
		DevAccounts: cfg.Accounts, BlockInterval: cfg.BlockInterval, DisableFairOrdering: !v.fair,
		CometBFTGossip: v.flood,
	}
	if v.atomic {
		opts.Rollups = []string{"demo-a", "demo-b"}
		opts.AtomicRollups = opts.Rollups
	}
	net, err := testnet.Setup(opts)
	if err != nil {
		return network{}, err
	}
	if err := net.Start(); err != nil {
		return network{}, err
	}
	var rpcs, grpcs []string
	for _, v := range net.Validators {
		rpcs = append(rpcs, "http://"+v.RPCAddr)
		grpcs = append(grpcs, v.GRPCAddr)
	}
	signers := make([]client.Signer, cfg.Accounts)
	for i := range signers {
		signers[i] = net.Signer(i)
	}
	action := plainAction(net.Rollup("demo-a"))
	if v.atomic {
		action = atomicBundleAction(net.Rollup("demo-a"), net.Rollup("demo-b"))
	}
	status, err := net.Client(0)
	if err != nil {
		_ = net.Stop()
		return network{}, err
	}
	return network{
		rpcAddrs: rpcs,
		firm: func(ctx context.Context) (int64, error) {
			st, err := status.Query.Status(ctx, &sequencerv1.StatusRequest{})
			if err != nil {
				return 0, err
			}
			return st.DaFirmHeight, nil
		},
		pids: func() []int {
			out := make([]int, len(net.Validators))
			for i, v := range net.Validators {
				out[i] = v.Pid()
			}
			return out
		},
		stop: func() { status.Close(); _ = net.Stop() },
		load: func(ctx context.Context, subs *submissions) error {
			return loadOrdo(ctx, grpcs, signers, action, cfg.TxSize, cfg.Rate, subs)
		},
	}, nil
}

func startKVStore(cfg Config, dir string, firstIP int) (network, error) {
	k, err := setupKVStore(dir, cfg.Binary, cfg.Validators, firstIP, cfg.BlockInterval)
	if err != nil {
		return network{}, err
	}
	return network{
		rpcAddrs: k.rpcAddrs,
		pids:     k.pids,
		stop:     k.stop,
		load: func(ctx context.Context, subs *submissions) error {
			return loadKVStore(ctx, k.rpcAddrs, 4*cfg.Accounts, cfg.TxSize, cfg.Rate, subs)
		},
	}, nil
}

func waitBlocks(ctx context.Context, o *observer, n int64, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		st, err := o.c.Status(ctx)
		if err == nil && st.SyncInfo.LatestBlockHeight >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
			}
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func cpuOf(pids []int) []float64 {
	out := make([]float64, len(pids))
	for i, p := range pids {
		out[i], _ = procCPU(p)
	}
	return out
}

func committedTxs(blocks []blockObs) int {
	n := 0
	for _, b := range blocks {
		n += b.Txs
	}
	return n
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
