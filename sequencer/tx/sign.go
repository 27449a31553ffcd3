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
