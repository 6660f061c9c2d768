package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// seedCheck signs a user in (USER_PASSWORD_AUTH), trades the token for
// the identity pool's credentials, and tries a read and a write.
const seedCheck = `
import json, os, boto3, botocore
from botocore.config import Config
c = json.loads(os.environ["CHECK"]); ids = json.loads(os.environ["IDS"])
anon = Config(signature_version=botocore.UNSIGNED)
idp = boto3.client("cognito-idp", config=anon); ci = boto3.client("cognito-identity", config=anon)
pool = ids["userPool.%s.id" % c["pool"]]
tok = idp.initiate_auth(ClientId=ids["client.%s.%s-client.id" % (c["pool"], c["pool"])], AuthFlow="USER_PASSWORD_AUTH",
    AuthParameters={"USERNAME": c["user"], "PASSWORD": c["password"]})["AuthenticationResult"]["IdToken"]
logins = {"cognito-idp.us-east-1.amazonaws.com/%s" % pool: tok}
iid = ci.get_id(IdentityPoolId=ids["identityPool.%s.id" % c["ipool"]], Logins=logins)["IdentityId"]
cr = ci.get_credentials_for_identity(IdentityId=iid, Logins=logins)["Credentials"]
s3 = boto3.client("s3", aws_access_key_id=cr["AccessKeyId"], aws_secret_access_key=cr["SecretKey"], aws_session_token=cr["SessionToken"], config=Config(s3={"addressing_style": "path"}))
def code(f):
    try:
        f(); return "ok"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
b, k = c["get"].split("/", 1)
out = {"get": code(lambda: s3.get_object(Bucket=b, Key=k)), "put": code(lambda: s3.put_object(Bucket=b, Key="new.txt", Body=b"x"))}
if c.get("guest"):
    g = ci.get_id(IdentityPoolId=ids["identityPool.%s.id" % c["ipool"]])["IdentityId"]
    gc = ci.get_credentials_for_identity(IdentityId=g)["Credentials"]
    gs3 = boto3.client("s3", aws_access_key_id=gc["AccessKeyId"], aws_secret_access_key=gc["SecretKey"], aws_session_token=gc["SessionToken"], config=Config(s3={"addressing_style": "path"}))
    out["guest_list"] = code(lambda: gs3.list_objects_v2(Bucket=b))
    out["guest_get"] = code(lambda: gs3.get_object(Bucket=b, Key=k))
print(json.dumps(out))
`

// TestSeedFiles: each of the five seeds, shipped as a setup file in
// examples/seeds, applies (twice, the second changing nothing) and then
// works end to end: the seed's user reads and writes as the seed's roles
// allow, and guests as theirs.
func TestSeedFiles(t *testing.T) {
	t.Parallel()
	py := need(t, "python3")
	s := appServer(t, serverOpts{})
	env := s.cliEnv(s.KeyID, s.Secret)
	checks := []struct {
		file  string
		check map[string]any
		want  string
	}{
		{"000-user-and-guest.yaml", map[string]any{"pool": "seed000", "ipool": "seed000", "user": "fujishiro", "password": "Seed#Pass000", "get": "seed000-bucket/readme.txt", "guest": true},
			"get=ok put=ok guest_list=ok guest_get=AccessDenied"},
		{"001-read-only.yaml", map[string]any{"pool": "seed001", "ipool": "seed001", "user": "seed001@example.com", "password": "Seed#Pass001", "get": "seed001-bucket/data/report.csv", "guest": true},
			"get=ok put=AccessDenied guest_list=AccessDenied guest_get=AccessDenied"},
		{"002-no-guests.yaml", map[string]any{"pool": "seed002", "ipool": "seed002", "user": "yuna", "password": "Seed#Pass002", "get": "seed002-bucket/shared/doc.txt"},
			"get=ok put=AccessDenied"},
		{"003-data-platform.yaml", map[string]any{"pool": "seed003-dataplatform", "ipool": "seed003", "user": "acme-dp", "password": "Acme#Pass003", "get": "seed003-bucket/acme/logs/1.json"},
			"get=ok put=AccessDenied"},
		{"004-group-role.yaml", map[string]any{"pool": "seed004", "ipool": "seed004", "user": "cm@example.com", "password": "Seed#Pass004", "get": "seed004-bucket/hello.txt", "guest": true},
			"get=ok put=AccessDenied guest_list=ok guest_get=AccessDenied"},
	}
	for _, c := range checks {
		t.Run(c.file, func(t *testing.T) {
			var first string
			for i := 0; i < 2; i++ {
				out, stderr, err := run(t, env, binary, "apply", "../examples/seeds/"+c.file)
				if err != nil {
					t.Fatalf("apply: %v\n%s", err, stderr)
				}
				if i == 1 && out != first {
					t.Errorf("the second apply changed ids")
				}
				first = out
			}
			check, _ := json.Marshal(c.check)
			out, stderr, err := run(t, append(env, "IDS="+first, "CHECK="+string(check)), py, "-c", seedCheck)
			if err != nil {
				t.Fatalf("check: %v\n%s\n%s", err, stderr, s.Logs())
			}
			var res map[string]string
			json.Unmarshal([]byte(out), &res)
			var got []string
			for _, k := range []string{"get", "put", "guest_list", "guest_get"} {
				if v, ok := res[k]; ok {
					got = append(got, k+"="+v)
				}
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("%s, want %s", g, c.want)
			}
		})
	}
}
