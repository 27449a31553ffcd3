package tx

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"unicode/utf8"

	txv1 "github.com/ordolabs/ordo/proto/ordo/tx/v1"
)

// Structural limits enforced by Decode, independent of chain parameters.
const (
	PubKeySize      = 32
	SignatureSize   = 64
	MaxActions      = 64
	MaxBundleLegs   = 16
	MaxRollupName   = 64
	MaxChainIDBytes = 64
)

// Decode parses raw envelope bytes into a structurally valid Tx. It checks
// size (against maxBytes), protobuf well-formedness, key and signature
// lengths, and every action's shape. It does not check the signature or the
// chain id (see Verify) nor anything that depends on state. Decode never
// panics, whatever the input.
func Decode(raw []byte, maxBytes int) (*Tx, error) {
	if len(raw) == 0 || maxBytes > 0 && len(raw) > maxBytes {
		return DecodeHashed(raw, Hash{}, maxBytes) // refused before hashing
	}
	return DecodeHashed(raw, sha256.Sum256(raw), maxBytes)
}

// DecodeHashed is Decode for a caller that already computed the tx's hash
// (h must be HashOf(raw)), so hot paths that look a tx up by hash before
// decoding it hash its bytes once.
func DecodeHashed(raw []byte, h Hash, maxBytes int) (*Tx, error) {
	if len(raw) == 0 {
		return nil, Errorf(ErrDecode, "empty tx")
	}
	if maxBytes > 0 && len(raw) > maxBytes {
		return nil, Errorf(ErrTooLarge, "%d bytes, limit %d", len(raw), maxBytes)
	}
	var env txv1.Tx
	if err := env.Unmarshal(raw); err != nil {
		return nil, Errorf(ErrDecode, "envelope: %v", err)
	}
	if len(env.PublicKey) != PubKeySize {
		return nil, Errorf(ErrDecode, "public key is %d bytes, want %d", len(env.PublicKey), PubKeySize)
	}
	if len(env.Signature) != SignatureSize {
		return nil, Errorf(ErrDecode, "signature is %d bytes, want %d", len(env.Signature), SignatureSize)
	}
	var body txv1.TxBody
	if err := body.Unmarshal(env.Body); err != nil {
		return nil, Errorf(ErrDecode, "body: %v", err)
	}
	// Only the canonical encoding is valid: the decoder skips unknown and
	// repeated fields, so without this check anyone could re-encode a
	// signed tx (same signature, new hash) and split validators' views of
	// it — which would keep it from ever being reported by enough of them.
	if err := requireCanonical(raw, &env, env.Body, &body); err != nil {
		return nil, err
	}
	if len(body.ChainId) == 0 || len(body.ChainId) > MaxChainIDBytes {
		return nil, Errorf(ErrWrongChainID, "chain id must be 1-%d bytes", MaxChainIDBytes)
	}
	actions, err := decodeActions(body.Actions)
	if err != nil {
		return nil, err
	}
	t := &Tx{
		Raw:       raw,
		Hash:      h,
		PubKey:    env.PublicKey,
		Sender:    AddressFromPubKey(env.PublicKey),
		ChainID:   body.ChainId,
		Nonce:     body.Nonce,
		Fee:       body.Fee,
		Actions:   actions,
		body:      env.Body,
		signature: env.Signature,
	}
	if _, ok := t.Spend(); !ok {
		return nil, Errorf(ErrInvalidAction, "fee plus transfer amounts overflow")
	}
	return t, nil
}

func decodeActions(raw []*txv1.Action) ([]Action, error) {
	if len(raw) == 0 {
		return nil, Errorf(ErrInvalidAction, "tx has no actions")
	}
	if len(raw) > MaxActions {
		return nil, Errorf(ErrInvalidAction, "tx has %d actions, limit %d", len(raw), MaxActions)
	}
	out := make([]Action, 0, len(raw))
	bundles := 0
	for i, a := range raw {
		act, err := decodeAction(a)
		if err != nil {
			return nil, Errorf(ErrInvalidAction, "action %d: %v", i, err)
		}
		if _, ok := act.(*Bundle); ok {
			// One bundle per tx: the tx hash is the bundle id, and the
			// verdict on it covers one leg per rollup.
			if bundles++; bundles > 1 {
				return nil, Errorf(ErrInvalidAction, "action %d: a tx carries at most one bundle", i)
			}
		}
		out = append(out, act)
	}
	return out, nil
}

type detail string

func (d detail) Error() string { return string(d) }

func decodeAction(a *txv1.Action) (Action, error) {
	if a == nil {
		return nil, detail("empty action")
	}
	switch k := a.Kind.(type) {
	case *txv1.Action_RollupData:
		rd, err := decodeRollupData(k.RollupData)
		if err != nil {
			return nil, err
		}
		return &rd, nil
	case *txv1.Action_Bundle:
		return decodeBundle(k.Bundle)
	case *txv1.Action_RegisterRollup:
		r := k.RegisterRollup
		if r == nil {
			return nil, detail("empty register_rollup")
		}
		if err := ValidateRollupName(r.Name); err != nil {
			return nil, err
		}
		if err := ValidateExecutor(r.Atomic, r.Executor, r.ExecutorGenesis); err != nil {
			return nil, err
		}
		return &RegisterRollup{Name: r.Name, MaxBytesPerBlock: r.MaxBytesPerBlock,
			Atomic: r.Atomic, Executor: r.Executor, ExecutorGenesis: r.ExecutorGenesis}, nil
	case *txv1.Action_Transfer:
		t := k.Transfer
		if t == nil {
			return nil, detail("empty transfer")
		}
		if len(t.To) != 20 {
			return nil, detail("transfer recipient must be a 20-byte address")
		}
		if t.Amount == 0 {
			return nil, detail("transfer amount must be positive")
		}
		var to Address
		copy(to[:], t.To)
		return &Transfer{To: to, Amount: t.Amount}, nil
	default:
		return nil, detail("action has no kind set")
	}
}

func decodeRollupData(r *txv1.RollupData) (RollupData, error) {
	if r == nil {
		return RollupData{}, detail("empty rollup_data")
	}
	if len(r.RollupId) != 32 {
		return RollupData{}, detail("rollup id must be 32 bytes")
	}
	if len(r.Data) == 0 {
		return RollupData{}, detail("rollup data is empty")
	}
	var id RollupID
	copy(id[:], r.RollupId)
	return RollupData{Rollup: id, Data: r.Data}, nil
}

func decodeBundle(b *txv1.Bundle) (*Bundle, error) {
	if b == nil {
		return nil, detail("empty bundle")
	}
	if len(b.Legs) < 2 {
		return nil, detail("bundle needs legs for at least 2 rollups")
	}
	if len(b.Legs) > MaxBundleLegs {
		return nil, detail("bundle has too many legs")
	}
	legs := make([]RollupData, 0, len(b.Legs))
	for i, l := range b.Legs {
		rd, err := decodeRollupData(l)
		if err != nil {
			return nil, detail("leg " + itoa(i) + ": " + err.Error())
		}
		for _, prev := range legs {
			if prev.Rollup == rd.Rollup {
				return nil, detail("bundle has two legs for rollup " + rd.Rollup.String())
			}
		}
		legs = append(legs, rd)
	}
	return &Bundle{Legs: legs}, nil
}

// ValidateRollupName checks a rollup name: 1-64 characters of [a-z0-9-],
// not starting or ending with '-'.
func ValidateRollupName(name string) error {
	if name == "" || len(name) > MaxRollupName || !utf8.ValidString(name) {
		return detail("rollup name must be 1-64 characters")
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return detail("rollup name may hold only a-z, 0-9 and '-'")
		}
	}
	if name[0] == '-' || name[len(name)-1] == '-' {
		return detail("rollup name may not start or end with '-'")
	}
	return nil
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

type marshaler interface{ Marshal() ([]byte, error) }

func requireCanonical(raw []byte, env marshaler, bodyRaw []byte, body marshaler) error {
	if canon, err := env.Marshal(); err != nil || !bytes.Equal(canon, raw) {
		return Errorf(ErrDecode, "envelope is not canonically encoded (unknown, repeated or out-of-order fields)")
	}
	if canon, err := body.Marshal(); err != nil || !bytes.Equal(canon, bodyRaw) {
		return Errorf(ErrDecode, "body is not canonically encoded (unknown, repeated or out-of-order fields)")
	}
	return nil
}

// MaxExecutorKindLen bounds an executor kind's name.
const MaxExecutorKindLen = 32

// ValidateExecutor checks the form of a registration's executor fields: an
// atomic rollup names a kind of 1-32 characters of [a-z0-9-]; a rollup
// that is not atomic has neither kind nor genesis.
func ValidateExecutor(atomic bool, kind string, genesis []byte) error {
	if !atomic {
		if kind != "" || len(genesis) != 0 {
			return detail("register_rollup: executor and executor_genesis are only for atomic rollups")
		}
		return nil
	}
	if kind == "" || len(kind) > MaxExecutorKindLen {
		return detail(fmt.Sprintf("register_rollup: an atomic rollup needs an executor kind of 1-%d characters", MaxExecutorKindLen))
	}
	for _, c := range kind {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return detail(fmt.Sprintf("register_rollup: executor kind %q: only [a-z0-9-] allowed", kind))
		}
	}
	return nil
}
