package iam

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/store"
)

// Policies are the compiled policies that decide a principal's requests.
type Policies struct {
	// Root: the account root, allowed by default.
	Root     bool
	Identity []*policy.Document
	// Session policies bound Identity when HasSession.
	Session    []*policy.Document
	HasSession bool
	// Boundary is the principal's permissions boundary (nil: none).
	Boundary *policy.Document
	// Tags are the principal's tags (role or user tags, then session tags
	// over them), for aws:PrincipalTag.
	Tags map[string]string
}

// IdentityPolicies returns the policies of a principal, read afresh (so a
// role's new policies apply to its live sessions) but compiled once.
func (s *Service) IdentityPolicies(ctx context.Context, p *auth.Principal) (*Policies, error) {
	out := &Policies{Tags: map[string]string{}}
	var inline map[string]string
	var attached []string
	var boundary string
	switch {
	case p.Kind == auth.Root:
		out.Root = true
		return out, nil
	case p.Kind == auth.AssumedRole && p.Session != nil:
		v, err := s.lookup("role/"+p.Session.RoleName, func() (any, error) {
			r, err := s.GetRole(ctx, p.Session.RoleName)
			if err != nil {
				return nil, err
			}
			return r, nil
		})
		if err != nil {
			return out, nil // role deleted: nothing allows
		}
		r := v.(Role)
		if r.ID != p.Session.RoleID {
			return out, nil // a new role of the same name is not this one
		}
		inline, attached = r.Inline, r.Attached
		boundary = r.Boundary
		for _, t := range r.Tags {
			out.Tags[t.Key] = t.Value
		}
	case p.Kind == auth.FederatedUser && p.UserName == "" && p.Session != nil:
		// The root's federated users: everything the session policies allow.
		inline = map[string]string{"root": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}
	case (p.Kind == auth.User || p.Kind == auth.FederatedUser) && p.UserName != "":
		v, err := s.lookup("user/"+p.UserName, func() (any, error) {
			u, err := s.GetUser(ctx, p.UserName)
			if err != nil {
				return nil, err
			}
			return u, nil
		})
		if err != nil {
			return out, nil
		}
		u := v.(User)
		boundary = u.Boundary
		inline, attached = maps.Clone(u.Inline), slices.Clone(u.Attached)
		if inline == nil {
			inline = map[string]string{}
		}
		// The user's groups' policies count as the user's own.
		for _, gn := range u.Groups {
			gv, err := s.lookup("group/"+strings.ToLower(gn), func() (any, error) {
				g, err := s.GetGroup(ctx, gn)
				if err != nil {
					return nil, err
				}
				return g, nil
			})
			if err != nil {
				continue
			}
			g := gv.(Group)
			for name, doc := range g.Inline {
				inline["group:"+g.Name+":"+name] = doc
			}
			attached = append(attached, g.Attached...)
		}
		for _, t := range u.Tags {
			out.Tags[t.Key] = t.Value
		}
	default:
		return out, nil
	}
	for _, name := range slices.Sorted(maps.Keys(inline)) {
		if d, err := s.compile(inline[name], policy.Identity); err == nil {
			out.Identity = append(out.Identity, d)
		}
	}
	err := s.view(ctx, func(tx store.RecordTx) error {
		if boundary != "" {
			// A boundary that cannot be read bounds to nothing: fail closed.
			out.Boundary = &policy.Document{}
			if mp, err := s.policyTx(tx, boundary); err == nil {
				if d, err := s.compile(mp.Document(), policy.Identity); err == nil {
					out.Boundary = d
				}
			}
		}
		for _, arn := range attached {
			mp, err := s.policyTx(tx, arn)
			if err != nil {
				continue
			}
			if d, err := s.compile(mp.Document(), policy.Identity); err == nil {
				out.Identity = append(out.Identity, d)
			}
		}
		if sess := p.Session; sess != nil && (sess.Policy != "" || len(sess.PolicyArns) > 0 || sess.Federation) {
			out.HasSession = true
			if sess.Policy != "" {
				if d, err := s.compile(sess.Policy, policy.Identity); err == nil {
					out.Session = append(out.Session, d)
				}
			}
			for _, arn := range sess.PolicyArns {
				if mp, err := s.policyTx(tx, arn); err == nil {
					if d, err := s.compile(mp.Document(), policy.Identity); err == nil {
						out.Session = append(out.Session, d)
					}
				}
			}
		}
		return nil
	})
	if p.Session != nil {
		for k, v := range p.Session.Tags {
			out.Tags[k] = v
		}
	}
	return out, err
}

// TrustPolicy returns a role's compiled trust policy.
func (s *Service) TrustPolicy(r Role) (*policy.Document, error) {
	return s.compile(r.AssumeRolePolicy, policy.Trust)
}

// Compile validates a document of the given kind (for session policies
// and bucket policies), as MalformedPolicyDocument errors.
func (s *Service) Compile(doc string, kind policy.Kind) (*policy.Document, error) {
	if _, err := s.validate(doc, kind); err != nil {
		return nil, err
	}
	return s.compile(doc, kind)
}
