package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// applyChain signs taro in with boto3 and uses the identity pool's
// credentials on his own folder, someone else's, and public/.
const applyChain = `
import json, os, boto3, botocore
ids = json.loads(os.environ["IDS"])
out = {}
anon = boto3.client("cognito-idp", config=botocore.config.Config(signature_version=botocore.UNSIGNED))
tok = anon.initiate_auth(ClientId=ids["client.app.web.id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "taro", "PASSWORD": "Taro#Pass12"})["AuthenticationResult"]["IdToken"]
ci = boto3.client("cognito-identity", config=botocore.config.Config(signature_version=botocore.UNSIGNED))
prov = "cognito-idp.us-east-1.amazonaws.com/" + ids["userPool.app.id"]
iid = ci.get_id(IdentityPoolId=ids["identityPool.app.id"], Logins={prov: tok})["IdentityId"]
c = ci.get_credentials_for_identity(IdentityId=iid, Logins={prov: tok})["Credentials"]
s3 = boto3.client("s3", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretKey"], aws_session_token=c["SessionToken"], config=botocore.config.Config(s3={"addressing_style": "path"}))
s3.put_object(Bucket="photos", Key="private/%s/a.txt" % iid, Body=b"mine")
out["own"] = "ok"
try:
    s3.put_object(Bucket="photos", Key="private/other/a.txt", Body=b"x")
    out["other"] = "allowed"
except botocore.exceptions.ClientError as e:
    out["other"] = e.response["Error"]["Code"]
out["public"] = s3.get_object(Bucket="photos", Key="public/welcome.txt")["Body"].read().decode()
print(json.dumps(out))
`

// TestApply: the example setup file applies, a second run changes no id,
// --env prints exports, and the chain it declares works end to end.
func TestApply(t *testing.T) {
	t.Parallel()
	py := need(t, "python3")
	s := appServer(t, serverOpts{})
	env := s.cliEnv(s.KeyID, s.Secret)
	apply := func(args ...string) string {
		t.Helper()
		out, stderr, err := run(t, env, binary, append([]string{"apply"}, args...)...)
		if err != nil {
			t.Fatalf("apply: %v\n%s\n%s", err, out, stderr)
		}
		return out
	}
	first := apply("../examples/setup/photos.yaml")
	var ids map[string]string
	if err := json.Unmarshal([]byte(first), &ids); err != nil || ids["userPool.app.id"] == "" || ids["identityPool.app.id"] == "" || ids["client.app.web.id"] == "" {
		t.Fatalf("ids: %v %s", err, first)
	}
	if second := apply("../examples/setup/photos.yaml"); second != first {
		t.Errorf("a second run changed the ids:\n%s\n%s", first, second)
	}
	if exports := apply("--env", "../examples/setup/photos.yaml"); !strings.Contains(exports, "export USERPOOL_APP_ID="+ids["userPool.app.id"]) {
		t.Errorf("--env: %s", exports)
	}
	out, stderr, err := run(t, append(env, "IDS="+first), py, "-c", applyChain)
	if err != nil {
		t.Fatalf("the chain: %v\n%s\n%s", err, stderr, s.Logs())
	}
	var res map[string]any
	json.Unmarshal([]byte(out), &res)
	if fmt.Sprint(res["own"], " ", res["other"], " ", res["public"]) != "ok AccessDenied welcome" {
		t.Errorf("the chain: %v", res)
	}
	// Fixed ids: given in the file, kept across runs; a taken one is refused.
	fixed := t.TempDir() + "/fixed.yaml"
	os.WriteFile(fixed, []byte("userPools:\n  - name: fixedpool\n    id: us-east-1_Fixed0001\n    clients:\n      - name: web\nidentityPools:\n  - name: fixedids\n    id: us-east-1:00000000-0000-4000-8000-000000000001\n    allowUnauthenticated: true\n"), 0o600)
	fixedOut := apply(fixed)
	if !strings.Contains(fixedOut, `"userPool.fixedpool.id": "us-east-1_Fixed0001"`) || !strings.Contains(fixedOut, `"identityPool.fixedids.id": "us-east-1:00000000-0000-4000-8000-000000000001"`) {
		t.Errorf("fixed ids: %s", fixedOut)
	}
	if again := apply(fixed); again != fixedOut {
		t.Errorf("fixed ids changed: %s", again)
	}
	// On a fresh server (as after a reset), the same file gives the same
	// ids, the client's included.
	if !strings.HasPrefix(t.Name(), "TestCluster/") {
		s2 := startServer(t, serverOpts{})
		out2, stderr, err := run(t, s2.cliEnv(s2.KeyID, s2.Secret), binary, "apply", fixed)
		if err != nil || out2 != fixedOut || !strings.Contains(out2, `"client.fixedpool.web.id"`) {
			t.Errorf("the same file on a fresh server: %v %s\n%s\nwant\n%s", err, stderr, out2, fixedOut)
		}
	}
	desc, stderr, err := run(t, env, "aws", "cognito-idp", "describe-user-pool", "--user-pool-id", "us-east-1_Fixed0001")
	if err != nil || !strings.Contains(desc, "fixedpool") || strings.Contains(desc, "sekisho:id") {
		t.Errorf("describe the fixed pool: %v %s %s", err, desc, stderr)
	}
	if _, stderr, err := run(t, env, "aws", "cognito-identity", "create-identity-pool", "--identity-pool-name", "dup", "--allow-unauthenticated-identities",
		"--identity-pool-tags", "sekisho:id=us-east-1:00000000-0000-4000-8000-000000000001"); err == nil || !strings.Contains(stderr, "ResourceConflictException") {
		t.Errorf("a taken identity pool id: %v %s", err, stderr)
	}
	if _, stderr, err := run(t, env, "aws", "cognito-idp", "create-user-pool", "--pool-name", "bad", "--user-pool-tags", "sekisho:id=nowhere_X"); err == nil || !strings.Contains(stderr, "InvalidParameterException") {
		t.Errorf("a fixed id of no region: %v %s", err, stderr)
	}
	// A bad file: an unknown reference, an unknown field.
	bad := t.TempDir() + "/bad.yaml"
	os.WriteFile(bad, []byte("iam:\n  roles:\n    - name: r\n      trust: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {Federated: x}, Action: sts:AssumeRoleWithWebIdentity, Condition: {StringEquals: {aud: '${identityPool.nope.id}'}}}]}\n"), 0o600)
	if _, stderr, err := run(t, env, binary, "apply", bad); err == nil || !strings.Contains(stderr, "unknown reference") {
		t.Errorf("an unknown reference: %v %s", err, stderr)
	}
	os.WriteFile(bad, []byte("bukkets: []\n"), 0o600)
	if _, stderr, err := run(t, env, binary, "apply", bad); err == nil || !strings.Contains(stderr, "bukkets") {
		t.Errorf("an unknown field: %v %s", err, stderr)
	}
}
