package front

import (
	"crypto/subtle"
	"html/template"
	"net/http"
	"net/url"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/userpool"
)

// The managed login's self-service pages: sign-up and its confirmation
// code, and the forgotten-password reset. Each form carries the
// authorization request along and the CSRF token; each ends back on the
// sign-in page.

var signupText = map[string]map[string]string{
	"en": {"agree": "By signing up you agree to the", "terms": "Terms of use", "privacy": "Privacy policy",
		"signup": "Sign up", "confirm": "Confirm your account", "code": "Code", "codeSent": "We sent a code. Enter it below.",
		"forgot": "Reset your password", "send": "Send code", "reset": "Reset password", "newPassword": "New password", "done": "Done. Sign in below."},
	"ja": {"agree": "サインアップすると、以下に同意したことになります:", "terms": "利用規約", "privacy": "プライバシーポリシー",
		"signup": "サインアップ", "confirm": "アカウントの確認", "code": "コード", "codeSent": "コードを送信しました。以下に入力してください。",
		"forgot": "パスワードのリセット", "send": "コードを送信", "reset": "パスワードをリセット", "newPassword": "新しいパスワード", "done": "完了しました。以下からサインインしてください。"},
	"ko": {"agree": "가입하면 다음에 동의하는 것으로 간주됩니다:", "terms": "이용 약관", "privacy": "개인정보 처리방침",
		"signup": "가입", "confirm": "계정 확인", "code": "코드", "codeSent": "코드를 보냈습니다. 아래에 입력하세요.",
		"forgot": "비밀번호 재설정", "send": "코드 보내기", "reset": "비밀번호 재설정", "newPassword": "새 비밀번호", "done": "완료되었습니다. 아래에서 로그인하세요."},
}

// formPage is every self-service page: a title, a note, and fields.
var formPage = template.Must(template.New("form").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1.5rem;padding:.6rem 1.2rem}.err{color:#a00}</style>
</head><body><main>
{{if .Logo}}<img src="{{.Logo}}" alt="" style="max-width:100%;max-height:6rem">{{end}}
<h1>{{.Title}}</h1>
{{if .Note}}<p role="status">{{.Note}}</p>{{end}}
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}{{range .Fields}}<label for="{{.Name}}">{{.Label}}</label>
<input id="{{.Name}}" name="{{.Name}}" type="{{.Type}}" autocomplete="{{.Auto}}" required>
{{end}}{{if .Terms}}<p>{{.Agree}} <a href="{{.Terms}}" rel="noopener noreferrer" target="_blank">{{.TermsLabel}}</a> · <a href="{{.Privacy}}" rel="noopener noreferrer" target="_blank">{{.PrivacyLabel}}</a></p>
{{end}}<button type="submit">{{.Submit}}</button>
</form></main></body></html>
`))

type field struct{ Name, Label, Type, Auto string }

type formView struct {
	Lang, Title, Note, Error, Action, Submit string
	Hidden                                   map[string]string
	Fields                                   []field
	// Terms and Privacy link the app client's terms documents (sign-up).
	Terms, Privacy, Agree, TermsLabel, PrivacyLabel string
	// Logo is the app client's branding form logo (a data: URL).
	Logo template.URL
}

// termsLanguage is the terms documents' language key of a page language.
var termsLanguage = map[string]string{"en": "english", "ja": "japanese", "ko": "korean"}

func texts(v url.Values) (lang string, login, more map[string]string) {
	lang = v.Get("lang")
	if _, ok := loginText[lang]; !ok {
		lang = "en"
	}
	return lang, loginText[lang], signupText[lang]
}

func (h *Handler) renderForm(w http.ResponseWriter, r *http.Request, base string, v url.Values, fv formView, extra map[string]string) {
	csrf := newCSRF()
	h.setCookie(w, r, base, csrfCookie, csrf, 3600)
	fv.Hidden = map[string]string{"_csrf": csrf}
	fv.Logo = formLogo(r, v)
	for _, k := range authorizeParams {
		if x := v.Get(k); x != "" {
			fv.Hidden[k] = x
		}
	}
	for k, x := range extra {
		fv.Hidden[k] = x
	}
	pageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if fv.Error != "" {
		w.WriteHeader(http.StatusBadRequest)
	}
	formPage.Execute(w, fv)
}

// noNativeSignIn is the page for an app client without COGNITO among its
// identity providers: its users sign in elsewhere, never with a password
// here (sign-up and password resets included).
const noNativeSignIn = "Login option is not available. Please try another one."

// pageQuery reads a managed-login page's GET: the authorization request
// it carries must be valid, else the client (or an error page) hears why.
func pageQuery(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool string) (url.Values, bool) {
	q := r.URL.Query()
	a, err := svc.CheckAuthorize(r.Context(), authorizeRequest(pool, q))
	if err != nil {
		authorizeFailed(w, r, authorizeRequest(pool, q), err)
		return nil, false
	}
	if !a.NativeSignIn() {
		showError(w, http.StatusBadRequest, noNativeSignIn)
		return nil, false
	}
	return q, true
}

// pageOrForm answers a page's GET with page and reads its POST: ok only
// for a POST to go on with.
func (h *Handler) pageOrForm(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool string, page func(url.Values, string)) (url.Values, userpool.Authorization, bool) {
	if r.Method == http.MethodGet {
		if q, ok := pageQuery(w, r, svc, pool); ok {
			page(q, "")
		}
		return nil, userpool.Authorization{}, false
	}
	return h.selfServiceForm(w, r, svc, pool)
}

// selfServiceForm reads a managed-login POST: the form, its CSRF token and
// the authorization request it carries.
func (h *Handler) selfServiceForm(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool string) (url.Values, userpool.Authorization, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxOAuthForm)
	if err := r.ParseForm(); err != nil {
		showError(w, http.StatusBadRequest, "The form could not be read.")
		return nil, userpool.Authorization{}, false
	}
	f := r.PostForm
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(f.Get("_csrf"))) != 1 {
		showError(w, http.StatusForbidden, "The form has expired or did not come from this page; go back and try again.")
		return nil, userpool.Authorization{}, false
	}
	a, err := svc.CheckAuthorize(r.Context(), authorizeRequest(pool, f))
	if err != nil {
		authorizeFailed(w, r, authorizeRequest(pool, f), err)
		return nil, userpool.Authorization{}, false
	}
	if !a.NativeSignIn() {
		showError(w, http.StatusBadRequest, noNativeSignIn)
		return nil, userpool.Authorization{}, false
	}
	return f, a, true
}

// apiMessage is a client error's message for a page; ok false for a
// server fault.
func apiMessage(err error) (string, bool) {
	e, ok := awserr.As(err)
	if !ok || e.Status >= 500 {
		return "", false
	}
	return e.Message, true
}

func (h *Handler) serveSignUp(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, prefix string) {
	base := domainBase(r, prefix)
	ctx := r.Context()
	attrs, err := svc.SignUpFields(ctx, pool)
	if err != nil {
		showError(w, http.StatusInternalServerError, "The page could not be shown.")
		return
	}
	page := func(v url.Values, errMsg string) {
		lang, lt, st := texts(v)
		fields := []field{{"username", lt["username"], "text", "username"}}
		for _, a := range attrs {
			typ := "text"
			if a == "email" {
				typ = "email"
			}
			fields = append(fields, field{"attr_" + a, a, typ, "on"})
		}
		fields = append(fields, field{"password", lt["password"], "password", "new-password"})
		fv := formView{Lang: lang, Title: st["signup"], Error: errMsg, Action: base + "/signup", Submit: st["signup"], Fields: fields}
		if tou, pp := svc.TermsLinks(ctx, pool, v.Get("client_id"), termsLanguage[lang]); tou != "" {
			fv.Terms, fv.Privacy, fv.Agree, fv.TermsLabel, fv.PrivacyLabel = tou, pp, st["agree"], st["terms"], st["privacy"]
		}
		h.renderForm(w, r, base, v, fv, nil)
	}
	f, a, ok := h.pageOrForm(w, r, svc, pool, page)
	if !ok {
		return
	}
	user := f.Get("username")
	var given []userpool.AttributeType
	for _, name := range attrs {
		if v := f.Get("attr_" + name); v != "" {
			given = append(given, userpool.AttributeType{Name: name, Value: v})
		}
	}
	out, err := svc.SignUp(ctx, a.Client.ClientId, svc.PageSecretHash(ctx, a.Client.ClientId, user), user, f.Get("password"), given)
	if err != nil {
		msg, ok := apiMessage(err)
		if !ok {
			showError(w, http.StatusInternalServerError, "The sign-up could not be completed; try again.")
			return
		}
		page(f, msg)
		return
	}
	if out.UserConfirmed {
		h.afterSelfService(w, r, base, f)
		return
	}
	h.confirmPage(w, r, base, f, user, "")
}

func (h *Handler) confirmPage(w http.ResponseWriter, r *http.Request, base string, v url.Values, user, errMsg string) {
	lang, _, st := texts(v)
	h.renderForm(w, r, base, v, formView{Lang: lang, Title: st["confirm"], Note: st["codeSent"], Error: errMsg, Action: base + "/confirm", Submit: st["confirm"],
		Fields: []field{{"code", st["code"], "text", "one-time-code"}}}, map[string]string{"username": user})
}

func (h *Handler) serveConfirm(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, prefix string) {
	base := domainBase(r, prefix)
	f, a, ok := h.selfServiceForm(w, r, svc, pool)
	if !ok {
		return
	}
	ctx := r.Context()
	user := f.Get("username")
	if err := svc.ConfirmSignUp(ctx, a.Client.ClientId, svc.PageSecretHash(ctx, a.Client.ClientId, user), user, f.Get("code")); err != nil {
		msg, ok := apiMessage(err)
		if !ok {
			showError(w, http.StatusInternalServerError, "The code could not be checked; try again.")
			return
		}
		h.confirmPage(w, r, base, f, user, msg)
		return
	}
	h.afterSelfService(w, r, base, f)
}

// afterSelfService shows the sign-in page with the request, and a note.
func (h *Handler) afterSelfService(w http.ResponseWriter, r *http.Request, base string, v url.Values) {
	_, _, st := texts(v)
	q := url.Values{}
	for _, k := range authorizeParams {
		if x := v.Get(k); x != "" {
			q.Set(k, x)
		}
	}
	h.renderLoginNote(w, r, base, q, st["done"])
}

func (h *Handler) serveForgot(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, prefix string) {
	base := domainBase(r, prefix)
	ctx := r.Context()
	page := func(v url.Values, errMsg string) {
		lang, lt, st := texts(v)
		h.renderForm(w, r, base, v, formView{Lang: lang, Title: st["forgot"], Error: errMsg, Action: base + "/forgotPassword", Submit: st["send"],
			Fields: []field{{"username", lt["username"], "text", "username"}}}, nil)
	}
	f, a, ok := h.pageOrForm(w, r, svc, pool, page)
	if !ok {
		return
	}
	user := f.Get("username")
	if _, err := svc.ForgotPassword(ctx, a.Client.ClientId, svc.PageSecretHash(ctx, a.Client.ClientId, user), user); err != nil {
		msg, ok := apiMessage(err)
		if !ok {
			showError(w, http.StatusInternalServerError, "The code could not be sent; try again.")
			return
		}
		page(f, msg)
		return
	}
	h.resetPage(w, r, base, f, user, "")
}

func (h *Handler) resetPage(w http.ResponseWriter, r *http.Request, base string, v url.Values, user, errMsg string) {
	lang, _, st := texts(v)
	h.renderForm(w, r, base, v, formView{Lang: lang, Title: st["forgot"], Note: st["codeSent"], Error: errMsg, Action: base + "/confirmForgotPassword", Submit: st["reset"],
		Fields: []field{{"code", st["code"], "text", "one-time-code"}, {"new_password", st["newPassword"], "password", "new-password"}}}, map[string]string{"username": user})
}

func (h *Handler) serveConfirmForgot(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, prefix string) {
	base := domainBase(r, prefix)
	f, a, ok := h.selfServiceForm(w, r, svc, pool)
	if !ok {
		return
	}
	ctx := r.Context()
	user := f.Get("username")
	err := svc.ConfirmForgotPassword(ctx, a.Client.ClientId, svc.PageSecretHash(ctx, a.Client.ClientId, user), user, f.Get("code"), f.Get("new_password"))
	if err != nil {
		msg, ok := apiMessage(err)
		if !ok {
			showError(w, http.StatusInternalServerError, "The password could not be reset; try again.")
			return
		}
		h.resetPage(w, r, base, f, user, msg)
		return
	}
	h.afterSelfService(w, r, base, f)
}
