package front

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/userpool"
)

// mfaText are the MFA pages' words by language.
var mfaText = map[string]map[string]string{
	"en": {"lang": "en", "other": "Sign in without a password", "otherIntro": "Enter your username, then choose how to sign in.", "next": "Next", "chooseEMAIL_OTP_first": "Email me a code", "chooseSMS_OTP": "Text me a code", "chooseWEB_AUTHN": "Use a passkey", "passkeyIntro": "Use your passkey to sign in.", "passkeyButton": "Sign in with a passkey", "noChoices": "There is no other way to sign in to this account.", "username": "Username", "SMS_OTP": "We sent a code by text message to %s.", "title": "Multi-factor authentication", "error": "Error", "code": "Code", "submit": "Sign in",
		"SOFTWARE_TOKEN_MFA": "Enter the code from your authenticator app.", "SMS_MFA": "We sent a code by text message to %s.", "EMAIL_OTP": "We sent a code by email to %s.",
		"choose": "Choose how to verify it is you.", "chooseSOFTWARE_TOKEN_MFA": "Authenticator app", "chooseSMS_MFA": "Text message", "chooseEMAIL_OTP": "Email",
		"setupTitle": "Set up an authenticator app", "setupIntro": "Add this key to your authenticator app, then enter the code it shows.", "setupKey": "Key", "setupSubmit": "Verify",
		"noSetup": "Multi-factor authentication must be set up for this account, and these pages cannot set up the methods this user pool offers."},
	"ja": {"lang": "ja", "other": "パスワードなしでサインイン", "otherIntro": "ユーザー名を入力し、サインイン方法を選択してください。", "next": "次へ", "chooseEMAIL_OTP_first": "メールでコードを受け取る", "chooseSMS_OTP": "SMS でコードを受け取る", "chooseWEB_AUTHN": "パスキーを使う", "passkeyIntro": "パスキーでサインインします。", "passkeyButton": "パスキーでサインイン", "noChoices": "このアカウントには他のサインイン方法がありません。", "username": "ユーザー名", "SMS_OTP": "%s に SMS でコードを送信しました。", "title": "多要素認証", "error": "エラー", "code": "コード", "submit": "サインイン",
		"SOFTWARE_TOKEN_MFA": "認証アプリに表示されたコードを入力してください。", "SMS_MFA": "%s に SMS でコードを送信しました。", "EMAIL_OTP": "%s にメールでコードを送信しました。",
		"choose": "本人確認の方法を選択してください。", "chooseSOFTWARE_TOKEN_MFA": "認証アプリ", "chooseSMS_MFA": "SMS", "chooseEMAIL_OTP": "メール",
		"setupTitle": "認証アプリの設定", "setupIntro": "このキーを認証アプリに追加し、表示されたコードを入力してください。", "setupKey": "キー", "setupSubmit": "確認",
		"noSetup": "このアカウントには多要素認証の設定が必要ですが、このユーザープールの方式はこのページでは設定できません。"},
	"ko": {"lang": "ko", "other": "비밀번호 없이 로그인", "otherIntro": "사용자 이름을 입력한 다음 로그인 방법을 선택하세요.", "next": "다음", "chooseEMAIL_OTP_first": "이메일로 코드 받기", "chooseSMS_OTP": "문자 메시지로 코드 받기", "chooseWEB_AUTHN": "패스키 사용", "passkeyIntro": "패스키로 로그인합니다.", "passkeyButton": "패스키로 로그인", "noChoices": "이 계정에는 다른 로그인 방법이 없습니다.", "username": "사용자 이름", "SMS_OTP": "%s(으)로 문자 메시지 코드를 보냈습니다.", "title": "다단계 인증", "error": "오류", "code": "코드", "submit": "로그인",
		"SOFTWARE_TOKEN_MFA": "인증 앱에 표시된 코드를 입력하세요.", "SMS_MFA": "%s(으)로 문자 메시지 코드를 보냈습니다.", "EMAIL_OTP": "%s(으)로 이메일 코드를 보냈습니다.",
		"choose": "본인 확인 방법을 선택하세요.", "chooseSOFTWARE_TOKEN_MFA": "인증 앱", "chooseSMS_MFA": "문자 메시지", "chooseEMAIL_OTP": "이메일",
		"setupTitle": "인증 앱 설정", "setupIntro": "이 키를 인증 앱에 추가한 다음 표시된 코드를 입력하세요.", "setupKey": "키", "setupSubmit": "확인",
		"noSetup": "이 계정은 다단계 인증을 설정해야 하지만, 이 사용자 풀의 방식은 이 페이지에서 설정할 수 없습니다."},
}

var mfaPage = template.Must(template.New("mfa").Parse(`<!doctype html>
<html lang="{{.T.lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1.5rem;padding:.6rem 1.2rem;display:block}.err{color:#a00}code{word-break:break-all}</style>
</head><body><main>
<h1>{{.Title}}</h1>
<p>{{.Intro}}</p>
{{if .Error}}<p class="err" role="alert"><strong>{{.T.error}}:</strong> {{.Error}}</p>{{end}}
{{if .Secret}}<p>{{.T.setupKey}}: <code id="secret">{{.Secret}}</code></p><p><a id="otpauth" href="{{.URI}}">{{.URI}}</a></p>{{end}}
<form method="post" action="{{.Action}}">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}{{if .Options}}<input type="hidden" name="credential" id="credential">
<button type="button" id="passkey" data-options="{{.Options}}">{{.Submit}}</button>
<script src="{{.Script}}"></script>
{{else if .Choices}}{{range .Choices}}<button type="submit" name="answer" value="{{.Value}}">{{.Label}}</button>
{{end}}{{else}}<label for="code">{{.T.code}}</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus>
<button type="submit">{{.Submit}}</button>{{end}}
</form></main></body></html>
`))

type mfaChoice struct{ Value, Label string }

// renderChallenge shows the page of the challenge a sign-in owes.
func (h *Handler) renderChallenge(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, base string, v url.Values, ch *userpool.LoginChallenge, username, errMsg string) {
	t, ok := mfaText[v.Get("lang")]
	if !ok {
		t = mfaText["en"]
	}
	csrf := newCSRF()
	h.setCookie(w, r, base, csrfCookie, csrf, 3600)
	hidden := map[string]string{"_csrf": csrf, "session": ch.Session, "challenge": ch.Name, "username": username}
	if d := ch.Parameters["CODE_DELIVERY_DESTINATION"]; d != "" {
		hidden["destination"] = d
	}
	for _, k := range authorizeParams {
		if x := v.Get(k); x != "" {
			hidden[k] = x
		}
	}
	view := struct {
		T                                   map[string]string
		Title, Intro, Action, Submit, Error string
		Secret, URI, Options, Script        string
		Hidden                              map[string]string
		Choices                             []mfaChoice
	}{T: t, Title: t["title"], Action: base + "/login/mfa", Submit: t["submit"], Error: errMsg, Hidden: hidden, Script: base + "/passkey.js"}
	switch ch.Name {
	case "SOFTWARE_TOKEN_MFA":
		view.Intro = t[ch.Name]
	case "SMS_MFA", "EMAIL_OTP", "SMS_OTP":
		view.Intro = fmtText(t[ch.Name], ch.Parameters["CODE_DELIVERY_DESTINATION"])
	case "SELECT_CHALLENGE":
		var can []string
		json.Unmarshal([]byte(ch.Parameters["AVAILABLE_CHALLENGES"]), &can)
		view.Title, view.Intro = t["other"], t["choose"]
		for _, c := range can {
			switch c {
			case "EMAIL_OTP":
				view.Choices = append(view.Choices, mfaChoice{c, t["chooseEMAIL_OTP_first"]})
			case "SMS_OTP", "WEB_AUTHN":
				view.Choices = append(view.Choices, mfaChoice{c, t["choose"+c]})
			}
		}
		if len(view.Choices) == 0 {
			h.renderLogin(w, r, base, v, t["noChoices"], username)
			return
		}
	case "WEB_AUTHN":
		view.Title, view.Intro, view.Submit = t["other"], t["passkeyIntro"], t["passkeyButton"]
		view.Options = ch.Parameters["CREDENTIAL_REQUEST_OPTIONS"]
	case "SELECT_MFA_TYPE":
		var can []string
		json.Unmarshal([]byte(ch.Parameters["MFAS_CAN_CHOOSE"]), &can)
		view.Intro = t["choose"]
		for _, c := range can {
			view.Choices = append(view.Choices, mfaChoice{c, t["choose"+c]})
		}
	case "MFA_SETUP":
		var can []string
		json.Unmarshal([]byte(ch.Parameters["MFAS_CAN_SETUP"]), &can)
		canTOTP := false
		for _, c := range can {
			canTOTP = canTOTP || c == "SOFTWARE_TOKEN_MFA"
		}
		if !canTOTP && ch.Parameters["associated"] == "" {
			showError(w, http.StatusBadRequest, t["noSetup"])
			return
		}
		secret := v.Get("secret")
		if ch.Parameters["associated"] == "" {
			as, err := svc.AssociateSoftwareToken(r.Context(), "", ch.Session)
			if err != nil {
				h.renderLogin(w, r, base, v, err.Error(), "")
				return
			}
			ch.Session, secret = as.Session, as.SecretCode
		}
		hidden["session"], hidden["secret"] = ch.Session, secret
		view.Title, view.Intro, view.Submit, view.Secret = t["setupTitle"], t["setupIntro"], t["setupSubmit"], secret
		label := username
		if p, err := svc.Pool(r.Context(), pool); err == nil {
			label = p.Name + ":" + username
		}
		view.URI = "otpauth://totp/" + url.PathEscape(label) + "?secret=" + secret
	default:
		showError(w, http.StatusBadRequest, "This sign-in needs a step these pages do not offer: "+ch.Name)
		return
	}
	pageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if errMsg != "" {
		w.WriteHeader(http.StatusBadRequest)
	}
	mfaPage.Execute(w, view)
}

func fmtText(format, arg string) string {
	out := []byte{}
	for i := 0; i < len(format); i++ {
		if format[i] == '%' && i+1 < len(format) && format[i+1] == 's' {
			out = append(out, arg...)
			i++
			continue
		}
		out = append(out, format[i])
	}
	return string(out)
}

// serveMFA is the MFA pages' POST: a code, a choice, or an authenticator's
// first code.
func (h *Handler) serveMFA(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, prefix string) {
	base := domainBase(r, prefix)
	f, a, ok := h.selfServiceForm(w, r, svc, pool)
	if !ok {
		return
	}
	name, sess, username := f.Get("challenge"), f.Get("session"), f.Get("username")
	resp := map[string]string{"USERNAME": username}
	switch name {
	case "SOFTWARE_TOKEN_MFA":
		resp["SOFTWARE_TOKEN_MFA_CODE"] = f.Get("code")
	case "SMS_MFA":
		resp["SMS_MFA_CODE"] = f.Get("code")
	case "EMAIL_OTP":
		resp["EMAIL_OTP_CODE"] = f.Get("code")
	case "SMS_OTP":
		resp["SMS_OTP_CODE"] = f.Get("code")
	case "WEB_AUTHN":
		resp["CREDENTIAL"] = f.Get("credential")
	case "SELECT_CHALLENGE":
		resp["ANSWER"] = f.Get("answer")
	case "SELECT_MFA_TYPE":
		resp["ANSWER"] = f.Get("answer")
	case "MFA_SETUP":
		vs, err := svc.VerifySoftwareToken(r.Context(), "", sess, f.Get("code"), "")
		if err != nil {
			h.challengeFailed(w, r, svc, pool, base, f, &userpool.LoginChallenge{Name: "MFA_SETUP", Session: sess, Parameters: map[string]string{"associated": "1"}}, username, err)
			return
		}
		sess = vs.Session
	default:
		showError(w, http.StatusBadRequest, "Unknown sign-in step.")
		return
	}
	ls, err := svc.LoginRespond(r.Context(), a, name, sess, resp)
	var ch *userpool.LoginChallenge
	if errors.As(err, &ch) {
		h.renderChallenge(w, r, svc, pool, base, f, ch, username, "")
		return
	}
	if err != nil {
		h.challengeFailed(w, r, svc, pool, base, f, &userpool.LoginChallenge{Name: name, Session: sess}, username, err)
		return
	}
	h.setCookie(w, r, base, sessionCookie, svc.SealLoginSession(ls), int(userpool.LoginSessionTTL.Seconds()))
	h.completeAuthorize(w, r, svc, a, ls)
}

// challengeFailed answers a wrong code on the same page (the session takes
// a few), anything else by starting the sign-in again.
func (h *Handler) challengeFailed(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, base string, f url.Values, ch *userpool.LoginChallenge, username string, err error) {
	e, ok := awserr.As(err)
	switch {
	case ok && (e.Code == "CodeMismatchException" || e.Code == "ExpiredCodeException" || e.Code == "EnableSoftwareTokenMFAException" || e.Code == "InvalidParameterException" && ch.Name != "SELECT_MFA_TYPE"):
		if ch.Parameters == nil {
			ch.Parameters = map[string]string{}
		}
		if ch.Name == "SMS_MFA" || ch.Name == "EMAIL_OTP" || ch.Name == "SMS_OTP" {
			ch.Parameters["CODE_DELIVERY_DESTINATION"] = f.Get("destination")
		}
		h.renderChallenge(w, r, svc, pool, base, f, ch, username, e.Message)
	case ok && e.Status < 500:
		h.renderLogin(w, r, base, f, e.Message, username)
	default:
		showError(w, http.StatusInternalServerError, "The sign-in could not be completed; try again.")
	}
}

// domainPoolKey carries the pool a managed-login request is for, so that
// the pages can ask about its settings.
type domainPoolKey struct{}

type domainPoolRef struct {
	svc  *userpool.Service
	pool string
}

func mfaTextFor(v url.Values) map[string]string {
	if t, ok := mfaText[v.Get("lang")]; ok {
		return t
	}
	return mfaText["en"]
}

var passwordlessPage = template.Must(template.New("passwordless").Parse(`<!doctype html>
<html lang="{{.T.lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T.other}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1.5rem;padding:.6rem 1.2rem}.err{color:#a00}</style>
</head><body><main>
<h1>{{.T.other}}</h1>
<p>{{.T.otherIntro}}</p>
{{if .Error}}<p class="err" role="alert"><strong>{{.T.error}}:</strong> {{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<label for="username">{{.T.username}}</label>
<input id="username" name="username" autocomplete="username webauthn" required autofocus>
<button type="submit">{{.T.next}}</button>
</form></main></body></html>
`))

// servePasswordless is the page that begins a sign-in without a password
// (GET: the username; POST: the choices the user has).
func (h *Handler) servePasswordless(w http.ResponseWriter, r *http.Request, svc *userpool.Service, pool, prefix string) {
	base := domainBase(r, prefix)
	if r.Method == http.MethodGet {
		q, ok := pageQuery(w, r, svc, pool)
		if !ok {
			return
		}
		t := mfaTextFor(q)
		csrf := newCSRF()
		h.setCookie(w, r, base, csrfCookie, csrf, 3600)
		hidden := map[string]string{"_csrf": csrf}
		for _, k := range authorizeParams {
			if x := q.Get(k); x != "" {
				hidden[k] = x
			}
		}
		pageHeaders(w)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		passwordlessPage.Execute(w, struct {
			T             map[string]string
			Action, Error string
			Hidden        map[string]string
		}{t, base + "/login/passwordless", "", hidden})
		return
	}
	f, a, ok := h.selfServiceForm(w, r, svc, pool)
	if !ok {
		return
	}
	_, err := svc.LoginStart(r.Context(), a, f.Get("username"))
	var ch *userpool.LoginChallenge
	if errors.As(err, &ch) {
		h.renderChallenge(w, r, svc, pool, base, f, ch, f.Get("username"), "")
		return
	}
	if msg, ok := apiMessage(err); ok {
		h.renderLogin(w, r, base, f, msg, f.Get("username"))
		return
	}
	showError(w, http.StatusInternalServerError, "The sign-in could not be completed; try again.")
}

// passkeyScript asks the browser for the passkey the page's options name
// and posts the answer: the one script the pages carry, served from the
// pages' own origin (the Content-Security-Policy allows no other).
const passkeyScript = `(() => {
  const button = document.getElementById("passkey");
  if (!button) return;
  button.addEventListener("click", async () => {
    const options = PublicKeyCredential.parseRequestOptionsFromJSON(JSON.parse(button.dataset.options));
    const credential = await navigator.credentials.get({ publicKey: options });
    document.getElementById("credential").value = JSON.stringify(credential.toJSON());
    button.form.submit();
  });
})();
`

func servePasskeyScript(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write([]byte(passkeyScript))
}
