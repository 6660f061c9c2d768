package front_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestFederatedSignIn: a pool signs users in through an external OIDC
// provider — here another pool of the same server with its own managed
// login — end to end in the path form: authorize with identity_provider,
// the provider's sign-in page, /oauth2/idpresponse, a code for the
// client, and tokens for the federated user "<provider>_<sub>" with the
// mapped email and the identities claim. A tampered state and a bad code
// never yield a session.
func TestFederatedSignIn(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	host := strings.TrimPrefix(g.url, "http://")

	// The upstream provider: a pool, its domain, a confidential client
	// whose callback is the downstream pool's idpresponse, and a user.
	up, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("upstream")})
	upID := *up.UserPool.Id
	idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("upstream"), UserPoolId: aws.String(upID)})
	callback := g.url + "/_auth/app/oauth2/idpresponse"
	upClient, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(upID), ClientName: aws.String("downstream"), GenerateSecret: true,
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid", "email"},
		CallbackURLs: []string{callback}, SupportedIdentityProviders: []string{"COGNITO"}})
	if err != nil {
		t.Fatal(err)
	}
	idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(upID), Username: aws.String("mio"), MessageAction: "SUPPRESS",
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String("mio@corp.example")}}})
	idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(upID), Username: aws.String("mio"), Password: aws.String("Mio#Pass1234"), Permanent: true})
	mio, _ := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(upID), Username: aws.String("mio")})
	var mioSub string
	for _, a := range mio.UserAttributes {
		if *a.Name == "sub" {
			mioSub = *a.Value
		}
	}

	// The downstream pool trusts it.
	down, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("app")})
	downID := down.UserPool.Id
	idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("app"), UserPoolId: downID})
	if _, err := idp.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{UserPoolId: downID, ProviderName: aws.String("Corp"), ProviderType: "OIDC",
		ProviderDetails: map[string]string{"client_id": *upClient.UserPoolClient.ClientId, "client_secret": *upClient.UserPoolClient.ClientSecret,
			"authorize_scopes": "openid email", "oidc_issuer": g.url + "/" + upID,
			"authorize_url": g.url + "/_auth/upstream/oauth2/authorize", "token_url": g.url + "/_auth/upstream/oauth2/token", "jwks_uri": g.url + "/" + upID + "/.well-known/jwks.json",
			"attributes_url": g.url + "/_auth/upstream/oauth2/userInfo"},
		// username is only in the provider's userInfo answer, not its ID token.
		AttributeMapping: map[string]string{"email": "email", "preferred_username": "username"}, IdpIdentifiers: []string{"corp.example"}}); err != nil {
		t.Fatal(err)
	}
	client, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: downID, ClientName: aws.String("spa"),
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid", "email"},
		CallbackURLs: []string{"https://app.example/cb"}, SupportedIdentityProviders: []string{"COGNITO", "Corp"}})
	if err != nil {
		t.Fatal(err)
	}
	cid := *client.UserPoolClient.ClientId

	app := &browser{t: t, url: g.url, host: host, cookies: map[string]string{}}
	corp := &browser{t: t, url: g.url, host: host, cookies: map[string]string{}}
	authz := url.Values{"client_id": {cid}, "redirect_uri": {"https://app.example/cb"}, "response_type": {"code"}, "state": {"st8"}, "scope": {"openid email"}, "idp_identifier": {"corp.example"}}
	resp, _ := app.do("GET", "/_auth/app/oauth2/authorize?"+authz.Encode(), nil)
	to := resp.Header.Get("Location")
	if resp.StatusCode != 302 || !strings.HasPrefix(to, g.url+"/_auth/upstream/oauth2/authorize?") {
		t.Fatalf("authorize with idp_identifier: %d %s", resp.StatusCode, to)
	}
	// At the provider: its sign-in page, then back to idpresponse.
	resp, _ = corp.do("GET", strings.TrimPrefix(to, g.url), nil)
	resp, page := corp.do("GET", resp.Header.Get("Location"), nil)
	form := formOf(page)
	form.Set("username", "mio")
	form.Set("password", "Mio#Pass1234")
	resp, _ = corp.do("POST", "/_auth/upstream/login", form)
	back := resp.Header.Get("Location")
	if resp.StatusCode != 302 || !strings.HasPrefix(back, callback+"?") {
		t.Fatalf("provider sign-in: %d %s", resp.StatusCode, back)
	}
	backURL, _ := url.Parse(back)
	// A tampered state is refused with a page, not a redirect.
	bad := backURL.Query()
	bad.Set("state", bad.Get("state")+"x")
	if resp, _ := app.do("GET", "/_auth/app/oauth2/idpresponse?"+bad.Encode(), nil); resp.StatusCode != 400 || app.cookies["cognito"] != "" {
		t.Errorf("a tampered state: %d %v", resp.StatusCode, app.cookies)
	}
	// Another browser (a login-CSRF victim) cannot finish this sign-in.
	other := &browser{t: t, url: g.url, host: host, cookies: map[string]string{}}
	if resp, _ := other.do("GET", strings.TrimPrefix(back, g.url), nil); resp.StatusCode != 400 || other.cookies["cognito"] != "" {
		t.Errorf("the callback in another browser: %d %v", resp.StatusCode, other.cookies)
	}
	// A bad code goes back to the client as access_denied.
	bad = backURL.Query()
	bad.Set("code", "not-a-code")
	if resp, _ := app.do("GET", "/_auth/app/oauth2/idpresponse?"+bad.Encode(), nil); resp.StatusCode != 302 || !strings.Contains(resp.Header.Get("Location"), "error=access_denied") || app.cookies["cognito"] != "" {
		t.Errorf("a bad code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = app.do("GET", strings.TrimPrefix(back, g.url), nil)
	done, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || done.Host != "app.example" || done.Query().Get("code") == "" || done.Query().Get("state") != "st8" || app.cookies["cognito"] == "" {
		t.Fatalf("idpresponse: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The callback is spent: the binding cookie is gone (and the
	// provider's code with it).
	if resp, _ := app.do("GET", strings.TrimPrefix(back, g.url), nil); resp.StatusCode != 400 || strings.Contains(resp.Header.Get("Location"), "code=") {
		t.Errorf("a replayed callback: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	status, out := postForm(t, g.url+"/_auth/app/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {cid}, "code": {done.Query().Get("code")}, "redirect_uri": {"https://app.example/cb"}})
	if status != 200 {
		t.Fatalf("token: %d %v", status, out)
	}
	claims := jwtClaims(t, out["id_token"].(string))
	ids, _ := json.Marshal(claims["identities"])
	if claims["cognito:username"] != "Corp_"+mioSub || claims["email"] != "mio@corp.example" || claims["preferred_username"] != "mio" || !strings.Contains(string(ids), `"providerName":"Corp"`) || !strings.Contains(string(ids), mioSub) {
		t.Errorf("federated ID token: %v", claims)
	}
	u, err := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: downID, Username: aws.String("Corp_" + mioSub)})
	if err != nil || u.UserStatus != "EXTERNAL_PROVIDER" {
		t.Errorf("the federated user: %+v %v", u, err)
	}
	// Again, by provider name: the provider's session answers at once and
	// the same federated user signs in (updated, not duplicated).
	authz.Del("idp_identifier")
	authz.Set("identity_provider", "Corp")
	resp, _ = app.do("GET", "/_auth/app/oauth2/authorize?"+authz.Encode(), nil)
	resp, _ = corp.do("GET", strings.TrimPrefix(resp.Header.Get("Location"), g.url), nil)
	resp, _ = app.do("GET", strings.TrimPrefix(resp.Header.Get("Location"), g.url), nil)
	done, _ = url.Parse(resp.Header.Get("Location"))
	status, out = postForm(t, g.url+"/_auth/app/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {cid}, "code": {done.Query().Get("code")}, "redirect_uri": {"https://app.example/cb"}})
	if status != 200 || jwtClaims(t, out["id_token"].(string))["cognito:username"] != "Corp_"+mioSub {
		t.Errorf("second federated sign-in: %d %v", status, out)
	}
	// Linking: mio has signed in, so she cannot be merged; sora, who has
	// not, is linked to the native user "sora-local" and signs in as her.
	link := func(dest, src string) error {
		_, err := idp.AdminLinkProviderForUser(ctx, &cip.AdminLinkProviderForUserInput{UserPoolId: downID,
			DestinationUser: &ciptypes.ProviderUserIdentifierType{ProviderName: aws.String("Cognito"), ProviderAttributeValue: aws.String(dest)},
			SourceUser:      &ciptypes.ProviderUserIdentifierType{ProviderName: aws.String("Corp"), ProviderAttributeName: aws.String("Cognito_Subject"), ProviderAttributeValue: aws.String(src)}})
		return err
	}
	idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: downID, Username: aws.String("sora-local"), MessageAction: "SUPPRESS"})
	if err := link("sora-local", mioSub); code(err) != "InvalidParameterException" || !strings.Contains(err.Error(), "Merging is not currently supported") {
		t.Errorf("linking a provider user who signed in: %v", err)
	}
	idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(upID), Username: aws.String("sora"), MessageAction: "SUPPRESS"})
	idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(upID), Username: aws.String("sora"), Password: aws.String("Sora#Pass1234"), Permanent: true})
	sora, _ := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(upID), Username: aws.String("sora")})
	soraSub := ""
	for _, a := range sora.UserAttributes {
		if *a.Name == "sub" {
			soraSub = *a.Value
		}
	}
	if err := link("sora-local", soraSub); err != nil {
		t.Fatal(err)
	}
	if err := link("nobody", soraSub+"x"); code(err) != "UserNotFoundException" {
		t.Errorf("linking to a missing user: %v", err)
	}
	app2 := &browser{t: t, url: g.url, host: host, cookies: map[string]string{}}
	corp2 := &browser{t: t, url: g.url, host: host, cookies: map[string]string{}}
	resp, _ = app2.do("GET", "/_auth/app/oauth2/authorize?"+authz.Encode(), nil)
	resp, _ = corp2.do("GET", strings.TrimPrefix(resp.Header.Get("Location"), g.url), nil)
	_, page = corp2.do("GET", resp.Header.Get("Location"), nil)
	form = formOf(page)
	form.Set("username", "sora")
	form.Set("password", "Sora#Pass1234")
	resp, _ = corp2.do("POST", "/_auth/upstream/login", form)
	resp, _ = app2.do("GET", strings.TrimPrefix(resp.Header.Get("Location"), g.url), nil)
	done, _ = url.Parse(resp.Header.Get("Location"))
	status, out = postForm(t, g.url+"/_auth/app/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {cid}, "code": {done.Query().Get("code")}, "redirect_uri": {"https://app.example/cb"}})
	if status != 200 || jwtClaims(t, out["id_token"].(string))["cognito:username"] != "sora-local" {
		t.Errorf("a linked sign-in: %d %v", status, out)
	} else if ids, _ := json.Marshal(jwtClaims(t, out["id_token"].(string))["identities"]); !strings.Contains(string(ids), soraSub) {
		t.Errorf("the linked user's identities: %s", ids)
	}
	if _, err := idp.AdminDisableProviderForUser(ctx, &cip.AdminDisableProviderForUserInput{UserPoolId: downID,
		User: &ciptypes.ProviderUserIdentifierType{ProviderName: aws.String("Corp"), ProviderAttributeName: aws.String("Cognito_Subject"), ProviderAttributeValue: aws.String(soraSub)}}); err != nil {
		t.Errorf("AdminDisableProviderForUser: %v", err)
	}
	if u, err := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: downID, Username: aws.String("sora-local")}); err != nil {
		t.Errorf("sora-local after unlinking: %v", err)
	} else {
		for _, a := range u.UserAttributes {
			if *a.Name == "identities" {
				t.Errorf("identities left after unlinking: %s", *a.Value)
			}
		}
	}
	// A client whose only provider is Corp goes straight there, and its
	// users can never use a password here.
	only, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: downID, ClientName: aws.String("corp-only"),
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid"},
		CallbackURLs: []string{"https://app.example/cb"}, SupportedIdentityProviders: []string{"Corp"}})
	if err != nil {
		t.Fatal(err)
	}
	onlyQ := url.Values{"client_id": {*only.UserPoolClient.ClientId}, "redirect_uri": {"https://app.example/cb"}, "response_type": {"code"}}
	if resp, _ := other.do("GET", "/_auth/app/oauth2/authorize?"+onlyQ.Encode(), nil); resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), g.url+"/_auth/upstream/oauth2/authorize?") {
		t.Errorf("a client with one provider: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := other.do("GET", "/_auth/app/login?"+onlyQ.Encode(), nil); resp.StatusCode != 400 {
		t.Errorf("the login page for a client without COGNITO: %d", resp.StatusCode)
	}
	// A provider the client does not support is refused.
	authz.Set("identity_provider", "Nope")
	if resp, _ := app.do("GET", "/_auth/app/oauth2/authorize?"+authz.Encode(), nil); resp.StatusCode != 302 || !strings.Contains(resp.Header.Get("Location"), "error=invalid_request") {
		t.Errorf("an unknown provider: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// postForm posts a form and decodes the JSON answer.
func postForm(t *testing.T, to string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(to, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}
