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

// Target is the highest L1 block that validators holding more than 2/3 of
// totalPower report as finalized and read (each reports its follower's
// readable head). More than 1/3 of honest power has it, so it is final; and
// the validators that can verify an import of it hold more than 2/3 of the
// power, so a block importing it can always commit. (With a 1/3 threshold,
// validators without an L1 endpoint holding 1/3 to 2/3 of the power would
// reject every block and halt the chain.) It is 0 when no value has that
// support: the inbox then waits, the chain does not. The import cursor
// never moves backwards (NextImport starts from it).
func Target(reports []Report, totalPower int64) uint64 {
	rs := append([]Report(nil), reports...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Finalized > rs[j].Finalized })
	var power int64
	for _, r := range rs {
		if r.Power <= 0 {
			continue
		}
		power += r.Power
		if quorum.MoreThanTwoThirds(power, totalPower) {
			return r.Finalized
		}
	}
	return 0
}
