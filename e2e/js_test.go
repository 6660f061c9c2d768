package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJSClients runs e2e/js/cognito.mjs with node: amazon-cognito-identity-js
// signs in with SRP, fails with a wrong password, refreshes, signs up with
// the code from the outbox and resets a password; aws-jwt-verify verifies
// our ID and access tokens with our JWKS and rejects a changed claim;
// Amplify JS v6 signs in, reads its session, signs out (RevokeToken) and
// signs up.
func TestJSClients(t *testing.T) {
	t.Parallel()
	node := needJS(t)
	s := startServer(t, serverOpts{})
	cli := awsCLI(t, s.cliEnv(s.KeyID, s.Secret))
	pool := cli("cognito-idp", "create-user-pool", "--pool-name", "js", "--username-attributes", "email", "--auto-verified-attributes", "email", "--query", "UserPool.Id", "--output", "text")
	client := cli("cognito-idp", "create-user-pool-client", "--user-pool-id", pool, "--client-name", "web",
		"--explicit-auth-flows", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--query", "UserPoolClient.ClientId", "--output", "text")
	sub := cli("cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username", "hiro@example.com", "--message-action", "SUPPRESS",
		"--user-attributes", "Name=email,Value=hiro@example.com", "Name=email_verified,Value=true", "--query", "User.Username", "--output", "text")
	cli("cognito-idp", "admin-set-user-password", "--user-pool-id", pool, "--username", "hiro@example.com", "--password", "Hiro#Pass12", "--permanent")
	jsEnv := append(os.Environ(), "ENDPOINT="+s.URL, "POOL_ID="+pool, "CLIENT_ID="+client, "USERNAME=hiro@example.com", "SUB="+sub,
		"PASSWORD=Hiro#Pass12", "OUTBOX="+filepath.Join(s.dataDir, "outbox", "messages.jsonl"), "ISSUER="+s.URL+"/"+pool)
	res := runJS(t, s, node, jsEnv, "cognito.mjs")
	wantJS(t, res, map[string]string{
		"srp":             "true",
		"srp_wrong":       "error: NotAuthorizedException: Incorrect username or password.",
		"refresh":         "true",
		"signup":          "js-user@example.com",
		"forgot_password": "true",
		"jwt_verify":      "[id access rejected rejected]",
		"amplify_signin":  "DONE",
		"amplify_session": "true",
		"amplify_signout": "true",
		"amplify_wrong":   "error: NotAuthorizedException: Incorrect username or password.",
		"amplify_signup":  "DONE",
	})
	if !strings.Contains(s.Logs(), "operation=RevokeToken status=200") {
		t.Error("Amplify's signOut did not revoke its refresh token")
	}
}

// needJS returns node's path, skipping the test (failing it on CI) when
// node or the npm clients that scripts/deps installs are missing. npm
// writes node_modules/.package-lock.json when an install completes.
func needJS(t *testing.T) string {
	node := need(t, "node")
	if _, err := os.Stat(filepath.Join("js", "node_modules", ".package-lock.json")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("e2e/js/node_modules is missing: scripts/deps installs it: %v", err)
		}
		skip(t, "the JavaScript clients are not installed: run scripts/deps")
	}
	return node
}

// runJS runs e2e/js/<script> with node and returns the JSON object it
// prints last.
func runJS(t *testing.T, s *server, node string, env []string, script string) map[string]any {
	t.Helper()
	path, _ := filepath.Abs(filepath.Join("js", script))
	out, stderr, err := run(t, env, node, path)
	if err != nil {
		t.Fatalf("node: %v\n%s\n%s", err, stderr, s.Logs())
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out[strings.LastIndex(out, "\n{")+1:]), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return res
}

// wantJS checks the script's results, printed with fmt.Sprint.
func wantJS(t *testing.T, res map[string]any, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := fmt.Sprint(res[k]); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
}
