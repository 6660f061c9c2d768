package userpool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
)

// lambdaFunc is a Lambda answered in process.
type lambdaFunc func(function string, payload []byte) ([]byte, error)

func (f lambdaFunc) Invoke(_ context.Context, function string, payload []byte) ([]byte, error) {
	return f(function, payload)
}

// FuzzTriggerResponse: whatever a function answers, a sign-up, a sign-in
// with token generation and a custom challenge end in tokens or in a
// Cognito 4xx error — never a panic or a 500 — and tokens keep their
// reserved claims.
func FuzzTriggerResponse(f *testing.F) {
	for _, s := range []string{`{}`, `null`, `[]`, `"x"`, `{"response":null}`, `{"response":{"autoConfirmUser":"yes"}}`,
		`{"response":{"claimsOverrideDetails":{"claimsToAddOrOverride":{"sub":"x","a":[1,{"b":null}]},"claimsToSuppress":"email"}}}`,
		`{"response":{"claimsOverrideDetails":{"groupOverrideDetails":{"groupsToOverride":[1]}}}}`,
		`{"response":{"challengeName":"CUSTOM_CHALLENGE","publicChallengeParameters":{"q":1}}}`, `{"response":{"issueTokens":true}}`,
		`{"response":{"userAttributes":{"email":"x"},"finalUserStatus":"WHATEVER"}}`} {
		f.Add([]byte(s))
	}
	s, p, c, _ := setup(f, Client{ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}, false)
	arn := "arn:aws:lambda:us-east-1:123456789012:function:f"
	if err := s.UpdatePoolSettings(ctx, p.Id, Pool{LambdaConfig: &LambdaConfig{PreSignUp: arn, PreTokenGeneration: arn, UserMigration: arn,
		DefineAuthChallenge: arn, CreateAuthChallenge: arn, VerifyAuthChallengeResponse: arn}}); err != nil {
		f.Fatal(err)
	}
	var answer []byte
	s.Lambda = lambdaFunc(func(string, []byte) ([]byte, error) { return answer, nil })
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "fz", MessageAction: "SUPPRESS"})
	s.AdminSetUserPassword(ctx, p.Id, "fz", "Fuzz#Pass1234", true)
	check := func(t *testing.T, what string, out *AuthOutput, err error) {
		if err != nil {
			if e, ok := awserr.As(err); !ok || e.Status >= 500 {
				t.Fatalf("%s: %v", what, err)
			}
			return
		}
		if out != nil && out.AuthenticationResult != nil {
			if out.AuthenticationResult.IdToken == "" {
				t.Fatalf("%s: no ID token", what)
			}
		}
	}
	n := 0
	f.Fuzz(func(t *testing.T, body []byte) {
		answer = body
		n++
		s.modifyUser(ctx, p.Id, "fz", func(_ Pool, u *User) error { u.Failed, u.LockedUntil = 0, time.Time{}; return nil })
		_, err := s.SignUp(ctx, c.ClientId, "", "new"+time.Now().Format("150405.000000000"), "Fuzz#Pass1234", nil)
		if err != nil {
			if e, ok := awserr.As(err); !ok || e.Status >= 500 {
				t.Fatalf("SignUp: %v", err)
			}
		}
		out, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "fz", "PASSWORD": "Fuzz#Pass1234"}})
		check(t, "sign-in", out, err)
		out, err = s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "ghost", "PASSWORD": "Fuzz#Pass1234"}})
		check(t, "migration", out, err)
		out, err = s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "CUSTOM_AUTH", AuthParameters: map[string]string{"USERNAME": "fz"}})
		check(t, "custom", out, err)
		if err == nil && out.ChallengeName == "CUSTOM_CHALLENGE" {
			out, err = s.RespondToAuthChallenge(ctx, ChallengeInput{ClientId: c.ClientId, ChallengeName: "CUSTOM_CHALLENGE", Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": "fz", "ANSWER": "a"}})
			check(t, "custom answer", out, err)
		}
		// A migrated ghost must not linger between inputs.
		s.AdminDeleteUser(ctx, p.Id, "ghost")
	})
}

// TestMachineTokenGeneration: a V3_0 PreTokenGeneration sees
// client-credentials grants (TokenGeneration_ClientCredentials, no user)
// and changes the access token's claims and scopes; reserved claims stay.
func TestMachineTokenGeneration(t *testing.T) {
	s, p, _, _ := setup(t, Client{}, false)
	arn := "arn:aws:lambda:us-east-1:123456789012:function:m2m"
	if err := s.UpdatePoolSettings(ctx, p.Id, Pool{LambdaConfig: &LambdaConfig{PreTokenGenerationConfig: &TriggerVersion{LambdaVersion: "V3_0", LambdaArn: arn}}}); err != nil {
		t.Fatal(err)
	}
	var seen map[string]any
	s.Lambda = lambdaFunc(func(_ string, payload []byte) ([]byte, error) {
		json.Unmarshal(payload, &seen)
		seen["response"] = map[string]any{"claimsAndScopeOverrideDetails": map[string]any{"accessTokenGeneration": map[string]any{
			"claimsToAddOrOverride": map[string]any{"tier": "gold", "client_id": "forged"}, "scopesToAdd": []any{"api/extra"}}}}
		return json.Marshal(seen)
	})
	if _, err := s.CreateResourceServer(ctx, ResourceServer{UserPoolId: p.Id, Identifier: "api", Name: "api", Scopes: []ResourceServerScope{{ScopeName: "read", ScopeDescription: "r"}}}); err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateClient(ctx, Client{UserPoolId: p.Id, ClientName: "m2m", AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []string{"client_credentials"},
		AllowedOAuthScopes: []string{"api/read"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.ClientCredentials(ctx, p.Id, c.ClientId, s.reveal(c).ClientSecret, "")
	if err != nil {
		t.Fatal(err)
	}
	if seen["triggerSource"] != "TokenGeneration_ClientCredentials" || seen["version"] != "3" || seen["userName"] != nil {
		t.Errorf("event: %v", seen)
	}
	parts := strings.Split(tok.AccessToken, ".")
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(b, &claims)
	if claims["tier"] != "gold" || claims["client_id"] != c.ClientId || claims["scope"] != "api/read api/extra" {
		t.Errorf("claims: %v", claims)
	}
}
