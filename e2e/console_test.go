package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConsole drives the web console in headless Chromium: root signs in,
// makes a bucket, uploads a file, creates a user-pool user and a role; a
// user without policies signs in and is refused, as the API refuses.
func TestConsole(t *testing.T) {
	t.Parallel()
	node := needJS(t)
	chromium := needChromium(t)
	awsCLI := need(t, "aws")
	s := startServer(t, serverOpts{})
	env := s.cliEnv(s.KeyID, s.Secret)
	must := func(args ...string) string {
		t.Helper()
		out, stderr, err := run(t, env, awsCLI, args...)
		if err != nil {
			t.Fatalf("aws %v: %v %s", args, err, stderr)
		}
		return strings.TrimSpace(out)
	}
	must("cognito-idp", "create-user-pool", "--pool-name", "console-pool")
	must("iam", "create-user", "--user-name", "viewer")
	keys := strings.Fields(must("iam", "create-access-key", "--user-name", "viewer", "--query", "AccessKey.[AccessKeyId,SecretAccessKey]", "--output", "text"))
	jsEnv := append(os.Environ(), "CHROMIUM="+chromium, "ENDPOINT="+s.URL, "KEY_ID="+s.KeyID, "SECRET="+s.Secret, "VIEWER_ID="+keys[0], "VIEWER_SECRET="+keys[1])
	if dir := os.Getenv("SEKISHO_SCREENSHOTS"); dir != "" {
		abs, _ := filepath.Abs(filepath.Join("..", dir))
		jsEnv = append(jsEnv, "SCREENSHOTS="+abs)
	}
	res := runJS(t, s, node, jsEnv, "console.mjs")
	wantJS(t, res, map[string]string{
		"who":             "arn:aws:iam::000000000000:root",
		"objects":         "[hello.txt]",
		"users":           "[console-user]",
		"roles":           "[console-role]",
		"viewer":          "arn:aws:iam::000000000000:user/viewer",
		"presigned":       "hello from the console\n",
		"bad_policy":      "MalformedPolicy",
		"new_key":         "AKIA",
		"simulated":       "implicitDeny",
		"policy_versions": "[v1 v2 (default)]",
		"policy_document": "true",
		"policy_attached": "[role console-role]",
		"outbox":          "200",
		"identity":        "200",
		"viewer_outbox":   "403",
	})
	if d := fmt.Sprint(res["denied"]); !strings.HasPrefix(d, "[403 AccessDenied") {
		t.Errorf("the viewer's S3 page: %s", d)
	}
	if csp := fmt.Sprint(res["csp"]); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("CSP: %s", csp)
	}
	if out, _, _ := run(t, env, awsCLI, "s3", "cp", "s3://console-bucket/hello.txt", "-"); out != "hello from the console\n" {
		t.Errorf("the uploaded object: %q", out)
	}
}
