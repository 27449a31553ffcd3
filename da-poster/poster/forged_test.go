package poster_test

import (
	"context"
	"testing"
	"time"

	"github.com/ordolabs/ordo/da-poster/batch"
	"github.com/ordolabs/ordo/da-poster/localda"
	"github.com/ordolabs/ordo/da-poster/poster"
)

// TestForgedAheadCopyDoesNotFreezeFirm: anyone can post to the DA layer. A
// forged batch claiming 4,096 heights just above the validators' tip must
// not pause their scans until the tip passes it (it ends more than
// MaxAhead ahead, so it is ignored): both validators still see each
// other's copies and every height becomes firm.
func TestForgedAheadCopyDoesNotFreezeFirm(t *testing.T) {
	s := memStore(t)
	c := &chain{}
	c.add(30, alternate(valA, valB))
	recs := make([][]byte, 4096)
	for i := range recs {
		recs[i] = []byte{1}
	}
	forged, err := batch.Encode(31, recs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := localda.NewBackend(s).Submit(context.Background(), forged); err != nil {
		t.Fatal(err)
	}
	cfgA, cfgB := fastConfig(valA), fastConfig(valB)
	// Long enough that neither re-posts the other's heights in this test:
	// firmness must come from seeing the other's copies.
	cfgA.OverdueBlocks, cfgB.OverdueBlocks = 40, 40
	a := start(t, cfgA, poster.Deps{Source: c, Backend: localda.NewBackend(s), Journal: poster.NewMemJournal()})
	b := start(t, cfgB, poster.Deps{Source: c, Backend: localda.NewBackend(s), Journal: poster.NewMemJournal()})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, d := range []*poster.Driver{a, b} {
		if err := d.WaitFirm(ctx, 30); err != nil {
			t.Fatalf("firm height %d after the forged copy, want 30: %v", d.FirmHeight(), err)
		}
	}
}
