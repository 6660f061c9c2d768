package userpool

import (
	"context"
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
