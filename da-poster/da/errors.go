package da

import (
	"errors"
	"fmt"
)

// Errors by severity: backends wrap the failure in one of these so the
// poster knows whether to retry.
var (
	// ErrUnavailable: the DA layer refused or could not be reached (an
	// outage). Temporary: the poster retries with backoff.
	ErrUnavailable = errors.New("da: unavailable")
	// ErrCritical: retrying cannot help (bad configuration, blob too large
	// for the DA layer). The poster stops and reports the error.
	ErrCritical = errors.New("da: critical")
	// ErrNotFound: no blob at the requested position.
	ErrNotFound = errors.New("da: not found")
)

// Critical wraps err as critical.
func Critical(err error) error {
	if err == nil || errors.Is(err, ErrCritical) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrCritical, err)
}

// IsCritical reports whether err must not be retried.
func IsCritical(err error) bool { return errors.Is(err, ErrCritical) }
