package front

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/sts"
)

// requestKey carries the *http.Request to query calls that need request
// context (source IP, TLS) for policy conditions.
type requestKey struct{}

func stsOps(cfg Config) map[string]queryOp {
	ops := map[string]queryOp{
		"GetCallerIdentity": {Call: func(ctx context.Context, p *auth.Principal, _ url.Values) (any, error) {
			return cfg.STS.GetCallerIdentity(ctx, p)
		}},
	}
	if cfg.IAM == nil {
		return ops
	}
	ops["AssumeRole"] = queryOp{Call: func(ctx context.Context, p *auth.Principal, f url.Values) (any, error) {
		if err := required(f, "RoleArn", "RoleSessionName"); err != nil {
			return nil, err
		}
		d, err := intForm(f, "DurationSeconds")
		if err != nil {
			return nil, err
		}
		pol, err := cfg.IAM.IdentityPolicies(ctx, p)
		if err != nil {
			return nil, err
		}
		var arns []string
		for i := 1; ; i++ {
			a := f.Get(fmt.Sprintf("PolicyArns.member.%d.arn", i))
			if a == "" {
				break
			}
			arns = append(arns, a)
		}
		in := sts.AssumeRoleInput{
			RoleArn: f.Get("RoleArn"), RoleSessionName: f.Get("RoleSessionName"), DurationSeconds: d,
			Policy: f.Get("Policy"), PolicyArns: arns, Tags: tagsParam(f, "Tags"), TransitiveTagKeys: members(f, "TransitiveTagKeys"),
			ExternalId: f.Get("ExternalId"), SourceIdentity: f.Get("SourceIdentity"), Context: requestContext(ctx),
		}
		if p.Kind == auth.Root {
			pol = &iam.Policies{Root: true}
		}
		return cfg.STS.AssumeRole(ctx, p, pol, in)
	}}
	ops["AssumeRoleWithWebIdentity"] = queryOp{Unauthenticated: true, Call: func(ctx context.Context, p *auth.Principal, f url.Values) (any, error) {
		if err := required(f, "RoleArn", "RoleSessionName", "WebIdentityToken"); err != nil {
			return nil, err
		}
		d, err := intForm(f, "DurationSeconds")
		if err != nil {
			return nil, err
		}
		var arns []string
		for i := 1; ; i++ {
			a := f.Get(fmt.Sprintf("PolicyArns.member.%d.arn", i))
			if a == "" {
				break
			}
			arns = append(arns, a)
		}
		return cfg.STS.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{
			RoleArn: f.Get("RoleArn"), RoleSessionName: f.Get("RoleSessionName"), WebIdentityToken: f.Get("WebIdentityToken"),
			DurationSeconds: d, Policy: f.Get("Policy"), PolicyArns: arns, Context: requestContext(ctx),
		})
	}}
	ops["GetSessionToken"] = queryOp{Call: func(ctx context.Context, p *auth.Principal, f url.Values) (any, error) {
		d, err := intForm(f, "DurationSeconds")
		if err != nil {
			return nil, err
		}
		return cfg.STS.GetSessionToken(ctx, p, d)
	}}
	return ops
}

// requestContext returns the global condition keys of the HTTP request
// behind ctx, for services that evaluate policies themselves.
func requestContext(ctx context.Context) map[string][]string {
	r, _ := ctx.Value(requestKey{}).(*http.Request)
	if r == nil {
		return nil
	}
	req := &policy.Request{}
	(&Handler{}).globalKeys(req, r)
	out := map[string][]string{}
	for _, k := range []string{"aws:SourceIp", "aws:SecureTransport", "aws:CurrentTime", "aws:EpochTime", "aws:UserAgent"} {
		if v := req.Get(k); v != nil {
			out[k] = v
		}
	}
	return out
}
