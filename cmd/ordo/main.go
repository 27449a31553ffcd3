// Command ordo runs and talks to Ordo, a decentralized shared sequencer.
// See `ordo --help` and docs/operators.md.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ordolabs/ordo/consensus"
)

func main() {
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func defaultHome() string {
	if h := os.Getenv("ORDO_HOME"); h != "" {
		return h
	}
	dir, err := os.UserHomeDir()
	if err != nil {
		return ".ordo"
	}
	return filepath.Join(dir, ".ordo")
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "ordo",
		Short:         "Ordo: a decentralized shared sequencer on CometBFT",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("home", defaultHome(), "home folder (config/, data/, keys/); env ORDO_HOME")
	root.AddCommand(initCmd(), startCmd(), keysCmd(), txCmd(), queryCmd(), localnetCmd(), rollupCmd(), benchCmd(), kvstoreNodeCmd(), versionCmd())
	return root
}

// waitForStop blocks until SIGINT or SIGTERM and returns it.
func waitForStop() os.Signal {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	return <-sig
}

func homeFlag(cmd *cobra.Command) string {
	h, _ := cmd.Flags().GetString("home")
	return h
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "ordo %s (app protocol %d, CometBFT v1.0.1)\n", consensus.Version, consensus.AppVersion)
		},
	}
}
