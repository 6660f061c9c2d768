// Package apimodel checks a request's parameters against the constraints
// of AWS's API models, and words what fails as AWS's front ends do:
//
//	2 validation errors detected: Value 'a b' at 'userName' failed to
//	satisfy constraint: Member must satisfy regular expression pattern:
//	[\w+=,.@-]+; Value null at 'policyArn' failed to satisfy constraint:
//	Member must not be null
//
// The constraints (types, required members, length and value bounds,
// patterns, enums, sensitivity) are extracted from botocore's models by
// gen.go into constraints.json, which is embedded. Patterns are Java
// regular expressions; the few RE2 cannot express (lookaheads) are not
// checked here and are left to the services.
//
// Members are visited in the model's order; for each value its pattern
// comes first, then its length or value bounds, then its enum (as most of
// AWS's answers quoted in public reports have it: "Value 'Aaaa' at
// 'userCode' … pattern: [0-9]+; Value 'Aaaa' at 'userCode' … length
// greater than or equal to 6"). Sensitive
// members (passwords, tokens, usernames in Cognito) are named without
// their value ("Value at 'password' …"), so no secret reaches a message.
package apimodel

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
)

//go:embed constraints.json
var constraintsJSON []byte

type shape struct {
	T   string   `json:"t"`
	Min *float64 `json:"min"`
	Max *float64 `json:"max"`
	P   string   `json:"p"`
	E   []string `json:"e"`
	S   bool     `json:"s"`
	M   []member `json:"m"`
	L   *int     `json:"l"`
	K   *int     `json:"k"`
	V   *int     `json:"v"`

	re     *regexp.Regexp
	reOnce sync.Once
}

type member struct {
	N string `json:"n"`
	S int    `json:"s"`
	R bool   `json:"r"`
}

type service struct {
	Ops    map[string]int `json:"ops"`
	Shapes []*shape       `json:"shapes"`
}

var (
	loadOnce sync.Once
	services map[string]*service
)

func load() map[string]*service {
	loadOnce.Do(func() {
		if err := json.Unmarshal(constraintsJSON, &services); err != nil {
			panic("apimodel: constraints.json: " + err.Error())
		}
	})
	return services
}

// Known reports whether the model of service has operation op.
func Known(svc, op string) bool {
	s := load()[svc]
	if s == nil {
		return false
	}
	_, ok := s.Ops[op]
	return ok
}

var javaEscape = regexp.MustCompile(`\\u([0-9a-fA-F]{4})`)

// regexp compiles the shape's Java pattern as a whole-value RE2 match,
// or nil when RE2 cannot express it.
func (sh *shape) regexp() *regexp.Regexp {
	sh.reOnce.Do(func() {
		if sh.P == "" {
			return
		}
		p := javaEscape.ReplaceAllString(sh.P, `\x{$1}`)
		if re, err := regexp.Compile(`^(?:` + p + `)$`); err == nil {
			sh.re = re
		}
	})
	return sh.re
}

// A checker collects violations.
type checker struct {
	svc  *service
	errs []string
}

func (c *checker) fail(value string, shown bool, path, constraint string) {
	v := "Value"
	switch {
	case !shown:
	case value == "\x00null":
		v = "Value null"
	default:
		v = "Value '" + value + "'"
	}
	c.errs = append(c.errs, fmt.Sprintf("%s at '%s' failed to satisfy constraint: %s", v, path, constraint))
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// length checks a length (of a string in UTF-16 units, or a collection).
func (c *checker) length(sh *shape, n int, value string, shown bool, path string) {
	if sh.Min != nil && float64(n) < *sh.Min {
		c.fail(value, shown, path, "Member must have length greater than or equal to "+num(*sh.Min))
	}
	if sh.Max != nil && float64(n) > *sh.Max {
		c.fail(value, shown, path, "Member must have length less than or equal to "+num(*sh.Max))
	}
}

func (c *checker) str(sh *shape, s string, path string) {
	shown := !sh.S
	if re := sh.regexp(); re != nil && !re.MatchString(s) {
		c.fail(s, shown, path, "Member must satisfy regular expression pattern: "+sh.P)
	}
	c.length(sh, len(utf16.Encode([]rune(s))), s, shown, path)
	if len(sh.E) > 0 {
		ok := false
		for _, e := range sh.E {
			ok = ok || e == s
		}
		if !ok {
			c.fail(s, shown, path, "Member must satisfy enum value set: ["+strings.Join(sh.E, ", ")+"]")
		}
	}
}

func (c *checker) number(sh *shape, text string, path string) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) {
		return // the decoder words a non-number
	}
	if sh.Min != nil && f < *sh.Min {
		c.fail(text, !sh.S, path, "Member must have value greater than or equal to "+num(*sh.Min))
	}
	if sh.Max != nil && f > *sh.Max {
		c.fail(text, !sh.S, path, "Member must have value less than or equal to "+num(*sh.Max))
	}
}

func isNumber(t string) bool {
	return t == "integer" || t == "long" || t == "double" || t == "float"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func join(path, name string) string {
	if path == "" {
		return lowerFirst(name)
	}
	return path + "." + lowerFirst(name)
}

// Message words violations as AWS does; "" when there are none.
func Message(errs []string) string {
	switch len(errs) {
	case 0:
		return ""
	case 1:
		return "1 validation error detected: " + errs[0]
	}
	return fmt.Sprintf("%d validation errors detected: %s", len(errs), strings.Join(errs, "; "))
}

// CheckJSON checks a JSON 1.1 request body of svc's operation op and
// returns its violations. A body that is not a JSON object is left to the
// decoder.
func CheckJSON(svc, op string, body []byte) []string {
	s := load()[svc]
	if s == nil {
		return nil
	}
	in, ok := s.Ops[op]
	if !ok {
		return nil
	}
	var v any
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.UseNumber()
	if len(strings.TrimSpace(string(body))) == 0 {
		v = map[string]any{}
	} else if err := d.Decode(&v); err != nil {
		return nil
	}
	if _, ok := v.(map[string]any); !ok {
		return nil
	}
	c := &checker{svc: s}
	c.jsonValue(in, v, "")
	return c.errs
}

func (c *checker) jsonValue(i int, v any, path string) {
	sh := c.svc.Shapes[i]
	switch sh.T {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		for _, m := range sh.M {
			mv, present := obj[m.N]
			p := join(path, m.N)
			if !present || mv == nil {
				if m.R {
					c.fail("\x00null", true, p, "Member must not be null")
				}
				continue
			}
			c.jsonValue(m.S, mv, p)
		}
	case "string":
		if s, ok := v.(string); ok {
			c.str(sh, s, path)
		}
	case "list":
		l, ok := v.([]any)
		if !ok {
			return
		}
		c.length(sh, len(l), listText(l), !sh.S && scalars(l), path)
		if sh.L != nil {
			if c.svc.Shapes[*sh.L].T != "structure" {
				c.scalarList(*sh.L, l, path, !sh.S && scalars(l), func(sub *checker, i int) { sub.jsonValue(*sh.L, l[i], path) })
				return
			}
			for n, e := range l {
				if e != nil {
					c.jsonValue(*sh.L, e, fmt.Sprintf("%s.%d.member", path, n+1))
				}
			}
		}
	case "map":
		if m, ok := v.(map[string]any); ok {
			c.length(sh, len(m), "", false, path)
		}
	default:
		if n, ok := v.(json.Number); ok && isNumber(sh.T) {
			c.number(sh, n.String(), path)
		}
	}
}

func scalars(l []any) bool {
	for _, e := range l {
		switch e.(type) {
		case string, json.Number, bool:
		default:
			return false
		}
	}
	return true
}

// listText is a list as Java prints it: [a, b].
func listText(l []any) string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = fmt.Sprint(e)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// CheckQuery checks a query-protocol request's form (IAM, STS) of svc's
// operation op and returns its violations.
func CheckQuery(svc, op string, form url.Values) []string {
	s := load()[svc]
	if s == nil {
		return nil
	}
	in, ok := s.Ops[op]
	if !ok {
		return nil
	}
	c := &checker{svc: s}
	c.queryValue(in, form, "", "")
	return c.errs
}

// hasPrefix reports whether form has key or any key under key + ".".
func hasPrefix(form url.Values, key string) bool {
	if _, ok := form[key]; ok {
		return true
	}
	for k := range form {
		if strings.HasPrefix(k, key+".") {
			return true
		}
	}
	return false
}

func (c *checker) queryValue(i int, form url.Values, key, path string) {
	sh := c.svc.Shapes[i]
	switch sh.T {
	case "structure":
		for _, m := range sh.M {
			k := m.N
			if key != "" {
				k = key + "." + m.N
			}
			p := join(path, m.N)
			ms := c.svc.Shapes[m.S]
			present := hasPrefix(form, k)
			if ms.T == "list" {
				// An empty list is sent as "Name=" and is present.
				present = present || form.Has(k)
			}
			if !present {
				if m.R {
					c.fail("\x00null", true, p, "Member must not be null")
				}
				continue
			}
			c.queryValue(m.S, form, k, p)
		}
	case "string":
		if v, ok := form[key]; ok {
			c.str(sh, v[0], path)
		}
	case "list":
		var n int
		var items []any
		for n = 1; hasPrefix(form, fmt.Sprintf("%s.member.%d", key, n)); n++ {
			if v, ok := form[fmt.Sprintf("%s.member.%d", key, n)]; ok {
				items = append(items, v[0])
			} else {
				items = append(items, struct{}{})
			}
		}
		c.length(sh, len(items), listText(items), !sh.S && scalars(items), path)
		if sh.L != nil {
			if c.svc.Shapes[*sh.L].T != "structure" {
				c.scalarList(*sh.L, items, path, !sh.S && scalars(items), func(sub *checker, j int) {
					sub.queryValue(*sh.L, form, fmt.Sprintf("%s.member.%d", key, j+1), path)
				})
				return
			}
			for j := range items {
				c.queryValue(*sh.L, form, fmt.Sprintf("%s.member.%d", key, j+1), fmt.Sprintf("%s.%d.member", path, j+1))
			}
		}
	case "map":
		n := 0
		for hasPrefix(form, fmt.Sprintf("%s.entry.%d", key, n+1)) {
			n++
		}
		c.length(sh, n, "", false, path)
	default:
		if v, ok := form[key]; ok && isNumber(sh.T) {
			c.number(sh, v[0], path)
		}
	}
}

// scalarList checks a list of scalars as AWS reports them: once per
// failed constraint, at the list, with the list as the value —
// "Value '[a, b]' at 'flows' failed to satisfy constraint: Member must
// satisfy constraint: [Member must satisfy enum value set: [x, y]]".
func (c *checker) scalarList(elem int, items []any, path string, shown bool, check func(sub *checker, i int)) {
	seen := map[string]bool{}
	for i := range items {
		sub := &checker{svc: c.svc}
		check(sub, i)
		for _, e := range sub.errs {
			_, constraint, ok := strings.Cut(e, "failed to satisfy constraint: ")
			if !ok || seen[constraint] {
				continue
			}
			seen[constraint] = true
			c.fail(listText(items), shown, path, "Member must satisfy constraint: ["+constraint+"]")
		}
	}
}
