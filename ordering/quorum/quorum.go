// Package quorum holds the voting-power arithmetic behind Ordo's ordering
// rules: thresholds and the power-weighted median. Everything is integer
// arithmetic on int64 powers, deterministic, and checked in tests against a
// deliberately naive implementation.
package quorum

import "sort"

// MoreThanOneThird reports part > total/3, exactly (3·part > total).
func MoreThanOneThird(part, total int64) bool { return 3*part > total }

// MoreThanTwoThirds reports part > 2·total/3, exactly (3·part > 2·total).
func MoreThanTwoThirds(part, total int64) bool { return 3*part > 2*total }

// Weighted is one value with the voting power behind it.
type Weighted struct {
	Value int64
	Power int64
}

// Median returns the power-weighted lower median of vs: the smallest value
// v such that the values ≤ v carry at least half of the total power
// (2·cum ≥ total). Entries with non-positive power are ignored; ok is false
// when no power remains. vs is sorted in place.
//
// Robustness: if the entries with power f are arbitrary (byzantine) and
// 2f < total, the median lies between the smallest and the largest of the
// other (honest) values.
func Median(vs []Weighted) (median int64, ok bool) {
	var total int64
	for _, w := range vs {
		if w.Power > 0 {
			total += w.Power
		}
	}
	if total == 0 {
		return 0, false
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Value < vs[j].Value })
	var cum int64
	for _, w := range vs {
		if w.Power <= 0 {
			continue
		}
		cum += w.Power
		if 2*cum >= total {
			return w.Value, true
		}
	}
	return vs[len(vs)-1].Value, true // unreachable: cum reaches total
}
