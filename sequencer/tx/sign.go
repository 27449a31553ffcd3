package tx

import (
	"github.com/cometbft/cometbft/crypto/ed25519"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
)

// signDomain prefixes the signed bytes so an Ordo tx signature can never be
// mistaken for a signature over anything else.
const signDomain = "ordo.tx.v1\x00"

// SignBytes returns the bytes an Ordo tx signature covers for a given body.
func SignBytes(body []byte) []byte {
	out := make([]byte, 0, len(signDomain)+len(body))
	out = append(out, signDomain...)
	return append(out, body...)
}

// Verify checks the tx's chain id and its ed25519 signature.
func (t *Tx) Verify(chainID string) error {
	if t.ChainID != chainID {
		return Errorf(ErrWrongChainID, "tx is for chain %q, this chain is %q", t.ChainID, chainID)
	}
	if !ed25519.PubKey(t.PubKey).VerifySignature(SignBytes(t.body), t.signature) {
		return Errorf(ErrInvalidSignature, "signature does not match public key %X", t.PubKey)
	}
	return nil
}

// minBatch is the smallest number of signatures VerifyBatch checks with one
// batch equation; below it, one-by-one verification is as fast.
const minBatch = 4

// VerifyBatch checks the chain id and signature of every tx, as Verify does
// for one, and returns one result per tx (nil when valid). The signatures
// are checked together with ed25519 batch verification (curve25519-voi
// through CometBFT's crypto package), which costs about half as much per
// signature as one-by-one checks; when the batch equation fails, each
// signature is checked on its own so a single bad tx cannot reject its
// neighbours. Results are the same as calling Verify on each tx.
func VerifyBatch(chainID string, txs []*Tx) []error {
	errs := make([]error, len(txs))
	var idx []int
	for i, t := range txs {
		if t.ChainID != chainID {
			errs[i] = Errorf(ErrWrongChainID, "tx is for chain %q, this chain is %q", t.ChainID, chainID)
			continue
		}
		idx = append(idx, i)
	}
	if len(idx) < minBatch {
		return verifyEach(chainID, txs, errs, idx)
	}
	bv := ed25519.NewBatchVerifier()
	for _, i := range idx {
		if err := bv.Add(ed25519.PubKey(txs[i].PubKey), SignBytes(txs[i].body), txs[i].signature); err != nil {
			// Decode guarantees key and signature sizes; anything else
			// is checked on its own below.
			return verifyEach(chainID, txs, errs, idx)
		}
	}
	if ok, valid := bv.Verify(); !ok {
		for k, i := range idx {
			if !valid[k] {
				errs[i] = Errorf(ErrInvalidSignature, "signature does not match public key %X", txs[i].PubKey)
			}
		}
	}
	return errs
}

func verifyEach(chainID string, txs []*Tx, errs []error, idx []int) []error {
	for _, i := range idx {
		errs[i] = txs[i].Verify(chainID)
	}
	return errs
}

// Sign builds and signs a tx envelope. It returns the raw bytes to submit.
func Sign(key ed25519.PrivKey, body *txv1.TxBody) ([]byte, error) {
	bodyBytes, err := body.Marshal()
	if err != nil {
		return nil, err
	}
	sig, err := key.Sign(SignBytes(bodyBytes))
	if err != nil {
		return nil, err
	}
	env := txv1.Tx{Body: bodyBytes, PublicKey: key.PubKey().Bytes(), Signature: sig}
	return env.Marshal()
}
