package front_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/sekisho/sekisho/internal/app"
)

// totpAt is an authenticator's code for a base32 secret at time step
// offset steps from now (RFC 6238, written here apart from the server's).
func totpAt(t *testing.T, secret string, offset int64) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(time.Now().Unix()/30+offset))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	h := m.Sum(nil)
	o := h[19] & 0xf
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(h[o:])&0x7fffffff)%1000000)
}

// mfaServer is the whole server over a temp dir whose outbox the test
// reads, with extra serve arguments.
func mfaServer(t *testing.T, args ...string) (idp, anon *cip.Client, dir string) {
	dir = t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := app.ParseConfig(append([]string{"--data-dir", dir, "--log-level", "error", "--public-url", "http://" + ln.Addr().String()}, args...), func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.LogOutput = &strings.Builder{}
	a, err := app.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewUnstartedServer(a.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	base := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL)}
	admin := base
	admin.Credentials = credentials.NewStaticCredentialsProvider(a.RootAccessKeyID, a.RootSecretAccessKey, "")
	return cip.NewFromConfig(admin), cip.NewFromConfig(base, func(o *cip.Options) { o.Credentials = aws.AnonymousCredentials{} }), dir
}

// TestMFA: pool MFA settings with Cognito's validation, TOTP set up with
// an access token, the SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, EMAIL_OTP and
// MFA_SETUP challenges, and the abuse cases: replayed and stale codes,
// sessions answered twice, too many wrong answers.
func TestMFA(t *testing.T) {
	idp, anon, dir := mfaServer(t)
	ctx := context.Background()
	pool, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("mfa")})
	if err != nil {
		t.Fatal(err)
	}
	pid := pool.UserPool.Id
	cl, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("app"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	cid := cl.UserPoolClient.ClientId

	// Pool settings.
	if _, err := idp.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: pid, MfaConfiguration: "OFF",
		SoftwareTokenMfaConfiguration: &ciptypes.SoftwareTokenMfaConfigType{Enabled: true}}); code(err) != "InvalidParameterException" {
		t.Errorf("OFF with a factor: %v", err)
	}
	if _, err := idp.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: pid, MfaConfiguration: "OPTIONAL"}); code(err) != "InvalidParameterException" {
		t.Errorf("OPTIONAL without factors: %v", err)
	}
	set, err := idp.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: pid, MfaConfiguration: "OPTIONAL",
		SoftwareTokenMfaConfiguration: &ciptypes.SoftwareTokenMfaConfigType{Enabled: true},
		EmailMfaConfiguration:         &ciptypes.EmailMfaConfigType{Message: aws.String("Your code is {####}"), Subject: aws.String("Sign-in code")}})
	if err != nil || set.MfaConfiguration != "OPTIONAL" {
		t.Fatalf("SetUserPoolMfaConfig: %+v %v", set, err)
	}
	got, err := idp.GetUserPoolMfaConfig(ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: pid})
	if err != nil || got.MfaConfiguration != "OPTIONAL" || got.SoftwareTokenMfaConfiguration == nil || !got.SoftwareTokenMfaConfiguration.Enabled ||
		got.EmailMfaConfiguration == nil || aws.ToString(got.EmailMfaConfiguration.Subject) != "Sign-in code" || got.SmsMfaConfiguration != nil {
		t.Fatalf("GetUserPoolMfaConfig: %+v %v", got, err)
	}
	if d, _ := idp.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: pid}); d.UserPool.MfaConfiguration != "OPTIONAL" {
		t.Errorf("DescribeUserPool MfaConfiguration = %s", d.UserPool.MfaConfiguration)
	}

	user := func(name string) {
		t.Helper()
		if _, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String(name), MessageAction: "SUPPRESS",
			UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pid, Username: aws.String(name), Password: aws.String("Mfa#Pass1234"), Permanent: true}); err != nil {
			t.Fatal(err)
		}
	}
	signIn := func(name string) *cip.InitiateAuthOutput {
		t.Helper()
		out, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": "Mfa#Pass1234"}})
		if err != nil {
			t.Fatalf("InitiateAuth %s: %v", name, err)
		}
		return out
	}
	answer := func(name string, challenge ciptypes.ChallengeNameType, session *string, r map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		r["USERNAME"] = name
		return anon.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: cid, ChallengeName: challenge, Session: session, ChallengeResponses: r})
	}

	// OPTIONAL and nothing set up: tokens.
	user("aki")
	first := signIn("aki")
	if first.AuthenticationResult == nil {
		t.Fatalf("no MFA set up, yet a challenge: %+v", first)
	}
	access := first.AuthenticationResult.AccessToken

	// TOTP with an access token.
	assoc, err := anon.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})
	if err != nil || len(aws.ToString(assoc.SecretCode)) < 32 {
		t.Fatalf("AssociateSoftwareToken: %+v %v", assoc, err)
	}
	secret := aws.ToString(assoc.SecretCode)
	if _, err := anon.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
		SoftwareTokenMfaSettings: &ciptypes.SoftwareTokenMfaSettingsType{Enabled: true}}); code(err) != "InvalidParameterException" {
		t.Errorf("TOTP enabled before it is verified: %v", err)
	}
	if _, err := anon.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(totpAt(t, secret, -2))}); code(err) != "EnableSoftwareTokenMFAException" {
		t.Errorf("a stale code verified: %v", err)
	}
	if _, err := anon.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String("12ab56")}); code(err) != "InvalidParameterException" {
		t.Errorf("a malformed code: %v", err)
	}
	v, err := anon.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(totpAt(t, secret, 0)), FriendlyDeviceName: aws.String("phone")})
	if err != nil || v.Status != "SUCCESS" {
		t.Fatalf("VerifySoftwareToken: %+v %v", v, err)
	}
	usedAtVerify := totpAt(t, secret, 0)
	if _, err := anon.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
		SoftwareTokenMfaSettings: &ciptypes.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}); err != nil {
		t.Fatalf("SetUserMFAPreference: %v", err)
	}
	me, err := anon.GetUser(ctx, &cip.GetUserInput{AccessToken: access})
	if err != nil || aws.ToString(me.PreferredMfaSetting) != "SOFTWARE_TOKEN_MFA" || !slices.Equal(me.UserMFASettingList, []string{"SOFTWARE_TOKEN_MFA"}) {
		t.Errorf("GetUser MFA: %+v %v", me, err)
	}
	if au, err := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pid, Username: aws.String("aki")}); err != nil || aws.ToString(au.PreferredMfaSetting) != "SOFTWARE_TOKEN_MFA" {
		t.Errorf("AdminGetUser MFA: %+v %v", au, err)
	}

	// The SOFTWARE_TOKEN_MFA challenge.
	ch := signIn("aki")
	if ch.ChallengeName != "SOFTWARE_TOKEN_MFA" || ch.Session == nil || ch.AuthenticationResult != nil || ch.ChallengeParameters["FRIENDLY_DEVICE_NAME"] != "phone" {
		t.Fatalf("sign-in with TOTP: %+v", ch)
	}
	if _, err := answer("aki", "SOFTWARE_TOKEN_MFA", ch.Session, map[string]string{"SOFTWARE_TOKEN_MFA_CODE": usedAtVerify}); code(err) != "ExpiredCodeException" {
		t.Errorf("the code used to verify, replayed: %v", err)
	}
	if _, err := answer("other", "SOFTWARE_TOKEN_MFA", ch.Session, map[string]string{"SOFTWARE_TOKEN_MFA_CODE": totpAt(t, secret, 1)}); code(err) != "NotAuthorizedException" {
		t.Errorf("the challenge answered for another user: %v", err)
	}
	ok, err := answer("aki", "SOFTWARE_TOKEN_MFA", ch.Session, map[string]string{"SOFTWARE_TOKEN_MFA_CODE": totpAt(t, secret, 1)})
	if err != nil || ok.AuthenticationResult == nil || ok.AuthenticationResult.RefreshToken == nil {
		t.Fatalf("the right code: %+v %v", ok, err)
	}
	if _, err := answer("aki", "SOFTWARE_TOKEN_MFA", ch.Session, map[string]string{"SOFTWARE_TOKEN_MFA_CODE": totpAt(t, secret, 1)}); code(err) != "NotAuthorizedException" {
		t.Errorf("the session answered twice: %v", err)
	}
	// Refresh asks for no MFA.
	if r, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: map[string]string{"REFRESH_TOKEN": *ok.AuthenticationResult.RefreshToken}}); err != nil || r.AuthenticationResult == nil {
		t.Errorf("refresh: %+v %v", r, err)
	}
	// Three wrong answers spend the session.
	ch = signIn("aki")
	for i, c := range []string{totpAt(t, secret, 0), totpAt(t, secret, -2), "000000"} {
		if _, err := answer("aki", "SOFTWARE_TOKEN_MFA", ch.Session, map[string]string{"SOFTWARE_TOKEN_MFA_CODE": c}); code(err) != "ExpiredCodeException" && code(err) != "CodeMismatchException" {
			t.Errorf("wrong answer %d: %v", i, err)
		}
	}
	if _, err := answer("aki", "SOFTWARE_TOKEN_MFA", ch.Session, map[string]string{"SOFTWARE_TOKEN_MFA_CODE": totpAt(t, secret, 1)}); code(err) != "NotAuthorizedException" {
		t.Errorf("a session after three wrong answers: %v", err)
	}

	// Two factors, none preferred: SELECT_MFA_TYPE, then EMAIL_OTP.
	if _, err := idp.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: pid, Username: aws.String("aki"),
		SoftwareTokenMfaSettings: &ciptypes.SoftwareTokenMfaSettingsType{Enabled: true},
		EmailMfaSettings:         &ciptypes.EmailMfaSettingsType{Enabled: true}}); err != nil {
		t.Fatalf("AdminSetUserMFAPreference: %v", err)
	}
	ch = signIn("aki")
	if ch.ChallengeName != "SELECT_MFA_TYPE" || ch.ChallengeParameters["MFAS_CAN_CHOOSE"] != `["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]` {
		t.Fatalf("two factors: %+v", ch)
	}
	if _, err := answer("aki", "SELECT_MFA_TYPE", ch.Session, map[string]string{"ANSWER": "SMS_MFA"}); code(err) != "InvalidParameterException" {
		t.Errorf("a factor the user has not: %v", err)
	}
	em, err := answer("aki", "SELECT_MFA_TYPE", ch.Session, map[string]string{"ANSWER": "EMAIL_OTP"})
	if err != nil || em.ChallengeName != "EMAIL_OTP" || em.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "EMAIL" || em.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "a***@e***" {
		t.Fatalf("EMAIL_OTP challenge: %+v %v", em, err)
	}
	mail := lastCode(t, dir, "aki", "MFA")
	if _, err := answer("aki", "EMAIL_OTP", em.Session, map[string]string{"EMAIL_OTP_CODE": "00000000"}); code(err) != "CodeMismatchException" {
		t.Errorf("a wrong email code: %v", err)
	}
	if done, err := answer("aki", "EMAIL_OTP", em.Session, map[string]string{"EMAIL_OTP_CODE": mail}); err != nil || done.AuthenticationResult == nil {
		t.Fatalf("the email code: %+v %v", done, err)
	}

	// MFA required: a user with nothing set up sets up TOTP on the way in
	// (admin flow).
	if _, err := idp.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: pid, MfaConfiguration: "ON",
		SoftwareTokenMfaConfiguration: &ciptypes.SoftwareTokenMfaConfigType{Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	user("ben")
	setup, err := idp.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: pid, ClientId: cid, AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
		AuthParameters: map[string]string{"USERNAME": "ben", "PASSWORD": "Mfa#Pass1234"}})
	if err != nil || setup.ChallengeName != "MFA_SETUP" || setup.ChallengeParameters["MFAS_CAN_SETUP"] != `["SOFTWARE_TOKEN_MFA"]` {
		t.Fatalf("MFA_SETUP: %+v %v", setup, err)
	}
	if _, err := idp.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{UserPoolId: pid, ClientId: cid, ChallengeName: "MFA_SETUP", Session: setup.Session,
		ChallengeResponses: map[string]string{"USERNAME": "ben"}}); code(err) != "InvalidParameterException" {
		t.Errorf("MFA_SETUP answered before any setup: %v", err)
	}
	as, err := anon.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: setup.Session})
	if err != nil || as.Session == nil {
		t.Fatalf("AssociateSoftwareToken with a session: %+v %v", as, err)
	}
	if _, err := anon.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: setup.Session}); code(err) != "NotAuthorizedException" {
		t.Errorf("the MFA_SETUP session used twice: %v", err)
	}
	vs, err := anon.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: as.Session, UserCode: aws.String(totpAt(t, aws.ToString(as.SecretCode), 0))})
	if err != nil || vs.Status != "SUCCESS" || vs.Session == nil {
		t.Fatalf("VerifySoftwareToken with a session: %+v %v", vs, err)
	}
	fin, err := idp.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{UserPoolId: pid, ClientId: cid, ChallengeName: "MFA_SETUP", Session: vs.Session,
		ChallengeResponses: map[string]string{"USERNAME": "ben"}})
	if err != nil || fin.AuthenticationResult == nil {
		t.Fatalf("MFA_SETUP answered: %+v %v", fin, err)
	}
	if u, _ := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pid, Username: aws.String("ben")}); aws.ToString(u.PreferredMfaSetting) != "SOFTWARE_TOKEN_MFA" {
		t.Errorf("after MFA_SETUP: %+v", u)
	}
	if again := signIn("ben"); again.ChallengeName != "SOFTWARE_TOKEN_MFA" {
		t.Errorf("the next sign-in: %+v", again)
	}
	// Email is no longer a pool factor: aki's TOTP answers.
	if again := signIn("aki"); again.ChallengeName != "SOFTWARE_TOKEN_MFA" {
		t.Errorf("aki after email MFA was turned off for the pool: %+v", again)
	}
}

// TestManagedLoginMFA: with MFA required, the pages walk a new user from
// the temporary password through authenticator setup to a code, and the
// next sign-in asks for the authenticator's code, wrong ones refused on
// the same page.
func TestManagedLoginMFA(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	pool, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("mfa-pages")})
	pid := pool.UserPool.Id
	if _, err := idp.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: pid, MfaConfiguration: "ON",
		SoftwareTokenMfaConfiguration: &ciptypes.SoftwareTokenMfaConfigType{Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	// A client with a secret: the pages act for it.
	client, _ := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("web"), GenerateSecret: true,
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid"},
		CallbackURLs: []string{"http://localhost:3000/cb"}, SupportedIdentityProviders: []string{"COGNITO"}})
	cid := *client.UserPoolClient.ClientId
	if _, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String("sora"), TemporaryPassword: aws.String("Temp#Pass123"), MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("mfa-app"), UserPoolId: pid})
	b := &browser{t: t, url: g.url, host: "mfa-app.auth.localhost", cookies: map[string]string{}}
	authz := url.Values{"client_id": {cid}, "redirect_uri": {"http://localhost:3000/cb"}, "response_type": {"code"}}
	signIn := func(password string) string {
		_, page := b.do("GET", "/login?"+authz.Encode(), nil)
		form := formOf(page)
		form.Set("username", "sora")
		form.Set("password", password)
		_, page = b.do("POST", "/login", form)
		return page
	}
	page := signIn("Temp#Pass123")
	form := formOf(page)
	form.Set("new_password", "Chosen#Pass123")
	resp, page := b.do("POST", "/login/newpassword", form)
	if resp.StatusCode != 200 || !strings.Contains(page, `id="secret"`) || !strings.Contains(page, "otpauth://totp/") {
		t.Fatalf("after the new password, authenticator setup: %d %s", resp.StatusCode, page)
	}
	form = formOf(page)
	secret := form.Get("secret")
	form.Set("code", totpAt(t, secret, -2))
	resp, page = b.do("POST", "/login/mfa", form)
	if resp.StatusCode != 400 || !strings.Contains(page, secret) {
		t.Fatalf("a stale setup code: %d %s", resp.StatusCode, page)
	}
	form = formOf(page)
	form.Set("code", totpAt(t, secret, 0))
	resp, _ = b.do("POST", "/login/mfa", form)
	if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != 302 || loc.Query().Get("code") == "" {
		t.Fatalf("setup: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The next sign-in asks for a code.
	b.cookies = map[string]string{}
	page = signIn("Chosen#Pass123")
	if !strings.Contains(page, `name="challenge" value="SOFTWARE_TOKEN_MFA"`) {
		t.Fatalf("second sign-in: %s", page)
	}
	form = formOf(page)
	form.Set("code", "000000")
	resp, page = b.do("POST", "/login/mfa", form)
	if resp.StatusCode != 400 || !strings.Contains(page, "Invalid code") {
		t.Fatalf("a wrong code: %d %s", resp.StatusCode, page)
	}
	form = formOf(page)
	form.Set("code", totpAt(t, secret, 1))
	resp, _ = b.do("POST", "/login/mfa", form)
	if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != 302 || loc.Query().Get("code") == "" {
		t.Fatalf("the code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}
