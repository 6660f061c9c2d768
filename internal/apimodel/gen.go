//go:build ignore

// gen extracts the input constraints of the services sekisho answers
// from botocore's API models into constraints.json:
//
//	go run gen.go -botocore $(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')
//
// Only what validation needs is kept: each operation's input shape, and
// for every shape reachable from one its type, length or value bounds,
// pattern, enum, sensitivity, and members in the model's order.
package main

import (
	"compress/gzip"
	"encoding/json"
	"flag"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
)

type modelShape struct {
	Type      string   `json:"type"`
	Min       *float64 `json:"min"`
	Max       *float64 `json:"max"`
	Pattern   string   `json:"pattern"`
	Enum      []string `json:"enum"`
	Sensitive bool     `json:"sensitive"`
	Required  []string `json:"required"`
	Members   orderedMembers
	Member    *struct{ Shape string } `json:"member"`
	Key       *struct{ Shape string } `json:"key"`
	Value     *struct{ Shape string } `json:"value"`
}

// orderedMembers keeps the model's member order.
type orderedMembers []struct {
	Name  string
	Shape string
}

func (m *orderedMembers) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytesReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return err
		}
		var v struct{ Shape string }
		if err := dec.Decode(&v); err != nil {
			return err
		}
		*m = append(*m, struct{ Name, Shape string }{k.(string), v.Shape})
	}
	return nil
}

type model struct {
	Metadata   struct{ Protocol string }
	Operations map[string]struct {
		Input *struct{ Shape string }
	}
	Shapes map[string]*modelShape `json:"shapes"`
}

// Out is constraints.json's form (see apimodel.go).
type outShape struct {
	T   string      `json:"t"`
	Min *float64    `json:"min,omitempty"`
	Max *float64    `json:"max,omitempty"`
	P   string      `json:"p,omitempty"`
	E   []string    `json:"e,omitempty"`
	S   bool        `json:"s,omitempty"`
	M   []outMember `json:"m,omitempty"`
	L   *int        `json:"l,omitempty"`
	K   *int        `json:"k,omitempty"`
	V   *int        `json:"v,omitempty"`
}

type outMember struct {
	N string `json:"n"`
	S int    `json:"s"`
	R bool   `json:"r,omitempty"`
}

type outService struct {
	Ops    map[string]int `json:"ops"`
	Shapes []outShape     `json:"shapes"`
}

func main() {
	dir := flag.String("botocore", "", "botocore's package directory")
	flag.Parse()
	out := map[string]outService{}
	for _, svc := range []string{"iam", "sts", "cognito-idp", "cognito-identity"} {
		out[svc] = extract(load(*dir, svc))
	}
	b, err := json.Marshal(out)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("constraints.json", append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

func load(dir, svc string) *model {
	vers, _ := filepath.Glob(filepath.Join(dir, "data", svc, "*", "service-2.json*"))
	if len(vers) == 0 {
		log.Fatalf("no model for %s under %s", svc, dir)
	}
	sort.Strings(vers)
	f, err := os.Open(vers[len(vers)-1])
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if filepath.Ext(f.Name()) == ".gz" {
		if r, err = gzip.NewReader(f); err != nil {
			log.Fatal(err)
		}
	}
	var m model
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		log.Fatal(err)
	}
	return &m
}

func extract(m *model) outService {
	s := outService{Ops: map[string]int{}}
	index := map[string]int{}
	var add func(name string) int
	add = func(name string) int {
		if i, ok := index[name]; ok {
			return i
		}
		sh := m.Shapes[name]
		i := len(s.Shapes)
		index[name] = i
		s.Shapes = append(s.Shapes, outShape{})
		o := outShape{T: sh.Type, Min: sh.Min, Max: sh.Max, P: sh.Pattern, E: sh.Enum, S: sh.Sensitive}
		req := map[string]bool{}
		for _, r := range sh.Required {
			req[r] = true
		}
		for _, mem := range sh.Members {
			o.M = append(o.M, outMember{N: mem.Name, S: add(mem.Shape), R: req[mem.Name]})
		}
		if sh.Member != nil {
			l := add(sh.Member.Shape)
			o.L = &l
		}
		if sh.Key != nil {
			k := add(sh.Key.Shape)
			o.K = &k
		}
		if sh.Value != nil {
			v := add(sh.Value.Shape)
			o.V = &v
		}
		s.Shapes[i] = o
		return i
	}
	names := make([]string, 0, len(m.Operations))
	for n := range m.Operations {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if in := m.Operations[n].Input; in != nil {
			s.Ops[n] = add(in.Shape)
		}
	}
	return s
}

func bytesReader(b []byte) io.Reader { return &sliceReader{b} }

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
