package front

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/idpool"
)

type idPoolRef struct{ IdentityPoolId string }

// cognitoIdentityOps is the identity-pool operation table: admin calls are
// signed and authorized as cognito-identity:<Operation> on the pool; GetId,
// GetCredentialsForIdentity, GetOpenIdToken and UnlinkIdentity are
// unauthenticated, as in AWS.
func cognitoIdentityOps(svc *idpool.Service) map[string]jsonOp {
	type call = func(ctx context.Context, p *auth.Principal, body []byte) (any, error)
	admin := map[string]call{
		"CreateIdentityPool": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[idpool.Pool](b)
			if err != nil {
				return nil, err
			}
			return svc.CreatePool(ctx, in)
		},
		"DescribeIdentityPool": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[idPoolRef](b)
			if err != nil {
				return nil, err
			}
			return svc.Pool(ctx, in.IdentityPoolId)
		},
		"UpdateIdentityPool": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[idpool.Pool](b)
			if err != nil {
				return nil, err
			}
			return svc.UpdatePool(ctx, in)
		},
		"DeleteIdentityPool": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[idPoolRef](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.DeletePool(ctx, in.IdentityPoolId)
		},
		"ListIdentityPools": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			pools, err := svc.ListPools(ctx)
			out := []map[string]string{}
			for _, p := range pools {
				out = append(out, map[string]string{"IdentityPoolId": p.IdentityPoolId, "IdentityPoolName": p.IdentityPoolName})
			}
			return map[string]any{"IdentityPools": out}, err
		},
		"SetIdentityPoolRoles": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct {
				IdentityPoolId string
				Roles          map[string]string
				RoleMappings   map[string]idpool.RoleMapping
			}](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.SetRoles(ctx, in.IdentityPoolId, in.Roles, in.RoleMappings)
		},
		"GetIdentityPoolRoles": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[idPoolRef](b)
			if err != nil {
				return nil, err
			}
			p, err := svc.Pool(ctx, in.IdentityPoolId)
			out := map[string]any{"IdentityPoolId": p.IdentityPoolId, "Roles": p.Roles}
			if len(p.RoleMappings) > 0 {
				out["RoleMappings"] = p.RoleMappings
			}
			return out, err
		},
		"SetPrincipalTagAttributeMap": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct {
				IdentityPoolId, IdentityProviderName string
				UseDefaults                          bool
				PrincipalTags                        map[string]string
			}](b)
			if err != nil {
				return nil, err
			}
			err = svc.SetTagMap(ctx, in.IdentityPoolId, in.IdentityProviderName, idpool.TagMap{UseDefaults: in.UseDefaults, PrincipalTags: in.PrincipalTags})
			return in, err
		},
		"GetPrincipalTagAttributeMap": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct{ IdentityPoolId, IdentityProviderName string }](b)
			if err != nil {
				return nil, err
			}
			p, err := svc.Pool(ctx, in.IdentityPoolId)
			m := p.TagMaps[in.IdentityProviderName]
			return map[string]any{"IdentityPoolId": in.IdentityPoolId, "IdentityProviderName": in.IdentityProviderName, "UseDefaults": m.UseDefaults, "PrincipalTags": m.PrincipalTags}, err
		},
		"GetOpenIdTokenForDeveloperIdentity": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct {
				IdentityPoolId, IdentityId string
				Logins                     map[string]string
				PrincipalTags              map[string]string
				TokenDuration              int64
			}](b)
			if err != nil {
				return nil, err
			}
			return svc.GetOpenIdTokenForDeveloperIdentity(ctx, in.IdentityPoolId, in.IdentityId, in.Logins, in.PrincipalTags, time.Duration(in.TokenDuration)*time.Second)
		},
		"LookupDeveloperIdentity": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct{ IdentityPoolId, IdentityId, DeveloperUserIdentifier string }](b)
			if err != nil {
				return nil, err
			}
			id, users, err := svc.LookupDeveloperIdentity(ctx, in.IdentityPoolId, in.IdentityId, in.DeveloperUserIdentifier)
			return map[string]any{"IdentityId": id, "DeveloperUserIdentifierList": users}, err
		},
		"ListIdentities": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct {
				IdentityPoolId string
				MaxResults     int
			}](b)
			if err != nil {
				return nil, err
			}
			ids, err := svc.ListIdentities(ctx, in.IdentityPoolId, in.MaxResults)
			return map[string]any{"IdentityPoolId": in.IdentityPoolId, "Identities": ids}, err
		},
		"DescribeIdentity": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct{ IdentityId string }](b)
			if err != nil {
				return nil, err
			}
			return svc.DescribeIdentity(ctx, in.IdentityId)
		},
		"DeleteIdentities": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct{ IdentityIdsToDelete []string }](b)
			if err != nil {
				return nil, err
			}
			left, err := svc.DeleteIdentities(ctx, in.IdentityIdsToDelete)
			out := []map[string]string{}
			for _, id := range left {
				out = append(out, map[string]string{"IdentityId": id, "ErrorCode": "IdentityNotFound"})
			}
			return map[string]any{"UnprocessedIdentityIds": out}, err
		},
	}
	type ident struct {
		IdentityPoolId, IdentityId, CustomRoleArn string
		Logins                                    map[string]string
		LoginsToRemove                            []string
	}
	public := map[string]call{
		"GetId": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[ident](b)
			if err != nil {
				return nil, err
			}
			id, err := svc.GetId(ctx, in.IdentityPoolId, in.Logins)
			return map[string]string{"IdentityId": id}, err
		},
		"GetCredentialsForIdentity": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[ident](b)
			if err != nil {
				return nil, err
			}
			c, err := svc.GetCredentialsForIdentity(ctx, in.IdentityId, in.Logins, in.CustomRoleArn)
			if err != nil {
				return nil, err
			}
			return map[string]any{"IdentityId": c.IdentityId, "Credentials": c}, nil
		},
		"GetOpenIdToken": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[ident](b)
			if err != nil {
				return nil, err
			}
			tok, id, err := svc.OpenIdTokenFor(ctx, in.IdentityId, in.Logins)
			if err != nil {
				return nil, err
			}
			return map[string]string{"IdentityId": id, "Token": tok}, nil
		},
		"UnlinkIdentity": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[ident](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.UnlinkIdentity(ctx, in.IdentityId, in.Logins, in.LoginsToRemove)
		},
	}
	ops := map[string]jsonOp{}
	for name, fn := range admin {
		ops[name] = jsonOp{Call: fn, Action: "cognito-identity:" + name}
	}
	for name, fn := range public {
		ops[name] = jsonOp{Call: fn, Unauthenticated: true}
	}
	return ops
}

// serveIdentityJWKS serves the keys of identity-pool OpenID tokens at
// /.well-known/jwks_uri, as cognito-identity.amazonaws.com does.
func (h *Handler) serveIdentityJWKS(w http.ResponseWriter, r *http.Request) {
	if h.cfg.IdentityPools == nil {
		h.serveS3(w, r) // no identity pools: not a route here
		return
	}
	ri := info(r.Context())
	ri.service, ri.operation = "cognito-identity", "jwks_uri"
	keys, err := h.cfg.IdentityPools.KeySet(r.Context())
	if err != nil {
		h.writeError(w, r, protoJSON, err)
		return
	}
	b, _ := json.Marshal(keys)
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}
