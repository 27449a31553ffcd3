package ethda

import (
	"testing"
	"time"

	"github.com/ordolabs/ordo/da-poster/da"
)

// Errors are classed as the poster needs: configuration and oversize are
// critical, an unreachable node is temporary.
func TestSubmitErrors(t *testing.T) {
	c := startChain(t, 0)
	ctx := testCtx(t, 10*time.Second)
	cfg := testConfig(c, t.TempDir())
	cfg.MaxBlobsPerTx = 2
	b := open(t, cfg)
	if _, err := b.Submit(ctx, make([]byte, b.MaxPayload()+1)); !da.IsCritical(err) {
		t.Fatalf("oversized payload: %v, want critical", err)
	}
	if _, err := b.Status(ctx, da.Ref{1, 2, 3}); !da.IsCritical(err) {
		t.Fatalf("malformed ref: %v, want critical", err)
	}
	if st, err := b.Status(ctx, make(da.Ref, 32)); err != nil || st != da.StateDropped {
		t.Fatalf("unknown ref: %v, %v; want dropped", st, err)
	}
	if _, _, err := b.Read(ctx, da.Cursor{1}); !da.IsCritical(err) {
		t.Fatalf("malformed cursor: %v, want critical", err)
	}

	wrong := testConfig(c, t.TempDir())
	wrong.ChainID++
	w := open(t, wrong)
	if _, err := w.Submit(ctx, []byte("x")); !da.IsCritical(err) {
		t.Fatalf("chain id mismatch: %v, want critical", err)
	}

	down := testConfig(c, t.TempDir())
	down.RPCURL = "http://127.0.0.1:1"
	d := open(t, down)
	if _, err := d.Submit(ctx, []byte("x")); err == nil || da.IsCritical(err) || !errorsIsUnavailable(err) {
		t.Fatalf("unreachable node: %v, want unavailable", err)
	}
}
