package ledger

import (
	"errors"
	"strconv"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
	"github.com/ordolabs/ordo/sequencer/tx"
)

const testChain = "ordo-test"

var testParams = Params{
	ChainID:               testChain,
	BaseFee:               10,
	FeePerByte:            1,
	MaxTxBytes:            4096,
	MaxBlockTxBytes:       1 << 20,
	DefaultRollupMaxBytes: 1000,
}

// mapReader is an in-memory Reader. failAccounts/failRollups make reads
// fail, to exercise the internal-error paths.
type mapReader struct {
	accounts     map[tx.Address]Account
	rollups      map[tx.RollupID]Rollup
	failAccounts map[tx.Address]bool
	failRollups  bool
}

var errDisk = errors.New("disk on fire")

func newMapReader() *mapReader {
	return &mapReader{
		accounts:     make(map[tx.Address]Account),
		rollups:      make(map[tx.RollupID]Rollup),
		failAccounts: make(map[tx.Address]bool),
	}
}

func (m *mapReader) Account(a tx.Address) (Account, error) {
	if m.failAccounts[a] {
		return Account{}, errDisk
	}
	return m.accounts[a], nil
}

func (m *mapReader) Rollup(id tx.RollupID) (Rollup, bool, error) {
	if m.failRollups {
		return Rollup{}, false, errDisk
	}
	r, ok := m.rollups[id]
	return r, ok, nil
}

func (m *mapReader) addRollup(name string, owner tx.Address, maxBytes uint64) tx.RollupID {
	id := tx.RollupIDFromName(name)
	m.rollups[id] = Rollup{ID: id, Name: name, Owner: owner, MaxBytesPerBlock: maxBytes}
	return id
}

type signer struct {
	key  ed25519.PrivKey
	addr tx.Address
}

func newSigner(i int) signer {
	k := ed25519.GenPrivKeyFromSecret([]byte("ordo ledger test " + strconv.Itoa(i)))
	return signer{key: k, addr: tx.AddressFromPubKey(k.PubKey().Bytes())}
}

// sign builds a decoded tx; it fails the test if the tx is malformed.
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
	if err := t.Verify(testChain); err != nil {
		tb.Fatal(err)
	}
	return t
}

func data(name, d string) *txv1.Action {
	id := tx.RollupIDFromName(name)
	return &txv1.Action{Kind: &txv1.Action_RollupData{RollupData: &txv1.RollupData{RollupId: id[:], Data: []byte(d)}}}
}

func bundle(names ...string) *txv1.Action {
	b := &txv1.Bundle{}
	for _, n := range names {
		id := tx.RollupIDFromName(n)
		b.Legs = append(b.Legs, &txv1.RollupData{RollupId: id[:], Data: []byte("leg-" + n)})
	}
	return &txv1.Action{Kind: &txv1.Action_Bundle{Bundle: b}}
}

func register(name string, maxBytes uint64) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_RegisterRollup{RegisterRollup: &txv1.RegisterRollup{Name: name, MaxBytesPerBlock: maxBytes}}}
}

func transfer(to tx.Address, amount uint64) *txv1.Action {
	return &txv1.Action{Kind: &txv1.Action_Transfer{Transfer: &txv1.Transfer{To: to[:], Amount: amount}}}
}
