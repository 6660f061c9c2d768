package userpool

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/sekisho/sekisho/internal/store"
)

// Sign-in through an external OIDC provider: the authorize endpoint sends
// the browser to the provider with a sealed state (the original request,
// a nonce and a PKCE verifier), and the provider's callback
// (/oauth2/idpresponse) lands in FinishFederation, which redeems the
// provider's code server to server, verifies its ID token against the
// provider's keys, and creates or updates the federated user
// "<ProviderName>_<sub>".

const fedPurpose = "sekisho federation state"

// fedState travels sealed through the external provider.
type fedState struct {
	Pool, Provider  string
	Request         AuthorizeRequest
	Nonce, Verifier string
	Binding         string // hash of the browser's binding cookie
	Expires         time.Time
}

func bindingHash(b string) string {
	sum := sha256.Sum256([]byte("sekisho federation binding\x00" + b))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// StartFederation returns the URL of the provider's authorization
// endpoint for a checked authorization request; callback is this pool's
// /oauth2/idpresponse URL, and binding a random value the browser keeps
// in a cookie, so that only the browser that set out may come back (no
// login CSRF).
func (s *Service) StartFederation(ctx context.Context, a Authorization, provider, callback, binding string) (string, error) {
	deny := &AuthorizeError{OAuthError{302, "invalid_request"}, true}
	if !a.allows(provider) {
		return "", deny
	}
	idp, err := s.DescribeIdentityProvider(ctx, a.Request.Pool, provider)
	if err != nil || idp.ProviderType != "OIDC" {
		return "", deny
	}
	st := fedState{Pool: a.Request.Pool, Provider: provider, Request: a.Request, Nonce: randomToken(), Verifier: randomToken(), Binding: bindingHash(binding), Expires: s.now().Add(10 * time.Minute)}
	b, _ := json.Marshal(st)
	sum := sha256.Sum256([]byte(st.Verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {idp.ProviderDetails["client_id"]}, "redirect_uri": {callback},
		"scope": {idp.ProviderDetails["authorize_scopes"]}, "state": {s.Key.Seal(fedPurpose, b)}, "nonce": {st.Nonce},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	sep := "?"
	if strings.Contains(idp.ProviderDetails["authorize_url"], "?") {
		sep = "&"
	}
	return idp.ProviderDetails["authorize_url"] + sep + q.Encode(), nil
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// FederationError is a failed provider callback; Request, when set, is
// the client's request, whose redirect URI may hear of it.
type FederationError struct {
	Request *AuthorizeRequest
	Reason  string
}

func (e *FederationError) Error() string { return "userpool: federation: " + e.Reason }

// FinishFederation handles the provider's callback: it checks the state,
// redeems the code, verifies the ID token and signs the federated user
// in. It returns the client's authorization (checked again) and the new
// session.
func (s *Service) FinishFederation(ctx context.Context, pool, state, code, callback, binding string) (Authorization, LoginSession, error) {
	var st fedState
	b, err := s.Key.Open(fedPurpose, state)
	if err != nil || json.Unmarshal(b, &st) != nil || st.Pool != pool || !s.now().Before(st.Expires) ||
		binding == "" || subtle.ConstantTimeCompare([]byte(bindingHash(binding)), []byte(st.Binding)) != 1 {
		return Authorization{}, LoginSession{}, &FederationError{Reason: "invalid state"}
	}
	fail := func(reason string) (Authorization, LoginSession, error) {
		return Authorization{}, LoginSession{}, &FederationError{Request: &st.Request, Reason: reason}
	}
	a, err := s.CheckAuthorize(ctx, st.Request)
	if err != nil {
		return Authorization{}, LoginSession{}, &FederationError{Reason: "the client's request is no longer valid"}
	}
	if !a.allows(st.Provider) { // the client dropped the provider meanwhile
		return fail("the provider is no longer the client's")
	}
	if code == "" {
		return fail("the provider returned no code")
	}
	idp, err := s.DescribeIdentityProvider(ctx, pool, st.Provider)
	if err != nil || idp.ProviderType != "OIDC" {
		return fail("unknown provider")
	}
	claims, err := s.redeemIdPCode(ctx, idp, code, callback, st.Verifier)
	if err != nil {
		return fail(err.Error())
	}
	if iss, _ := claims["iss"].(string); strings.TrimSuffix(iss, "/") != strings.TrimSuffix(idp.ProviderDetails["oidc_issuer"], "/") {
		return fail("wrong issuer")
	}
	if n, _ := claims["nonce"].(string); n != st.Nonce {
		return fail("nonce mismatch")
	}
	ls, err := s.federatedUser(ctx, pool, idp, claims)
	if err != nil {
		return fail(err.Error())
	}
	return a, ls, nil
}

// Upstream reaches external OIDC providers (package oidcfetch over
// HTTP). A Service without one refuses to configure providers that need
// discovery and to sign anyone in through a provider: fail closed.
type Upstream interface {
	Discover(ctx context.Context, issuer string) (Discovery, error)
	Keys(ctx context.Context, jwksURI string) ([]byte, error)
	Redeem(ctx context.Context, r Redemption) (Redeemed, error)
	UserInfo(ctx context.Context, uri, method, accessToken string) (map[string]any, error)
}

// Redeemed are a provider's tokens for a code.
type Redeemed struct{ IDToken, AccessToken string }

// Discovery is what an issuer's discovery document says.
type Discovery struct{ Issuer, Authorization, Token, UserInfo, JWKS string }

// Redemption is a code to trade at a provider's token endpoint.
type Redemption struct {
	TokenURL, ClientID, ClientSecret, Code, RedirectURI, Verifier string
}

// redeemIdPCode trades the provider's code for its tokens and returns the
// verified ID token's claims (signature by the provider's JWKS, audience,
// expiry).
func (s *Service) redeemIdPCode(ctx context.Context, idp IdentityProvider, code, callback, verifier string) (map[string]any, error) {
	if s.Upstream == nil {
		return nil, fmt.Errorf("external providers cannot be reached from this server")
	}
	d := idp.ProviderDetails
	got, err := s.Upstream.Redeem(ctx, Redemption{TokenURL: d["token_url"], ClientID: d["client_id"], ClientSecret: d["client_secret"], Code: code, RedirectURI: callback, Verifier: verifier})
	if err != nil {
		return nil, err
	}
	raw, err := s.Upstream.Keys(ctx, d["jwks_uri"])
	if err != nil {
		return nil, fmt.Errorf("the provider's keys cannot be fetched")
	}
	var keys jose.JSONWebKeySet
	if json.Unmarshal(raw, &keys) != nil {
		return nil, fmt.Errorf("the provider's keys cannot be read")
	}
	parsed, err := jwt.ParseSigned(got.IDToken, []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.PS256})
	if err != nil {
		return nil, fmt.Errorf("the provider's ID token is malformed")
	}
	var std jwt.Claims
	claims := map[string]any{}
	if err := parsed.Claims(&keys, &std, &claims); err != nil {
		return nil, fmt.Errorf("the provider's ID token does not verify")
	}
	if err := std.ValidateWithLeeway(jwt.Expected{AnyAudience: jwt.Audience{d["client_id"]}, Time: s.now()}, time.Minute); err != nil {
		return nil, fmt.Errorf("the provider's ID token is not for this client or has expired")
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return nil, fmt.Errorf("the provider's ID token has no sub")
	}
	// Attributes the ID token lacks may be at the provider's userinfo
	// endpoint; its sub must be the token's (OpenID Connect Core 5.3.2).
	if uri := d["attributes_url"]; uri != "" && got.AccessToken != "" {
		info, err := s.Upstream.UserInfo(ctx, uri, d["attributes_request_method"], got.AccessToken)
		if err != nil {
			return nil, err
		}
		if infoSub, _ := info["sub"].(string); infoSub != sub {
			return nil, fmt.Errorf("the provider's userinfo is for another subject")
		}
		for k, v := range info {
			if _, ok := claims[k]; !ok {
				claims[k] = v
			}
		}
	}
	return claims, nil
}

// federatedUser creates or updates "<provider>_<id>" from the provider's
// claims through the attribute mapping, and starts its session.
func (s *Service) federatedUser(ctx context.Context, pool string, idp IdentityProvider, claims map[string]any) (LoginSession, error) {
	idClaim := idp.AttributeMapping["username"]
	if idClaim == "" {
		idClaim = "sub"
	}
	userID := claimString(claims[idClaim])
	if userID == "" {
		return LoginSession{}, fmt.Errorf("the provider's token lacks %s", idClaim)
	}
	username := idp.ProviderName + "_" + userID
	mapped := map[string]string{}
	for attr, claim := range idp.AttributeMapping {
		if attr == "username" {
			continue
		}
		if v := claimString(claims[claim]); v != "" {
			mapped[attr] = v
		}
	}
	now := s.now()
	// A first sign-in makes the user: PreSignUp_ExternalProvider may
	// refuse it (before anything is written), PostConfirmation follows.
	var p0 Pool
	isNew := false
	if err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		if p0, err = s.poolTx(tx, pool); err != nil {
			return err
		}
		if _, ok := linkedUserTx(tx, pool, idp.ProviderName, userID); ok {
			return nil
		}
		_, err = tx.Get(kindUser, userKey(pool, username))
		isNew = isNotFound(err)
		if isNew {
			err = nil
		}
		return err
	}); err != nil {
		return LoginSession{}, err
	}
	if isNew {
		var attrs []AttributeType
		for k, v := range mapped {
			attrs = append(attrs, AttributeType{k, v})
		}
		if _, err := s.preSignUp(ctx, p0, "PreSignUp_ExternalProvider", username, "", attrs); err != nil {
			return LoginSession{}, err
		}
	}
	var ls LoginSession
	var made User
	err := s.update(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return err
		}
		if linked, ok := linkedUserTx(tx, pool, idp.ProviderName, userID); ok {
			if userState(linked) != nil {
				return fmt.Errorf("the user is disabled")
			}
			ls = LoginSession{Pool: pool, Username: linked.Username, Sub: linked.Attributes["sub"], AuthTime: now, Expires: now.Add(LoginSessionTTL)}
			return nil
		}
		old, err := store.GetJSON[User](tx, kindUser, userKey(pool, username))
		var u User
		switch {
		case err == nil:
			u = old
			u.Attributes = maps.Clone(old.Attributes)
		case isNotFound(err):
			identities, _ := json.Marshal([]map[string]any{identityEntry(idp.ProviderName, idp.ProviderType, userID, now.UnixMilli(), true)})
			u = User{Pool: pool, Username: username, Attributes: map[string]string{"sub": newUUID(), "identities": string(identities)},
				Enabled: true, Status: "EXTERNAL_PROVIDER", Created: now}
		default:
			return err
		}
		if userState(u) != nil {
			return fmt.Errorf("the user is disabled")
		}
		for k, v := range mapped {
			if k != "sub" && k != "identities" {
				u.Attributes[k] = v
			}
		}
		var prev *User
		if err == nil {
			prev = &old
		}
		if err := s.saveUser(tx, p, prev, u); err != nil {
			return err
		}
		if prev == nil {
			made = u
		}
		ls = LoginSession{Pool: pool, Username: username, Sub: u.Attributes["sub"], AuthTime: now, Expires: now.Add(LoginSessionTTL)}
		return nil
	})
	if err == nil && made.Username != "" {
		err = s.postConfirmation(ctx, p0, "PostConfirmation_ConfirmSignUp", "", made)
	}
	return ls, err
}

func claimString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return fmt.Sprint(v)
	case float64:
		return fmt.Sprint(v)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
