package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sekisho/sekisho/internal/lambdatest"
)

// triggerFunctions starts the Invoke server the binary's triggers go to:
// PreSignUp confirms users whose sign-up says auto=yes, UserMigration
// knows "legacy", PreTokenGeneration adds a tenant claim, and the custom
// auth trio asks "2+2" (after SRP when the client starts with SRP_A).
func triggerFunctions(t *testing.T) *lambdatest.Server {
	fns, err := lambdatest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fns.Close() })
	req := func(ev map[string]any) map[string]any { r, _ := ev["request"].(map[string]any); return r }
	fns.Handle("pre-signup", func(ev map[string]any) ([]byte, error) {
		if md, _ := req(ev)["clientMetadata"].(map[string]any); md["auto"] == "yes" {
			lambdatest.Response(ev)["autoConfirmUser"] = true
		}
		return nil, nil
	})
	fns.Handle("migrate", func(ev map[string]any) ([]byte, error) {
		if ev["userName"] != "legacy" || req(ev)["password"] != "Legacy#Pass123" {
			return nil, fmt.Errorf("Bad credentials")
		}
		r := lambdatest.Response(ev)
		r["userAttributes"] = map[string]any{"email": "legacy@example.com", "email_verified": "true"}
		r["finalUserStatus"], r["messageAction"] = "CONFIRMED", "SUPPRESS"
		return nil, nil
	})
	fns.Handle("pre-token", func(ev map[string]any) ([]byte, error) {
		lambdatest.Response(ev)["claimsOverrideDetails"] = map[string]any{"claimsToAddOrOverride": map[string]any{"tenant": "acme"}}
		return nil, nil
	})
	fns.Handle("define", func(ev map[string]any) ([]byte, error) {
		session, _ := req(ev)["session"].([]any)
		r := lambdatest.Response(ev)
		lastOK := len(session) > 0 && session[len(session)-1].(map[string]any)["challengeResult"] == true
		lastName := ""
		if len(session) > 0 {
			lastName, _ = session[len(session)-1].(map[string]any)["challengeName"].(string)
		}
		switch {
		case lastName == "CUSTOM_CHALLENGE" && lastOK:
			r["issueTokens"] = true
		case len(session) >= 5:
			r["failAuthentication"] = true
		case len(session) == 1 && lastName == "SRP_A":
			r["challengeName"] = "PASSWORD_VERIFIER"
		default:
			r["challengeName"] = "CUSTOM_CHALLENGE"
		}
		return nil, nil
	})
	fns.Handle("create", func(ev map[string]any) ([]byte, error) {
		r := lambdatest.Response(ev)
		r["publicChallengeParameters"] = map[string]any{"question": "2+2"}
		r["privateChallengeParameters"] = map[string]any{"answer": "4"}
		return nil, nil
	})
	fns.Handle("verify", func(ev map[string]any) ([]byte, error) {
		p, _ := req(ev)["privateChallengeParameters"].(map[string]any)
		lambdatest.Response(ev)["answerCorrect"] = req(ev)["challengeAnswer"] == p["answer"]
		return nil, nil
	})
	return fns
}

const lambdaConfig = `{"PreSignUp":"arn:aws:lambda:us-east-1:123456789012:function:pre-signup","UserMigration":"arn:aws:lambda:us-east-1:123456789012:function:migrate",
"PreTokenGeneration":"arn:aws:lambda:us-east-1:123456789012:function:pre-token","DefineAuthChallenge":"arn:aws:lambda:us-east-1:123456789012:function:define",
"CreateAuthChallenge":"arn:aws:lambda:us-east-1:123456789012:function:create","VerifyAuthChallengeResponse":"arn:aws:lambda:us-east-1:123456789012:function:verify"}`

// triggerScript drives the triggers with boto3 against the binary.
const triggerScript = `
import json, os, base64, boto3, botocore
out = {}
idp = boto3.client("cognito-idp")
anon = boto3.client("cognito-idp", config=botocore.config.Config(signature_version=botocore.UNSIGNED))
def code(f):
    try:
        f()
        return "ok"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"] + ": " + e.response["Error"]["Message"]
def claims(tok):
    p = tok.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
pid = idp.create_user_pool(PoolName="triggers", LambdaConfig=json.loads(os.environ["LAMBDA_CONFIG"]))["UserPool"]["Id"]
out["described"] = idp.describe_user_pool(UserPoolId=pid)["UserPool"]["LambdaConfig"]["PreTokenGenerationConfig"]["LambdaVersion"]
cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
r = anon.sign_up(ClientId=cid, Username="kira", Password="Kira#Pass123", ClientMetadata={"auto": "yes"})
out["auto_confirmed"] = r["UserConfirmed"]
t = anon.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "kira", "PASSWORD": "Kira#Pass123"})
out["tenant"] = claims(t["AuthenticationResult"]["IdToken"]).get("tenant")
m = anon.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "legacy", "PASSWORD": "Legacy#Pass123"})
out["migrated"] = [idp.admin_get_user(UserPoolId=pid, Username="legacy")["UserStatus"], "IdToken" in m["AuthenticationResult"]]
out["migration_refused"] = code(lambda: anon.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "nobody", "PASSWORD": "Nobody#Pass123"}))
c = anon.initiate_auth(ClientId=cid, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "kira"})
out["challenge"] = [c["ChallengeName"], c["ChallengeParameters"].get("question")]
d = anon.respond_to_auth_challenge(ClientId=cid, ChallengeName="CUSTOM_CHALLENGE", Session=c["Session"], ChallengeResponses={"USERNAME": "kira", "ANSWER": "4"})
out["custom_done"] = "AccessToken" in d["AuthenticationResult"]
print(json.dumps(out))
`

func triggerPool(t *testing.T, s *server) (pool, client string) {
	cli := awsCLI(t, s.cliEnv(s.KeyID, s.Secret))
	pool = cli("cognito-idp", "create-user-pool", "--pool-name", "custom", "--lambda-config", lambdaConfig, "--query", "UserPool.Id", "--output", "text")
	client = cli("cognito-idp", "create-user-pool-client", "--user-pool-id", pool, "--client-name", "web",
		"--explicit-auth-flows", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--query", "UserPoolClient.ClientId", "--output", "text")
	cli("cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username", "saki", "--message-action", "SUPPRESS")
	cli("cognito-idp", "admin-set-user-password", "--user-pool-id", pool, "--username", "saki", "--password", "Saki#Pass1234", "--permanent")
	return pool, client
}

// TestBoto3Triggers: sign-up, sign-in, migration and custom auth through
// boto3 against the binary, its triggers run by a recording Invoke
// server (--lambda-endpoint).
func TestBoto3Triggers(t *testing.T) {
	t.Parallel()
	py := need(t, "python3")
	fns := triggerFunctions(t)
	s := startServer(t, serverOpts{Env: []string{"SEKISHO_LAMBDA_ENDPOINT=" + fns.URL}})
	env := append(s.cliEnv(s.KeyID, s.Secret), "LAMBDA_CONFIG="+lambdaConfig)
	out, stderr, err := run(t, env, py, "-c", triggerScript)
	if err != nil {
		t.Fatalf("boto3: %v\n%s\n%s", err, stderr, s.Logs())
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := map[string]string{
		"described":         "V1_0",
		"auto_confirmed":    "true",
		"tenant":            "acme",
		"migrated":          "[CONFIRMED true]",
		"migration_refused": "UserLambdaValidationException: UserMigration failed with error Bad credentials.",
		"challenge":         "[CUSTOM_CHALLENGE 2+2]",
		"custom_done":       "true",
	}
	for k, v := range want {
		if got := fmt.Sprint(res[k]); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
	if len(fns.Calls("define")) < 2 || len(fns.Calls("pre-signup")) != 1 {
		t.Errorf("invocations: define %d, pre-signup %d", len(fns.Calls("define")), len(fns.Calls("pre-signup")))
	}
}

// TestJSCustomAuth: amazon-cognito-identity-js and Amplify JS v6 drive
// custom authentication, with and without SRP first.
func TestJSCustomAuth(t *testing.T) {
	t.Parallel()
	node := needJS(t)
	fns := triggerFunctions(t)
	s := startServer(t, serverOpts{Env: []string{"SEKISHO_LAMBDA_ENDPOINT=" + fns.URL}})
	pool, client := triggerPool(t, s)
	jsEnv := append(os.Environ(), "ENDPOINT="+s.URL, "POOL_ID="+pool, "CLIENT_ID="+client, "USERNAME=saki", "PASSWORD=Saki#Pass1234")
	res := runJS(t, s, node, jsEnv, "custom.mjs")
	wantJS(t, res, map[string]string{
		"cij_custom":         "[2+2,2+2 true]",
		"cij_custom_srp":     "[2+2,2+2 true]",
		"amplify_custom":     "[CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE 2+2 DONE acme]",
		"amplify_custom_srp": "[CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE 2+2 DONE acme]",
	})
	srp := false
	for _, c := range fns.Calls("define") {
		if strings.Contains(fmt.Sprint(c.Event["request"]), "PASSWORD_VERIFIER") {
			srp = true
		}
	}
	if !srp {
		t.Error("no custom sign-in went through SRP first")
	}
}

// TestTriggerExamples runs examples/triggers' functions (JavaScript and
// Python) on a PreSignUp event, as a Lambda runtime would.
func TestTriggerExamples(t *testing.T) {
	t.Parallel()
	event := `{"version":"1","triggerSource":"PreSignUp_SignUp","region":"us-east-1","userPoolId":"us-east-1_x","userName":"u","callerContext":{"awsSdkVersion":"aws-sdk-unknown-unknown","clientId":"c"},"request":{"userAttributes":{"email":"u@example.com"},"validationData":null,"clientMetadata":null},"response":{"autoConfirmUser":false,"autoVerifyEmail":false,"autoVerifyPhone":false}}`
	node := need(t, "node")
	out, stderr, err := run(t, os.Environ(), node, "--input-type=module", "-e",
		`const m = await import("../examples/triggers/index.mjs"); console.log(JSON.stringify(await m.handler(`+event+`)))`)
	if err != nil || !strings.Contains(out, `"autoConfirmUser":true`) {
		t.Errorf("index.mjs: %v %s %s", err, out, stderr)
	}
	py := need(t, "python3")
	out, stderr, err = run(t, os.Environ(), py, "-c",
		"import sys, json; sys.path.insert(0, '../examples/triggers'); import handler; print(json.dumps(handler.handler(json.loads(sys.argv[1]), None)))", event)
	if err != nil || !strings.Contains(out, `"autoConfirmUser": true`) {
		t.Errorf("handler.py: %v %s %s", err, out, stderr)
	}
}
