package e2e

import (
	"os"
	"os/exec"
	"testing"
)

// browserSetup is jsIdentitySetup plus the bucket CORS rule a browser app
// needs for S3 (S3 answers CORS per bucket; the Cognito and STS endpoints
// answer any origin).
const browserSetup = jsIdentitySetup + `
s3.put_bucket_cors(Bucket="js-bucket", CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "PUT", "HEAD"], "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"]}]})
`

// needChromium returns Debian's chromium, which scripts/deps installs.
func needChromium(t *testing.T) string {
	p, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is missing: scripts/deps installs it")
		}
		skip(t, "chromium not installed: run scripts/deps")
	}
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
