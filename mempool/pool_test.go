package mempool

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type signer struct {
	key  ed25519.PrivKey
	addr tx.Address
}

func newSigner(i int) signer {
	k := ed25519.GenPrivKeyFromSecret([]byte("ordo mempool test " + strconv.Itoa(i)))
	return signer{key: k, addr: tx.AddressFromPubKey(k.PubKey().Bytes())}
}

var (
	alice = newSigner(1)
	bob   = newSigner(2)
)

// sign builds a tx carrying a transfer of amount (0: rollup data instead)
// and pad bytes of rollup data.
func (s signer) sign(tb testing.TB, nonce, fee, amount uint64, pad int) *tx.Tx {
	tb.Helper()
	id := tx.RollupIDFromName("alpha")
	acts := []*txv1.Action{{Kind: &txv1.Action_RollupData{RollupData: &txv1.RollupData{
		RollupId: id[:], Data: []byte(strings.Repeat("d", 1+pad)),
	}}}}
	if amount > 0 {
		acts = append(acts, &txv1.Action{Kind: &txv1.Action_Transfer{Transfer: &txv1.Transfer{To: bob.addr[:], Amount: amount}}})
	}
	raw, err := tx.Sign(s.key, &txv1.TxBody{ChainId: "ordo-test", Nonce: nonce, Fee: fee, Actions: acts})
	if err != nil {
		tb.Fatal(err)
	}
	t, err := tx.Decode(raw, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func testConfig() Config {
	return Config{MaxTxs: 100, MaxBytes: 1 << 20, MaxTxsPerAccount: 20, MaxNonceGap: 10, MaxParkedPerAccount: 20, TTL: time.Minute, SubmitFill: 0.5}
}

func newPool(cfg Config) (*Pool, *fakeClock) {
	c := newFakeClock()
	return New(cfg, c.Now), c
}

var rich = ledger.Account{Balance: 1 << 40}

func mustAdd(tb testing.TB, p *Pool, t *tx.Tx, acct ledger.Account) *Entry {
	tb.Helper()
	e, err := p.Add(t, acct)
	if err != nil {
		tb.Fatalf("Add nonce %d: %v", t.Nonce, err)
	}
	return e
}

func wantCode(tb testing.TB, err error, want *tx.Error) {
	tb.Helper()
	if !errors.Is(err, want) || tx.CodeOf(err) != want.Code {
		tb.Fatalf("got %v, want %s", err, want.Desc)
	}
	if len(err.Error()) <= len(want.Desc)+2 {
		tb.Fatalf("error %q has no detail", err)
	}
}

// checkInvariants cross-checks the pool's indexes and counters.
func checkInvariants(tb testing.TB, p *Pool) {
	tb.Helper()
	snap := p.Snapshot()
	n, bytes := p.Len()
	var sum int64
	for i, e := range snap {
		sum += int64(e.Tx.Size())
		if i > 0 && snap[i-1].Seq >= e.Seq {
			tb.Fatalf("snapshot not in strictly increasing Seq order at %d", i)
		}
		if got, ok := p.Get(e.Tx.Hash); !ok || got != e {
			tb.Fatalf("Get disagrees with Snapshot for %s", e.Tx.Hash)
		}
	}
	if n != len(snap) || bytes != sum {
		tb.Fatalf("Len = %d, %d; snapshot holds %d txs, %d bytes", n, bytes, len(snap), sum)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	count := 0
	for addr, q := range p.accounts {
		if len(q.byNonce) == 0 {
			tb.Fatalf("empty queue kept for %s", addr)
		}
		var spend uint64
		for nonce, e := range q.byNonce {
			if e.Tx.Sender != addr || e.Tx.Nonce != nonce || p.byHash[e.Tx.Hash] != e {
				tb.Fatalf("queue entry %s/%d is inconsistent", addr, nonce)
			}
			s, _ := e.Tx.Spend()
			spend += s
			count++
		}
		if spend != q.spend {
			tb.Fatalf("%s: pending spend %d, entries add to %d", addr, q.spend, spend)
		}
	}
	if count != len(p.byHash) {
		tb.Fatalf("queues hold %d entries, hash index %d", count, len(p.byHash))
	}
}

func TestAddRecordsArrival(t *testing.T) {
	p, clock := newPool(testConfig())
	t0 := alice.sign(t, 0, 100, 0, 0)
	e := mustAdd(t, p, t0, rich)
	if e.Tx != t0 || e.Seq != 1 || !e.FirstSeen.Equal(clock.Now()) {
		t.Fatalf("entry %+v", e)
	}
	clock.Advance(time.Second)
	e2 := mustAdd(t, p, bob.sign(t, 0, 100, 0, 0), rich)
	if e2.Seq != 2 || !e2.FirstSeen.Equal(clock.Now()) {
		t.Fatalf("second entry %+v", e2)
	}
	if n, b := p.Len(); n != 2 || b != int64(t0.Size()+e2.Tx.Size()) {
		t.Fatalf("Len = %d, %d", n, b)
	}
	checkInvariants(t, p)
}

func TestAddRejections(t *testing.T) {
	acct := ledger.Account{Balance: 1 << 40, Nonce: 5}
	cases := []struct {
		name  string
		cfg   func(*Config)
		setup func(t *testing.T, p *Pool)
		tx    func(t *testing.T) *tx.Tx
		acct  ledger.Account
		want  *tx.Error
		frag  string
	}{
		{"duplicate", nil,
			func(t *testing.T, p *Pool) { mustAdd(t, p, alice.sign(t, 5, 100, 0, 0), acct) },
			func(t *testing.T) *tx.Tx { return alice.sign(t, 5, 100, 0, 0) }, acct, tx.ErrDuplicate, "already pending"},
		{"stale nonce", nil, nil,
			func(t *testing.T) *tx.Tx { return alice.sign(t, 4, 100, 0, 0) }, acct, tx.ErrStaleNonce, "at nonce 5, tx has 4"},
		{"stale nonce zero", nil, nil,
			func(t *testing.T) *tx.Tx { return alice.sign(t, 0, 100, 0, 0) }, acct, tx.ErrStaleNonce, "tx has 0"},
		{"gap beyond MaxNonceGap", nil, nil,
			func(t *testing.T) *tx.Tx { return alice.sign(t, 5+11, 100, 0, 0) }, acct, tx.ErrFutureNonce, "at most 10 past"},
		{"max uint64 nonce", nil, nil,
			func(t *testing.T) *tx.Tx { return alice.sign(t, ^uint64(0), 100, 0, 0) }, acct, tx.ErrFutureNonce, "ahead"},
		{"nonce taken", nil,
			func(t *testing.T, p *Pool) { mustAdd(t, p, alice.sign(t, 6, 100, 0, 0), acct) },
			func(t *testing.T) *tx.Tx { return alice.sign(t, 6, 101, 0, 0) }, acct, tx.ErrNonceTaken, "already uses nonce 6"},
		{"per-account cap", func(c *Config) { c.MaxTxsPerAccount = 2 },
			func(t *testing.T, p *Pool) {
				mustAdd(t, p, alice.sign(t, 5, 100, 0, 0), acct)
				mustAdd(t, p, alice.sign(t, 6, 100, 0, 0), acct)
			},
			func(t *testing.T) *tx.Tx { return alice.sign(t, 7, 100, 0, 0) }, acct, tx.ErrMempoolFull, "limit 2"},
		{"count cap", func(c *Config) { c.MaxTxs = 2 },
			func(t *testing.T, p *Pool) {
				mustAdd(t, p, alice.sign(t, 5, 100, 0, 0), acct)
				mustAdd(t, p, bob.sign(t, 0, 100, 0, 0), rich)
			},
			func(t *testing.T) *tx.Tx { return alice.sign(t, 6, 100, 0, 0) }, acct, tx.ErrMempoolFull, "limits 2"},
		{"byte cap", func(c *Config) { c.MaxBytes = 500 },
			func(t *testing.T, p *Pool) { mustAdd(t, p, bob.sign(t, 0, 100, 0, 200), rich) },
			func(t *testing.T) *tx.Tx { return alice.sign(t, 5, 100, 0, 200) }, acct, tx.ErrMempoolFull, "500"},
		{"balance for the fee", nil, nil,
			func(t *testing.T) *tx.Tx { return alice.sign(t, 5, 100, 0, 0) }, ledger.Account{Balance: 99, Nonce: 5}, tx.ErrInsufficientBalance, "has 99"},
		{"balance for fee plus transfer", nil, nil,
			func(t *testing.T) *tx.Tx { return alice.sign(t, 5, 100, 50, 0) }, ledger.Account{Balance: 149, Nonce: 5}, tx.ErrInsufficientBalance, "need 150"},
		{"balance across pending txs", nil,
			func(t *testing.T, p *Pool) {
				mustAdd(t, p, alice.sign(t, 5, 100, 400, 0), ledger.Account{Balance: 1000, Nonce: 5})
				mustAdd(t, p, alice.sign(t, 7, 100, 0, 0), ledger.Account{Balance: 1000, Nonce: 5})
			},
			func(t *testing.T) *tx.Tx { return alice.sign(t, 6, 100, 301, 0) }, ledger.Account{Balance: 1000, Nonce: 5}, tx.ErrInsufficientBalance, "need 1001"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig()
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			p, _ := newPool(cfg)
			if c.setup != nil {
				c.setup(t, p)
			}
			before := p.Snapshot()
			n, b := p.Len()
			e, err := p.Add(c.tx(t), c.acct)
			if e != nil {
				t.Fatalf("rejected Add returned an entry")
			}
			wantCode(t, err, c.want)
			if !strings.Contains(err.Error(), c.frag) {
				t.Fatalf("%q does not mention %q", err, c.frag)
			}
			if n2, b2 := p.Len(); n2 != n || b2 != b || !reflect.DeepEqual(before, p.Snapshot()) {
				t.Fatal("a rejected Add changed the pool")
			}
			checkInvariants(t, p)
			// The arrival sequence was not consumed by the rejection.
			p.mu.Lock()
			seq := p.seq
			p.mu.Unlock()
			if want := uint64(len(before)); seq != want {
				t.Fatalf("arrival sequence at %d after %d admissions", seq, want)
			}
		})
	}
}

func TestAddAcceptsExactLimits(t *testing.T) {
	acct := ledger.Account{Nonce: 5}
	t1 := alice.sign(t, 5, 100, 50, 0)
	t2 := alice.sign(t, 5+10, 100, 0, 0) // exactly MaxNonceGap ahead
	acct.Balance = 150 + 100
	cfg := testConfig()
	cfg.MaxTxs, cfg.MaxTxsPerAccount, cfg.MaxBytes = 2, 2, int64(t1.Size()+t2.Size())
	p, _ := newPool(cfg)
	mustAdd(t, p, t1, acct)
	mustAdd(t, p, t2, acct)
	checkInvariants(t, p)
}

func TestFutureNoncesParkedAndPendingNonce(t *testing.T) {
	p, _ := newPool(testConfig())
	acct := ledger.Account{Balance: 1 << 40, Nonce: 3}
	if got := p.PendingNonce(alice.addr, 3); got != 3 {
		t.Fatalf("PendingNonce of an empty account = %d, want 3", got)
	}
	for _, n := range []uint64{5, 3, 6} {
		mustAdd(t, p, alice.sign(t, n, 100, 0, 0), acct)
	}
	if got := p.PendingNonce(alice.addr, 3); got != 4 {
		t.Fatalf("PendingNonce = %d, want 4 (nonce 4 missing)", got)
	}
	mustAdd(t, p, alice.sign(t, 4, 100, 0, 0), acct)
	if got := p.PendingNonce(alice.addr, 3); got != 7 {
		t.Fatalf("PendingNonce = %d, want 7", got)
	}
	if got := p.PendingNonce(alice.addr, 5); got != 7 {
		t.Fatalf("PendingNonce from 5 = %d, want 7", got)
	}
	if got := p.PendingNonce(bob.addr, 9); got != 9 {
		t.Fatalf("other account's PendingNonce = %d, want 9", got)
	}
	checkInvariants(t, p)
}

func TestRemoveFreesRoom(t *testing.T) {
	cfg := testConfig()
	cfg.MaxTxs = 2
	p, _ := newPool(cfg)
	acct := ledger.Account{Balance: 600}
	t0 := alice.sign(t, 0, 100, 200, 0)
	t1 := alice.sign(t, 1, 100, 200, 0)
	t2 := alice.sign(t, 2, 100, 0, 0)
	mustAdd(t, p, t0, acct)
	mustAdd(t, p, t1, acct)
	_, err := p.Add(t2, acct)
	wantCode(t, err, tx.ErrMempoolFull)
	p.Remove(t1.Hash)
	p.Remove(t1.Hash)                      // absent: no-op
	p.Remove(tx.HashOf([]byte("unknown"))) // never seen: no-op
	if _, ok := p.Get(t1.Hash); ok {
		t.Fatal("removed tx still pooled")
	}
	mustAdd(t, p, t2, acct) // count and balance (300 + 100 <= 600) fit again
	if got := p.PendingNonce(alice.addr, 0); got != 1 {
		t.Fatalf("PendingNonce = %d, want 1", got)
	}
	p.Remove(t0.Hash)
	p.Remove(t2.Hash)
	if n, b := p.Len(); n != 0 || b != 0 {
		t.Fatalf("empty pool Len = %d, %d", n, b)
	}
	checkInvariants(t, p)
}

func TestUpdateRemovesCommittedAndStale(t *testing.T) {
	p, _ := newPool(testConfig())
	carol := newSigner(3)
	a0, a1, a2, a3 := alice.sign(t, 0, 100, 0, 0), alice.sign(t, 1, 100, 0, 0), alice.sign(t, 2, 100, 0, 0), alice.sign(t, 3, 100, 0, 0)
	b0, b1 := bob.sign(t, 0, 100, 0, 0), bob.sign(t, 1, 100, 0, 0)
	c0 := carol.sign(t, 0, 100, 0, 0)
	for _, x := range []*tx.Tx{a0, a2, b0, a1, a3, b1, c0} {
		mustAdd(t, p, x, rich)
	}
	// The block committed a0, b0 and another alice tx with nonce 1 (so
	// a1 is now stale); carol is untouched.
	nonces := map[tx.Address]uint64{alice.addr: 2, bob.addr: 1, carol.addr: 1}
	evicted, err := p.Update([]tx.Hash{a0.Hash, b0.Hash}, []tx.Address{alice.addr, bob.addr}, func(a tx.Address) (ledger.Account, error) {
		return ledger.Account{Balance: rich.Balance, Nonce: nonces[a]}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(evicted) != 1 || evicted[0].Hash != a1.Hash {
		t.Fatalf("evicted %v, want only a1", evicted)
	}
	wantCode(t, evicted[0].Err, tx.ErrStaleNonce)
	var left []tx.Hash
	for _, e := range p.Snapshot() {
		left = append(left, e.Tx.Hash)
	}
	if want := []tx.Hash{a2.Hash, a3.Hash, b1.Hash, c0.Hash}; !reflect.DeepEqual(left, want) {
		t.Fatalf("pool holds %x, want %x", left, want)
	}
	checkInvariants(t, p)

	// A failing state read is reported.
	boom := errors.New("boom")
	if _, err := p.Update(nil, []tx.Address{alice.addr}, func(tx.Address) (ledger.Account, error) { return ledger.Account{}, boom }); !errors.Is(err, boom) {
		t.Fatalf("Update with a failing nonce read: %v", err)
	}
	// Committed hashes that are not pooled are ignored.
	if ev, err := p.Update([]tx.Hash{tx.HashOf([]byte("x"))}, nil, nil); err != nil || len(ev) != 0 {
		t.Fatalf("Update with unknown hashes: %v, %v", ev, err)
	}
	checkInvariants(t, p)
}

func TestUpdateEvictsExpired(t *testing.T) {
	cfg := testConfig()
	p, clock := newPool(cfg)
	old1 := alice.sign(t, 0, 100, 0, 0)
	old2 := bob.sign(t, 0, 100, 0, 0)
	mustAdd(t, p, old1, rich)
	mustAdd(t, p, old2, rich)
	clock.Advance(time.Second)
	young := alice.sign(t, 1, 100, 0, 0)
	mustAdd(t, p, young, rich)

	clock.Advance(cfg.TTL - time.Second) // old txs are exactly TTL old: kept
	evicted, err := p.Update(nil, nil, nil)
	if err != nil || len(evicted) != 0 {
		t.Fatalf("at exactly TTL: evicted %v, %v", evicted, err)
	}
	clock.Advance(time.Nanosecond)
	evicted, err = p.Update(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(evicted) != 2 || evicted[0].Hash != old1.Hash || evicted[1].Hash != old2.Hash {
		t.Fatalf("evicted %v, want old1 then old2 (arrival order)", evicted)
	}
	for _, e := range evicted {
		wantCode(t, e.Err, tx.ErrExpired)
	}
	if _, ok := p.Get(young.Hash); !ok {
		t.Fatal("young tx evicted")
	}
	clock.Advance(time.Second)
	if evicted, _ := p.Update(nil, nil, nil); len(evicted) != 1 || evicted[0].Hash != young.Hash {
		t.Fatalf("evicted %v, want the young tx", evicted)
	}
	if n, b := p.Len(); n != 0 || b != 0 {
		t.Fatalf("Len = %d, %d after evicting everything", n, b)
	}
	checkInvariants(t, p)
}

func TestSnapshotInArrivalOrder(t *testing.T) {
	p, _ := newPool(testConfig())
	var added []*tx.Tx
	nonces := []uint64{4, 0, 2, 1, 3}
	for i, n := range nonces {
		for _, s := range []signer{alice, bob} {
			x := s.sign(t, n, 100, 0, i)
			mustAdd(t, p, x, rich)
			added = append(added, x)
		}
	}
	snap := p.Snapshot()
	if len(snap) != len(added) {
		t.Fatalf("snapshot has %d entries, want %d", len(snap), len(added))
	}
	for i, e := range snap {
		if e.Tx != added[i] || e.Seq != uint64(i+1) {
			t.Fatalf("snapshot[%d] = nonce %d seq %d, want arrival %d", i, e.Tx.Nonce, e.Seq, i+1)
		}
	}
	// The snapshot is a copy: later changes do not show through.
	p.Remove(added[0].Hash)
	if snap[0].Tx != added[0] || len(p.Snapshot()) != len(added)-1 {
		t.Fatal("snapshot shares state with the pool")
	}
}

func TestConcurrentUse(t *testing.T) {
	const accounts, perAccount = 6, 15
	cfg := testConfig()
	cfg.TTL = 365 * 24 * time.Hour // the clock races ahead below; nothing may expire
	cfg.MaxNonceGap = perAccount
	p, clock := newPool(cfg)
	txs := make([][]*tx.Tx, accounts)
	for i := range txs {
		s := newSigner(100 + i)
		for n := 0; n < perAccount; n++ {
			txs[i] = append(txs[i], s.sign(t, uint64(n), 100, 0, n))
		}
	}
	var wg sync.WaitGroup
	for i := range txs {
		wg.Add(1)
		go func(list []*tx.Tx) {
			defer wg.Done()
			for _, x := range list {
				if _, err := p.Add(x, rich); err != nil {
					t.Errorf("Add: %v", err)
					return
				}
			}
		}(txs[i])
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			p.Snapshot()
			p.Len()
			p.PendingNonce(txs[0][0].Sender, 0)
			if _, err := p.Update(nil, []tx.Address{txs[1][0].Sender}, func(tx.Address) (ledger.Account, error) { return ledger.Account{Balance: 1 << 40}, nil }); err != nil {
				t.Errorf("Update: %v", err)
			}
			clock.Advance(time.Millisecond)
		}
	}()
	wg.Wait()
	close(stop)
	readers.Wait()
	checkInvariants(t, p)
	if n, _ := p.Len(); n != accounts*perAccount {
		t.Fatalf("pool holds %d txs, want %d", n, accounts*perAccount)
	}
	for i := range txs {
		if got := p.PendingNonce(txs[i][0].Sender, 0); got != perAccount {
			t.Fatalf("account %d PendingNonce %d, want %d", i, got, perAccount)
		}
	}
	seqs := make(map[uint64]bool)
	for _, e := range p.Snapshot() {
		if seqs[e.Seq] {
			t.Fatalf("Seq %d assigned twice", e.Seq)
		}
		seqs[e.Seq] = true
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	for name, mutate := range map[string]func(*Config){
		"max_txs":             func(c *Config) { c.MaxTxs = 0 },
		"max_bytes":           func(c *Config) { c.MaxBytes = -1 },
		"max_txs_per_account": func(c *Config) { c.MaxTxsPerAccount = 0 },
		"ttl":                 func(c *Config) { c.TTL = 0 },
	} {
		c := DefaultConfig()
		mutate(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
}

func ExamplePool_PendingNonce() {
	p := New(DefaultConfig(), newFakeClock().Now)
	fmt.Println(p.PendingNonce(alice.addr, 7))
	// Output: 7
}

// TestUpdateEvictsUnaffordable: after a block drains an account, the txs
// its balance can no longer pay for are evicted, from the first one that
// does not fit upward, with the insufficient-balance code.
func TestUpdateEvictsUnaffordable(t *testing.T) {
	p, _ := newPool(DefaultConfig())
	var txs []*tx.Tx
	for n := uint64(0); n < 4; n++ {
		x := alice.sign(t, n, 100, 0, 0)
		mustAdd(t, p, x, ledger.Account{Balance: 1 << 20})
		txs = append(txs, x)
	}
	// The committed state now pays for exactly two of them.
	evicted, err := p.Update(nil, []tx.Address{alice.addr}, func(tx.Address) (ledger.Account, error) {
		return ledger.Account{Balance: 250}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(evicted) != 2 || evicted[0].Hash != txs[2].Hash || evicted[1].Hash != txs[3].Hash {
		t.Fatalf("evicted %v, want nonces 2 and 3", evicted)
	}
	wantCode(t, evicted[0].Err, tx.ErrInsufficientBalance)
	if n, _ := p.Len(); n != 2 {
		t.Fatalf("pool holds %d txs, want 2", n)
	}
	checkInvariants(t, p)
}

// TestParkedPerAccountCap: txs behind a missing nonce are capped per
// account (they pay nothing until the gap fills); ready txs are not, and
// filling the gap makes the parked ones ready.
func TestParkedPerAccountCap(t *testing.T) {
	cfg := testConfig()
	cfg.MaxParkedPerAccount = 2
	p, _ := newPool(cfg)
	acct := ledger.Account{Balance: 1 << 40}
	mustAdd(t, p, alice.sign(t, 2, 100, 0, 0), acct)
	mustAdd(t, p, alice.sign(t, 3, 100, 0, 0), acct)
	if _, err := p.Add(alice.sign(t, 4, 100, 0, 0), acct); tx.CodeOf(err) != tx.ErrFutureNonce.Code {
		t.Fatalf("third parked tx: %v, want code %d", err, tx.ErrFutureNonce.Code)
	}
	ready, err := p.Ready(func(tx.Address) (uint64, error) { return 0, nil })
	if err != nil || len(ready) != 0 {
		t.Fatalf("ready %d txs (%v), want none while nonce 0 is missing", len(ready), err)
	}
	mustAdd(t, p, alice.sign(t, 0, 100, 0, 0), acct) // ready: not capped
	mustAdd(t, p, alice.sign(t, 1, 100, 0, 0), acct) // fills the gap
	ready, err = p.Ready(func(tx.Address) (uint64, error) { return 0, nil })
	if err != nil || len(ready) != 4 {
		t.Fatalf("ready %d txs (%v), want 4 after the gap filled", len(ready), err)
	}
	mustAdd(t, p, alice.sign(t, 4, 100, 0, 0), acct) // now the next nonce: accepted
	checkInvariants(t, p)
}
