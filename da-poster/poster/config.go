package poster

import (
	"errors"
	"fmt"
	"time"

	"github.com/ordolabs/ordo/da-poster/batch"
)

// Config configures the poster: the duty rule (Manager) and the driver's
// batching, polling and retries. Start from DefaultConfig, set Self, then
// Validate.
type Config struct {
	// Self is this validator's address (CometBFT's proposer address): the
	// heights it proposed are its duty. Empty for a non-validator, which
	// posts only overdue heights.
	Self []byte
	// StartHeight is the first Ordo height this poster is responsible for
	// (the chain's initial height). Used only when the journal is empty;
	// afterwards the journal's firm height is where it resumes.
	StartHeight int64
	// OverdueBlocks: a height nobody has posted (no valid copy seen on DA)
	// becomes every validator's duty once the chain is more than
	// OverdueBlocks heights past it (past its duty window's end). With a DA
	// layer whose copies are seen only at finality (see da.Reader), set it
	// above the DA finality delay in Ordo blocks, or validators will post
	// duplicates.
	OverdueBlocks int64
	// DutyWindow groups heights into windows [kW+1, (k+1)W]: the proposer
	// of a window's last height posts the whole window, so batches carry W
	// blocks or more. 1 (the default) means the proposer of each height
	// posts it. Larger windows trade DA lag (up to W-1 blocks) for fewer,
	// larger batches. All validators should use the same value (a
	// mismatch costs duplicates or overdue delays, never a lost height).
	DutyWindow int64
	// MaxBatchHeights caps the heights in one batch (at most
	// Limits.MaxRecords).
	MaxBatchHeights int
	// MaxBatchBytes is the target size of one encoded batch (the DA layer's
	// blob size); see batch.PackOptions.
	MaxBatchBytes int
	// Limits are what readers accept; the poster never posts a batch they
	// reject, and uses them to validate other posters' copies.
	Limits batch.Limits
	// MaxAhead: a copy on DA that ends more than MaxAhead heights above
	// this node's last finalized height is ignored as implausible; a closer
	// one is waited for (the scan pauses until the node has the heights to
	// check it against). It bounds how long a forged copy can pause a scan.
	MaxAhead int64
	// PollInterval is how often the driver looks for new blocks, DA copies
	// and confirmations when nothing wakes it (see Driver.Notify).
	PollInterval time.Duration
	// MinBackoff and MaxBackoff bound the exponential backoff after a
	// failed step (DA outage, source error).
	MinBackoff, MaxBackoff time.Duration
}

// DefaultConfig is a configuration for the local DA layer.
func DefaultConfig() Config {
	return Config{
		StartHeight:     1,
		OverdueBlocks:   5,
		DutyWindow:      1,
		MaxBatchHeights: 256,
		MaxBatchBytes:   1 << 20,
		Limits:          batch.DefaultLimits(),
		MaxAhead:        32,
		PollInterval:    200 * time.Millisecond,
		MinBackoff:      100 * time.Millisecond,
		MaxBackoff:      10 * time.Second,
	}
}

// Validate reports settings that cannot work. It never fills defaults.
func (c Config) Validate() error {
	var errs []error
	if c.StartHeight < 1 {
		errs = append(errs, fmt.Errorf("StartHeight %d must be >= 1", c.StartHeight))
	}
	if c.OverdueBlocks < 1 {
		errs = append(errs, fmt.Errorf("OverdueBlocks %d must be >= 1", c.OverdueBlocks))
	}
	if c.DutyWindow < 1 {
		errs = append(errs, fmt.Errorf("DutyWindow %d must be >= 1", c.DutyWindow))
	}
	if err := c.Limits.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.MaxBatchHeights < 1 || c.MaxBatchHeights > c.Limits.MaxRecords {
		errs = append(errs, fmt.Errorf("MaxBatchHeights %d must be in [1, Limits.MaxRecords=%d]", c.MaxBatchHeights, c.Limits.MaxRecords))
	}
	if c.MaxBatchBytes < 1 || c.MaxBatchBytes > c.Limits.MaxCompressed {
		errs = append(errs, fmt.Errorf("MaxBatchBytes %d must be in [1, Limits.MaxCompressed=%d]", c.MaxBatchBytes, c.Limits.MaxCompressed))
	}
	if c.MaxAhead < 0 {
		errs = append(errs, fmt.Errorf("MaxAhead %d must be >= 0", c.MaxAhead))
	}
	if c.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("PollInterval %v must be positive", c.PollInterval))
	}
	if c.MinBackoff <= 0 || c.MaxBackoff < c.MinBackoff {
		errs = append(errs, fmt.Errorf("backoff [%v, %v] must be positive and ordered", c.MinBackoff, c.MaxBackoff))
	}
	if len(errs) > 0 {
		return fmt.Errorf("poster config: %w", errors.Join(errs...))
	}
	return nil
}
