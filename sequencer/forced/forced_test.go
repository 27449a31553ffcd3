package forced

import (
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// naiveTarget is Target by brute force: the largest reported value v such
// that the power reporting at least v is more than 2/3 of the total.
func naiveTarget(reports []Report, total int64) uint64 {
	var best uint64
	for _, cand := range reports {
		var p int64
		for _, r := range reports {
			if r.Power > 0 && r.Finalized >= cand.Finalized {
				p += r.Power
			}
		}
		if 3*p > 2*total && cand.Finalized > best {
			best = cand.Finalized
		}
	}
	return best
}

func TestTargetMatchesNaiveAndResistsLiars(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 2000; i++ {
		n := 1 + rng.Intn(7)
		var reports []Report
		var total int64
		for j := 0; j < n; j++ {
			r := Report{Power: int64(rng.Intn(10)), Finalized: uint64(rng.Intn(20))}
			reports = append(reports, r)
			total += r.Power
		}
		total += int64(rng.Intn(10)) // validators missing from E
		if got, want := Target(reports, total), naiveTarget(reports, total); got != want {
			t.Fatalf("Target(%v, %d) = %d, naive %d", reports, total, got, want)
		}
	}
	// Byzantine power at most 1/3 cannot push the target past what honest
	// validators report: 3 honest at 10, 11, 12, one liar at 1e9 (power 10
	// each): the target is the lowest honest head that, with the liar's,
	// gathers more than 2/3.
	honest := []Report{{10, 10}, {10, 11}, {10, 12}}
	if got := Target(append(honest, Report{10, 1e9}), 40); got != 11 {
		t.Fatalf("with a liar ahead: target %d, want 11", got)
	}
	// A silent or lagging 1/4 cannot stop it either: the three honest heads
	// hold 3/4 of the power.
	if got := Target(append(honest, Report{10, 0}), 40); got != 10 {
		t.Fatalf("target %d, want 10 (three honest validators hold more than 2/3)", got)
	}
	// Validators without an L1 endpoint holding 1/3 or more: no target,
	// the inbox waits (and the chain does not halt on imports).
	if got := Target([]Report{{10, 12}, {10, 12}, {10, 0}, {10, 0}}, 40); got != 0 {
		t.Fatalf("half without L1: target %d, want 0", got)
	}
	if got := Target(nil, 40); got != 0 {
		t.Fatalf("no reports: target %d", got)
	}
}

func msgs(block uint64, sizes ...int) []Message {
	out := make([]Message, len(sizes))
	for i, n := range sizes {
		out[i] = Message{L1Block: block, TxIndex: uint32(i), Data: make([]byte, n)}
		out[i].L1Tx[0], out[i].L1Tx[1] = byte(block), byte(i)
	}
	return out
}

func TestNextImportBounds(t *testing.T) {
	p := Params{StartBlock: 1, MaxImportBlocks: 3, MaxImportBytes: 1000, MaxForcedBytes: 500, DueBlocks: 2}
	l1 := map[uint64][]Message{1: msgs(1, 100, 200), 2: nil, 3: msgs(3, 300, 300, 300), 4: msgs(4, 50), 5: msgs(5, 10)}
	of := func(b uint64) ([]Message, error) { return l1[b], nil }

	// Target below the cursor: nothing.
	got, next, err := NextImport(p, Start(p), 0, 0, of)
	if err != nil || len(got) != 0 || next != Start(p) {
		t.Fatalf("target 0: %d msgs, %v, %v", len(got), next, err)
	}
	// Bytes bound (data + MessageOverhead each): 164 + 264 + 364 = 792
	// fit in 1000, the next 364 would not: stop inside block 3.
	got, next, err = NextImport(p, Start(p), 5, 0, of)
	if err != nil || len(got) != 3 || next != (Cursor{Block: 3, Index: 1}) {
		t.Fatalf("bytes bound: %d msgs, cursor %v, %v", len(got), next, err)
	}
	// Resume mid-block; blocks scanned bound (3 per import): the rest of
	// block 3, blocks 4 and 5 (364 + 364 + 114 + 74 = 916).
	got, next, err = NextImport(p, next, 5, 0, of)
	if err != nil || len(got) != 4 || next != (Cursor{Block: 6}) || got[0].L1Block != 3 || got[0].TxIndex != 1 {
		t.Fatalf("resume: %v, cursor %v, %v", got, next, err)
	}
	// The import stays within MaxImportBytes, whatever the messages: many
	// tiny or oversize messages count their framing.
	tiny := map[uint64][]Message{}
	for b := uint64(1); b <= 3; b++ {
		for i := 0; i < 50; i++ {
			tiny[b] = append(tiny[b], Message{L1Block: b, TxIndex: uint32(i), Data: []byte{1}, Oversize: i%2 == 0})
		}
	}
	got, _, err = NextImport(p, Start(p), 3, 0, func(b uint64) ([]Message, error) { return tiny[b], nil })
	if err != nil || len(got) == 0 || int64(len(got))*MessageOverhead > p.MaxImportBytes {
		t.Fatalf("tiny messages: %d imported, %d bytes of framing, limit %d", len(got), int64(len(got))*MessageOverhead, p.MaxImportBytes)
	}
	// Back-pressure: queue at the limit (2 × 500) admits nothing more...
	got, next, err = NextImport(p, Cursor{Block: 4}, 5, 1000, of)
	if err != nil || len(got) != 0 || next != (Cursor{Block: 4}) {
		t.Fatalf("full queue: %v, cursor %v, %v", got, next, err)
	}
	// ...but an empty queue always takes one message, even a large one.
	big := map[uint64][]Message{1: msgs(1, 999, 5)}
	got, next, err = NextImport(Params{StartBlock: 1, MaxImportBlocks: 3, MaxImportBytes: 1000, MaxForcedBytes: 1000, DueBlocks: 1}, Start(p), 1, 0,
		func(b uint64) ([]Message, error) { return big[b], nil })
	if err != nil || len(got) != 1 || next != (Cursor{Block: 1, Index: 1}) {
		t.Fatalf("empty queue, big message: %v, cursor %v, %v", got, next, err)
	}
	// An L1 read failure is reported, the cursor does not move.
	boom := errors.New("endpoint down")
	if _, next, err := NextImport(p, Start(p), 5, 0, func(uint64) ([]Message, error) { return nil, boom }); !errors.Is(err, boom) || next != Start(p) {
		t.Fatalf("read failure: %v, %v", next, err)
	}
}

// TestNextImportWalksEverythingOnce: importing repeatedly, with the queue
// drained in between, yields every message exactly once, in L1 order.
func TestNextImportWalksEverythingOnce(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for run := 0; run < 200; run++ {
		p := Params{StartBlock: 1 + uint64(rng.Intn(3)), MaxImportBlocks: 1 + uint64(rng.Intn(4)),
			MaxImportBytes: 200 + int64(rng.Intn(800)), MaxForcedBytes: 100 + int64(rng.Intn(200)), DueBlocks: 1 + int64(rng.Intn(3))}
		l1 := map[uint64][]Message{}
		var all []Message
		for b := uint64(1); b <= 12; b++ {
			var sizes []int
			for k := rng.Intn(4); k > 0; k-- {
				sizes = append(sizes, 1+rng.Intn(int(p.MaxForcedBytes)))
			}
			l1[b] = msgs(b, sizes...)
			if b >= p.StartBlock {
				all = append(all, l1[b]...)
			}
		}
		cur, queued := Start(p), int64(0)
		var got []Message
		for step := 0; step < 500 && cur.Block <= 12; step++ {
			m, next, err := NextImport(p, cur, 12, queued, func(b uint64) ([]Message, error) { return l1[b], nil })
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range m {
				queued += int64(len(x.Data))
			}
			if queued > p.DueBlocks*p.MaxForcedBytes && len(m) > 1 {
				t.Fatalf("run %d: queue at %d bytes, limit %d", run, queued, p.DueBlocks*p.MaxForcedBytes)
			}
			got = append(got, m...)
			cur = next
			queued -= min(queued, p.MaxForcedBytes) // one block drains at most MaxForcedBytes
		}
		if fmt.Sprint(got) != fmt.Sprint(all) {
			t.Fatalf("run %d: imported %d messages, want %d in order", run, len(got), len(all))
		}
	}
}

func TestDuePrefix(t *testing.T) {
	p := Params{MaxForcedBytes: 100}
	for _, c := range []struct {
		sizes []int
		want  int
	}{{nil, 0}, {[]int{50, 50, 1}, 2}, {[]int{100}, 1}, {[]int{101}, 0}, {[]int{10, 95}, 1}} {
		if got := DuePrefix(p, c.sizes); got != c.want {
			t.Errorf("DuePrefix(%v) = %d, want %d", c.sizes, got, c.want)
		}
	}
}

func TestImportAndSettle(t *testing.T) {
	p := Params{MaxForcedBytes: 10}
	s := State{Cursor: Cursor{Block: 1}, Head: 5, Tail: 5}
	in := []Message{
		{L1Block: 1, Data: []byte("ok-1")},
		{L1Block: 1, TxIndex: 1, Data: []byte("garbage")},
		{L1Block: 1, TxIndex: 2, Data: make([]byte, 11)},
		{L1Block: 2, Data: []byte("ok-2")},
		{L1Block: 2, TxIndex: 1, Oversize: true},
	}
	decode := func(b []byte) (*tx.Tx, error) {
		if string(b[:3]) != "ok-" {
			return nil, errors.New("undecodable")
		}
		return &tx.Tx{Hash: tx.HashOf(b)}, nil
	}
	after, entries, records := Import(p, s, 7, in, Cursor{Block: 3}, decode)
	if after.Tail != 7 || after.Head != 5 || after.Bytes != 8 || after.Cursor != (Cursor{Block: 3}) || len(entries) != 2 {
		t.Fatalf("after import: %+v, %d entries", after, len(entries))
	}
	if entries[0].Seq != 5 || entries[1].Seq != 6 || entries[0].ImportHeight != 7 {
		t.Fatalf("entries %+v", entries)
	}
	var statuses []string
	for _, r := range records {
		statuses = append(statuses, r.Status.String())
	}
	if fmt.Sprint(statuses) != "[queued skipped skipped queued skipped]" {
		t.Fatalf("statuses %v", statuses)
	}
	// Settle both: the first executed, the second could not.
	hashes := []tx.Hash{tx.HashOf(entries[0].Msg.Data), tx.HashOf(entries[1].Msg.Data)}
	settled, again, recs := Settle(after, 8, entries, hashes, func(i int) Outcome {
		if i == 1 {
			return Outcome{Err: errors.New("nonce too low")}
		}
		return Outcome{Included: true}
	})
	if settled.Head != 7 || settled.Len() != 0 || settled.Bytes != 0 || len(again) != 0 || recs[0].Status != Included || recs[1].Status != Skipped || recs[1].Reason != "nonce too low" {
		t.Fatalf("settle: %+v %+v", settled, recs)
	}
}

// TestSettleRetries: an entry left out although it could execute goes back
// to the tail, MaxRetries times, then is skipped.
func TestSettleRetries(t *testing.T) {
	e := Entry{Seq: 0, ImportHeight: 1, Msg: Message{Data: []byte("tx")}}
	s := State{Head: 0, Tail: 1, Bytes: 2}
	h := []tx.Hash{tx.HashOf(e.Msg.Data)}
	leftOut := func(int) Outcome { return Outcome{Retry: true, Err: errors.New("cap full")} }
	for round := 0; round <= MaxRetries; round++ {
		var again []Entry
		var recs []Record
		s, again, recs = Settle(s, int64(10+round), []Entry{e}, h, leftOut)
		if round < MaxRetries {
			if len(again) != 1 || again[0].Retries != uint32(round+1) || again[0].Seq != s.Tail-1 || s.Len() != 1 || s.Bytes != 2 || recs[0].Status != Queued {
				t.Fatalf("round %d: state %+v, again %+v, records %+v", round, s, again, recs)
			}
			e = again[0]
			continue
		}
		if len(again) != 0 || s.Len() != 0 || s.Bytes != 0 || recs[0].Status != Skipped {
			t.Fatalf("after %d retries: state %+v, again %+v, records %+v", MaxRetries, s, again, recs)
		}
	}
	// The encoding keeps the retry count.
	e.Retries = 3
	if got, err := DecodeEntry(EncodeEntry(e)); err != nil || got.Retries != 3 {
		t.Fatalf("retries round trip: %+v %v", got, err)
	}
}

func TestEncodingsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for i := 0; i < 200; i++ {
		e := Entry{Seq: rng.Uint64(), ImportHeight: rng.Int63(), Msg: Message{L1Block: rng.Uint64(), TxIndex: rng.Uint32(), Data: make([]byte, rng.Intn(50))}}
		rng.Read(e.Msg.L1Tx[:])
		rng.Read(e.Msg.Data)
		got, err := DecodeEntry(EncodeEntry(e))
		if err != nil || !reflect.DeepEqual(got, e) && !(len(e.Msg.Data) == 0 && len(got.Msg.Data) == 0) {
			t.Fatalf("entry round trip: %+v → %+v, %v", e, got, err)
		}
		s := State{Cursor: Cursor{Block: rng.Uint64(), Index: rng.Uint32()}, Head: rng.Uint64(), Tail: rng.Uint64(), Bytes: rng.Int63()}
		if got, err := DecodeState(EncodeState(s)); err != nil || got != s {
			t.Fatalf("state round trip: %+v → %+v, %v", s, got, err)
		}
	}
	if _, err := DecodeEntry(make([]byte, 63)); err == nil {
		t.Fatal("short entry decoded")
	}
	if _, err := DecodeState(make([]byte, 35)); err == nil {
		t.Fatal("short state decoded")
	}
	// The digest depends on the state and on every appended entry.
	base := Digest(State{Tail: 1}, []Entry{{Seq: 0}})
	for _, other := range [][]byte{Digest(State{Tail: 2}, []Entry{{Seq: 0}}), Digest(State{Tail: 1}, []Entry{{Seq: 1}}), Digest(State{Tail: 1}, nil)} {
		if string(other) == string(base) {
			t.Fatal("digest ignores a change")
		}
	}
}
