package front

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/userpool"
)

// The user-pool OAuth 2.0 endpoints on a pool's prefix domain: served at
// the host "<prefix>.<auth domain>" or, for clients that cannot use such a
// host, under "/_auth/<prefix>/" on any: the authorization endpoint and
// the sign-in page (login.go), the token endpoint (authorization_code
// with PKCE, client_credentials, refresh_token), userInfo, revoke and
// logout.

// maxOAuthForm bounds a token-endpoint form.
const maxOAuthForm = 64 << 10

// authTarget returns the domain prefix a request is for and the path
// within the domain, if it is for one.
func (h *Handler) authTarget(r *http.Request) (prefix, rest string, ok bool) {
	if h.cfg.AuthDomain == "" {
		return "", "", false
	}
	host := r.Host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		host = hh
	}
	host = strings.ToLower(host)
	if p, found := strings.CutSuffix(host, "."+h.cfg.AuthDomain); found && p != "" && !strings.Contains(p, ".") {
		return p, r.URL.Path, true
	}
	if tail, found := strings.CutPrefix(r.URL.Path, "/_auth/"); found {
		p, rest, _ := strings.Cut(tail, "/")
		if p != "" {
			return p, "/" + rest, true
		}
	}
	return "", "", false
}

// serveOAuth serves one endpoint of a pool's domain.
func (h *Handler) serveOAuth(w http.ResponseWriter, r *http.Request, prefix, rest string) {
	ri := info(r.Context())
	ri.service, ri.operation = "cognito-idp", "oauth2"+strings.TrimPrefix(rest, "/oauth2")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	svc, pool, err := h.domainPool(r.Context(), prefix)
	if err != nil {
		ri.err = err
		oauthError(w, http.StatusNotFound, "invalid_request")
		return
	}
	ctx := context.WithValue(r.Context(), domainPoolKey{}, domainPoolRef{svc, pool})
	// The pages' per-source budgets and blocked ranges need the caller's
	// address, as the API's calls have it.
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ctx = userpool.WithSourceIP(ctx, host)
	}
	r = r.WithContext(ctx)
	// The token, userInfo and revoke endpoints are called by single-page
	// apps on other origins (Amplify's signInWithRedirect): they answer
	// CORS for any origin, without credentials — they take bearer tokens
	// and client credentials, never cookies. The pages do not.
	api := rest == "/oauth2/token" || rest == "/oauth2/revoke" || strings.EqualFold(rest, "/oauth2/userInfo")
	if api && r.Header.Get("Origin") != "" {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			if want := r.Header.Get("Access-Control-Request-Headers"); want != "" {
				w.Header().Set("Access-Control-Allow-Headers", want) // SDKs add their own (x-amz-user-agent)
			}
			w.Header().Set("Access-Control-Max-Age", "3600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	switch {
	case rest == "/oauth2/authorize" && r.Method == http.MethodGet:
		h.serveAuthorize(w, r, svc, pool, prefix)
	case rest == "/oauth2/idpresponse" && r.Method == http.MethodGet:
		h.serveIdPResponse(w, r, svc, pool, prefix)
	case rest == "/login" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		h.serveLogin(w, r, svc, pool, prefix)
	case rest == "/signup" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		h.serveSignUp(w, r, svc, pool, prefix)
	case rest == "/confirm" && r.Method == http.MethodPost:
		h.serveConfirm(w, r, svc, pool, prefix)
	case rest == "/forgotPassword" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		h.serveForgot(w, r, svc, pool, prefix)
	case rest == "/confirmForgotPassword" && r.Method == http.MethodPost:
		h.serveConfirmForgot(w, r, svc, pool, prefix)
	case rest == "/login/newpassword" && r.Method == http.MethodPost:
		h.serveNewPassword(w, r, svc, pool, prefix)
	case rest == "/login/mfa" && r.Method == http.MethodPost:
		h.serveMFA(w, r, svc, pool, prefix)
	case rest == "/login/passwordless" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		h.servePasswordless(w, r, svc, pool, prefix)
	case rest == "/passkey.js" && r.Method == http.MethodGet:
		servePasskeyScript(w)
	case rest == "/logout" && r.Method == http.MethodGet:
		h.serveLogout(w, r, svc, pool, prefix)
	case rest == "/oauth2/token" && r.Method == http.MethodPost:
		h.serveToken(w, r, svc, pool)
	case strings.EqualFold(rest, "/oauth2/userInfo") && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		serveUserInfo(w, r, svc, pool)
	case rest == "/oauth2/revoke" && r.Method == http.MethodPost:
		serveRevoke(w, r, svc, pool)
	case rest == "/oauth2/token" || rest == "/oauth2/revoke":
		w.Header().Set("Allow", http.MethodPost)
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request")
	default:
		oauthError(w, http.StatusNotFound, "invalid_request")
	}
}

// domainPool finds the user-pool service and pool a prefix serves, in
// whichever account has it.
func (h *Handler) domainPool(ctx context.Context, prefix string) (*userpool.Service, string, error) {
	if h.cfg.UserPools == nil {
		return nil, "", errors.New("no user pools")
	}
	rec, ok, err := h.cfg.UserPools.Domain(ctx, prefix)
	if err != nil || !ok {
		if err == nil {
			err = errors.New("no such domain")
		}
		return nil, "", err
	}
	t, err := h.tenantOf(ctx, rec.Account)
	if err != nil || t.UserPools == nil {
		if err == nil {
			err = errors.New("no user pools")
		}
		return nil, "", err
	}
	return t.UserPools, rec.UserPoolId, nil
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code})
}

func writeOAuthResult(w http.ResponseWriter, v any, err error) {
	var oe *userpool.OAuthError
	switch {
	case errors.As(err, &oe):
		if oe.Code == "invalid_client" {
			w.Header().Set("WWW-Authenticate", `Basic realm="cognito"`)
		}
		oauthError(w, oe.Status, oe.Code)
		return
	case err != nil:
		if e, ok := awserr.As(err); ok && e.Status < 500 {
			oauthError(w, 400, "invalid_request")
			return
		}
		oauthError(w, 500, "server_error")
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	json.NewEncoder(w).Encode(v)
}

// clientAuth reads a client's credentials: HTTP Basic (form-encoded id
// and secret, RFC 6749 §2.3.1) or client_id and client_secret in the form,
// not both.
func clientAuth(r *http.Request) (id, secret string, ok bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		raw, found := strings.CutPrefix(h, "Basic ")
		if !found {
			return "", "", false
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(raw))
		if err != nil {
			return "", "", false
		}
		u, p, found := strings.Cut(string(b), ":")
		if !found {
			return "", "", false
		}
		u, err1 := url.QueryUnescape(u)
		p, err2 := url.QueryUnescape(p)
		if err1 != nil || err2 != nil || r.PostForm.Get("client_secret") != "" || r.PostForm.Get("client_id") != "" && r.PostForm.Get("client_id") != u {
			return "", "", false
		}
		return u, p, true
	}
	return r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), true
}

func parseOAuthForm(w http.ResponseWriter, r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		oauthError(w, 400, "invalid_request")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxOAuthForm)
	if err := r.ParseForm(); err != nil {
		oauthError(w, 400, "invalid_request")
		return false
	}
	return true
}

func (h *Handler) serveToken(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool string) {
	if !parseOAuthForm(w, r) {
		return
	}
	id, secret, ok := clientAuth(r)
	if !ok || id == "" {
		writeOAuthResult(w, nil, &userpool.OAuthError{Status: 400, Code: "invalid_client"})
		return
	}
	ctx := r.Context()
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
		out, err := svc.ClientCredentials(ctx, pool, id, secret, r.PostForm.Get("scope"))
		writeOAuthResult(w, out, err)
	case "refresh_token":
		out, err := svc.RefreshGrant(ctx, pool, id, secret, r.PostForm.Get("refresh_token"))
		writeOAuthResult(w, out, err)
	case "authorization_code":
		f := r.PostForm
		out, err := svc.ExchangeCode(ctx, pool, id, secret, f.Get("code"), f.Get("redirect_uri"), f.Get("code_verifier"))
		writeOAuthResult(w, out, err)
	case "":
		oauthError(w, 400, "invalid_request")
	default:
		oauthError(w, 400, "unsupported_grant_type")
	}
}

func serveUserInfo(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool string) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_request"`)
		oauthError(w, 401, "invalid_request")
		return
	}
	out, err := svc.UserInfo(r.Context(), pool, strings.TrimSpace(tok))
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	writeOAuthResult(w, out, err)
}

func serveRevoke(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool string) {
	if !parseOAuthForm(w, r) {
		return
	}
	id, secret, ok := clientAuth(r)
	if !ok || id == "" {
		writeOAuthResult(w, nil, &userpool.OAuthError{Status: 400, Code: "invalid_client"})
		return
	}
	err := svc.Revoke(r.Context(), pool, id, secret, r.PostForm.Get("token"))
	if err == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeOAuthResult(w, nil, err)
}
