package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ordolabs/ordo/consensus"
	"github.com/ordolabs/ordo/l1/inbox"
	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	"github.com/ordolabs/ordo/sequencer/api"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// forceCmd is `ordo tx force`: an Ordo tx sent through the L1 inbox.
func forceCmd() *cobra.Command {
	var (
		rollup, data, dataHex, dataFile string
		l1RPC, l1KeyFile, inboxAddr     string
		wait                            time.Duration
	)
	cmd := &cobra.Command{
		Use:   "force",
		Short: "Send rollup data through the L1 inbox (forced inclusion), bypassing Ordo's mempools",
		Long: `Sign an Ordo tx (like tx submit) and send it as the calldata of an
Ethereum transaction to the L1 inbox address. Once its L1 block is
finalized, Ordo's validators import it and must include it within the
genesis bound (docs/spec/forced-inclusion.md), whatever any proposer
wants. The Ordo node (--node) is asked only for the nonce and fee
parameters; the tx itself never touches its mempool.`,
		Example: `  ordo tx force --from dev0 --rollup demo-a --data 'hello via L1' \
    --l1-rpc http://127.0.0.1:8545 --l1-key ~/.ordo/localnet/client/l1_key.hex`,
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
			if l1KeyFile == "" {
				l1KeyFile = filepath.Join(homeFlag(cmd), "l1_key.hex")
			}
			rawKey, err := os.ReadFile(l1KeyFile)
			if err != nil {
				return fmt.Errorf("L1 key: %w", err)
			}
			l1Key, err := crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(string(rawKey)), "0x"))
			if err != nil {
				return fmt.Errorf("L1 key %s: %w", l1KeyFile, err)
			}
			if !common.IsHexAddress(inboxAddr) {
				return fmt.Errorf("--inbox %q is not an address", inboxAddr)
			}
			c, ctx, done, raw, nonce, err := signWithNode(cmd, client.RollupData(id, payload))
			if err != nil {
				return err
			}
			defer done()
			ec, err := ethclient.DialContext(ctx, l1RPC)
			if err != nil {
				return fmt.Errorf("L1 endpoint %s: %w", l1RPC, err)
			}
			defer ec.Close()
			chainID, err := ec.ChainID(ctx)
			if err != nil {
				return fmt.Errorf("L1 chain id: %w", err)
			}
			l1Tx, err := inbox.Send(ctx, ec, l1Key, chainID, common.HexToAddress(inboxAddr), raw)
			if err != nil {
				return fmt.Errorf("sending the L1 tx: %w", err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "ordo tx: %s (nonce %d)\nL1 tx:   %s\n", tx.HashOf(raw), nonce, l1Tx.Hex())
			if wait <= 0 {
				fmt.Fprintln(out, "status:  sent to L1 (see `ordo query forced --l1-tx`)")
				return nil
			}
			wctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			block, err := inbox.WaitFinalized(wctx, ec, l1Tx)
			if err != nil {
				return fmt.Errorf("waiting for L1 finality: %w", err)
			}
			fmt.Fprintf(out, "L1:      finalized in block %d\n", block)
			for {
				res, err := c.Query.Forced(wctx, &sequencerv1.ForcedRequest{L1Tx: l1Tx.Hex(), Limit: 1})
				switch {
				case status.Code(err) == codes.NotFound:
				case err != nil:
					return err
				case res.Record.Status != "queued":
					fmt.Fprintf(out, "status:  %s at height %d %s\n", res.Record.Status, res.Record.Height, res.Record.Reason)
					return nil
				}
				select {
				case <-wctx.Done():
					return fmt.Errorf("not included within %s: %w", wait, wctx.Err())
				case <-time.After(500 * time.Millisecond):
				}
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&rollup, "rollup", "", "rollup name or hex id (required)")
	f.StringVar(&data, "data", "", "data as text")
	f.StringVar(&dataHex, "data-hex", "", "data as hex")
	f.StringVar(&dataFile, "data-file", "", "read data from a file")
	f.StringVar(&l1RPC, "l1-rpc", "http://127.0.0.1:8545", "Ethereum JSON-RPC endpoint")
	f.StringVar(&l1KeyFile, "l1-key", "", "file with the L1 sender's secp256k1 key in hex (default <home>/l1_key.hex)")
	f.StringVar(&inboxAddr, "inbox", consensus.DefaultInboxAddress, "the L1 inbox address (genesis params.l1_inbox.address)")
	f.DurationVar(&wait, "wait", 2*time.Minute, "wait for L1 finality and the Ordo outcome (0: return after sending)")
	_ = cmd.MarkFlagRequired("rollup")
	return cmd
}

// forcedQueryCmd is `ordo query forced`.
func forcedQueryCmd() *cobra.Command {
	var l1Tx string
	cmd := &cobra.Command{
		Use:   "forced",
		Short: "Show the L1 inbox: import cursor, queued forced txs, or one message's outcome",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, ctx, done, err := dialNode(cmd)
			if err != nil {
				return err
			}
			defer done()
			res, err := c.Query.Forced(ctx, &sequencerv1.ForcedRequest{L1Tx: l1Tx})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if !res.Enabled {
				fmt.Fprintln(out, "the L1 inbox is off in this chain's genesis")
				return nil
			}
			fmt.Fprintf(out, "import cursor: L1 block %d (+%d messages)\nqueued:        %d txs, %d bytes\n", res.CursorBlock, res.CursorIndex, res.Queued, res.QueuedBytes)
			for _, m := range res.Queue {
				fmt.Fprintf(out, "  L1 %s (block %d #%d) imported at %d, %d bytes\n", m.L1Tx, m.L1Block, m.TxIndex, m.Height, m.Size_)
			}
			if r := res.Record; r != nil {
				fmt.Fprintf(out, "message %s: %s at height %d", r.L1Tx, r.Status, r.Height)
				if r.TxHash != "" {
					fmt.Fprintf(out, ", ordo tx %s", r.TxHash)
				}
				if r.Reason != "" {
					fmt.Fprintf(out, " (%s)", r.Reason)
				}
				fmt.Fprintln(out)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&l1Tx, "l1-tx", "", "an L1 tx hash: show what happened to its inbox message")
	return cmd
}
