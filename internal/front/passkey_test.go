package front_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"html"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/fxamacker/cbor/v2"
)

// softKey is a software authenticator: one credential, ES256 or RS256,
// answering registrations (attestation none or packed self) and
// assertions the way a browser and authenticator together do.
type softKey struct {
	t     *testing.T
	id    []byte
	key   crypto.Signer
	alg   int
	count uint32
	// Tamper hooks for the abuse cases.
	rpID string // the RP id hashed into authData (the options' if empty)
}

func newSoftKey(t *testing.T, alg int) *softKey {
	k := &softKey{t: t, id: make([]byte, 32), alg: alg}
	rand.Read(k.id)
	var err error
	if alg == -257 {
		k.key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		k.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var b64u = base64.RawURLEncoding

func (k *softKey) cose() []byte {
	var m map[int]any
	switch pub := k.key.Public().(type) {
	case *ecdsa.PublicKey:
		x, y := make([]byte, 32), make([]byte, 32)
		pub.X.FillBytes(x)
		pub.Y.FillBytes(y)
		m = map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y}
	case *rsa.PublicKey:
		m = map[int]any{1: 3, 3: -257, -1: pub.N.Bytes(), -2: big.NewInt(int64(pub.E)).Bytes()}
	}
	em, _ := cbor.CoreDetEncOptions().EncMode()
	b, err := em.Marshal(m)
	if err != nil {
		k.t.Fatal(err)
	}
	return b
}

func (k *softKey) sign(data []byte) []byte {
	sum := sha256.Sum256(data)
	sig, err := k.key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		k.t.Fatal(err)
	}
	return sig
}

func (k *softKey) authData(rpID string, flags byte, attested bool) []byte {
	if k.rpID != "" {
		rpID = k.rpID
	}
	h := sha256.Sum256([]byte(rpID))
	out := append(h[:], flags)
	out = binary.BigEndian.AppendUint32(out, k.count)
	if attested {
		out = append(out, make([]byte, 16)...) // AAGUID
		out = binary.BigEndian.AppendUint16(out, uint16(len(k.id)))
		out = append(out, k.id...)
		out = append(out, k.cose()...)
	}
	return out
}

// register answers creation options (PublicKeyCredentialCreationOptions
// JSON) from origin, with attestation format "none" or "packed".
func (k *softKey) register(options []byte, origin, format string) json.RawMessage {
	var o struct {
		Challenge string
		RP        struct{ ID string }
	}
	if err := json.Unmarshal(options, &o); err != nil {
		k.t.Fatalf("creation options %s: %v", options, err)
	}
	cd, _ := json.Marshal(map[string]any{"type": "webauthn.create", "challenge": o.Challenge, "origin": origin, "crossOrigin": false})
	ad := k.authData(o.RP.ID, 0x45, true)
	att := map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": ad}
	if format == "packed" {
		cdh := sha256.Sum256(cd)
		att["fmt"] = "packed"
		att["attStmt"] = map[string]any{"alg": k.alg, "sig": k.sign(append(append([]byte{}, ad...), cdh[:]...))}
	}
	ao, _ := cbor.Marshal(att)
	out, _ := json.Marshal(map[string]any{"id": b64u.EncodeToString(k.id), "rawId": b64u.EncodeToString(k.id), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": b64u.EncodeToString(cd), "attestationObject": b64u.EncodeToString(ao), "transports": []string{"internal", "hybrid"}}})
	return out
}

// assert answers request options (PublicKeyCredentialRequestOptions JSON)
// from origin; the signature counter moves on first.
func (k *softKey) assert(options, origin string, handle []byte) string {
	var o struct {
		Challenge string
		RPID      string `json:"rpId"`
	}
	if err := json.Unmarshal([]byte(options), &o); err != nil {
		k.t.Fatalf("request options %s: %v", options, err)
	}
	k.count++
	cd, _ := json.Marshal(map[string]any{"type": "webauthn.get", "challenge": o.Challenge, "origin": origin, "crossOrigin": false})
	ad := k.authData(o.RPID, 0x05, false)
	cdh := sha256.Sum256(cd)
	sig := k.sign(append(append([]byte{}, ad...), cdh[:]...))
	out, _ := json.Marshal(map[string]any{"id": b64u.EncodeToString(k.id), "rawId": b64u.EncodeToString(k.id), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": b64u.EncodeToString(cd), "authenticatorData": b64u.EncodeToString(ad), "signature": b64u.EncodeToString(sig),
			"userHandle": b64u.EncodeToString(handle)}})
	return string(out)
}

// rawDoc is a JSON document for the SDK's Document members.
func rawDoc(b json.RawMessage) document.Interface {
	var v any
	json.Unmarshal(b, &v)
	return document.NewLazyDocument(v)
}

func docBytes(t *testing.T, d document.Interface) []byte {
	var v any
	if err := d.UnmarshalSmithyDocument(&v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return b
}

// TestPasskeysAndChoice: passkeys registered (ES256 with attestation
// none, RS256 with packed) and used through USER_AUTH, with each abuse
// refused — a wrong origin or RP id, a stale challenge, another user's
// credential, a replayed session, a cloned authenticator; and the other
// choices of USER_AUTH: SELECT_CHALLENGE, PASSWORD, PASSWORD_SRP's
// challenge, EMAIL_OTP.
func TestPasskeysAndChoice(t *testing.T) {
	idp, anon, dir := mfaServer(t)
	ctx := context.Background()
	pool, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("passkeys")})
	if err != nil {
		t.Fatal(err)
	}
	pid := pool.UserPool.Id
	if d, _ := idp.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: pid}); d.UserPool.Policies.SignInPolicy == nil ||
		!slices.Equal(d.UserPool.Policies.SignInPolicy.AllowedFirstAuthFactors, []ciptypes.AuthFactorType{"PASSWORD"}) {
		t.Errorf("default SignInPolicy: %+v", d.UserPool.Policies)
	}
	cl, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("app"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	cid := cl.UserPoolClient.ClientId
	mk := func(name string) string {
		idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String(name), MessageAction: "SUPPRESS",
			UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}})
		idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pid, Username: aws.String(name), Password: aws.String("Key#Pass1234"), Permanent: true})
		out, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": "Key#Pass1234"}})
		if err != nil {
			t.Fatal(err)
		}
		return *out.AuthenticationResult.AccessToken
	}
	mei := mk("mei")
	if _, err := anon.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: &mei}); code(err) != "WebAuthnNotEnabledException" {
		t.Errorf("passkeys not among the first factors: %v", err)
	}
	if _, err := idp.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: pid, Policies: &ciptypes.UserPoolPolicyType{
		SignInPolicy: &ciptypes.SignInPolicyType{AllowedFirstAuthFactors: []ciptypes.AuthFactorType{"WEB_AUTHN", "EMAIL_OTP"}}}}); code(err) != "InvalidParameterException" {
		t.Errorf("a sign-in policy without PASSWORD: %v", err)
	}
	if _, err := idp.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: pid, Policies: &ciptypes.UserPoolPolicyType{
		SignInPolicy: &ciptypes.SignInPolicyType{AllowedFirstAuthFactors: []ciptypes.AuthFactorType{"PASSWORD", "WEB_AUTHN", "EMAIL_OTP"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := anon.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: &mei}); code(err) != "WebAuthnConfigurationMissingException" {
		t.Errorf("no relying party: %v", err)
	}
	if _, err := idp.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: pid, MfaConfiguration: "OFF",
		WebAuthnConfiguration: &ciptypes.WebAuthnConfigurationType{RelyingPartyId: aws.String("app.example"), UserVerification: "required"}}); err != nil {
		t.Fatal(err)
	}
	start := func(access string) []byte {
		t.Helper()
		out, err := anon.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: &access})
		if err != nil {
			t.Fatalf("StartWebAuthnRegistration: %v", err)
		}
		return docBytes(t, out.CredentialCreationOptions)
	}
	complete := func(access string, cred json.RawMessage) error {
		_, err := anon.CompleteWebAuthnRegistration(ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: &access, Credential: rawDoc(cred)})
		return err
	}
	opts := start(mei)
	var co struct {
		RP   struct{ ID string }
		User struct{ ID string }
	}
	json.Unmarshal(opts, &co)
	if co.RP.ID != "app.example" || co.User.ID == "" {
		t.Fatalf("creation options: %s", opts)
	}
	es := newSoftKey(t, -7)
	if err := complete(mei, es.register(opts, "https://evil.example", "none")); code(err) != "WebAuthnOriginNotAllowedException" {
		t.Errorf("a foreign origin: %v", err)
	}
	es.rpID = "evil.example"
	if err := complete(mei, es.register(opts, "https://app.example", "none")); code(err) != "WebAuthnRelyingPartyMismatchException" {
		t.Errorf("another RP id: %v", err)
	}
	es.rpID = ""
	if err := complete(mei, es.register([]byte(`{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rp":{"id":"app.example"}}`), "https://app.example", "none")); code(err) != "WebAuthnChallengeNotFoundException" {
		t.Errorf("a challenge not ours: %v", err)
	}
	if err := complete(mei, es.register(opts, "https://login.app.example", "none")); err != nil {
		t.Fatalf("ES256, none: %v", err)
	}
	if err := complete(mei, es.register(opts, "https://app.example", "none")); code(err) != "WebAuthnChallengeNotFoundException" {
		t.Errorf("a registration challenge used twice: %v", err)
	}
	rs := newSoftKey(t, -257)
	if err := complete(mei, rs.register(start(mei), "https://app.example", "packed")); err != nil {
		t.Fatalf("RS256, packed: %v", err)
	}
	list, err := anon.ListWebAuthnCredentials(ctx, &cip.ListWebAuthnCredentialsInput{AccessToken: &mei})
	if err != nil || len(list.Credentials) != 2 || aws.ToString(list.Credentials[0].RelyingPartyId) != "app.example" {
		t.Fatalf("ListWebAuthnCredentials: %+v %v", list, err)
	}
	// The same authenticator credential for another user.
	kai := mk("kai")
	if err := complete(kai, es.register(start(kai), "https://app.example", "none")); code(err) != "InvalidParameterException" {
		t.Errorf("mei's credential registered by kai: %v", err)
	}

	// Sign in with a passkey.
	handle := []byte(co.User.ID)
	if h, err := b64u.DecodeString(co.User.ID); err == nil {
		handle = h
	}
	begin := func() *cip.InitiateAuthOutput {
		t.Helper()
		out, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_AUTH", AuthParameters: map[string]string{"USERNAME": "mei", "PREFERRED_CHALLENGE": "WEB_AUTHN"}})
		if err != nil || out.ChallengeName != "WEB_AUTHN" || out.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"] == "" {
			t.Fatalf("USER_AUTH with WEB_AUTHN: %+v %v", out, err)
		}
		return out
	}
	answer := func(ch *cip.InitiateAuthOutput, cred string) (*cip.RespondToAuthChallengeOutput, error) {
		return anon.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: cid, ChallengeName: "WEB_AUTHN", Session: ch.Session,
			ChallengeResponses: map[string]string{"USERNAME": "mei", "CREDENTIAL": cred}})
	}
	ch := begin()
	ok, err := answer(ch, es.assert(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], "https://app.example", handle))
	if err != nil || ok.AuthenticationResult == nil {
		t.Fatalf("passkey sign-in: %+v %v", ok, err)
	}
	if _, err := answer(ch, es.assert(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], "https://app.example", handle)); code(err) != "NotAuthorizedException" {
		t.Errorf("the session answered twice: %v", err)
	}
	ch = begin()
	if _, err := answer(ch, es.assert(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], "https://evil.example", handle)); code(err) != "NotAuthorizedException" {
		t.Errorf("an assertion from a foreign origin: %v", err)
	}
	ch = begin()
	es.count = 0 // a clone: its counter is behind the original's
	if _, err := answer(ch, es.assert(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], "https://app.example", handle)); code(err) != "NotAuthorizedException" {
		t.Errorf("a cloned authenticator: %v", err)
	}
	forged := newSoftKey(t, -7)
	forged.id, forged.count = es.id, 50 // mei's credential id, another key
	ch = begin()
	if _, err := answer(ch, forged.assert(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], "https://app.example", handle)); code(err) != "NotAuthorizedException" {
		t.Errorf("a signature by another key: %v", err)
	}
	es.count = 10
	ch = begin()
	if ok, err := answer(ch, es.assert(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], "https://app.example", handle)); err != nil || ok.AuthenticationResult == nil {
		t.Errorf("the original authenticator, its counter moved on: %+v %v", ok, err)
	}
	ch = begin()
	if ok, err := answer(ch, rs.assert(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], "https://app.example", handle)); err != nil || ok.AuthenticationResult == nil {
		t.Errorf("the RS256 passkey: %+v %v", ok, err)
	}

	// The other choices.
	sel, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_AUTH", AuthParameters: map[string]string{"USERNAME": "mei"}})
	if err != nil || sel.ChallengeName != "SELECT_CHALLENGE" || !slices.Equal(sel.AvailableChallenges, []ciptypes.ChallengeNameType{"PASSWORD", "PASSWORD_SRP", "WEB_AUTHN", "EMAIL_OTP"}) {
		t.Fatalf("SELECT_CHALLENGE: %+v %v", sel, err)
	}
	em, err := anon.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: cid, ChallengeName: "SELECT_CHALLENGE", Session: sel.Session,
		ChallengeResponses: map[string]string{"USERNAME": "mei", "ANSWER": "EMAIL_OTP"}})
	if err != nil || em.ChallengeName != "EMAIL_OTP" {
		t.Fatalf("EMAIL_OTP chosen: %+v %v", em, err)
	}
	otp := lastCode(t, dir, "mei", "SignIn")
	if done, err := anon.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: cid, ChallengeName: "EMAIL_OTP", Session: em.Session,
		ChallengeResponses: map[string]string{"USERNAME": "mei", "EMAIL_OTP_CODE": otp}}); err != nil || done.AuthenticationResult == nil {
		t.Fatalf("the email code: %+v %v", done, err)
	}
	pw, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_AUTH", AuthParameters: map[string]string{"USERNAME": "mei", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Key#Pass1234"}})
	if err != nil || pw.AuthenticationResult == nil {
		t.Errorf("USER_AUTH with PASSWORD: %+v %v", pw, err)
	}
	if _, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_AUTH", AuthParameters: map[string]string{"USERNAME": "mei", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "wrong"}}); code(err) != "NotAuthorizedException" {
		t.Errorf("USER_AUTH with a wrong password: %v", err)
	}
	srpCh, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_AUTH", AuthParameters: map[string]string{"USERNAME": "mei", "PREFERRED_CHALLENGE": "PASSWORD_SRP", "SRP_A": "abcdef0123456789"}})
	if err != nil || srpCh.ChallengeName != "PASSWORD_VERIFIER" {
		t.Errorf("USER_AUTH with PASSWORD_SRP: %+v %v", srpCh, err)
	}

	// Deletion.
	if _, err := anon.DeleteWebAuthnCredential(ctx, &cip.DeleteWebAuthnCredentialInput{AccessToken: &mei, CredentialId: list.Credentials[0].CredentialId}); err != nil {
		t.Fatal(err)
	}
	if _, err := anon.DeleteWebAuthnCredential(ctx, &cip.DeleteWebAuthnCredentialInput{AccessToken: &mei, CredentialId: list.Credentials[0].CredentialId}); code(err) != "ResourceNotFoundException" {
		t.Errorf("deleted twice: %v", err)
	}
	if l, _ := anon.ListWebAuthnCredentials(ctx, &cip.ListWebAuthnCredentialsInput{AccessToken: &mei}); len(l.Credentials) != 1 {
		t.Errorf("after deletion: %+v", l)
	}
}

// TestManagedLoginPasswordless: the pages offer a sign-in without a
// password where the pool allows one: the user names themselves, chooses
// an email code or a passkey (the pool's domain as relying party), and
// comes back to the app with an authorization code.
func TestManagedLoginPasswordless(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	anon := cip.NewFromConfig(g.cfg(aws.AnonymousCredentials{}))
	pool, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("pages-pw"),
		Policies: &ciptypes.UserPoolPolicyType{SignInPolicy: &ciptypes.SignInPolicyType{AllowedFirstAuthFactors: []ciptypes.AuthFactorType{"PASSWORD", "EMAIL_OTP", "WEB_AUTHN"}}}})
	pid := pool.UserPool.Id
	client, _ := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("spa"),
		ExplicitAuthFlows:               []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid"},
		CallbackURLs: []string{"http://localhost:3000/cb"}, SupportedIdentityProviders: []string{"COGNITO"}})
	cid := *client.UserPoolClient.ClientId
	idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String("emi"), MessageAction: "SUPPRESS",
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String("emi@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}})
	idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pid, Username: aws.String("emi"), Password: aws.String("Emi#Pass1234"), Permanent: true})
	idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("pw-app"), UserPoolId: pid})
	// A passkey, registered through the API, for the pool's domain.
	si, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "emi", "PASSWORD": "Emi#Pass1234"}})
	if err != nil {
		t.Fatal(err)
	}
	start, err := anon.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: si.AuthenticationResult.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	key := newSoftKey(t, -7)
	origin := "http://pw-app.auth.localhost:9500"
	if _, err := anon.CompleteWebAuthnRegistration(ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: si.AuthenticationResult.AccessToken,
		Credential: rawDoc(key.register(docBytes(t, start.CredentialCreationOptions), origin, "none"))}); err != nil {
		t.Fatalf("register for the domain: %v", err)
	}

	b := &browser{t: t, url: g.url, host: "pw-app.auth.localhost", cookies: map[string]string{}}
	authz := url.Values{"client_id": {cid}, "redirect_uri": {"http://localhost:3000/cb"}, "response_type": {"code"}}
	choose := func() string {
		_, page := b.do("GET", "/login?"+authz.Encode(), nil)
		if !strings.Contains(page, `id="other"`) {
			t.Fatalf("no passwordless link: %s", page)
		}
		_, page = b.do("GET", "/login/passwordless?"+authz.Encode(), nil)
		form := formOf(page)
		form.Set("username", "emi")
		resp, page := b.do("POST", "/login/passwordless", form)
		if resp.StatusCode != 200 || !strings.Contains(page, `value="EMAIL_OTP"`) || !strings.Contains(page, `value="WEB_AUTHN"`) {
			t.Fatalf("choices: %d %s", resp.StatusCode, page)
		}
		return page
	}
	redirected := func(resp *http.Response) {
		t.Helper()
		if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != 302 || loc.Query().Get("code") == "" {
			t.Fatalf("no code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// An email code.
	form := formOf(choose())
	form.Set("answer", "EMAIL_OTP")
	_, page := b.do("POST", "/login/mfa", form)
	form = formOf(page)
	if form.Get("challenge") != "EMAIL_OTP" {
		t.Fatalf("email code page: %s", page)
	}
	form.Set("code", "00000000")
	resp, page := b.do("POST", "/login/mfa", form)
	if resp.StatusCode != 400 {
		t.Fatalf("a wrong code: %d %s", resp.StatusCode, page)
	}
	form = formOf(page)
	form.Set("code", lastCode(t, g.dir, "emi", "SignIn"))
	resp, _ = b.do("POST", "/login/mfa", form)
	redirected(resp)
	// A passkey.
	b.cookies = map[string]string{}
	form = formOf(choose())
	form.Set("answer", "WEB_AUTHN")
	_, page = b.do("POST", "/login/mfa", form)
	i := strings.Index(page, `data-options="`)
	if i < 0 || !strings.Contains(page, `src="/passkey.js"`) {
		t.Fatalf("passkey page: %s", page)
	}
	opts := html.UnescapeString(page[i+len(`data-options="`) : i+strings.Index(page[i:], `">`)])
	form = formOf(page)
	form.Set("credential", key.assert(opts, origin, nil))
	resp, _ = b.do("POST", "/login/mfa", form)
	redirected(resp)
	if resp, js := b.do("GET", "/passkey.js", nil); resp.StatusCode != 200 || !strings.Contains(js, "navigator.credentials.get") {
		t.Errorf("passkey.js: %d", resp.StatusCode)
	}
}
