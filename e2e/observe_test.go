package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMetricsAndAudit: /metrics on --metrics-addr counts requests,
// decisions, sign-ins and vended credentials; the audit log records
// sign-ins and failures, administrators' changes, vended credentials and
// denied requests with their deciding statement — and never a secret.
func TestMetricsAndAudit(t *testing.T) {
	t.Parallel()
	awsCLI := need(t, "aws")
	metricsAddr := freeAddr(t)
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	s := startServer(t, serverOpts{Env: []string{"SEKISHO_METRICS_ADDR=" + metricsAddr, "SEKISHO_AUDIT_LOG=" + audit}})
	env := s.cliEnv(s.KeyID, s.Secret)
	cli := func(env []string, args ...string) (string, error) {
		out, _, err := run(t, env, awsCLI, args...)
		return strings.TrimSpace(out), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, stderr, err := run(t, env, awsCLI, args...)
		if err != nil {
			t.Fatalf("aws %v: %v %s", args, err, stderr)
		}
		return strings.TrimSpace(out)
	}
	pool := must("cognito-idp", "create-user-pool", "--pool-name", "obs", "--query", "UserPool.Id", "--output", "text")
	client := must("cognito-idp", "create-user-pool-client", "--user-pool-id", pool, "--client-name", "c", "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
		"--query", "UserPoolClient.ClientId", "--output", "text")
	must("cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username", "obs", "--message-action", "SUPPRESS")
	must("cognito-idp", "admin-set-user-password", "--user-pool-id", pool, "--username", "obs", "--password", "Obs#Secret123", "--permanent")
	must("cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=obs,PASSWORD=Obs#Secret123")
	cli(env, "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=obs,PASSWORD=Wrong#Secret123")
	must("iam", "create-role", "--role-name", "obs", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`)
	must("sts", "get-session-token")
	must("iam", "create-user", "--user-name", "nobody")
	keys := must("iam", "create-access-key", "--user-name", "nobody", "--query", "AccessKey.[AccessKeyId,SecretAccessKey]", "--output", "text")
	f := strings.Fields(keys)
	if _, err := cli(s.cliEnv(f[0], f[1]), "s3", "ls"); err == nil {
		t.Fatal("a user without policies listed buckets")
	}

	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`sekisho_requests_total{operation="CreateRole",service="iam",status="200"} 1`, `sekisho_authorization_decisions_total{decision="deny"}`,
		`sekisho_sign_ins_total{result="success"} 1`, `sekisho_sign_ins_total{result="failure"} 1`, `sekisho_credentials_vended_total{operation="GetSessionToken"} 1`,
		`sekisho_request_duration_seconds_bucket`, `sekisho_open_connections`, `sekisho_response_bytes_total`, `sekisho_store_commit_duration_seconds_bucket{result="ok"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	var log []byte
	for i := 0; i < 50; i++ { // the audit writer is asynchronous
		log, _ = os.ReadFile(audit)
		if strings.Contains(string(log), `"event":"Denied"`) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{`"event":"SignIn"`, `"event":"SignInFailed"`, `"event":"Change"`, `"operation":"CreateRole"`, `"event":"CredentialsVended"`, `"event":"Denied"`, `"decision":"s3:ListAllMyBuckets ImplicitDeny`} {
		if !strings.Contains(string(log), want) {
			t.Errorf("audit log lacks %s:\n%s", want, log)
		}
	}
	for _, secret := range []string{"Obs#Secret123", "Wrong#Secret123", f[1], s.Secret} {
		if strings.Contains(string(log), secret) {
			t.Errorf("the audit log holds a secret")
		}
	}
	if fi, _ := os.Stat(audit); fi.Mode().Perm() != 0o600 {
		t.Errorf("audit log mode %v", fi.Mode())
	}
}
