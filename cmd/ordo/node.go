package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	cmtflags "github.com/cometbft/cometbft/libs/cli/flags"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/spf13/cobra"

	"github.com/ordolabs/ordo/consensus"
	"github.com/ordolabs/ordo/internal/keyring"
	"github.com/ordolabs/ordo/sequencer/node"
	"github.com/ordolabs/ordo/sequencer/tx"
)

func initCmd() *cobra.Command {
	var (
		moniker, chainID string
		funds, rollups   []string
		noGenesis        bool
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a node home folder: configs, node and validator keys, and a single-validator genesis",
		Long: `Create a node home folder (CometBFT layout: config/config.toml,
config/ordo.toml, config/genesis.json, config/node_key.json,
config/priv_validator_key.json, data/).

Without --no-genesis it writes a genesis in which this node is the only
validator, funds the --fund accounts and registers the --rollup names. To
join an existing network use --no-genesis and copy its genesis.json into
config/.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home := homeFlag(cmd)
			if _, err := os.Stat(filepath.Join(home, "config", "genesis.json")); err == nil && !noGenesis {
				return fmt.Errorf("%s already has a genesis.json; use another --home or remove it", home)
			}
			comet := node.DefaultCometConfig(home)
			comet.Moniker = moniker
			info, err := node.InitHome(comet, node.DefaultOrdoConfig())
			if err != nil {
				return err
			}
			info.Moniker = moniker
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "initialized %s\n  node id:   %s\n  validator: %X\n", home, info.NodeID, info.PubKey.Address())
			if noGenesis {
				return nil
			}
			gen := consensus.Genesis{Params: consensus.DefaultGenesisParams()}
			for _, f := range funds {
				addr, amount, ok := strings.Cut(f, "=")
				if !ok {
					return fmt.Errorf("--fund %q: want ADDRESS=AMOUNT or KEYNAME=AMOUNT", f)
				}
				if k, err := keyring.Load(home, addr); err == nil {
					addr = k.Address().String()
				}
				gen.Accounts = append(gen.Accounts, consensus.GenesisAccount{Address: addr, Balance: amount})
			}
			owner := tx.AddressFromPubKey(info.PubKey.Bytes()).String()
			for _, r := range rollups {
				gen.Rollups = append(gen.Rollups, consensus.GenesisRollup{Name: r, Owner: owner})
			}
			if err := node.WriteGenesis(comet.GenesisFile(), chainID, time.Now().UTC(), []node.ValidatorInfo{info}, gen); err != nil {
				return err
			}
			fmt.Fprintf(out, "  genesis:   %s (chain id %s)\n", comet.GenesisFile(), chainID)
			return nil
		},
	}
	cmd.Flags().StringVar(&moniker, "moniker", "ordo-node", "node name")
	cmd.Flags().StringVar(&chainID, "chain-id", "ordo-devnet", "chain id written into the genesis")
	cmd.Flags().StringArrayVar(&funds, "fund", nil, "fund an account at genesis: ADDRESS=AMOUNT or KEYNAME=AMOUNT (repeatable)")
	cmd.Flags().StringArrayVar(&rollups, "rollup", nil, "register a rollup at genesis (repeatable)")
	cmd.Flags().BoolVar(&noGenesis, "no-genesis", false, "do not write a genesis (joining an existing network)")
	return cmd
}

func startCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "start",
		Short: "Run the node until interrupted (SIGINT or SIGTERM)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := node.LoadConfig(homeFlag(cmd))
			if err != nil {
				return err
			}
			logger, err := cmtflags.ParseLogLevel(cfg.Comet.LogLevel, log.NewTMLogger(log.NewSyncWriter(os.Stdout)), "info")
			if err != nil {
				return fmt.Errorf("config.toml log_level: %w", err)
			}
			n, err := node.New(cfg, logger)
			if err != nil {
				return err
			}
			if err := n.Start(); err != nil {
				return err
			}
			logger.Info("stopping", "signal", waitForStop().String())
			return n.Stop()
		},
	}
}
