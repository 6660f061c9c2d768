package front_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
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

// TestOAuthEndpoints: a pool's domain serves the token endpoint's
// client_credentials and refresh_token grants, userInfo and revoke, at
// "<prefix>.<auth domain>" and under "/_auth/<prefix>/", with the OAuth
// errors RFC 6749 names for bad clients, grants and scopes.
func TestOAuthEndpoints(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	pool, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("m2m")})
	pid := pool.UserPool.Id
	if _, err := idp.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: pid, Identifier: aws.String("orders"), Name: aws.String("orders"),
		Scopes: []ciptypes.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("r")}, {ScopeName: aws.String("write"), ScopeDescription: aws.String("w")}}}); err != nil {
		t.Fatal(err)
	}
	m2m, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("svc"), GenerateSecret: true,
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{"orders/read", "orders/write"}})
	if err != nil {
		t.Fatal(err)
	}
	web, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("web"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("shop"), UserPoolId: pid}); err != nil {
		t.Fatal(err)
	}
	id, secret := *m2m.UserPoolClient.ClientId, *m2m.UserPoolClient.ClientSecret
	post := func(host, path string, form url.Values, basic [2]string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", g.url+path, strings.NewReader(form.Encode()))
		req.Host = host
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic[0] != "" {
			req.SetBasicAuth(basic[0], basic[1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	host := "shop.auth.localhost"
	status, out := post(host, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"orders/read"}}, [2]string{id, secret})
	if status != 200 || out["token_type"] != "Bearer" || out["access_token"] == nil || out["id_token"] != nil || out["refresh_token"] != nil {
		t.Fatalf("client_credentials: %d %v", status, out)
	}
	claims := jwtClaims(t, out["access_token"].(string))
	if claims["scope"] != "orders/read" || claims["client_id"] != id || claims["token_use"] != "access" {
		t.Errorf("m2m token claims: %v", claims)
	}
	// The path form, with the client in the form; all scopes by default.
	status, out = post("localhost", "/_auth/shop/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}, [2]string{})
	if status != 200 || jwtClaims(t, out["access_token"].(string))["scope"] != "orders/read orders/write" {
		t.Errorf("path form, default scopes: %d %v", status, out)
	}
	bad := []struct {
		name  string
		form  url.Values
		basic [2]string
		want  string
	}{
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}}, [2]string{id, "nope"}, "invalid_client"},
		{"no client", url.Values{"grant_type": {"client_credentials"}}, [2]string{}, "invalid_client"},
		{"other scope", url.Values{"grant_type": {"client_credentials"}, "scope": {"openid"}}, [2]string{id, secret}, "invalid_scope"},
		{"public client", url.Values{"grant_type": {"client_credentials"}, "client_id": {*web.UserPoolClient.ClientId}}, [2]string{}, "invalid_client"},
		{"unknown grant", url.Values{"grant_type": {"password"}}, [2]string{id, secret}, "unsupported_grant_type"},
		{"no grant", url.Values{}, [2]string{id, secret}, "invalid_request"},
		{"code grant, m2m client", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, [2]string{id, secret}, "unauthorized_client"},
	}
	for _, b := range bad {
		if status, out := post(host, "/oauth2/token", b.form, b.basic); status != 400 || out["error"] != b.want {
			t.Errorf("%s: %d %v, want %s", b.name, status, out, b.want)
		}
	}
	// Single-page apps on other origins may call the token endpoint.
	preq, _ := http.NewRequest("OPTIONS", g.url+"/oauth2/token", nil)
	preq.Host = host
	preq.Header.Set("Origin", "http://localhost:3000")
	preq.Header.Set("Access-Control-Request-Method", "POST")
	if resp, err := http.DefaultClient.Do(preq); err != nil || resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("token preflight: %v %v", resp, err)
	}
	if status, _ := post("nope.auth.localhost", "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, [2]string{id, secret}); status != 404 {
		t.Errorf("unknown domain: %d", status)
	}
	// A user's refresh token through the token endpoint; userInfo; revoke.
	idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String("kai"), MessageAction: "SUPPRESS",
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String("kai@example.com")}}})
	idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pid, Username: aws.String("kai"), Password: aws.String("Kai#Pass1234"), Permanent: true})
	anon := cip.NewFromConfig(g.cfg(aws.AnonymousCredentials{}))
	auth, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: web.UserPoolClient.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "kai", "PASSWORD": "Kai#Pass1234"}})
	if err != nil {
		t.Fatal(err)
	}
	refresh := *auth.AuthenticationResult.RefreshToken
	status, out = post(host, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {*web.UserPoolClient.ClientId}, "refresh_token": {refresh}}, [2]string{})
	if status != 200 || out["id_token"] == nil || out["access_token"] == nil {
		t.Fatalf("refresh_token: %d %v", status, out)
	}
	// Tokens that began at the API carry no openid scope: userInfo
	// refuses them, as Cognito does (only code-flow tokens pass, see
	// TestManagedLogin), and refuses garbage the same way.
	for _, tok := range []string{out["access_token"].(string), *auth.AuthenticationResult.AccessToken, "not.a.token"} {
		if status, info := userInfo(t, g.url, host, tok); status != 401 {
			t.Errorf("userInfo with a token without openid: %d %v", status, info)
		}
	}
	if status, _ := post(host, "/oauth2/revoke", url.Values{"token": {refresh}, "client_id": {*web.UserPoolClient.ClientId}}, [2]string{}); status != 200 {
		t.Errorf("revoke: %d", status)
	}
	if status, out := post(host, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {*web.UserPoolClient.ClientId}, "refresh_token": {refresh}}, [2]string{}); status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("a revoked refresh token: %d %v", status, out)
	}
}

// userInfo calls a domain's userInfo endpoint with a bearer token; a 401
// must name invalid_token in WWW-Authenticate.
func userInfo(t *testing.T, base, host, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/oauth2/userInfo", nil)
	req.Host = host
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == 401 && !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("userInfo 401 without invalid_token: %q", resp.Header.Get("WWW-Authenticate"))
	}
	var info map[string]any
	json.NewDecoder(resp.Body).Decode(&info)
	return resp.StatusCode, info
}

// jwtClaims decodes a JWT's claims without verifying it.
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

// TestIdentityProviders: a pool's external OIDC IdPs through the API —
// discovery from the issuer (here another pool of the same server), the
// secret returned as Cognito returns it but sealed at rest, identifiers,
// updates, paging, and the errors for bad names, types and details.
func TestIdentityProviders(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	upstream, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("upstream")})
	idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("upstream"), UserPoolId: upstream.UserPool.Id})
	pool, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("app")})
	pid := pool.UserPool.Id
	issuer := g.url + "/" + *upstream.UserPool.Id
	out, err := idp.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{UserPoolId: pid, ProviderName: aws.String("Corp"), ProviderType: "OIDC",
		ProviderDetails:  map[string]string{"client_id": "abc", "client_secret": "s3cret", "authorize_scopes": "openid email", "oidc_issuer": issuer},
		AttributeMapping: map[string]string{"email": "email"}, IdpIdentifiers: []string{"corp.example"}})
	if err != nil {
		t.Fatal(err)
	}
	d := out.IdentityProvider.ProviderDetails
	if !strings.HasSuffix(d["authorize_url"], "/oauth2/authorize") || !strings.HasSuffix(d["jwks_uri"], "/.well-known/jwks.json") || d["attributes_request_method"] != "GET" ||
		d["attributes_url_add_attributes"] != "false" || out.IdentityProvider.AttributeMapping["username"] != "sub" {
		t.Errorf("created: %+v", out.IdentityProvider)
	}
	got, err := idp.GetIdentityProviderByIdentifier(ctx, &cip.GetIdentityProviderByIdentifierInput{UserPoolId: pid, IdpIdentifier: aws.String("corp.example")})
	if err != nil || got.IdentityProvider.ProviderDetails["client_secret"] != "s3cret" || *got.IdentityProvider.ProviderName != "Corp" {
		t.Errorf("by identifier: %+v %v", got, err)
	}
	// A client may now name the provider; an unknown one is refused.
	if _, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("web"), SupportedIdentityProviders: []string{"COGNITO", "Corp"}}); err != nil {
		t.Errorf("client with the provider: %v", err)
	}
	if _, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("web"), SupportedIdentityProviders: []string{"Nope"}}); code(err) != "InvalidParameterException" {
		t.Errorf("client with an unknown provider: %v", err)
	}
	// Update merges details and moves identifiers.
	up, err := idp.UpdateIdentityProvider(ctx, &cip.UpdateIdentityProviderInput{UserPoolId: pid, ProviderName: aws.String("Corp"),
		ProviderDetails: map[string]string{"authorize_scopes": "openid profile"}, IdpIdentifiers: []string{"corp.test"}})
	if err != nil || up.IdentityProvider.ProviderDetails["client_secret"] != "s3cret" || up.IdentityProvider.ProviderDetails["authorize_scopes"] != "openid profile" {
		t.Errorf("update: %+v %v", up, err)
	}
	if _, err := idp.GetIdentityProviderByIdentifier(ctx, &cip.GetIdentityProviderByIdentifierInput{UserPoolId: pid, IdpIdentifier: aws.String("corp.example")}); code(err) != "ResourceNotFoundException" {
		t.Errorf("a released identifier: %v", err)
	}
	bad := []struct {
		name string
		in   cip.CreateIdentityProviderInput
		want string
	}{
		{"duplicate", cip.CreateIdentityProviderInput{ProviderName: aws.String("Corp"), ProviderType: "OIDC", ProviderDetails: map[string]string{"client_id": "a", "authorize_scopes": "openid", "oidc_issuer": issuer}}, "DuplicateProviderException"},
		{"underscore", cip.CreateIdentityProviderInput{ProviderName: aws.String("_x1"), ProviderType: "OIDC", ProviderDetails: map[string]string{"client_id": "a", "authorize_scopes": "openid", "oidc_issuer": issuer}}, "InvalidParameterException"},
		{"reserved", cip.CreateIdentityProviderInput{ProviderName: aws.String("COGNITO"), ProviderType: "OIDC", ProviderDetails: map[string]string{"client_id": "a", "authorize_scopes": "openid", "oidc_issuer": issuer}}, "InvalidParameterException"},
		{"no issuer", cip.CreateIdentityProviderInput{ProviderName: aws.String("Other"), ProviderType: "OIDC", ProviderDetails: map[string]string{"client_id": "a", "authorize_scopes": "openid"}}, "InvalidParameterException"},
		{"no openid", cip.CreateIdentityProviderInput{ProviderName: aws.String("Other"), ProviderType: "OIDC", ProviderDetails: map[string]string{"client_id": "a", "authorize_scopes": "email", "oidc_issuer": issuer}}, "InvalidParameterException"},
		{"plain http issuer", cip.CreateIdentityProviderInput{ProviderName: aws.String("Other"), ProviderType: "OIDC", ProviderDetails: map[string]string{"client_id": "a", "authorize_scopes": "openid", "oidc_issuer": "http://idp.example"}}, "InvalidParameterException"},
		{"unreachable issuer", cip.CreateIdentityProviderInput{ProviderName: aws.String("Other"), ProviderType: "OIDC", ProviderDetails: map[string]string{"client_id": "a", "authorize_scopes": "openid", "oidc_issuer": g.url + "/nowhere"}}, "InvalidParameterException"},
		{"identifier taken", cip.CreateIdentityProviderInput{ProviderName: aws.String("Other"), ProviderType: "OIDC", IdpIdentifiers: []string{"corp.test"}, ProviderDetails: map[string]string{"client_id": "a", "authorize_scopes": "openid", "oidc_issuer": issuer}}, "InvalidParameterException"},
		{"social name", cip.CreateIdentityProviderInput{ProviderName: aws.String("MyGoogle"), ProviderType: "Google", ProviderDetails: map[string]string{"client_id": "a", "client_secret": "b", "authorize_scopes": "openid"}}, "InvalidParameterException"},
		{"saml", cip.CreateIdentityProviderInput{ProviderName: aws.String("Saml"), ProviderType: "SAML", ProviderDetails: map[string]string{"MetadataURL": "https://idp.example/md"}}, "UnsupportedIdentityProviderException"},
	}
	for _, b := range bad {
		b.in.UserPoolId = pid
		if _, err := idp.CreateIdentityProvider(ctx, &b.in); code(err) != b.want {
			t.Errorf("%s: %v, want %s", b.name, err, b.want)
		}
	}
	if _, err := idp.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{UserPoolId: pid, ProviderName: aws.String("Google"), ProviderType: "Google",
		ProviderDetails: map[string]string{"client_id": "a", "client_secret": "b", "authorize_scopes": "openid email"}}); err != nil {
		t.Errorf("a Google provider: %v", err)
	}
	page, err := idp.ListIdentityProviders(ctx, &cip.ListIdentityProvidersInput{UserPoolId: pid, MaxResults: aws.Int32(1)})
	if err != nil || len(page.Providers) != 1 || *page.Providers[0].ProviderName != "Corp" || page.NextToken == nil {
		t.Fatalf("list page 1: %+v %v", page, err)
	}
	page, err = idp.ListIdentityProviders(ctx, &cip.ListIdentityProvidersInput{UserPoolId: pid, MaxResults: aws.Int32(1), NextToken: page.NextToken})
	if err != nil || len(page.Providers) != 1 || *page.Providers[0].ProviderName != "Google" {
		t.Errorf("list page 2: %+v %v", page, err)
	}
	if _, err := idp.DeleteIdentityProvider(ctx, &cip.DeleteIdentityProviderInput{UserPoolId: pid, ProviderName: aws.String("Corp")}); err != nil {
		t.Fatal(err)
	}
	if _, err := idp.DescribeIdentityProvider(ctx, &cip.DescribeIdentityProviderInput{UserPoolId: pid, ProviderName: aws.String("Corp")}); code(err) != "ResourceNotFoundException" {
		t.Errorf("after delete: %v", err)
	}
}
