package batch

import (
	"encoding/binary"
	"fmt"
	"math"
)

// uvarintLen is the length of the minimal uvarint encoding of v.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// readUvarint reads one minimally encoded uvarint no larger than
// math.MaxInt64 from b, returning the value and the bytes consumed. what
// names the field for error messages; truncation returns errTrunc.
func readUvarint(b []byte, what string, errTrunc error) (uint64, int, error) {
	v, n := binary.Uvarint(b)
	switch {
	case n == 0:
		return 0, 0, fmt.Errorf("%w: %s", errTrunc, what)
	case n < 0:
		return 0, 0, fmt.Errorf("%w: %s", ErrVarintOverflow, what)
	case v > math.MaxInt64:
		return 0, 0, fmt.Errorf("%w: %s = %d", ErrVarintOverflow, what, v)
	case n != uvarintLen(v):
		return 0, 0, fmt.Errorf("%w: %s uses %d bytes for %d", ErrNonCanonicalVarint, what, n, v)
	}
	return v, n, nil
}
