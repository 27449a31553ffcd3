package forced

import (
	"sort"

	"github.com/ordolabs/ordo/ordering/quorum"
)

// Report is one validator's L1 finalized head from E, with its power.
type Report struct {
	Power     int64
	Finalized uint64
}

// Target is the highest L1 block that validators holding more than 1/3 of
// totalPower report as finalized: at least one honest validator has seen it
// finalized (byzantine power is at most 1/3). It is 0 when no value has
// that support (for example when most validators run without an L1
// endpoint). Callers never let the origin move backwards: the next origin
// is max(imported, Target) (see Plan).
func Target(reports []Report, totalPower int64) uint64 {
	rs := append([]Report(nil), reports...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Finalized > rs[j].Finalized })
	var power int64
	for _, r := range rs {
		if r.Power <= 0 {
			continue
		}
		power += r.Power
		if quorum.MoreThanOneThird(power, totalPower) {
			return r.Finalized
		}
	}
	return 0
}
