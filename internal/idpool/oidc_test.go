package idpool

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TestOIDCLogins: an identity pool trusts an IAM OIDC provider; its tokens
// become identities and credentials, with the provider in amr.
func TestOIDCLogins(t *testing.T) {
	w := newWorld(t)
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mux := http.NewServeMux()
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	mux.HandleFunc("/.well-known/openid-configuration", func(rw http.ResponseWriter, r *http.Request) {
		json.NewEncoder(rw).Encode(map[string]string{"issuer": srv.URL, "jwks_uri": srv.URL + "/jwks"})
	})
	mux.HandleFunc("/jwks", func(rw http.ResponseWriter, r *http.Request) {
		json.NewEncoder(rw).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: "k", Algorithm: "ES256", Use: "sig"}}})
	})
	w.sts.HTTPClient = srv.Client()
	prov, err := w.iam.CreateOpenIDConnectProvider(ctx, srv.URL, []string{"web-app"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "https://")
	w.ipool.OpenIdConnectProviderARNs = []string{prov.ARN}
	w.ids.UpdatePool(ctx, w.ipool)
	auth := w.role(t, "oidc-auth", host)
	w.ids.SetRoles(ctx, w.ipool.IdentityPoolId, map[string]string{"authenticated": auth}, nil)
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k, KeyID: "k"}}, nil)
	token := func(aud string) string {
		s, _ := jwt.Signed(signer).Claims(jwt.Claims{Issuer: srv.URL, Subject: "google-user-1", Audience: jwt.Audience{aud}, Expiry: jwt.NewNumericDate(w.now.Add(time.Hour))}).Serialize()
		return s
	}
	logins := map[string]string{host: token("web-app")}
	id, err := w.ids.GetId(ctx, w.ipool.IdentityPoolId, logins)
	if err != nil {
		t.Fatal(err)
	}
	c, err := w.ids.GetCredentialsForIdentity(ctx, id, logins, "")
	if err != nil {
		t.Fatal(err)
	}
	if p := w.principal(t, c); !strings.Contains(p.ARN, "assumed-role/oidc-auth/") {
		t.Errorf("principal %s", p.ARN)
	}
	if _, err := w.ids.GetId(ctx, w.ipool.IdentityPoolId, map[string]string{host: token("other-app")}); !strings.HasPrefix(msg(err), "NotAuthorizedException") {
		t.Errorf("wrong audience: %s", msg(err))
	}
}
