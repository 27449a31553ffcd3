package poster

import (
	"testing"
	"time"
)

func TestBackoffDoublesToCapAndResets(t *testing.T) {
	b := backoff{min: 10 * time.Millisecond, max: 70 * time.Millisecond}
	want := []time.Duration{10, 20, 40, 70, 70}
	for i, w := range want {
		if got := b.next(); got != w*time.Millisecond {
			t.Fatalf("retry %d: %v, want %v", i, got, w*time.Millisecond)
		}
	}
	b.reset()
	if got := b.next(); got != 10*time.Millisecond {
		t.Fatalf("after reset: %v", got)
	}
}
