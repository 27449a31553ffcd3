package ordering

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// forbiddenImports would let the ordering rules read a clock, the network,
// the disk, randomness or shared mutable state: none may feed a consensus
// decision (see the package doc).
var forbiddenImports = map[string]bool{
	"time":         true,
	"net":          true,
	"os":           true,
	"math/rand":    true,
	"math/rand/v2": true,
	"sync":         true,
}

// lintFile returns the convention violations in one Go source file.
func lintFile(fset *token.FileSet, name string, src any) ([]string, error) {
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			return nil, err
		}
		if forbiddenImports[path] || strings.HasPrefix(path, "net/") {
			problems = append(problems, fset.Position(imp.Pos()).String()+": imports "+strconv.Quote(path))
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "panic" {
			problems = append(problems, fset.Position(call.Pos()).String()+": calls panic")
		}
		return true
	})
	return problems, nil
}

// TestOrderingConventions is "conventions as a test": the non-test files
// of package ordering must stay pure functions that never panic.
func TestOrderingConventions(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := filepath.Glob("*/*.go") // ordering/quorum and any later subpackage
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, sub...)
	sort.Strings(files)
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		problems, err := lintFile(fset, name, src)
		if err != nil {
			t.Fatalf("parsing %s: %v", name, err)
		}
		for _, p := range problems {
			t.Errorf("%s (package ordering must stay pure and panic-free)", p)
		}
		checked++
	}
	if checked < 3 {
		t.Fatalf("checked only %d files: is the test running in the package directory?", checked)
	}
}

// TestLintFileCatchesViolations makes sure the lint above can fail.
func TestLintFileCatchesViolations(t *testing.T) {
	bad := `package ordering

import (
	"fmt"
	"math/rand"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"sync"
	"time"
)

var _ = fmt.Sprint
var _ sync.Mutex

func f() {
	_ = time.Now()
	_ = rand.Int()
	_ = mrand.Int()
	_ = os.Getenv
	_ = http.Get
	if true {
		panic("boom")
	}
	defer func() { panic(1) }()
}
`
	problems, err := lintFile(token.NewFileSet(), "bad.go", bad)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`"math/rand"`, `"math/rand/v2"`, `"net/http"`, `"os"`, `"sync"`, `"time"`, "calls panic", "calls panic"}
	if len(problems) != len(want) {
		t.Fatalf("found %d problems, want %d: %q", len(problems), len(want), problems)
	}
	for i, w := range want {
		if !strings.Contains(problems[i], w) {
			t.Fatalf("problem %d = %q, want it to mention %s", i, problems[i], w)
		}
	}
	good := "package ordering\n\nimport \"sort\"\n\nvar _ = sort.Ints\n\nfunc panicky() {}\n\nfunc g() { panicky() }\n"
	if problems, err := lintFile(token.NewFileSet(), "good.go", good); err != nil || len(problems) != 0 {
		t.Fatalf("clean file flagged: %q %v", problems, err)
	}
}
