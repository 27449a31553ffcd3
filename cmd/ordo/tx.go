package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordolabs/ordo/internal/keyring"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/rollup-adapters/kv"
	"github.com/ordolabs/ordo/sequencer/api"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/sequencer/tx"
)

const defaultNode = "127.0.0.1:9090"

func addNodeFlag(cmd *cobra.Command) {
	cmd.PersistentFlags().String("node", defaultNode, "gRPC address of an Ordo node")
	cmd.PersistentFlags().Duration("timeout", 30*time.Second, "how long to wait for the node")
}

func dialNode(cmd *cobra.Command) (*client.Client, context.Context, context.CancelFunc, error) {
	addr, _ := cmd.Flags().GetString("node")
	timeout, _ := cmd.Flags().GetDuration("timeout")
	c, err := client.Dial(addr)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	return c, ctx, func() { cancel(); c.Close() }, nil
}

func txCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tx", Short: "Sign and submit transactions, and follow their status"}
	addNodeFlag(cmd)
	cmd.PersistentFlags().String("from", "", "name of the signing key in <home>/keys")
	cmd.PersistentFlags().Bool("no-wait", false, "return after the node accepts the tx, without waiting for commitment")

	var rollup, data, dataHex, dataFile string
	submit := &cobra.Command{
		Use:   "submit",
		Short: "Submit rollup data and wait until it is committed",
		Example: `  ordo tx submit --from dev0 --rollup demo-a --data 'hello'
  ordo tx submit --from dev0 --rollup demo-a --data-file batch.bin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := api.ResolveRollup(rollup)
			if err != nil {
				return err
			}
			payload, err := readData(data, dataHex, dataFile)
			if err != nil {
				return err
			}
			return signAndSubmit(cmd, client.RollupData(id, payload))
		},
	}
	submit.Flags().StringVar(&rollup, "rollup", "", "rollup name or hex id (required)")
	submit.Flags().StringVar(&data, "data", "", "data as text")
	submit.Flags().StringVar(&dataHex, "data-hex", "", "data as hex")
	submit.Flags().StringVar(&dataFile, "data-file", "", "read data from a file")
	_ = submit.MarkFlagRequired("rollup")

	var to string
	var amount uint64
	transfer := &cobra.Command{
		Use:   "transfer",
		Short: "Transfer native balance to another account",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			addr, err := resolveAddress(homeFlag(cmd), to)
			if err != nil {
				return err
			}
			return signAndSubmit(cmd, client.Transfer(addr, amount))
		},
	}
	transfer.Flags().StringVar(&to, "to", "", "recipient address or key name (required)")
	transfer.Flags().Uint64Var(&amount, "amount", 0, "amount (required)")
	_ = transfer.MarkFlagRequired("to")
	_ = transfer.MarkFlagRequired("amount")

	var (
		maxBytes uint64
		atomic   bool
		executor string
		kvFund   []string
		kvMinter string
	)
	register := &cobra.Command{
		Use:   "register-rollup NAME",
		Short: "Register a rollup; the signer becomes its owner",
		Long: `Register a rollup; the signer becomes its owner.

With --atomic the rollup takes part in atomic bundle execution
(docs/spec/bundles.md): validators run its executor (--executor, today
"kv") from the genesis given by --fund and --minter, and bundle legs for
it take effect only when the bundle's verdict is COMMIT. Its adapters must
run with the same genesis (ordo rollup kv --atomic --fund ... --minter ...).`,
		Example: `  ordo tx register-rollup my-rollup --from dev0
  ordo tx register-rollup swap-a --from dev0 --atomic --fund <address>=1000`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := tx.ValidateRollupName(args[0]); err != nil {
				return err
			}
			action := client.RegisterRollup(args[0], maxBytes)
			if atomic {
				if executor != "kv" {
					return fmt.Errorf("--executor %q: this version runs the kv executor only", executor)
				}
				g, err := kvGenesis(kvFund, kvMinter)
				if err != nil {
					return err
				}
				action = client.RegisterAtomicRollup(args[0], maxBytes, executor, kv.EncodeGenesis(g))
			} else if len(kvFund) > 0 || kvMinter != "" {
				return fmt.Errorf("--fund and --minter set an atomic rollup's executor genesis: add --atomic")
			}
			if err := signAndSubmit(cmd, action); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "rollup id: %s\n", tx.RollupIDFromName(args[0]))
			return nil
		},
	}
	register.Flags().Uint64Var(&maxBytes, "max-bytes-per-block", 0, "cap on the rollup's data bytes per block (0: chain default)")
	register.Flags().BoolVar(&atomic, "atomic", false, "register as atomic: validators run its executor and bundle legs apply only on COMMIT")
	register.Flags().StringVar(&executor, "executor", "kv", "executor kind for --atomic")
	register.Flags().StringSliceVar(&kvFund, "fund", nil, "kv executor genesis balance ADDRESS=AMOUNT (repeatable; with --atomic)")
	register.Flags().StringVar(&kvMinter, "minter", "", "kv executor genesis minter address (with --atomic)")

	status := &cobra.Command{
		Use:   "status HASH",
		Short: "Show a tx's status: pending, committed at a height, or rejected with the reason",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return printTxStatus(cmd, args[0])
		},
	}
	cmd.AddCommand(submit, transfer, register, status, forceCmd(), bundleCmd())
	return cmd
}

func readData(text, hexData, file string) ([]byte, error) {
	set := 0
	for _, s := range []string{text, hexData, file} {
		if s != "" {
			set++
		}
	}
	if set != 1 {
		return nil, errors.New("give exactly one of --data, --data-hex, --data-file")
	}
	switch {
	case hexData != "":
		b, err := hex.DecodeString(hexData)
		if err != nil {
			return nil, fmt.Errorf("--data-hex: %w", err)
		}
		return b, nil
	case file != "":
		return os.ReadFile(file)
	}
	return []byte(text), nil
}

func resolveAddress(home, s string) (tx.Address, error) {
	if a, err := tx.ParseAddress(s); err == nil {
		return a, nil
	}
	k, err := keyring.Load(home, s)
	if err != nil {
		return tx.Address{}, fmt.Errorf("%q is neither a 40-hex-character address nor a key name: %w", s, err)
	}
	return k.Address(), nil
}

// signWithNode signs action with the --from key, asking the node (--node)
// for the chain parameters and the account's next nonce. The caller closes
// the returned client with done.
func signWithNode(cmd *cobra.Command, action *txv1.Action) (c *client.Client, ctx context.Context, done func(), raw []byte, nonce uint64, err error) {
	from, _ := cmd.Flags().GetString("from")
	if from == "" {
		return nil, nil, nil, nil, 0, errors.New("--from KEYNAME is required (see `ordo keys list`)")
	}
	key, err := keyring.Load(homeFlag(cmd), from)
	if err != nil {
		return nil, nil, nil, nil, 0, err
	}
	c, ctx, cancel, err := dialNode(cmd)
	if err != nil {
		return nil, nil, nil, nil, 0, err
	}
	fail := func(err error) (*client.Client, context.Context, func(), []byte, uint64, error) {
		cancel()
		return nil, nil, nil, nil, 0, err
	}
	signer, err := c.NewSigner(ctx, key.PrivKey)
	if err != nil {
		return fail(fmt.Errorf("asking the node for chain parameters: %w", err))
	}
	if nonce, err = c.NextNonce(ctx, key.Address()); err != nil {
		return fail(err)
	}
	if raw, err = signer.Sign(nonce, action); err != nil {
		return fail(err)
	}
	return c, ctx, cancel, raw, nonce, nil
}

func signAndSubmit(cmd *cobra.Command, action *txv1.Action) error {
	c, ctx, done, raw, nonce, err := signWithNode(cmd, action)
	if err != nil {
		return err
	}
	defer done()
	hash, err := c.SubmitRaw(ctx, raw)
	out := cmd.OutOrStdout()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "tx hash: %s\nnonce:   %d\n", hash, nonce)
	if noWait, _ := cmd.Flags().GetBool("no-wait"); noWait {
		fmt.Fprintln(out, "status:  pending (see `ordo tx status`)")
		return nil
	}
	st, err := c.WaitCommitted(ctx, hash)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "status:  committed at height %d (index %d)\n", st.Height, st.Index)
	return nil
}

func printTxStatus(cmd *cobra.Command, hash string) error {
	c, ctx, done, err := dialNode(cmd)
	if err != nil {
		return err
	}
	defer done()
	st, err := c.Query.TxStatus(ctx, &sequencerv1.TxStatusRequest{Hash: hash})
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "tx hash: %s\nstate:   %s\n", st.Hash, st.State)
	if st.Height > 0 {
		fmt.Fprintf(out, "height:  %d\nindex:   %d\n", st.Height, st.Index)
	}
	if st.Code != 0 {
		fmt.Fprintf(out, "code:    %d\nreason:  %s\n", st.Code, st.Log)
	}
	return nil
}
