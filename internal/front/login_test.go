package front_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/sekisho/sekisho/internal/app"
)

// browser is a cookie-keeping client that does not follow redirects, at
// a pool's domain host.
type browser struct {
	t       *testing.T
	url     string
	host    string
	cookies map[string]string
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.url+path, body)
	req.Host = b.host
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 {
			delete(b.cookies, ck.Name)
		} else {
			b.cookies[ck.Name] = ck.Value
		}
	}
	page, _ := io.ReadAll(resp.Body)
	return resp, string(page)
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// formOf reads the sign-in page's hidden fields.
func formOf(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], strings.ReplaceAll(m[2], "&amp;", "&"))
	}
	return v
}

// TestManagedLogin: the authorization code flow with PKCE and nonce, as a
// browser and an app's back end drive it against a pool's domain — the
// sign-in page, its CSRF token, the session that skips it next time,
// single-use codes bound to their client, redirect URI and verifier, the
// implicit flow's refusal, sign-out, and the page in Japanese.
func TestManagedLogin(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	pool, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("web")})
	pid := pool.UserPool.Id
	client, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("spa"),
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid", "email"},
		CallbackURLs: []string{"https://app.example/cb"}, LogoutURLs: []string{"https://app.example/bye"}, SupportedIdentityProviders: []string{"COGNITO"}})
	if err != nil {
		t.Fatal(err)
	}
	cid := *client.UserPoolClient.ClientId
	idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String("aoi"), MessageAction: "SUPPRESS",
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String("aoi@example.com")}, {Name: aws.String("name"), Value: aws.String("Aoi")}}})
	idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pid, Username: aws.String("aoi"), Password: aws.String("Aoi#Pass1234"), Permanent: true})
	if _, err := idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("aoi-app"), UserPoolId: pid}); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, url: g.url, host: "aoi-app.auth.localhost", cookies: map[string]string{}}
	verifier := strings.Repeat("v", 50)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	authz := url.Values{"client_id": {cid}, "redirect_uri": {"https://app.example/cb"}, "response_type": {"code"}, "state": {"st8"},
		"scope": {"openid email"}, "nonce": {"n0nce"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	authz.Set("prompt", "none")
	if resp, _ := b.do("GET", "/oauth2/authorize?"+authz.Encode(), nil); resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), "https://app.example/cb?error=login_required") {
		t.Errorf("prompt=none without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	authz.Del("prompt")
	resp, _ := b.do("GET", "/oauth2/authorize?"+authz.Encode(), nil)
	if resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), "/login?") {
		t.Fatalf("authorize without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := b.do("GET", resp.Header.Get("Location"), nil)
	if resp.StatusCode != 200 || resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(page, `name="password"`) {
		t.Fatalf("sign-in page: %d %s", resp.StatusCode, page)
	}
	form := formOf(page)
	// Without the CSRF token: refused.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("_csrf", "forged")
	bad.Set("username", "aoi")
	bad.Set("password", "Aoi#Pass1234")
	if resp, _ := b.do("POST", "/login", bad); resp.StatusCode != 403 {
		t.Errorf("sign-in without the CSRF token: %d", resp.StatusCode)
	}
	form.Set("username", "aoi")
	form.Set("password", "wrong")
	resp, page = b.do("POST", "/login", form)
	if resp.StatusCode != 400 || !strings.Contains(page, "Incorrect username or password.") {
		t.Errorf("a wrong password: %d", resp.StatusCode)
	}
	form = formOf(page) // the page again, with a fresh CSRF token
	form.Set("username", "aoi")
	form.Set("password", "Aoi#Pass1234")
	resp, _ = b.do("POST", "/login", form)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || loc == nil || loc.Host != "app.example" || loc.Query().Get("state") != "st8" || loc.Query().Get("code") == "" || b.cookies["cognito"] == "" {
		t.Fatalf("sign-in: %d %s %v", resp.StatusCode, resp.Header.Get("Location"), b.cookies)
	}
	code := loc.Query().Get("code")
	token := func(form url.Values) (int, map[string]any) {
		req, _ := http.NewRequest("POST", g.url+"/oauth2/token", strings.NewReader(form.Encode()))
		req.Host = b.host
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	exchange := url.Values{"grant_type": {"authorization_code"}, "client_id": {cid}, "code": {code}, "redirect_uri": {"https://app.example/cb"}, "code_verifier": {verifier}}
	wrong := url.Values{}
	for k, v := range exchange {
		wrong[k] = v
	}
	wrong.Set("code_verifier", strings.Repeat("w", 50))
	if status, out := token(wrong); status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("a wrong verifier: %d %v", status, out)
	}
	// The failed try spent the code: sign in again for a fresh one.
	resp, _ = b.do("GET", "/oauth2/authorize?"+authz.Encode(), nil)
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || loc.Host != "app.example" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize with a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	exchange.Set("code", loc.Query().Get("code"))
	status, out := token(exchange)
	if status != 200 || out["id_token"] == nil || out["refresh_token"] == nil {
		t.Fatalf("code exchange: %d %v", status, out)
	}
	idc := jwtClaims(t, out["id_token"].(string))
	acc := jwtClaims(t, out["access_token"].(string))
	if idc["nonce"] != "n0nce" || idc["at_hash"] == nil || idc["email"] != "aoi@example.com" || acc["scope"] != "openid email" || acc["client_id"] != cid {
		t.Errorf("claims: id %v, access %v", idc, acc)
	}
	// userInfo releases what openid and email allow; the token lacks the
	// reserved admin scope, so the user-pool API refuses it.
	if status, info := userInfo(t, g.url, b.host, out["access_token"].(string)); status != 200 || info["email"] != "aoi@example.com" || info["email_verified"] != nil && info["email_verified"] != "false" || info["username"] != "aoi" || info["name"] != nil {
		t.Errorf("userInfo with a code-flow token: %d %v", status, info)
	}
	anonIdp := cip.NewFromConfig(g.cfg(aws.AnonymousCredentials{}))
	if _, err := anonIdp.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(out["access_token"].(string))}); err == nil || !strings.Contains(err.Error(), "Access Token does not have required scopes") {
		t.Errorf("GetUser with a token without aws.cognito.signin.user.admin: %v", err)
	}
	if status, out := token(exchange); status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("a replayed code: %d %v", status, out)
	}
	// Bad requests.
	other := url.Values{}
	for k, v := range authz {
		other[k] = v
	}
	other.Set("redirect_uri", "https://evil.example/cb")
	if resp, _ := b.do("GET", "/oauth2/authorize?"+other.Encode(), nil); resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
		t.Errorf("an unregistered redirect_uri: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	other.Set("redirect_uri", "https://app.example/cb")
	other.Set("response_type", "token")
	if resp, _ := b.do("GET", "/oauth2/authorize?"+other.Encode(), nil); resp.StatusCode != 302 || !strings.Contains(resp.Header.Get("Location"), "error=unauthorized_client") {
		t.Errorf("an implicit flow the client does not allow: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	other.Set("response_type", "code")
	other.Set("scope", "phone")
	if resp, _ := b.do("GET", "/oauth2/authorize?"+other.Encode(), nil); resp.StatusCode != 302 || !strings.Contains(resp.Header.Get("Location"), "error=invalid_scope") {
		t.Errorf("a scope the client may not ask: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Sign-out ends the session.
	if resp, _ := b.do("GET", "/logout?client_id="+cid+"&logout_uri="+url.QueryEscape("https://evil.example/"), nil); resp.StatusCode != 400 {
		t.Errorf("an unregistered logout_uri: %d", resp.StatusCode)
	}
	resp, _ = b.do("GET", "/logout?client_id="+cid+"&logout_uri="+url.QueryEscape("https://app.example/bye"), nil)
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "https://app.example/bye" || b.cookies["cognito"] != "" {
		t.Errorf("logout: %d %s %v", resp.StatusCode, resp.Header.Get("Location"), b.cookies)
	}
	if resp, _ := b.do("GET", "/oauth2/authorize?"+authz.Encode(), nil); !strings.HasPrefix(resp.Header.Get("Location"), "/login?") {
		t.Errorf("authorize after logout: %s", resp.Header.Get("Location"))
	}
	// Discovery names the domain's endpoints.
	dresp, err := http.Get(g.url + "/" + *pid + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var disc map[string]any
	json.NewDecoder(dresp.Body).Decode(&disc)
	dresp.Body.Close()
	if ep, _ := disc["authorization_endpoint"].(string); !strings.Contains(ep, "aoi-app.auth.localhost") || !strings.HasSuffix(ep, "/oauth2/authorize") || disc["token_endpoint"] == nil {
		t.Errorf("discovery: %v", disc)
	}
	// The page in Japanese, and the path form of the domain.
	b.host = "localhost"
	authz.Set("lang", "ja")
	if resp, page := b.do("GET", "/_auth/aoi-app/login?"+authz.Encode(), nil); resp.StatusCode != 200 || !strings.Contains(page, "サインイン") || !strings.Contains(page, `action="/_auth/aoi-app/login"`) {
		t.Errorf("the Japanese page at the path form: %d %s", resp.StatusCode, page)
	}
}

// BenchmarkCodeRound is one code + PKCE round with a live session: the
// authorization request (answered at once with a code) and the code's
// exchange for tokens, over loopback, 8 clients at a time.
//
//	go test -run=NONE -bench=CodeRound ./internal/front/
func BenchmarkCodeRound(b *testing.B) {
	g := newGraph(b)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	pool, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("bench")})
	pid := pool.UserPool.Id
	client, _ := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("spa"),
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid"},
		CallbackURLs: []string{"https://app.example/cb"}, SupportedIdentityProviders: []string{"COGNITO"}})
	cid := *client.UserPoolClient.ClientId
	idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String("u"), MessageAction: "SUPPRESS"})
	idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pid, Username: aws.String("u"), Password: aws.String("U#Pass12345"), Permanent: true})
	idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("benchapp"), UserPoolId: pid})
	verifier := strings.Repeat("v", 50)
	sum := sha256.Sum256([]byte(verifier))
	authz := url.Values{"client_id": {cid}, "redirect_uri": {"https://app.example/cb"}, "response_type": {"code"}, "scope": {"openid"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	// One sign-in for the session cookie.
	tb := &testing.T{}
	br := &browser{t: tb, url: g.url, host: "benchapp.auth.localhost", cookies: map[string]string{}}
	_, page := br.do("GET", "/login?"+authz.Encode(), nil)
	form := formOf(page)
	form.Set("username", "u")
	form.Set("password", "U#Pass12345")
	br.do("POST", "/login", form)
	session := br.cookies["cognito"]
	if session == "" {
		b.Fatal("no session")
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(4) // 8 clients on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", g.url+"/oauth2/authorize?"+authz.Encode(), nil)
			req.Host = br.host
			req.AddCookie(&http.Cookie{Name: "cognito", Value: session})
			resp, err := noFollow.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			loc, _ := url.Parse(resp.Header.Get("Location"))
			code := loc.Query().Get("code")
			form := url.Values{"grant_type": {"authorization_code"}, "client_id": {cid}, "code": {code}, "redirect_uri": {"https://app.example/cb"}, "code_verifier": {verifier}}
			treq, _ := http.NewRequest("POST", g.url+"/oauth2/token", strings.NewReader(form.Encode()))
			treq.Host = br.host
			treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			tresp, err := noFollow.Do(treq)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, tresp.Body)
			tresp.Body.Close()
			if tresp.StatusCode != 200 {
				b.Fatalf("token: %d", tresp.StatusCode)
			}
		}
	})
}

// TestManagedLoginNewPassword: a user an administrator made with a
// temporary password chooses a new one on the page, weak ones refused
// without spending the step, and is then signed in with a code.
func TestManagedLoginNewPassword(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	pool, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("temp")})
	pid := pool.UserPool.Id
	client, _ := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("spa"),
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid"},
		CallbackURLs: []string{"http://localhost:3000/cb"}, SupportedIdentityProviders: []string{"COGNITO"}})
	cid := *client.UserPoolClient.ClientId
	if _, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String("ren"), TemporaryPassword: aws.String("Temp#Pass123"), MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("temp-app"), UserPoolId: pid})
	b := &browser{t: t, url: g.url, host: "temp-app.auth.localhost", cookies: map[string]string{}}
	authz := url.Values{"client_id": {cid}, "redirect_uri": {"http://localhost:3000/cb"}, "response_type": {"code"}, "lang": {"ko"}}
	_, page := b.do("GET", "/login?"+authz.Encode(), nil)
	form := formOf(page)
	form.Set("username", "ren")
	form.Set("password", "Temp#Pass123")
	resp, page := b.do("POST", "/login", form)
	if resp.StatusCode != 200 || !strings.Contains(page, "비밀번호 변경") || !strings.Contains(page, `action="/login/newpassword"`) {
		t.Fatalf("temporary password: %d %s", resp.StatusCode, page)
	}
	form = formOf(page)
	form.Set("new_password", "short")
	resp, page = b.do("POST", "/login/newpassword", form)
	if resp.StatusCode != 400 || !strings.Contains(page, "Password did not conform") {
		t.Fatalf("a weak password: %d %s", resp.StatusCode, page)
	}
	form = formOf(page)
	form.Set("new_password", "Chosen#Pass123")
	resp, _ = b.do("POST", "/login/newpassword", form)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("new password: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The spent step cannot be replayed; the new password works.
	if resp, _ := b.do("POST", "/login/newpassword", form); resp.StatusCode == 302 {
		t.Errorf("the new-password step replayed")
	}
	u, err := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pid, Username: aws.String("ren")})
	if err != nil || u.UserStatus != ciptypes.UserStatusTypeConfirmed {
		t.Errorf("status after the change: %+v %v", u, err)
	}
}

// lastCode reads the newest code the file outbox holds for a user.
func lastCode(t *testing.T, dir, username, purpose string) string {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(dir, "outbox", "messages.jsonl"))
	code := ""
	for _, line := range strings.Split(string(b), "\n") {
		var m struct{ Username, Purpose, Code string }
		if json.Unmarshal([]byte(line), &m) == nil && m.Username == username && m.Purpose == purpose {
			code = m.Code
		}
	}
	if code == "" {
		t.Fatalf("no %s code for %s", purpose, username)
	}
	return code
}

// TestManagedLoginSelfService: sign-up with the pool's required email and
// its confirmation code, then a forgotten password reset, all on the
// pages, each ending on the sign-in page, which then signs in.
func TestManagedLoginSelfService(t *testing.T) {
	dir := t.TempDir()
	cfg, err := app.ParseConfig([]string{"--data-dir", dir, "--log-level", "error"}, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.LogOutput = &strings.Builder{}
	a, err := app.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	ctx := context.Background()
	idp := cip.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(a.RootAccessKeyID, a.RootSecretAccessKey, "")})
	pool, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("self"), AutoVerifiedAttributes: []ciptypes.VerifiedAttributeType{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	pid := pool.UserPool.Id
	client, _ := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("spa"), GenerateSecret: true,
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []ciptypes.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid", "email"},
		CallbackURLs: []string{"http://localhost:3000/cb"}, SupportedIdentityProviders: []string{"COGNITO"}})
	cid := *client.UserPoolClient.ClientId
	idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: aws.String("self-app"), UserPoolId: pid})
	b := &browser{t: t, url: srv.URL, host: "self-app.auth.localhost", cookies: map[string]string{}}
	authz := url.Values{"client_id": {cid}, "redirect_uri": {"http://localhost:3000/cb"}, "response_type": {"code"}}
	// Branding: one per client; the pages show its form logo.
	png := []byte("\x89PNG\r\n\x1a\nlogo")
	br, err := idp.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: pid, ClientId: &cid,
		Settings: document.NewLazyDocument(map[string]any{"components": map[string]any{"form": map[string]any{"borderRadius": 8}}}),
		Assets:   []ciptypes.AssetType{{Category: "FORM_LOGO", ColorMode: "LIGHT", Extension: "PNG", Bytes: png}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := idp.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: pid, ClientId: &cid, UseCognitoProvidedValues: true}); apiCode(err) != "ManagedLoginBrandingExistsException" {
		t.Fatalf("a second branding: %v", err)
	}
	got, err := idp.DescribeManagedLoginBrandingByClient(ctx, &cip.DescribeManagedLoginBrandingByClientInput{UserPoolId: pid, ClientId: &cid})
	if err != nil || aws.ToString(got.ManagedLoginBranding.ManagedLoginBrandingId) != aws.ToString(br.ManagedLoginBranding.ManagedLoginBrandingId) || len(got.ManagedLoginBranding.Assets) != 1 || string(got.ManagedLoginBranding.Assets[0].Bytes) != string(png) {
		t.Fatalf("branding by client: %+v %v", got, err)
	}
	var settings map[string]any
	if err := got.ManagedLoginBranding.Settings.UnmarshalSmithyDocument(&settings); err != nil || settings["components"] == nil {
		t.Fatalf("settings %v %v", settings, err)
	}
	if _, page := b.do("GET", "/login?"+authz.Encode(), nil); !strings.Contains(page, `<img src="data:image/png;base64,`+base64.StdEncoding.EncodeToString(png)+`"`) {
		t.Fatalf("no logo on the sign-in page: %s", page)
	}
	if _, err := idp.UpdateManagedLoginBranding(ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: pid, ManagedLoginBrandingId: br.ManagedLoginBranding.ManagedLoginBrandingId,
		UseCognitoProvidedValues: true}); err != nil {
		t.Fatal(err)
	}
	if _, page := b.do("GET", "/signup?"+authz.Encode(), nil); strings.Contains(page, "<img") {
		t.Fatalf("a logo after returning to Cognito's values: %s", page)
	}

	// Terms documents: the page links them once both kinds exist.
	tou, err := idp.CreateTerms(ctx, &cip.CreateTermsInput{UserPoolId: pid, ClientId: &cid, TermsName: aws.String("terms-of-use"), TermsSource: "LINK", Enforcement: "NONE",
		Links: map[string]string{"cognito:default": "https://example.com/terms", "cognito:japanese": "https://example.com/ja/terms"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := idp.CreateTerms(ctx, &cip.CreateTermsInput{UserPoolId: pid, ClientId: &cid, TermsName: aws.String("terms-of-use"), TermsSource: "LINK", Enforcement: "NONE",
		Links: map[string]string{"cognito:default": "https://example.com/t2"}}); apiCode(err) != "TermsExistsException" {
		t.Fatalf("a second terms of use: %v", err)
	}
	if _, err := idp.CreateTerms(ctx, &cip.CreateTermsInput{UserPoolId: pid, ClientId: &cid, TermsName: aws.String("privacy-policy"), TermsSource: "LINK", Enforcement: "NONE",
		Links: map[string]string{"cognito:default": "javascript:alert(1)"}}); apiCode(err) != "InvalidParameterException" {
		t.Fatalf("a script link: %v", err)
	}
	if _, page := b.do("GET", "/signup?"+authz.Encode(), nil); strings.Contains(page, "example.com/terms") {
		t.Fatal("terms linked before the privacy policy exists")
	}
	pp, err := idp.CreateTerms(ctx, &cip.CreateTermsInput{UserPoolId: pid, ClientId: &cid, TermsName: aws.String("privacy-policy"), TermsSource: "LINK", Enforcement: "NONE",
		Links: map[string]string{"cognito:default": "https://example.com/privacy"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, page := b.do("GET", "/signup?"+authz.Encode(), nil); !strings.Contains(page, `href="https://example.com/terms"`) || !strings.Contains(page, `href="https://example.com/privacy"`) {
		t.Fatalf("terms not linked: %s", page)
	}
	ja := url.Values{"lang": {"ja"}}
	for k, v := range authz {
		ja[k] = v
	}
	if _, page := b.do("GET", "/signup?"+ja.Encode(), nil); !strings.Contains(page, `href="https://example.com/ja/terms"`) || !strings.Contains(page, "利用規約") {
		t.Fatalf("Japanese terms not linked: %s", page)
	}
	list, err := idp.ListTerms(ctx, &cip.ListTermsInput{UserPoolId: pid, MaxResults: aws.Int32(1)})
	if err != nil || len(list.Terms) != 1 || list.NextToken == nil {
		t.Fatalf("ListTerms page: %+v %v", list, err)
	}
	if _, err := idp.UpdateTerms(ctx, &cip.UpdateTermsInput{UserPoolId: pid, TermsId: pp.Terms.TermsId, TermsName: aws.String("terms-of-use")}); apiCode(err) != "TermsExistsException" {
		t.Fatalf("renamed onto the other: %v", err)
	}
	if _, err := idp.DeleteTerms(ctx, &cip.DeleteTermsInput{UserPoolId: pid, TermsId: tou.Terms.TermsId}); err != nil {
		t.Fatal(err)
	}
	if _, err := idp.DescribeTerms(ctx, &cip.DescribeTermsInput{UserPoolId: pid, TermsId: tou.Terms.TermsId}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("deleted terms: %v", err)
	}
	resp, page := b.do("GET", "/signup?"+authz.Encode(), nil)
	if resp.StatusCode != 200 || !strings.Contains(page, `name="attr_email"`) || strings.Contains(page, "example.com/privacy") {
		t.Fatalf("sign-up page: %d %s", resp.StatusCode, page)
	}
	form := formOf(page)
	form.Set("username", "mei")
	form.Set("attr_email", "mei@example.com")
	form.Set("password", "weak")
	resp, page = b.do("POST", "/signup", form)
	if resp.StatusCode != 400 || !strings.Contains(page, "Password did not conform") {
		t.Fatalf("a weak sign-up password: %d", resp.StatusCode)
	}
	form = formOf(page)
	form.Set("username", "mei")
	form.Set("attr_email", "mei@example.com")
	form.Set("password", "Mei#Pass1234")
	resp, page = b.do("POST", "/signup", form)
	if resp.StatusCode != 200 || !strings.Contains(page, `action="/confirm"`) {
		t.Fatalf("sign-up: %d %s", resp.StatusCode, page)
	}
	form = formOf(page)
	form.Set("code", "000000")
	resp, page = b.do("POST", "/confirm", form)
	if resp.StatusCode != 400 {
		t.Errorf("a wrong confirmation code: %d", resp.StatusCode)
	}
	form = formOf(page)
	form.Set("code", lastCode(t, dir, "mei", "SignUp"))
	resp, page = b.do("POST", "/confirm", form)
	if resp.StatusCode != 200 || !strings.Contains(page, `name="password"`) || !strings.Contains(page, "Done.") {
		t.Fatalf("confirm: %d %s", resp.StatusCode, page)
	}
	// Forgotten password.
	_, page = b.do("GET", "/forgotPassword?"+authz.Encode(), nil)
	form = formOf(page)
	form.Set("username", "mei")
	resp, page = b.do("POST", "/forgotPassword", form)
	if resp.StatusCode != 200 || !strings.Contains(page, `action="/confirmForgotPassword"`) {
		t.Fatalf("forgot password: %d %s", resp.StatusCode, page)
	}
	form = formOf(page)
	form.Set("code", lastCode(t, dir, "mei", "ForgotPassword"))
	form.Set("new_password", "Mei#NewPass1234")
	resp, page = b.do("POST", "/confirmForgotPassword", form)
	if resp.StatusCode != 200 || !strings.Contains(page, "Done.") {
		t.Fatalf("reset: %d %s", resp.StatusCode, page)
	}
	form = formOf(page)
	form.Set("username", "mei")
	form.Set("password", "Mei#NewPass1234")
	resp, _ = b.do("POST", "/login", form)
	if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != 302 || loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("sign-in with the new password: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}
