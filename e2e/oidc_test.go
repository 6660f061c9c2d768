package e2e

import (
	"os"
	"testing"
)

// TestOpenIDClient runs e2e/js/oidc.mjs: openid-client, a certified
// OpenID Connect relying party, against the built binary — discovery on a
// pool's issuer, code + PKCE through the managed login page, ID token
// validation (signature, iss, aud, nonce, at_hash), userinfo, refresh and
// revocation, with a confidential client.
func TestOpenIDClient(t *testing.T) {
	t.Parallel()
	node := needJS(t)
	s := seedServer(t)
	ids := runSeed(t, s, `
pid, _ = user_pool("rp-app")
user(pid, "hana", "Hana#Pass1234", "hana@example.com")
idp.create_user_pool_domain(UserPoolId=pid, Domain="rpapp")
c = idp.create_user_pool_client(UserPoolId=pid, ClientName="rp", GenerateSecret=True, ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"],
    AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "email", "aws.cognito.signin.user.admin"],
    CallbackURLs=["http://localhost/cb"], SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]
print(json.dumps({"POOL_ID": pid, "CLIENT_ID": c["ClientId"], "CLIENT_SECRET": c["ClientSecret"]}))
`)
	env := append(os.Environ(), "ENDPOINT="+s.URL, "DOMAIN=rpapp", "CALLBACK=http://localhost/cb", "USERNAME=hana", "PASSWORD=Hana#Pass1234",
		"POOL_ID="+ids["POOL_ID"].(string), "CLIENT_ID="+ids["CLIENT_ID"].(string), "CLIENT_SECRET="+ids["CLIENT_SECRET"].(string))
	res := runJS(t, s, node, env, "oidc.mjs")
	wantJS(t, res, map[string]string{
		"discovery": "[true true]",
		"code_flow": "[hana hana@example.com bearer (none) true]", // Cognito's token response carries no scope
		"userinfo":  "[hana hana@example.com]",
		"refresh":   "[hana true]",
		"revoke":    "invalid_grant",
	})
	if t.Failed() {
		t.Log(s.Logs())
	}
}
