// Package policy parses, validates and evaluates IAM policy documents as
// AWS documents them ("Policy evaluation logic", "IAM JSON policy elements
// reference"). It is pure: no I/O, no clocks (the request carries the
// time), no globals that change.
//
// A Document is compiled once (Parse) and evaluated many times
// (Document.Evaluate) against a Request: the action, the resource, the
// principal and the condition keys of one API call. Authorize combines the
// documents that apply to a call — identity, resource and session
// policies — the way AWS does: an explicit Deny anywhere wins, then an
// Allow where one is needed, else the implicit deny.
package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Kind is the kind of document being parsed, which decides the rules for
// Principal.
type Kind int

const (
	// Identity policies (attached to users and roles, session policies)
	// must not name a Principal.
	Identity Kind = iota
	// Resource policies (bucket policies) must name one.
	Resource
	// Trust policies (a role's assume-role policy) must name one.
	Trust
)

// Versions accepted in the Version element.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Error is a validation failure, worded for a MalformedPolicyDocument
// response.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) error { return &Error{fmt.Sprintf(format, args...)} }

// Document is a parsed policy.
type Document struct {
	Version    string
	ID         string
	Statements []*Statement
	// variables is false for Version 2008-10-17, where ${…} is literal.
	variables bool
	// keys are the condition keys and variables the document refers to,
	// in lower case.
	keys []string
}

// Uses reports whether the document refers to a condition key or policy
// variable starting with prefix (case-insensitive), so that callers can
// skip computing keys no policy reads.
func (d *Document) Uses(prefix string) bool {
	prefix = strings.ToLower(prefix)
	for _, k := range d.keys {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// Statement is one statement of a document.
type Statement struct {
	Sid    string
	Effect Effect
	// Principal / NotPrincipal: by type ("AWS", "Service", "Federated",
	// "CanonicalUser"), the listed values; "*" alone is stored as AWS:["*"]
	// with Any set.
	Principal, NotPrincipal *Principals
	Action, NotAction       []pattern
	Resource, NotResource   []pattern
	Conditions              []*Condition
	// Index is the statement's position in its document (for logs).
	Index int
	// Start and End are where the statement's text begins and ends (the
	// simulator's MatchedStatements positions).
	Start, End Position
}

// Effect is Allow or Deny.
type Effect bool

// The two effects.
const (
	Deny  Effect = false
	Allow Effect = true
)

func (e Effect) String() string {
	if e == Allow {
		return "Allow"
	}
	return "Deny"
}

// Principals is a Principal or NotPrincipal element.
type Principals struct {
	Any    bool // "*"
	ByType map[string][]string
}

// Parse parses and validates a policy document of the given kind.
func Parse(doc []byte, kind Kind) (*Document, error) {
	doc = bytes.TrimSpace(doc)
	if len(doc) == 0 || doc[0] != '{' {
		return nil, errorf("Syntax errors in policy: the document must be a JSON object.")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, errorf("This policy contains invalid Json: %v", jsonErr(err))
	}
	d := &Document{Version: Version2008}
	for k, v := range raw {
		switch k {
		case "Version":
			if err := json.Unmarshal(v, &d.Version); err != nil {
				return nil, errorf("The Version element must be a string.")
			}
		case "Id":
			if err := json.Unmarshal(v, &d.ID); err != nil {
				return nil, errorf("The Id element must be a string.")
			}
		case "Statement":
		default:
			return nil, errorf("Syntax errors in policy: unknown element %q at the top level.", k)
		}
	}
	switch d.Version {
	case Version2012:
		d.variables = true
	case Version2008:
	default:
		return nil, errorf("The policy has an invalid Version %q; use %q.", d.Version, Version2012)
	}
	stmts, ok := raw["Statement"]
	if !ok {
		return nil, errorf("Missing required field Statement.")
	}
	var list []json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(stmts), []byte("[")) {
		if err := json.Unmarshal(stmts, &list); err != nil {
			return nil, errorf("The Statement element must be an object or an array of objects.")
		}
	} else {
		list = []json.RawMessage{stmts}
	}
	if len(list) == 0 {
		return nil, errorf("Missing required field Statement.")
	}
	sids := map[string]bool{}
	spans := statementSpans(doc)
	for i, s := range list {
		st, err := parseStatement(s, kind, i, kind != Resource)
		if err != nil {
			return nil, err
		}
		if st.Sid != "" {
			if sids[st.Sid] && kind != Resource {
				return nil, errorf("Statement IDs (SID) in a single policy must be unique: %q appears twice.", st.Sid)
			}
			sids[st.Sid] = true
		}
		if i < len(spans) {
			st.Start, st.End = spans[i][0], spans[i][1]
		}
		if !d.variables {
			st.literalize()
		}
		d.Statements = append(d.Statements, st)
		d.keys = append(d.keys, st.keyRefs()...)
	}
	return d, nil
}

// keyRefs lists the condition keys and variables a statement reads.
func (s *Statement) keyRefs() []string {
	var out []string
	for _, c := range s.Conditions {
		out = append(out, c.key)
	}
	for _, list := range [][]pattern{s.Resource, s.NotResource} {
		for _, p := range list {
			out = append(out, p.varKeys()...)
		}
	}
	for _, c := range s.Conditions {
		for _, p := range c.values {
			out = append(out, p.varKeys()...)
		}
	}
	return out
}

// literalize makes ${…} literal text, as in Version 2008-10-17 documents.
func (s *Statement) literalize() {
	for _, list := range [][]pattern{s.Resource, s.NotResource} {
		for i := range list {
			list[i].literalize()
		}
	}
	for _, c := range s.Conditions {
		for i := range c.values {
			c.values[i].literalize()
		}
	}
}

func jsonErr(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	return err.Error()
}

// stringOrList decodes a JSON string or array of strings.
func stringOrList(v json.RawMessage, elem string) ([]string, error) {
	var one string
	if err := json.Unmarshal(v, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(v, &many); err != nil {
		return nil, errorf("The %s element must be a string or an array of strings.", elem)
	}
	return many, nil
}

// parseStatement reads one statement. lenient is for IAM's documents
// (identity, session and trust policies), which IAM's own checks (iam's
// checkDocument, in AWS's order and words) have already passed: what AWS
// accepts there is accepted here too — condition keys without a vendor,
// empty operator maps, empty value lists, null list entries, and values a
// typed operator cannot read (which then never match).
func parseStatement(data json.RawMessage, kind Kind, index int, lenient bool) (*Statement, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, errorf("Each Statement must be a JSON object.")
	}
	st := &Statement{Index: index}
	var effect string
	for k, v := range raw {
		var err error
		switch k {
		case "Sid":
			if json.Unmarshal(v, &st.Sid) != nil {
				return nil, errorf("The Sid element must be a string.")
			}
		case "Effect":
			if json.Unmarshal(v, &effect) != nil {
				return nil, errorf("The Effect element must be a string.")
			}
		case "Principal":
			st.Principal, err = parsePrincipals(v, "Principal")
		case "NotPrincipal":
			st.NotPrincipal, err = parsePrincipals(v, "NotPrincipal")
		case "Action":
			st.Action, err = parseActions(v, "Action", lenient)
		case "NotAction":
			st.NotAction, err = parseActions(v, "NotAction", lenient)
		case "Resource":
			st.Resource, err = parseResources(v, "Resource", lenient)
		case "NotResource":
			st.NotResource, err = parseResources(v, "NotResource", lenient)
		case "Condition":
			st.Conditions, err = parseConditions(v, lenient)
		default:
			return nil, errorf("Syntax errors in policy: unknown element %q in a Statement.", k)
		}
		if err != nil {
			return nil, err
		}
	}
	switch effect {
	case "Allow":
		st.Effect = Allow
	case "Deny":
		st.Effect = Deny
	case "":
		return nil, errorf("Missing required field Effect.")
	default:
		return nil, errorf("Invalid effect: %s. Effect must be Allow or Deny.", effect)
	}
	if _, a := raw["Action"]; a {
		if _, na := raw["NotAction"]; na {
			return nil, errorf("A Statement cannot contain both Action and NotAction.")
		}
	}
	if st.Action == nil && st.NotAction == nil {
		return nil, errorf("Policy statement must contain actions.")
	}
	if _, r := raw["Resource"]; r {
		if _, nr := raw["NotResource"]; nr {
			return nil, errorf("A Statement cannot contain both Resource and NotResource.")
		}
	}
	if st.Principal != nil && st.NotPrincipal != nil {
		return nil, errorf("A Statement cannot contain both Principal and NotPrincipal.")
	}
	switch kind {
	case Identity:
		if st.Principal != nil || st.NotPrincipal != nil {
			return nil, errorf("Policy document should not specify a principal.")
		}
		if st.Resource == nil && st.NotResource == nil {
			return nil, errorf("Policy statement must contain resources.")
		}
	case Resource:
		if st.Principal == nil && st.NotPrincipal == nil {
			return nil, errorf("Missing required field Principal.")
		}
		if st.Resource == nil && st.NotResource == nil {
			return nil, errorf("Policy statement must contain resources.")
		}
	case Trust:
		if st.Principal == nil && st.NotPrincipal == nil {
			return nil, errorf("Missing required field Principal.")
		}
		if st.Resource != nil || st.NotResource != nil {
			return nil, errorf("Has prohibited field Resource.")
		}
	}
	return st, nil
}

func parsePrincipals(v json.RawMessage, elem string) (*Principals, error) {
	var star string
	if json.Unmarshal(v, &star) == nil {
		if star != "*" {
			return nil, errorf("Invalid principal in policy: %q; use \"*\" or an object such as {\"AWS\": \"arn:…\"}.", star)
		}
		return &Principals{Any: true, ByType: map[string][]string{"AWS": {"*"}}}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil || len(m) == 0 {
		return nil, errorf("Invalid principal in policy: the %s element must be \"*\" or a non-empty object.", elem)
	}
	p := &Principals{ByType: map[string][]string{}}
	for typ, raw := range m {
		switch typ {
		case "AWS", "Service", "Federated", "CanonicalUser":
		default:
			return nil, errorf("Invalid principal in policy: unknown principal type %q.", typ)
		}
		vals, err := stringOrList(raw, elem+"."+typ)
		if err != nil {
			return nil, err
		}
		if len(vals) == 0 {
			return nil, errorf("Invalid principal in policy: empty %s list.", typ)
		}
		for i, val := range vals {
			if val == "" {
				return nil, errorf("Invalid principal in policy: empty %s value.", typ)
			}
			if typ == "AWS" && val != "*" && !strings.HasPrefix(val, "arn:") && !isAccountID(val) {
				return nil, errorf("Invalid principal in policy: %q is neither an ARN nor an account id.", val)
			}
			if typ == "AWS" && isAccountID(val) {
				vals[i] = "arn:aws:iam::" + val + ":root"
			}
		}
		p.ByType[typ] = vals
	}
	return p, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func parseActions(v json.RawMessage, elem string, lenient bool) ([]pattern, error) {
	vals, err := stringOrList(v, elem)
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return nil, errorf("Policy statement must contain actions.")
	}
	out := make([]pattern, 0, len(vals))
	for _, a := range vals {
		if lenient {
			// Null entries and odd names passed IAM's checks; they match
			// only themselves (or nothing).
			if a != "" {
				p := compile(strings.ToLower(a), false)
				p.raw = a
				out = append(out, p)
			}
			continue
		}
		if a == "*" {
			out = append(out, compile("*", false))
			continue
		}
		svc, name, ok := strings.Cut(a, ":")
		if !ok || svc == "" || name == "" || strings.ContainsAny(svc, "*?") {
			return nil, errorf("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.: %q is not.", a)
		}
		p := compile(strings.ToLower(a), false)
		p.raw = a
		out = append(out, p)
	}
	return out, nil
}

func parseResources(v json.RawMessage, elem string, lenient bool) ([]pattern, error) {
	vals, err := stringOrList(v, elem)
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return nil, errorf("Policy statement must contain resources.")
	}
	out := make([]pattern, 0, len(vals))
	for _, r := range vals {
		if lenient {
			if r != "" {
				out = append(out, compile(r, true))
			}
			continue
		}
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return nil, errorf("Resource %s must be in ARN format or \"*\".", r)
		}
		if r != "*" && strings.Count(r, ":") < 5 {
			return nil, errorf("Resource %s must be in ARN format or \"*\".", r)
		}
		out = append(out, compile(r, true))
	}
	return out, nil
}

// Actions lists the action names of a statement, sorted (for display).
func (s *Statement) Actions() []string {
	var out []string
	for _, p := range append(append([]pattern{}, s.Action...), s.NotAction...) {
		out = append(out, p.raw)
	}
	sort.Strings(out)
	return out
}

// Resources returns the statement's Resource and NotResource values as
// written.
func (st *Statement) Resources() []string {
	var out []string
	for _, p := range append(append([]pattern{}, st.Resource...), st.NotResource...) {
		out = append(out, p.raw)
	}
	return out
}

// Keys returns the condition keys and policy variables the document
// refers to (lower case), for GetContextKeysFor*Policy and the
// simulator's missing context values.
func (d *Document) Keys() []string { return append([]string(nil), d.keys...) }
