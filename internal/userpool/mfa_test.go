package userpool

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/sekisho/sekisho/internal/awserr"
)

// TestTOTPVectors: RFC 6238's SHA-1 test vectors (the last six digits).
func TestTOTPVectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	for at, want := range map[int64]string{59: "287082", 1111111109: "081804", 1111111111: "050471", 1234567890: "005924", 2000000000: "279037", 20000000000: "353130"} {
		if got := totpCode(secret, at/totpStep); got != want {
			t.Errorf("T=%d: %s, want %s", at, got, want)
		}
	}
	now := time.Unix(1111111109, 0)
	if totpMatch(secret, "081804", now) == 0 || totpMatch(secret, totpCode(secret, now.Unix()/30-1), now) == 0 || totpMatch(secret, totpCode(secret, now.Unix()/30+1), now) == 0 {
		t.Error("a code of this step or one either side refused")
	}
	if totpMatch(secret, totpCode(secret, now.Unix()/30-2), now) != 0 || totpMatch(secret, totpCode(secret, now.Unix()/30+2), now) != 0 {
		t.Error("a code two steps away accepted")
	}
}

// FuzzTOTPCode: no input panics, and only six digits can ever match.
func FuzzTOTPCode(f *testing.F) {
	for _, s := range []string{"123456", "12345", "1234567", "12a456", "", "٣٣٣٣٣٣", "000000"} {
		f.Add(s)
	}
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111109, 0)
	f.Fuzz(func(t *testing.T, code string) {
		if totpMatch(secret, code, now) != 0 && !validTOTPCode(code) {
			t.Fatalf("%q matched yet is not a six-digit code", code)
		}
	})
}

// passkeyFixture is a service with a pool that allows passkeys, a user
// with an access token, and a registration begun.
func passkeyFixture(t testing.TB) (*Service, Pool, string) {
	s, p, c, _ := setup(t, Client{}, false)
	if err := s.UpdatePoolSettings(ctx, p.Id, Pool{Policies: Policies{SignInPolicy: &SignInPolicy{AllowedFirstAuthFactors: []string{"PASSWORD", "WEB_AUTHN"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetMFAConfig(ctx, p.Id, MFAConfig{MfaConfiguration: "OFF", WebAuthnConfiguration: &WebAuthnConfig{RelyingPartyId: "app.example"}}); err != nil {
		t.Fatal(err)
	}
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "fuzz", MessageAction: "SUPPRESS"})
	s.AdminSetUserPassword(ctx, p.Id, "fuzz", "Fuzz#Pass1234", true)
	out, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "fuzz", "PASSWORD": "Fuzz#Pass1234"}})
	if err != nil {
		t.Fatal(err)
	}
	return s, p, out.AuthenticationResult.AccessToken
}

// FuzzPasskeyRegistration: whatever a client sends as the registration
// response, the answer is a Cognito 4xx error, never a panic or a 500.
func FuzzPasskeyRegistration(f *testing.F) {
	for _, s := range []string{`{}`, `null`, `{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`,
		`{"id":"x","type":"public-key","response":{"clientDataJSON":"eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0","attestationObject":"o2NmbXRkbm9uZQ"}}`, `[1,2]`, `"str"`} {
		f.Add([]byte(s))
	}
	s, _, access := passkeyFixture(f)
	if _, err := s.StartPasskeyRegistration(ctx, access); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := s.CompletePasskeyRegistration(ctx, access, body)
		if err == nil {
			t.Fatalf("%q registered a passkey", body)
		}
		if e, ok := awserr.As(err); !ok || e.Status >= 500 {
			t.Fatalf("%q: %v", body, err)
		}
	})
}

// FuzzPasskeyAssertion: the same for the WEB_AUTHN answer.
func FuzzPasskeyAssertion(f *testing.F) {
	for _, s := range []string{`{}`, `{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"}}`, `null`} {
		f.Add(s)
	}
	s, p, _ := passkeyFixture(f)
	var u User
	u, _ = s.AdminGetUser(ctx, p.Id, "fuzz")
	c, _ := s.ListClients(ctx, p.Id)
	ceremony, _ := json.Marshal(pendingPasskey{Session: webauthn.SessionData{Challenge: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, RPID: "app.example"})
	f.Fuzz(func(t *testing.T, cred string) {
		_, err := s.passkeySignIn(ctx, p, c[0], u, string(ceremony), cred, signInOpts{})
		if err == nil {
			t.Fatalf("%q signed in", cred)
		}
		if e, ok := awserr.As(err); !ok || e.Status >= 500 {
			t.Fatalf("%q: %v", cred, err)
		}
		// Keep the user from locking out between inputs.
		s.modifyUser(ctx, p.Id, "fuzz", func(_ Pool, usr *User) error { usr.Failed, usr.LockedUntil = 0, time.Time{}; return nil })
	})
}

// BenchmarkTOTPCheck is what answering SOFTWARE_TOKEN_MFA adds to a
// sign-in: the three candidate codes and the write that makes the code
// single-use.
func BenchmarkTOTPCheck(b *testing.B) {
	s, p, _, _ := setup(b, Client{}, false)
	u, _ := s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "bench", MessageAction: "SUPPRESS"})
	secret := []byte("12345678901234567890")
	s.modifyUser(ctx, p.Id, "bench", func(_ Pool, usr *User) error {
		usr.mfa().TOTPSecret = s.Key.Seal(totpPurpose, secret)
		return nil
	})
	u, _ = s.AdminGetUser(ctx, p.Id, "bench")
	now := time.Unix(1_800_000_000, 0)
	s.Now = func() time.Time { return now }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now = now.Add(totpStep * time.Second) // a fresh step each time
		if err := s.checkTOTP(ctx, p, u, totpCode(secret, now.Unix()/totpStep)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPasskeyVerify is what answering WEB_AUTHN adds: parsing the
// assertion and go-webauthn's verification of an ES256 signature.
func BenchmarkPasskeyVerify(b *testing.B) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	x, y := make([]byte, 32), make([]byte, 32)
	key.X.FillBytes(x)
	key.Y.FillBytes(y)
	cose := []byte{0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20}
	cose = append(cose, x...)
	cose = append(append(cose, 0x22, 0x58, 0x20), y...)
	id := []byte("bench-credential-id-0123456789ab")
	challenge := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	cd, _ := json.Marshal(map[string]any{"type": "webauthn.get", "challenge": challenge, "origin": "https://app.example"})
	h := sha256.Sum256([]byte("app.example"))
	ad := binary.BigEndian.AppendUint32(append(h[:], 0x05), 1)
	cdh := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), cdh[:]...))
	sig, _ := ecdsa.SignASN1(rand.Reader, key, digest[:])
	body, _ := json.Marshal(map[string]any{"id": base64.RawURLEncoding.EncodeToString(id), "rawId": base64.RawURLEncoding.EncodeToString(id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": base64.RawURLEncoding.EncodeToString(cd), "authenticatorData": base64.RawURLEncoding.EncodeToString(ad),
			"signature": base64.RawURLEncoding.EncodeToString(sig)}})
	u := passkeyUser{u: User{Username: "bench", Attributes: map[string]string{"sub": "bench-sub"}},
		creds: []webauthn.Credential{{ID: id, PublicKey: cose}}}
	wa, err := webauthn.New(&webauthn.Config{RPID: "app.example", RPDisplayName: "bench", RPOrigins: []string{"https://app.example"}})
	if err != nil {
		b.Fatal(err)
	}
	sd := webauthn.SessionData{Challenge: challenge, RelyingPartyID: "app.example", UserID: []byte("bench-sub")}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := wa.ValidateLogin(u, sd, parsed); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSMSMFAAndPasswordless: SMS MFA through the outbox (the hook for a
// real SMS sender) with the pool's message; an MFA session that expires;
// a passwordless sign-up that signs in with SMS_OTP and EMAIL_OTP codes
// and has no password to guess.
func TestSMSMFAAndPasswordless(t *testing.T) {
	s, p, c, outbox := setup(t, Client{ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}, false)
	now := time.Now().UTC()
	s.Now = func() time.Time { return now }
	if _, err := s.SetMFAConfig(ctx, p.Id, MFAConfig{MfaConfiguration: "OPTIONAL", SmsMfaConfiguration: &SmsMfaConfig{SmsAuthenticationMessage: "Code: {####}"}}); err != nil {
		t.Fatal(err)
	}
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "sms", MessageAction: "SUPPRESS", UserAttributes: []AttributeType{{"phone_number", "+819012345678"}, {"phone_number_verified", "true"}}})
	s.AdminSetUserPassword(ctx, p.Id, "sms", "Sms#Pass1234", true)
	if err := s.AdminSetMFAPreference(ctx, p.Id, "sms", MFAPreferences{SMSMfaSettings: &MFAPreference{Enabled: true, PreferredMfa: true}}); err != nil {
		t.Fatal(err)
	}
	signIn := func() *AuthOutput {
		out, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "sms", "PASSWORD": "Sms#Pass1234"}})
		if err != nil || out.ChallengeName != "SMS_MFA" || out.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "+*******5678" || out.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "SMS" {
			t.Fatalf("SMS_MFA: %+v %v", out, err)
		}
		return out
	}
	ch := signIn()
	// Expired: the client's AuthSessionValidity (3 minutes) has passed.
	now = now.Add(3*time.Minute + time.Second)
	if _, err := s.RespondToAuthChallenge(ctx, ChallengeInput{ClientId: c.ClientId, ChallengeName: "SMS_MFA", Session: ch.Session,
		ChallengeResponses: map[string]string{"USERNAME": "sms", "SMS_MFA_CODE": lastCode(t, outbox, "sms")}}); code(err) != "NotAuthorizedException" || message(err) != "Invalid session for the user, session is expired." {
		t.Errorf("an expired MFA session: %v", err)
	}
	ch = signIn()
	b, _ := os.ReadFile(outbox)
	if !strings.Contains(string(b), `"body":"Code: `) || !strings.Contains(string(b), `"medium":"SMS"`) {
		t.Errorf("the SMS message in the outbox: %s", b)
	}
	out, err := s.RespondToAuthChallenge(ctx, ChallengeInput{ClientId: c.ClientId, ChallengeName: "SMS_MFA", Session: ch.Session,
		ChallengeResponses: map[string]string{"USERNAME": "sms", "SMS_MFA_CODE": lastCode(t, outbox, "sms")}})
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("SMS code: %+v %v", out, err)
	}

	// Passwordless sign-up.
	if _, err := s.SignUp(ctx, c.ClientId, "", "nopw", "", []AttributeType{{"email", "nopw@example.com"}}); code(err) != "InvalidPasswordException" {
		t.Errorf("no password where passwords are the only factor: %v", err)
	}
	if err := s.UpdatePoolSettings(ctx, p.Id, Pool{Policies: Policies{SignInPolicy: &SignInPolicy{AllowedFirstAuthFactors: []string{"PASSWORD", "EMAIL_OTP", "SMS_OTP"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignUp(ctx, c.ClientId, "", "nopw", "", []AttributeType{{"email", "nopw@example.com"}, {"phone_number", "+819000001111"}}); err != nil {
		t.Fatalf("passwordless sign-up: %v", err)
	}
	if err := s.ConfirmSignUp(ctx, c.ClientId, "", "nopw", lastCode(t, outbox, "nopw")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "nopw", "PASSWORD": "anything"}}); code(err) != "NotAuthorizedException" {
		t.Errorf("a password for a passwordless user: %v", err)
	}
	for _, f := range []string{"SMS_OTP", "EMAIL_OTP"} {
		ch, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_AUTH", AuthParameters: map[string]string{"USERNAME": "nopw", "PREFERRED_CHALLENGE": f}})
		if err != nil || ch.ChallengeName != f {
			t.Fatalf("%s: %+v %v", f, ch, err)
		}
		field := map[string]string{"SMS_OTP": "SMS_OTP_CODE", "EMAIL_OTP": "EMAIL_OTP_CODE"}[f]
		out, err := s.RespondToAuthChallenge(ctx, ChallengeInput{ClientId: c.ClientId, ChallengeName: f, Session: ch.Session,
			ChallengeResponses: map[string]string{"USERNAME": "nopw", field: lastCode(t, outbox, "nopw")}})
		if err != nil || out.AuthenticationResult == nil {
			t.Errorf("%s answered: %+v %v", f, out, err)
		}
	}
}
