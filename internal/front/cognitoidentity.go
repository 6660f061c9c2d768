package front

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/idpool"
)

type idPoolRef struct{ IdentityPoolId string }

// cognitoIdentityOps is the identity-pool operation table: admin calls are
// signed and authorized as cognito-identity:<Operation> on the pool; GetId,
// GetCredentialsForIdentity, GetOpenIdToken and UnlinkIdentity are
// unauthenticated, as in AWS.
func cognitoIdentityOps(svc *idpool.Service) map[string]*op {
	admin := map[string]method{
		"CreateIdentityPool": typed(func(ctx context.Context, in *idpool.Pool) (any, error) {
			return svc.CreatePool(ctx, *in)
		}),
		"DescribeIdentityPool": typed(func(ctx context.Context, in *idPoolRef) (any, error) {
			return svc.Pool(ctx, in.IdentityPoolId)
		}),
		"UpdateIdentityPool": typed(func(ctx context.Context, in *idpool.Pool) (any, error) {
			return svc.UpdatePool(ctx, *in)
		}),
		"DeleteIdentityPool": typed(func(ctx context.Context, in *idPoolRef) (any, error) {
			return nil, svc.DeletePool(ctx, in.IdentityPoolId)
		}),
		"ListIdentityPools": typed(func(ctx context.Context, in *struct {
			MaxResults int
			NextToken  string
		}) (any, error) {
			pools, err := svc.ListPools(ctx)
			slices.SortFunc(pools, func(a, b idpool.Pool) int { return strings.Compare(a.IdentityPoolId, b.IdentityPoolId) })
			page, next := pageOfN(pools, orMax(in.MaxResults, 60), in.NextToken, func(p idpool.Pool) string { return p.IdentityPoolId })
			out := []map[string]string{}
			for _, p := range page {
				out = append(out, map[string]string{"IdentityPoolId": p.IdentityPoolId, "IdentityPoolName": p.IdentityPoolName})
			}
			return withNext(map[string]any{"IdentityPools": out}, "NextToken", next), err
		}),
		"SetIdentityPoolRoles": typed(func(ctx context.Context, in *struct {
			IdentityPoolId string
			Roles          map[string]string
			RoleMappings   map[string]idpool.RoleMapping
		}) (any, error) {
			return nil, svc.SetRoles(ctx, in.IdentityPoolId, in.Roles, in.RoleMappings)
		}),
		"GetIdentityPoolRoles": typed(func(ctx context.Context, in *idPoolRef) (any, error) {
			p, err := svc.Pool(ctx, in.IdentityPoolId)
			out := map[string]any{"IdentityPoolId": p.IdentityPoolId, "Roles": p.Roles}
			if len(p.RoleMappings) > 0 {
				out["RoleMappings"] = p.RoleMappings
			}
			return out, err
		}),
		"SetPrincipalTagAttributeMap": typed(func(ctx context.Context, in *struct {
			IdentityPoolId, IdentityProviderName string
			UseDefaults                          bool
			PrincipalTags                        map[string]string
		}) (any, error) {
			err := svc.SetTagMap(ctx, in.IdentityPoolId, in.IdentityProviderName, idpool.TagMap{UseDefaults: in.UseDefaults, PrincipalTags: in.PrincipalTags})
			return in, err
		}),
		"GetPrincipalTagAttributeMap": typed(func(ctx context.Context, in *struct{ IdentityPoolId, IdentityProviderName string }) (any, error) {
			p, err := svc.Pool(ctx, in.IdentityPoolId)
			m := p.TagMaps[in.IdentityProviderName]
			return map[string]any{"IdentityPoolId": in.IdentityPoolId, "IdentityProviderName": in.IdentityProviderName, "UseDefaults": m.UseDefaults, "PrincipalTags": m.PrincipalTags}, err
		}),
		"GetOpenIdTokenForDeveloperIdentity": typed(func(ctx context.Context, in *struct {
			IdentityPoolId, IdentityId string
			Logins                     map[string]string
			PrincipalTags              map[string]string
			TokenDuration              int64
		}) (any, error) {
			return svc.GetOpenIdTokenForDeveloperIdentity(ctx, in.IdentityPoolId, in.IdentityId, in.Logins, in.PrincipalTags, time.Duration(in.TokenDuration)*time.Second)
		}),
		"LookupDeveloperIdentity": typed(func(ctx context.Context, in *struct{ IdentityPoolId, IdentityId, DeveloperUserIdentifier string }) (any, error) {
			id, users, err := svc.LookupDeveloperIdentity(ctx, in.IdentityPoolId, in.IdentityId, in.DeveloperUserIdentifier)
			return map[string]any{"IdentityId": id, "DeveloperUserIdentifierList": users}, err
		}),
		"ListIdentities": typed(func(ctx context.Context, in *struct {
			IdentityPoolId string
			MaxResults     int
			NextToken      string
		}) (any, error) {
			ids, next, err := svc.ListIdentities(ctx, in.IdentityPoolId, orMax(in.MaxResults, 60), in.NextToken)
			return withNext(map[string]any{"IdentityPoolId": in.IdentityPoolId, "Identities": ids}, "NextToken", next), err
		}),
		"MergeDeveloperIdentities": typed(func(ctx context.Context, in *struct {
			SourceUserIdentifier, DestinationUserIdentifier, DeveloperProviderName, IdentityPoolId string
		}) (any, error) {
			id, err := svc.MergeDeveloperIdentities(ctx, in.IdentityPoolId, in.DeveloperProviderName, in.SourceUserIdentifier, in.DestinationUserIdentifier)
			return map[string]any{"IdentityId": id}, err
		}),
		"UnlinkDeveloperIdentity": typed(func(ctx context.Context, in *struct {
			IdentityId, IdentityPoolId, DeveloperProviderName, DeveloperUserIdentifier string
		}) (any, error) {
			return nil, svc.UnlinkDeveloperIdentity(ctx, in.IdentityPoolId, in.IdentityId, in.DeveloperProviderName, in.DeveloperUserIdentifier)
		}),
		"DescribeIdentity": typed(func(ctx context.Context, in *struct{ IdentityId string }) (any, error) {
			return svc.DescribeIdentity(ctx, in.IdentityId)
		}),
		"DeleteIdentities": typed(func(ctx context.Context, in *struct{ IdentityIdsToDelete []string }) (any, error) {
			left, err := svc.DeleteIdentities(ctx, in.IdentityIdsToDelete)
			out := []map[string]string{}
			for _, id := range left {
				out = append(out, map[string]string{"IdentityId": id, "ErrorCode": "IdentityNotFound"})
			}
			return map[string]any{"UnprocessedIdentityIds": out}, err
		}),
	}
	type ident struct {
		IdentityPoolId, IdentityId, CustomRoleArn string
		Logins                                    map[string]string
		LoginsToRemove                            []string
	}
	public := map[string]method{
		"GetId": typed(func(ctx context.Context, in *ident) (any, error) {
			id, err := svc.GetId(ctx, in.IdentityPoolId, in.Logins)
			return map[string]string{"IdentityId": id}, err
		}),
		"GetCredentialsForIdentity": typed(func(ctx context.Context, in *ident) (any, error) {
			c, err := svc.GetCredentialsForIdentity(ctx, in.IdentityId, in.Logins, in.CustomRoleArn)
			if err != nil {
				return nil, err
			}
			return map[string]any{"IdentityId": c.IdentityId, "Credentials": c}, nil
		}),
		"GetOpenIdToken": typed(func(ctx context.Context, in *ident) (any, error) {
			tok, id, err := svc.OpenIdTokenFor(ctx, in.IdentityId, in.Logins)
			if err != nil {
				return nil, err
			}
			return map[string]string{"IdentityId": id, "Token": tok}, nil
		}),
		"UnlinkIdentity": typed(func(ctx context.Context, in *ident) (any, error) {
			return nil, svc.UnlinkIdentity(ctx, in.IdentityId, in.Logins, in.LoginsToRemove)
		}),
	}
	ops := map[string]*op{}
	maps.Copy(admin, tagRows(svc))
	rows(ops, admin, false, "cognito-identity:", poolResource(svc.PoolARN, true), nil)
	rows(ops, public, true, "", nil, nil)
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
