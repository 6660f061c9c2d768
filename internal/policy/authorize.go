package policy

import "fmt"

// Input is everything that decides one request.
type Input struct {
	Request *Request
	// Root is true for the account's root user, whom no identity policy
	// is needed to allow.
	Root bool
	// Identity are the caller's identity-based policies (a user's or a
	// role's, inline and managed).
	Identity []*Document
	// Session are session policies (AssumeRole's Policy and PolicyArns);
	// when HasSession is set they bound what Identity allows.
	Session    []*Document
	HasSession bool
	// Boundary is the principal's permissions boundary, if it has one:
	// what Identity allows it must allow too (it never grants).
	Boundary *Document
	// Resource is the resource's policy (a bucket policy), if any.
	Resource *Document
	// IgnorePublicResource drops the resource policy's grants to callers
	// outside the owner's account when the policy is public (S3 Block
	// Public Access RestrictPublicBuckets).
	IgnorePublicResource bool
	// OwnerAccount is the resource owner's account.
	OwnerAccount string
	// ACLAllow says the resource's access control list (S3 ACLs) grants
	// the action to the caller: it allows as a resource-based policy
	// statement does, and an explicit Deny anywhere still wins.
	ACLAllow bool
}

// Result is an authorization decision and what decided it.
type Result struct {
	Decision Decision
	// Statement is the statement that decided (nil for an implicit deny)
	// and Source the kind of policy it came from: "identity", "resource"
	// or "session".
	Statement *Statement
	Source    string
	// Reason completes "… is not authorized to perform: X on resource: Y"
	// for denials, as AWS words it.
	Reason string
}

// Allowed reports whether the request may proceed.
func (r Result) Allowed() bool { return r.Decision == Allowed }

// Authorize applies AWS's evaluation logic: an explicit Deny in any policy
// denies. Within the owner's account, a resource policy that allows the
// caller allows; otherwise an identity policy (or being root) must allow,
// and, for sessions with session policies, a session policy too. Across
// accounts both the resource side and the caller's identity side must
// allow (crossAccount).
func Authorize(in Input) Result {
	r := in.Request
	if res, denied := explicitDeny(r, in.Identity, in.Session); denied {
		return res
	}
	if in.Boundary != nil && !in.Root {
		if dec, s := in.Boundary.Evaluate(r); dec == ExplicitDeny {
			return deny(r, s, "boundary", "with an explicit deny in a permissions boundary")
		}
	}
	var resAllow *Statement
	if in.Resource != nil {
		dec, s := in.Resource.Evaluate(r)
		if dec == ExplicitDeny {
			return deny(r, s, "resource", "with an explicit deny in a resource-based policy")
		}
		if dec == Allowed {
			outsider := r.Principal.Anonymous() || r.Principal.Account != in.OwnerAccount
			if !(in.IgnorePublicResource && outsider && in.Resource.IsPublic()) {
				resAllow = s
			}
		}
	}
	aclAllow := resAllow == nil && in.ACLAllow
	var idAllow *Statement
	idAllowed := in.Root
	for _, d := range in.Identity {
		if dec, s := d.Evaluate(r); dec == Allowed {
			idAllowed, idAllow = true, s
			break
		}
	}
	if r.Principal.Account != in.OwnerAccount && in.OwnerAccount != "" && !r.Principal.Anonymous() {
		return crossAccount(in, r, idAllowed, resAllow, aclAllow)
	}
	// Within the account, a resource policy that names the caller itself
	// (an IAM user's ARN, a role session's ARN) grants beyond the caller's
	// permissions boundary and session policies. One that names the
	// caller's role, or everyone, grants as the role's own policies do:
	// within the boundary and the session policies (IAM User Guide,
	// "Permissions boundaries" and "Session policies").
	direct := resAllow != nil && resAllow.Principal.names(r.Principal)
	limit := func() string {
		switch {
		case in.Root || r.Principal.Anonymous():
			return ""
		case in.Boundary != nil && !boundaryAllows(r, in.Boundary):
			return fmt.Sprintf("because no permissions boundary allows the %s action", r.Action)
		case in.HasSession && !sessionAllows(r, in.Session):
			return fmt.Sprintf("because no session policy allows the %s action", r.Action)
		}
		return ""
	}
	switch {
	case idAllowed && !r.Principal.Anonymous():
		why := limit()
		switch {
		case why == "":
			return Result{Decision: Allowed, Statement: idAllow, Source: "identity"}
		case direct:
			return Result{Decision: Allowed, Statement: resAllow, Source: "resource"}
		case aclAllow:
			return Result{Decision: Allowed, Source: "acl"}
		}
		return Result{Decision: ImplicitDeny, Reason: why}
	case resAllow != nil:
		if direct {
			return Result{Decision: Allowed, Statement: resAllow, Source: "resource"}
		}
		why := limit()
		switch {
		case why == "":
			return Result{Decision: Allowed, Statement: resAllow, Source: "resource"}
		case aclAllow:
			return Result{Decision: Allowed, Source: "acl"}
		}
		return Result{Decision: ImplicitDeny, Reason: why}
	case aclAllow:
		return Result{Decision: Allowed, Source: "acl"}
	}
	if r.Principal.Anonymous() {
		return Result{Decision: ImplicitDeny, Reason: fmt.Sprintf("because no resource-based policy allows the %s action", r.Action)}
	}
	return Result{Decision: ImplicitDeny, Reason: fmt.Sprintf("because no identity-based policy allows the %s action", r.Action)}
}

// crossAccount decides a request from a principal of another account than
// the resource's owner: both sides must allow — the resource's policy (or
// its ACL) the caller, and the caller's own account the action (its root
// always; anyone else by an identity policy, within any session policy).
func crossAccount(in Input, r *Request, idAllowed bool, resAllow *Statement, aclAllow bool) Result {
	if resAllow == nil && !aclAllow {
		return Result{Decision: ImplicitDeny, Reason: fmt.Sprintf("because no resource-based policy allows the %s action", r.Action)}
	}
	if !idAllowed {
		return Result{Decision: ImplicitDeny, Reason: fmt.Sprintf("because no identity-based policy allows the %s action", r.Action)}
	}
	if in.HasSession && !in.Root && !sessionAllows(r, in.Session) {
		return Result{Decision: ImplicitDeny, Reason: fmt.Sprintf("because no session policy allows the %s action", r.Action)}
	}
	if in.Boundary != nil && !in.Root && !boundaryAllows(r, in.Boundary) {
		return Result{Decision: ImplicitDeny, Reason: fmt.Sprintf("because no permissions boundary allows the %s action", r.Action)}
	}
	if resAllow != nil {
		return Result{Decision: Allowed, Statement: resAllow, Source: "resource"}
	}
	return Result{Decision: Allowed, Source: "acl"}
}

// boundaryAllows reports whether a permissions boundary allows r.
func boundaryAllows(r *Request, b *Document) bool {
	dec, _ := b.Evaluate(r)
	return dec == Allowed
}

// sessionAllows reports whether a session policy allows r.
func sessionAllows(r *Request, session []*Document) bool {
	for _, d := range session {
		if dec, _ := d.Evaluate(r); dec == Allowed {
			return true
		}
	}
	return false
}

// explicitDeny reports the first explicit Deny in the caller's identity
// or session policies.
func explicitDeny(r *Request, identity, session []*Document) (Result, bool) {
	for _, d := range identity {
		if dec, s := d.Evaluate(r); dec == ExplicitDeny {
			return deny(r, s, "identity", "with an explicit deny in an identity-based policy"), true
		}
	}
	for _, d := range session {
		if dec, s := d.Evaluate(r); dec == ExplicitDeny {
			return deny(r, s, "session", "with an explicit deny in a session policy"), true
		}
	}
	return Result{}, false
}

func deny(r *Request, s *Statement, source, reason string) Result {
	return Result{Decision: ExplicitDeny, Statement: s, Source: source, Reason: reason}
}

// Message is AWS's wording of a denial for a caller.
func (res Result) Message(r *Request) string {
	who := "anonymous"
	if !r.Principal.Anonymous() {
		who = r.Principal.ARN
	}
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", who, r.Action, r.Resource)
	if res.Reason != "" {
		msg += " " + res.Reason
	}
	return msg
}
