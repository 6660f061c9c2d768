package app

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/sekisho/sekisho/"

// TestLayering keeps the architecture honest: services know nothing of
// HTTP (sts only fetches OIDC providers' keys as a client), the policy
// engine imports nothing of ours, and every package says what it is.
func TestLayering(t *testing.T) {
	noHTTP := []string{"account", "auth", "blob", "checksum", "iam", "idpool", "policy", "s3", "seal", "srp", "store", "store/bolt", "userpool"}
	root := filepath.Join("..", "..")
	imports := func(dir string) (map[string]bool, bool) {
		fset := token.NewFileSet()
		out, doc := map[string]bool{}, false
		files, _ := filepath.Glob(filepath.Join(root, dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			doc = doc || af.Doc != nil && strings.HasPrefix(af.Doc.Text(), "Package "+af.Name.Name+" ") || af.Doc != nil && af.Name.Name == "main"
			for _, im := range af.Imports {
				p, _ := strconv.Unquote(im.Path.Value)
				out[p] = true
			}
		}
		return out, doc
	}
	for _, pkg := range noHTTP {
		ims, _ := imports(filepath.Join("internal", pkg))
		for p := range ims {
			if p == "net/http" || strings.HasPrefix(p, "net/http/") {
				t.Errorf("internal/%s imports %s: services know nothing of HTTP", pkg, p)
			}
		}
	}
	ims, _ := imports(filepath.Join("internal", "policy"))
	for p := range ims {
		if strings.HasPrefix(p, module) {
			t.Errorf("internal/policy imports %s: the policy engine is pure", p)
		}
	}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "node_modules" || d.Name() == "testdata" || rel == "e2e" {
			if rel != "." {
				return filepath.SkipDir
			}
		}
		files, _ := filepath.Glob(filepath.Join(p, "*.go"))
		code := false
		for _, f := range files {
			code = code || !strings.HasSuffix(f, "_test.go")
		}
		if !code {
			return nil
		}
		if _, doc := imports(rel); !doc {
			t.Errorf("%s has no package doc comment", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
