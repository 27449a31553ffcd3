package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	cmtflags "github.com/cometbft/cometbft/libs/cli/flags"
	"github.com/cometbft/cometbft/libs/log"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/ordolabs/ordo/internal/bench"
)

func benchCmd() *cobra.Command {
	var (
		cfg                                  bench.Config
		systems, out, dir                    string
		baseline, compareFair, compareAtomic bool
		compareFlood                         bool
		keep                                 bool
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure throughput and latency on a local N-validator network (optionally side by side with CometBFT's kvstore)",
		Long: `Start a localnet of separate validator processes on loopback addresses,
drive a bounded load from this process, and report committed tx/s and MB/s,
submit→soft latency percentiles, vote-extension bytes per validator per
block, CPU per tx and peak memory per validator.

--baseline runs CometBFT's own kvstore example app on the identical localnet
shape and CometBFT config in the same invocation and prints Ordo/baseline
ratios; --compare-fair also runs Ordo with fair ordering off;
--compare-atomic also runs Ordo with every tx an atomic bundle (two kv
Puts, one on each of two atomic rollups), so validators simulate and
decide every tx; --compare-flood also runs Ordo with txs relayed by
CometBFT's flood mempool (one CheckTx per tx per node) instead of Ordo's
batched gossip.

Writes bench.json, bench.png (throughput and latency over time) and
summary.txt to --out.`,
		Example: `  ordo bench --validators 4 --size 256 --duration 60s --baseline
  ordo bench --duration 5s --warmup 1s --accounts 2 --rate 200   # smoke run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bin, err := os.Executable()
			if err != nil {
				return err
			}
			cfg.Binary = bin
			cfg.Systems = strings.Split(systems, ",")
			if compareFair {
				cfg.Systems = append(cfg.Systems, "ordo-nofair")
			}
			if compareAtomic {
				cfg.Systems = append(cfg.Systems, "ordo-atomic")
			}
			if compareFlood {
				cfg.Systems = append(cfg.Systems, "ordo-flood")
			}
			if baseline {
				cfg.Systems = append(cfg.Systems, "kvstore")
			}
			cfg.Progress = cmd.ErrOrStderr()
			if dir == "" {
				if dir, err = os.MkdirTemp("", "ordo-bench-"); err != nil {
					return err
				}
				if !keep {
					defer os.RemoveAll(dir)
				}
			}
			cfg.Dir = dir
			if out == "" {
				out = filepath.Join("bench-results", time.Now().UTC().Format("20060102-150405"))
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			rep, err := bench.Run(ctx, cfg)
			if err != nil {
				return err
			}
			var summary strings.Builder
			rep.WriteSummary(&summary)
			fmt.Fprint(cmd.OutOrStdout(), summary.String())
			if err := os.WriteFile(filepath.Join(out, "summary.txt"), []byte(summary.String()), 0o644); err != nil {
				return err
			}
			if err := rep.WriteJSON(filepath.Join(out, "bench.json")); err != nil {
				return err
			}
			if err := rep.WritePlot(filepath.Join(out, "bench.png")); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "\nwrote %s/{summary.txt,bench.json,bench.png}\n", out)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Validators, "validators", 4, "validators (separate processes)")
	f.IntVar(&cfg.TxSize, "size", 256, "tx size in bytes")
	f.DurationVar(&cfg.Duration, "duration", 60*time.Second, "measured duration")
	f.DurationVar(&cfg.Warmup, "warmup", 5*time.Second, "load before measuring")
	f.Float64Var(&cfg.Rate, "rate", 0, "offered load in tx/s (0: closed loop)")
	f.IntVar(&cfg.Accounts, "accounts", 16, "submitting accounts (baseline: 4× as many RPC workers)")
	f.IntVar(&cfg.FirstIP, "first-ip", 101, "last octet of the first validator's 127.0.0.x address")
	f.DurationVar(&cfg.BlockInterval, "block-interval", 500*time.Millisecond, "CometBFT timeout_commit for every system")
	f.StringVar(&systems, "systems", "ordo", "comma-separated systems: ordo, ordo-nofair, ordo-atomic, ordo-flood, kvstore")
	f.BoolVar(&baseline, "baseline", false, "also run the CometBFT kvstore baseline")
	f.BoolVar(&compareFair, "compare-fair", false, "also run Ordo with fair ordering off")
	f.BoolVar(&compareAtomic, "compare-atomic", false, "also run Ordo with every tx an atomic bundle across two atomic kv rollups")
	f.BoolVar(&compareFlood, "compare-flood", false, "also run Ordo with CometBFT's flood mempool relaying txs instead of Ordo's gossip")
	f.StringVar(&out, "out", "", "results folder (default bench-results/<UTC time>)")
	f.StringVar(&dir, "dir", "", "folder for the networks' homes and logs (default: a temp dir, removed)")
	f.BoolVar(&keep, "keep", false, "keep the temp dir with homes and logs")
	return cmd
}

// kvstoreNodeCmd runs one CometBFT node with the kvstore example app, both
// from the CometBFT module Ordo is built with: the bench baseline.
func kvstoreNodeCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "kvstore-node",
		Short:  "Run a CometBFT node with its kvstore example app (the bench baseline)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home := homeFlag(cmd)
			c := cmtcfg.DefaultConfig()
			v := viper.New()
			v.SetConfigFile(filepath.Join(home, "config", "config.toml"))
			if err := v.ReadInConfig(); err != nil {
				return err
			}
			if err := v.Unmarshal(c); err != nil {
				return err
			}
			c.SetRoot(home)
			logger, err := cmtflags.ParseLogLevel(c.LogLevel, log.NewTMLogger(log.NewSyncWriter(os.Stdout)), "info")
			if err != nil {
				return err
			}
			nodeKey, err := p2p.LoadNodeKey(c.NodeKeyFile())
			if err != nil {
				return err
			}
			n, err := cmtnode.NewNode(context.Background(), c,
				privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile()), nodeKey,
				proxy.DefaultClientCreator(c.ProxyApp, c.ABCI, c.DBDir()),
				cmtnode.DefaultGenesisDocProviderFunc(c), cmtcfg.DefaultDBProvider,
				cmtnode.DefaultMetricsProvider(c.Instrumentation), logger)
			if err != nil {
				return err
			}
			if err := n.Start(); err != nil {
				return err
			}
			waitForStop()
			if err := n.Stop(); err != nil {
				return err
			}
			n.Wait()
			return nil
		},
	}
}
