package poster

import (
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// pureFiles hold the Manager and its helpers: they must not read a clock,
// the network, the disk or randomness, so that the state machine is a
// function of its inputs (the Journal is injected).
var pureFiles = []string{"manager.go", "ranges.go", "journal.go", "source.go"}

var forbidden = []string{"time", "net", "os", "math/rand", "math/rand/v2", "github.com/dgraph-io/badger/v4"}

func TestManagerFilesArePure(t *testing.T) {
	fset := token.NewFileSet()
	for _, name := range pureFiles {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				if path == bad || strings.HasPrefix(path, "net/") {
					t.Errorf("%s imports %q", name, path)
				}
			}
		}
	}
}
