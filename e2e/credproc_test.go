package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// credprocSetup makes a pool, a client for SRP, a user, an identity pool
// and a role that may read and write the user's folder of "vault"; it
// prints POOL CLIENT IPOOL.
const credprocSetup = `set -euo pipefail
aws s3 mb s3://vault >/dev/null
POOL=$(aws cognito-idp create-user-pool --pool-name cp --query UserPool.Id --output text)
CLIENT=$(aws cognito-idp create-user-pool-client --user-pool-id $POOL --client-name cli \
  --explicit-auth-flows ALLOW_USER_SRP_AUTH ALLOW_REFRESH_TOKEN_AUTH --query UserPoolClient.ClientId --output text)
aws cognito-idp admin-create-user --user-pool-id $POOL --username app --message-action SUPPRESS >/dev/null
aws cognito-idp admin-set-user-password --user-pool-id $POOL --username app --password 'App#Pass1234' --permanent
IDP=cognito-idp.us-east-1.amazonaws.com/$POOL
IPOOL=$(aws cognito-identity create-identity-pool --identity-pool-name cp --no-allow-unauthenticated-identities \
  --cognito-identity-providers ProviderName=$IDP,ClientId=$CLIENT --query IdentityPoolId --output text)
aws iam create-role --role-name cp-user --assume-role-policy-document "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"cognito-identity.amazonaws.com\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{\"cognito-identity.amazonaws.com:aud\":\"$IPOOL\"}}}]}" >/dev/null
aws iam put-role-policy --role-name cp-user --policy-name own --policy-document '{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::vault/${cognito-identity.amazonaws.com:sub}/*"}]}'
aws cognito-identity set-identity-pool-roles --identity-pool-id $IPOOL --roles authenticated=arn:aws:iam::000000000000:role/cp-user
echo $POOL $CLIENT $IPOOL
`

// TestCredentialProcess: the helper signs in once with SRP, keeps the
// refresh token sealed in a 0600 file, and the AWS CLI and boto3 then use
// identity-pool credentials through credential_process; forcing a
// refresh (as at expiry) gives new working credentials.
func TestCredentialProcess(t *testing.T) {
	t.Parallel()
	bash := need(t, "bash")
	awsCLI := need(t, "aws")
	py := need(t, "python3")
	s := startServer(t, serverOpts{})
	env := s.cliEnv(s.KeyID, s.Secret)
	out, stderr, err := run(t, env, bash, "-c", credprocSetup)
	if err != nil {
		t.Fatalf("setup: %v\n%s\n%s", err, out, stderr)
	}
	ids := strings.Fields(strings.TrimSpace(out))
	pool, client, ipool := ids[len(ids)-3], ids[len(ids)-2], ids[len(ids)-1]

	dir := t.TempDir()
	credDir := filepath.Join(dir, "creds")
	login := exec.Command(binary, "credential-process", "login", "--profile", "app", "--endpoint", s.URL, "--user-pool-id", pool,
		"--client-id", client, "--identity-pool-id", ipool, "--username", "app")
	login.Env = append(os.Environ(), "SEKISHO_CREDENTIALS_DIR="+credDir)
	login.Stdin = strings.NewReader("App#Pass1234\n")
	if b, err := login.CombinedOutput(); err != nil {
		t.Fatalf("login: %v\n%s", err, b)
	}
	fi, err := os.Stat(filepath.Join(credDir, "app.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("profile file: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(filepath.Join(credDir, "app.json")); strings.Contains(string(b), "App#Pass1234") || !strings.Contains(string(b), "SealedRefresh") {
		t.Errorf("profile file: %s", b)
	}
	config := filepath.Join(dir, "config")
	os.WriteFile(config, []byte("[profile app]\nregion = us-east-1\ncredential_process = "+binary+" credential-process --profile app\n"+
		"[profile fresh]\nregion = us-east-1\ncredential_process = "+binary+" credential-process --profile app --refresh-before 2h\n"), 0o600)
	var clean []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") && !strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=") && !strings.HasPrefix(kv, "AWS_SESSION_TOKEN=") && !strings.HasPrefix(kv, "AWS_PROFILE=") {
			clean = append(clean, kv)
		}
	}
	clean = append(clean, "AWS_CONFIG_FILE="+config, "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"), "SEKISHO_CREDENTIALS_DIR="+credDir)
	who, stderr, err := run(t, clean, awsCLI, "sts", "get-caller-identity", "--profile", "app", "--query", "Arn", "--output", "text")
	if err != nil || !strings.Contains(who, "assumed-role/cp-user/") {
		t.Fatalf("the CLI through credential_process: %v %s %s", err, who, stderr)
	}
	// The identity's own folder, with boto3, after a forced refresh.
	helper := exec.Command(binary, "credential-process", "--profile", "app")
	helper.Env = clean
	first, _ := helper.Output()
	var c1 map[string]any
	json.Unmarshal(first, &c1)
	script := `import boto3, json, sys
s = boto3.Session(profile_name="fresh")
sts = s.client("sts")
arn = sts.get_caller_identity()["Arn"]
cred = s.get_credentials().get_frozen_credentials()
idp = boto3.client("cognito-identity")
print(json.dumps({"arn": arn, "key": cred.access_key}))`
	o, stderr, err := run(t, clean, py, "-c", script)
	if err != nil {
		t.Fatalf("boto3: %v %s %s", err, o, stderr)
	}
	var res map[string]string
	json.Unmarshal([]byte(o), &res)
	if !strings.Contains(res["arn"], "assumed-role/cp-user/") || res["key"] == "" || res["key"] == c1["AccessKeyId"] {
		t.Errorf("boto3 with refreshed credentials: %v (first key %v)", res, c1["AccessKeyId"])
	}
	if c1["Version"] != 1.0 || c1["Expiration"] == "" {
		t.Errorf("credential_process output: %s", first)
	}
}
