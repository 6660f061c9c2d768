package e2e

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestConsole drives the web console in headless Chromium: root signs in,
// makes a bucket, uploads a file, creates a user-pool user and a role; a
// user without policies signs in and is refused, as the API refuses.
func TestConsole(t *testing.T) {
	t.Parallel()
	node := needJS(t)
	chromium := needChromium(t)
	awsCLI := need(t, "aws")
	s := startServer(t, serverOpts{})
	env := s.cliEnv(s.KeyID, s.Secret)
	must := func(args ...string) string {
		t.Helper()
		out, stderr, err := run(t, env, awsCLI, args...)
		if err != nil {
			t.Fatalf("aws %v: %v %s", args, err, stderr)
		}
		return strings.TrimSpace(out)
	}
	poolID := must("cognito-idp", "create-user-pool", "--pool-name", "console-pool", "--query", "UserPool.Id", "--output", "text")
	clientID := must("cognito-idp", "create-user-pool-client", "--user-pool-id", poolID, "--client-name", "app", "--query", "UserPoolClient.ClientId", "--output", "text")
	provider := "cognito-idp.us-east-1.amazonaws.com/" + poolID
	ipID := must("cognito-identity", "create-identity-pool", "--identity-pool-name", "console-ids", "--allow-unauthenticated-identities",
		"--cognito-identity-providers", "ProviderName="+provider+",ClientId="+clientID, "--query", "IdentityPoolId", "--output", "text")
	must("cognito-identity", "set-principal-tag-attribute-map", "--identity-pool-id", ipID, "--identity-provider-name", provider, "--no-use-defaults", "--principal-tags", "team=custom:team")
	must("iam", "create-user", "--user-name", "viewer")
	keys := strings.Fields(must("iam", "create-access-key", "--user-name", "viewer", "--query", "AccessKey.[AccessKeyId,SecretAccessKey]", "--output", "text"))
	jsEnv := append(os.Environ(), "CHROMIUM="+chromium, "ENDPOINT="+s.URL, "KEY_ID="+s.KeyID, "SECRET="+s.Secret, "VIEWER_ID="+keys[0], "VIEWER_SECRET="+keys[1])
	if dir := os.Getenv("SEKISHO_SCREENSHOTS"); dir != "" {
		abs, _ := filepath.Abs(filepath.Join("..", dir))
		jsEnv = append(jsEnv, "SCREENSHOTS="+abs)
	}
	res := runJS(t, s, node, jsEnv, "console.mjs")
	wantJS(t, res, map[string]string{
		"who":             "arn:aws:iam::000000000000:root",
		"objects":         "[hello.txt]",
		"users":           "[console-user]",
		"roles":           "[console-role]",
		"viewer":          "arn:aws:iam::000000000000:user/viewer",
		"presigned":       "hello from the console\n",
		"bad_policy":      "MalformedPolicy",
		"new_key":         "AKIA",
		"simulated":       "implicitDeny",
		"policy_versions": "[v1 v2 (default)]",
		"policy_document": "true",
		"policy_attached": "[role console-role]",
		"outbox":          "200",
		"identity":        "200",
		"viewer_outbox":   "403",
	})
	if d := fmt.Sprint(res["denied"]); !strings.HasPrefix(d, "[403 AccessDenied") {
		t.Errorf("the viewer's S3 page: %s", d)
	}
	if csp := fmt.Sprint(res["csp"]); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("CSP: %s", csp)
	}
	if etag := must("s3api", "head-object", "--bucket", "console-bucket", "--key", "big.bin", "--query", "[ContentLength,ETag]", "--output", "text"); !strings.HasPrefix(etag, "20971520\t") || !strings.HasSuffix(etag, `-3"`) {
		t.Errorf("the 20 MiB upload: %s (want 3 parts)", etag)
	}
	if csp := fmt.Sprint(res["csp"]); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP without script-src 'self': %s", csp)
	}
	if out, _, _ := run(t, env, awsCLI, "s3", "cp", "s3://console-bucket/hello.txt", "-"); out != "hello from the console\n" {
		t.Errorf("the uploaded object: %q", out)
	}
}

// TestConsoleUploadCSRF: the streamed upload checks the form's token
// before it reads the file: a missing, wrong or late token is refused and
// nothing is written.
func TestConsoleUploadCSRF(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOpts{})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	token := func() string {
		resp, err := c.Get(s.URL + "/console/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("no token in %s", b)
		}
		return string(m[1])
	}
	tok := token()
	resp, err := c.PostForm(s.URL+"/console/login", url.Values{"_csrf": {tok}, "access_key_id": {s.KeyID}, "secret_access_key": {s.Secret}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign in: %v %v", err, resp)
	}
	resp.Body.Close()
	must := func(args ...string) {
		if _, stderr, err := run(t, s.cliEnv(s.KeyID, s.Secret), "aws", args...); err != nil {
			t.Fatalf("aws %v: %v %s", args, err, stderr)
		}
	}
	must("s3", "mb", "s3://csrf-bucket")
	post := func(fields [][2]string) int {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for _, f := range fields {
			if f[0] == "file" {
				w, _ := mw.CreateFormFile("file", "x.txt")
				w.Write([]byte(f[1]))
			} else {
				mw.WriteField(f[0], f[1])
			}
		}
		mw.Close()
		resp, err := c.Post(s.URL+"/console/s3/b/csrf-bucket/upload", mw.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for name, fields := range map[string][][2]string{
		"no token":    {{"prefix", ""}, {"file", "x"}},
		"wrong token": {{"_csrf", "0123456789abcdef0123456789abcdef"}, {"file", "x"}},
		"late token":  {{"file", "x"}, {"_csrf", tok}},
	} {
		if code := post(fields); code != 403 {
			t.Errorf("%s: %d, want 403", name, code)
		}
	}
	if code := post([][2]string{{"_csrf", tok}, {"prefix", "in/"}, {"file", "kept"}}); code != 200 {
		t.Errorf("a good upload: %d", code)
	}
	out, _, _ := run(t, s.cliEnv(s.KeyID, s.Secret), "aws", "s3", "ls", "--recursive", "s3://csrf-bucket")
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "in/x.txt") {
		t.Errorf("the bucket holds:\n%s", out)
	}
}
