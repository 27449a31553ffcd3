package sdk

import (
	"fmt"

	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
)

// ApplyVerdicts sets the verdict of every bundle leg in items from v, the
// decided atomic bundles of the items' height (nil when the height has
// none): VerdictCommit or VerdictAbort by the leg's TxIndex. A bundle leg
// without a verdict is ErrVerdictMissing: on an atomic rollup every bundle
// leg belongs to an atomic bundle (docs/spec/bundles.md). Items that are
// not bundle legs are left as they are.
func ApplyVerdicts(items []Item, v *consensusv1.BundleVerdicts) error {
	var byIndex map[uint32]bool
	if v != nil {
		if len(v.Commits) != len(v.TxIndexes) {
			return fmt.Errorf("%w: %d verdicts for %d bundles", ErrMalformed, len(v.Commits), len(v.TxIndexes))
		}
		byIndex = make(map[uint32]bool, len(v.TxIndexes))
		for i, idx := range v.TxIndexes {
			byIndex[idx] = v.Commits[i]
		}
	}
	for i := range items {
		leg := items[i].Bundle
		if leg == nil {
			continue
		}
		commit, ok := byIndex[items[i].TxIndex]
		if !ok {
			return fmt.Errorf("%w: bundle %s (tx %d)", ErrVerdictMissing, items[i].TxHash, items[i].TxIndex)
		}
		l := *leg
		if commit {
			l.Verdict = VerdictCommit
		} else {
			l.Verdict = VerdictAbort
		}
		items[i].Bundle = &l
	}
	return nil
}
