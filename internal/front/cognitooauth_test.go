package front_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestOAuthConfig: the user-pool configuration of OAuth 2.0 — resource
// servers and their scopes, app clients' OAuth settings with Cognito's
// validation, and prefix domains unique across the server.
func TestOAuthConfig(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	pool, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("oauth")})
	if err != nil {
		t.Fatal(err)
	}
	pid := pool.UserPool.Id
	// Resource servers.
	rs, err := idp.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: pid, Identifier: aws.String("https://api.example"), Name: aws.String("api"),
		Scopes: []ciptypes.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("reads")}, {ScopeName: aws.String("write"), ScopeDescription: aws.String("writes")}}})
	if err != nil || len(rs.ResourceServer.Scopes) != 2 {
		t.Fatalf("CreateResourceServer: %+v %v", rs, err)
	}
	if _, err := idp.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: pid, Identifier: aws.String("https://api.example"), Name: aws.String("again")}); code(err) != "InvalidParameterException" {
		t.Errorf("duplicate resource server: %v", err)
	}
	if list, err := idp.ListResourceServers(ctx, &cip.ListResourceServersInput{UserPoolId: pid, MaxResults: aws.Int32(10)}); err != nil || len(list.ResourceServers) != 1 {
		t.Errorf("ListResourceServers: %+v %v", list, err)
	}
	if _, err := idp.DescribeResourceServer(ctx, &cip.DescribeResourceServerInput{UserPoolId: pid, Identifier: aws.String("nope")}); code(err) != "ResourceNotFoundException" {
		t.Errorf("missing resource server: %v", err)
	}
	// Clients' OAuth settings.
	client := func(in cip.CreateUserPoolClientInput) error {
		in.UserPoolId, in.ClientName = pid, aws.String("c")
		_, err := idp.CreateUserPoolClient(ctx, &in)
		return err
	}
	web := cip.CreateUserPoolClientInput{AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"},
		AllowedOAuthScopes: []string{"openid", "email", "https://api.example/read"}, CallbackURLs: []string{"https://app.example/cb", "http://localhost:3000/cb", "myapp://cb"},
		LogoutURLs: []string{"https://app.example/"}, DefaultRedirectURI: aws.String("https://app.example/cb"), SupportedIdentityProviders: []string{"COGNITO"}}
	if err := client(web); err != nil {
		t.Fatalf("a valid web client: %v", err)
	}
	bad := map[string]struct {
		in   cip.CreateUserPoolClientInput
		code string
	}{
		"http callback":      {cip.CreateUserPoolClientInput{AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid"}, CallbackURLs: []string{"http://app.example/cb"}}, "InvalidParameterException"},
		"fragment":           {cip.CreateUserPoolClientInput{AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid"}, CallbackURLs: []string{"https://app.example/cb#x"}}, "InvalidParameterException"},
		"no callback":        {cip.CreateUserPoolClientInput{AllowedOAuthFlows: []ciptypes.OAuthFlowType{"implicit"}, AllowedOAuthScopes: []string{"openid"}}, "InvalidOAuthFlowException"},
		"unknown scope":      {cip.CreateUserPoolClientInput{AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"https://api.example/delete"}, CallbackURLs: []string{"https://a.example"}}, "ScopeDoesNotExistException"},
		"default not listed": {cip.CreateUserPoolClientInput{AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid"}, CallbackURLs: []string{"https://a.example"}, DefaultRedirectURI: aws.String("https://b.example")}, "InvalidParameterException"},
		"unknown provider":   {cip.CreateUserPoolClientInput{SupportedIdentityProviders: []string{"Google"}}, "InvalidParameterException"},
		"secretless m2m":     {cip.CreateUserPoolClientInput{AllowedOAuthFlows: []ciptypes.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{"https://api.example/read"}}, "InvalidOAuthFlowException"},
		"m2m with openid":    {cip.CreateUserPoolClientInput{GenerateSecret: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{"openid"}}, "InvalidOAuthFlowException"},
		"m2m with code":      {cip.CreateUserPoolClientInput{GenerateSecret: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"client_credentials", "code"}, AllowedOAuthScopes: []string{"https://api.example/read"}, CallbackURLs: []string{"https://a.example"}}, "InvalidOAuthFlowException"},
		"oauth without any":  {cip.CreateUserPoolClientInput{AllowedOAuthFlowsUserPoolClient: true}, "InvalidOAuthFlowException"},
	}
	for name, c := range bad {
		if err := client(c.in); code(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
	if err := client(cip.CreateUserPoolClientInput{GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{"https://api.example/write"}}); err != nil {
		t.Errorf("a machine-to-machine client: %v", err)
	}
	// Domains.
	if d, err := idp.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("myapp")}); err != nil || d.DomainDescription.UserPoolId != nil {
		t.Errorf("an unknown domain: %+v %v", d, err)
	}
	if _, err := idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("my-cognito-app"), UserPoolId: pid}); code(err) != "InvalidParameterException" {
		t.Errorf("a reserved word: %v", err)
	}
	if _, err := idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("Bad_Name"), UserPoolId: pid}); code(err) != "InvalidParameterException" {
		t.Errorf("a bad prefix: %v", err)
	}
	if _, err := idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("myapp"), UserPoolId: pid, ManagedLoginVersion: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	d, err := idp.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("myapp")})
	if err != nil || *d.DomainDescription.UserPoolId != *pid || *d.DomainDescription.CloudFrontDistribution != "myapp.auth.localhost" || *d.DomainDescription.ManagedLoginVersion != 2 || d.DomainDescription.Status != "ACTIVE" {
		t.Errorf("DescribeUserPoolDomain: %+v %v", d.DomainDescription, err)
	}
	if p, err := idp.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: pid}); err != nil || p.UserPool.Domain == nil || *p.UserPool.Domain != "myapp" {
		t.Errorf("the pool's domain: %v", err)
	}
	other, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("other")})
	if _, err := idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("myapp"), UserPoolId: other.UserPool.Id}); code(err) != "InvalidParameterException" {
		t.Errorf("a taken prefix: %v", err)
	}
	if _, err := idp.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: pid}); code(err) != "InvalidParameterException" {
		t.Errorf("deleting a pool with a domain: %v", err)
	}
	if _, err := idp.UpdateUserPoolDomain(ctx, &cip.UpdateUserPoolDomainInput{Domain: aws.String("myapp"), UserPoolId: pid, ManagedLoginVersion: aws.Int32(1)}); err != nil {
		t.Errorf("UpdateUserPoolDomain: %v", err)
	}
	if _, err := idp.DeleteUserPoolDomain(ctx, &cip.DeleteUserPoolDomainInput{Domain: aws.String("myapp"), UserPoolId: pid}); err != nil {
		t.Fatal(err)
	}
	if _, err := idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("myapp"), UserPoolId: other.UserPool.Id}); err != nil {
		t.Errorf("a freed prefix: %v", err)
	}
	if _, err := idp.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: pid}); err != nil {
		t.Errorf("deleting the pool after its domain: %v", err)
	}
}
