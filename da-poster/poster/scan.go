package poster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/ordolabs/ordo/da-poster/batch"
)

// maxScanPages bounds the pages one scan reads, so a long backlog on DA
// does not starve posting.
const maxScanPages = 32

// scan reads the DA layer from the manager's cursor and reports the valid
// copies it finds. A copy is valid when it decodes under cfg.Limits and
// each of its records equals this node's record of that height. A final
// copy that reaches above this node's last finalized height, but ends
// within MaxAhead of it, pauses the scan: it is checked once the node has
// those heights. Copies that end further ahead are ignored as implausible
// (validators' tips differ by a few blocks), so a forged copy can pause a
// scan by MaxAhead blocks at most.
func (d *Driver) scan(ctx context.Context) error {
	cursor := d.m.Cursor()
	obs := Observation{Cursor: cursor, ReplaceTentative: true}
	ownHashes := map[[32]byte]bool{}
	for _, it := range d.m.InFlight() {
		ownHashes[it.Hash] = true
	}
	for page := 0; ; page++ {
		if page == maxScanPages {
			obs.ReplaceTentative = false
			break
		}
		blobs, next, err := d.be.Read(ctx, cursor)
		if err != nil {
			return fmt.Errorf("reading DA: %w", err)
		}
		paused := false
		for _, b := range blobs {
			r, valid, wait, err := d.checkCopy(b.Data, ownHashes)
			if err != nil {
				return err
			}
			if wait && !b.Final {
				continue // returned again by later scans
			}
			if wait {
				paused = true
				break
			}
			switch {
			case b.Final:
				if valid {
					obs.Final = append(obs.Final, r)
				}
				obs.Cursor = b.Next
			case valid:
				obs.Tentative = append(obs.Tentative, r)
			}
		}
		if paused {
			obs.ReplaceTentative = false
			break
		}
		if bytes.Equal(next, cursor) || len(blobs) == 0 {
			break // caught up: the tentative tail, if any, was in this page
		}
		cursor = next
		obs.Tentative = nil // non-final blobs are re-read with later pages
	}
	return d.m.ObserveDA(obs)
}

// checkCopy decides whether blob is a valid copy of finalized heights. wait
// is set when it may be valid but covers heights this node does not have
// yet. Only a BlockSource failure is returned as an error.
func (d *Driver) checkCopy(blob []byte, own map[[32]byte]bool) (r Range, valid, wait bool, err error) {
	b, derr := batch.Decode(blob, d.cfg.Limits)
	if derr != nil {
		d.log.Debug("ignoring undecodable DA blob", "err", derr)
		return Range{}, false, false, nil
	}
	r = Range{First: b.First, Last: b.Last()}
	tip := d.m.Tip()
	if r.Last > tip {
		if r.Last > tip+d.cfg.MaxAhead {
			d.log.Info("ignoring DA copy far ahead of this node", "heights", r.String(), "tip", tip)
			return r, false, false, nil
		}
		return r, false, true, nil
	}
	if own[sha256.Sum256(blob)] {
		return r, true, false, nil
	}
	firm := d.m.FirmHeight()
	for h := max(r.First, firm+1); h <= r.Last; h++ {
		want, err := d.src.Record(h)
		if err != nil {
			return r, false, false, fmt.Errorf("reading record %d: %w", h, err)
		}
		got, _ := b.Record(h)
		if !bytes.Equal(got, want) {
			d.log.Info("ignoring invalid DA copy: record differs from this node's block", "heights", r.String(), "height", h)
			return r, false, false, nil
		}
	}
	return r, true, false, nil
}
