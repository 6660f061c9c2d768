package userpool

import (
	"testing"
)

// TestTokensBindToSub: a user deleted and created again under the same
// name is another person; none of the first one's tokens reach them.
func TestTokensBindToSub(t *testing.T) {
	s, p, c, _ := setup(t, Client{}, false)
	create := func() {
		t.Helper()
		if _, err := s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "ivy", MessageAction: "SUPPRESS"}); err != nil {
			t.Fatal(err)
		}
		if err := s.AdminSetUserPassword(ctx, p.Id, "ivy", "Ivy#Pass1234", true); err != nil {
			t.Fatal(err)
		}
	}
	create()
	out, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "ivy", "PASSWORD": "Ivy#Pass1234"}})
	if err != nil {
		t.Fatal(err)
	}
	old := out.AuthenticationResult
	idv, err := s.VerifyIDToken(ctx, old.IdToken)
	if err != nil || !s.UserActive(ctx, idv) {
		t.Fatalf("fresh ID token: %v", err)
	}
	if err := s.AdminDeleteUser(ctx, p.Id, "ivy"); err != nil {
		t.Fatal(err)
	}
	create()
	if _, u, err := s.AccessClaims(ctx, old.AccessToken); err == nil {
		t.Errorf("the old access token reaches the new ivy (sub %s)", u.Attributes["sub"])
	}
	if _, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: map[string]string{"REFRESH_TOKEN": old.RefreshToken}}); code(err) != "NotAuthorizedException" {
		t.Errorf("the old refresh token: %v", err)
	}
	if s.UserActive(ctx, idv) {
		t.Errorf("the old ID token passes the server-side check for the new ivy")
	}
	// The new ivy's own tokens work.
	out, err = s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "ivy", "PASSWORD": "Ivy#Pass1234"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AccessClaims(ctx, out.AuthenticationResult.AccessToken); err != nil {
		t.Errorf("new access token: %v", err)
	}
	if _, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: map[string]string{"REFRESH_TOKEN": out.AuthenticationResult.RefreshToken}}); err != nil {
		t.Errorf("new refresh token: %v", err)
	}
}
