package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Code is an item's outcome. Codes are stored in receipts: never renumber
// them.
type Code uint8

// Item outcomes.
const (
	// CodeOK: the op was applied.
	CodeOK Code = 0
	// CodeMalformed: the item's data is not a valid op (see DecodeOp).
	CodeMalformed Code = 1
	// CodeInsufficientBalance: the sender's balance is below the amount.
	CodeInsufficientBalance Code = 2
	// CodeOverflow: the recipient's balance would exceed 2^64-1.
	CodeOverflow Code = 3
	// CodeUnauthorized: a Mint from a sender other than the minter.
	CodeUnauthorized Code = 4
	// CodeAborted: the item is a bundle leg whose bundle Ordo aborted
	// (sdk.VerdictAbort); its op was not applied, nor even decoded.
	CodeAborted Code = 5
)

func (c Code) String() string {
	switch c {
	case CodeOK:
		return "ok"
	case CodeMalformed:
		return "malformed op"
	case CodeInsufficientBalance:
		return "insufficient balance"
	case CodeOverflow:
		return "balance overflow"
	case CodeUnauthorized:
		return "unauthorized"
	case CodeAborted:
		return "aborted: bundle verdict ABORT"
	default:
		return fmt.Sprintf("code %d", uint8(c))
	}
}

// Receipt is the recorded outcome of one item.
type Receipt struct {
	// Height is the Ordo height the item was executed at.
	Height int64
	// Code is CodeOK or why the op failed.
	Code Code
	// Reason is a deterministic human-readable detail; empty when OK.
	Reason string
}

// OK reports whether the op was applied.
func (r Receipt) OK() bool { return r.Code == CodeOK }

func (r Receipt) String() string {
	if r.OK() {
		return fmt.Sprintf("ok at height %d", r.Height)
	}
	return fmt.Sprintf("failed at height %d: %s: %s", r.Height, r.Code, r.Reason)
}

// failure is a deterministic op failure: it becomes a failed receipt, never
// an ExecuteBlock error.
type failure struct {
	code   Code
	reason string
}

func (f *failure) Error() string { return f.code.String() + ": " + f.reason }

func failf(code Code, format string, args ...any) *failure {
	return &failure{code: code, reason: fmt.Sprintf(format, args...)}
}

// encodeReceipt is the stored form: height:be64 || code || reason.
func encodeReceipt(r Receipt) []byte {
	b := make([]byte, 0, 9+len(r.Reason))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Height))
	b = append(b, byte(r.Code))
	return append(b, r.Reason...)
}

func decodeReceipt(b []byte) (Receipt, error) {
	if len(b) < 9 {
		return Receipt{}, errors.New("kv: malformed receipt record")
	}
	return Receipt{
		Height: int64(binary.BigEndian.Uint64(b)),
		Code:   Code(b[8]),
		Reason: string(b[9:]),
	}, nil
}
