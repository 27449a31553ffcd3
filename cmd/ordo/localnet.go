package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/testnet"
)

func localnetCmd() *cobra.Command {
	var (
		validators int
		dir        string
		interval   time.Duration
		firstIP    int
		daBackend  string
	)
	cmd := &cobra.Command{
		Use:   "localnet",
		Short: "Run an N-validator network on this machine (separate processes on 127.0.0.1..N) until Ctrl-C",
		Long: `Run a local Ordo network: N validators as separate ordo processes on
127.0.0.1 to 127.0.0.N (RPC 26657, P2P 26656, gRPC 9090, metrics 26660 on
each address), with funded dev accounts (keys dev0, dev1, ... in
<dir>/client) and the demo rollups demo-a and demo-b registered at genesis
as atomic kv rollups (bundles across them commit or abort as a whole).
An in-process go-ethereum L1 (JSON-RPC 127.0.0.1:8545, beacon API
127.0.0.1:5052) carries the L1 inbox (forced inclusion: ordo tx force),
and with --da ethereum the DA batches as blob transactions. By default a
local DA service (<dir>/da, gRPC on 127.0.0.1:9190) receives every
validator's batches; heights confirmed there are firm. Each demo rollup is
a kv rollup (rollup-adapters/kv) run in this process
behind the SDK driver, verifying every height with a light client; its
state is in <dir>/rollups.
The folder is recreated on every run. Ctrl-C stops every validator.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bin, err := os.Executable()
			if err != nil {
				return fmt.Errorf("locating the ordo binary: %w", err)
			}
			if dir == "" {
				dir = filepath.Join(defaultHome(), "localnet")
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "setting up %d validators in %s ...\n", validators, dir)
			net, err := testnet.Setup(testnet.Options{
				Validators: validators, Dir: dir, Binary: bin, FixedPorts: true, FirstIP: firstIP,
				BlockInterval: interval, Progress: out, DA: daBackend, L1Inbox: true,
				Rollups: []string{"demo-a", "demo-b"}, AtomicRollups: []string{"demo-a", "demo-b"},
			})
			if err != nil {
				return err
			}
			if err := net.Start(); err != nil {
				return err
			}
			defer func() {
				fmt.Fprintln(out, "stopping validators ...")
				if err := net.Stop(); err != nil {
					fmt.Fprintln(out, "stop:", err)
				}
				fmt.Fprintln(out, "stopped; homes and logs are kept in", dir)
			}()
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			waitCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
			err = net.WaitForHeight(waitCtx, 1)
			cancel()
			if err != nil {
				return fmt.Errorf("localnet did not produce its first block: %w", err)
			}
			demo, err := net.StartDemo(ctx, filepath.Join(dir, "rollups"), nil)
			if err != nil {
				return fmt.Errorf("starting the demo rollups: %w", err)
			}
			defer demo.Stop()
			printSummary(out, net)
			return followHeights(ctx, out, net, demo)
		},
	}
	cmd.Flags().IntVar(&validators, "validators", 4, "number of validators")
	cmd.Flags().StringVar(&dir, "dir", "", "folder for homes and logs (default <home>/localnet)")
	cmd.Flags().IntVar(&firstIP, "first-ip", 1, "last octet of validator0's address (validators use 127.0.0.FIRST-IP onwards)")
	cmd.Flags().DurationVar(&interval, "block-interval", 500*time.Millisecond, "CometBFT timeout_commit")
	cmd.Flags().StringVar(&daBackend, "da", "local", `DA backend: "local" (a local DA service) or "ethereum" (EIP-4844 blobs on the in-process L1)`)
	return cmd
}

func printSummary(out io.Writer, net *testnet.Network) {
	fmt.Fprintf(out, "\nOrdo localnet %q is up.\n\n", net.ChainID)
	fmt.Fprintf(out, "%-11s %-22s %-22s %-22s %s\n", "validator", "gRPC", "CometBFT RPC", "P2P", "metrics")
	for _, v := range net.Validators {
		fmt.Fprintf(out, "%-11s %-22s %-22s %-22s %s\n", v.Moniker, v.GRPCAddr, "http://"+v.RPCAddr, v.P2PAddr, "http://"+v.MetricsAddr+"/metrics")
	}
	fmt.Fprintf(out, "\nhomes and logs:\n")
	for _, v := range net.Validators {
		fmt.Fprintf(out, "  %s  (log %s)\n", v.Home, v.LogFile)
	}
	var names []string
	for _, k := range net.DevKeys {
		names = append(names, k.Name)
	}
	fmt.Fprintf(out, "\ndev account keys (%s) are in %s\n", strings.Join(names, ", "), net.ClientHome)
	fmt.Fprintf(out, "rollups: %s (atomic: %s; kv rollups, every dev account funded with %d)\n\ntry, in another terminal:\n",
		strings.Join(net.Opts.Rollups, ", "), strings.Join(net.Opts.AtomicRollups, ", "), testnet.DemoBalance)
	fmt.Fprintf(out, "  ordo tx submit --home %s --node %s --from dev0 --rollup %s --data-hex $(ordo rollup kv-op put --key hello --value world)\n", net.ClientHome, net.Validators[0].GRPCAddr, net.Opts.Rollups[0])
	if len(net.Opts.Rollups) >= 2 && len(net.DevKeys) >= 2 {
		to := net.DevKeys[1].Address()
		fmt.Fprintf(out, "  ordo tx bundle --home %s --node %s --from dev0 --leg-hex %s:$(ordo rollup kv-op transfer --to %s --amount 10) --leg-hex %s:$(ordo rollup kv-op transfer --to %s --amount 10)\n",
			net.ClientHome, net.Validators[0].GRPCAddr, net.Opts.Rollups[0], to, net.Opts.Rollups[1], to)
		fmt.Fprintf(out, "  ordo query bundle HASH --node %s   # COMMIT; with --amount %d on one leg: ABORT, neither rollup moves funds\n", net.Validators[0].GRPCAddr, testnet.DemoBalance+1)
	}
	fmt.Fprintf(out, "  ordo query block HEIGHT --node %s\n", net.Validators[0].GRPCAddr)
	if net.L1RPC() != "" {
		fmt.Fprintf(out, "  ordo tx force --home %s --node %s --from dev1 --rollup %s --data via-L1 --l1-rpc %s\n", net.ClientHome, net.Validators[0].GRPCAddr, net.Opts.Rollups[0], net.L1RPC())
		fmt.Fprintf(out, "  ordo query forced --node %s\n", net.Validators[0].GRPCAddr)
		fmt.Fprintf(out, "L1 (go-ethereum dev chain %d): JSON-RPC %s, beacon API %s\n", net.L1ChainID(), net.L1RPC(), net.L1Beacon())
	}
	fmt.Fprintf(out, "  (with `go run ./cmd/ordo` in place of `ordo` from a source checkout)\n\nCtrl-C stops the network.\n\n")
}

// followHeights prints each validator's height and each demo rollup's
// soft and firm heads every few seconds until ctx ends or a validator exits.
func followHeights(ctx context.Context, out io.Writer, net *testnet.Network, demo *testnet.Demo) error {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		var parts []string
		var top, firm int64
		for _, v := range net.Validators {
			if !v.Running() {
				return fmt.Errorf("%s exited; see %s", v.Moniker, v.LogFile)
			}
			st, err := validatorStatus(ctx, net, v.Index)
			if err != nil {
				parts = append(parts, v.Moniker+"=?")
				continue
			}
			parts = append(parts, fmt.Sprintf("%s=%d", v.Moniker, st.Height))
			top, firm = max(top, st.Height), max(firm, st.DaFirmHeight)
		}
		fmt.Fprintf(out, "%s heights: %s  DA firm %d (lag %d)\n", time.Now().Format("15:04:05"), strings.Join(parts, " "), firm, top-firm)
		for _, r := range demo.Rollups {
			st := r.Driver.Status()
			line := fmt.Sprintf("         rollup %-8s soft %d  firm %d  state root %.12X", r.Name, st.Soft, st.Firm, st.StateRoot)
			if st.Err != nil {
				line += "  (retrying: " + st.Err.Error() + ")"
			}
			fmt.Fprintln(out, line)
		}
	}
}

func validatorStatus(ctx context.Context, net *testnet.Network, i int) (*sequencerv1.StatusResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := net.Client(i)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Query.Status(ctx, &sequencerv1.StatusRequest{})
}
