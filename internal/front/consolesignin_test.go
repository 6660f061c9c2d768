package front_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestConsolePasswordSignIn: an IAM user signs into the console with the
// password of their login profile — choosing a new one when it must be
// reset, giving their MFA device's code when they have one — and acts as
// themselves; wrong passwords are capped.
func TestConsolePasswordSignIn(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	must := mustOK(t)
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("kai")})
	must("CreateUser", err)
	_, err = c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("kai"), Password: aws.String("First#Pass1"), PasswordResetRequired: true})
	must("CreateLoginProfile", err)

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) string {
		resp, err := hc.Get(g.url + path)
		must("GET "+path, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}
	csrf := func() string {
		m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(get("/console/"))
		if m == nil {
			t.Fatal("no CSRF token")
		}
		return m[1]
	}
	signIn := func(fields url.Values) (int, string) {
		fields.Set("_csrf", csrf())
		resp, err := hc.PostForm(g.url+"/console/signin", fields)
		must("sign in", err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	form := func(password string, kv ...string) url.Values {
		v := url.Values{"user_name": {"kai"}, "password": {password}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	if st, page := signIn(form("Wrong#Pass1")); st != 401 || !strings.Contains(page, "incorrect") {
		t.Fatalf("a wrong password: %d %s", st, page)
	}
	if st, page := signIn(form("First#Pass1")); st != 401 || !strings.Contains(page, `name="new_password"`) {
		t.Fatalf("a password that must be reset: %d %s", st, page)
	}
	if st, page := signIn(form("First#Pass1", "new_password", "x")); st != 401 || !strings.Contains(page, "Password does not conform") {
		t.Fatalf("a new password outside the policy: %d %s", st, page)
	}
	if st, page := signIn(form("First#Pass1", "new_password", "Second#Pass2")); st != http.StatusSeeOther {
		t.Fatalf("the new password: %d %s", st, page)
	}
	if page := get("/console/"); !strings.Contains(page, "Signed in as arn:aws:iam::000000000000:user/kai") {
		t.Fatalf("home: %s", page)
	}
	if u, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("kai")}); err != nil || u.User.PasswordLastUsed == nil {
		t.Fatalf("PasswordLastUsed after a sign-in: %+v %v", u, err)
	}
	// The session is kai's: without a policy, IAM refuses.
	if page := get("/console/iam"); !strings.Contains(page, "AccessDenied") && !strings.Contains(page, "not authorized") {
		t.Fatalf("kai's IAM page: %s", page)
	}

	// With an MFA device, its code is needed too.
	dev, err := c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("kai-phone")})
	must("CreateVirtualMFADevice", err)
	seed := strings.TrimRight(string(dev.VirtualMFADevice.Base32StringSeed), "=")
	// The codes are taken once: one recomputed later could fall in the
	// next 30-second step, which was never used.
	used, next := totpAt(t, seed, 0), totpAt(t, seed, 1)
	_, err = c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("kai"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(totpAt(t, seed, -1)), AuthenticationCode2: aws.String(used)})
	must("EnableMFADevice", err)
	if st, page := signIn(form("Second#Pass2")); st != 401 || !strings.Contains(page, `name="mfa_code"`) {
		t.Fatalf("no code: %d %s", st, page)
	}
	if st, _ := signIn(form("Second#Pass2", "mfa_code", used)); st != 401 {
		t.Fatalf("a code already used: %d", st)
	}
	if st, page := signIn(form("Second#Pass2", "mfa_code", next)); st != http.StatusSeeOther {
		t.Fatalf("with the code: %d %s", st, page)
	}

	// Wrong passwords are capped (two were wrong above, counted until a
	// success; this run adds five more).
	for i := 0; i < 5; i++ {
		signIn(form("Guess#Pass" + string(rune('a'+i))))
	}
	if st, page := signIn(form("Second#Pass2", "mfa_code", totpAt(t, seed, 1))); st != http.StatusTooManyRequests {
		t.Fatalf("after five wrong passwords: %d %s", st, page)
	}
	// An unknown user is answered as a wrong password.
	if st, page := signIn(url.Values{"user_name": {"nobody"}, "password": {"x"}}); st != 401 || !strings.Contains(page, "incorrect") {
		t.Fatalf("an unknown user: %d %s", st, page)
	}
}
