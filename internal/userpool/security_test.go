package userpool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sekisho/sekisho/internal/srp"
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

// TestCodeGuessing: a code survives maxCodeAttempts wrong guesses, then is
// dead even for the right code; guesses in parallel gain nothing, nor do
// guesses spread over many users from one source.
func TestCodeGuessing(t *testing.T) {
	s, p, c, outbox := setup(t, Client{}, false)
	signUp := func(name string) {
		t.Helper()
		if _, err := s.SignUp(ctx, c.ClientId, "", name, "Good#Pass12", []AttributeType{{"email", name + "@example.com"}}); err != nil {
			t.Fatal(err)
		}
	}
	// ConfirmSignUp.
	signUp("kumi")
	for i := 0; i < maxCodeAttempts; i++ {
		if err := s.ConfirmSignUp(ctx, c.ClientId, "", "kumi", "000000"); code(err) != "CodeMismatchException" {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if err := s.ConfirmSignUp(ctx, c.ClientId, "", "kumi", lastCode(t, outbox, "kumi")); code(err) != "LimitExceededException" {
		t.Errorf("the right code after %d wrong ones: %v", maxCodeAttempts, err)
	}
	if _, err := s.ResendConfirmationCode(ctx, c.ClientId, "", "kumi"); err != nil {
		t.Fatal(err)
	}
	if err := s.ConfirmSignUp(ctx, c.ClientId, "", "kumi", lastCode(t, outbox, "kumi")); err != nil {
		t.Errorf("a new code: %v", err)
	}
	// ConfirmForgotPassword, guessed in parallel: at most maxCodeAttempts
	// guesses are even looked at.
	s.AdminUpdateUserAttributes(ctx, p.Id, "kumi", []AttributeType{{"email_verified", "true"}})
	if _, err := s.ForgotPassword(ctx, c.ClientId, "", "kumi"); err != nil {
		t.Fatal(err)
	}
	right := lastCode(t, outbox, "kumi")
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[string]int{}
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			guess := fmt.Sprintf("%06d", i)
			if guess == right {
				guess = "999999x"
			}
			err := s.ConfirmForgotPassword(WithSourceIP(ctx, fmt.Sprintf("10.0.0.%d", i)), c.ClientId, "", "kumi", guess, "Newer#Pass12")
			mu.Lock()
			counts[code(err)]++
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	if counts["CodeMismatchException"] != maxCodeAttempts || counts["LimitExceededException"] != 16-maxCodeAttempts {
		t.Errorf("parallel guesses: %v", counts)
	}
	if err := s.ConfirmForgotPassword(ctx, c.ClientId, "", "kumi", right, "Newer#Pass12"); code(err) != "LimitExceededException" {
		t.Errorf("the right reset code after the guesses: %v", err)
	}
	// VerifyUserAttribute.
	out, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "kumi", "PASSWORD": "Good#Pass12"}})
	if err != nil {
		t.Fatal(err)
	}
	acc := out.AuthenticationResult.AccessToken
	if _, err := s.GetUserAttributeVerificationCode(ctx, acc, "email"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < maxCodeAttempts; i++ {
		s.VerifyUserAttribute(ctx, acc, "email", "000000")
	}
	if err := s.VerifyUserAttribute(ctx, acc, "email", lastCode(t, outbox, "kumi")); code(err) != "LimitExceededException" {
		t.Errorf("VerifyUserAttribute after the guesses: %v", err)
	}
	// One source guessing across many users is cut off.
	src := WithSourceIP(ctx, "192.0.2.7")
	refused := 0
	for i := 0; i < 12; i++ {
		name := fmt.Sprintf("u%d", i)
		signUp(name)
		for j := 0; j < 2; j++ {
			if err := s.ConfirmSignUp(src, c.ClientId, "", name, "000000"); code(err) == "LimitExceededException" {
				refused++
			}
		}
	}
	if refused != 24-sourceCodeFailures {
		t.Errorf("one source, many users: %d refused, want %d", refused, 24-sourceCodeFailures)
	}
	if err := s.ConfirmSignUp(WithSourceIP(ctx, "192.0.2.8"), c.ClientId, "", "u11", lastCode(t, outbox, "u11")); err != nil {
		t.Errorf("another source, the right code: %v", err)
	}
}

// TestSRPEnumeration: with PreventUserExistenceErrors ENABLED, an unknown
// user gets a challenge shaped like a real one (salt stable per name,
// SRP_B fresh each time, as for real users) and the second step fails as
// a wrong password does.
func TestSRPEnumeration(t *testing.T) {
	s, p, c, _ := setup(t, Client{PreventUserExistenceErrors: "ENABLED"}, false)
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "real", MessageAction: "SUPPRESS"})
	s.AdminSetUserPassword(ctx, p.Id, "real", "Good#Pass12", true)
	start := func(name string) map[string]string {
		t.Helper()
		cl := srp.NewClient()
		out, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_SRP_AUTH", AuthParameters: map[string]string{"USERNAME": name, "SRP_A": cl.AHex()}})
		if err != nil || out.ChallengeName != "PASSWORD_VERIFIER" {
			t.Fatalf("%s: %+v %v", name, out, err)
		}
		return out.ChallengeParameters
	}
	for _, name := range []string{"real", "ghost"} {
		a, b := start(name), start(name)
		if a["SALT"] != b["SALT"] || a["SRP_B"] == b["SRP_B"] || a["USER_ID_FOR_SRP"] != name || len(a["SRP_B"]) < 700 {
			t.Errorf("%s: challenges %v / %v", name, a, b)
		}
		if len(a) != len(b) {
			t.Errorf("%s: parameters differ", name)
		}
	}
	if start("ghost")["SALT"] == start("ghost2")["SALT"] {
		t.Error("two unknown users share a salt")
	}
	_, errReal := srpSignIn(t, s, p, c, "real", "Wrong#Pass12")
	_, errGhost := srpSignIn(t, s, p, c, "ghost", "Wrong#Pass12")
	if code(errReal) != "NotAuthorizedException" || message(errGhost) != message(errReal) || code(errGhost) != code(errReal) {
		t.Errorf("second step: real %v, ghost %v", errReal, errGhost)
	}
	if _, err := srpSignIn(t, s, p, c, "real", "Good#Pass12"); err != nil {
		t.Errorf("the real user: %v", err)
	}
}

// TestOutboxSecrets: codes reach the log only at debug level, and the
// outbox file is the operator's alone, even if it was created wider.
func TestOutboxSecrets(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "outbox", "messages.jsonl")
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, nil, 0o644)
	var info, debug bytes.Buffer
	for _, c := range []struct {
		buf   *bytes.Buffer
		level slog.Level
	}{{&info, slog.LevelInfo}, {&debug, slog.LevelDebug}} {
		o := &FileOutbox{Path: path, Log: slog.New(slog.NewTextHandler(c.buf, &slog.HandlerOptions{Level: c.level}))}
		if err := o.Send(ctx, Message{UserPoolId: "p", Username: "u", Destination: "u@example.com", Purpose: "SignUp", Code: "402917"}); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(info.String(), "402917") || !strings.Contains(info.String(), "cognito message") {
		t.Errorf("info log: %s", info.String())
	}
	if !strings.Contains(debug.String(), "402917") {
		t.Errorf("debug log lacks the code: %s", debug.String())
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("outbox mode: %v %v", fi.Mode(), err)
	}
}

// failingOutbox refuses every message.
type failingOutbox struct{}

func (failingOutbox) Send(context.Context, Message) error { return errors.New("mail server down") }

// TestUndeliveredCode: a code that did not go out is not reported sent.
func TestUndeliveredCode(t *testing.T) {
	s, p, c, _ := setup(t, Client{}, false)
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "mio", MessageAction: "SUPPRESS", UserAttributes: []AttributeType{{"email", "mio@example.com"}, {"email_verified", "true"}}})
	s.AdminSetUserPassword(ctx, p.Id, "mio", "Passw0rd!mio", true)
	s.Outbox = failingOutbox{}
	if d, err := s.ForgotPassword(ctx, c.ClientId, "", "mio"); code(err) != "CodeDeliveryFailureException" || d != nil {
		t.Errorf("ForgotPassword with the mail down: %+v %v", d, err)
	}
}

// TestUserCount: the pool's user count is kept, not counted per read.
func TestUserCount(t *testing.T) {
	s, p, _, _ := setup(t, Client{}, false)
	fillUsers(t, s, p, 25)
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "x", MessageAction: "SUPPRESS"})
	s.AdminDeleteUser(ctx, p.Id, "filler-0000003")
	s.AdminUpdateUserAttributes(ctx, p.Id, "x", []AttributeType{{"email", "x@example.com"}})
	if got, _ := s.Pool(ctx, p.Id); got.EstimatedNumberOfUsers != 25 {
		t.Errorf("EstimatedNumberOfUsers = %d, want 25", got.EstimatedNumberOfUsers)
	}
}

// TestCustomAttributeQuota: 50 custom attributes a pool, 25 a call.
func TestCustomAttributeQuota(t *testing.T) {
	s, p, _, _ := setup(t, Client{}, false) // the pool has custom:department
	var many []SchemaAttribute
	for i := 0; i < 26; i++ {
		many = append(many, SchemaAttribute{Name: fmt.Sprintf("a%d", i), AttributeDataType: "String"})
	}
	if err := s.AddCustomAttributes(ctx, p.Id, many); code(err) != "InvalidParameterException" {
		t.Errorf("26 in one call: %v", err)
	}
	if err := s.AddCustomAttributes(ctx, p.Id, many[:25]); err != nil {
		t.Fatal(err)
	}
	var more []SchemaAttribute
	for i := 0; i < 25; i++ {
		more = append(more, SchemaAttribute{Name: fmt.Sprintf("b%d", i), AttributeDataType: "String"})
	}
	if err := s.AddCustomAttributes(ctx, p.Id, more); code(err) != "InvalidParameterException" {
		t.Errorf("a 51st custom attribute: %v", err)
	}
	if err := s.AddCustomAttributes(ctx, p.Id, more[:24]); err != nil {
		t.Errorf("the 50th: %v", err)
	}
}

// TestClientQuota: at most 1,000 app clients a pool (LimitExceededException).
func TestClientQuota(t *testing.T) {
	if testing.Short() {
		t.Skip("creates a thousand clients")
	}
	s, p, _, _ := setup(t, Client{}, false) // one client already
	for i := 1; i < maxClients; i++ {
		if _, err := s.CreateClient(ctx, Client{UserPoolId: p.Id, ClientName: fmt.Sprint("c", i)}, false); err != nil {
			t.Fatal(i, err)
		}
	}
	if _, err := s.CreateClient(ctx, Client{UserPoolId: p.Id, ClientName: "one-too-many"}, false); code(err) != "LimitExceededException" {
		t.Errorf("client %d: %v", maxClients+1, err)
	}
}

// TestCodeForUnknownUser: with PreventUserExistenceErrors ENABLED, a code
// for a user that does not exist is a wrong code, not UserNotFound.
func TestCodeForUnknownUser(t *testing.T) {
	s, _, c, _ := setup(t, Client{PreventUserExistenceErrors: "ENABLED"}, false)
	if err := s.ConfirmForgotPassword(ctx, c.ClientId, "", "ghost", "123456", "Newer#Pass12"); code(err) != "CodeMismatchException" {
		t.Errorf("ConfirmForgotPassword for nobody: %v", err)
	}
	if err := s.ConfirmSignUp(ctx, c.ClientId, "", "ghost", "123456"); code(err) != "CodeMismatchException" {
		t.Errorf("ConfirmSignUp for nobody: %v", err)
	}
	legacy, _, lc, _ := setup(t, Client{PreventUserExistenceErrors: "LEGACY"}, false)
	if err := legacy.ConfirmSignUp(ctx, lc.ClientId, "", "ghost", "123456"); code(err) != "UserNotFoundException" {
		t.Errorf("LEGACY: %v", err)
	}
}
