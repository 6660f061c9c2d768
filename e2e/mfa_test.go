package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// mfaScript drives MFA through boto3 against the built binary, with codes
// from pyotp (Debian's python3-pyotp): TOTP set up with an access token
// and through MFA_SETUP, the challenges, a replayed code, the admin calls.
const mfaScript = `
import json, os, sys, time, boto3, botocore
sys.path.append("/usr/lib/python3/dist-packages")
import pyotp
out = {}
idp = boto3.client("cognito-idp")
anon = boto3.client("cognito-idp", config=botocore.config.Config(signature_version=botocore.UNSIGNED))
def code(f):
    try:
        f()
        return "ok"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
pid = idp.create_user_pool(PoolName="mfa")["UserPool"]["Id"]
out["off_with_factor"] = code(lambda: idp.set_user_pool_mfa_config(UserPoolId=pid, MfaConfiguration="OFF", SoftwareTokenMfaConfiguration={"Enabled": True}))
cfg = idp.set_user_pool_mfa_config(UserPoolId=pid, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True})
out["config"] = [cfg["MfaConfiguration"], idp.get_user_pool_mfa_config(UserPoolId=pid)["SoftwareTokenMfaConfiguration"]["Enabled"]]
cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
for name in ["ami", "ken"]:
    idp.admin_create_user(UserPoolId=pid, Username=name, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pid, Username=name, Password="Totp#Pass123", Permanent=True)
r = anon.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ami", "PASSWORD": "Totp#Pass123"})
at = r["AuthenticationResult"]["AccessToken"]
secret = anon.associate_software_token(AccessToken=at)["SecretCode"]
totp = pyotp.TOTP(secret)
out["verify_wrong"] = code(lambda: anon.verify_software_token(AccessToken=at, UserCode=totp.at(time.time() - 90)))
out["verify"] = anon.verify_software_token(AccessToken=at, UserCode=totp.now(), FriendlyDeviceName="phone")["Status"]
anon.set_user_mfa_preference(AccessToken=at, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
u = idp.admin_get_user(UserPoolId=pid, Username="ami")
out["admin_get_user"] = [u.get("PreferredMfaSetting"), u.get("UserMFASettingList")]
ch = anon.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ami", "PASSWORD": "Totp#Pass123"})
out["challenge"] = ch["ChallengeName"]
out["replayed"] = code(lambda: anon.respond_to_auth_challenge(ClientId=cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=ch["Session"], ChallengeResponses={"USERNAME": "ami", "SOFTWARE_TOKEN_MFA_CODE": totp.now()}))
out["stale"] = code(lambda: anon.respond_to_auth_challenge(ClientId=cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=ch["Session"], ChallengeResponses={"USERNAME": "ami", "SOFTWARE_TOKEN_MFA_CODE": totp.at(time.time() - 60)}))
ok = anon.respond_to_auth_challenge(ClientId=cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=ch["Session"], ChallengeResponses={"USERNAME": "ami", "SOFTWARE_TOKEN_MFA_CODE": totp.at(time.time() + 30)})
out["signed_in"] = sorted(ok["AuthenticationResult"].keys())
# MFA required: ken sets TOTP up on the way in, with the admin flow.
idp.set_user_pool_mfa_config(UserPoolId=pid, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True})
s = idp.admin_initiate_auth(UserPoolId=pid, ClientId=cid, AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ken", "PASSWORD": "Totp#Pass123"})
out["setup"] = [s["ChallengeName"], json.loads(s["ChallengeParameters"]["MFAS_CAN_SETUP"])]
a = anon.associate_software_token(Session=s["Session"])
v = anon.verify_software_token(Session=a["Session"], UserCode=pyotp.TOTP(a["SecretCode"]).now())
done = idp.admin_respond_to_auth_challenge(UserPoolId=pid, ClientId=cid, ChallengeName="MFA_SETUP", Session=v["Session"], ChallengeResponses={"USERNAME": "ken"})
out["setup_done"] = "AccessToken" in done["AuthenticationResult"]
idp.admin_set_user_mfa_preference(UserPoolId=pid, Username="ken", SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
out["after_admin_off"] = idp.admin_get_user(UserPoolId=pid, Username="ken").get("UserMFASettingList")
print(json.dumps(out))
`

func TestBoto3MFA(t *testing.T) {
	t.Parallel()
	py := need(t, "python3")
	if _, err := os.Stat("/usr/lib/python3/dist-packages/pyotp/__init__.py"); err != nil {
		skip(t, "python3-pyotp is not installed (scripts/deps installs it)")
	}
	s := startServer(t, serverOpts{})
	out, stderr, err := run(t, s.cliEnv(s.KeyID, s.Secret), py, "-c", mfaScript)
	if err != nil {
		t.Fatalf("boto3: %v\n%s\n%s", err, stderr, s.Logs())
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := map[string]string{
		"off_with_factor": "InvalidParameterException",
		"config":          "[OPTIONAL true]",
		"verify_wrong":    "EnableSoftwareTokenMFAException",
		"verify":          "SUCCESS",
		"admin_get_user":  "[SOFTWARE_TOKEN_MFA [SOFTWARE_TOKEN_MFA]]",
		"challenge":       "SOFTWARE_TOKEN_MFA",
		"replayed":        "ExpiredCodeException",
		"stale":           "CodeMismatchException",
		"signed_in":       "[AccessToken ExpiresIn IdToken RefreshToken TokenType]",
		"setup":           "[MFA_SETUP [SOFTWARE_TOKEN_MFA]]",
		"setup_done":      "true",
		"after_admin_off": "<nil>",
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

// TestJSMFA runs e2e/js/mfa.mjs: amazon-cognito-identity-js and Amplify JS
// v6 setting up and answering TOTP, remembering a device and signing in
// with it, and Amplify's email one-time code sign-in.
func TestJSMFA(t *testing.T) {
	t.Parallel()
	node := needJS(t)
	s := startServer(t, serverOpts{})
	cli := awsCLI(t, s.cliEnv(s.KeyID, s.Secret))
	pool := cli("cognito-idp", "create-user-pool", "--pool-name", "js-mfa", "--device-configuration", "ChallengeRequiredOnNewDevice=true,DeviceOnlyRememberedOnUserPrompt=true",
		"--policies", `{"SignInPolicy":{"AllowedFirstAuthFactors":["PASSWORD","EMAIL_OTP"]}}`, "--query", "UserPool.Id", "--output", "text")
	cli("cognito-idp", "set-user-pool-mfa-config", "--user-pool-id", pool, "--mfa-configuration", "OPTIONAL", "--software-token-mfa-configuration", "Enabled=true")
	client := cli("cognito-idp", "create-user-pool-client", "--user-pool-id", pool, "--client-name", "web",
		"--explicit-auth-flows", "ALLOW_USER_SRP_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--query", "UserPoolClient.ClientId", "--output", "text")
	for _, u := range []string{"cij-user", "amp-user"} {
		cli("cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username", u, "--message-action", "SUPPRESS",
			"--user-attributes", "Name=email,Value="+u+"@example.com", "Name=email_verified,Value=true")
		cli("cognito-idp", "admin-set-user-password", "--user-pool-id", pool, "--username", u, "--password", "Mfa#Pass1234", "--permanent")
	}
	jsEnv := append(os.Environ(), "ENDPOINT="+s.URL, "POOL_ID="+pool, "CLIENT_ID="+client, "PASSWORD=Mfa#Pass1234",
		"OUTBOX="+s.dataDir+"/outbox/messages.jsonl")
	res := runJS(t, s, node, jsEnv, "mfa.mjs")
	wantJS(t, res, map[string]string{
		"cij_totp_setup":      "ok",
		"cij_totp_signin":     "[SOFTWARE_TOKEN_MFA true string]",
		"cij_device_signin":   "[0 true]",
		"cij_devices":         "1",
		"amplify_totp_setup":  "[TOTP TOTP]",
		"amplify_totp_signin": "[CONFIRM_SIGN_IN_WITH_TOTP_CODE DONE]",
		"amplify_email_otp":   "[CONFIRM_SIGN_IN_WITH_EMAIL_CODE DONE]",
	})
}

// TestBrowserPasskeys: Amplify JS v6 in headless Chromium registers a
// passkey with a virtual authenticator (the DevTools protocol's WebAuthn
// domain) and signs in with it alone, from an app on http://localhost
// (the pool's relying party).
func TestBrowserPasskeys(t *testing.T) {
	t.Parallel()
	node := needJS(t)
	chromium := needChromium(t)
	s := startServer(t, serverOpts{})
	cli := awsCLI(t, s.cliEnv(s.KeyID, s.Secret))
	pool := cli("cognito-idp", "create-user-pool", "--pool-name", "passkeys",
		"--policies", `{"SignInPolicy":{"AllowedFirstAuthFactors":["PASSWORD","WEB_AUTHN"]}}`, "--query", "UserPool.Id", "--output", "text")
	cli("cognito-idp", "set-user-pool-mfa-config", "--user-pool-id", pool, "--mfa-configuration", "OFF", "--web-authn-configuration", "RelyingPartyId=localhost,UserVerification=preferred")
	client := cli("cognito-idp", "create-user-pool-client", "--user-pool-id", pool, "--client-name", "web",
		"--explicit-auth-flows", "ALLOW_USER_SRP_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--query", "UserPoolClient.ClientId", "--output", "text")
	cli("cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username", "nao", "--message-action", "SUPPRESS")
	cli("cognito-idp", "admin-set-user-password", "--user-pool-id", pool, "--username", "nao", "--password", "Nao#Pass1234", "--permanent")
	jsEnv := append(os.Environ(), "CHROMIUM="+chromium, "ENDPOINT="+s.URL, "POOL_ID="+pool, "CLIENT_ID="+client, "USERNAME=nao", "PASSWORD=Nao#Pass1234",
		"ENTRY=passkey.mjs", "SPA_HOST=localhost", "VIRTUAL_AUTHENTICATOR=1")
	res := runJS(t, s, node, jsEnv, "browser.mjs")
	wantJS(t, res, map[string]string{
		"password":        "DONE",
		"register":        "[1 localhost]",
		"sign_out":        "true",
		"passkey_sign_in": "[DONE nao]",
		"passkey_again":   "DONE",
		"delete":          "0",
	})
	if t.Failed() {
		t.Log(s.Logs())
	}
}
