package idpool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/store/bolt"
	"github.com/sekisho/sekisho/internal/sts"
	"github.com/sekisho/sekisho/internal/userpool"
)

var ctx = context.Background()

type world struct {
	ids    *Service
	pools  *userpool.Service
	iam    *iam.Service
	sts    *sts.Service
	pool   userpool.Pool
	client userpool.Client
	ipool  Pool
	now    time.Time
}

func newWorld(t testing.TB) *world {
	meta, err := bolt.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { meta.Close() })
	key, _ := seal.NewKey(make([]byte, 32))
	w := &world{now: time.Now()}
	clock := func() time.Time { return w.now }
	w.iam = &iam.Service{Store: meta, Account: "123456789012", Key: key}
	w.sts = &sts.Service{IAM: w.iam, Key: key, Account: "123456789012", Now: clock}
	w.pools = &userpool.Service{Store: meta, Key: key, Account: "123456789012", Region: "ap-northeast-1", Now: clock,
		Issuer: func(p string) string { return "http://127.0.0.1:9500/" + p }}
	w.ids = &Service{Store: meta, Key: key, Account: "123456789012", Region: "ap-northeast-1", UserPools: w.pools, STS: w.sts, Now: clock}
	w.sts.Issuers = []sts.Issuer{w.ids}
	w.pool, _ = w.pools.CreatePool(ctx, userpool.Pool{Name: "p"})
	w.client, _ = w.pools.CreateClient(ctx, userpool.Client{UserPoolId: w.pool.Id, ClientName: "c", ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}, false)
	w.ipool, err = w.ids.CreatePool(ctx, Pool{IdentityPoolName: "ip", AllowUnauthenticatedIdentities: true, AllowClassicFlow: true,
		CognitoIdentityProviders: []Provider{{ProviderName: idpProvider("ap-northeast-1", w.pool.Id), ClientId: w.client.ClientId, ServerSideTokenCheck: true}}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) role(t testing.TB, name, amr string) string {
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],
		"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"` + w.ipool.IdentityPoolId + `"},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"` + amr + `"}}}]}`
	r, err := w.iam.CreateRole(ctx, iam.CreateRoleInput{Name: name, AssumeRolePolicy: trust})
	if err != nil {
		t.Fatal(err)
	}
	return r.ARN
}

func (w *world) signIn(t testing.TB, name string, groups ...string) *userpool.AuthResult {
	if _, err := w.pools.AdminGetUser(ctx, w.pool.Id, name); err != nil {
		w.pools.AdminCreateUser(ctx, userpool.CreateUserInput{UserPoolId: w.pool.Id, Username: name, MessageAction: "SUPPRESS",
			UserAttributes: []userpool.AttributeType{{Name: "email", Value: name + "@example.com"}}})
		w.pools.AdminSetUserPassword(ctx, w.pool.Id, name, "Good#Pass12", true)
		for _, g := range groups {
			w.pools.AdminAddUserToGroup(ctx, w.pool.Id, name, g)
		}
	}
	out, err := w.pools.InitiateAuth(ctx, userpool.AuthInput{ClientId: w.client.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": "Good#Pass12"}})
	if err != nil {
		t.Fatal(err)
	}
	return out.AuthenticationResult
}

func (w *world) key() string { return idpProvider("ap-northeast-1", w.pool.Id) }

func msg(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code + ": " + e.Message
	}
	if err != nil {
		return err.Error()
	}
	return "ok"
}

func (w *world) principal(t testing.TB, c *Credentials) *auth.Principal {
	cred, err := w.sts.Credential(ctx, c.AccessKeyId, c.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	return cred.Principal
}

func TestLoginChecks(t *testing.T) {
	w := newWorld(t)
	auth := w.role(t, "auth", "authenticated")
	w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": auth}, nil)
	res := w.signIn(t, "taro")
	id, err := w.ids.GetId(ctx, w.ipool.IdentityPoolId, map[string]string{w.key(): res.IdToken})
	if err != nil || !strings.HasPrefix(id, "ap-northeast-1:") {
		t.Fatalf("GetId = %q, %v", id, err)
	}
	// The same login finds the same identity; Amplify's key (the issuer
	// without its scheme) works too.
	if again, _ := w.ids.GetId(ctx, w.ipool.IdentityPoolId, map[string]string{"127.0.0.1:9500/" + w.pool.Id: res.IdToken}); again != id {
		t.Errorf("Amplify-style key gave %q, want %q", again, id)
	}
	parts := strings.Split(res.IdToken, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	claims["sub"] = "someone-else"
	forged, _ := json.Marshal(claims)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2]
	other, _ := w.pools.CreatePool(ctx, userpool.Pool{Name: "other"})
	otherClient, _ := w.pools.CreateClient(ctx, userpool.Client{UserPoolId: w.pool.Id, ClientName: "unlisted", ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH"}}, false)
	unlisted, _ := w.pools.InitiateAuth(ctx, userpool.AuthInput{ClientId: otherClient.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "taro", "PASSWORD": "Good#Pass12"}})
	cases := []struct {
		name   string
		logins map[string]string
		want   string
	}{
		{"access token", map[string]string{w.key(): res.AccessToken}, "NotAuthorizedException: Invalid login token. Missing a required claim: aud"},
		{"tampered", map[string]string{w.key(): tampered}, "NotAuthorizedException: Invalid login token. Couldn't verify signed token."},
		{"garbage", map[string]string{w.key(): "not.a.jwt"}, "NotAuthorizedException: Invalid login token. Couldn't verify signed token."},
		{"wrong provider key", map[string]string{idpProvider("ap-northeast-1", other.Id): res.IdToken}, "NotAuthorizedException: Invalid login token. Issuer doesn't match providerName"},
		{"unlisted client", map[string]string{w.key(): unlisted.AuthenticationResult.IdToken}, "NotAuthorizedException: Token is not from a supported provider of this identity pool."},
	}
	for _, c := range cases {
		if _, err := w.ids.GetId(ctx, w.ipool.IdentityPoolId, c.logins); msg(err) != c.want {
			t.Errorf("%s: %s", c.name, msg(err))
		}
	}
	creds, err := w.ids.GetCredentialsForIdentity(ctx, id, map[string]string{w.key(): res.IdToken}, "")
	if err != nil {
		t.Fatal(err)
	}
	p := w.principal(t, creds)
	if p.ARN != "arn:aws:sts::123456789012:assumed-role/auth/CognitoIdentityCredentials" || p.Session.Claims["cognito-identity.amazonaws.com:sub"][0] != id {
		t.Errorf("principal %+v", p)
	}
	if d := time.Unix(int64(creds.Expiration), 0).Sub(w.now); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("enhanced flow credentials last %v", d)
	}
	// ServerSideTokenCheck: a signed-out user's token is refused.
	w.now = w.now.Add(2 * time.Second)
	w.pools.GlobalSignOut(ctx, w.pool.Id, "taro")
	if _, err := w.ids.GetCredentialsForIdentity(ctx, id, map[string]string{w.key(): res.IdToken}, ""); !strings.HasPrefix(msg(err), "NotAuthorizedException") {
		t.Errorf("signed-out user's token: %s", msg(err))
	}
	// An expired ID token.
	w.now = w.now.Add(2 * time.Hour)
	if _, err := w.ids.GetId(ctx, w.ipool.IdentityPoolId, map[string]string{w.key(): res.IdToken}); !strings.Contains(msg(err), "Token expired") {
		t.Errorf("expired token: %s", msg(err))
	}
}

func TestRoleSelection(t *testing.T) {
	w := newWorld(t)
	auth, unauth := w.role(t, "auth", "authenticated"), w.role(t, "unauth", "unauthenticated")
	admin, staff := w.role(t, "admin", "authenticated"), w.role(t, "staff", "authenticated")
	one, two := 1, 2
	w.pools.CreateGroup(ctx, userpool.Group{UserPoolId: w.pool.Id, GroupName: "admins", RoleArn: admin, Precedence: &one})
	w.pools.CreateGroup(ctx, userpool.Group{UserPoolId: w.pool.Id, GroupName: "staff", RoleArn: staff, Precedence: &two})
	mappingKey := w.key() + ":" + w.client.ClientId
	roleOf := func(name string, custom string, groups ...string) string {
		res := w.signIn(t, name, groups...)
		logins := map[string]string{w.key(): res.IdToken}
		id, err := w.ids.GetId(ctx, w.ipool.IdentityPoolId, logins)
		if err != nil {
			return msg(err)
		}
		c, err := w.ids.GetCredentialsForIdentity(ctx, id, logins, custom)
		if err != nil {
			return msg(err)
		}
		arn := w.principal(t, c).ARN
		return arn[strings.Index(arn, "assumed-role/")+13 : strings.LastIndex(arn, "/")]
	}
	// No roles at all.
	if got := roleOf("nobody", ""); got != "InvalidIdentityPoolConfigurationException: Invalid identity pool configuration. Check assigned IAM roles for this pool." {
		t.Errorf("no roles: %s", got)
	}
	w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": auth, "unauthenticated": unauth}, nil)
	if got := roleOf("plain", ""); got != "auth" {
		t.Errorf("default: %s", got)
	}
	w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": auth, "unauthenticated": unauth},
		map[string]RoleMapping{mappingKey: {Type: "Token", AmbiguousRoleResolution: "AuthenticatedRole"}})
	if got := roleOf("both", "", "staff", "admins"); got != "admin" {
		t.Errorf("preferred role: %s", got)
	}
	if got := roleOf("both", staff); got != "staff" {
		t.Errorf("custom role among the token's: %s", got)
	}
	if got := roleOf("both", unauth); !strings.HasPrefix(got, "NotAuthorizedException") {
		t.Errorf("custom role not in the token: %s", got)
	}
	if got := roleOf("plain", ""); got != "auth" {
		t.Errorf("no group, AuthenticatedRole: %s", got)
	}
	rules := &struct {
		Rules []MappingRule `json:"Rules"`
	}{Rules: []MappingRule{
		{Claim: "cognito:groups", MatchType: "Contains", Value: "staff", RoleARN: staff},
		{Claim: "email", MatchType: "StartsWith", Value: "vip", RoleARN: admin},
		{Claim: "custom:missing", MatchType: "NotEqual", Value: "x", RoleARN: unauth},
	}}
	w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": auth, "unauthenticated": unauth},
		map[string]RoleMapping{mappingKey: {Type: "Rules", AmbiguousRoleResolution: "Deny", RulesConfiguration: rules}})
	if got := roleOf("member", "", "staff"); got != "staff" {
		t.Errorf("Contains on groups: %s", got)
	}
	if got := roleOf("vipuser", ""); got != "admin" {
		t.Errorf("StartsWith on email: %s", got)
	}
	if got := roleOf("plain", ""); !strings.HasPrefix(got, "NotAuthorizedException") {
		t.Errorf("no rule matches with Deny: %s", got)
	}
	// A role whose trust refuses authenticated identities.
	w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": unauth}, nil)
	if got := roleOf("plain", ""); !strings.HasPrefix(got, "InvalidIdentityPoolConfigurationException") {
		t.Errorf("trust refuses: %s", got)
	}
}

func TestGuestsClassicAndDeveloper(t *testing.T) {
	w := newWorld(t)
	auth, unauth := w.role(t, "auth", "authenticated"), w.role(t, "unauth", "unauthenticated")
	w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": auth, "unauthenticated": unauth}, nil)
	gid, err := w.ids.GetId(ctx, w.ipool.IdentityPoolId, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := w.ids.GetCredentialsForIdentity(ctx, gid, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	p := w.principal(t, c)
	if !strings.Contains(p.ARN, "assumed-role/unauth/") || p.Session.Policy == "" {
		t.Errorf("guest principal %+v", p)
	}
	// Classic flow: an OpenID token STS accepts, with a duration the role allows.
	tok, err := w.ids.GetOpenIdToken(ctx, gid, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := w.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleArn: unauth, RoleSessionName: "classic", WebIdentityToken: tok, DurationSeconds: 3600})
	if err != nil || out.Provider != Federated || out.SubjectFromWebIdentityToken != gid {
		t.Fatalf("classic flow: %+v %v", out, err)
	}
	if _, err := w.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleArn: auth, RoleSessionName: "classic", WebIdentityToken: tok}); msg(err) != "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity" {
		t.Errorf("guest token for the authenticated role: %s", msg(err))
	}
	// Guests refused when the pool does not allow them.
	w.ipool.AllowUnauthenticatedIdentities = false
	w.ids.UpdatePool(ctx, w.ipool)
	if _, err := w.ids.GetId(ctx, w.ipool.IdentityPoolId, nil); msg(err) != "NotAuthorizedException: Unauthenticated access is not supported for this identity pool." {
		t.Errorf("guest GetId: %s", msg(err))
	}
	// Developer-authenticated identities.
	w.ipool.DeveloperProviderName = "login.example.app"
	w.ids.UpdatePool(ctx, w.ipool)
	dt, err := w.ids.GetOpenIdTokenForDeveloperIdentity(ctx, w.ipool.IdentityPoolId, "", map[string]string{"login.example.app": "user-42"}, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if id, users, err := w.ids.LookupDeveloperIdentity(ctx, w.ipool.IdentityPoolId, "", "user-42"); err != nil || id != dt.IdentityId || users[0] != "user-42" {
		t.Errorf("LookupDeveloperIdentity = %s %v %v", id, users, err)
	}
	c, err = w.ids.GetCredentialsForIdentity(ctx, dt.IdentityId, map[string]string{Federated: dt.Token}, "")
	if err != nil {
		t.Fatal(err)
	}
	if p := w.principal(t, c); !strings.Contains(p.ARN, "assumed-role/auth/") {
		t.Errorf("developer identity principal %s", p.ARN)
	}
	if left, _ := w.ids.DeleteIdentities(ctx, []string{dt.IdentityId, "ap-northeast-1:nope"}); len(left) != 1 {
		t.Errorf("DeleteIdentities left %v", left)
	}
}

// BenchmarkCredentials measures the enhanced flow's hot path: GetId and
// GetCredentialsForIdentity with an existing ID token.
func BenchmarkCredentials(b *testing.B) {
	w := newWorld(b)
	auth := w.role(b, "auth", "authenticated")
	w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": auth}, nil)
	res := w.signIn(b, "bench")
	logins := map[string]string{w.key(): res.IdToken}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id, err := w.ids.GetId(ctx, w.ipool.IdentityPoolId, logins)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.ids.GetCredentialsForIdentity(ctx, id, logins, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func TestUnlinkAndTamperedTokens(t *testing.T) {
	w := newWorld(t)
	auth, unauth := w.role(t, "auth", "authenticated"), w.role(t, "unauth", "unauthenticated")
	w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": auth, "unauthenticated": unauth}, nil)
	res := w.signIn(t, "kaito")
	logins := map[string]string{w.key(): res.IdToken}
	id, _ := w.ids.GetId(ctx, w.ipool.IdentityPoolId, logins)
	// A classic-flow token with a changed claim is refused by STS.
	tok, err := w.ids.GetOpenIdToken(ctx, id, logins)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	claims["amr"] = []string{"authenticated", "admin"}
	forged, _ := json.Marshal(claims)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2]
	if _, err := w.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleArn: auth, RoleSessionName: "x1", WebIdentityToken: tampered}); !strings.HasPrefix(msg(err), "InvalidIdentityToken") {
		t.Errorf("tampered OpenID token: %s", msg(err))
	}
	if _, err := w.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleArn: auth, RoleSessionName: "x1", WebIdentityToken: tok}); err != nil {
		t.Errorf("genuine OpenID token: %s", msg(err))
	}
	// Unlinking the login turns the identity into a guest's.
	if err := w.ids.UnlinkIdentity(ctx, id, logins, []string{w.key()}); err != nil {
		t.Fatal(err)
	}
	if d, _ := w.ids.DescribeIdentity(ctx, id); len(d.Logins) != 0 {
		t.Errorf("logins after unlink: %v", d.Logins)
	}
	if again, _ := w.ids.GetId(ctx, w.ipool.IdentityPoolId, logins); again == id {
		t.Errorf("the unlinked login still finds its old identity")
	}
	w.ids.DeleteIdentities(ctx, []string{id})
	if _, err := w.ids.GetCredentialsForIdentity(ctx, id, nil, ""); !strings.HasPrefix(msg(err), "ResourceNotFoundException") {
		t.Errorf("deleted identity: %s", msg(err))
	}
}

// TestCustomRoleArn: without a role mapping, CustomRoleArn may only name a
// role the user's token carries.
func TestCustomRoleArn(t *testing.T) {
	w := newWorld(t)
	auth, other := w.role(t, "auth", "authenticated"), w.role(t, "other", "authenticated")
	one := 1
	w.pools.CreateGroup(ctx, userpool.Group{UserPoolId: w.pool.Id, GroupName: "g", RoleArn: other, Precedence: &one})
	w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": auth}, nil)
	for _, c := range []struct {
		user   string
		groups []string
		want   string
	}{{"outsider", nil, "NotAuthorizedException"}, {"member", []string{"g"}, "ok"}} {
		res := w.signIn(t, c.user, c.groups...)
		logins := map[string]string{w.key(): res.IdToken}
		id, _ := w.ids.GetId(ctx, w.ipool.IdentityPoolId, logins)
		_, err := w.ids.GetCredentialsForIdentity(ctx, id, logins, other)
		if got := strings.SplitN(msg(err), ":", 2)[0]; got != c.want {
			t.Errorf("%s asking for %s: %s", c.user, other, msg(err))
		}
	}
}

// TestRoleMappingKeys: a mapping key that names no provider of the pool
// (a user pool without its ":<clientId>") would never apply; it is refused.
func TestRoleMappingKeys(t *testing.T) {
	w := newWorld(t)
	auth := w.role(t, "auth", "authenticated")
	m := RoleMapping{Type: "Token", AmbiguousRoleResolution: "AuthenticatedRole"}
	for _, key := range []string{w.key(), w.key() + ":other-client", "accounts.example.com"} {
		err := w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": auth}, map[string]RoleMapping{key: m})
		if !strings.HasPrefix(msg(err), "InvalidParameterException") {
			t.Errorf("key %q: %v", key, err)
		}
	}
	if err := w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": auth}, map[string]RoleMapping{w.key() + ":" + w.client.ClientId: m}); err != nil {
		t.Errorf("the right key: %v", err)
	}
	rules := RoleMapping{Type: "Rules", AmbiguousRoleResolution: "Deny"}
	rules.RulesConfiguration = &struct {
		Rules []MappingRule `json:"Rules"`
	}{}
	for i := 0; i < 26; i++ {
		rules.RulesConfiguration.Rules = append(rules.RulesConfiguration.Rules, MappingRule{Claim: "c", MatchType: "Equals", Value: "v", RoleARN: auth})
	}
	if err := w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, nil, map[string]RoleMapping{w.key() + ":" + w.client.ClientId: rules}); !strings.HasPrefix(msg(err), "InvalidParameterException") {
		t.Errorf("26 rules: %v", err)
	}
}

// TestGuestMerge is Amplify's cycle: guest, sign in (the guest takes the
// login), sign out (a new guest), sign in again: the new guest merges into
// the user's identity, whose id the answer carries; another user's login
// still does not match an identity that is not a guest.
func TestGuestMerge(t *testing.T) {
	w := newWorld(t)
	auth, unauth := w.role(t, "auth", "authenticated"), w.role(t, "unauth", "unauthenticated")
	w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": auth, "unauthenticated": unauth}, nil)
	pid := w.ipool.IdentityPoolId
	g1, _ := w.ids.GetId(ctx, pid, nil)
	logins := map[string]string{w.key(): w.signIn(t, "aoi").IdToken}
	c, err := w.ids.GetCredentialsForIdentity(ctx, g1, logins, "")
	if err != nil || c.IdentityId != g1 {
		t.Fatalf("first sign-in: %+v %v", c, err)
	}
	g2, _ := w.ids.GetId(ctx, pid, nil)
	if g2 == g1 {
		t.Fatal("a new guest got the user's identity")
	}
	c, err = w.ids.GetCredentialsForIdentity(ctx, g2, logins, "")
	if err != nil || c.IdentityId != g1 || !strings.Contains(w.principal(t, c).ARN, "assumed-role/auth/") {
		t.Fatalf("sign-in from a second guest: %+v %v", c, err)
	}
	if _, err := w.ids.GetCredentialsForIdentity(ctx, g2, nil, ""); !strings.HasPrefix(msg(err), "ResourceNotFoundException") {
		t.Errorf("the merged guest lives on: %v", err)
	}
	w.ids.Store.ViewRecords(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindByID, g2); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the merged guest's id index is left: %v", err)
		}
		return nil
	})
	// Classic flow: the same merge, the token names the user's identity.
	cur, _ := w.ids.Pool(ctx, pid)
	cur.AllowClassicFlow = true
	if _, err := w.ids.UpdatePool(ctx, cur); err != nil {
		t.Fatal(err)
	}
	g3, _ := w.ids.GetId(ctx, pid, nil)
	if _, id, err := w.ids.OpenIdTokenFor(ctx, g3, logins); err != nil || id != g1 {
		t.Errorf("classic merge: %s %v", id, err)
	}
	// Another user's login on aoi's identity: no match.
	other := map[string]string{w.key(): w.signIn(t, "ren").IdToken}
	if _, err := w.ids.GetCredentialsForIdentity(ctx, g1, other, ""); !strings.HasPrefix(msg(err), "NotAuthorizedException") {
		t.Errorf("another user's login on an identity: %v", err)
	}
}

// TestTrustWithoutCondition: a role that trusts cognito-identity.amazonaws.com
// without any condition would let any identity pool's users in; it is
// refused, as IAM refuses to create one.
func TestTrustWithoutCondition(t *testing.T) {
	w := newWorld(t)
	open := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
	r, err := w.iam.CreateRole(ctx, iam.CreateRoleInput{Name: "open", AssumeRolePolicy: open})
	if err != nil {
		t.Fatal(err)
	}
	w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": r.ARN}, nil)
	logins := map[string]string{w.key(): w.signIn(t, "sora").IdToken}
	id, err := w.ids.GetId(ctx, w.ipool.IdentityPoolId, logins)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ids.GetCredentialsForIdentity(ctx, id, logins, ""); !strings.HasPrefix(msg(err), "InvalidIdentityPoolConfigurationException") {
		t.Errorf("a role trusting every identity pool: %v", err)
	}
}
