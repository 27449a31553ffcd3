package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/tx"
)

func queryCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "query", Aliases: []string{"q"}, Short: "Query a node: accounts, rollups, blocks, txs"}
	addNodeFlag(cmd)
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Chain id, height, app hash and fee parameters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, ctx, done, err := dialNode(cmd)
			if err != nil {
				return err
			}
			defer done()
			st, err := c.Query.Status(ctx, &sequencerv1.StatusRequest{})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "chain id:    %s\nheight:      %d\napp hash:    %X\nversion:     %s\nmempool txs: %d\nfee:         %d + %d per byte\nDA:          %s, firm height %d (lag %d)\n",
				st.ChainId, st.Height, st.AppHash, st.Version, st.MempoolTxs, st.BaseFee, st.FeePerByte,
				st.DaBackend, st.DaFirmHeight, st.Height-st.DaFirmHeight)
			return nil
		},
	}, &cobra.Command{
		Use:   "account ADDRESS|KEYNAME",
		Short: "Balance and nonces of an account",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := resolveAddress(homeFlag(cmd), args[0])
			if err != nil {
				return err
			}
			c, ctx, done, err := dialNode(cmd)
			if err != nil {
				return err
			}
			defer done()
			a, err := c.Query.Account(ctx, &sequencerv1.AccountRequest{Address: addr.String()})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "address:       %s\nbalance:       %d\nnonce:         %d\npending nonce: %d\n", a.Address, a.Balance, a.Nonce, a.PendingNonce)
			return nil
		},
	}, &cobra.Command{
		Use:   "rollup NAME|ID",
		Short: "A registered rollup",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ctx, done, err := dialNode(cmd)
			if err != nil {
				return err
			}
			defer done()
			r, err := c.Query.Rollup(ctx, &sequencerv1.RollupRequest{Rollup: args[0]})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "name:                %s\nid:                  %x\nowner:               %X\nmax bytes per block: %d\nregistered height:   %d\n",
				r.Name, r.Id, r.Owner, r.MaxBytesPerBlock, r.RegisteredHeight)
			if r.Atomic {
				fmt.Fprintf(cmd.OutOrStdout(), "atomic:              yes (executor %s)\n", r.Executor)
			}
			return nil
		},
	}, &cobra.Command{
		Use:   "block [HEIGHT]",
		Short: "A committed block and its txs (latest without HEIGHT)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var h int64
			if len(args) == 1 {
				var err error
				if h, err = strconv.ParseInt(args[0], 10, 64); err != nil {
					return fmt.Errorf("height %q: %w", args[0], err)
				}
			}
			c, ctx, done, err := dialNode(cmd)
			if err != nil {
				return err
			}
			defer done()
			b, err := c.Query.Block(ctx, &sequencerv1.BlockRequest{Height: h})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "height:   %d\ntime:     %s\nproposer: %X\napp hash: %X\ntxs:      %d\n",
				b.Height, time.Unix(0, b.TimeUnixNano).UTC().Format(time.RFC3339Nano), b.Proposer, b.AppHash, len(b.Txs))
			for i, t := range b.Txs {
				var sender tx.Address
				copy(sender[:], t.Sender)
				fmt.Fprintf(out, "  %4d %s sender %s nonce %d fee %d size %d\n", i, t.Hash, sender, t.Nonce, t.Fee, t.Size_)
			}
			return nil
		},
	}, &cobra.Command{
		Use:   "rollup-block ROLLUP HEIGHT",
		Short: "A rollup's ordered items at a height",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil {
				return fmt.Errorf("height %q: %w", args[1], err)
			}
			c, ctx, done, err := dialNode(cmd)
			if err != nil {
				return err
			}
			defer done()
			rb, err := c.Query.RollupBlock(ctx, &sequencerv1.RollupBlockRequest{Rollup: args[0], Height: h})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "rollup: %x\nheight: %d\nitems:  %d\n", rb.RollupId, rb.Height, len(rb.Items))
			for i, it := range rb.Items {
				fmt.Fprintf(out, "  %4d tx %s (index %d, action %d) %d bytes: %q\n", i, it.TxHash, it.TxIndex, it.ActionIndex, len(it.Data), preview(it.Data))
			}
			return nil
		},
	}, &cobra.Command{
		Use:   "tx HASH",
		Short: "A tx's status (same as `ordo tx status`)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return printTxStatus(cmd, args[0])
		},
	})
	cmd.AddCommand(forcedQueryCmd(), bundleQueryCmd())
	return cmd
}

func preview(b []byte) string {
	if len(b) > 48 {
		return string(b[:48]) + "..."
	}
	return string(b)
}
