package policy

import (
	"path"
	"strings"
)

// Principal is who makes a request, as resource and trust policies see it.
type Principal struct {
	// ARN is the caller's ARN: a user, the account root, or an assumed
	// role session (arn:aws:sts::<acct>:assumed-role/<role>/<session>).
	// Empty for anonymous callers.
	ARN string
	// RoleARN is, for a role session, the role's IAM ARN, which resource
	// policies may name instead of the session.
	RoleARN string
	Account string
	// Service and Federated are set for service principals and for web
	// identity (trust policies of AssumeRoleWithWebIdentity).
	Service, Federated string
}

// Anonymous reports whether the caller did not sign.
func (p *Principal) Anonymous() bool {
	return p == nil || p.ARN == "" && p.Service == "" && p.Federated == ""
}

// Request is what one API call asks for.
type Request struct {
	// Action is "service:Operation"; compared case-insensitively.
	Action string
	// Resource is the ARN acted on, or "*".
	Resource  string
	Principal *Principal
	// keys holds condition keys by lower-case name.
	keys map[string][]string
}

// Set sets a condition key (names are case-insensitive) to values.
func (r *Request) Set(key string, values ...string) {
	if r.keys == nil {
		r.keys = make(map[string][]string, 16)
	}
	r.keys[strings.ToLower(key)] = values
}

// Keys returns a copy of the request's condition keys, by lower-case name.
func (r *Request) Keys() map[string][]string {
	out := make(map[string][]string, len(r.keys))
	for k, v := range r.keys {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// Get returns a condition key's values.
func (r *Request) Get(key string) []string { return r.keys[strings.ToLower(key)] }

func (r *Request) values(lowerKey string) ([]string, bool) {
	v, ok := r.keys[lowerKey]
	return v, ok
}

// variable implements resolver: a policy variable is the single value of
// the condition key of the same name.
func (r *Request) variable(lowerKey string) (string, bool) {
	v, ok := r.keys[lowerKey]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// Decision is the outcome of evaluating a policy or a request.
type Decision uint8

const (
	// ImplicitDeny: nothing allowed the request.
	ImplicitDeny Decision = iota
	// Allowed: a statement allowed it and none denied it.
	Allowed
	// ExplicitDeny: a Deny statement matched.
	ExplicitDeny
)

func (d Decision) String() string {
	return [...]string{"ImplicitDeny", "Allow", "ExplicitDeny"}[d]
}

// Evaluate evaluates one document: ExplicitDeny with the first Deny
// statement that applies, else Allowed with the first Allow statement that
// applies, else ImplicitDeny.
func (d *Document) Evaluate(r *Request) (Decision, *Statement) {
	var allow *Statement
	for _, s := range d.Statements {
		if !s.applies(r) {
			continue
		}
		if s.Effect == Deny {
			return ExplicitDeny, s
		}
		if allow == nil {
			allow = s
		}
	}
	if allow != nil {
		return Allowed, allow
	}
	return ImplicitDeny, nil
}

func (s *Statement) applies(r *Request) bool {
	if s.Principal != nil && !s.Principal.matches(r.Principal) && !(s.Effect == Deny && s.Principal.namesAccountOf(r.Principal)) {
		return false
	}
	if s.NotPrincipal != nil && s.NotPrincipal.matches(r.Principal) {
		return false
	}
	if s.Action != nil && !anyMatch(s.Action, r.Action, r, true) {
		return false
	}
	if s.NotAction != nil && anyMatch(s.NotAction, r.Action, r, true) {
		return false
	}
	if s.Resource != nil && !anyMatch(s.Resource, r.Resource, r, false) {
		return false
	}
	if s.NotResource != nil && anyMatch(s.NotResource, r.Resource, r, false) {
		return false
	}
	for _, c := range s.Conditions {
		if !c.holds(r) {
			return false
		}
	}
	return true
}

func anyMatch(ps []pattern, v string, r *Request, fold bool) bool {
	for i := range ps {
		if ps[i].match(v, r, fold) {
			return true
		}
	}
	return false
}

// matches reports whether the principal element names p.
func (ps *Principals) matches(p *Principal) bool {
	if ps.Any {
		return true
	}
	if p == nil {
		return false
	}
	for _, v := range ps.ByType["AWS"] {
		if v == "*" {
			return true
		}
		if p.ARN != "" && (v == p.ARN || v == p.RoleARN) {
			return true
		}
	}
	if p.Service != "" {
		for _, v := range ps.ByType["Service"] {
			if v == p.Service {
				return true
			}
		}
	}
	if p.Federated != "" {
		for _, v := range ps.ByType["Federated"] {
			if v == p.Federated {
				return true
			}
		}
	}
	return false
}

// names reports whether the element names p itself: its own ARN (an IAM
// user's, a role session's, a federated user's), not its role's, its
// account or everyone.
func (ps *Principals) names(p *Principal) bool {
	if ps == nil || p == nil || p.ARN == "" {
		return false
	}
	for _, v := range ps.ByType["AWS"] {
		if v == p.ARN {
			return true
		}
	}
	return false
}

// namesAccountOf reports whether the element names p's account
// (arn:aws:iam::<acct>:root, or the bare id, stored as that ARN). A Deny
// that names an account denies everyone in it; an Allow that names an
// account only delegates to the account's own policies, so matches does
// not count it.
func (ps *Principals) namesAccountOf(p *Principal) bool {
	if p == nil || p.Account == "" {
		return false
	}
	root := "arn:aws:iam::" + p.Account + ":root"
	for _, v := range ps.ByType["AWS"] {
		if v == root {
			return true
		}
	}
	return false
}

// IsPublic reports whether a resource policy grants access to everyone:
// an Allow statement whose Principal is "*" (or AWS "*"), or that uses
// NotPrincipal, without conditions that pin the caller down.
func (d *Document) IsPublic() bool {
	for _, s := range d.Statements {
		if s.Effect != Allow {
			continue
		}
		open := s.NotPrincipal != nil || s.Principal != nil && s.Principal.matches(&Principal{ARN: "arn:aws:iam::999999999999:user/anyone"})
		if !open {
			continue
		}
		if !s.restricted() {
			return true
		}
	}
	return false
}

// restricted reports whether a statement's conditions limit it to fixed
// callers or networks, which makes a "*" principal non-public.
func (s *Statement) restricted() bool {
	for _, c := range s.Conditions {
		switch c.key {
		case "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:principalaccount", "aws:principalarn",
			"aws:principalorgid", "aws:sourcearn", "aws:sourceaccount", "aws:userid":
			if !c.negated && c.set != setAll {
				return true
			}
		}
	}
	return false
}

// GrantsService reports whether the document allows any action of the
// service namespace ns ("s3", "iam"): an Allow statement whose Action
// names one of its actions, or whose NotAction leaves one out. Conditions
// and resources are not weighed (IAM's ListPoliciesGrantingServiceAccess
// reports such policies as granting access).
func (d *Document) GrantsService(ns string) bool {
	ns = strings.ToLower(ns)
	covers := func(p pattern, whole bool) bool {
		raw := strings.ToLower(p.raw)
		if p.any || raw == "*" {
			return true
		}
		svc, action, ok := strings.Cut(raw, ":")
		if !ok {
			return false
		}
		if m, err := path.Match(svc, ns); err != nil || !m {
			return false
		}
		return !whole || action == "*"
	}
	for _, s := range d.Statements {
		if s.Effect != Allow {
			continue
		}
		for _, p := range s.Action {
			if covers(p, false) {
				return true
			}
		}
		if s.NotAction != nil {
			excluded := false
			for _, p := range s.NotAction {
				excluded = excluded || covers(p, true)
			}
			if !excluded {
				return true
			}
		}
	}
	return false
}
