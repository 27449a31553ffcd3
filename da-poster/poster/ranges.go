package poster

import (
	"fmt"
	"sort"
)

// Range is the inclusive run of Ordo heights [First, Last].
type Range struct {
	First, Last int64
}

func (r Range) String() string { return fmt.Sprintf("[%d..%d]", r.First, r.Last) }

// Len is the number of heights in r (0 if empty).
func (r Range) Len() int64 {
	if r.Last < r.First {
		return 0
	}
	return r.Last - r.First + 1
}

// clip returns r ∩ [lo, hi].
func (r Range) clip(lo, hi int64) Range {
	return Range{First: max(r.First, lo), Last: min(r.Last, hi)}
}

// rangeSet is a set of heights kept as sorted, disjoint, non-adjacent
// ranges.
type rangeSet struct {
	rs []Range
}

// add inserts every height of r.
func (s *rangeSet) add(r Range) {
	if r.Len() == 0 {
		return
	}
	// First range that ends at or after r.First-1 (could merge with r).
	i := sort.Search(len(s.rs), func(i int) bool { return s.rs[i].Last >= r.First-1 })
	j := i
	for j < len(s.rs) && s.rs[j].First <= r.Last+1 {
		r.First = min(r.First, s.rs[j].First)
		r.Last = max(r.Last, s.rs[j].Last)
		j++
	}
	s.rs = append(s.rs[:i], append([]Range{r}, s.rs[j:]...)...)
}

// find returns the range holding h.
func (s *rangeSet) find(h int64) (Range, bool) {
	i := sort.Search(len(s.rs), func(i int) bool { return s.rs[i].Last >= h })
	if i < len(s.rs) && s.rs[i].First <= h {
		return s.rs[i], true
	}
	return Range{}, false
}

func (s *rangeSet) contains(h int64) bool {
	_, ok := s.find(h)
	return ok
}

// containsAll reports whether every height of r is in s.
func (s *rangeSet) containsAll(r Range) bool {
	if r.Len() == 0 {
		return true
	}
	got, ok := s.find(r.First)
	return ok && got.Last >= r.Last
}

// containsAny reports whether some height of r is in s.
func (s *rangeSet) containsAny(r Range) bool {
	if r.Len() == 0 {
		return false
	}
	i := sort.Search(len(s.rs), func(i int) bool { return s.rs[i].Last >= r.First })
	return i < len(s.rs) && s.rs[i].First <= r.Last
}

// dropThrough removes every height <= h.
func (s *rangeSet) dropThrough(h int64) {
	i := sort.Search(len(s.rs), func(i int) bool { return s.rs[i].Last > h })
	s.rs = s.rs[i:]
	if len(s.rs) > 0 && s.rs[0].First <= h {
		s.rs = append([]Range{{First: h + 1, Last: s.rs[0].Last}}, s.rs[1:]...)
	}
}

// ranges returns a copy of the ranges.
func (s *rangeSet) ranges() []Range { return append([]Range(nil), s.rs...) }
