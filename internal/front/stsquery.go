package front

import (
	"context"
	"net/url"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/sts"
)

// policyArn is one PolicyArns.member.N of an STS call.
type policyArn struct {
	Arn string `form:"arn"`
}

func arnsOf(ps []policyArn) []string {
	var out []string
	for _, p := range ps {
		if p.Arn == "" {
			break
		}
		out = append(out, p.Arn)
	}
	return out
}

// stsOps is STS's operation table. Its calls authorize themselves: a
// role's trust policy, not an identity policy, decides who may assume it.
func stsOps(cfg Config) map[string]*op {
	ops := map[string]*op{
		"GetCallerIdentity": {Method: typed(func(ctx context.Context, _ *struct{}) (any, error) {
			return cfg.STS.GetCallerIdentity(ctx, caller(ctx))
		})},
	}
	if cfg.IAM == nil {
		return ops
	}
	ops["GetWebIdentityToken"] = webIdentityTokenOp(cfg)
	ops["AssumeRole"] = &op{Method: typed(func(ctx context.Context, in *struct {
		RoleArn           string `form:",required"`
		RoleSessionName   string `form:",required"`
		DurationSeconds   int
		Policy            string
		PolicyArns        []policyArn
		Tags              []iam.Tag
		TransitiveTagKeys []string
		ExternalId        string
		SourceIdentity    string
		SerialNumber      string
		TokenCode         string
	}) (any, error) {
		p := caller(ctx)
		mine, err := tenantOf(cfg, ctx, p.Account)
		if err != nil {
			return nil, err
		}
		// An MFA code is checked by the caller's own account, whose
		// device it is; the role's account then sees MFA present.
		mfa := false
		if in.SerialNumber != "" || in.TokenCode != "" {
			if in.SerialNumber == "" || len(in.TokenCode) != 6 {
				return nil, awserr.New(400, "ValidationError", "SerialNumber and a 6-digit TokenCode must be given together.")
			}
			if p.Kind != auth.User {
				return nil, awserr.New(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
			}
			if err := mine.IAM.CheckMFA(ctx, p.UserName, in.SerialNumber, in.TokenCode); err != nil {
				return nil, err
			}
			mfa = true
		}
		pol, err := mine.IAM.IdentityPolicies(ctx, p)
		if err != nil {
			return nil, err
		}
		if p.Kind == auth.Root {
			pol = &iam.Policies{Root: true}
		}
		// The role's account's STS issues its sessions.
		theirs, err := roleTenant(cfg, ctx, in.RoleArn)
		if err != nil {
			return nil, err
		}
		return theirs.STS.AssumeRole(ctx, p, pol, sts.AssumeRoleInput{
			RoleArn: in.RoleArn, RoleSessionName: in.RoleSessionName, DurationSeconds: in.DurationSeconds,
			Policy: in.Policy, PolicyArns: arnsOf(in.PolicyArns), Tags: in.Tags, TransitiveTagKeys: in.TransitiveTagKeys,
			ExternalId: in.ExternalId, SourceIdentity: in.SourceIdentity, Context: requestContext(ctx), MFA: mfa,
		})
	})}
	ops["AssumeRoleWithWebIdentity"] = &op{Unsigned: true, Method: typed(func(ctx context.Context, in *struct {
		RoleArn          string `form:",required"`
		RoleSessionName  string `form:",required"`
		WebIdentityToken string `form:",required"`
		DurationSeconds  int
		Policy           string
		PolicyArns       []policyArn
	}) (any, error) {
		t, err := roleTenant(cfg, ctx, in.RoleArn)
		if err != nil {
			return nil, err
		}
		return t.STS.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{
			RoleArn: in.RoleArn, RoleSessionName: in.RoleSessionName, WebIdentityToken: in.WebIdentityToken,
			DurationSeconds: in.DurationSeconds, Policy: in.Policy, PolicyArns: arnsOf(in.PolicyArns), Context: requestContext(ctx),
		})
	})}
	ops["GetSessionToken"] = &op{Method: typed(func(ctx context.Context, in *struct {
		DurationSeconds         int
		SerialNumber, TokenCode string
	}) (any, error) {
		t, err := tenantOf(cfg, ctx, caller(ctx).Account)
		if err != nil {
			return nil, err
		}
		return t.STS.GetSessionToken(ctx, caller(ctx), in.DurationSeconds, in.SerialNumber, in.TokenCode)
	})}
	ops["AssumeRoleWithSAML"] = &op{Unsigned: true, Method: typed(func(ctx context.Context, in *struct {
		RoleArn       string `form:",required"`
		PrincipalArn  string `form:",required"`
		SAMLAssertion string `form:",required"`
	}) (any, error) {
		t, err := roleTenant(cfg, ctx, in.RoleArn)
		if err != nil {
			return nil, err
		}
		if _, err := t.IAM.GetSAMLProvider(ctx, in.PrincipalArn); err != nil {
			return nil, awserr.Newf(400, "InvalidIdentityToken", "SAML provider %s does not exist.", in.PrincipalArn)
		}
		return nil, awserr.New(400, "InvalidIdentityToken", "This server (sekisho) does not verify SAML assertions: federate with OpenID Connect (AssumeRoleWithWebIdentity) or a Cognito identity pool instead.")
	})}
	ops["GetFederationToken"] = &op{Action: "sts:GetFederationToken",
		Resource: func(c *apiCall) string {
			return "arn:aws:sts::" + c.p.Account + ":federated-user/" + url.Values(c.form).Get("Name")
		},
		Method: typed(func(ctx context.Context, in *struct {
			Name            string `form:",required"`
			DurationSeconds int
			Policy          string
			PolicyArns      []policyArn
			Tags            []iam.Tag
		}) (any, error) {
			t, err := tenantOf(cfg, ctx, caller(ctx).Account)
			if err != nil {
				return nil, err
			}
			return t.STS.GetFederationToken(ctx, caller(ctx), sts.FederationInput{
				Name: in.Name, DurationSeconds: in.DurationSeconds, Policy: in.Policy, PolicyArns: arnsOf(in.PolicyArns), Tags: in.Tags})
		})}
	ops["GetAccessKeyInfo"] = &op{Action: "sts:GetAccessKeyInfo", Method: typed(func(ctx context.Context, in *struct {
		AccessKeyId string `form:",required"`
	}) (any, error) {
		p := caller(ctx)
		acct := cfg.Account
		switch {
		case in.AccessKeyId == p.AccessKeyID:
			acct = p.Account
		case cfg.Verifier != nil && cfg.Verifier.Credentials != nil:
			if c, err := cfg.Verifier.Credentials.Credential(ctx, in.AccessKeyId, ""); err == nil && c.Principal != nil {
				acct = c.Principal.Account
			}
		}
		return &sts.GetAccessKeyInfoOutput{Account: acct}, nil
	})}
	ops["DecodeAuthorizationMessage"] = &op{Action: "sts:DecodeAuthorizationMessage", Method: typed(func(ctx context.Context, in *struct {
		EncodedMessage string `form:",required"`
	}) (any, error) {
		t, err := tenantOf(cfg, ctx, caller(ctx).Account)
		if err != nil {
			return nil, err
		}
		return t.STS.DecodeAuthorizationMessage(ctx, in.EncodedMessage)
	})}
	return ops
}

// roleTenant returns the IAM and STS of a role's account; a role ARN
// that names no account this server keeps is the management account's
// (whose IAM then answers that there is no such role).
func roleTenant(cfg Config, ctx context.Context, roleARN string) (*Tenant, error) {
	acct := arnAccount(roleARN)
	if acct == "" || acct == cfg.Account || cfg.Tenant == nil {
		return tenantOf(cfg, ctx, "")
	}
	t, err := cfg.Tenant(ctx, acct)
	if err != nil {
		return tenantOf(cfg, ctx, "")
	}
	return t, nil
}

// requestContext returns the global condition keys of the HTTP request
// behind ctx, for services that evaluate policies themselves.
func requestContext(ctx context.Context) map[string][]string {
	r := callOf(ctx).r
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
