package main

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/api"
	"github.com/ordolabs/ordo/sequencer/client"
)

// bundleCmd is `ordo tx bundle`: one signed tx with a leg per rollup.
func bundleCmd() *cobra.Command {
	var legs, hexLegs []string
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Submit a cross-rollup bundle: one tx with a leg for each of two or more rollups",
		Long: `Submit one signed transaction whose legs carry data for two or more
distinct rollups. Ordo includes all legs at one height, contiguous in the
global order and in the same DA batch, or none (docs/spec/bundles.md);
each rollup receives its leg tagged with the bundle id (the tx hash), the
leg's index and the leg count.`,
		Example: `  ordo tx bundle --from dev0 --leg demo-a:swap-out-10 --leg demo-b:swap-in-10
  ordo tx bundle --from dev0 --leg-hex demo-a:0102 --leg-hex demo-b:0304`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out []*txv1.RollupData
			add := func(spec string, decode func(string) ([]byte, error)) error {
				name, data, ok := strings.Cut(spec, ":")
				if !ok {
					return fmt.Errorf("leg %q: want ROLLUP:DATA", spec)
				}
				id, err := api.ResolveRollup(name)
				if err != nil {
					return fmt.Errorf("leg %q: %w", spec, err)
				}
				b, err := decode(data)
				if err != nil {
					return fmt.Errorf("leg %q: %w", spec, err)
				}
				out = append(out, &txv1.RollupData{RollupId: id[:], Data: b})
				return nil
			}
			for _, l := range legs {
				if err := add(l, func(s string) ([]byte, error) { return []byte(s), nil }); err != nil {
					return err
				}
			}
			for _, l := range hexLegs {
				if err := add(l, func(s string) ([]byte, error) { return hex.DecodeString(strings.TrimPrefix(s, "0x")) }); err != nil {
					return err
				}
			}
			if len(out) < 2 {
				return fmt.Errorf("a bundle needs legs for at least two rollups (--leg ROLLUP:DATA, repeated)")
			}
			return signAndSubmit(cmd, client.Bundle(out...))
		},
	}
	cmd.Flags().StringArrayVar(&legs, "leg", nil, "a leg as ROLLUP:TEXT (repeat for each rollup)")
	cmd.Flags().StringArrayVar(&hexLegs, "leg-hex", nil, "a leg as ROLLUP:HEX")
	return cmd
}
