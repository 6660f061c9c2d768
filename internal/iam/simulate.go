package iam

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/store"
)

// The policy simulator (SimulatePrincipalPolicy, SimulateCustomPolicy):
// the same engine that authorizes requests, run on chosen actions,
// resources and context, telling which statements matched.

// SimPolicy is one policy the simulator considers.
type SimPolicy struct {
	ID   string // SourcePolicyId: a name, or a managed policy's ARN
	Type string // SourcePolicyType: user, group, role, user-managed, aws-managed, resource, none
	Doc  *policy.Document
}

// SimInput is a simulation.
type SimInput struct {
	Policies       []SimPolicy // identity-based
	Boundary       []SimPolicy // permissions boundary (all must allow)
	Actions        []string
	Resources      []string
	ResourcePolicy *policy.Document
	CallerARN      string
	Context        map[string][]string
	Account        string
}

// SimMatch is a statement that decided.
type SimMatch struct {
	SourcePolicyID, SourcePolicyType string
	Index                            int
	Start, End                       policy.Position
}

// SimResult is one action on one resource.
type SimResult struct {
	Action, Resource, Decision string
	Matched                    []SimMatch
	Missing                    []string
	// AllowedByBoundary is set when there is a boundary.
	AllowedByBoundary *bool
}

// Simulate evaluates every action on every resource.
func Simulate(in SimInput) []SimResult {
	if len(in.Resources) == 0 {
		in.Resources = []string{"*"}
	}
	provided := map[string]bool{}
	for k := range in.Context {
		provided[strings.ToLower(k)] = true
	}
	if in.CallerARN == "" {
		// A custom policy simulated for no one in particular: a signed
		// caller of the account.
		in.CallerARN = "arn:aws:iam::" + in.Account + ":user/simulated"
	}
	var out []SimResult
	for _, action := range in.Actions {
		for _, res := range in.Resources {
			r := &policy.Request{Action: action, Resource: res, Principal: &policy.Principal{ARN: in.CallerARN, Account: in.Account}}
			for k, v := range in.Context {
				r.Set(k, v...)
			}
			var ids []*policy.Document
			var matched []SimMatch
			missing := map[string]bool{}
			note := func(p SimPolicy) {
				dec, st := p.Doc.Evaluate(r)
				if dec != policy.ImplicitDeny && st != nil {
					matched = append(matched, SimMatch{p.ID, p.Type, st.Index, st.Start, st.End})
				}
				for _, k := range p.Doc.Keys() {
					if !provided[k] && !strings.HasPrefix(k, "aws:") {
						missing[k] = true
					}
				}
			}
			for _, p := range in.Policies {
				ids = append(ids, p.Doc)
				note(p)
			}
			sin := policy.Input{Request: r, Identity: ids, OwnerAccount: in.Account}
			var allowedByBoundary *bool
			if len(in.Boundary) > 0 {
				b := in.Boundary[0].Doc
				sin.Boundary = b
				dec, _ := b.Evaluate(r)
				ok := dec == policy.Allowed
				allowedByBoundary = &ok
			}
			if in.ResourcePolicy != nil {
				sin.Resource = in.ResourcePolicy
				note(SimPolicy{ID: "ResourcePolicy", Type: "resource", Doc: in.ResourcePolicy})
			}
			res := policy.Authorize(sin)
			decision := map[policy.Decision]string{policy.Allowed: "allowed", policy.ExplicitDeny: "explicitDeny", policy.ImplicitDeny: "implicitDeny"}[res.Decision]
			// Only the statements of the deciding kind matched the
			// decision: denies for a deny, allows for an allow.
			var keep []SimMatch
			for _, m := range matched {
				for _, p := range append(append([]SimPolicy{}, in.Policies...), SimPolicy{ID: "ResourcePolicy", Doc: in.ResourcePolicy}) {
					if p.ID != m.SourcePolicyID || p.Doc == nil {
						continue
					}
					if dec, _ := p.Doc.Evaluate(r); (dec == policy.Allowed) == (res.Decision == policy.Allowed) {
						keep = append(keep, m)
					}
					break
				}
			}
			if keep == nil {
				keep = []SimMatch{}
			}
			out = append(out, SimResult{Action: action, Resource: res2(res, r), Decision: decision, Matched: keep,
				Missing: slices.Sorted(maps.Keys(missing)), AllowedByBoundary: allowedByBoundary})
		}
	}
	return out
}

func res2(_ policy.Result, r *policy.Request) string { return r.Resource }

// PrincipalPolicies gathers the policies of a user, role or group by ARN
// for the simulator, and its boundary.
func (s *Service) PrincipalPolicies(ctx context.Context, arn string) (ids, boundary []SimPolicy, err error) {
	kind, name := "", ""
	if i := strings.Index(arn, ":user/"); i >= 0 {
		kind, name = "user", arn[strings.LastIndex(arn, "/")+1:]
	} else if i := strings.Index(arn, ":role/"); i >= 0 {
		kind, name = "role", arn[strings.LastIndex(arn, "/")+1:]
	} else if i := strings.Index(arn, ":group/"); i >= 0 {
		kind, name = "group", arn[strings.LastIndex(arn, "/")+1:]
	} else {
		return nil, nil, errValidation("Invalid ARN: %s", arn)
	}
	var inline map[string]string
	var attached []string
	var bound string
	var groups []Group
	err = s.view(ctx, func(tx store.RecordTx) error {
		switch kind {
		case "user":
			u, err := store.GetJSON[User](tx, kindUser, userID(name))
			if errors.Is(err, store.ErrNotFound) {
				return errNoSuchEntity("The user with name %s cannot be found.", name)
			} else if err != nil {
				return err
			}
			inline, attached, bound = u.Inline, u.Attached, u.Boundary
			for _, gn := range u.Groups {
				if g, err := s.groupTx(tx, gn); err == nil {
					groups = append(groups, g)
				}
			}
		case "role":
			r, err := store.GetJSON[Role](tx, kindRole, roleID(name))
			if errors.Is(err, store.ErrNotFound) {
				return errNoSuchEntity("The role with name %s cannot be found.", name)
			} else if err != nil {
				return err
			}
			inline, attached, bound = r.Inline, r.Attached, r.Boundary
		case "group":
			g, err := s.groupTx(tx, name)
			if err != nil {
				return err
			}
			inline, attached = g.Inline, g.Attached
		}
		add := func(id, typ, doc string) {
			if d, err := s.compile(doc, policy.Identity); err == nil {
				ids = append(ids, SimPolicy{ID: id, Type: typ, Doc: d})
			}
		}
		for _, n := range slices.Sorted(maps.Keys(inline)) {
			add(n, kind, inline[n])
		}
		for _, g := range groups {
			for _, n := range slices.Sorted(maps.Keys(g.Inline)) {
				add(n, "group", g.Inline[n])
			}
			attached = append(attached, g.Attached...)
		}
		for _, a := range attached {
			if mp, err := s.policyTx(tx, a); err == nil {
				typ := "user-managed"
				if strings.HasPrefix(a, "arn:aws:iam::aws:") {
					typ = "aws-managed"
				}
				add(a, typ, mp.Document())
			}
		}
		if bound != "" {
			if mp, err := s.policyTx(tx, bound); err == nil {
				if d, err := s.compile(mp.Document(), policy.Identity); err == nil {
					boundary = append(boundary, SimPolicy{ID: bound, Type: "permissions-boundary", Doc: d})
				}
			}
		}
		return nil
	})
	return ids, boundary, err
}

// ServiceGrant is one policy that grants access to a service
// (PolicyGrantingServiceAccess): a managed policy by ARN, or an inline
// policy with the user, role or group that holds it.
type ServiceGrant struct {
	PolicyName, PolicyType, PolicyArn, EntityType, EntityName string
}

// PoliciesGrantingServiceAccess lists, per service namespace, the
// policies of a user (its groups' included), role or group that allow
// some action of the service (ListPoliciesGrantingServiceAccess).
func (s *Service) PoliciesGrantingServiceAccess(ctx context.Context, arn string, namespaces []string) (map[string][]ServiceGrant, error) {
	type held struct {
		grant ServiceGrant
		doc   string
	}
	var all []held
	kind, name := "", arn[strings.LastIndex(arn, "/")+1:]
	switch {
	case strings.Contains(arn, ":user/"):
		kind = "USER"
	case strings.Contains(arn, ":role/"):
		kind = "ROLE"
	case strings.Contains(arn, ":group/"):
		kind = "GROUP"
	default:
		return nil, awserr.Newf(400, "InvalidInput", "ARN %s is not valid.", arn)
	}
	err := s.view(ctx, func(tx store.RecordTx) error {
		var inline map[string]string
		var attached []string
		var groups []Group
		switch kind {
		case "USER":
			u, err := store.GetJSON[User](tx, kindUser, userID(name))
			if errors.Is(err, store.ErrNotFound) {
				return errNoSuchEntity("The user with name %s cannot be found.", name)
			} else if err != nil {
				return err
			}
			inline, attached, name = u.Inline, u.Attached, u.Name
			for _, gn := range u.Groups {
				if g, err := s.groupTx(tx, gn); err == nil {
					groups = append(groups, g)
				}
			}
		case "ROLE":
			r, err := store.GetJSON[Role](tx, kindRole, roleID(name))
			if errors.Is(err, store.ErrNotFound) {
				return errNoSuchEntity("The role with name %s cannot be found.", name)
			} else if err != nil {
				return err
			}
			inline, attached, name = r.Inline, r.Attached, r.Name
		case "GROUP":
			g, err := s.groupTx(tx, name)
			if err != nil {
				return err
			}
			inline, attached, name = g.Inline, g.Attached, g.Name
		}
		for _, n := range slices.Sorted(maps.Keys(inline)) {
			all = append(all, held{ServiceGrant{PolicyName: n, PolicyType: "INLINE", EntityType: kind, EntityName: name}, inline[n]})
		}
		for _, g := range groups {
			for _, n := range slices.Sorted(maps.Keys(g.Inline)) {
				all = append(all, held{ServiceGrant{PolicyName: n, PolicyType: "INLINE", EntityType: "GROUP", EntityName: g.Name}, g.Inline[n]})
			}
			attached = append(attached, g.Attached...)
		}
		seen := map[string]bool{}
		for _, a := range attached {
			if seen[a] {
				continue
			}
			seen[a] = true
			if mp, err := s.policyTx(tx, a); err == nil {
				all = append(all, held{ServiceGrant{PolicyName: mp.Name, PolicyType: "MANAGED", PolicyArn: a}, mp.Document()})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string][]ServiceGrant{}
	for _, h := range all {
		d, err := s.compile(h.doc, policy.Identity)
		if err != nil {
			continue
		}
		for _, ns := range namespaces {
			if d.GrantsService(ns) {
				out[ns] = append(out[ns], h.grant)
			}
		}
	}
	return out, nil
}
