package tx

import (
	"errors"
	"fmt"
)

// Codespace is the ABCI codespace of every Ordo error code.
const Codespace = "ordo"

// Error is a typed Ordo error: a stable numeric code (the ABCI code returned
// by CheckTx and in tx results) and a short description. Wrap it with
// fmt.Errorf("%w: detail", ErrX) to add detail; CodeOf recovers the code.
type Error struct {
	Code uint32
	Desc string
}

func (e *Error) Error() string { return e.Desc }

// The error codes are part of the public API: never renumber them.
var (
	ErrTooLarge            = &Error{1, "tx too large"}
	ErrDecode              = &Error{2, "tx cannot be decoded"}
	ErrInvalidSignature    = &Error{3, "invalid signature"}
	ErrWrongChainID        = &Error{4, "wrong chain id"}
	ErrStaleNonce          = &Error{5, "stale nonce"}
	ErrFutureNonce         = &Error{6, "nonce too far ahead"}
	ErrUnknownRollup       = &Error{7, "unknown rollup"}
	ErrInsufficientFee     = &Error{8, "insufficient fee"}
	ErrInsufficientBalance = &Error{9, "insufficient balance"}
	ErrInvalidAction       = &Error{10, "invalid action"}
	ErrRollupExists        = &Error{11, "rollup already registered"}
	ErrMempoolFull         = &Error{12, "mempool full"}
	ErrDuplicate           = &Error{13, "tx already in mempool"}
	ErrRollupCapExceeded   = &Error{14, "rollup per-block byte cap exceeded"}
	ErrExpired             = &Error{15, "tx expired in mempool"}
	ErrNonceTaken          = &Error{16, "another tx with this nonce is pending"}
	ErrBlockRule           = &Error{17, "block breaks an ordering rule"}
	ErrInternal            = &Error{99, "internal error"}
)

// AllErrors lists every registered error, in code order (for docs and tests).
var AllErrors = []*Error{
	ErrTooLarge, ErrDecode, ErrInvalidSignature, ErrWrongChainID, ErrStaleNonce,
	ErrFutureNonce, ErrUnknownRollup, ErrInsufficientFee, ErrInsufficientBalance,
	ErrInvalidAction, ErrRollupExists, ErrMempoolFull, ErrDuplicate,
	ErrRollupCapExceeded, ErrExpired, ErrNonceTaken, ErrBlockRule, ErrInternal,
}

// CodeOf returns the Ordo code carried by err: 0 for nil, ErrInternal's code
// for an error that carries none.
func CodeOf(err error) uint32 {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrInternal.Code
}

// Errorf wraps a typed error with a formatted detail message.
func Errorf(kind *Error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}
