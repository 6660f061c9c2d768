package iam

import (
	"strconv"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/policy"
)

// How policies see a principal: its policy.Principal and the global
// condition keys that describe it. They live here, beside Policies, for
// every caller that evaluates a policy (the front, STS).

// PolicyPrincipal is how policies see an authenticated principal.
func PolicyPrincipal(p *auth.Principal) *policy.Principal {
	if p == nil || p.Kind == auth.Anonymous {
		return &policy.Principal{}
	}
	pp := &policy.Principal{ARN: p.ARN, Account: p.Account}
	if p.Session != nil && p.Session.RoleARN != "" {
		pp.RoleARN = p.Session.RoleARN
	}
	return pp
}

// SetPrincipalKeys sets aws:PrincipalArn, aws:userid, aws:username,
// aws:PrincipalTag/*, aws:TokenIssueTime and web-identity claims.
func SetPrincipalKeys(r *policy.Request, p *auth.Principal, pol *Policies) {
	if p == nil || p.Kind == auth.Anonymous {
		return
	}
	r.Set("aws:PrincipalAccount", p.Account)
	r.Set("aws:userid", p.UserID)
	r.Set("aws:PrincipalType", principalType(p.Kind))
	arn := p.ARN
	if p.Session != nil && p.Session.RoleARN != "" {
		arn = p.Session.RoleARN
	}
	r.Set("aws:PrincipalArn", arn)
	if p.Kind == auth.User || p.UserName != "" && p.Kind != auth.FederatedUser {
		r.Set("aws:username", p.UserName)
	}
	if pol != nil {
		for k, v := range pol.Tags {
			r.Set("aws:PrincipalTag/"+k, v)
		}
	}
	if p.Session != nil {
		if !p.Session.Issued.IsZero() {
			r.Set("aws:TokenIssueTime", p.Session.Issued.Format(time.RFC3339))
		}
		for k, v := range p.Session.Claims {
			r.Set(k, v...)
		}
		if p.Session.SourceIdentity() != "" {
			r.Set("aws:SourceIdentity", p.Session.SourceIdentity())
		}
	}
	if p.Temporary {
		if p.Session != nil && p.Session.MFA {
			r.Set("aws:MultiFactorAuthPresent", "true")
			r.Set("aws:MultiFactorAuthAge", strconv.Itoa(int(time.Since(p.Session.Issued).Seconds())))
		} else {
			r.Set("aws:MultiFactorAuthPresent", "false")
		}
	}
}

func principalType(k auth.Kind) string {
	switch k {
	case auth.Root:
		return "Account"
	case auth.User:
		return "User"
	case auth.AssumedRole:
		return "AssumedRole"
	case auth.FederatedUser:
		return "FederatedUser"
	}
	return "Anonymous"
}
