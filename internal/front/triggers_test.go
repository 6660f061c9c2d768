package front_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/sekisho/sekisho/internal/lambdatest"
)

// triggerServer is the whole server with its triggers sent to a
// lambdatest Invoke server, signed with a test key.
func triggerServer(t *testing.T) (idp, anon *cip.Client, fns *lambdatest.Server, dir string) {
	fns, err := lambdatest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fns.Close() })
	idp, anon, dir = mfaServer(t, "--lambda-endpoint", fns.URL, "--lambda-access-key-id", "AKIDLAMBDATEST", "--lambda-secret-access-key", "lambda-test-secret")
	return idp, anon, fns, dir
}

func fnARN(name string) *string {
	return aws.String("arn:aws:lambda:us-east-1:123456789012:function:" + name)
}

func req(ev map[string]any) map[string]any { r, _ := ev["request"].(map[string]any); return r }

// TestTriggers runs every trigger source against functions in a
// recording Invoke server, checks the events against AWS's documented
// shapes and the responses' effects, and each failure's Cognito error.
func TestTriggers(t *testing.T) {
	idp, anon, fns, dir := triggerServer(t)
	ctx := context.Background()
	fns.Handle("pre-signup", func(ev map[string]any) ([]byte, error) {
		attrs, _ := req(ev)["userAttributes"].(map[string]any)
		if email, _ := attrs["email"].(string); strings.HasSuffix(email, "@blocked.example") {
			return nil, errors.New("Email domain not allowed")
		}
		if md, _ := req(ev)["clientMetadata"].(map[string]any); md["auto"] == "yes" {
			r := lambdatest.Response(ev)
			r["autoConfirmUser"], r["autoVerifyEmail"] = true, true
		}
		return nil, nil
	})
	for _, n := range []string{"post-confirmation", "post-auth"} {
		fns.Handle(n, func(ev map[string]any) ([]byte, error) { return nil, nil })
	}
	fns.Handle("pre-auth", func(ev map[string]any) ([]byte, error) {
		if vd, _ := req(ev)["validationData"].(map[string]any); vd["block"] == "yes" {
			return nil, errors.New("Blocked by policy")
		}
		return nil, nil
	})
	fns.Handle("custom-message", func(ev map[string]any) ([]byte, error) {
		if ev["triggerSource"] == "CustomMessage_SignUp" {
			r := lambdatest.Response(ev)
			r["emailSubject"], r["emailMessage"] = "Welcome aboard", "Your code is {####}, welcome."
		}
		return nil, nil
	})
	fns.Handle("pre-token", func(ev map[string]any) ([]byte, error) {
		lambdatest.Response(ev)["claimsAndScopeOverrideDetails"] = map[string]any{
			"idTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"tenant": "acme", "sub": "forged", "cognito:username": "root"}, "claimsToSuppress": []any{"email", "iss"}},
			"accessTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"plan": "pro", "token_use": "id"},
				"scopesToAdd": []any{"custom/read"}, "scopesToSuppress": []any{"aws.cognito.signin.user.admin"}},
			"groupOverrideDetails": map[string]any{"groupsToOverride": []any{"admins"}},
		}
		return nil, nil
	})
	fns.Handle("migrate", func(ev map[string]any) ([]byte, error) {
		r := req(ev)
		if ev["userName"] == "legacy" && (r["password"] == "Legacy#Pass123" || ev["triggerSource"] == "UserMigration_ForgotPassword") {
			resp := lambdatest.Response(ev)
			resp["userAttributes"] = map[string]any{"email": "legacy@example.com", "email_verified": "true"}
			resp["finalUserStatus"], resp["messageAction"] = "CONFIRMED", "SUPPRESS"
			return nil, nil
		}
		return nil, errors.New("Bad credentials")
	})
	fns.Handle("define", func(ev map[string]any) ([]byte, error) {
		session, _ := req(ev)["session"].([]any)
		r := lambdatest.Response(ev)
		switch {
		case len(session) > 0 && session[len(session)-1].(map[string]any)["challengeResult"] == true && session[len(session)-1].(map[string]any)["challengeName"] == "CUSTOM_CHALLENGE":
			r["issueTokens"] = true
		case len(session) >= 3:
			r["failAuthentication"] = true
		case len(session) == 1 && session[0].(map[string]any)["challengeName"] == "SRP_A":
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
		r["challengeMetadata"] = "Q1"
		return nil, nil
	})
	fns.Handle("verify", func(ev map[string]any) ([]byte, error) {
		private, _ := req(ev)["privateChallengeParameters"].(map[string]any)
		lambdatest.Response(ev)["answerCorrect"] = req(ev)["challengeAnswer"] == private["answer"]
		return nil, nil
	})
	fns.Handle("broken", func(ev map[string]any) ([]byte, error) { return []byte("this is not json"), nil })
	fns.Handle("hang", func(ev map[string]any) ([]byte, error) { time.Sleep(6 * time.Second); return nil, nil })

	// Configuration.
	if _, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("x"), LambdaConfig: &ciptypes.LambdaConfigType{PreSignUp: aws.String("not-an-arn")}}); code(err) != "InvalidParameterException" {
		t.Errorf("a bad ARN: %v", err)
	}
	if _, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("x"), LambdaConfig: &ciptypes.LambdaConfigType{
		CustomEmailSender: &ciptypes.CustomEmailLambdaVersionConfigType{LambdaArn: fnARN("mail"), LambdaVersion: "V1_0"}, KMSKeyID: aws.String("arn:aws:kms:us-east-1:123456789012:key/x")}}); code(err) != "InvalidParameterException" {
		t.Errorf("CustomEmailSender: %v", err)
	}
	lc := &ciptypes.LambdaConfigType{PreSignUp: fnARN("pre-signup"), PostConfirmation: fnARN("post-confirmation"), PreAuthentication: fnARN("pre-auth"),
		PostAuthentication: fnARN("post-auth"), CustomMessage: fnARN("custom-message"), UserMigration: fnARN("migrate"),
		DefineAuthChallenge: fnARN("define"), CreateAuthChallenge: fnARN("create"), VerifyAuthChallengeResponse: fnARN("verify"),
		PreTokenGenerationConfig: &ciptypes.PreTokenGenerationVersionConfigType{LambdaArn: fnARN("pre-token"), LambdaVersion: "V2_0"}}
	pool, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("triggers"), LambdaConfig: lc, AutoVerifiedAttributes: []ciptypes.VerifiedAttributeType{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	pid := pool.UserPool.Id
	d, _ := idp.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: pid})
	if aws.ToString(d.UserPool.LambdaConfig.PreTokenGeneration) != *fnARN("pre-token") || d.UserPool.LambdaConfig.PreTokenGenerationConfig.LambdaVersion != "V2_0" {
		t.Errorf("DescribeUserPool LambdaConfig: %+v", d.UserPool.LambdaConfig)
	}
	cl, _ := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("app"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH"}})
	cid := cl.UserPoolClient.ClientId
	last := func(fn string) map[string]any {
		t.Helper()
		calls := fns.Calls(fn)
		if len(calls) == 0 {
			t.Fatalf("%s was not invoked", fn)
		}
		if !calls[len(calls)-1].Signed {
			t.Errorf("%s: the invocation was not SigV4-signed for lambda", fn)
		}
		return calls[len(calls)-1].Event
	}
	email := func(u string) []ciptypes.AttributeType {
		return []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String(u)}}
	}

	// PreSignUp refuses: nothing is made.
	_, err = anon.SignUp(ctx, &cip.SignUpInput{ClientId: cid, Username: aws.String("bad"), Password: aws.String("Trig#Pass123"), UserAttributes: email("bad@blocked.example"),
		ValidationData: []ciptypes.AttributeType{{Name: aws.String("v"), Value: aws.String("1")}}})
	if code(err) != "UserLambdaValidationException" || !strings.Contains(err.Error(), "PreSignUp failed with error Email domain not allowed.") {
		t.Errorf("a refused sign-up: %v", err)
	}
	ev := last("pre-signup")
	if ev["version"] != "1" || ev["triggerSource"] != "PreSignUp_SignUp" || ev["region"] != "us-east-1" || ev["userPoolId"] != *pid || ev["userName"] != "bad" ||
		ev["callerContext"].(map[string]any)["clientId"] != *cid || req(ev)["validationData"].(map[string]any)["v"] != "1" {
		t.Errorf("PreSignUp event: %v", ev)
	}
	if _, err := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pid, Username: aws.String("bad")}); code(err) != "UserNotFoundException" {
		t.Errorf("the refused user exists: %v", err)
	}
	// PreSignUp confirms and verifies; PostConfirmation follows.
	su, err := anon.SignUp(ctx, &cip.SignUpInput{ClientId: cid, Username: aws.String("auto"), Password: aws.String("Trig#Pass123"), UserAttributes: email("auto@example.com"),
		ClientMetadata: map[string]string{"auto": "yes"}})
	if err != nil || !su.UserConfirmed || su.CodeDeliveryDetails != nil {
		t.Fatalf("auto-confirmed sign-up: %+v %v", su, err)
	}
	if u, _ := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pid, Username: aws.String("auto")}); u.UserStatus != "CONFIRMED" || !hasAttr(u.UserAttributes, "email_verified", "true") {
		t.Errorf("auto-confirmed user: %+v", u)
	}
	if ev := last("post-confirmation"); ev["triggerSource"] != "PostConfirmation_ConfirmSignUp" || req(ev)["userAttributes"].(map[string]any)["cognito:user_status"] != "CONFIRMED" {
		t.Errorf("PostConfirmation event: %v", ev)
	}
	// CustomMessage words the code.
	if _, err := anon.SignUp(ctx, &cip.SignUpInput{ClientId: cid, Username: aws.String("mina"), Password: aws.String("Trig#Pass123"), UserAttributes: email("mina@example.com")}); err != nil {
		t.Fatal(err)
	}
	ev = last("custom-message")
	if ev["triggerSource"] != "CustomMessage_SignUp" || req(ev)["codeParameter"] != "{####}" {
		t.Errorf("CustomMessage event: %v", ev)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "outbox", "messages.jsonl"))
	code1 := lastCode(t, dir, "mina", "SignUp")
	if !strings.Contains(string(b), `"subject":"Welcome aboard","body":"Your code is `+code1+`, welcome."`) {
		t.Errorf("the custom message in the outbox: %s", b)
	}
	if _, err := anon.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: cid, Username: aws.String("mina"), ConfirmationCode: aws.String(code1)}); err != nil {
		t.Fatal(err)
	}
	if ev := last("post-confirmation"); ev["userName"] != "mina" {
		t.Errorf("PostConfirmation after ConfirmSignUp: %v", ev)
	}

	// Sign-in: PreAuthentication refuses with validation data.
	if _, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "mina", "PASSWORD": "Trig#Pass123"},
		ClientMetadata: map[string]string{"k": "v"}}); err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if ev := last("pre-auth"); ev["triggerSource"] != "PreAuthentication_Authentication" || req(ev)["userAttributes"].(map[string]any)["email"] != "mina@example.com" {
		t.Errorf("PreAuthentication event: %v", ev)
	}
	if ev := last("post-auth"); ev["triggerSource"] != "PostAuthentication_Authentication" || req(ev)["clientMetadata"].(map[string]any)["k"] != "v" {
		t.Errorf("PostAuthentication event: %v", ev)
	}
	// PreTokenGeneration V2: claims and scopes, reserved ones untouched.
	out, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "mina", "PASSWORD": "Trig#Pass123"}})
	if err != nil {
		t.Fatal(err)
	}
	ev = last("pre-token")
	if ev["version"] != "2" || ev["triggerSource"] != "TokenGeneration_Authentication" || !slices.Contains(toStrings(req(ev)["scopes"]), "aws.cognito.signin.user.admin") {
		t.Errorf("PreTokenGeneration event: %v", ev)
	}
	checkTokens := func(res *ciptypes.AuthenticationResultType) {
		t.Helper()
		id, acc := jwtClaims(t, *res.IdToken), jwtClaims(t, *res.AccessToken)
		if id["tenant"] != "acme" || id["email"] != nil || id["sub"] == "forged" || id["cognito:username"] != "mina" || !strings.HasPrefix(fmt.Sprint(id["iss"]), "http") {
			t.Errorf("ID token after PreTokenGeneration: %v", id)
		}
		if acc["plan"] != "pro" || acc["token_use"] != "access" || acc["scope"] != "custom/read" || fmt.Sprint(acc["cognito:groups"]) != "[admins]" {
			t.Errorf("access token after PreTokenGeneration: %v", acc)
		}
	}
	checkTokens(out.AuthenticationResult)
	ref, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: map[string]string{"REFRESH_TOKEN": *out.AuthenticationResult.RefreshToken}})
	if err != nil {
		t.Fatal(err)
	}
	checkTokens(ref.AuthenticationResult)
	if ev := last("pre-token"); ev["triggerSource"] != "TokenGeneration_RefreshTokens" {
		t.Errorf("refresh: %v", ev["triggerSource"])
	}

	// User migration: the old system's user signs in, then is local.
	mig, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "legacy", "PASSWORD": "Legacy#Pass123"}})
	if err != nil || mig.AuthenticationResult == nil {
		t.Fatalf("migration sign-in: %+v %v", mig, err)
	}
	if ev := last("migrate"); ev["triggerSource"] != "UserMigration_Authentication" || req(ev)["password"] != "Legacy#Pass123" {
		t.Errorf("UserMigration event: %v", ev)
	}
	n := len(fns.Calls("migrate"))
	if _, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "legacy", "PASSWORD": "Legacy#Pass123"}}); err != nil || len(fns.Calls("migrate")) != n {
		t.Errorf("the migrated user's next sign-in: %v (migrations %d → %d)", err, n, len(fns.Calls("migrate")))
	}
	if _, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "ghost", "PASSWORD": "Ghost#Pass123"}}); code(err) != "UserLambdaValidationException" {
		t.Errorf("an unknown user the old system refuses: %v", err)
	}

	// Custom authentication: a wrong answer, then the right one.
	ch, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "CUSTOM_AUTH", AuthParameters: map[string]string{"USERNAME": "mina"}})
	if err != nil || ch.ChallengeName != "CUSTOM_CHALLENGE" || ch.ChallengeParameters["question"] != "2+2" || ch.ChallengeParameters["answer"] != "" {
		t.Fatalf("CUSTOM_AUTH: %+v %v", ch, err)
	}
	again, err := anon.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: cid, ChallengeName: "CUSTOM_CHALLENGE", Session: ch.Session,
		ChallengeResponses: map[string]string{"USERNAME": "mina", "ANSWER": "5"}})
	if err != nil || again.ChallengeName != "CUSTOM_CHALLENGE" {
		t.Fatalf("a wrong answer: %+v %v", again, err)
	}
	if ev := last("define"); fmt.Sprint(req(ev)["session"]) != "[map[challengeMetadata:Q1 challengeName:CUSTOM_CHALLENGE challengeResult:false]]" || ev["triggerSource"] != "DefineAuthChallenge_Authentication" {
		t.Errorf("DefineAuthChallenge event: %v", ev)
	}
	if ev := last("verify"); req(ev)["challengeAnswer"] != "5" || req(ev)["privateChallengeParameters"].(map[string]any)["answer"] != "4" {
		t.Errorf("VerifyAuthChallengeResponse event: %v", ev)
	}
	done, err := anon.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: cid, ChallengeName: "CUSTOM_CHALLENGE", Session: again.Session,
		ChallengeResponses: map[string]string{"USERNAME": "mina", "ANSWER": "4"}})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("the right answer: %+v %v", done, err)
	}
	if _, err := anon.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: cid, ChallengeName: "CUSTOM_CHALLENGE", Session: again.Session,
		ChallengeResponses: map[string]string{"USERNAME": "mina", "ANSWER": "4"}}); code(err) != "NotAuthorizedException" {
		t.Errorf("a custom session replayed: %v", err)
	}

	// Failures: malformed output, a hang, a function that is not there.
	bad := func(name, fn string) string {
		p, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(name), LambdaConfig: &ciptypes.LambdaConfigType{PreSignUp: fnARN(fn)}})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientName: aws.String("c")})
		return *c.UserPoolClient.ClientId
	}
	for fn, want := range map[string]string{"broken": "InvalidLambdaResponseException", "hang": "UnexpectedLambdaException: PreSignUp invocation failed due to error Socket timeout",
		"missing": "UnexpectedLambdaException: PreSignUp invocation failed due to error ResourceNotFoundException."} {
		c := bad("p-"+fn, fn)
		start := time.Now()
		_, err := anon.SignUp(ctx, &cip.SignUpInput{ClientId: &c, Username: aws.String("u"), Password: aws.String("Trig#Pass123")})
		if err == nil || !strings.Contains(code(err)+": "+errMessage(err), want) {
			t.Errorf("%s: %v, want %s", fn, err, want)
		}
		if fn == "hang" && time.Since(start) > 7*time.Second {
			t.Errorf("the hang took %v", time.Since(start))
		}
	}
}

func hasAttr(attrs []ciptypes.AttributeType, name, value string) bool {
	for _, a := range attrs {
		if aws.ToString(a.Name) == name && aws.ToString(a.Value) == value {
			return true
		}
	}
	return false
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func errMessage(err error) string {
	var ae interface{ ErrorMessage() string }
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}
