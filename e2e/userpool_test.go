package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// userPoolScript drives the user-pool admin and sign-in API with boto3 as
// the seeds do: an email-username pool, AdminCreateUser with a temporary
// password, NEW_PASSWORD_REQUIRED, AdminSetUserPassword --permanent,
// ADMIN_NO_SRP_AUTH and USER_PASSWORD_AUTH, refresh, groups with roles,
// sign-up with the code from the outbox, and the pool's JWKS.
const userPoolScript = `
import base64, json, os, sys, urllib.request, boto3, botocore
from botocore.config import Config
out = {}
def code(fn):
    try:
        fn(); return "ok"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"] + ": " + e.response["Error"]["Message"]
def claims(tok):
    p = tok.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
idp = boto3.client("cognito-idp")
pool = idp.create_user_pool(PoolName="seed", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"],
    Policies={"PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True, "RequireSymbols": False}})["UserPool"]
pid = pool["Id"]
out["pool_id_shape"] = pid.split("_")[0]
client = idp.create_user_pool_client(UserPoolId=pid, ClientName="app",
    ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"])["UserPoolClient"]
cid = client["ClientId"]
u = idp.admin_create_user(UserPoolId=pid, Username="taro@example.com", TemporaryPassword="TempPass1",
    UserAttributes=[{"Name": "email", "Value": "taro@example.com"}, {"Name": "email_verified", "Value": "true"}], MessageAction="SUPPRESS")["User"]
out["status"] = u["UserStatus"]
out["username_is_sub"] = u["Username"] == [a["Value"] for a in u["Attributes"] if a["Name"] == "sub"][0]
r = idp.admin_initiate_auth(UserPoolId=pid, ClientId=cid, AuthFlow="ADMIN_NO_SRP_AUTH", AuthParameters={"USERNAME": "taro@example.com", "PASSWORD": "TempPass1"})
out["challenge"] = r["ChallengeName"]
r = idp.admin_respond_to_auth_challenge(UserPoolId=pid, ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=r["Session"],
    ChallengeResponses={"USERNAME": "taro@example.com", "NEW_PASSWORD": "NewPass12"})
out["after_challenge"] = sorted(r["AuthenticationResult"].keys())
idp.admin_set_user_password(UserPoolId=pid, Username="taro@example.com", Password="PermPass12", Permanent=True)
out["confirmed"] = idp.admin_get_user(UserPoolId=pid, Username="taro@example.com")["UserStatus"]
anon = boto3.client("cognito-idp", config=Config(signature_version=botocore.UNSIGNED))
r = anon.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "taro@example.com", "PASSWORD": "PermPass12"})
res = r["AuthenticationResult"]
idc = claims(res["IdToken"])
out["id_claims"] = [idc["token_use"], idc["aud"] == cid, idc["email"], idc["email_verified"]]
out["wrong"] = code(lambda: anon.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "taro@example.com", "PASSWORD": "Nope1234"}))
out["admin_unsigned"] = code(lambda: anon.admin_get_user(UserPoolId=pid, Username="taro@example.com"))
out["get_user"] = [a["Name"] for a in anon.get_user(AccessToken=res["AccessToken"])["UserAttributes"]][:1]
r = anon.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": res["RefreshToken"]})
out["refreshed"] = "IdToken" in r["AuthenticationResult"] and "RefreshToken" not in r["AuthenticationResult"]
# Groups with roles reach the ID token.
idp.create_group(UserPoolId=pid, GroupName="readers", RoleArn="arn:aws:iam::000000000000:role/reader", Precedence=1)
idp.admin_add_user_to_group(UserPoolId=pid, Username="taro@example.com", GroupName="readers")
out["groups"] = [g["GroupName"] for g in idp.admin_list_groups_for_user(UserPoolId=pid, Username="taro@example.com")["Groups"]]
r = anon.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "taro@example.com", "PASSWORD": "PermPass12"})
idc = claims(r["AuthenticationResult"]["IdToken"])
out["role_claims"] = [idc.get("cognito:groups"), idc.get("cognito:preferred_role")]
# Sign-up with the code from the outbox.
anon.sign_up(ClientId=cid, Username="hana@example.com", Password="HanaPass12", UserAttributes=[{"Name": "email", "Value": "hana@example.com"}])
out["unconfirmed"] = code(lambda: anon.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "hana@example.com", "PASSWORD": "HanaPass12"}))
codes = [json.loads(l) for l in open(os.environ["OUTBOX"])]
anon.confirm_sign_up(ClientId=cid, Username="hana@example.com", ConfirmationCode=[c for c in codes if c["destination"] == "hana@example.com"][-1]["code"])
out["signed_up"] = code(lambda: anon.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "hana@example.com", "PASSWORD": "HanaPass12"}))
out["list_filter"] = len(idp.list_users(UserPoolId=pid, Filter='email = "hana@example.com"')["Users"])
jwks = json.load(urllib.request.urlopen(os.environ["AWS_ENDPOINT_URL"] + "/" + pid + "/.well-known/jwks.json"))
out["jwks_kids"] = len(jwks["keys"])
out["kid_match"] = json.loads(base64.urlsafe_b64decode(res["IdToken"].split(".")[0] + "=="))["kid"] in [k["kid"] for k in jwks["keys"]]
anon.global_sign_out(AccessToken=res["AccessToken"])
out["after_signout"] = code(lambda: anon.get_user(AccessToken=res["AccessToken"]))
print(json.dumps(out))
`

func TestBoto3UserPool(t *testing.T) {
	t.Parallel()
	py := need(t, "python3")
	s := startServer(t, serverOpts{})
	env := append(s.cliEnv(s.KeyID, s.Secret), "OUTBOX="+s.dataDir+"/outbox/messages.jsonl")
	out, stderr, err := run(t, env, py, "-c", userPoolScript)
	if err != nil {
		t.Fatalf("boto3: %v\n%s\n%s", err, stderr, s.Logs())
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := map[string]string{
		"pool_id_shape":   "us-east-1",
		"status":          "FORCE_CHANGE_PASSWORD",
		"username_is_sub": "true",
		"challenge":       "NEW_PASSWORD_REQUIRED",
		"after_challenge": "[AccessToken ExpiresIn IdToken RefreshToken TokenType]",
		"confirmed":       "CONFIRMED",
		"id_claims":       "[id true taro@example.com true]",
		"wrong":           "NotAuthorizedException: Incorrect username or password.",
		"admin_unsigned":  "MissingAuthenticationTokenException: Missing Authentication Token",
		"get_user":        "[sub]",
		"refreshed":       "true",
		"groups":          "[readers]",
		"role_claims":     "[[readers] arn:aws:iam::000000000000:role/reader]",
		"unconfirmed":     "UserNotConfirmedException: User is not confirmed.",
		"signed_up":       "ok",
		"list_filter":     "1",
		"jwks_kids":       "2",
		"kid_match":       "true",
		"after_signout":   "NotAuthorizedException: Access Token has been revoked",
	}
	for k, v := range want {
		if got := fmt.Sprint(res[k]); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
	if t.Failed() && strings.Contains(out, "{") {
		t.Log(out)
	}
}
