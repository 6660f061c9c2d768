package userpool

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/srp"
	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/store/bolt"
)

var ctx = context.Background()

func newService(t testing.TB) (*Service, string) {
	dir := t.TempDir()
	meta, err := bolt.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { meta.Close() })
	key, _ := seal.NewKey(make([]byte, 32))
	outbox := filepath.Join(dir, "outbox.jsonl")
	return &Service{Store: meta, Key: key, Account: "123456789012", Region: "ap-northeast-1",
		Issuer: func(p string) string { return "https://cognito-idp.ap-northeast-1.amazonaws.com/" + p },
		Outbox: &FileOutbox{Path: outbox}}, outbox
}

func code(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func message(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Message
	}
	return ""
}

// lastCode reads the newest code sent to username from the outbox.
func lastCode(t *testing.T, outbox, username string) string {
	f, err := os.Open(outbox)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m Message
		json.Unmarshal(sc.Bytes(), &m)
		if m.Username == username || m.Destination == username {
			got = m.Code
		}
	}
	return got
}

func setup(t testing.TB, clientIn Client, secret bool) (*Service, Pool, Client, string) {
	s, outbox := newService(t)
	p, err := s.CreatePool(ctx, Pool{Name: "seed", AutoVerifiedAttributes: []string{"email"}, AliasAttributes: []string{"email"},
		SchemaAttributes: []SchemaAttribute{{Name: "department", AttributeDataType: "String"}}})
	if err != nil {
		t.Fatal(err)
	}
	clientIn.UserPoolId, clientIn.ClientName = p.Id, "app"
	if clientIn.ExplicitAuthFlows == nil {
		clientIn.ExplicitAuthFlows = []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
	}
	c, err := s.CreateClient(ctx, clientIn, secret)
	if err != nil {
		t.Fatal(err)
	}
	return s, p, c, outbox
}

func srpSignIn(t *testing.T, s *Service, p Pool, c Client, username, password string) (*AuthOutput, error) {
	cl := srp.NewClient()
	out, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_SRP_AUTH", AuthParameters: map[string]string{"USERNAME": username, "SRP_A": cl.AHex()}})
	if err != nil {
		return nil, err
	}
	cp := out.ChallengeParameters
	if out.ChallengeName != "PASSWORD_VERIFIER" || cp["USER_ID_FOR_SRP"] == "" || out.Session != "" {
		t.Fatalf("challenge %+v", out)
	}
	K, err := cl.Key(srp.PoolName(p.Id), cp["USER_ID_FOR_SRP"], password, cp["SALT"], cp["SRP_B"])
	if err != nil {
		t.Fatal(err)
	}
	block, _ := base64.StdEncoding.DecodeString(cp["SECRET_BLOCK"])
	ts := srp.Timestamp(time.Now())
	return s.RespondToAuthChallenge(ctx, ChallengeInput{ClientId: c.ClientId, ChallengeName: "PASSWORD_VERIFIER", ChallengeResponses: map[string]string{
		"USERNAME": cp["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"], "TIMESTAMP": ts,
		"PASSWORD_CLAIM_SIGNATURE": srp.Signature(K, srp.PoolName(p.Id), cp["USER_ID_FOR_SRP"], block, ts)}})
}

func claims(t *testing.T, tok string) map[string]any {
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

func TestSignInFlows(t *testing.T) {
	s, p, c, _ := setup(t, Client{}, false)
	if _, err := s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "taro", TemporaryPassword: "Temp#Pass1", MessageAction: "SUPPRESS",
		UserAttributes: []AttributeType{{"email", "taro@example.com"}, {"email_verified", "true"}, {"custom:department", "sales"}}}); err != nil {
		t.Fatal(err)
	}
	// The temporary password leads to NEW_PASSWORD_REQUIRED, by either flow.
	out, err := s.InitiateAuth(ctx, AuthInput{UserPoolId: p.Id, ClientId: c.ClientId, AuthFlow: "ADMIN_NO_SRP_AUTH", Admin: true, AuthParameters: map[string]string{"USERNAME": "taro", "PASSWORD": "Temp#Pass1"}})
	if err != nil || out.ChallengeName != "NEW_PASSWORD_REQUIRED" {
		t.Fatalf("%+v %v", out, err)
	}
	if _, err := s.RespondToAuthChallenge(ctx, ChallengeInput{ClientId: c.ClientId, ChallengeName: "NEW_PASSWORD_REQUIRED", Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": "taro", "NEW_PASSWORD": "short"}}); code(err) != "InvalidPasswordException" {
		t.Errorf("weak new password: %v", err)
	}
	// A session is single-use, even after a failure.
	if _, err := s.RespondToAuthChallenge(ctx, ChallengeInput{ClientId: c.ClientId, ChallengeName: "NEW_PASSWORD_REQUIRED", Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": "taro", "NEW_PASSWORD": "Perm#Pass12"}}); code(err) != "NotAuthorizedException" {
		t.Errorf("reused session: %v", err)
	}
	out, _ = s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "taro@example.com", "PASSWORD": "Temp#Pass1"}})
	res, err := s.RespondToAuthChallenge(ctx, ChallengeInput{ClientId: c.ClientId, ChallengeName: "NEW_PASSWORD_REQUIRED", Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": "taro", "NEW_PASSWORD": "Perm#Pass12"}})
	if err != nil || res.AuthenticationResult == nil {
		t.Fatalf("new password: %+v %v", res, err)
	}
	// SRP with the new password; a wrong one fails the same way as
	// USER_PASSWORD_AUTH does.
	res, err = srpSignIn(t, s, p, c, "taro", "Perm#Pass12")
	if err != nil || res.AuthenticationResult == nil || res.AuthenticationResult.ExpiresIn != 3600 || res.AuthenticationResult.TokenType != "Bearer" {
		t.Fatalf("SRP: %+v %v", res, err)
	}
	if _, err := srpSignIn(t, s, p, c, "taro", "Wrong#Pass12"); code(err) != "NotAuthorizedException" || message(err) != "Incorrect username or password." {
		t.Errorf("SRP wrong password: %v", err)
	}
	id := claims(t, res.AuthenticationResult.IdToken)
	acc := claims(t, res.AuthenticationResult.AccessToken)
	if id["token_use"] != "id" || id["aud"] != c.ClientId || id["cognito:username"] != "taro" || id["email_verified"] != true || id["custom:department"] != "sales" ||
		id["iss"] != "https://cognito-idp.ap-northeast-1.amazonaws.com/"+p.Id || id["origin_jti"] == nil || id["event_id"] != acc["event_id"] || id["client_id"] != nil {
		t.Errorf("id claims %v", id)
	}
	if acc["token_use"] != "access" || acc["client_id"] != c.ClientId || acc["aud"] != nil || acc["scope"] != "aws.cognito.signin.user.admin" || acc["username"] != "taro" {
		t.Errorf("access claims %v", acc)
	}
	// Refresh keeps origin_jti and auth_time and returns no new refresh token.
	ref, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: map[string]string{"REFRESH_TOKEN": res.AuthenticationResult.RefreshToken}})
	if err != nil || ref.AuthenticationResult.RefreshToken != "" {
		t.Fatalf("refresh: %+v %v", ref, err)
	}
	if rc := claims(t, ref.AuthenticationResult.IdToken); rc["origin_jti"] != id["origin_jti"] || rc["auth_time"] != id["auth_time"] || rc["jti"] == id["jti"] {
		t.Errorf("refreshed claims %v", rc)
	}
	// Access tokens work against the user-pool API until global sign-out;
	// then refresh tokens die too.
	if _, u, err := s.AccessClaims(ctx, res.AuthenticationResult.AccessToken); err != nil || u.Username != "taro" {
		t.Fatalf("AccessClaims: %v", err)
	}
	if _, _, err := s.AccessClaims(ctx, res.AuthenticationResult.IdToken); code(err) != "NotAuthorizedException" {
		t.Errorf("an ID token as access token: %v", err)
	}
	s.GlobalSignOut(ctx, p.Id, "taro")
	if _, _, err := s.AccessClaims(ctx, res.AuthenticationResult.AccessToken); code(err) != "NotAuthorizedException" {
		t.Errorf("access token after sign-out: %v", err)
	}
	if _, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: map[string]string{"REFRESH_TOKEN": res.AuthenticationResult.RefreshToken}}); code(err) != "NotAuthorizedException" {
		t.Errorf("refresh after sign-out: %v", err)
	}
	// Disabled users are refused with Cognito's words.
	later := time.Now().Add(2 * time.Second) // tokens are stamped to the second
	s.Now = func() time.Time { return later }
	s.AdminSetEnabled(ctx, p.Id, "taro", false)
	if _, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "taro", "PASSWORD": "Perm#Pass12"}}); message(err) != "User is disabled." {
		t.Errorf("disabled: %v", err)
	}
}

func TestFlowsAndErrors(t *testing.T) {
	s, p, c, _ := setup(t, Client{ExplicitAuthFlows: []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}, PreventUserExistenceErrors: "LEGACY"}, false)
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "jiro", MessageAction: "SUPPRESS"})
	s.AdminSetUserPassword(ctx, p.Id, "jiro", "Good#Pass12", true)
	_, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "jiro", "PASSWORD": "Good#Pass12"}})
	if code(err) != "InvalidParameterException" || message(err) != "USER_PASSWORD_AUTH flow not enabled for this client" {
		t.Errorf("disabled flow: %v", err)
	}
	if _, err := srpSignIn(t, s, p, c, "nobody", "x"); code(err) != "UserNotFoundException" {
		t.Errorf("unknown user with LEGACY: %v", err)
	}
	// Five failures lock the account for a while.
	for i := 0; i < 5; i++ {
		srpSignIn(t, s, p, c, "jiro", "Bad#Pass12")
	}
	if _, err := srpSignIn(t, s, p, c, "jiro", "Good#Pass12"); message(err) != "Password attempts exceeded" {
		t.Errorf("after five failures: %v", err)
	}
	if err := s.AdminSetUserPassword(ctx, p.Id, "jiro", "abc", true); code(err) != "InvalidPasswordException" || !strings.HasPrefix(message(err), "Password did not conform with policy") {
		t.Errorf("weak admin password: %v", err)
	}
}

func TestSecretHash(t *testing.T) {
	s, p, c, _ := setup(t, Client{}, true)
	if c.ClientSecret == "" {
		t.Fatal("no secret")
	}
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "hana", MessageAction: "SUPPRESS"})
	s.AdminSetUserPassword(ctx, p.Id, "hana", "Good#Pass12", true)
	params := map[string]string{"USERNAME": "hana", "PASSWORD": "Good#Pass12"}
	if _, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: params}); !strings.Contains(message(err), "configured for secret but secret was not received") {
		t.Errorf("missing SECRET_HASH: %v", err)
	}
	params["SECRET_HASH"] = "AAAA"
	if _, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: params}); !strings.Contains(message(err), "Unable to verify secret hash") {
		t.Errorf("wrong SECRET_HASH: %v", err)
	}
	m := hmac.New(sha256.New, []byte(c.ClientSecret))
	m.Write([]byte("hana" + c.ClientId))
	params["SECRET_HASH"] = base64.StdEncoding.EncodeToString(m.Sum(nil))
	if _, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: params}); err != nil {
		t.Errorf("right SECRET_HASH: %v", err)
	}
}

func TestSignUpAndReset(t *testing.T) {
	s, p, c, outbox := setup(t, Client{}, false)
	out, err := s.SignUp(ctx, c.ClientId, "", "kumi", "Good#Pass12", []AttributeType{{"email", "kumi@example.com"}})
	if err != nil || out.UserConfirmed || out.CodeDeliveryDetails.Destination != "k***@e***" {
		t.Fatalf("SignUp %+v %v", out, err)
	}
	if _, err := s.SignUp(ctx, c.ClientId, "", "kumi", "Good#Pass12", nil); code(err) != "UsernameExistsException" {
		t.Errorf("duplicate sign-up: %v", err)
	}
	if _, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "kumi", "PASSWORD": "Good#Pass12"}}); code(err) != "UserNotConfirmedException" {
		t.Errorf("unconfirmed sign-in: %v", err)
	}
	if err := s.ConfirmSignUp(ctx, c.ClientId, "", "kumi", "000000"); code(err) != "CodeMismatchException" {
		t.Errorf("wrong code: %v", err)
	}
	if err := s.ConfirmSignUp(ctx, c.ClientId, "", "kumi", lastCode(t, outbox, "kumi")); err != nil {
		t.Fatal(err)
	}
	u, _ := s.AdminGetUser(ctx, p.Id, "kumi")
	if u.Status != "CONFIRMED" || u.Attributes["email_verified"] != "true" {
		t.Fatalf("after confirmation %+v", u)
	}
	if _, err := s.ForgotPassword(ctx, c.ClientId, "", "kumi@example.com"); err != nil {
		t.Fatal(err)
	}
	resetCode := lastCode(t, outbox, "kumi")
	if err := s.ConfirmForgotPassword(ctx, c.ClientId, "", "kumi", resetCode, "Newer#Pass12"); err != nil {
		t.Fatal(err)
	}
	if err := s.ConfirmForgotPassword(ctx, c.ClientId, "", "kumi", resetCode, "Other#Pass12"); code(err) != "CodeMismatchException" {
		t.Errorf("reused reset code: %v", err)
	}
	if _, err := srpSignIn(t, s, p, c, "kumi", "Newer#Pass12"); err != nil {
		t.Errorf("sign-in with the reset password: %v", err)
	}
}

func TestGroupsAndTokens(t *testing.T) {
	s, p, c, _ := setup(t, Client{}, false)
	one, two := 1, 2
	s.CreateGroup(ctx, Group{UserPoolId: p.Id, GroupName: "admins", RoleArn: "arn:aws:iam::123456789012:role/admin", Precedence: &one})
	s.CreateGroup(ctx, Group{UserPoolId: p.Id, GroupName: "staff", RoleArn: "arn:aws:iam::123456789012:role/staff", Precedence: &two})
	if _, err := s.CreateGroup(ctx, Group{UserPoolId: p.Id, GroupName: "staff"}); code(err) != "GroupExistsException" {
		t.Errorf("duplicate group: %v", err)
	}
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "ken", MessageAction: "SUPPRESS"})
	s.AdminSetUserPassword(ctx, p.Id, "ken", "Good#Pass12", true)
	s.AdminAddUserToGroup(ctx, p.Id, "ken", "staff")
	s.AdminAddUserToGroup(ctx, p.Id, "ken", "admins")
	res, err := srpSignIn(t, s, p, c, "ken", "Good#Pass12")
	if err != nil {
		t.Fatal(err)
	}
	id := claims(t, res.AuthenticationResult.IdToken)
	if id["cognito:preferred_role"] != "arn:aws:iam::123456789012:role/admin" || len(id["cognito:roles"].([]any)) != 2 || id["cognito:groups"].([]any)[0] != "admins" {
		t.Errorf("group claims %v", id)
	}
	// Rotating keys leaves earlier tokens verifiable.
	if err := s.RotateKeys(ctx, p.Id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AccessClaims(ctx, res.AuthenticationResult.AccessToken); err != nil {
		t.Errorf("old token after rotation: %v", err)
	}
	jwks, _ := s.JWKS(ctx, p.Id)
	if len(jwks.Keys) != 4 {
		t.Errorf("%d keys after rotation", len(jwks.Keys))
	}
	// Forged tokens: a changed claim, alg none, HS256 keyed with the
	// public key.
	tok := res.AuthenticationResult.AccessToken
	parts := strings.Split(tok, ".")
	cl := claims(t, tok)
	cl["username"] = "admin"
	body, _ := json.Marshal(cl)
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString(body) + "." + parts[2]
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + "."
	var pub *rsa.PublicKey
	for _, k := range jwks.Keys {
		pub = k.Key.(*rsa.PublicKey)
	}
	hs, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: pub.N.Bytes()}, nil)
	jws, _ := hs.Sign([]byte(parts[1]))
	hsTok, _ := jws.CompactSerialize()
	for name, bad := range map[string]string{"changed claim": forged, "alg none": none, "HS256 with the public key": hsTok} {
		if _, _, err := s.AccessClaims(ctx, bad); code(err) != "NotAuthorizedException" {
			t.Errorf("%s accepted: %v", name, err)
		}
	}
}

func TestUserExistenceErrors(t *testing.T) {
	s, p, hidden, _ := setup(t, Client{}, false)
	legacy, _ := s.CreateClient(ctx, Client{UserPoolId: p.Id, ClientName: "legacy", PreventUserExistenceErrors: "LEGACY",
		ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH"}}, false)
	if d, err := s.ForgotPassword(ctx, hidden.ClientId, "", "ghost"); err != nil || d == nil {
		t.Errorf("ForgotPassword for nobody with ENABLED: %+v %v", d, err)
	}
	if _, err := s.ForgotPassword(ctx, legacy.ClientId, "", "ghost"); code(err) != "UserNotFoundException" {
		t.Errorf("ForgotPassword for nobody with LEGACY: %v", err)
	}
	in := AuthInput{AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "ghost", "PASSWORD": "Whatever#1"}}
	in.ClientId = hidden.ClientId
	if _, err := s.InitiateAuth(ctx, in); message(err) != "Incorrect username or password." {
		t.Errorf("sign-in of nobody with ENABLED: %v", err)
	}
	in.ClientId = legacy.ClientId
	if _, err := s.InitiateAuth(ctx, in); code(err) != "UserNotFoundException" {
		t.Errorf("sign-in of nobody with LEGACY: %v", err)
	}
}

func TestCodeRateLimit(t *testing.T) {
	s, p, c, _ := setup(t, Client{}, false)
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "mio", MessageAction: "SUPPRESS",
		UserAttributes: []AttributeType{{"email", "mio@example.com"}, {"email_verified", "true"}}})
	s.AdminSetUserPassword(ctx, p.Id, "mio", "Passw0rd!mio", true)
	for i := 0; i < maxCodesPerHour; i++ {
		if _, err := s.ForgotPassword(ctx, c.ClientId, "", "mio"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ForgotPassword(ctx, c.ClientId, "", "mio"); code(err) != "LimitExceededException" {
		t.Errorf("sixth code within the hour: %v", err)
	}
}

func TestTooManyRequests(t *testing.T) {
	s, _, c, _ := setup(t, Client{}, false)
	s.AuthRate = 2 // burst of 4
	// A stopped clock: each failed sign-in hashes a dummy password, and
	// under -race six of them took long enough for the bucket to refill.
	now := time.Now()
	s.Now = func() time.Time { return now }
	in := AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "ghost", "PASSWORD": "x"}}
	var last error
	for i := 0; i < 6; i++ {
		_, last = s.InitiateAuth(ctx, in)
	}
	if code(last) != "TooManyRequestsException" {
		t.Errorf("sixth quick sign-in: %v", last)
	}
	// Half a second later one more is allowed (2 a second), then no more.
	now = now.Add(500 * time.Millisecond)
	if _, err := s.InitiateAuth(ctx, in); code(err) == "TooManyRequestsException" {
		t.Errorf("after the refill: %v", err)
	}
	if _, err := s.InitiateAuth(ctx, in); code(err) != "TooManyRequestsException" {
		t.Errorf("past the refill: %v", err)
	}
}

func TestRevokeToken(t *testing.T) {
	s, p, c, _ := setup(t, Client{}, false)
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "rin", MessageAction: "SUPPRESS"})
	s.AdminSetUserPassword(ctx, p.Id, "rin", "Good#Pass12", true)
	first, _ := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "rin", "PASSWORD": "Good#Pass12"}})
	second, _ := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "rin", "PASSWORD": "Good#Pass12"}})
	if err := s.RevokeToken(ctx, first.AuthenticationResult.RefreshToken, c.ClientId, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AccessClaims(ctx, first.AuthenticationResult.AccessToken); message(err) != "Access Token has been revoked" {
		t.Errorf("access token of a revoked refresh token: %v", err)
	}
	if _, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: map[string]string{"REFRESH_TOKEN": first.AuthenticationResult.RefreshToken}}); code(err) != "NotAuthorizedException" {
		t.Errorf("revoked refresh token: %v", err)
	}
	// The other sign-in is untouched until the user is deleted.
	if _, _, err := s.AccessClaims(ctx, second.AuthenticationResult.AccessToken); err != nil {
		t.Errorf("other session: %v", err)
	}
	s.AdminDeleteUser(ctx, p.Id, "rin")
	if _, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: map[string]string{"REFRESH_TOKEN": second.AuthenticationResult.RefreshToken}}); code(err) != "NotAuthorizedException" {
		t.Errorf("refresh token of a deleted user: %v", err)
	}
}

// TestPeersDivideLimits: on a cluster of n nodes each node admits its
// share of the pool's sign-in rate and of a source's wrong-code budget,
// so that behind a balancer the cluster admits what one node would.
func TestPeersDivideLimits(t *testing.T) {
	s := &Service{AuthRate: 10, Now: func() time.Time { return time.Unix(1000, 0) }}
	s.Peers = func() int { return 2 }
	n := 0
	for s.allow("p") == nil {
		n++
	}
	if n != 10 { // burst 2×rate/2
		t.Errorf("one of two nodes admitted %d at once, want 10", n)
	}
	var g codeGuard
	now := time.Unix(1000, 0)
	fails := 0
	for g.check("1.2.3.4", now, 4) == nil {
		g.fail("1.2.3.4", now, 4)
		fails++
	}
	if fails != sourceCodeFailures/4 {
		t.Errorf("one of four nodes allowed %d wrong codes, want %d", fails, sourceCodeFailures/4)
	}
}

// TestMaskAndBooleans: destinations are hidden as Cognito hides them, and
// Boolean attributes read in any case ("True" verifies an email).
func TestMaskAndBooleans(t *testing.T) {
	for in, want := range map[string]string{"test@test.com": "t***@t***", "kai@example.com": "k***@e***", "Ürsula@bücher.de": "Ü***@b***", "+15555550100": "+*******0100", "ab": "***"} {
		if got := mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
	p := Pool{SchemaAttributes: defaultSchema()}
	attrs := []AttributeType{{Name: "email", Value: "a@example.com"}, {Name: "email_verified", Value: "True"}, {Name: "phone_number_verified", Value: "FALSE"}}
	if err := checkAttributes(p, attrs, true); err != nil {
		t.Fatal(err)
	}
	if attrs[1].Value != "true" || attrs[2].Value != "false" {
		t.Fatalf("booleans kept as %q, %q", attrs[1].Value, attrs[2].Value)
	}
}

// TestImportJobOfDeadNode: a running import job whose node stopped
// recording its progress is reported Failed, with what it had imported.
func TestImportJobOfDeadNode(t *testing.T) {
	s, p, _, _ := setup(t, Client{}, false)
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	j, err := s.CreateImportJob(ctx, p.Id, "big", "arn:aws:iam::123456789012:role/Import", "http://localhost")
	if err != nil {
		t.Fatal(err)
	}
	// The node that ran it wrote its last beat, 500 users in, and died.
	err = s.update(ctx, func(tx store.RecordTx) error {
		sj, err := s.jobTx(tx, p.Id, j.JobId)
		if err != nil {
			return err
		}
		sj.Status, sj.ImportedUsers, sj.Beat = "InProgress", 500, now
		return store.PutJSON(tx, kindImportJob, p.Id+"/"+j.JobId, sj)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ImportJob(ctx, p.Id, j.JobId); got.Status != "InProgress" {
		t.Fatalf("a live job: %s", got.Status)
	}
	now = now.Add(2 * time.Minute)
	got, err := s.ImportJob(ctx, p.Id, j.JobId)
	if err != nil || got.Status != "Failed" || got.ImportedUsers != 500 || got.CompletionDate == nil {
		t.Fatalf("a dead node's job: %+v %v", got, err)
	}
	if list, _ := s.ImportJobs(ctx, p.Id); len(list) != 1 || list[0].Status != "Failed" {
		t.Fatalf("listed: %+v", list)
	}
}
