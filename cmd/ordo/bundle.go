package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	sequencerv1 "github.com/ordolabs/ordo/proto/ordo/sequencer/v1"
	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/api"
	"github.com/ordolabs/ordo/sequencer/client"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// bundleCmd is `ordo tx bundle`: one signed tx with a leg per rollup.
func bundleCmd() *cobra.Command {
	var legs, hexLegs []string
	var file string
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Submit a cross-rollup bundle: one tx with a leg for each of two or more rollups",
		Long: `Submit one signed transaction whose legs carry data for two or more
distinct rollups. Ordo includes all legs at one height, contiguous in the
global order and in the same DA batch, or none (docs/spec/bundles.md);
each rollup receives its leg tagged with the bundle id (the tx hash), the
leg's index and the leg count.`,
		Example: `  ordo tx bundle --from dev0 --leg demo-a:swap-out-10 --leg demo-b:swap-in-10
  ordo tx bundle --from dev0 --leg-hex demo-a:0102 --leg-hex demo-b:0304
  ordo tx bundle --from dev0 --file legs.json   # [{"rollup":"demo-a","hex":"0102"},{"rollup":"demo-b","text":"hi"}]`,
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
			if file != "" {
				fromFile, err := legsFromFile(file)
				if err != nil {
					return err
				}
				out = append(out, fromFile...)
			}
			if len(out) < 2 {
				return fmt.Errorf("a bundle needs legs for at least two rollups (--leg ROLLUP:DATA, repeated)")
			}
			return signAndSubmit(cmd, client.Bundle(out...))
		},
	}
	cmd.Flags().StringArrayVar(&legs, "leg", nil, "a leg as ROLLUP:TEXT (repeat for each rollup)")
	cmd.Flags().StringArrayVar(&hexLegs, "leg-hex", nil, "a leg as ROLLUP:HEX")
	cmd.Flags().StringVar(&file, "file", "", `legs from a JSON file: [{"rollup": NAME_OR_ID, "hex": HEX | "text": TEXT}, ...]`)
	return cmd
}

// fileLeg is one leg in a --file: the rollup and its data, as hex or text.
type fileLeg struct {
	Rollup string  `json:"rollup"`
	Hex    *string `json:"hex"`
	Text   *string `json:"text"`
}

// legsFromFile reads bundle legs from a JSON file (a list of fileLeg).
func legsFromFile(path string) ([]*txv1.RollupData, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var legs []fileLeg
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&legs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]*txv1.RollupData, 0, len(legs))
	for i, l := range legs {
		id, err := api.ResolveRollup(l.Rollup)
		if err != nil {
			return nil, fmt.Errorf("%s: leg %d: %w", path, i, err)
		}
		var data []byte
		switch {
		case l.Hex != nil && l.Text == nil:
			if data, err = hex.DecodeString(strings.TrimPrefix(*l.Hex, "0x")); err != nil {
				return nil, fmt.Errorf("%s: leg %d: %w", path, i, err)
			}
		case l.Text != nil && l.Hex == nil:
			data = []byte(*l.Text)
		default:
			return nil, fmt.Errorf("%s: leg %d: give exactly one of \"hex\" and \"text\"", path, i)
		}
		out = append(out, &txv1.RollupData{RollupId: id[:], Data: data})
	}
	return out, nil
}

// bundleQueryCmd is `ordo query bundle HASH`: where a bundle landed, its
// legs and, for atomic bundles, the verdict.
func bundleQueryCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "bundle HASH",
		Short: "A committed bundle: its height, legs and (atomic rollups) verdict",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := tx.ParseHash(args[0])
			if err != nil {
				return err
			}
			c, ctx, done, err := dialNode(cmd)
			if err != nil {
				return err
			}
			defer done()
			b, err := c.Query.Bundle(ctx, &sequencerv1.BundleRequest{Hash: h[:]})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "included: height %d, tx %d\n", b.Height, b.TxIndex)
			for i, l := range b.Legs {
				kind := "non-atomic"
				if l.Atomic {
					kind = "atomic"
				}
				fmt.Fprintf(out, "leg %d:    rollup %x, %d bytes, %s\n", i, l.RollupId, l.Size_, kind)
			}
			verdict := strings.ToLower(strings.TrimPrefix(b.Verdict.String(), "BUNDLE_VERDICT_"))
			if b.VerdictHeight > 0 {
				verdict += fmt.Sprintf(" (decided at height %d)", b.VerdictHeight)
			}
			fmt.Fprintf(out, "verdict:  %s\n", verdict)
			return nil
		},
	}
}
