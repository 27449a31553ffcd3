package tx_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// TestErrorCodesDocumented keeps docs/errors.md complete: every code must
// have a row "| code | name |", and codes must be unique.
func TestErrorCodesDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/errors.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	seen := make(map[uint32]bool)
	for _, e := range tx.AllErrors {
		if seen[e.Code] {
			t.Errorf("code %d is used twice", e.Code)
		}
		seen[e.Code] = true
		row := fmt.Sprintf("| %d | %s |", e.Code, e.Desc)
		if !strings.Contains(doc, row) {
			t.Errorf("docs/errors.md has no row %q", row)
		}
	}
}
