package sts_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/store/bolt"
	"github.com/sekisho/sekisho/internal/sts"
)

const acct = "123456789012"

func setup(t *testing.T) (*iam.Service, *sts.Service) {
	meta, err := bolt.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { meta.Close() })
	key, _ := seal.NewKey(make([]byte, 32))
	i := &iam.Service{Store: meta, Account: acct, Key: key}
	return i, &sts.Service{IAM: i, Key: key, Account: acct}
}

func code(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// oidcIssuer runs an OIDC issuer over TLS and signs tokens with an EC key.
type oidcIssuer struct {
	srv    *httptest.Server
	signer jose.Signer
}

func newIssuer(t *testing.T) *oidcIssuer {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwk := jose.JSONWebKey{Key: &k.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}
	is := &oidcIssuer{}
	mux := http.NewServeMux()
	is.srv = httptest.NewTLSServer(mux)
	t.Cleanup(is.srv.Close)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": is.srv.URL, "jwks_uri": is.srv.URL + "/jwks"})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}})
	})
	is.signer, _ = jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	return is
}

func (is *oidcIssuer) token(t *testing.T, aud, sub string, exp time.Time, extra map[string]any) string {
	c := jwt.Claims{Issuer: is.srv.URL, Subject: sub, Audience: jwt.Audience{aud}, Expiry: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(time.Now())}
	s, err := jwt.Signed(is.signer).Claims(c).Claims(extra).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	ctx := context.Background()
	i, s := setup(t)
	is := newIssuer(t)
	s.HTTPClient = is.srv.Client()
	host := strings.TrimPrefix(is.srv.URL, "https://")
	prov, err := i.CreateOpenIDConnectProvider(ctx, is.srv.URL, []string{"my-app"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + prov.ARN + `"},"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],
		"Condition":{"StringEquals":{"` + host + `:aud":"my-app"},"StringLike":{"` + host + `:sub":"user-*"}}}]}`
	role, err := i.CreateRole(ctx, iam.CreateRoleInput{Name: "web", AssumeRolePolicy: trust})
	if err != nil {
		t.Fatal(err)
	}
	in := func(tok string) sts.WebIdentityInput {
		return sts.WebIdentityInput{RoleArn: role.ARN, RoleSessionName: "web-session", WebIdentityToken: tok}
	}
	good := is.token(t, "my-app", "user-1", time.Now().Add(time.Hour), map[string]any{
		"https://aws.amazon.com/tags": map[string]any{"principal_tags": map[string][]string{"department": {"sales"}}},
	})
	out, err := s.AssumeRoleWithWebIdentity(ctx, in(good))
	if err != nil {
		t.Fatal(err)
	}
	if out.SubjectFromWebIdentityToken != "user-1" || out.Audience != "my-app" || out.AssumedRoleUser.Arn != "arn:aws:sts::"+acct+":assumed-role/web/web-session" || !strings.HasPrefix(out.Credentials.AccessKeyId, "ASIA") {
		t.Fatalf("output %+v", out)
	}
	cred, err := s.Credential(ctx, out.Credentials.AccessKeyId, out.Credentials.SessionToken)
	if err != nil || cred.SecretAccessKey != out.Credentials.SecretAccessKey || cred.Principal.Session.Tags["department"] != "sales" ||
		cred.Principal.Session.Claims[host+":sub"][0] != "user-1" {
		t.Fatalf("credential %+v %v", cred.Principal, err)
	}
	cases := []struct {
		name, tok, want string
	}{
		{"wrong audience", is.token(t, "other-app", "user-1", time.Now().Add(time.Hour), nil), "InvalidIdentityToken"},
		{"subject the trust refuses", is.token(t, "my-app", "admin", time.Now().Add(time.Hour), nil), "AccessDenied"},
		{"expired", is.token(t, "my-app", "user-1", time.Now().Add(-time.Minute), nil), "ExpiredTokenException"},
		{"not a JWT", "abcd.efgh", "InvalidIdentityToken"},
		{"forged signature", good[:strings.LastIndex(good, ".")+1] + "AAAA" + good[strings.LastIndex(good, ".")+5:], "InvalidIdentityToken"},
	}
	for _, c := range cases {
		if _, err := s.AssumeRoleWithWebIdentity(ctx, in(c.tok)); code(err) != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
	i.DeleteOpenIDConnectProvider(ctx, prov.ARN)
	if _, err := s.AssumeRoleWithWebIdentity(ctx, in(good)); code(err) != "InvalidIdentityToken" {
		t.Errorf("untrusted issuer: %v", err)
	}
}

func TestSessionTokens(t *testing.T) {
	ctx := context.Background()
	i, s := setup(t)
	now := time.Now()
	s.Now = func() time.Time { return now }
	role, _ := i.CreateRole(ctx, iam.CreateRoleInput{Name: "r", AssumeRolePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:user/u"},"Action":"sts:AssumeRole"}]}`})
	u, _ := i.CreateUser(ctx, "u", "", nil)
	caller := &auth.Principal{Kind: auth.User, Account: acct, ARN: u.ARN, UserID: u.ID, UserName: "u"}
	out, err := s.AssumeRole(ctx, caller, &iam.Policies{}, sts.AssumeRoleInput{RoleArn: role.ARN, RoleSessionName: "s1", DurationSeconds: 900})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if _, err := s.Credential(ctx, c.AccessKeyId, c.SessionToken); err != nil {
		t.Fatal(err)
	}
	tampered := c.SessionToken[:len(c.SessionToken)-4] + "AAAA"
	if _, err := s.Credential(ctx, c.AccessKeyId, tampered); err != auth.ErrInvalidToken {
		t.Errorf("tampered token: %v", err)
	}
	if _, err := s.Credential(ctx, "ASIAOTHEROTHEROTHER0", c.SessionToken); err != auth.ErrInvalidToken {
		t.Errorf("token of another key: %v", err)
	}
	now = now.Add(901 * time.Second)
	if _, err := s.Credential(ctx, c.AccessKeyId, c.SessionToken); err != auth.ErrExpiredToken {
		t.Errorf("expired token: %v", err)
	}
	other := &auth.Principal{Kind: auth.User, Account: acct, ARN: "arn:aws:iam::" + acct + ":user/v", UserName: "v"}
	if _, err := s.AssumeRole(ctx, other, &iam.Policies{}, sts.AssumeRoleInput{RoleArn: role.ARN, RoleSessionName: "s1"}); code(err) != "AccessDenied" {
		t.Errorf("untrusted caller: %v", err)
	}
	if _, err := s.AssumeRole(ctx, caller, &iam.Policies{}, sts.AssumeRoleInput{RoleArn: role.ARN, RoleSessionName: "s1", DurationSeconds: 7200}); code(err) != "ValidationError" {
		t.Errorf("over MaxSessionDuration: %v", err)
	}
	if _, err := s.AssumeRole(ctx, caller, &iam.Policies{}, sts.AssumeRoleInput{RoleArn: role.ARN, RoleSessionName: "s1", Policy: `{"Version":"2012-10-17"}`}); code(err) != "MalformedPolicyDocument" {
		t.Errorf("malformed session policy: %v", err)
	}
}

func TestGetSessionToken(t *testing.T) {
	ctx := context.Background()
	i, s := setup(t)
	u, _ := i.CreateUser(ctx, "u", "", nil)
	caller := &auth.Principal{Kind: auth.User, Account: acct, ARN: u.ARN, UserID: u.ID, UserName: "u", AccessKeyID: "AKIAEXAMPLEEXAMPLE00"}
	out, err := s.GetSessionToken(ctx, caller, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(out.Credentials.Expiration); d < 11*time.Hour || d > 13*time.Hour {
		t.Errorf("default duration %v, want 12h", d)
	}
	cred, err := s.Credential(ctx, out.Credentials.AccessKeyId, out.Credentials.SessionToken)
	if err != nil || cred.Principal.ARN != u.ARN || cred.Principal.Kind != auth.User || !cred.Principal.Temporary || cred.Principal.UserName != "u" {
		t.Fatalf("session principal %+v %v", cred.Principal, err)
	}
	if _, err := s.GetSessionToken(ctx, cred.Principal, 0); code(err) != "AccessDenied" {
		t.Errorf("GetSessionToken with session credentials: %v", err)
	}
	if _, err := s.GetSessionToken(ctx, caller, 600); code(err) != "ValidationError" {
		t.Errorf("too short: %v", err)
	}
	root := auth.RootPrincipal(acct, "AKIAROOT")
	if _, err := s.GetSessionToken(ctx, root, 7200); code(err) != "ValidationError" {
		t.Errorf("root over an hour: %v", err)
	}
}
