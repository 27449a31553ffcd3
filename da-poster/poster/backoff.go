package poster

import "time"

// backoff is a capped exponential delay: min, 2·min, 4·min, ... max.
type backoff struct {
	min, max time.Duration
	cur      time.Duration
}

// next returns the delay before the next retry and doubles it.
func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	return b.cur
}

// reset starts over after a success.
func (b *backoff) reset() { b.cur = 0 }
