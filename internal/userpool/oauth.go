package userpool

import (
	"context"
	"crypto/subtle"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// OAuth 2.0 settings of app clients, resource servers and domains: the
// configuration the managed login pages and the /oauth2 endpoints serve
// (the endpoints themselves come with issue 13's pages).

const (
	kindResourceServer = "cognito.resourceserver"
	kindDomain         = "cognito.domain" // prefix → DomainRecord, across accounts (Service.Domains)
)

// Cognito's quotas.
const (
	maxResourceServers = 25
	maxCustomScopes    = 100
	maxURLs            = 100
)

// standardScopes are the scopes every pool has.
var standardScopes = map[string]bool{"openid": true, "email": true, "phone": true, "profile": true, adminScope: true}

func errOAuthFlow(msg string) error { return awserr.New(400, "InvalidOAuthFlowException", msg) }

// ResourceServerScope is one custom scope.
type ResourceServerScope struct {
	ScopeName        string `json:"ScopeName"`
	ScopeDescription string `json:"ScopeDescription"`
}

// ResourceServer is a pool's resource server: an API whose scopes
// (Identifier/ScopeName) app clients may be granted.
type ResourceServer struct {
	UserPoolId string                `json:"UserPoolId"`
	Identifier string                `json:"Identifier"`
	Name       string                `json:"Name"`
	Scopes     []ResourceServerScope `json:"Scopes,omitempty"`
}

var (
	scopeNameRE  = regexp.MustCompile(`^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$`)
	rsIdentRE    = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`)
	rsNameRE     = regexp.MustCompile(`^[\w\s+=,.@-]+$`)
	domainLabels = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
)

func validateResourceServer(rs ResourceServer) error {
	if len(rs.Identifier) < 1 || len(rs.Identifier) > 256 || !rsIdentRE.MatchString(rs.Identifier) {
		return errParam("1 validation error detected: Value '%s' at 'identifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\x21\\x23-\\x5B\\x5D-\\x7E]+", rs.Identifier)
	}
	if len(rs.Name) < 1 || len(rs.Name) > 256 || !rsNameRE.MatchString(rs.Name) {
		return errParam("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+", rs.Name)
	}
	if len(rs.Scopes) > maxCustomScopes {
		return errParam("1 validation error detected: Value at 'scopes' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	seen := map[string]bool{}
	for _, sc := range rs.Scopes {
		if len(sc.ScopeName) < 1 || len(sc.ScopeName) > 256 || !scopeNameRE.MatchString(sc.ScopeName) {
			return errParam("1 validation error detected: Value '%s' at 'scopes.member.scopeName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\x21\\x23-\\x2E\\x30-\\x5B\\x5D-\\x7E]+", sc.ScopeName)
		}
		if len(sc.ScopeDescription) < 1 || len(sc.ScopeDescription) > 256 {
			return errParam("1 validation error detected: Value at 'scopes.member.scopeDescription' failed to satisfy constraint: Member must have length between 1 and 256")
		}
		if seen[sc.ScopeName] {
			return errParam("Duplicate scope names are not allowed: %s", sc.ScopeName)
		}
		seen[sc.ScopeName] = true
	}
	return nil
}

// CreateResourceServer adds a resource server to a pool.
func (s *Service) CreateResourceServer(ctx context.Context, rs ResourceServer) (ResourceServer, error) {
	if err := validateResourceServer(rs); err != nil {
		return ResourceServer{}, err
	}
	err := s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, rs.UserPoolId); err != nil {
			return err
		}
		if _, err := tx.Get(kindResourceServer, rs.UserPoolId+"/"+rs.Identifier); err == nil {
			return errParam("%s already exists in user pool %s.", rs.Identifier, rs.UserPoolId)
		}
		if err := quota(tx, kindResourceServer, rs.UserPoolId+"/", maxResourceServers, "resource servers in this user pool"); err != nil {
			return err
		}
		return store.PutJSON(tx, kindResourceServer, rs.UserPoolId+"/"+rs.Identifier, rs)
	})
	return rs, err
}

func (s *Service) resourceServerTx(tx store.RecordTx, pool, id string) (ResourceServer, error) {
	if _, err := s.poolTx(tx, pool); err != nil {
		return ResourceServer{}, err
	}
	rs, err := store.GetJSON[ResourceServer](tx, kindResourceServer, pool+"/"+id)
	if isNotFound(err) {
		return rs, errNotFound("Resource server %s does not exist.", id)
	}
	return rs, err
}

// ResourceServer returns one of a pool's resource servers.
func (s *Service) ResourceServer(ctx context.Context, pool, id string) (ResourceServer, error) {
	var rs ResourceServer
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		rs, err = s.resourceServerTx(tx, pool, id)
		return err
	})
	return rs, err
}

// UpdateResourceServer replaces a resource server's name and scopes.
func (s *Service) UpdateResourceServer(ctx context.Context, rs ResourceServer) (ResourceServer, error) {
	if err := validateResourceServer(rs); err != nil {
		return ResourceServer{}, err
	}
	err := s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.resourceServerTx(tx, rs.UserPoolId, rs.Identifier); err != nil {
			return err
		}
		return store.PutJSON(tx, kindResourceServer, rs.UserPoolId+"/"+rs.Identifier, rs)
	})
	return rs, err
}

// DeleteResourceServer removes a resource server.
func (s *Service) DeleteResourceServer(ctx context.Context, pool, id string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.resourceServerTx(tx, pool, id); err != nil {
			return err
		}
		return tx.Delete(kindResourceServer, pool+"/"+id)
	})
}

// ListResourceServers lists a pool's resource servers by identifier.
func (s *Service) ListResourceServers(ctx context.Context, pool string) ([]ResourceServer, error) {
	var out []ResourceServer
	err := s.view(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, pool); err != nil {
			return err
		}
		recs, err := tx.List(kindResourceServer, pool+"/", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			rs, err := store.GetJSON[ResourceServer](tx, kindResourceServer, r.ID)
			if err != nil {
				return err
			}
			out = append(out, rs)
		}
		return nil
	})
	return out, err
}

// customScope reports whether "identifier/scope" names a scope of one of
// the pool's resource servers.
func customScope(tx store.RecordTx, pool, scope string) (bool, error) {
	i := strings.LastIndexByte(scope, '/')
	if i <= 0 {
		return false, nil
	}
	rs, err := store.GetJSON[ResourceServer](tx, kindResourceServer, pool+"/"+scope[:i])
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, sc := range rs.Scopes {
		if sc.ScopeName == scope[i+1:] {
			return true, nil
		}
	}
	return false, nil
}

// isLoopback reports whether a host is localhost or a loopback address.
func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// checkRedirectURL applies Cognito's rules to a callback or sign-out URL:
// an absolute URL without a fragment, HTTPS unless it is a loopback
// address (http://localhost, 127.0.0.1, [::1]) or an app's own scheme.
func checkRedirectURL(what, raw string) error {
	u, err := url.Parse(raw)
	switch {
	case len(raw) < 1 || len(raw) > 1024 || err != nil || u.Scheme == "" || strings.ContainsAny(raw, " \t\r\n"):
		return errParam("Invalid %s: %s", what, raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return errParam("Invalid %s: %s. A URL must not include a fragment component.", what, raw)
	case u.Scheme == "http":
		if !isLoopback(u.Hostname()) {
			return errParam("Invalid %s: %s. HTTPS is required over HTTP except for http://localhost.", what, raw)
		}
	case u.Scheme == "https":
		if u.Host == "" {
			return errParam("Invalid %s: %s", what, raw)
		}
	}
	return nil
}

// validateOAuth checks a client's OAuth settings against the pool (its
// resource servers' scopes) inside the create or update transaction.
func (s *Service) validateOAuth(tx store.RecordTx, c *Client, hasSecret bool) error {
	flows := map[string]bool{}
	for _, f := range c.AllowedOAuthFlows {
		if f != "code" && f != "implicit" && f != "client_credentials" {
			return errParam("1 validation error detected: Value '[%s]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [implicit, client_credentials, code]]", f)
		}
		flows[f] = true
	}
	if len(c.CallbackURLs) > maxURLs || len(c.LogoutURLs) > maxURLs {
		return errParam("1 validation error detected: Value at 'callbackURLs' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	for _, u := range c.CallbackURLs {
		if err := checkRedirectURL("redirect URI", u); err != nil {
			return err
		}
	}
	for _, u := range c.LogoutURLs {
		if err := checkRedirectURL("logout URI", u); err != nil {
			return err
		}
	}
	if c.DefaultRedirectURI != "" {
		found := false
		for _, u := range c.CallbackURLs {
			found = found || u == c.DefaultRedirectURI
		}
		if !found {
			return errParam("DefaultRedirectURI %s must be one of the client's CallbackURLs.", c.DefaultRedirectURI)
		}
	}
	for _, p := range c.SupportedIdentityProviders {
		if p != "COGNITO" && !idpExistsTx(tx, c.UserPoolId, p) {
			return errParam("The provider %s does not exist for User Pool %s", p, c.UserPoolId)
		}
	}
	custom := false
	for _, sc := range c.AllowedOAuthScopes {
		if standardScopes[sc] {
			continue
		}
		ok, err := customScope(tx, c.UserPoolId, sc)
		if err != nil {
			return err
		}
		if !ok {
			return awserr.Newf(400, "ScopeDoesNotExistException", "Invalid scope requested: %s", sc)
		}
		custom = true
	}
	if flows["client_credentials"] {
		switch {
		case flows["code"] || flows["implicit"]:
			return errOAuthFlow("client_credentials flow can not be selected if authorization code or implicit grant exists.")
		case !hasSecret:
			return errOAuthFlow("client_credentials flow can not be selected if client does not have a client secret.")
		}
		for _, sc := range c.AllowedOAuthScopes {
			if standardScopes[sc] {
				return errOAuthFlow("client_credentials flow can only be used with custom scopes.")
			}
		}
		if !custom {
			return errOAuthFlow("client_credentials flow can only be used with custom scopes.")
		}
	}
	if (flows["code"] || flows["implicit"]) && len(c.CallbackURLs) == 0 {
		return errOAuthFlow("CallbackUrls can not be empty when code flow or implicit flow is selected")
	}
	if c.AllowedOAuthFlowsUserPoolClient && (len(c.AllowedOAuthFlows) == 0 || len(c.AllowedOAuthScopes) == 0) {
		return errOAuthFlow("AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.")
	}
	return nil
}

// DomainRecord is what a domain prefix serves; it is kept across
// accounts (prefixes are unique on the server, as in an AWS region).
type DomainRecord struct {
	Domain, UserPoolId, Account string
	ManagedLoginVersion         int
}

// DomainDescription is DescribeUserPoolDomain's answer.
type DomainDescription struct {
	UserPoolId             string `json:"UserPoolId,omitempty"`
	AWSAccountId           string `json:"AWSAccountId,omitempty"`
	Domain                 string `json:"Domain,omitempty"`
	CloudFrontDistribution string `json:"CloudFrontDistribution,omitempty"`
	Version                string `json:"Version,omitempty"`
	Status                 string `json:"Status,omitempty"`
	ManagedLoginVersion    int    `json:"ManagedLoginVersion,omitempty"`
}

func (s *Service) domains() store.Store {
	if s.Domains != nil {
		return s.Domains
	}
	return s.Store
}

// DomainHost is the host a prefix domain is served at.
func (s *Service) DomainHost(prefix string) string {
	d := s.AuthDomain
	if d == "" {
		d = "auth.localhost"
	}
	return prefix + "." + d
}

func checkPrefix(d string) error {
	if !domainLabels.MatchString(d) {
		return errParam("1 validation error detected: Value '%s' at 'domain' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$", d)
	}
	for _, w := range []string{"aws", "amazon", "cognito"} {
		if strings.Contains(d, w) {
			return errParam("Domain cannot contain reserved word: %s", w)
		}
	}
	return nil
}

func managedLoginVersion(v int) (int, error) {
	switch v {
	case 0:
		return 1, nil
	case 1, 2:
		return v, nil
	}
	return 0, errParam("ManagedLoginVersion must be 1 (classic hosted UI) or 2 (managed login).")
}

// CreateDomain gives a pool a prefix domain.
func (s *Service) CreateDomain(ctx context.Context, prefix, pool string, version int, custom bool) (int, error) {
	if custom {
		return 0, errParam("sekisho serves prefix domains only (a custom domain needs a certificate in ACM and CloudFront).")
	}
	if err := checkPrefix(prefix); err != nil {
		return 0, err
	}
	v, err := managedLoginVersion(version)
	if err != nil {
		return 0, err
	}
	if err := s.view(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err == nil && p.Domain != "" {
			err = errParam("The user pool %s already has a domain configured.", pool)
		}
		return err
	}); err != nil {
		return 0, err
	}
	rec := DomainRecord{Domain: prefix, UserPoolId: pool, Account: s.Account, ManagedLoginVersion: v}
	if err := s.domains().UpdateRecords(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindDomain, prefix); err == nil {
			return errParam("Domain already associated with another user pool.")
		}
		return store.PutJSON(tx, kindDomain, prefix, rec)
	}); err != nil {
		return 0, err
	}
	err = s.update(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return err
		}
		if p.Domain != "" {
			return errParam("The user pool %s already has a domain configured.", pool)
		}
		p.Domain = prefix
		return store.PutJSON(tx, kindPool, p.Id, p)
	})
	if err != nil {
		s.domains().UpdateRecords(context.WithoutCancel(ctx), func(tx store.RecordTx) error { return tx.Delete(kindDomain, prefix) })
		return 0, err
	}
	return v, nil
}

// Domain returns what a prefix serves (ok false if nothing).
func (s *Service) Domain(ctx context.Context, prefix string) (DomainRecord, bool, error) {
	var rec DomainRecord
	found := false
	err := s.domains().ViewRecords(ctx, func(tx store.RecordTx) error {
		var err error
		rec, err = store.GetJSON[DomainRecord](tx, kindDomain, prefix)
		if isNotFound(err) {
			return nil
		}
		found = err == nil
		return err
	})
	return rec, found, err
}

// DescribeDomain answers DescribeUserPoolDomain: an empty description for
// a prefix no pool of this account has, as Cognito answers.
func (s *Service) DescribeDomain(ctx context.Context, prefix string) (DomainDescription, error) {
	rec, ok, err := s.Domain(ctx, prefix)
	if err != nil || !ok || rec.Account != s.Account {
		return DomainDescription{}, err
	}
	return DomainDescription{UserPoolId: rec.UserPoolId, AWSAccountId: rec.Account, Domain: rec.Domain, CloudFrontDistribution: s.DomainHost(rec.Domain),
		Version: "20260101000000", Status: "ACTIVE", ManagedLoginVersion: rec.ManagedLoginVersion}, nil
}

// UpdateDomain changes a domain's managed login version.
func (s *Service) UpdateDomain(ctx context.Context, prefix, pool string, version int, custom bool) (int, error) {
	if custom {
		return 0, errParam("sekisho serves prefix domains only (a custom domain needs a certificate in ACM and CloudFront).")
	}
	v, err := managedLoginVersion(version)
	if err != nil {
		return 0, err
	}
	err = s.domains().UpdateRecords(ctx, func(tx store.RecordTx) error {
		rec, err := store.GetJSON[DomainRecord](tx, kindDomain, prefix)
		if err != nil || rec.Account != s.Account || rec.UserPoolId != pool {
			return errNotFound("Domain %s does not exist in user pool %s.", prefix, pool)
		}
		rec.ManagedLoginVersion = v
		return store.PutJSON(tx, kindDomain, prefix, rec)
	})
	return v, err
}

// DeleteDomain removes a pool's domain.
func (s *Service) DeleteDomain(ctx context.Context, prefix, pool string) error {
	err := s.domains().UpdateRecords(ctx, func(tx store.RecordTx) error {
		rec, err := store.GetJSON[DomainRecord](tx, kindDomain, prefix)
		if err != nil || rec.Account != s.Account || rec.UserPoolId != pool {
			return errNotFound("Domain %s does not exist in user pool %s.", prefix, pool)
		}
		return tx.Delete(kindDomain, prefix)
	})
	if err != nil {
		return err
	}
	err = s.update(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return err
		}
		p.Domain = ""
		return store.PutJSON(tx, kindPool, p.Id, p)
	})
	return err
}

// OAuthError is an error of the OAuth 2.0 endpoints, as RFC 6749 words
// them: {"error": Code} with Status.
type OAuthError struct {
	Status int
	Code   string
}

func (e *OAuthError) Error() string { return "oauth2: " + e.Code }

func oauthErr(status int, code string) error { return &OAuthError{Status: status, Code: code} }

// TokenResponse is what the token endpoint answers.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

// oauthClient authenticates a client of pool at the token endpoint: a
// confidential client must present its secret (compared in constant
// time); a public one must not have one.
func (s *Service) oauthClient(ctx context.Context, pool, clientID, secret string) (Client, Pool, error) {
	var c Client
	var p Pool
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		c, p, err = s.clientByID(tx, clientID)
		return err
	})
	if err != nil || p.Id != pool {
		return c, p, oauthErr(400, "invalid_client")
	}
	if c.SealedSecret != "" {
		ok := false
		for _, want := range s.clientSecrets(c) {
			ok = ok || secret != "" && subtle.ConstantTimeCompare([]byte(want), []byte(secret)) == 1
		}
		if !ok {
			return c, p, oauthErr(400, "invalid_client")
		}
	}
	return c, p, nil
}

func hasFlow(c Client, flow string) bool {
	for _, f := range c.AllowedOAuthFlows {
		if f == flow {
			return true
		}
	}
	return false
}

// ClientCredentials is the token endpoint's client_credentials grant: an
// access token, and nothing else, for a confidential client, carrying the
// custom scopes it asked for (all it may have if it asked for none).
func (s *Service) ClientCredentials(ctx context.Context, pool, clientID, secret, scope string) (TokenResponse, error) {
	c, p, err := s.oauthClient(ctx, pool, clientID, secret)
	if err != nil {
		return TokenResponse{}, err
	}
	if c.SealedSecret == "" {
		return TokenResponse{}, oauthErr(400, "invalid_client")
	}
	if !c.AllowedOAuthFlowsUserPoolClient || !hasFlow(c, "client_credentials") {
		return TokenResponse{}, oauthErr(400, "unauthorized_client")
	}
	allowed := map[string]bool{}
	var all []string
	for _, sc := range c.AllowedOAuthScopes {
		if !standardScopes[sc] {
			allowed[sc] = true
			all = append(all, sc)
		}
	}
	granted := all
	if scope = strings.TrimSpace(scope); scope != "" {
		granted = nil
		for _, sc := range strings.Fields(scope) {
			if !allowed[sc] {
				return TokenResponse{}, oauthErr(400, "invalid_scope")
			}
			granted = append(granted, sc)
		}
	}
	if len(granted) == 0 {
		return TokenResponse{}, oauthErr(400, "invalid_scope")
	}
	now := s.now()
	accessTTL, _, _ := c.validity()
	claims := map[string]any{
		"sub": c.ClientId, "client_id": c.ClientId, "iss": s.Issuer(p.Id), "token_use": "access", "scope": strings.Join(granted, " "),
		"auth_time": now.Unix(), "iat": now.Unix(), "exp": now.Add(accessTTL).Unix(), "jti": newUUID(), "version": 2,
	}
	if err := s.machineTokenGeneration(ctx, p, c, claims); err != nil {
		if e, ok := awserr.As(err); ok && e.Status < 500 {
			return TokenResponse{}, oauthErr(400, "invalid_request")
		}
		return TokenResponse{}, err
	}
	tok, err := s.sign(ctx, p.Id, "access", claims)
	if err != nil {
		return TokenResponse{}, err
	}
	return TokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(accessTTL.Seconds())}, nil
}

// RefreshGrant is the token endpoint's refresh_token grant.
func (s *Service) RefreshGrant(ctx context.Context, pool, clientID, secret, refresh string) (TokenResponse, error) {
	c, _, err := s.oauthClient(ctx, pool, clientID, secret)
	if err != nil {
		return TokenResponse{}, err
	}
	if refresh == "" {
		return TokenResponse{}, oauthErr(400, "invalid_request")
	}
	out, err := s.InitiateAuth(ctx, AuthInput{AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: c.ClientId, ClientSecret: secret, AuthParameters: map[string]string{"REFRESH_TOKEN": refresh}})
	if err != nil || out.AuthenticationResult == nil {
		if e, ok := awserr.As(err); ok && e.Status >= 500 || err != nil && !ok {
			return TokenResponse{}, err
		}
		return TokenResponse{}, oauthErr(400, "invalid_grant")
	}
	r := out.AuthenticationResult
	return TokenResponse{AccessToken: r.AccessToken, IDToken: r.IdToken, TokenType: "Bearer", ExpiresIn: r.ExpiresIn}, nil
}

// Revoke is the revocation endpoint: a refresh token of the client stops
// working, and the access tokens it minted with it.
func (s *Service) Revoke(ctx context.Context, pool, clientID, secret, token string) error {
	c, _, err := s.oauthClient(ctx, pool, clientID, secret)
	if err != nil {
		return err
	}
	if token == "" {
		return oauthErr(400, "invalid_request")
	}
	err = s.RevokeToken(ctx, token, c.ClientId, secret)
	switch {
	case awserr.Is(err, "UnsupportedTokenTypeException"):
		return oauthErr(400, "unsupported_token_type")
	case awserr.Is(err, "UnauthorizedException"):
		return oauthErr(400, "unauthorized_client")
	case awserr.Is(err, "NotAuthorizedException"):
		return oauthErr(400, "invalid_client")
	}
	return err
}

// UserInfo answers the userInfo endpoint for an access token of pool:
// the user's attributes, sub included.
func (s *Service) UserInfo(ctx context.Context, pool, token string) (map[string]any, error) {
	p, u, c, err := s.checkAccess(ctx, token)
	if err != nil || p.Id != pool {
		return nil, oauthErr(401, "invalid_token")
	}
	// Only tokens from the token endpoint that were granted openid may
	// read the user's attributes; the API's tokens carry no such scope.
	if !c.hasScope("openid") {
		return nil, oauthErr(401, "invalid_token")
	}
	var readable map[string]bool
	var cl Client
	if err := s.view(ctx, func(tx store.RecordTx) error {
		cl, err = s.clientTx(tx, pool, c.ClientID)
		return err
	}); err != nil {
		return nil, oauthErr(401, "invalid_token")
	}
	if len(cl.ReadAttributes) > 0 {
		readable = map[string]bool{}
		for _, a := range cl.ReadAttributes {
			readable[a] = true
		}
	}
	want := scopedAttributes(c)
	out := map[string]any{"username": u.Username, "sub": u.Attributes["sub"]}
	for k, v := range u.Attributes {
		if readable != nil && !readable[k] && k != "sub" {
			continue
		}
		if want != nil && !want(k) {
			continue
		}
		out[k] = v // Cognito's userInfo gives email_verified and the rest as strings
	}
	return out, nil
}

// profileAttributes are the standard attributes the profile scope
// releases.
var profileAttributes = map[string]bool{
	"name": true, "family_name": true, "given_name": true, "middle_name": true, "nickname": true,
	"preferred_username": true, "profile": true, "picture": true, "website": true, "gender": true,
	"birthdate": true, "zoneinfo": true, "locale": true, "updated_at": true,
}

// scopedAttributes returns which attributes a token's scopes release to
// userInfo: openid alone releases every attribute the client may read;
// with profile, email, phone or address present only those groups are
// released (profile also releases custom attributes). nil means all.
func scopedAttributes(c accessClaims) func(string) bool {
	profile, email, phone, address := c.hasScope("profile"), c.hasScope("email"), c.hasScope("phone"), c.hasScope("address")
	if !profile && !email && !phone && !address {
		return nil
	}
	return func(k string) bool {
		switch {
		case k == "sub":
			return true
		case k == "email" || k == "email_verified":
			return email
		case k == "phone_number" || k == "phone_number_verified":
			return phone
		case k == "address":
			return address
		case profileAttributes[k] || strings.HasPrefix(k, "custom:"):
			return profile
		}
		return false
	}
}
