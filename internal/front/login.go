package front

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/userpool"
)

// Managed login: the authorization endpoint and the sign-in page of a
// pool's domain. Server-rendered, usable without JavaScript, in English,
// Japanese and Korean (lang=), hardened: a CSRF token on the form (double
// submitted in a SameSite cookie), no framing, exact redirect URIs only.

const (
	sessionCookie    = "cognito"
	federationCookie = "cognito-fed" // binds an external sign-in to the browser that began it
	csrfCookie       = "XSRF-TOKEN"
)

// loginText are the page's words by language.
var loginText = map[string]map[string]string{
	"en": {"title": "Sign in", "username": "Username", "password": "Password", "submit": "Sign in", "error": "Error",
		"incorrect": "Incorrect username or password.", "locked": "Password attempts exceeded. Try again later.", "failed": "The sign-in failed.", "lang": "en",
		"newTitle": "Change your password", "newIntro": "Choose a new password to finish signing in.", "newPassword": "New password", "newSubmit": "Change password", "policy": "At least %d characters"},
	"ja": {"title": "サインイン", "username": "ユーザー名", "password": "パスワード", "submit": "サインイン", "error": "エラー",
		"incorrect": "ユーザー名またはパスワードが正しくありません。", "locked": "パスワードの試行回数を超えました。しばらくしてから再試行してください。", "failed": "サインインに失敗しました。", "lang": "ja",
		"newTitle": "パスワードの変更", "newIntro": "サインインを完了するには新しいパスワードを設定してください。", "newPassword": "新しいパスワード", "newSubmit": "パスワードを変更", "policy": "%d 文字以上"},
	"ko": {"title": "로그인", "username": "사용자 이름", "password": "비밀번호", "submit": "로그인", "error": "오류",
		"incorrect": "사용자 이름 또는 비밀번호가 올바르지 않습니다.", "locked": "비밀번호 시도 횟수를 초과했습니다. 나중에 다시 시도하세요.", "failed": "로그인하지 못했습니다.", "lang": "ko",
		"newTitle": "비밀번호 변경", "newIntro": "로그인을 완료하려면 새 비밀번호를 설정하세요.", "newPassword": "새 비밀번호", "newSubmit": "비밀번호 변경", "policy": "%d자 이상"},
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="{{.T.lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T.title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1.5rem;padding:.6rem 1.2rem}.err{color:#a00}</style>
</head><body><main>
{{if .Logo}}<img src="{{.Logo}}" alt="" style="max-width:100%;max-height:6rem">{{end}}
<h1>{{.T.title}}</h1>
{{if .Note}}<p role="status">{{.Note}}</p>{{end}}
{{if .Error}}<p class="err" role="alert"><strong>{{.T.error}}:</strong> {{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<label for="username">{{.T.username}}</label>
<input id="username" name="username" autocomplete="username" required autofocus value="{{.Username}}">
<label for="password">{{.T.password}}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{{.T.submit}}</button>
</form>
<p><a href="{{.Links.signup}}">{{.Links.signupText}}</a> · <a href="{{.Links.forgot}}">{{.Links.forgotText}}</a>{{if .Links.other}} · <a id="other" href="{{.Links.other}}">{{.Links.otherText}}</a>{{end}}</p>
</main></body></html>
`))

var newPasswordPage = template.Must(template.New("newpassword").Parse(`<!doctype html>
<html lang="{{.T.lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T.newTitle}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1.5rem;padding:.6rem 1.2rem}.err{color:#a00}</style>
</head><body><main>
<h1>{{.T.newTitle}}</h1>
<p>{{.T.newIntro}}</p>
{{if .Error}}<p class="err" role="alert"><strong>{{.T.error}}:</strong> {{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<label for="new_password">{{.T.newPassword}}</label>
<input id="new_password" name="new_password" type="password" autocomplete="new-password" required aria-describedby="policy">
<p id="policy">{{.Policy}}</p>
<button type="submit">{{.T.newSubmit}}</button>
</form></main></body></html>
`))

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body><main>
<h1>Something went wrong</h1><p role="alert">{{.}}</p></main></body></html>
`))

// authorizeParams are the query parameters an authorization request
// carries (and the sign-in form carries along).
var authorizeParams = []string{"client_id", "redirect_uri", "response_type", "state", "scope", "nonce", "code_challenge", "code_challenge_method", "lang"}

func authorizeRequest(pool string, v url.Values) userpool.AuthorizeRequest {
	return userpool.AuthorizeRequest{
		Pool: pool, ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), ResponseType: v.Get("response_type"),
		State: v.Get("state"), Scope: v.Get("scope"), Nonce: v.Get("nonce"), CodeChallenge: v.Get("code_challenge"), CodeChallengeMethod: v.Get("code_challenge_method"),
	}
}

// pageHeaders are the headers every managed-login page carries.
func pageHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("X-Frame-Options", "DENY")
	// No form-action: browsers apply it to the redirect that follows a
	// form post too, and a sign-in post ends in a redirect to the app's
	// callback URL (any origin, or an app's own scheme).
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("Referrer-Policy", "no-referrer")
}

// formLogo is the branding form logo of the page's app client, if any.
// The URL is data: with a fixed image type and base64 bytes, so it is
// marked safe for the template.
func formLogo(r *http.Request, v url.Values) template.URL {
	ref, ok := r.Context().Value(domainPoolKey{}).(domainPoolRef)
	if !ok || v.Get("client_id") == "" {
		return ""
	}
	return template.URL(ref.svc.FormLogo(r.Context(), ref.pool, v.Get("client_id")))
}

func showError(w http.ResponseWriter, status int, msg string) {
	pageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	errorPage.Execute(w, msg)
}

// domainBase is the path a domain's endpoints hang under: "" on the
// domain's own host, "/_auth/<prefix>" in the path form.
func domainBase(r *http.Request, prefix string) string {
	if strings.HasPrefix(r.URL.Path, "/_auth/"+prefix+"/") {
		return "/_auth/" + prefix
	}
	return ""
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, base, name, value string, maxAge int) {
	path := base + "/"
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// serveAuthorize is GET /oauth2/authorize.
func (h *Handler) serveAuthorize(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, prefix string) {
	q := r.URL.Query()
	a, err := svc.CheckAuthorize(r.Context(), authorizeRequest(pool, q))
	if err != nil {
		authorizeFailed(w, r, authorizeRequest(pool, q), err)
		return
	}
	// identity_provider (or idp_identifier) sends the user to an external
	// provider; COGNITO means this pool's own sign-in.
	provider := q.Get("identity_provider")
	if provider == "" && q.Get("idp_identifier") != "" {
		p, err := svc.IdentityProviderByIdentifier(r.Context(), pool, q.Get("idp_identifier"))
		if err != nil {
			authorizeFailed(w, r, a.Request, &userpool.AuthorizeError{OAuthError: userpool.OAuthError{Status: 302, Code: "invalid_request"}, RedirectOK: true})
			return
		}
		provider = p.ProviderName
	}
	if provider == "" && !a.NativeSignIn() && len(a.Client.SupportedIdentityProviders) == 1 {
		provider = a.Client.SupportedIdentityProviders[0] // the app's only way in
	}
	if provider != "" && provider != "COGNITO" {
		binding := newCSRF()
		to, err := svc.StartFederation(r.Context(), a, provider, h.idpCallback(r, prefix), binding)
		if err != nil {
			authorizeFailed(w, r, a.Request, err)
			return
		}
		h.setCookie(w, r, domainBase(r, prefix), federationCookie, binding, 600)
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil && q.Get("prompt") != "login" {
		if ls, ok := svc.OpenLoginSession(r.Context(), pool, c.Value); ok {
			h.completeAuthorize(w, r, svc, a, ls)
			return
		}
	}
	// prompt=none asks for no page at all: without a session, the client
	// hears login_required (OpenID Connect Core 3.1.2.6).
	if q.Get("prompt") == "none" {
		authorizeFailed(w, r, a.Request, &userpool.AuthorizeError{OAuthError: userpool.OAuthError{Status: 302, Code: "login_required"}, RedirectOK: true})
		return
	}
	// To the sign-in page, with the request.
	http.Redirect(w, r, domainBase(r, prefix)+"/login?"+q.Encode(), http.StatusFound)
}

// idpCallback is this domain's /oauth2/idpresponse as external providers
// must have it registered: on the auth domain's host, or in the path form
// under the server's public URL, whichever the request came in by.
func (h *Handler) idpCallback(r *http.Request, prefix string) string {
	if base := domainBase(r, prefix); base != "" {
		return strings.TrimSuffix(h.cfg.PublicURL, "/") + base + "/oauth2/idpresponse"
	}
	u, _ := url.Parse(h.cfg.PublicURL)
	host := prefix + "." + h.cfg.AuthDomain
	if u != nil && u.Port() != "" {
		host += ":" + u.Port()
	}
	scheme := "http"
	if u != nil && u.Scheme != "" {
		scheme = u.Scheme
	}
	return scheme + "://" + host + "/oauth2/idpresponse"
}

// serveIdPResponse is GET /oauth2/idpresponse, where an external provider
// sends the user back: on success the user has a session and the
// client's request completes; on failure the client hears access_denied.
func (h *Handler) serveIdPResponse(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, prefix string) {
	q := r.URL.Query()
	binding := ""
	if c, err := r.Cookie(federationCookie); err == nil {
		binding = c.Value
	}
	a, ls, err := svc.FinishFederation(r.Context(), pool, q.Get("state"), q.Get("code"), h.idpCallback(r, prefix), binding)
	if err != nil {
		var fe *userpool.FederationError
		if errors.As(err, &fe) && fe.Request != nil {
			authorizeFailed(w, r, *fe.Request, &userpool.AuthorizeError{OAuthError: userpool.OAuthError{Status: 302, Code: "access_denied"}, RedirectOK: true})
			return
		}
		if errors.As(err, &fe) {
			showError(w, http.StatusBadRequest, "The sign-in with the external provider is not valid or has expired.")
			return
		}
		authorizeFailed(w, r, a.Request, err)
		return
	}
	h.setCookie(w, r, domainBase(r, prefix), federationCookie, "", -1)
	h.setCookie(w, r, domainBase(r, prefix), sessionCookie, svc.SealLoginSession(ls), int(userpool.LoginSessionTTL.Seconds()))
	h.completeAuthorize(w, r, svc, a, ls)
}

// authorizeFailed answers a bad authorization request: back to the
// client's redirect URI when it is a registered one, else an error page.
func authorizeFailed(w http.ResponseWriter, r *http.Request, req userpool.AuthorizeRequest, err error) {
	var ae *userpool.AuthorizeError
	if errors.As(err, &ae) && ae.RedirectOK {
		v := url.Values{"error": {ae.Code}}
		if req.State != "" {
			v.Set("state", req.State)
		}
		http.Redirect(w, r, withParams(req.RedirectURI, v, req.ResponseType == "token"), http.StatusFound)
		return
	}
	msg := "The request is not valid."
	if errors.As(err, &ae) && ae.Code == "redirect_mismatch" {
		msg = "redirect_mismatch: the redirect_uri is not one of the app client's callback URLs."
	}
	showError(w, http.StatusBadRequest, msg)
}

// withParams appends v to a redirect URI, in its query or (implicit flow)
// its fragment.
func withParams(uri string, v url.Values, fragment bool) string {
	if fragment {
		return uri + "#" + v.Encode()
	}
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + v.Encode()
}

// completeAuthorize sends a signed-in user back to the client: a code, or
// (implicit) the tokens.
func (h *Handler) completeAuthorize(w http.ResponseWriter, r *http.Request, svc *userpool.Service, a userpool.Authorization, ls userpool.LoginSession) {
	v := url.Values{}
	if a.Request.ResponseType == "token" {
		t, err := svc.ImplicitTokens(r.Context(), a, ls)
		if err != nil {
			authorizeFailed(w, r, a.Request, &userpool.AuthorizeError{OAuthError: userpool.OAuthError{Status: 302, Code: "server_error"}, RedirectOK: true})
			return
		}
		v.Set("access_token", t.AccessToken)
		if t.IDToken != "" {
			v.Set("id_token", t.IDToken)
		}
		v.Set("token_type", "Bearer")
		v.Set("expires_in", strconv.Itoa(t.ExpiresIn))
	} else {
		code, err := svc.NewCode(r.Context(), a, ls)
		if err != nil {
			authorizeFailed(w, r, a.Request, &userpool.AuthorizeError{OAuthError: userpool.OAuthError{Status: 302, Code: "server_error"}, RedirectOK: true})
			return
		}
		v.Set("code", code)
	}
	if a.Request.State != "" {
		v.Set("state", a.Request.State)
	}
	http.Redirect(w, r, withParams(a.Request.RedirectURI, v, a.Request.ResponseType == "token"), http.StatusFound)
}

func newCSRF() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

type loginView struct {
	// Logo is the app client's branding form logo (a data: URL).
	Logo     template.URL
	T        map[string]string
	Action   string
	Hidden   map[string]string
	Error    string
	Note     string
	Username string
	Links    map[string]string
}

func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, base string, v url.Values, errMsg, username string) {
	h.renderLoginWith(w, r, base, v, errMsg, "", username)
}

// renderLoginNote is the sign-in page with a note (after a sign-up or a
// reset).
func (h *Handler) renderLoginNote(w http.ResponseWriter, r *http.Request, base string, v url.Values, note string) {
	h.renderLoginWith(w, r, base, v, "", note, "")
}

func (h *Handler) renderLoginWith(w http.ResponseWriter, r *http.Request, base string, v url.Values, errMsg, note, username string) {
	lang := v.Get("lang")
	t, ok := loginText[lang]
	if !ok {
		t = loginText["en"]
	}
	csrf := newCSRF()
	h.setCookie(w, r, base, csrfCookie, csrf, 3600)
	hidden := map[string]string{"_csrf": csrf}
	for _, k := range authorizeParams {
		if x := v.Get(k); x != "" {
			hidden[k] = x
		}
	}
	pageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	status := http.StatusOK
	if errMsg != "" {
		status = http.StatusBadRequest
	}
	w.WriteHeader(status)
	q := url.Values{}
	for _, k := range authorizeParams {
		if x := v.Get(k); x != "" {
			q.Set(k, x)
		}
	}
	_, _, st := texts(v)
	links := map[string]string{"signup": base + "/signup?" + q.Encode(), "signupText": st["signup"], "forgot": base + "/forgotPassword?" + q.Encode(), "forgotText": st["forgot"]}
	if ref, ok := r.Context().Value(domainPoolKey{}).(domainPoolRef); ok && ref.svc.PoolAllowsPasswordless(r.Context(), ref.pool) {
		links["other"], links["otherText"] = base+"/login/passwordless?"+q.Encode(), mfaTextFor(v)["other"]
	}
	loginPage.Execute(w, loginView{Logo: formLogo(r, v), T: t, Action: base + "/login", Hidden: hidden, Error: errMsg, Note: note, Username: username, Links: links})
}

// serveLogin is the sign-in page (GET) and its form (POST).
func (h *Handler) serveLogin(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, prefix string) {
	base := domainBase(r, prefix)
	if r.Method == http.MethodGet {
		if q, ok := pageQuery(w, r, svc, pool); ok {
			h.renderLogin(w, r, base, q, "", "")
		}
		return
	}
	f, a, ok := h.selfServiceForm(w, r, svc, pool)
	if !ok {
		return
	}
	ls, err := svc.LoginSignIn(r.Context(), a, f.Get("username"), f.Get("password"))
	var npr *userpool.NewPasswordRequired
	if errors.As(err, &npr) {
		h.renderNewPassword(w, r, svc, pool, base, f, npr.Session, "")
		return
	}
	var ch *userpool.LoginChallenge
	if errors.As(err, &ch) {
		h.renderChallenge(w, r, svc, pool, base, f, ch, f.Get("username"), "")
		return
	}
	if err != nil {
		t, ok := loginText[f.Get("lang")]
		if !ok {
			t = loginText["en"]
		}
		msg := t["failed"]
		switch {
		case awserr.Is(err, "NotAuthorizedException") && strings.Contains(err.Error(), "Password attempts exceeded"):
			msg = t["locked"]
		case awserr.Is(err, "NotAuthorizedException") || awserr.Is(err, "UserNotFoundException"):
			msg = t["incorrect"]
			if e, _ := awserr.As(err); e != nil && e.Message != "Incorrect username or password." {
				msg = e.Message
			}
		case awserr.Is(err, "UserNotConfirmedException") || awserr.Is(err, "PasswordResetRequiredException"):
			e, _ := awserr.As(err)
			msg = e.Message
		case awserr.Is(err, "TooManyRequestsException"):
			msg = t["failed"]
		default:
			if _, ok := awserr.As(err); !ok {
				showError(w, http.StatusInternalServerError, "The sign-in could not be completed; try again.")
				return
			}
		}
		h.renderLogin(w, r, base, f, msg, f.Get("username"))
		return
	}
	h.setCookie(w, r, base, sessionCookie, svc.SealLoginSession(ls), int(userpool.LoginSessionTTL.Seconds()))
	h.completeAuthorize(w, r, svc, a, ls)
}

// serveLogout is GET /logout: the session ends, and the user goes to a
// registered sign-out URL (client_id + logout_uri) or back to sign-in
// (client_id + redirect_uri + response_type).
func (h *Handler) serveLogout(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, prefix string) {
	base := domainBase(r, prefix)
	q := r.URL.Query()
	c, err := svc.ClientOf(r.Context(), pool, q.Get("client_id"))
	if err != nil {
		showError(w, http.StatusBadRequest, "The client_id is not an app client of this user pool.")
		return
	}
	if lo := q.Get("logout_uri"); lo != "" {
		for _, u := range c.LogoutURLs {
			if u == lo {
				h.setCookie(w, r, base, sessionCookie, "", -1)
				http.Redirect(w, r, lo, http.StatusFound)
				return
			}
		}
		showError(w, http.StatusBadRequest, "The logout_uri is not one of the app client's sign-out URLs.")
		return
	}
	if _, err := svc.CheckAuthorize(r.Context(), authorizeRequest(pool, q)); err != nil {
		authorizeFailed(w, r, authorizeRequest(pool, q), err)
		return
	}
	h.setCookie(w, r, base, sessionCookie, "", -1)
	http.Redirect(w, r, base+"/login?"+q.Encode(), http.StatusFound)
}

// renderNewPassword shows the page a user with a temporary password
// chooses a new one on.
func (h *Handler) renderNewPassword(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, base string, v url.Values, sess, errMsg string) {
	t, ok := loginText[v.Get("lang")]
	if !ok {
		t = loginText["en"]
	}
	csrf := newCSRF()
	h.setCookie(w, r, base, csrfCookie, csrf, 3600)
	hidden := map[string]string{"_csrf": csrf, "session": sess}
	for _, k := range authorizeParams {
		if x := v.Get(k); x != "" {
			hidden[k] = x
		}
	}
	policy := ""
	if p, err := svc.Pool(r.Context(), pool); err == nil {
		policy = fmt.Sprintf(t["policy"], p.Policies.PasswordPolicy.MinimumLength)
	}
	pageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	status := http.StatusOK
	if errMsg != "" {
		status = http.StatusBadRequest
	}
	w.WriteHeader(status)
	newPasswordPage.Execute(w, struct {
		T              map[string]string
		Action, Policy string
		Hidden         map[string]string
		Error          string
	}{t, base + "/login/newpassword", policy, hidden, errMsg})
}

// serveNewPassword is the new-password form's POST.
func (h *Handler) serveNewPassword(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, prefix string) {
	base := domainBase(r, prefix)
	f, a, ok := h.selfServiceForm(w, r, svc, pool)
	if !ok {
		return
	}
	ls, err := svc.LoginNewPassword(r.Context(), a, f.Get("session"), f.Get("new_password"))
	var ch *userpool.LoginChallenge
	if errors.As(err, &ch) {
		h.renderChallenge(w, r, svc, pool, base, f, ch, f.Get("username"), "")
		return
	}
	if err != nil {
		e, ok := awserr.As(err)
		switch {
		case ok && e.Code == "InvalidPasswordException":
			h.renderNewPassword(w, r, svc, pool, base, f, f.Get("session"), e.Message)
		case ok && e.Status < 500:
			// The session is spent or stale: sign in again.
			h.renderLogin(w, r, base, f, e.Message, "")
		default:
			showError(w, http.StatusInternalServerError, "The password could not be changed; try again.")
		}
		return
	}
	h.setCookie(w, r, base, sessionCookie, svc.SealLoginSession(ls), int(userpool.LoginSessionTTL.Seconds()))
	h.completeAuthorize(w, r, svc, a, ls)
}
