package ordering

import (
	"errors"
	"strconv"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

const testChain = "ordo-test"

// mapReader is an in-memory ledger.Reader.
type mapReader struct {
	accounts map[tx.Address]ledger.Account
	rollups  map[tx.RollupID]ledger.Rollup
	fail     bool
}

var errDisk = errors.New("disk on fire")

func newMapReader() *mapReader {
	return &mapReader{accounts: make(map[tx.Address]ledger.Account), rollups: make(map[tx.RollupID]ledger.Rollup)}
}

func (m *mapReader) Account(a tx.Address) (ledger.Account, error) {
	if m.fail {
		return ledger.Account{}, errDisk
	}
	return m.accounts[a], nil
}

func (m *mapReader) Rollup(id tx.RollupID) (ledger.Rollup, bool, error) {
	if m.fail {
		return ledger.Rollup{}, false, errDisk
	}
	r, ok := m.rollups[id]
	return r, ok, nil
}

func (m *mapReader) addRollup(name string, maxBytes uint64) {
	id := tx.RollupIDFromName(name)
	m.rollups[id] = ledger.Rollup{ID: id, Name: name, MaxBytesPerBlock: maxBytes}
}

type signer struct {
	key  ed25519.PrivKey
	addr tx.Address
}

var signers = func() []signer {
	out := make([]signer, 8)
	for i := range out {
		k := ed25519.GenPrivKeyFromSecret([]byte("ordo ordering test " + strconv.Itoa(i)))
		out[i] = signer{key: k, addr: tx.AddressFromPubKey(k.PubKey().Bytes())}
	}
	return out
}()

func (s signer) sign(tb testing.TB, nonce, fee uint64, actions ...*txv1.Action) *tx.Tx {
	tb.Helper()
	raw, err := tx.Sign(s.key, &txv1.TxBody{ChainId: testChain, Nonce: nonce, Fee: fee, Actions: actions})
	if err != nil {
		tb.Fatal(err)
	}
	t, err := tx.Decode(raw, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func data(name string, n int) *txv1.Action {
	id := tx.RollupIDFromName(name)
	d := make([]byte, n)
	for i := range d {
		d[i] = byte('a' + i%26)
	}
	return &txv1.Action{Kind: &txv1.Action_RollupData{RollupData: &txv1.RollupData{RollupId: id[:], Data: d}}}
}

func bundle(n int, names ...string) *txv1.Action {
	b := &txv1.Bundle{}
	for _, name := range names {
		id := tx.RollupIDFromName(name)
		d := make([]byte, n)
		for i := range d {
			d[i] = 'L'
		}
		b.Legs = append(b.Legs, &txv1.RollupData{RollupId: id[:], Data: d})
	}
	return &txv1.Action{Kind: &txv1.Action_Bundle{Bundle: b}}
}

func register(name string, maxBytes uint64) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_RegisterRollup{RegisterRollup: &txv1.RegisterRollup{Name: name, MaxBytesPerBlock: maxBytes}}}
}

func transfer(to tx.Address, amount uint64) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_Transfer{Transfer: &txv1.Transfer{To: to[:], Amount: amount}}}
}

func hashes(txs []*tx.Tx) []tx.Hash {
	out := make([]tx.Hash, len(txs))
	for i, t := range txs {
		out[i] = t.Hash
	}
	return out
}

func skippedHashes(s []Skipped) []tx.Hash {
	out := make([]tx.Hash, len(s))
	for i, x := range s {
		out[i] = x.Hash
	}
	return out
}
