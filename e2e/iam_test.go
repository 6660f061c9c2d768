package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// iamScript plays the seeds' story with boto3 as the account root: roles
// with the seeds' policies, assumed with AssumeRole by an IAM user, and
// S3 allowing and denying exactly as the policies say.
const iamScript = `
import json, os, sys, time, boto3, botocore
from botocore.config import Config
out = {}
cfg = Config(s3={"addressing_style": "path"})
def code(fn):
    try:
        fn()
        return "ok"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
def msg(fn):
    try:
        fn()
        return "ok"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Message"]

iam, s3 = boto3.client("iam"), boto3.client("s3", config=cfg)
acct = boto3.client("sts").get_caller_identity()["Account"]
s3.create_bucket(Bucket="seed-bucket")
s3.put_object(Bucket="seed-bucket", Key="public/hello.txt", Body=b"hello")
s3.put_object(Bucket="seed-bucket", Key="sales/q1.txt", Body=b"sales data")
s3.put_object(Bucket="seed-bucket", Key="hr/pay.txt", Body=b"secret")

# An IAM user who may assume roles, with its own key.
iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "gate"}])
iam.put_user_policy(UserName="alice", PolicyName="assume", PolicyDocument=json.dumps({"Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"}]}))
key = iam.create_access_key(UserName="alice")["AccessKey"]
alice = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
out["alice_arn"] = alice.client("sts").get_caller_identity()["Arn"]
out["alice_s3_denied"] = msg(lambda: alice.client("s3", config=cfg).list_objects_v2(Bucket="seed-bucket"))

trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::%s:root" % acct}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
out["malformed"] = code(lambda: iam.create_role(RoleName="bad", AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Permit"}]}'))
role = iam.create_role(RoleName="guest", AssumeRolePolicyDocument=trust, MaxSessionDuration=7200)["Role"]
out["role_id"] = role["RoleId"][:4]
out["dup"] = code(lambda: iam.create_role(RoleName="guest", AssumeRolePolicyDocument=trust))
# Seed 000: guests may list but not put.
iam.put_role_policy(RoleName="guest", PolicyName="guest", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::seed-bucket"]},
    {"Effect": "Allow", "Action": ["mobileanalytics:PutEvents", "cognito-sync:*"], "Resource": ["*"]}]}))
def assume(role, **kw):
    c = alice.client("sts").assume_role(RoleArn="arn:aws:iam::%s:role/%s" % (acct, role), RoleSessionName="sess", **kw)
    cr = c["Credentials"]
    return boto3.Session(aws_access_key_id=cr["AccessKeyId"], aws_secret_access_key=cr["SecretAccessKey"], aws_session_token=cr["SessionToken"]), c
g, res = assume("guest")
out["session_arn"] = res["AssumedRoleUser"]["Arn"]
out["session_id_ok"] = res["AssumedRoleUser"]["AssumedRoleId"] == role["RoleId"] + ":sess"
out["key_prefix"] = res["Credentials"]["AccessKeyId"][:4]
out["guest_whoami"] = g.client("sts").get_caller_identity()["Arn"]
gs3 = g.client("s3", config=cfg)
out["guest_list"] = code(lambda: gs3.list_objects_v2(Bucket="seed-bucket"))
out["guest_put"] = code(lambda: gs3.put_object(Bucket="seed-bucket", Key="x", Body=b"x"))
out["guest_put_msg"] = msg(lambda: gs3.put_object(Bucket="seed-bucket", Key="x", Body=b"x"))
out["guest_get"] = code(lambda: gs3.get_object(Bucket="seed-bucket", Key="public/hello.txt"))
out["too_long"] = code(lambda: alice.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="sess", DurationSeconds=9000))

# Seed 001: read-only via the AWS managed policy.
iam.create_role(RoleName="reader", AssumeRolePolicyDocument=trust)
iam.attach_role_policy(RoleName="reader", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
r, _ = assume("reader")
rs3 = r.client("s3", config=cfg)
out["reader_get"] = rs3.get_object(Bucket="seed-bucket", Key="hr/pay.txt")["Body"].read().decode()
out["reader_put"] = code(lambda: rs3.put_object(Bucket="seed-bucket", Key="y", Body=b"y"))
out["delete_attached"] = code(lambda: iam.delete_role(RoleName="reader"))
# A session policy narrows the role.
r2, _ = assume("reader", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::seed-bucket/public/*"}]}))
out["session_policy_public"] = code(lambda: r2.client("s3", config=cfg).get_object(Bucket="seed-bucket", Key="public/hello.txt"))
out["session_policy_hr"] = code(lambda: r2.client("s3", config=cfg).get_object(Bucket="seed-bucket", Key="hr/pay.txt"))

# Department folders from principal (session) tags.
iam.create_role(RoleName="dept", AssumeRolePolicyDocument=trust)
iam.put_role_policy(RoleName="dept", PolicyName="dept", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::seed-bucket/${aws:PrincipalTag/department}/*"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::seed-bucket", "Condition": {"StringLike": {"s3:prefix": "${aws:PrincipalTag/department}/*"}}}]}))
d, _ = assume("dept", Tags=[{"Key": "department", "Value": "sales"}])
ds3 = d.client("s3", config=cfg)
out["dept_own"] = code(lambda: ds3.get_object(Bucket="seed-bucket", Key="sales/q1.txt"))
out["dept_other"] = code(lambda: ds3.get_object(Bucket="seed-bucket", Key="hr/pay.txt"))
out["dept_list_own"] = code(lambda: ds3.list_objects_v2(Bucket="seed-bucket", Prefix="sales/"))
out["dept_list_other"] = code(lambda: ds3.list_objects_v2(Bucket="seed-bucket", Prefix="hr/"))
# Changing a role's policy applies to its live sessions.
iam.delete_role_policy(RoleName="dept", PolicyName="dept")
out["dept_after_revoke"] = code(lambda: ds3.get_object(Bucket="seed-bucket", Key="sales/q1.txt"))

# A bucket policy granting another role; Block Public Access.
iam.create_role(RoleName="partner", AssumeRolePolicyDocument=trust)
p, _ = assume("partner")
ps3 = p.client("s3", config=cfg)
out["partner_before"] = code(lambda: ps3.get_object(Bucket="seed-bucket", Key="sales/q1.txt"))
s3.put_bucket_policy(Bucket="seed-bucket", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::%s:role/partner" % acct}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::seed-bucket/sales/*"}]}))
out["partner_after"] = code(lambda: ps3.get_object(Bucket="seed-bucket", Key="sales/q1.txt"))
out["partner_hr"] = code(lambda: ps3.get_object(Bucket="seed-bucket", Key="hr/pay.txt"))
anon = boto3.client("s3", config=Config(signature_version=botocore.UNSIGNED, s3={"addressing_style": "path"}))
out["anon_before"] = code(lambda: anon.get_object(Bucket="seed-bucket", Key="public/hello.txt"))
public = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::seed-bucket/public/*"}]})
s3.put_bucket_policy(Bucket="seed-bucket", Policy=public)
out["anon_public"] = code(lambda: anon.get_object(Bucket="seed-bucket", Key="public/hello.txt"))
out["anon_private"] = code(lambda: anon.get_object(Bucket="seed-bucket", Key="hr/pay.txt"))
s3.put_public_access_block(Bucket="seed-bucket", PublicAccessBlockConfiguration={"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
out["anon_restricted"] = code(lambda: anon.get_object(Bucket="seed-bucket", Key="public/hello.txt"))
out["public_blocked"] = code(lambda: s3.put_bucket_policy(Bucket="seed-bucket", Policy=public))

# IAM user keys: work, then deactivated and refused at once.
iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
as3 = alice.client("s3", config=cfg)
out["alice_get"] = code(lambda: as3.get_object(Bucket="seed-bucket", Key="sales/q1.txt"))
iam.update_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"], Status="Inactive")
out["alice_inactive"] = code(lambda: as3.get_object(Bucket="seed-bucket", Key="sales/q1.txt"))
out["alice_iam_denied"] = code(lambda: alice.client("iam").list_roles())
# Managed policy versions.
pol = iam.create_policy(PolicyName="custom", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))["Policy"]
iam.create_policy_version(PolicyArn=pol["Arn"], PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}), SetAsDefault=True)
out["versions"] = [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=pol["Arn"])["Versions"]]
out["doc_v2"] = iam.get_policy_version(PolicyArn=pol["Arn"], VersionId="v2")["PolicyVersion"]["Document"]["Statement"][0]["Action"]
out["role_doc"] = iam.get_role(RoleName="guest")["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Action"]
print(json.dumps(out))
`

func TestBoto3IAM(t *testing.T) {
	t.Parallel()
	py := need(t, "python3")
	s := startServer(t, serverOpts{})
	out, stderr, err := run(t, s.cliEnv(s.KeyID, s.Secret), py, "-c", iamScript)
	if err != nil {
		t.Fatalf("boto3: %v\n%s\n%s", err, stderr, s.Logs())
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := map[string]string{
		"alice_arn":             "arn:aws:iam::000000000000:user/alice",
		"alice_s3_denied":       "User: arn:aws:iam::000000000000:user/alice is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::seed-bucket because no identity-based policy allows the s3:ListBucket action",
		"malformed":             "MalformedPolicyDocument",
		"role_id":               "AROA",
		"dup":                   "EntityAlreadyExists",
		"session_arn":           "arn:aws:sts::000000000000:assumed-role/guest/sess",
		"session_id_ok":         "true",
		"key_prefix":            "ASIA",
		"guest_whoami":          "arn:aws:sts::000000000000:assumed-role/guest/sess",
		"guest_list":            "ok",
		"guest_put":             "AccessDenied",
		"guest_put_msg":         "User: arn:aws:sts::000000000000:assumed-role/guest/sess is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::seed-bucket/x because no identity-based policy allows the s3:PutObject action",
		"guest_get":             "AccessDenied",
		"too_long":              "ValidationError",
		"reader_get":            "secret",
		"reader_put":            "AccessDenied",
		"delete_attached":       "DeleteConflict",
		"session_policy_public": "ok",
		"session_policy_hr":     "AccessDenied",
		"dept_own":              "ok",
		"dept_other":            "AccessDenied",
		"dept_list_own":         "ok",
		"dept_list_other":       "AccessDenied",
		"dept_after_revoke":     "AccessDenied",
		"partner_before":        "AccessDenied",
		"partner_after":         "ok",
		"partner_hr":            "AccessDenied",
		"anon_before":           "AccessDenied",
		"anon_public":           "ok",
		"anon_private":          "AccessDenied",
		"anon_restricted":       "AccessDenied",
		"public_blocked":        "AccessDenied",
		"alice_get":             "ok",
		"alice_inactive":        "InvalidAccessKeyId",
		"alice_iam_denied":      "InvalidClientTokenId",
		"versions":              "[v1 v2]",
		"doc_v2":                "s3:GetObject",
		"role_doc":              "[sts:AssumeRole sts:TagSession]",
	}
	for k, v := range want {
		if got := fmt.Sprint(res[k]); got != v {
			t.Errorf("%s = %s\n  want %s", k, got, v)
		}
	}
	if t.Failed() && strings.Contains(fmt.Sprint(res), "") {
		t.Log(s.Logs())
	}
}
