package policy

import "fmt"

// TrustInput is everything that decides whether a caller may assume a
// role (sts:AssumeRole, sts:AssumeRoleWithWebIdentity, and the
// sts:TagSession / sts:SetSourceIdentity that go with them).
//
// It is a separate type from Input on purpose: a role's trust policy is
// not a bucket policy, and the two must not be confused. For a bucket
// policy, an identity Allow suffices within the account; for a trust
// policy it never does on its own.
type TrustInput struct {
	// Request is the call: Action, Resource (the role's ARN), Principal
	// (the caller) and condition keys.
	Request *Request
	// Trust is the role's trust policy. Nil denies.
	Trust *Document
	// RoleAccount is the account that owns the role.
	RoleAccount string
	// Identity, Session and HasSession are the caller's own policies, as
	// in Input. Federated and service callers have none.
	Identity   []*Document
	Session    []*Document
	HasSession bool
}

// trustMatch is how closely a trust statement's principal names a caller.
type trustMatch uint8

const (
	noMatch trustMatch = iota
	// accountMatch: the statement names the caller's account
	// (arn:aws:iam::<acct>:root or the bare id) or "*": the account
	// delegates to its IAM policies, which must allow too.
	accountMatch
	// exactMatch: the statement names the caller itself (its user ARN,
	// its role's ARN, its session's ARN) or its federated provider or
	// service.
	exactMatch
)

// AuthorizeTrust applies AWS's rule for assuming a role: the trust policy
// must allow the caller. If a statement names the caller itself and the
// caller is in the role's account, nothing more is needed; if it names
// only the caller's account (or "*", which this engine treats as the
// safer of the two readings), or the caller is in another account, the
// caller's identity policies must also allow the action on the role (and
// its session policies bound them). An explicit Deny in any of the
// policies denies.
func AuthorizeTrust(in TrustInput) Result {
	r := in.Request
	if in.Trust == nil || r == nil {
		return Result{Decision: ImplicitDeny}
	}
	if res, denied := explicitDeny(r, in.Identity, in.Session); denied {
		return res
	}
	if dec, s := in.Trust.Evaluate(r); dec == ExplicitDeny {
		return deny(r, s, "trust", "with an explicit deny in a resource-based policy")
	}
	best, bestStmt := noMatch, (*Statement)(nil)
	for _, s := range in.Trust.Statements {
		if s.Effect != Allow || s.Principal == nil || !s.appliesExceptPrincipal(r) {
			continue
		}
		if m := s.Principal.trustMatch(r.Principal); m > best {
			best, bestStmt = m, s
		}
	}
	if best == noMatch {
		return Result{Decision: ImplicitDeny}
	}
	p := r.Principal
	sameAccount := p != nil && p.Account != "" && p.Account == in.RoleAccount
	if best == exactMatch && (sameAccount || p.Federated != "" || p.Service != "") {
		return Result{Decision: Allowed, Statement: bestStmt, Source: "trust"}
	}
	if p.Anonymous() || p.Federated != "" || p.Service != "" {
		return Result{Decision: ImplicitDeny}
	}
	var idAllow *Statement
	for _, d := range in.Identity {
		if dec, s := d.Evaluate(r); dec == Allowed {
			idAllow = s
			break
		}
	}
	if idAllow == nil {
		return Result{Decision: ImplicitDeny, Reason: fmt.Sprintf("because no identity-based policy allows the %s action", r.Action)}
	}
	if in.HasSession && !sessionAllows(r, in.Session) {
		return Result{Decision: ImplicitDeny, Reason: fmt.Sprintf("because no session policy allows the %s action", r.Action)}
	}
	return Result{Decision: Allowed, Statement: idAllow, Source: "identity"}
}

// appliesExceptPrincipal is applies without the Principal element, which
// AuthorizeTrust weighs itself.
func (s *Statement) appliesExceptPrincipal(r *Request) bool {
	s2 := *s
	s2.Principal = nil
	return s2.applies(r)
}

// trustMatch grades how a Principal element names p.
func (ps *Principals) trustMatch(p *Principal) trustMatch {
	if p == nil {
		return noMatch
	}
	if p.Federated != "" {
		for _, v := range ps.ByType["Federated"] {
			if v == p.Federated {
				return exactMatch
			}
		}
		return noMatch
	}
	if p.Service != "" {
		for _, v := range ps.ByType["Service"] {
			if v == p.Service {
				return exactMatch
			}
		}
		return noMatch
	}
	if p.ARN == "" {
		return noMatch
	}
	m := noMatch
	for _, v := range ps.ByType["AWS"] {
		switch {
		case v == p.ARN || p.RoleARN != "" && v == p.RoleARN:
			return exactMatch
		case v == "*" || p.Account != "" && v == "arn:aws:iam::"+p.Account+":root":
			m = accountMatch
		}
	}
	return m
}
