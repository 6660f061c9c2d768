package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAWSCLIIAM drives IAM and STS with the AWS CLI as the seeds do: a
// role with a trust policy and an inline policy from files, assumed with
// `aws sts assume-role`, its credentials exported and used with `aws s3`.
func TestAWSCLIIAM(t *testing.T) {
	t.Parallel()
	awsCLI := need(t, "aws")
	s := startServer(t, serverOpts{})
	root := s.cliEnv(s.KeyID, s.Secret)
	cli := func(env []string, args ...string) (string, string, error) {
		t.Helper()
		return run(t, env, awsCLI, args...)
	}
	must := func(env []string, args ...string) string {
		t.Helper()
		out, stderr, err := cli(env, args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return out
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return "file://" + p
	}
	must(root, "s3", "mb", "s3://cli-iam")
	src := filepath.Join(dir, "hello.txt")
	os.WriteFile(src, []byte("hello"), 0o600)
	must(root, "s3", "cp", src, "s3://cli-iam/public/hello.txt")

	trust := write("trust.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/app"},"Action":"sts:AssumeRole"}]}`)
	perms := write("perms.json", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::cli-iam"},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::cli-iam/public/*"}]}`)
	if _, stderr, err := cli(root, "iam", "create-role", "--role-name", "bad", "--assume-role-policy-document", write("bad.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`)); err == nil || !strings.Contains(stderr, "MalformedPolicyDocument") || !strings.Contains(stderr, "Principal") {
		t.Fatalf("malformed trust policy: %v %s", err, stderr)
	}
	var role struct{ Role struct{ Arn, RoleId string } }
	json.Unmarshal([]byte(must(root, "iam", "create-role", "--role-name", "viewer", "--assume-role-policy-document", trust)), &role)
	must(root, "iam", "put-role-policy", "--role-name", "viewer", "--policy-name", "view", "--policy-document", perms)
	if out := must(root, "iam", "get-role-policy", "--role-name", "viewer", "--policy-name", "view"); !strings.Contains(out, `"s3:ListBucket"`) {
		t.Errorf("get-role-policy did not decode the document: %s", out)
	}
	must(root, "iam", "create-user", "--user-name", "app")
	must(root, "iam", "put-user-policy", "--user-name", "app", "--policy-name", "assume", "--policy-document",
		write("assume.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::000000000000:role/viewer"}]}`))
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	json.Unmarshal([]byte(must(root, "iam", "create-access-key", "--user-name", "app")), &key)
	app := s.cliEnv(key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey)
	if out := must(app, "sts", "get-caller-identity"); !strings.Contains(out, "arn:aws:iam::000000000000:user/app") || !strings.Contains(out, `"UserId": "AIDA`) {
		t.Errorf("user identity: %s", out)
	}
	var assumed struct {
		Credentials     struct{ AccessKeyId, SecretAccessKey, SessionToken string }
		AssumedRoleUser struct{ Arn, AssumedRoleId string }
	}
	json.Unmarshal([]byte(must(app, "sts", "assume-role", "--role-arn", role.Role.Arn, "--role-session-name", "cli")), &assumed)
	if assumed.AssumedRoleUser.Arn != "arn:aws:sts::000000000000:assumed-role/viewer/cli" || assumed.AssumedRoleUser.AssumedRoleId != role.Role.RoleId+":cli" {
		t.Fatalf("assumed: %+v", assumed.AssumedRoleUser)
	}
	viewer := append(s.cliEnv(assumed.Credentials.AccessKeyId, assumed.Credentials.SecretAccessKey), "AWS_SESSION_TOKEN="+assumed.Credentials.SessionToken)
	if out := must(viewer, "sts", "get-caller-identity"); !strings.Contains(out, "assumed-role/viewer/cli") {
		t.Errorf("role identity: %s", out)
	}
	if out := must(viewer, "s3", "ls", "s3://cli-iam/public/"); !strings.Contains(out, "hello.txt") {
		t.Errorf("ls: %s", out)
	}
	must(viewer, "s3", "cp", "s3://cli-iam/public/hello.txt", filepath.Join(dir, "down.txt"))
	if _, stderr, err := cli(viewer, "s3", "cp", src, "s3://cli-iam/public/up.txt"); err == nil || !strings.Contains(stderr, "AccessDenied") {
		t.Errorf("put as viewer: %v %s", err, stderr)
	}
	if _, stderr, err := cli(viewer, "iam", "list-roles"); err == nil || !strings.Contains(stderr, "AccessDenied") || !strings.Contains(stderr, "iam:ListRoles") {
		t.Errorf("iam as viewer: %v %s", err, stderr)
	}
	// A forged session token is refused.
	forged := append(s.cliEnv(assumed.Credentials.AccessKeyId, assumed.Credentials.SecretAccessKey), "AWS_SESSION_TOKEN="+assumed.Credentials.SessionToken[:len(assumed.Credentials.SessionToken)-8]+"AAAAAAAA")
	if _, stderr, err := cli(forged, "s3", "ls", "s3://cli-iam/"); err == nil || !strings.Contains(stderr, "InvalidToken") {
		t.Errorf("forged token: %v %s", err, stderr)
	}
	// Deactivated keys stop working at once.
	must(root, "iam", "update-access-key", "--user-name", "app", "--access-key-id", key.AccessKey.AccessKeyId, "--status", "Inactive")
	if _, stderr, err := cli(app, "sts", "get-caller-identity"); err == nil || !strings.Contains(stderr, "InvalidClientTokenId") {
		t.Errorf("inactive key: %v %s", err, stderr)
	}
	if _, stderr, err := cli(root, "iam", "delete-role", "--role-name", "viewer"); err == nil || !strings.Contains(stderr, "DeleteConflict") {
		t.Errorf("delete role with a policy: %v %s", err, stderr)
	}
}
