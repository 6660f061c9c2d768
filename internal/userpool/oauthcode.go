package userpool

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/store"
)

// The authorization endpoint's side of OAuth 2.0: requests checked
// against the client's settings, the managed-login session, sign-in by
// password, authorization codes (single use, five minutes, bound to the
// client and redirect URI, PKCE S256), and their exchange for tokens.

const (
	kindAuthCode = "cognito.spentcode" // JTIs of spent authorization codes
	authCodeTTL  = 5 * time.Minute
	// LoginSessionTTL is how long a managed-login session cookie lasts.
	LoginSessionTTL = time.Hour
	loginPurpose    = "sekisho managed login session"
)

// AuthorizeRequest is an authorization request's parameters.
type AuthorizeRequest struct {
	Pool, ClientID, RedirectURI, ResponseType, State, Scope, Nonce string
	CodeChallenge, CodeChallengeMethod                             string
}

// Authorization is a checked authorization request: its client and the
// scopes it grants.
type Authorization struct {
	Request AuthorizeRequest
	Client  Client
	Scopes  []string
}

// CheckAuthorize validates an authorization request. Its errors are
// OAuthErrors; one with RedirectOK false must not be sent to the
// redirect URI (it is not known to be the client's).
func (s *Service) CheckAuthorize(ctx context.Context, r AuthorizeRequest) (Authorization, error) {
	var c Client
	var p Pool
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		c, p, err = s.clientByID(tx, r.ClientID)
		return err
	})
	if err != nil || p.Id != r.Pool {
		return Authorization{}, &AuthorizeError{OAuthError{400, "invalid_request"}, false}
	}
	registered := false
	for _, u := range c.CallbackURLs {
		registered = registered || u == r.RedirectURI
	}
	if !registered {
		return Authorization{}, &AuthorizeError{OAuthError{400, "redirect_mismatch"}, false}
	}
	bad := func(code string) (Authorization, error) {
		return Authorization{}, &AuthorizeError{OAuthError{302, code}, true}
	}
	flow := map[string]string{"code": "code", "token": "implicit"}[r.ResponseType]
	switch {
	case flow == "":
		return bad("unsupported_response_type")
	case !c.AllowedOAuthFlowsUserPoolClient || !hasFlow(c, flow):
		return bad("unauthorized_client")
	case r.CodeChallenge != "" && r.CodeChallengeMethod != "S256",
		r.CodeChallenge == "" && r.CodeChallengeMethod != "",
		r.CodeChallenge != "" && (len(r.CodeChallenge) != 43 || strings.Trim(r.CodeChallenge, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != ""):
		return bad("invalid_request")
	}
	allowed := map[string]bool{}
	for _, sc := range c.AllowedOAuthScopes {
		allowed[sc] = true
	}
	scopes := c.AllowedOAuthScopes
	if strings.TrimSpace(r.Scope) != "" {
		scopes = nil
		for _, sc := range strings.Fields(r.Scope) {
			if !allowed[sc] {
				return bad("invalid_scope")
			}
			scopes = append(scopes, sc)
		}
	}
	return Authorization{Request: r, Client: c, Scopes: scopes}, nil
}

// NativeSignIn reports whether the client lets users sign in with the
// pool's own user names and passwords (COGNITO among its providers).
func (a Authorization) NativeSignIn() bool { return a.allows("COGNITO") }

// allows reports whether provider is one of the client's identity
// providers.
func (a Authorization) allows(provider string) bool {
	return slices.Contains(a.Client.SupportedIdentityProviders, provider)
}

// AuthorizeError is an error of the authorization endpoint; RedirectOK
// says whether it may go back to the client's redirect URI.
type AuthorizeError struct {
	OAuthError
	RedirectOK bool
}

// LoginSession is a managed-login session: who signed in, when.
type LoginSession struct {
	Pool, Username, Sub string
	AuthTime, Expires   time.Time
}

// SealLoginSession makes a session cookie's value.
func (s *Service) SealLoginSession(ls LoginSession) string {
	b, _ := json.Marshal(ls)
	return s.Key.Seal(loginPurpose, b)
}

// OpenLoginSession reads a session cookie for pool: ok false if it is
// not a live session of a user that still exists, under the same sub.
func (s *Service) OpenLoginSession(ctx context.Context, pool, value string) (LoginSession, bool) {
	var ls LoginSession
	b, err := s.Key.Open(loginPurpose, value)
	if err != nil || json.Unmarshal(b, &ls) != nil || ls.Pool != pool || !s.now().Before(ls.Expires) {
		return LoginSession{}, false
	}
	var u User
	err = s.view(ctx, func(tx store.RecordTx) error {
		var err error
		u, err = store.GetJSON[User](tx, kindUser, userKey(pool, ls.Username))
		return err
	})
	if err != nil || u.Attributes["sub"] != ls.Sub || userState(u) != nil {
		return LoginSession{}, false
	}
	return ls, true
}

// LoginSignIn checks a managed-login sign-in by password, with the API's
// lockout and PreventUserExistenceErrors, and returns the session it
// starts.
func (s *Service) LoginSignIn(ctx context.Context, a Authorization, name, password string) (LoginSession, error) {
	if !a.NativeSignIn() {
		return LoginSession{}, errNotAuthorized("Login option is not available. Please try another one")
	}
	var p Pool
	if err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		p, err = s.poolTx(tx, a.Request.Pool)
		return err
	}); err != nil {
		return LoginSession{}, err
	}
	if err := s.allow(p.Id); err != nil {
		return LoginSession{}, err
	}
	if err := s.riskBlocked(ctx, p, a.Client.ClientId); err != nil {
		return LoginSession{}, err
	}
	if name == "" || password == "" {
		return LoginSession{}, errIncorrect
	}
	u, err := s.lookupForAuth(ctx, p, a.Client, name)
	if err != nil {
		s.verifyPassword(hashPasswordDummy, password)
		return LoginSession{}, err
	}
	if err := s.locked(u); err != nil {
		return LoginSession{}, err
	}
	if err := s.preAuthentication(ctx, p, a.Client.ClientId, u); err != nil {
		return LoginSession{}, err
	}
	if !s.passwordMatches(u, password) {
		return LoginSession{}, s.recordFailure(ctx, p.Id, u.Username)
	}
	out, err := s.afterPassword(ctx, p, a.Client, u, signInOpts{login: true})
	return loginOutcome(out, err)
}

// LoginChallenge is a managed-login sign-in's answer when the user owes a
// challenge (MFA): the page asks for it and answers with LoginRespond.
type LoginChallenge struct {
	Name       string
	Session    string
	Parameters map[string]string
}

func (e *LoginChallenge) Error() string { return "userpool: the sign-in continues with " + e.Name }

// loginOutcome turns a sign-in step's answer into the pages' terms: a
// login session, or a *NewPasswordRequired or *LoginChallenge error.
func loginOutcome(out *AuthOutput, err error) (LoginSession, error) {
	switch {
	case err != nil:
		return LoginSession{}, err
	case out.login != nil:
		return *out.login, nil
	case out.ChallengeName == "NEW_PASSWORD_REQUIRED":
		return LoginSession{}, &NewPasswordRequired{Session: out.Session}
	case out.ChallengeName != "":
		params := maps.Clone(out.ChallengeParameters)
		if params == nil {
			params = map[string]string{}
		}
		if out.AvailableChallenges != nil {
			b, _ := json.Marshal(out.AvailableChallenges)
			params["AVAILABLE_CHALLENGES"] = string(b)
		}
		return LoginSession{}, &LoginChallenge{Name: out.ChallengeName, Session: out.Session, Parameters: params}
	}
	return LoginSession{}, errNotAuthorized("Invalid session for the user.")
}

// LoginRespond answers a challenge LoginSignIn returned, for the pages.
func (s *Service) LoginRespond(ctx context.Context, a Authorization, name, sess string, responses map[string]string) (LoginSession, error) {
	in := ChallengeInput{ClientId: a.Client.ClientId, ChallengeName: name, Session: sess, ChallengeResponses: responses, login: true}
	if in.ChallengeResponses == nil {
		in.ChallengeResponses = map[string]string{}
	}
	out, err := s.RespondToAuthChallenge(ctx, in)
	return loginOutcome(out, err)
}

// codeGrant is what an authorization code carries, sealed under the
// master key: the code is self-contained, so issuing one writes nothing;
// spending it writes its JTI, which makes it single-use on every node.
type codeGrant struct {
	JTI                                      string
	Pool, Client, Username, Sub, RedirectURI string
	Scopes                                   []string
	Nonce, Challenge                         string
	AuthTime, Expires                        time.Time
}

const codePurpose = "sekisho authorization code"

// NewCode issues an authorization code for a signed-in session.
func (s *Service) NewCode(ctx context.Context, a Authorization, ls LoginSession) (string, error) {
	raw := make([]byte, 12)
	rand.Read(raw)
	exp := s.now().Add(authCodeTTL)
	// JTIs sort by expiry, so spending a code also sweeps spent ones.
	jti := fmt.Sprintf("%016x", exp.UnixNano()) + base64.RawURLEncoding.EncodeToString(raw)
	g := codeGrant{JTI: jti, Pool: a.Request.Pool, Client: a.Client.ClientId, Username: ls.Username, Sub: ls.Sub, RedirectURI: a.Request.RedirectURI,
		Scopes: a.Scopes, Nonce: a.Request.Nonce, Challenge: a.Request.CodeChallenge, AuthTime: ls.AuthTime, Expires: exp}
	b, err := json.Marshal(g)
	if err != nil {
		return "", err
	}
	return s.Key.Seal(codePurpose, b), nil
}

// spendCode marks a code's JTI spent (ErrAlreadyExists if it was), and
// drops marks of codes that have expired anyway.
func (s *Service) spendCode(ctx context.Context, g codeGrant) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindAuthCode, g.JTI); err == nil {
			return store.ErrAlreadyExists
		}
		old, err := tx.List(kindAuthCode, "", "", 16)
		if err != nil {
			return err
		}
		cut := fmt.Sprintf("%016x", s.now().UnixNano())
		for _, r := range old {
			if r.ID < cut {
				if err := tx.Delete(kindAuthCode, r.ID); err != nil {
					return err
				}
			}
		}
		return tx.Put(kindAuthCode, g.JTI, nil)
	})
}

// ImplicitTokens issues the implicit flow's tokens (no refresh token).
func (s *Service) ImplicitTokens(ctx context.Context, a Authorization, ls LoginSession) (TokenResponse, error) {
	return s.sessionTokens(ctx, a.Request.Pool, a.Client, ls.Username, ls.Sub, a.Scopes, a.Request.Nonce, ls.AuthTime, false)
}

// ExchangeCode is the token endpoint's authorization_code grant: the code
// is spent whatever happens next, and must be this client's, for this
// redirect URI, unexpired, with the PKCE verifier of its challenge.
func (s *Service) ExchangeCode(ctx context.Context, pool, clientID, secret, code, redirectURI, verifier string) (TokenResponse, error) {
	c, _, err := s.oauthClient(ctx, pool, clientID, secret)
	if err != nil {
		return TokenResponse{}, err
	}
	if !hasFlow(c, "code") {
		return TokenResponse{}, oauthErr(400, "unauthorized_client")
	}
	var g codeGrant
	b, err := s.Key.Open(codePurpose, code)
	if err != nil || json.Unmarshal(b, &g) != nil || g.JTI == "" {
		return TokenResponse{}, oauthErr(400, "invalid_grant")
	}
	// Spent whatever happens next.
	if err := s.spendCode(ctx, g); errors.Is(err, store.ErrAlreadyExists) {
		return TokenResponse{}, oauthErr(400, "invalid_grant")
	} else if err != nil {
		return TokenResponse{}, err
	}
	switch {
	case g.Pool != pool || g.Client != c.ClientId || g.RedirectURI != redirectURI || !s.now().Before(g.Expires):
		return TokenResponse{}, oauthErr(400, "invalid_grant")
	case g.Challenge != "":
		sum := sha256.Sum256([]byte(verifier))
		got := base64.RawURLEncoding.EncodeToString(sum[:])
		if len(verifier) < 43 || len(verifier) > 128 || subtle.ConstantTimeCompare([]byte(got), []byte(g.Challenge)) != 1 {
			return TokenResponse{}, oauthErr(400, "invalid_grant")
		}
	case verifier != "":
		return TokenResponse{}, oauthErr(400, "invalid_grant")
	}
	return s.sessionTokens(ctx, pool, c, g.Username, g.Sub, g.Scopes, g.Nonce, g.AuthTime, true)
}

// sessionTokens issues tokens to a managed-login user, if the user is
// still the one (same sub) and may sign in.
func (s *Service) sessionTokens(ctx context.Context, pool string, c Client, username, sub string, scopes []string, nonce string, authTime time.Time, refresh bool) (TokenResponse, error) {
	var p Pool
	var u User
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		if p, err = s.poolTx(tx, pool); err != nil {
			return err
		}
		u, err = store.GetJSON[User](tx, kindUser, userKey(pool, username))
		return err
	})
	if err != nil || u.Attributes["sub"] != sub || userState(u) != nil {
		return TokenResponse{}, oauthErr(400, "invalid_grant")
	}
	res, err := s.issueTokensWith(ctx, p, c, u, "", time.Time{}, tokenOpts{scope: strings.Join(scopes, " "), nonce: nonce, authTime: authTime, source: "TokenGeneration_HostedAuth"})
	if err != nil {
		return TokenResponse{}, err
	}
	out := TokenResponse{AccessToken: res.AccessToken, IDToken: res.IdToken, TokenType: "Bearer", ExpiresIn: res.ExpiresIn}
	hasOpenID := false
	for _, sc := range scopes {
		hasOpenID = hasOpenID || sc == "openid"
	}
	if !hasOpenID {
		out.IDToken = ""
	}
	if refresh {
		out.RefreshToken = res.RefreshToken
	} else if res.RefreshToken != "" {
		s.RevokeToken(context.WithoutCancel(ctx), res.RefreshToken, c.ClientId, s.reveal(c).ClientSecret)
	}
	return out, nil
}

// ClientOf returns an app client of pool (without its secret).
func (s *Service) ClientOf(ctx context.Context, pool, clientID string) (Client, error) {
	var c Client
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		c, err = s.clientTx(tx, pool, clientID)
		return err
	})
	c.SealedSecret = ""
	return c, err
}

// NewPasswordRequired is LoginSignIn's answer for a user who must choose a
// new password first: Session continues the sign-in (LoginNewPassword).
type NewPasswordRequired struct{ Session string }

func (e *NewPasswordRequired) Error() string { return "userpool: a new password is required" }

// LoginNewPassword completes a managed-login sign-in that needed a new
// password. The password is checked against the pool's policy before the
// (single-use) session is spent, so a weak one can be retried.
func (s *Service) LoginNewPassword(ctx context.Context, a Authorization, sess, password string) (LoginSession, error) {
	var p Pool
	if err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		p, err = s.poolTx(tx, a.Request.Pool)
		return err
	}); err != nil {
		return LoginSession{}, err
	}
	if err := checkPolicy(p.Policies.PasswordPolicy, password); err != nil {
		return LoginSession{}, err
	}
	st, err := s.openSession(sess)
	if err != nil {
		return LoginSession{}, err
	}
	if st.Kind != "NEW_PASSWORD_REQUIRED" || st.Client != a.Client.ClientId || st.Pool != p.Id || !st.Login {
		return LoginSession{}, errNotAuthorized("Invalid session for the user.")
	}
	u, err := s.completeNewPassword(ctx, p, st, map[string]string{"NEW_PASSWORD": password})
	if err != nil {
		return LoginSession{}, err
	}
	return loginOutcome(s.secondFactor(ctx, p, a.Client, u, signInOpts{login: true, device: st.Device}))
}

// PageSecretHash is the SECRET_HASH the managed login pages present for a
// client with a secret (the pages act for the client; "" without one).
func (s *Service) PageSecretHash(ctx context.Context, clientID, username string) string {
	var c Client
	if err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		c, _, err = s.clientByID(tx, clientID)
		return err
	}); err != nil || c.SealedSecret == "" {
		return ""
	}
	return SecretHash(s.reveal(c).ClientSecret, username, clientID)
}

// SignUpFields are the attributes a sign-up page asks for: the pool's
// required ones, and email or phone_number when the pool verifies them
// or signs in with them.
func (s *Service) SignUpFields(ctx context.Context, pool string) ([]string, error) {
	p, err := s.Pool(ctx, pool)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	add := func(a string) {
		if !seen[a] && a != "sub" {
			seen[a] = true
			out = append(out, a)
		}
	}
	for _, a := range p.SchemaAttributes {
		if a.Required {
			add(a.Name)
		}
	}
	for _, a := range append(append([]string{}, p.AutoVerifiedAttributes...), p.UsernameAttributes...) {
		add(a)
	}
	return out, nil
}
