package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// browserSetup is jsIdentitySetup plus the bucket CORS rule a browser app
// needs for S3 (S3 answers CORS per bucket; the Cognito and STS endpoints
// answer any origin).
const browserSetup = jsIdentitySetup + `
s3.put_bucket_cors(Bucket="js-bucket", CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "PUT", "HEAD"], "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"]}]})
`

// browserSlots bounds the headless browsers running at once: four
// Chromiums starting together beside the race-detector suite on a
// two-core machine have missed puppeteer's start deadline.
var browserSlots = make(chan struct{}, 2)

// needChromium returns Debian's chromium, which scripts/deps installs,
// and holds one of browserSlots until the test ends.
func needChromium(t *testing.T) string {
	p, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is missing: scripts/deps installs it")
		}
		skip(t, "chromium not installed: run scripts/deps")
	}
	browserSlots <- struct{}{}
	t.Cleanup(func() { <-browserSlots })
	return p
}

// TestBrowserSPA runs the seeds' application in headless Chromium from a
// page on another origin (e2e/js/browser.mjs, e2e/js/spa/app.mjs): sign-in
// with the JS SDK v3, identity-pool credentials and the private folder;
// then Amplify JS v6 as a guest, signed in, signed out (a guest again) and
// signed in again, each time with working credentials.
func TestBrowserSPA(t *testing.T) {
	t.Parallel()
	node := needJS(t)
	chromium := needChromium(t)
	s := seedServer(t)
	ids := runSeed(t, s, browserSetup)
	env := append(os.Environ(), "CHROMIUM="+chromium, "ENDPOINT="+s.URL, "REGION=ap-northeast-1", "BUCKET=js-bucket", "USERNAME=akira", "PASSWORD=Akira#Pass12",
		"POOL_ID="+ids["POOL_ID"].(string), "CLIENT_ID="+ids["CLIENT_ID"].(string), "IDENTITY_POOL_ID="+ids["IDENTITY_POOL_ID"].(string))
	res := runJS(t, s, node, env, "browser.mjs")
	wantJS(t, res, map[string]string{
		"sdk_v3":                 "[ASIA mine AccessDenied]",
		"amplify_guest":          "[true 1 AccessDenied]",
		"amplify_sign_in":        "[DONE mine AccessDenied]",
		"amplify_sign_out_guest": "[true true ASIA]",
		"amplify_sign_in_again":  "[true mine AccessDenied]",
	})
	if t.Failed() {
		t.Log(s.Logs())
	}
}

// TestBrowserRedirect signs in the way most web apps do: Amplify JS v6's
// signInWithRedirect sends headless Chromium from the app's origin to the
// pool's managed login page on <prefix>.auth.localhost (HTTPS, the
// server's throwaway certificate), the driver types the password into the
// page, and the browser comes back with a code that Amplify trades (PKCE)
// at the token endpoint across origins; the tokens then get identity-pool
// credentials that reach the user's private folder in S3; signOut goes
// through the logout endpoint and back, a guest again.
func TestBrowserRedirect(t *testing.T) {
	t.Parallel()
	node := needJS(t)
	chromium := needChromium(t)
	s := startServer(t, serverOpts{TLS: true, Env: []string{"SEKISHO_REGION=ap-northeast-1"}})
	spa := freeAddr(t)
	_, spaPort, _ := strings.Cut(spa, ":")
	origin := "http://localhost:" + spaPort
	ids := runSeed(t, s, browserSetup+`
idp.create_user_pool_domain(UserPoolId=pid, Domain="seedapp")
idp.update_user_pool_client(UserPoolId=pid, ClientId=cid, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "email", "aws.cognito.signin.user.admin"],
    CallbackURLs=[os.environ["SPA_ORIGIN"] + "/"], LogoutURLs=[os.environ["SPA_ORIGIN"] + "/"], SupportedIdentityProviders=["COGNITO"])
print(json.dumps({"POOL_ID": pid, "CLIENT_ID": cid, "IDENTITY_POOL_ID": ipid}))
`, "SPA_ORIGIN="+origin)
	_, port, _ := strings.Cut(strings.TrimPrefix(s.URL, "https://"), ":")
	env := append(os.Environ(), "CHROMIUM="+chromium, "IGNORE_CERTS=1", "ENTRY=redirect.mjs", "SPA_HOST=localhost", "SPA_PORT="+spaPort,
		"ENDPOINT="+s.URL, "REGION=ap-northeast-1", "BUCKET=js-bucket", "OAUTH_DOMAIN=seedapp.auth.localhost:"+port,
		"LOGIN_USERNAME=akira", "LOGIN_PASSWORD=Akira#Pass12",
		"POOL_ID="+ids["POOL_ID"].(string), "CLIENT_ID="+ids["CLIENT_ID"].(string), "IDENTITY_POOL_ID="+ids["IDENTITY_POOL_ID"].(string))
	// SEKISHO_SCREENSHOTS=<dir> also photographs the login page in each
	// language there (how docs/login-*.png are made).
	if dir := os.Getenv("SEKISHO_SCREENSHOTS"); dir != "" {
		env = append(env, "SCREENSHOTS="+dir)
	}
	res := runJS(t, s, node, env, "browser.mjs")
	wantJS(t, res, map[string]string{
		"hub":              "signInWithRedirect",
		"redirect_user":    "akira",
		"redirect_session": "[akira openid email aws.cognito.signin.user.admin redirected]",
		"after_sign_out":   "[true ASIA]",
	})
	if t.Failed() {
		t.Log(s.Logs())
	}
}
