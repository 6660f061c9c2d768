package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The seeds in ../shared/seeds are walkthroughs that set things up in the
// AWS console and then run AWS CLI lines and boto3 scripts. Each test here
// does the console part through the API (seedLib), then runs the seed's
// own code with only ids, names and the endpoint substituted (and the
// seeds' obvious typos mended, noted where they are).

// seedLib is the "console": helpers that create what the seeds click.
const seedLib = `
import json, os, boto3, botocore
from botocore.config import Config
ACCOUNT = boto3.client("sts").get_caller_identity()["Account"]
REGION = os.environ["AWS_DEFAULT_REGION"]
iam = boto3.client("iam")
idp = boto3.client("cognito-idp")
ident = boto3.client("cognito-identity")
s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))
def code(fn):
    try:
        fn(); return "ok"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
def bucket(name, block_public=True):
    s3.create_bucket(Bucket=name)
    if block_public:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
def user_pool(name, email_username=False, flows=("ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH")):
    kw = {"UsernameAttributes": ["email"]} if email_username else {}
    pid = idp.create_user_pool(PoolName=name, AutoVerifiedAttributes=["email"], Schema=[{"Name": "department", "AttributeDataType": "String"}], **kw)["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pid, ClientName=name + "-client", ExplicitAuthFlows=list(flows))["UserPoolClient"]["ClientId"]
    return pid, cid
def user(pid, name, password, email, extra=()):
    attrs = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}] + list(extra)
    idp.admin_create_user(UserPoolId=pid, Username=name, UserAttributes=attrs, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pid, Username=name, Password=password, Permanent=True)
def identity_pool(name, providers, allow_unauth=True, classic=False):
    return ident.create_identity_pool(IdentityPoolName=name, AllowUnauthenticatedIdentities=allow_unauth, AllowClassicFlow=classic,
        CognitoIdentityProviders=[{"ProviderName": "cognito-idp.%s.amazonaws.com/%s" % (REGION, p), "ClientId": c, "ServerSideTokenCheck": False} for p, c in providers])["IdentityPoolId"]
def role(name, ipid, amr, policy=None, managed=None, tag_session=False, max_session=3600):
    actions = ["sts:AssumeRoleWithWebIdentity"] + (["sts:TagSession"] if tag_session else [])
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": actions,
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": ipid}, "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr}}}]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), MaxSessionDuration=max_session)["Role"]["Arn"]
    if policy:
        iam.put_role_policy(RoleName=name, PolicyName=name + "-policy", PolicyDocument=json.dumps(policy))
    if managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=managed)
    return arn
def session_from(creds):
    c = creds["Credentials"]
    return boto3.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretKey"], aws_session_token=c["SessionToken"])
`

// runSeed runs a Python script (seedLib + body) and returns its JSON.
func runSeed(t *testing.T, s *server, body string, env ...string) map[string]any {
	t.Helper()
	py := need(t, "python3")
	dir := t.TempDir()
	script := filepath.Join(dir, "seed.py")
	os.WriteFile(script, []byte(seedLib+body), 0o600)
	e := append(append(s.cliEnv(s.KeyID, s.Secret), "AWS_DEFAULT_REGION=ap-northeast-1", "WORKDIR="+dir), env...)
	out, stderr, err := run(t, e, py, script)
	if err != nil {
		t.Fatalf("python: %v\n%s\n%s", err, stderr, s.Logs())
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out[strings.LastIndex(out, "\n{")+1:]), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	res["_workdir"] = dir
	return res
}

func check(t *testing.T, res map[string]any, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := fmt.Sprint(res[k]); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
}

func seedServer(t *testing.T) *server {
	// The seeds work in ap-northeast-1 (002 in us-east-1, which the test
	// maps to the server's region).
	return appServer(t, serverOpts{Env: []string{"SEKISHO_REGION=ap-northeast-1"}})
}
