package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cometbft/cometbft/libs/log"
	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/rollup-adapters/kv"
	"github.com/ordolabs/ordo/rollup-adapters/sdk"
	"github.com/ordolabs/ordo/sequencer/tx"
)

func rollupCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollup",
		Short: "Run a rollup behind the SDK driver",
	}
	cmd.AddCommand(rollupKVCmd(), kvOpCmd())
	return cmd
}

func rollupKVCmd() *cobra.Command {
	var (
		name, dir, node, rpc, chainID, trustHash string
		witnesses, fund                          []string
		trustHeight                              int64
		trustPrimary                             bool
		minter                                   string
		startHeight                              int64
		atomic                                   bool
	)
	cmd := &cobra.Command{
		Use:   "kv",
		Short: "Run the kv reference rollup (rollup-adapters/kv) against an Ordo node until Ctrl-C",
		Long: `Run the kv reference rollup: it streams the rollup's data from an Ordo
node's delivery API, verifies every height (headers with CometBFT's light
client against --rpc and --witness, items against Ordo's commitments), and
executes it exactly once into a badger store in --dir. After a crash it
resumes from the last height it applied.

The root of trust is --trust-height and --trust-hash (a header hash you
obtained out of band); --trust-primary takes the hash from --rpc instead,
which is acceptable on a localnet only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" {
				return fmt.Errorf("--rollup is required")
			}
			if len(witnesses) == 0 {
				return fmt.Errorf("at least one --witness RPC address is required")
			}
			if dir == "" {
				dir = filepath.Join(homeFlag(cmd), "rollups", name)
			}
			genesis, err := kvGenesis(fund, minter)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			var hash []byte
			switch {
			case trustPrimary:
				if hash, err = sdk.TrustFromNode(ctx, rpc, trustHeight); err != nil {
					return err
				}
			case trustHash != "":
				if hash, err = hex.DecodeString(trustHash); err != nil {
					return fmt.Errorf("--trust-hash: %w", err)
				}
			default:
				return fmt.Errorf("give --trust-hash (with --trust-height), or --trust-primary on a localnet")
			}
			lc, err := sdk.NewLightClient(ctx, sdk.LightConfig{
				ChainID: chainID, Primary: rpc, Witnesses: witnesses,
				TrustHeight: trustHeight, TrustHash: hash, Dir: filepath.Join(dir, "light"),
			})
			if err != nil {
				return err
			}
			defer lc.Close()
			state, err := kv.Open(filepath.Join(dir, "state"), genesis)
			if err != nil {
				return err
			}
			defer state.Close()
			conn, err := grpc.NewClient(node, grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
			if err != nil {
				return err
			}
			defer conn.Close()
			if err := checkRegistration(ctx, conn, name, atomic, genesis); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			applied, err := state.AppliedHeight()
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "kv rollup %s: state in %s, applied through height %d\n", name, dir, applied)
			logger := log.NewFilter(log.NewTMLogger(log.NewSyncWriter(cmd.ErrOrStderr())), log.AllowError())
			d := &sdk.Driver{
				Client:      sdk.NewClient(conn, &sdk.Verifier{ChainID: chainID, Rollup: tx.RollupIDFromName(name), Headers: lc, Atomic: atomic}),
				Exec:        state,
				StartHeight: startHeight,
				Logger:      logger,
				OnExecuted: func(del sdk.Delivery, root []byte) {
					fmt.Fprintf(out, "applied height %d: %d items, state root %X, firm %d\n", del.Block.Height, len(del.Block.Items), root, del.FirmHeight)
				},
			}
			if err := d.Run(ctx); err != nil && ctx.Err() == nil {
				return err
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "rollup", "", "rollup name (its id is sha256(name))")
	f.StringVar(&dir, "dir", "", "state folder (default <home>/rollups/<name>)")
	f.StringVar(&node, "node", "127.0.0.1:9090", "Ordo node gRPC address (delivery API)")
	f.StringVar(&rpc, "rpc", "http://127.0.0.1:26657", "primary CometBFT RPC for the light client")
	f.StringSliceVar(&witnesses, "witness", nil, "witness CometBFT RPC addresses (at least one)")
	f.StringVar(&chainID, "chain-id", "ordo-localnet", "Ordo chain id")
	f.Int64Var(&trustHeight, "trust-height", 1, "height of the trusted header")
	f.StringVar(&trustHash, "trust-hash", "", "hex hash of the trusted header")
	f.BoolVar(&trustPrimary, "trust-primary", false, "trust --rpc's header at --trust-height (localnets only)")
	f.StringSliceVar(&fund, "fund", nil, "genesis balance ADDRESS=AMOUNT (repeatable)")
	f.StringVar(&minter, "minter", "", "genesis minter address (may Mint)")
	f.Int64Var(&startHeight, "start-height", 1, "first Ordo height to execute on a fresh state")
	f.BoolVar(&atomic, "atomic", false, "the rollup is registered atomic: apply bundle legs only on a COMMIT verdict (docs/spec/bundles.md)")
	return cmd
}

// kvOpCmd is `ordo rollup kv-op`: encode one kv op as hex, for bundle legs
// and rollup data (ordo tx bundle --leg-hex ROLLUP:HEX).
func kvOpCmd() *cobra.Command {
	var to string
	var amount uint64
	var key, value string
	cmd := &cobra.Command{
		Use:   "kv-op transfer|mint|put|delete",
		Short: "Print the hex encoding of one kv rollup op (for --leg-hex and tx submit)",
		Example: `  ordo rollup kv-op transfer --to <address> --amount 10
  ordo tx bundle --from dev0 --leg-hex demo-a:$(ordo rollup kv-op transfer --to <address> --amount 10) --leg-hex demo-b:...`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var op kv.Op
			switch args[0] {
			case "transfer", "mint":
				addr, err := tx.ParseAddress(to)
				if err != nil {
					return fmt.Errorf("--to: %w", err)
				}
				if args[0] == "transfer" {
					op = kv.Transfer{To: addr, Amount: amount}
				} else {
					op = kv.Mint{To: addr, Amount: amount}
				}
			case "put":
				op = kv.Put{Key: []byte(key), Value: []byte(value)}
			case "delete":
				op = kv.Delete{Key: []byte(key)}
			default:
				return fmt.Errorf("unknown op %q: want transfer, mint, put or delete", args[0])
			}
			b, err := kv.EncodeOp(op)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(b))
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "recipient address (transfer, mint)")
	cmd.Flags().Uint64Var(&amount, "amount", 0, "amount (transfer, mint)")
	cmd.Flags().StringVar(&key, "key", "", "key (put, delete)")
	cmd.Flags().StringVar(&value, "value", "", "value (put)")
	return cmd
}

// kvGenesis builds a kv genesis from ADDRESS=AMOUNT pairs.
func kvGenesis(fund []string, minter string) (kv.Genesis, error) {
	g := kv.Genesis{Balances: make(map[tx.Address]uint64)}
	for _, f := range fund {
		addr, amount, ok := strings.Cut(f, "=")
		if !ok {
			return g, fmt.Errorf("--fund %q: want ADDRESS=AMOUNT", f)
		}
		a, err := tx.ParseAddress(addr)
		if err != nil {
			return g, fmt.Errorf("--fund: %w", err)
		}
		n, err := strconv.ParseUint(amount, 10, 64)
		if err != nil {
			return g, fmt.Errorf("--fund %q: %w", f, err)
		}
		g.Balances[a] = n
	}
	if minter != "" {
		a, err := tx.ParseAddress(minter)
		if err != nil {
			return g, fmt.Errorf("--minter: %w", err)
		}
		g.Minter = a
	}
	return g, nil
}

// checkRegistration refuses to run an adapter whose mode or genesis differs
// from the rollup's registration: an atomic rollup's adapter must apply
// verdicts (--atomic) from the executor genesis validators simulate.
func checkRegistration(ctx context.Context, conn grpc.ClientConnInterface, name string, atomic bool, g kv.Genesis) error {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r, err := sequencerv1.NewQueryServiceClient(conn).Rollup(cctx, &sequencerv1.RollupRequest{Rollup: name})
	if err != nil {
		return fmt.Errorf("reading rollup %s's registration: %w", name, err)
	}
	switch {
	case r.Atomic && !atomic:
		return fmt.Errorf("rollup %s is registered atomic: run the adapter with --atomic (and the registration's --fund/--minter)", name)
	case !r.Atomic && atomic:
		return fmt.Errorf("rollup %s is not registered atomic: drop --atomic", name)
	case r.Atomic && r.Executor != "kv":
		return fmt.Errorf("rollup %s runs executor %q, not kv", name, r.Executor)
	case r.Atomic && !bytes.Equal(r.ExecutorGenesis, kv.EncodeGenesis(g)):
		return fmt.Errorf("rollup %s: --fund/--minter differ from the executor genesis it was registered with (validators simulate that one)", name)
	}
	return nil
}
