package front

import (
	"context"

	"github.com/sekisho/sekisho/internal/userpool"
)

// oauthAdminOps are the user-pool operations that configure OAuth 2.0:
// domains and resource servers (the client settings ride on
// Create/UpdateUserPoolClient).
func oauthAdminOps(svc *userpool.Service) map[string]method {
	type domainIn struct {
		Domain, UserPoolId  string
		ManagedLoginVersion int
		CustomDomainConfig  *struct{ CertificateArn string }
	}
	type rsRef struct{ UserPoolId, Identifier string }
	type idpRef struct{ UserPoolId, ProviderName string }
	return map[string]method{
		"CreateUserPoolDomain": typed(func(ctx context.Context, in *domainIn) (any, error) {
			v, err := svc.CreateDomain(ctx, in.Domain, in.UserPoolId, in.ManagedLoginVersion, in.CustomDomainConfig != nil)
			return map[string]any{"ManagedLoginVersion": v}, err
		}),
		"DescribeUserPoolDomain": typed(func(ctx context.Context, in *struct{ Domain string }) (any, error) {
			d, err := svc.DescribeDomain(ctx, in.Domain)
			return map[string]any{"DomainDescription": d}, err
		}),
		"UpdateUserPoolDomain": typed(func(ctx context.Context, in *domainIn) (any, error) {
			v, err := svc.UpdateDomain(ctx, in.Domain, in.UserPoolId, in.ManagedLoginVersion, in.CustomDomainConfig != nil)
			return map[string]any{"ManagedLoginVersion": v}, err
		}),
		"DeleteUserPoolDomain": typed(func(ctx context.Context, in *domainIn) (any, error) {
			return map[string]any{}, svc.DeleteDomain(ctx, in.Domain, in.UserPoolId)
		}),
		"CreateResourceServer": typed(func(ctx context.Context, in *userpool.ResourceServer) (any, error) {
			rs, err := svc.CreateResourceServer(ctx, *in)
			return map[string]any{"ResourceServer": rs}, err
		}),
		"DescribeResourceServer": typed(func(ctx context.Context, in *rsRef) (any, error) {
			rs, err := svc.ResourceServer(ctx, in.UserPoolId, in.Identifier)
			return map[string]any{"ResourceServer": rs}, err
		}),
		"UpdateResourceServer": typed(func(ctx context.Context, in *userpool.ResourceServer) (any, error) {
			rs, err := svc.UpdateResourceServer(ctx, *in)
			return map[string]any{"ResourceServer": rs}, err
		}),
		"DeleteResourceServer": typed(func(ctx context.Context, in *rsRef) (any, error) {
			return nil, svc.DeleteResourceServer(ctx, in.UserPoolId, in.Identifier)
		}),
		"CreateIdentityProvider": typed(func(ctx context.Context, in *userpool.IdentityProvider) (any, error) {
			p, err := svc.CreateIdentityProvider(ctx, *in)
			return map[string]any{"IdentityProvider": p}, err
		}),
		"DescribeIdentityProvider": typed(func(ctx context.Context, in *idpRef) (any, error) {
			p, err := svc.DescribeIdentityProvider(ctx, in.UserPoolId, in.ProviderName)
			return map[string]any{"IdentityProvider": p}, err
		}),
		"GetIdentityProviderByIdentifier": typed(func(ctx context.Context, in *struct{ UserPoolId, IdpIdentifier string }) (any, error) {
			p, err := svc.IdentityProviderByIdentifier(ctx, in.UserPoolId, in.IdpIdentifier)
			return map[string]any{"IdentityProvider": p}, err
		}),
		"UpdateIdentityProvider": typed(func(ctx context.Context, in *userpool.IdentityProvider) (any, error) {
			p, err := svc.UpdateIdentityProvider(ctx, *in)
			return map[string]any{"IdentityProvider": p}, err
		}),
		"DeleteIdentityProvider": typed(func(ctx context.Context, in *idpRef) (any, error) {
			return nil, svc.DeleteIdentityProvider(ctx, in.UserPoolId, in.ProviderName)
		}),
		"AdminLinkProviderForUser": typed(func(ctx context.Context, in *struct {
			UserPoolId                  string
			DestinationUser, SourceUser userpool.ProviderUser
		}) (any, error) {
			return map[string]any{}, svc.AdminLinkProviderForUser(ctx, in.UserPoolId, in.DestinationUser, in.SourceUser)
		}),
		"AdminDisableProviderForUser": typed(func(ctx context.Context, in *struct {
			UserPoolId string
			User       userpool.ProviderUser
		}) (any, error) {
			return map[string]any{}, svc.AdminDisableProviderForUser(ctx, in.UserPoolId, in.User)
		}),
		"ListIdentityProviders": typed(func(ctx context.Context, in *struct {
			UserPoolId string
			MaxResults int
			NextToken  string
		}) (any, error) {
			all, err := svc.ListIdentityProviders(ctx, in.UserPoolId)
			if err != nil {
				return nil, err
			}
			max := in.MaxResults
			if max <= 0 || max > 60 {
				max = 60
			}
			page, next := pageOfN(all, max, in.NextToken, func(p userpool.IdentityProvider) string { return p.ProviderName })
			providers := make([]map[string]any, len(page))
			for i, p := range page {
				providers[i] = map[string]any{"ProviderName": p.ProviderName, "ProviderType": p.ProviderType, "CreationDate": p.CreationDate, "LastModifiedDate": p.LastModifiedDate}
			}
			out := map[string]any{"Providers": providers}
			if next != "" {
				out["NextToken"] = next
			}
			return out, nil
		}),
		"ListResourceServers": typed(func(ctx context.Context, in *struct {
			UserPoolId string
			MaxResults int
			NextToken  string
		}) (any, error) {
			all, err := svc.ListResourceServers(ctx, in.UserPoolId)
			if err != nil {
				return nil, err
			}
			page, next := pageOf(all, in.MaxResults, in.NextToken, func(rs userpool.ResourceServer) string { return rs.Identifier })
			out := map[string]any{"ResourceServers": page}
			if next != "" {
				out["NextToken"] = next
			}
			return out, nil
		}),
	}
}

// pageOf pages a sorted list by its ids: entries after next (the last id
// of the previous page), at most max (50 if 0).
func pageOf[T any](all []T, max int, next string, id func(T) string) ([]T, string) {
	if max <= 0 || max > 50 {
		max = 50
	}
	return pageOfN(all, max, next, id)
}

// pageOfN is pageOf with the page size already bounded.
func pageOfN[T any](all []T, max int, next string, id func(T) string) ([]T, string) {
	out := []T{}
	for _, v := range all {
		if next != "" && id(v) <= next {
			continue
		}
		if len(out) == max {
			return out, id(out[len(out)-1])
		}
		out = append(out, v)
	}
	return out, ""
}
