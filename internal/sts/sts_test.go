package sts_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
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
	"github.com/sekisho/sekisho/internal/policy"
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
	out, err := s.GetSessionToken(ctx, caller, 0, "", "")
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
	if _, err := s.GetSessionToken(ctx, cred.Principal, 0, "", ""); code(err) != "AccessDenied" {
		t.Errorf("GetSessionToken with session credentials: %v", err)
	}
	if _, err := s.GetSessionToken(ctx, caller, 600, "", ""); code(err) != "ValidationError" {
		t.Errorf("too short: %v", err)
	}
	root := auth.RootPrincipal(acct, "AKIAROOT")
	if _, err := s.GetSessionToken(ctx, root, 7200, "", ""); code(err) != "ValidationError" {
		t.Errorf("root over an hour: %v", err)
	}
}

// TestAssumeRoleTrust: the role's trust policy must allow the caller; an
// identity Allow never suffices on its own (a trust policy is not a bucket
// policy). Naming the caller needs no identity policy; naming its account
// (or "*") needs one too; an explicit Deny anywhere wins.
func TestAssumeRoleTrust(t *testing.T) {
	ctx := context.Background()
	i, s := setup(t)
	u, _ := i.CreateUser(ctx, "u", "", nil)
	caller := &auth.Principal{Kind: auth.User, Account: acct, ARN: u.ARN, UserID: u.ID, UserName: "u"}
	doc := func(d string) *policy.Document {
		p, err := policy.Parse([]byte(d), policy.Identity)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	allowAll := doc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*"}]}`)
	denyAll := doc(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`)
	none := &iam.Policies{}
	allow := &iam.Policies{Identity: []*policy.Document{allowAll}}
	deny := &iam.Policies{Identity: []*policy.Document{allowAll, denyAll}}
	trust := func(principal string, actions ...string) string {
		a, _ := json.Marshal(actions)
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":` + string(a) + `}]}`
	}
	n := 0
	role := func(doc string) string {
		n++
		r, err := i.CreateRole(ctx, iam.CreateRoleInput{Name: fmt.Sprintf("r%d", n), AssumeRolePolicy: doc})
		if err != nil {
			t.Fatal(err)
		}
		return r.ARN
	}
	other := role(trust(`{"AWS":"arn:aws:iam::111122223333:root"}`, "sts:AssumeRole"))
	otherBare := role(trust(`{"AWS":"111122223333"}`, "sts:AssumeRole"))
	account := role(trust(`{"AWS":"arn:aws:iam::`+acct+`:root"}`, "sts:AssumeRole"))
	accountBare := role(trust(`{"AWS":"`+acct+`"}`, "sts:AssumeRole"))
	named := role(trust(`{"AWS":"`+u.ARN+`"}`, "sts:AssumeRole"))
	star := role(trust(`"*"`, "sts:AssumeRole"))
	service := role(trust(`{"Service":"ec2.amazonaws.com"}`, "sts:AssumeRole"))
	namedTags := role(trust(`{"AWS":"`+u.ARN+`"}`, "sts:AssumeRole", "sts:TagSession"))
	namedSource := role(trust(`{"AWS":"`+u.ARN+`"}`, "sts:AssumeRole", "sts:SetSourceIdentity"))
	denyTrust := role(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + u.ARN + `"},"Action":"sts:AssumeRole"},
		{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]}`)
	tags := []iam.Tag{{Key: "team", Value: "a"}}
	cases := []struct {
		name   string
		role   string
		pol    *iam.Policies
		tags   []iam.Tag
		source string
		ok     bool
	}{
		{"other account, identity allows *", other, allow, nil, "", false},
		{"other account (bare id), identity allows *", otherBare, allow, nil, "", false},
		{"own account, no identity policy", account, none, nil, "", false},
		{"own account, identity allows", account, allow, nil, "", true},
		{"own account (bare id), identity allows", accountBare, allow, nil, "", true},
		{"own account, identity denies", account, deny, nil, "", false},
		{"names the caller, no identity policy", named, none, nil, "", true},
		{"names the caller, identity denies", named, deny, nil, "", false},
		{"star, no identity policy", star, none, nil, "", false},
		{"star, identity allows", star, allow, nil, "", true},
		{"service principal only", service, allow, nil, "", false},
		{"tags without sts:TagSession", named, none, tags, "", false},
		{"tags with sts:TagSession", namedTags, none, tags, "", true},
		{"source identity without sts:SetSourceIdentity", named, none, nil, "alice", false},
		{"source identity with sts:SetSourceIdentity", namedSource, none, nil, "alice", true},
		{"trust denies", denyTrust, none, nil, "", false},
	}
	for _, c := range cases {
		out, err := s.AssumeRole(ctx, caller, c.pol, sts.AssumeRoleInput{RoleArn: c.role, RoleSessionName: "s1", Tags: c.tags, SourceIdentity: c.source})
		if c.ok != (err == nil) {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !c.ok {
			if code(err) != "AccessDenied" || !strings.Contains(err.Error(), "User: "+u.ARN+" is not authorized to perform: sts:") {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if out.SourceIdentity != c.source {
			t.Errorf("%s: source identity %q", c.name, out.SourceIdentity)
		}
	}
	// A session chained from a role session: trust naming the role
	// (not the session) names the caller.
	out, err := s.AssumeRole(ctx, caller, none, sts.AssumeRoleInput{RoleArn: namedSource, RoleSessionName: "s1", SourceIdentity: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	cred, _ := s.Credential(ctx, out.Credentials.AccessKeyId, out.Credentials.SessionToken)
	chained := role(trust(`{"AWS":"`+namedSource+`"}`, "sts:AssumeRole", "sts:SetSourceIdentity"))
	out2, err := s.AssumeRole(ctx, cred.Principal, none, sts.AssumeRoleInput{RoleArn: chained, RoleSessionName: "s2"})
	if err != nil || out2.SourceIdentity != "alice" {
		t.Fatalf("chained: %+v %v", out2, err)
	}
	if _, err := s.AssumeRole(ctx, cred.Principal, none, sts.AssumeRoleInput{RoleArn: chained, RoleSessionName: "s2", SourceIdentity: "mallory"}); code(err) != "AccessDenied" {
		t.Errorf("changing the source identity: %v", err)
	}
	chainedNoSource := role(trust(`{"AWS":"`+namedSource+`"}`, "sts:AssumeRole"))
	if _, err := s.AssumeRole(ctx, cred.Principal, none, sts.AssumeRoleInput{RoleArn: chainedNoSource, RoleSessionName: "s2"}); code(err) != "AccessDenied" {
		t.Errorf("carrying a source identity needs sts:SetSourceIdentity: %v", err)
	}
	bad := []iam.Tag{{Key: "k", Value: "a*b"}}
	if _, err := s.AssumeRole(ctx, caller, none, sts.AssumeRoleInput{RoleArn: namedTags, RoleSessionName: "s1", Tags: bad}); code(err) != "ValidationError" {
		t.Errorf("tag value with *: %v", err)
	}
	for _, bad := range [][]iam.Tag{{{Key: "${aws:username}", Value: "v"}}, {{Key: strings.Repeat("k", 129), Value: "v"}}, {{Key: "k", Value: strings.Repeat("v", 257)}}, {{Key: "k?", Value: "v"}}} {
		if _, err := s.AssumeRole(ctx, caller, none, sts.AssumeRoleInput{RoleArn: namedTags, RoleSessionName: "s1", Tags: bad}); code(err) != "ValidationError" {
			t.Errorf("tag %+v: %v", bad, err)
		}
	}
	if _, err := s.AssumeRole(ctx, caller, none, sts.AssumeRoleInput{RoleArn: namedTags, RoleSessionName: "s1", Tags: []iam.Tag{{Key: "K", Value: "1"}, {Key: "k", Value: "2"}}}); code(err) != "InvalidParameterValue" {
		t.Errorf("duplicate tag keys: %v", err)
	}
}
