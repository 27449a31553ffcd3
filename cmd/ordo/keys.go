package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ordolabs/ordo/internal/keyring"
)

func keysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage account keys in <home>/keys"}
	cmd.AddCommand(&cobra.Command{
		Use:   "create NAME",
		Short: "Create a new ed25519 account key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := keyring.Create(homeFlag(cmd), args[0])
			if err != nil {
				return err
			}
			printKey(cmd, k)
			return nil
		},
	}, &cobra.Command{
		Use:   "list",
		Short: "List keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			keys, err := keyring.List(homeFlag(cmd))
			if err != nil {
				return err
			}
			if len(keys) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "no keys in %s\n", keyring.Dir(homeFlag(cmd)))
			}
			for _, k := range keys {
				fmt.Fprintf(cmd.OutOrStdout(), "%-16s %s\n", k.Name, k.Address())
			}
			return nil
		},
	}, &cobra.Command{
		Use:   "show NAME",
		Short: "Show a key's address and public key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := keyring.Load(homeFlag(cmd), args[0])
			if err != nil {
				return err
			}
			printKey(cmd, k)
			return nil
		},
	})
	return cmd
}

func printKey(cmd *cobra.Command, k keyring.Key) {
	fmt.Fprintf(cmd.OutOrStdout(), "name:    %s\naddress: %s\npub_key: %s\n", k.Name, k.Address(), k.PubKeyHex())
}
