package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Seed 001: an email-username pool, AdminCreateUser with a temporary
// password (as the seed's script), the first sign-in's new password (the
// seed does it in the console), then the seed's ADMIN_NO_SRP_AUTH script
// and a read-only role that lists and gets but may not put.
const seed001 = `
bucket_name = "seed001-bucket"
bucket(bucket_name)
s3.put_object(Bucket=bucket_name, Key="data/report.csv", Body=b"a,b\n1,2\n")
user_pool_id, client_id = user_pool("seed001", email_username=True)
identity_pool_id = identity_pool("seed001", [(user_pool_id, client_id)], allow_unauth=True)
auth_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["mobileanalytics:PutEvents", "cognito-sync:*", "cognito-identity:*",
    "s3:Get*", "s3:List*", "s3-object-lambda:Get*", "s3-object-lambda:List*"], "Resource": ["*"]}]}
unauth_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["mobileanalytics:PutEvents", "cognito-sync:*"], "Resource": ["*"]}]}
ident.set_identity_pool_roles(IdentityPoolId=identity_pool_id, Roles={
    "authenticated": role("seed001-auth", identity_pool_id, "authenticated", auth_policy),
    "unauthenticated": role("seed001-unauth", identity_pool_id, "unauthenticated", unauth_policy)})
out = {}

idp_client = boto3.client('cognito-idp')
aws_result = idp_client.admin_create_user(
    UserPoolId=user_pool_id,
    Username='seed001@example.com',
    UserAttributes=[
        {
            'Name': 'email',
            'Value': 'seed001@example.com'
        },
        {
            'Name': 'email_verified',
            'Value': 'true'
        }
    ],
    TemporaryPassword = 'Temp#001x'
)
out["created_status"] = aws_result["User"]["UserStatus"]
# The console's first sign-in: a new password.
first = idp.admin_initiate_auth(UserPoolId=user_pool_id, ClientId=client_id, AuthFlow="ADMIN_NO_SRP_AUTH", AuthParameters={"USERNAME": "seed001@example.com", "PASSWORD": "Temp#001x"})
out["first_challenge"] = first["ChallengeName"]
idp.admin_respond_to_auth_challenge(UserPoolId=user_pool_id, ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=first["Session"],
    ChallengeResponses={"USERNAME": "seed001@example.com", "NEW_PASSWORD": "Seed#Pass001"})

identity_client = boto3.client('cognito-identity')
account_id = ACCOUNT
region = REGION
auth_flow = "ADMIN_NO_SRP_AUTH"
user_name = 'seed001@example.com'
password = 'Seed#Pass001'
logins_key = f"cognito-idp.{region}.amazonaws.com/{user_pool_id}"
def admin_initiate_auth():
    response = idp_client.admin_initiate_auth(
                UserPoolId = user_pool_id,
                ClientId = client_id,
                AuthFlow = auth_flow,
                AuthParameters={
                    "USERNAME": user_name,
                    "PASSWORD": password,
                }
            )
    return response
def get_id(id_token):
    response = identity_client.get_id(
        AccountId = account_id,
        IdentityPoolId = identity_pool_id,
        Logins={
            logins_key: id_token
        }
    )
    return response
def get_credentials_for_identity(identity_id, id_token):
    response = identity_client.get_credentials_for_identity(
        IdentityId = identity_id,
        Logins = {
            logins_key: id_token
        }
    )
    return response
auth_response = admin_initiate_auth()
id_token = auth_response['AuthenticationResult']['IdToken']
id_response = get_id(id_token)
identity_id = id_response['IdentityId']
credentials_response = get_credentials_for_identity(identity_id, id_token)
Credentials = credentials_response['Credentials']
access_key_id = Credentials['AccessKeyId']
secret_access_key = Credentials['SecretKey']
session_token = Credentials['SessionToken']
s3_client = boto3.client('s3',
            region_name="ap-northeast-1",
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token)
out["list"] = [o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket_name)["Contents"]]
out["get"] = s3_client.get_object(Bucket=bucket_name, Key="data/report.csv")["Body"].read().decode()
out["put"] = code(lambda: s3_client.put_object(Bucket=bucket_name, Key="data/new.csv", Body=b"x"))
print(json.dumps(out))
`

func TestSeed001(t *testing.T) {
	t.Parallel()
	res := runSeed(t, seedServer(t), seed001)
	check(t, res, map[string]string{
		"created_status":  "FORCE_CHANGE_PASSWORD",
		"first_challenge": "NEW_PASSWORD_REQUIRED",
		"list":            "[data/report.csv]",
		"get":             "a,b\n1,2\n",
		"put":             "AccessDenied",
	})
}

// Seed 002: a pool without guest access; the seed's admin-set-user-password
// --permanent (CLI) and its USER_PASSWORD_AUTH script. The seed's Logins
// key hard-codes us-east-1; the server here runs in ap-northeast-1, so
// the key is written with that region.
const seed002Setup = `
bucket_name = "seed002-bucket"
bucket(bucket_name)
s3.put_object(Bucket=bucket_name, Key="shared/doc.txt", Body=b"seed 002")
USER_POOL_ID, CLIENT_ID = user_pool("seed002")
idp.admin_create_user(UserPoolId=USER_POOL_ID, Username="yuna", UserAttributes=[{"Name": "email", "Value": "yuna@example.com"}], MessageAction="SUPPRESS")
IDENTITY_POOL_ID = identity_pool("seed002", [(USER_POOL_ID, CLIENT_ID)], allow_unauth=False)
read_only = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "s3-object-lambda:Get*", "s3-object-lambda:List*"], "Resource": ["*"]}]}
ident.set_identity_pool_roles(IdentityPoolId=IDENTITY_POOL_ID, Roles={"authenticated": role("seed002-auth", IDENTITY_POOL_ID, "authenticated", read_only)})
open(os.path.join(os.environ["WORKDIR"], "ids.sh"), "w").write("USER_POOL_ID=%s\n" % USER_POOL_ID)
print(json.dumps({"USER_POOL_ID": USER_POOL_ID, "CLIENT_ID": CLIENT_ID, "IDENTITY_POOL_ID": IDENTITY_POOL_ID}))
`

const seed002Script = `
USER_POOL_ID, CLIENT_ID, IDENTITY_POOL_ID = os.environ["USER_POOL_ID"], os.environ["CLIENT_ID"], os.environ["IDENTITY_POOL_ID"]
username, password = "yuna", "Seed#Pass002"
out = {}
session = boto3.Session()
def login():
    client = session.client("cognito-idp")
    response = client.initiate_auth(
        AuthFlow='USER_PASSWORD_AUTH',
        AuthParameters={'USERNAME': username, 'PASSWORD': password},
        ClientId=CLIENT_ID
    )
    identity = session.client("cognito-identity")
    identity_id = identity.get_id(
        IdentityPoolId=IDENTITY_POOL_ID,
        Logins={
            'cognito-idp.ap-northeast-1.amazonaws.com/{}'.format(USER_POOL_ID): response['AuthenticationResult']['IdToken']
        }
    )['IdentityId']
    return identity.get_credentials_for_identity(
        IdentityId=identity_id,
        Logins={
            'cognito-idp.ap-northeast-1.amazonaws.com/{}'.format(USER_POOL_ID): response['AuthenticationResult']['IdToken']
        }
    )
creds = login()
c = creds["Credentials"]
s3c = boto3.client("s3", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretKey"], aws_session_token=c["SessionToken"], config=Config(s3={"addressing_style": "path"}))
out["read"] = s3c.get_object(Bucket="seed002-bucket", Key="shared/doc.txt")["Body"].read().decode()
out["write"] = code(lambda: s3c.put_object(Bucket="seed002-bucket", Key="shared/x", Body=b"x"))
out["guest"] = code(lambda: session.client("cognito-identity").get_id(IdentityPoolId=IDENTITY_POOL_ID))
print(json.dumps(out))
`

func TestSeed002(t *testing.T) {
	t.Parallel()
	s := seedServer(t)
	ids := runSeed(t, s, seed002Setup)
	// The seed's CLI line.
	awsCLI := need(t, "aws")
	env := append(s.cliEnv(s.KeyID, s.Secret), "AWS_DEFAULT_REGION=ap-northeast-1")
	if _, stderr, err := run(t, env, awsCLI, "cognito-idp", "admin-set-user-password", "--user-pool-id", ids["USER_POOL_ID"].(string),
		"--username", "yuna", "--password", "Seed#Pass002", "--permanent"); err != nil {
		t.Fatalf("admin-set-user-password: %v %s", err, stderr)
	}
	res := runSeed(t, s, seed002Script, "USER_POOL_ID="+ids["USER_POOL_ID"].(string), "CLIENT_ID="+ids["CLIENT_ID"].(string), "IDENTITY_POOL_ID="+ids["IDENTITY_POOL_ID"].(string))
	check(t, res, map[string]string{"read": "seed 002", "write": "AccessDenied", "guest": "NotAuthorizedException"})
}

// Seed 003: pool A for the application, pool B for the data-platform
// users whose tokens the identity pool trusts; refresh tokens renew the ID
// token; the classic flow gives a 12-hour session, the enhanced flow a
// fixed hour; principal tags restrict each user to their prefix.
const seed003 = `
import datetime
bucket_name = "seed003-bucket"
bucket(bucket_name)
for k in ["acme/logs/1.json", "globex/logs/1.json"]:
    s3.put_object(Bucket=bucket_name, Key=k, Body=k.encode())
pool_a, client_a = user_pool("seed003-app")
pool_b, client_b = user_pool("seed003-dataplatform")
user(pool_a, "enduser", "EndUser#003", "end@example.com")
user(pool_b, "acme-dp", "Acme#Pass003", "dp@acme.example", extra=[{"Name": "custom:department", "Value": "acme"}])
ipid = identity_pool("seed003", [(pool_b, client_b)], allow_unauth=False, classic=True)
tag_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/${aws:PrincipalTag/department}/*" % bucket_name},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::%s" % bucket_name, "Condition": {"StringLike": {"s3:prefix": "${aws:PrincipalTag/department}/*"}}}]}
dp_role = role("seed003-dataplatform", ipid, "authenticated", tag_policy, tag_session=True, max_session=43200)
ident.set_identity_pool_roles(IdentityPoolId=ipid, Roles={"authenticated": dp_role})
provider_b = "cognito-idp.%s.amazonaws.com/%s" % (REGION, pool_b)
ident.set_principal_tag_attribute_map(IdentityPoolId=ipid, IdentityProviderName=provider_b, UseDefaults=False, PrincipalTags={"department": "custom:department"})
out = {}
# The application signs the end user in to pool A…
out["pool_a"] = "IdToken" in idp.initiate_auth(ClientId=client_a, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "enduser", "PASSWORD": "EndUser#003"})["AuthenticationResult"]
# …and holds the data-platform user's tokens from pool B.
auth = idp.initiate_auth(ClientId=client_b, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "acme-dp", "PASSWORD": "Acme#Pass003"})["AuthenticationResult"]
refresh = auth["RefreshToken"]
# A pool-A token is not accepted by the identity pool.
tok_a = idp.initiate_auth(ClientId=client_a, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "enduser", "PASSWORD": "EndUser#003"})["AuthenticationResult"]["IdToken"]
out["pool_a_token"] = code(lambda: ident.get_id(IdentityPoolId=ipid, Logins={"cognito-idp.%s.amazonaws.com/%s" % (REGION, pool_a): tok_a}))
# When the ID token expires, the refresh token renews it.
renewed = idp.initiate_auth(ClientId=client_b, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh})["AuthenticationResult"]
id_token = renewed["IdToken"]
logins = {provider_b: id_token}
identity_id = ident.get_id(IdentityPoolId=ipid, Logins=logins)["IdentityId"]
# Enhanced flow: one hour, whatever the role allows.
creds = ident.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
hours = (creds["Credentials"]["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds() / 3600
out["enhanced_hours"] = round(hours)
es3 = session_from(creds).client("s3", config=Config(s3={"addressing_style": "path"}))
out["own_prefix"] = es3.get_object(Bucket=bucket_name, Key="acme/logs/1.json")["Body"].read().decode()
out["other_prefix"] = code(lambda: es3.get_object(Bucket=bucket_name, Key="globex/logs/1.json"))
out["list_own"] = code(lambda: es3.list_objects_v2(Bucket=bucket_name, Prefix="acme/"))
out["list_other"] = code(lambda: es3.list_objects_v2(Bucket=bucket_name, Prefix="globex/"))
# Classic flow: GetOpenIdToken, then AssumeRoleWithWebIdentity for 12 hours.
tok = ident.get_open_id_token(IdentityId=identity_id, Logins=logins)["Token"]
sts_anon = boto3.client("sts", config=Config(signature_version=botocore.UNSIGNED))
classic = sts_anon.assume_role_with_web_identity(RoleArn=dp_role, RoleSessionName="dataplatform", WebIdentityToken=tok, DurationSeconds=43200)
hours = (classic["Credentials"]["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds() / 3600
out["classic_hours"] = round(hours)
out["classic_provider"] = classic["Provider"]
cs = classic["Credentials"]
cs3 = boto3.client("s3", aws_access_key_id=cs["AccessKeyId"], aws_secret_access_key=cs["SecretAccessKey"], aws_session_token=cs["SessionToken"], config=Config(s3={"addressing_style": "path"}))
out["classic_own"] = code(lambda: cs3.get_object(Bucket=bucket_name, Key="acme/logs/1.json"))
out["classic_other"] = code(lambda: cs3.get_object(Bucket=bucket_name, Key="globex/logs/1.json"))
out["classic_too_long"] = code(lambda: sts_anon.assume_role_with_web_identity(RoleArn=dp_role, RoleSessionName="x1", WebIdentityToken=tok, DurationSeconds=43201))
print(json.dumps(out))
`

func TestSeed003(t *testing.T) {
	t.Parallel()
	res := runSeed(t, seedServer(t), seed003)
	check(t, res, map[string]string{
		"pool_a":           "true",
		"pool_a_token":     "NotAuthorizedException",
		"enhanced_hours":   "1",
		"own_prefix":       "acme/logs/1.json",
		"other_prefix":     "AccessDenied",
		"list_own":         "ok",
		"list_other":       "AccessDenied",
		"classic_hours":    "12",
		"classic_provider": "cognito-identity.amazonaws.com",
		"classic_own":      "ok",
		"classic_other":    "AccessDenied",
		"classic_too_long": "ValidationError",
	})
}

// Seed 004: the CLI walkthrough — guests and users through get-id and
// get-credentials-for-identity, admin-initiate-auth ADMIN_NO_SRP_AUTH,
// a rule-based role, and a group's role in the ID token chosen by a Token
// mapping, with AmazonS3ReadOnlyAccess attached.
const seed004Setup = `
bucket("seed004-bucket")
s3.put_object(Bucket="seed004-bucket", Key="hello.txt", Body=b"seed 004")
pid, cid = user_pool("seed004", email_username=True)
user(pid, "cm@example.com", "Seed#Pass004", "cm@example.com")
ipid = identity_pool("seed004", [(pid, cid)], allow_unauth=True)
list_only = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::seed004-bucket"}]}
auth = role("seed004-auth", ipid, "authenticated", list_only)
unauth = role("seed004-unauth", ipid, "unauthenticated", list_only)
group_role = role("seed004-group-reader", ipid, "authenticated", managed="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
rule_role = role("seed004-rule", ipid, "authenticated", list_only)
idp.create_group(UserPoolId=pid, GroupName="readers", RoleArn=group_role, Precedence=1)
ident.set_identity_pool_roles(IdentityPoolId=ipid, Roles={"authenticated": auth, "unauthenticated": unauth})
open(os.path.join(os.environ["WORKDIR"], "env.sh"), "w").write(
    "REGION=%s\nUSER_POOL_ID=%s\nCLIENT_ID=%s\nIDENTITY_POOL_ID=%s\nUSER_EMAIL=cm@example.com\nPASSWORD='Seed#Pass004'\nRULE_ROLE=%s\n" % (REGION, pid, cid, ipid, rule_role))
print(json.dumps({"dir": os.environ["WORKDIR"]}))
`

const seed004CLI = `
set -euo pipefail
source "$WORKDIR/env.sh"
whoami() {
  OUT=$(aws cognito-identity get-credentials-for-identity --identity-id "$1" ${2:+--logins "$2"})
  AWS_ACCESS_KEY_ID=$(echo $OUT | jq -r .Credentials.AccessKeyId) AWS_SECRET_ACCESS_KEY=$(echo $OUT | jq -r .Credentials.SecretKey) \
    AWS_SESSION_TOKEN=$(echo $OUT | jq -r .Credentials.SessionToken) aws sts get-caller-identity --query Arn --output text
}
# Guests.
IDENTITY_ID=$(aws cognito-identity get-id \
  --identity-pool-id ${IDENTITY_POOL_ID} \
  --query "IdentityId" \
  --output text)
echo "guest $(whoami ${IDENTITY_ID})"
# Users.
COGNITO_USER_POOL=cognito-idp.${REGION}.amazonaws.com/${USER_POOL_ID}
ID_TOKEN=$(aws cognito-idp admin-initiate-auth \
  --user-pool-id ${USER_POOL_ID} \
  --client-id ${CLIENT_ID} \
  --auth-flow ADMIN_NO_SRP_AUTH \
  --auth-parameters "USERNAME=${USER_EMAIL},PASSWORD=${PASSWORD}" \
  --query "AuthenticationResult.IdToken" \
  --output text)
IDENTITY_ID=$(aws cognito-identity get-id \
  --identity-pool-id ${IDENTITY_POOL_ID} \
  --logins "${COGNITO_USER_POOL}=${ID_TOKEN}" \
  --query "IdentityId" \
  --output text)
echo "user $(whoami ${IDENTITY_ID} "${COGNITO_USER_POOL}=${ID_TOKEN}")"
# Rule-based roles: users whose email ends with @example.com get the rule role.
aws cognito-identity set-identity-pool-roles --identity-pool-id ${IDENTITY_POOL_ID} \
  --roles authenticated=$(aws iam get-role --role-name seed004-auth --query Role.Arn --output text),unauthenticated=$(aws iam get-role --role-name seed004-unauth --query Role.Arn --output text) \
  --role-mappings "{\"${COGNITO_USER_POOL}:${CLIENT_ID}\":{\"Type\":\"Rules\",\"AmbiguousRoleResolution\":\"AuthenticatedRole\",\"RulesConfiguration\":{\"Rules\":[{\"Claim\":\"email\",\"MatchType\":\"Contains\",\"Value\":\"@example.com\",\"RoleARN\":\"${RULE_ROLE}\"}]}}}"
echo "rule $(whoami ${IDENTITY_ID} "${COGNITO_USER_POOL}=${ID_TOKEN}")"
# A group's role through a Token mapping.
aws cognito-idp admin-add-user-to-group --user-pool-id ${USER_POOL_ID} --username ${USER_EMAIL} --group-name readers
aws cognito-identity set-identity-pool-roles --identity-pool-id ${IDENTITY_POOL_ID} \
  --roles authenticated=$(aws iam get-role --role-name seed004-auth --query Role.Arn --output text) \
  --role-mappings "{\"${COGNITO_USER_POOL}:${CLIENT_ID}\":{\"Type\":\"Token\",\"AmbiguousRoleResolution\":\"AuthenticatedRole\"}}"
ID_TOKEN=$(aws cognito-idp admin-initiate-auth --user-pool-id ${USER_POOL_ID} --client-id ${CLIENT_ID} --auth-flow ADMIN_NO_SRP_AUTH \
  --auth-parameters "USERNAME=${USER_EMAIL},PASSWORD=${PASSWORD}" --query "AuthenticationResult.IdToken" --output text)
echo "group $(whoami ${IDENTITY_ID} "${COGNITO_USER_POOL}=${ID_TOKEN}")"
OUT=$(aws cognito-identity get-credentials-for-identity --identity-id ${IDENTITY_ID} --logins "${COGNITO_USER_POOL}=${ID_TOKEN}")
export AWS_ACCESS_KEY_ID=$(echo $OUT | jq -r .Credentials.AccessKeyId) AWS_SECRET_ACCESS_KEY=$(echo $OUT | jq -r .Credentials.SecretKey) AWS_SESSION_TOKEN=$(echo $OUT | jq -r .Credentials.SessionToken)
aws s3 cp s3://seed004-bucket/hello.txt "$WORKDIR/hello.txt" >/dev/null && echo "read $(cat $WORKDIR/hello.txt)"
if aws s3 cp "$WORKDIR/hello.txt" s3://seed004-bucket/copy.txt >/dev/null 2>&1; then echo "write allowed"; else echo "write denied"; fi
`

func TestSeed004(t *testing.T) {
	t.Parallel()
	s := seedServer(t)
	setup := runSeed(t, s, seed004Setup)
	bash := need(t, "bash")
	need(t, "jq")
	script := filepath.Join(t.TempDir(), "cli.sh")
	os.WriteFile(script, []byte(seed004CLI), 0o600)
	env := append(s.cliEnv(s.KeyID, s.Secret), "AWS_DEFAULT_REGION=ap-northeast-1", "WORKDIR="+setup["dir"].(string))
	out, stderr, err := run(t, env, bash, script)
	if err != nil {
		t.Fatalf("CLI walkthrough: %v\n%s\n%s", err, stderr, out)
	}
	want := []string{
		"guest arn:aws:sts::000000000000:assumed-role/seed004-unauth/CognitoIdentityCredentials",
		"user arn:aws:sts::000000000000:assumed-role/seed004-auth/CognitoIdentityCredentials",
		"rule arn:aws:sts::000000000000:assumed-role/seed004-rule/CognitoIdentityCredentials",
		"group arn:aws:sts::000000000000:assumed-role/seed004-group-reader/CognitoIdentityCredentials",
		"read seed 004",
		"write denied",
	}
	if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("walkthrough printed:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
}
