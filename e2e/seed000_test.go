package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Seed 000: user pool + identity pool with Auth_Role and Unauth_Role; a
// bucket with public access blocked; boto3 as an authenticated user
// (list, upload, download) and as a guest (list only); the CLI walkthrough
// for both; a rule-based role chosen by email, with per-user folders.
const seed000Setup = `
bucket_name = "seed000-bucket"
bucket(bucket_name)
s3.put_object(Bucket=bucket_name, Key="readme.txt", Body=b"hello from seed 000")
user_pool_id, client_id = user_pool("seed000")
user_name, email, password = "fujishiro", "fujishiro@example.com", "Seed#Pass000"
user(user_pool_id, user_name, password, email)
identity_pool_id = identity_pool("seed000", [(user_pool_id, client_id)])
auth_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["cognito-sync:*", "cognito-identity:*", "s3:ListBucket", "s3:GetObject", "s3:PutObject"],
    "Resource": ["arn:aws:s3:::%s" % bucket_name, "arn:aws:s3:::%s/*" % bucket_name]}]}
unauth_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["mobileanalytics:PutEvents", "cognito-sync:*", "s3:ListBucket"],
    "Resource": ["arn:aws:s3:::%s" % bucket_name, "arn:aws:s3:::%s/*" % bucket_name]}]}
auth_arn = role("Cognito_seed000Auth_Role", identity_pool_id, "authenticated", auth_policy)
unauth_arn = role("Cognito_seed000Unauth_Role", identity_pool_id, "unauthenticated", unauth_policy)
ident.set_identity_pool_roles(IdentityPoolId=identity_pool_id, Roles={"authenticated": auth_arn, "unauthenticated": unauth_arn})
out = {}
`

// The seed's authenticated script, ids substituted. Mended: upload_file
// takes (Filename, Bucket, Key) and the download key variable is DL_Key.
const seed000Auth = `
account_id = ACCOUNT
region = REGION
logins_key = f"cognito-idp.{region}.amazonaws.com/{user_pool_id}"
auth_flow = "USER_PASSWORD_AUTH"

idp_client = boto3.client('cognito-idp')
response = idp_client.initiate_auth(
    ClientId=client_id,
    AuthFlow=auth_flow,
    AuthParameters={
        'USERNAME': user_name,
        'PASSWORD': password
    }
)
id_token = response['AuthenticationResult']['IdToken']
access_token = response['AuthenticationResult']['AccessToken']
refresh_token = response['AuthenticationResult']['RefreshToken']

identity_client = boto3.client('cognito-identity')
identity_id = identity_client.get_id(
    AccountId=account_id,
    IdentityPoolId=identity_pool_id,
    Logins={
        logins_key: id_token
    }
)['IdentityId']
credentials_response = identity_client.get_credentials_for_identity(
    IdentityId=identity_id,
    Logins={
        logins_key: id_token
    }
)
Credentials = credentials_response['Credentials']
access_key_id = Credentials['AccessKeyId']
secret_access_key = Credentials['SecretKey']
session_token = Credentials['SessionToken']

s3_client = boto3.client('s3',
            region_name="ap-northeast-1",
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token
        )
object_list = s3_client.list_objects_v2(Bucket=bucket_name)
for obj in object_list['Contents']:
    print(obj['Key'])

Filename = os.path.join(os.environ["WORKDIR"], "upload.txt")
open(Filename, "w").write("uploaded by an authenticated identity")
UL_Key = 'uploads/upload.txt'
s3_client.upload_file(Filename, bucket_name, UL_Key)

Filename = os.path.join(os.environ["WORKDIR"], "download.txt")
DL_Key = "uploads/upload.txt"
s3_client.download_file(bucket_name, DL_Key, Filename)
out["auth_list"] = sorted(o["Key"] for o in object_list["Contents"])
out["auth_roundtrip"] = open(Filename).read()
out["auth_arn"] = boto3.client("sts", aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key, aws_session_token=session_token).get_caller_identity()["Arn"]
out["auth_delete"] = code(lambda: s3_client.delete_object(Bucket=bucket_name, Key=UL_Key))
`

// The seed's guest script.
const seed000Guest = `
session = boto3.Session()
cognito_identity_pool_id = identity_pool_id
client = session.client('cognito-identity')
response = client.get_id(IdentityPoolId=cognito_identity_pool_id)
identity_id = response['IdentityId']
credentials = client.get_credentials_for_identity(IdentityId=identity_id)
s3_client = session.client('s3',
    aws_access_key_id=credentials['Credentials']['AccessKeyId'],
    aws_secret_access_key=credentials['Credentials']['SecretKey'],
    aws_session_token=credentials['Credentials']['SessionToken']
)
object_list = s3_client.list_objects_v2(Bucket=bucket_name)
for obj in object_list['Contents']:
    print(obj['Key'])
out["guest_list"] = len(object_list["Contents"]) > 0
out["guest_put"] = code(lambda: s3_client.put_object(Bucket=bucket_name, Key="guest.txt", Body=b"x"))
out["guest_get"] = code(lambda: s3_client.get_object(Bucket=bucket_name, Key="readme.txt"))
`

// The "reference" section: a role chosen by a rule on the email claim,
// with per-user folders under cognito/${cognito-identity.amazonaws.com:sub}.
// Mended: the seed's ListBucket resource misspells the bucket
// ("…-bucke"); the same bucket is used for both statements here.
const seed000Rules = `
folder_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::%s" % bucket_name], "Condition": {"StringLike": {"s3:prefix": ["cognito/"]}}},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
     "Resource": ["arn:aws:s3:::%s/cognito/${cognito-identity.amazonaws.com:sub}" % bucket_name, "arn:aws:s3:::%s/cognito/${cognito-identity.amazonaws.com:sub}/*" % bucket_name]}]}
folder_arn = role("seed000-per-user", identity_pool_id, "authenticated", folder_policy)
provider = "cognito-idp.%s.amazonaws.com/%s:%s" % (REGION, user_pool_id, client_id)
ident.set_identity_pool_roles(IdentityPoolId=identity_pool_id, Roles={"authenticated": auth_arn, "unauthenticated": unauth_arn},
    RoleMappings={provider: {"Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole", "RulesConfiguration": {"Rules": [
        {"Claim": "email", "MatchType": "Equals", "Value": email, "RoleARN": folder_arn}]}}})
identity_id = ident.get_id(IdentityPoolId=identity_pool_id, Logins={logins_key: id_token})["IdentityId"]  # the guest script reused the name
creds = ident.get_credentials_for_identity(IdentityId=identity_id, Logins={logins_key: id_token})
sess = session_from(creds)
out["rule_arn"] = sess.client("sts").get_caller_identity()["Arn"]
us3 = sess.client("s3", config=Config(s3={"addressing_style": "path"}))
out["own_folder_put"] = code(lambda: us3.put_object(Bucket=bucket_name, Key="cognito/%s/photo.jpg" % identity_id, Body=b"mine"))
out["own_folder_get"] = code(lambda: us3.get_object(Bucket=bucket_name, Key="cognito/%s/photo.jpg" % identity_id))
out["other_folder_put"] = code(lambda: us3.put_object(Bucket=bucket_name, Key="cognito/ap-northeast-1:00000000-0000-0000-0000-000000000000/x", Body=b"x"))
out["list_cognito_prefix"] = code(lambda: us3.list_objects_v2(Bucket=bucket_name, Prefix="cognito/"))
out["list_root"] = code(lambda: us3.list_objects_v2(Bucket=bucket_name))
# Someone else's email falls back to the default authenticated role.
user(user_pool_id, "other", "Other#Pass000", "other@example.com")
tok = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "other", "PASSWORD": "Other#Pass000"})["AuthenticationResult"]["IdToken"]
oid = ident.get_id(IdentityPoolId=identity_pool_id, Logins={logins_key: tok})["IdentityId"]
out["other_arn"] = session_from(ident.get_credentials_for_identity(IdentityId=oid, Logins={logins_key: tok})).client("sts").get_caller_identity()["Arn"]
ids = {"USER_POOL_ID": user_pool_id, "CLIENT_ID": client_id, "IDENTITY_POOL_ID": identity_pool_id, "USER_NAME": user_name, "PASSWORD": password}
open(os.path.join(os.environ["WORKDIR"], "conf.txt"), "w").write("".join("%s=%s\n" % kv for kv in ids.items()))
print(json.dumps(out))
`

// The seed's CLI lines (conf.txt, then the user and guest sections).
const seed000CLI = `
set -euo pipefail
source "$WORKDIR/conf.txt"
REGION=ap-northeast-1
COGNITO_USER_POOL=cognito-idp.${REGION}.amazonaws.com/${USER_POOL_ID}
AUTH_FLOW=USER_PASSWORD_AUTH
ID_TOKEN=$(aws cognito-idp initiate-auth \
--auth-flow ${AUTH_FLOW} \
--client-id ${CLIENT_ID} \
--auth-parameters USERNAME=${USER_NAME},PASSWORD=${PASSWORD}  \
--query "AuthenticationResult.IdToken" \
--output text) && echo ${ID_TOKEN} > /dev/null
IDENTITY_ID=$(aws cognito-identity get-id \
  --identity-pool-id ${IDENTITY_POOL_ID} \
  --logins "${COGNITO_USER_POOL}=${ID_TOKEN}" \
  --query "IdentityId" \
  --output text) && echo ${IDENTITY_ID}
OUTPUT=$(aws cognito-identity get-credentials-for-identity \
  --identity-id ${IDENTITY_ID} \
  --logins "${COGNITO_USER_POOL}=${ID_TOKEN}")
AWS_ACCESS_KEY_ID=$(echo $OUTPUT | jq -r '.Credentials.AccessKeyId')
AWS_SECRET_ACCESS_KEY=$(echo $OUTPUT | jq -r '.Credentials.SecretKey')
AWS_SECURITY_TOKEN=$(echo $OUTPUT | jq -r '.Credentials.SessionToken')
(export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SECURITY_TOKEN; aws sts get-caller-identity --query Arn --output text)
IDENTITY_ID=$(aws cognito-identity get-id \
  --identity-pool-id ${IDENTITY_POOL_ID} \
  --query "IdentityId" \
  --output text)
OUTPUT=$(aws cognito-identity get-credentials-for-identity \
  --identity-id ${IDENTITY_ID})
AWS_ACCESS_KEY_ID=$(echo $OUTPUT | jq -r '.Credentials.AccessKeyId')
export AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$(echo $OUTPUT | jq -r '.Credentials.SecretKey')
export AWS_SECRET_ACCESS_KEY
AWS_SECURITY_TOKEN=$(echo $OUTPUT | jq -r '.Credentials.SessionToken')
export AWS_SECURITY_TOKEN
aws sts get-caller-identity --query Arn --output text
`

func TestSeed000(t *testing.T) {
	t.Parallel()
	s := seedServer(t)
	res := runSeed(t, s, seed000Setup+seed000Auth+seed000Guest+seed000Rules)
	check(t, res, map[string]string{
		"auth_list":           "[readme.txt]",
		"auth_roundtrip":      "uploaded by an authenticated identity",
		"auth_arn":            "arn:aws:sts::000000000000:assumed-role/Cognito_seed000Auth_Role/CognitoIdentityCredentials",
		"auth_delete":         "AccessDenied",
		"guest_list":          "true",
		"guest_put":           "AccessDenied",
		"guest_get":           "AccessDenied",
		"rule_arn":            "arn:aws:sts::000000000000:assumed-role/seed000-per-user/CognitoIdentityCredentials",
		"own_folder_put":      "ok",
		"own_folder_get":      "ok",
		"other_folder_put":    "AccessDenied",
		"list_cognito_prefix": "ok",
		"list_root":           "AccessDenied",
		"other_arn":           "arn:aws:sts::000000000000:assumed-role/Cognito_seed000Auth_Role/CognitoIdentityCredentials",
	})
	// The CLI walkthrough, with the ids the console part made.
	bash := need(t, "bash")
	need(t, "jq")
	dir := t.TempDir()
	script := filepath.Join(dir, "cli.sh")
	os.WriteFile(script, []byte(seed000CLI), 0o600)
	env := append(s.cliEnv(s.KeyID, s.Secret), "AWS_DEFAULT_REGION=ap-northeast-1", "WORKDIR="+res["_workdir"].(string))
	out, stderr, err := run(t, env, bash, script)
	if err != nil {
		t.Fatalf("CLI walkthrough: %v\n%s\n%s", err, stderr, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[1], "assumed-role/seed000-per-user/CognitoIdentityCredentials") || !strings.HasSuffix(lines[2], "assumed-role/Cognito_seed000Unauth_Role/CognitoIdentityCredentials") {
		t.Errorf("CLI walkthrough printed:\n%s", out)
	}
}
