package batch

import (
	"errors"
	"fmt"
)

// Limits bound what Decode accepts, so that an untrusted blob cannot make a
// reader allocate or work without bound. Readers and the poster must agree
// on them: the poster never writes a batch its own Limits reject.
type Limits struct {
	// MaxCompressed is the largest encoded batch (header and body), bytes.
	MaxCompressed int
	// MaxDecompressed is the largest uncompressed body (length prefixes and
	// records), bytes. Decompression stops as soon as it is exceeded.
	MaxDecompressed int
	// MaxRecords is the largest number of heights in one batch.
	MaxRecords int
}

// DefaultLimits fit CometBFT's largest blocks (about 21 MiB) with room for
// several ordinary blocks per batch.
func DefaultLimits() Limits {
	return Limits{
		MaxCompressed:   32 << 20,
		MaxDecompressed: 64 << 20,
		MaxRecords:      4096,
	}
}

// Validate reports limits that cannot work.
func (l Limits) Validate() error {
	var errs []error
	if l.MaxCompressed < headerFixed+2 {
		errs = append(errs, fmt.Errorf("MaxCompressed %d is too small", l.MaxCompressed))
	}
	if l.MaxDecompressed < 1 {
		errs = append(errs, fmt.Errorf("MaxDecompressed %d must be positive", l.MaxDecompressed))
	}
	if l.MaxRecords < 1 {
		errs = append(errs, fmt.Errorf("MaxRecords %d must be positive", l.MaxRecords))
	}
	if len(errs) > 0 {
		return fmt.Errorf("batch limits: %w", errors.Join(errs...))
	}
	return nil
}
