package sts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/policy"
)

// Issuer is a token issuer this server runs itself (identity pools' own
// OpenID tokens): trusted without an IAM OIDC provider, keys in memory.
type Issuer interface {
	// URL is the issuer's "iss" value, e.g.
	// "https://cognito-identity.amazonaws.com".
	URL() string
	// Federated is the Federated principal trust policies name, e.g.
	// "cognito-identity.amazonaws.com".
	Federated() string
	// KeySet returns the keys its tokens are signed with.
	KeySet(ctx context.Context) (*jose.JSONWebKeySet, error)
}

// WebIdentityInput is an AssumeRoleWithWebIdentity request.
type WebIdentityInput struct {
	RoleArn, RoleSessionName, WebIdentityToken string
	DurationSeconds                            int
	Policy                                     string
	PolicyArns                                 []string
	Context                                    map[string][]string
}

// WebIdentityOutput is AssumeRoleWithWebIdentity's result.
type WebIdentityOutput struct {
	Credentials                 Credentials     `xml:"Credentials"`
	SubjectFromWebIdentityToken string          `xml:"SubjectFromWebIdentityToken"`
	AssumedRoleUser             AssumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize            int             `xml:"PackedPolicySize"`
	Provider                    string          `xml:"Provider"`
	Audience                    string          `xml:"Audience"`
}

var tokenAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512, jose.PS256}

func errInvalidToken(msg string) error { return awserr.New(400, "InvalidIdentityToken", msg) }

// webClaims are the claims a web identity token may carry.
type webClaims struct {
	jwt.Claims
	AMR  audience `json:"amr"`
	AZP  string   `json:"azp"`
	Tags *struct {
		PrincipalTags     map[string][]string `json:"principal_tags"`
		TransitiveTagKeys []string            `json:"transitive_tag_keys"`
	} `json:"https://aws.amazon.com/tags"`
}

// audience is a string or a list of strings.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*a = many
	return err
}

// AssumeRoleWithWebIdentity trades a web identity token from a trusted
// issuer for credentials of a role whose trust policy accepts it.
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, in WebIdentityInput) (*WebIdentityOutput, error) {
	if !sessionNameRE.MatchString(in.RoleSessionName) {
		return nil, errValidation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64", in.RoleSessionName)
	}
	if len(in.WebIdentityToken) < 4 || len(in.WebIdentityToken) > 20000 {
		return nil, errValidation("1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000")
	}
	tok, err := jwt.ParseSigned(in.WebIdentityToken, tokenAlgorithms)
	if err != nil {
		return nil, errInvalidToken("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
	}
	var unverified webClaims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil || unverified.Issuer == "" {
		return nil, errInvalidToken("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
	}
	iss := unverified.Issuer
	host := strings.TrimSuffix(strings.TrimPrefix(iss, "https://"), "/")
	var (
		keys      *jose.JSONWebKeySet
		federated string
		clientIDs []string
	)
	for _, is := range s.Issuers {
		if is.URL() == iss {
			federated = is.Federated()
			if keys, err = is.KeySet(ctx); err != nil {
				return nil, awserr.New(400, "IDPCommunicationError", "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")
			}
		}
	}
	if federated == "" {
		prov, err := s.IAM.GetOpenIDConnectProvider(ctx, "arn:aws:iam::"+s.Account+":oidc-provider/"+host)
		if err != nil {
			return nil, errInvalidToken("No OpenIDConnect provider found in your account for " + iss)
		}
		federated, clientIDs = prov.ARN, prov.ClientIDs
		if keys, err = s.jwks(ctx, iss); err != nil {
			return nil, awserr.New(400, "IDPCommunicationError", "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")
		}
	}
	var c webClaims
	if err := tok.Claims(keys, &c); err != nil {
		return nil, errInvalidToken("The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.")
	}
	now := s.now()
	if c.Expiry == nil {
		return nil, errInvalidToken("The web identity token has no expiration (exp) claim.")
	}
	if !now.Before(c.Expiry.Time()) {
		return nil, awserr.Newf(400, "ExpiredTokenException", "Token expired: current date/time %d must be before the expiration date/time %d", now.Unix(), c.Expiry.Time().Unix())
	}
	if c.NotBefore != nil && now.Add(time.Minute).Before(c.NotBefore.Time()) {
		return nil, errInvalidToken("The web identity token is not valid yet (nbf).")
	}
	if clientIDs != nil {
		ok := false
		for _, a := range c.Audience {
			for _, id := range clientIDs {
				ok = ok || a == id
			}
		}
		if !ok {
			return nil, errInvalidToken("Incorrect token audience")
		}
	}
	id := VerifiedIdentity{Host: host, Federated: federated, Subject: c.Subject, Audience: c.Audience, AMR: c.AMR, AZP: c.AZP}
	if c.Tags != nil {
		id.Tags = map[string]string{}
		for k, v := range c.Tags.PrincipalTags {
			if len(v) > 0 {
				id.Tags[k] = v[0]
			}
		}
		id.TransitiveTagKeys = c.Tags.TransitiveTagKeys
	}
	return s.AssumeRoleWithVerifiedIdentity(ctx, in, id)
}

// VerifiedIdentity is a web identity whose token has been verified: by
// AssumeRoleWithWebIdentity, or by an issuer the server runs itself that
// asks for credentials on a user's behalf (identity pools' enhanced flow).
type VerifiedIdentity struct {
	// Host is the issuer without its scheme ("cognito-identity.amazonaws.com"):
	// the prefix of the claims' condition keys.
	Host, Federated   string
	Subject, AZP      string
	Audience, AMR     []string
	Tags              map[string]string
	TransitiveTagKeys []string
}

// cognitoFederated is the principal trust policies name for identity pools.
const cognitoFederated = "cognito-identity.amazonaws.com"

// AssumeRoleWithVerifiedIdentity is AssumeRoleWithWebIdentity after the
// token check: the role's trust policy decides, with the identity's claims
// as condition keys, and the session carries them.
func (s *Service) AssumeRoleWithVerifiedIdentity(ctx context.Context, in WebIdentityInput, id VerifiedIdentity) (*WebIdentityOutput, error) {
	if !sessionNameRE.MatchString(in.RoleSessionName) {
		return nil, errValidation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64", in.RoleSessionName)
	}
	now := s.now()
	host, federated := id.Host, id.Federated
	role, err := s.IAM.RoleByARN(ctx, in.RoleArn)
	if err != nil {
		return nil, awserr.New(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	}
	dur := in.DurationSeconds
	if dur == 0 {
		dur = 3600
	}
	if dur < 900 || dur > role.MaxSessionDuration {
		return nil, errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	var tags []iam.Tag
	for k, v := range id.Tags {
		tags = append(tags, iam.Tag{Key: k, Value: v})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	transitive := id.TransitiveTagKeys
	sess, size, err := s.sessionBase(ctx, role, in.RoleSessionName, in.Policy, in.PolicyArns, tags, transitive, &auth.Principal{})
	if err != nil {
		return nil, err
	}
	claims := map[string][]string{
		host + ":aud": id.Audience,
		host + ":sub": {id.Subject},
	}
	if len(id.AMR) > 0 {
		claims[host+":amr"] = id.AMR
	}
	if id.AZP != "" {
		claims[host+":azp"] = []string{id.AZP}
	}
	actions := []string{"sts:AssumeRoleWithWebIdentity"}
	if len(tags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	trust, err := s.IAM.TrustPolicy(role)
	if err != nil {
		return nil, err
	}
	for _, action := range actions {
		r := &policy.Request{Action: action, Resource: role.ARN, Principal: &policy.Principal{Federated: federated}}
		for k, v := range in.Context {
			r.Set(k, v...)
		}
		for k, v := range claims {
			r.Set(k, v...)
		}
		r.Set("sts:RoleSessionName", in.RoleSessionName)
		setRequestTags(r, tags)
		res := policy.AuthorizeTrust(policy.TrustInput{Request: r, Trust: trust, RoleAccount: s.Account})
		if !res.Allowed() {
			return nil, awserr.New(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
		}
		// A role that trusts identity pools without any condition would
		// let every identity pool's users in; IAM refuses such roles for
		// cognito-identity.amazonaws.com, and so does this check.
		if federated == cognitoFederated && (res.Statement == nil || len(res.Statement.Conditions) == 0) {
			return nil, awserr.New(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity: a trust policy for "+cognitoFederated+" must have a condition (cognito-identity.amazonaws.com:aud)")
		}
	}
	sess.Claims, sess.Federated = claims, federated
	sess.Issued, sess.Expires = now.Truncate(time.Second), now.Add(time.Duration(dur)*time.Second).Truncate(time.Second)
	p := auth.Principal{Kind: auth.AssumedRole, Account: s.Account,
		ARN:    "arn:aws:sts::" + s.Account + ":assumed-role/" + role.Name + "/" + in.RoleSessionName,
		UserID: role.ID + ":" + in.RoleSessionName}
	out := &WebIdentityOutput{Credentials: s.issue(p, sess), SubjectFromWebIdentityToken: id.Subject,
		AssumedRoleUser: AssumedRoleUser{Arn: p.ARN, AssumedRoleId: p.UserID}, PackedPolicySize: size, Provider: host}
	if len(id.Audience) > 0 {
		out.Audience = id.Audience[0]
	}
	if federated != "" && !strings.HasPrefix(federated, "arn:") {
		out.Provider = federated
	}
	return out, nil
}

// jwks fetches (and caches for an hour) an OIDC issuer's keys by OpenID
// Connect discovery.
func (s *Service) jwks(ctx context.Context, iss string) (*jose.JSONWebKeySet, error) {
	s.jwksMu.Lock()
	if e, ok := s.jwksCache[iss]; ok && time.Since(e.at) < time.Hour {
		s.jwksMu.Unlock()
		return e.keys, nil
	}
	s.jwksMu.Unlock()
	client := s.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	getJSON := func(url string, v any) error {
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(v)
	}
	var disc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := getJSON(strings.TrimSuffix(iss, "/")+"/.well-known/openid-configuration", &disc); err != nil || disc.JWKSURI == "" {
		return nil, fmt.Errorf("sts: discovery for %s failed: %v", iss, err)
	}
	var keys jose.JSONWebKeySet
	if err := getJSON(disc.JWKSURI, &keys); err != nil {
		return nil, err
	}
	s.jwksMu.Lock()
	if s.jwksCache == nil {
		s.jwksCache = map[string]jwksEntry{}
	}
	s.jwksCache[iss] = jwksEntry{&keys, time.Now()}
	s.jwksMu.Unlock()
	return &keys, nil
}

type jwksEntry struct {
	keys *jose.JSONWebKeySet
	at   time.Time
}

// VerifyOIDCToken checks a token from an OIDC provider registered in IAM
// (identity pools accept them as logins): signature with the provider's
// keys, expiry and audience among its client ids. It returns the
// identity, with Host the provider's URL without scheme.
func (s *Service) VerifyOIDCToken(ctx context.Context, token string) (VerifiedIdentity, error) {
	tok, err := jwt.ParseSigned(token, tokenAlgorithms)
	if err != nil {
		return VerifiedIdentity{}, errInvalidToken("The ID Token provided is not a valid JWT.")
	}
	var unverified webClaims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil || unverified.Issuer == "" {
		return VerifiedIdentity{}, errInvalidToken("The ID Token provided is not a valid JWT.")
	}
	host := strings.TrimSuffix(strings.TrimPrefix(unverified.Issuer, "https://"), "/")
	prov, err := s.IAM.GetOpenIDConnectProvider(ctx, "arn:aws:iam::"+s.Account+":oidc-provider/"+host)
	if err != nil {
		return VerifiedIdentity{}, errInvalidToken("No OpenIDConnect provider found in your account for " + unverified.Issuer)
	}
	keys, err := s.jwks(ctx, unverified.Issuer)
	if err != nil {
		return VerifiedIdentity{}, awserr.New(400, "IDPCommunicationError", "Couldn't retrieve verification key from your identity provider")
	}
	var c webClaims
	if err := tok.Claims(keys, &c); err != nil {
		return VerifiedIdentity{}, errInvalidToken("Couldn't verify signed token.")
	}
	if c.Expiry == nil || !s.now().Before(c.Expiry.Time()) {
		return VerifiedIdentity{}, awserr.New(400, "ExpiredTokenException", "Token expired")
	}
	ok := false
	for _, a := range c.Audience {
		for _, id := range prov.ClientIDs {
			ok = ok || a == id
		}
	}
	if !ok {
		return VerifiedIdentity{}, errInvalidToken("Incorrect token audience")
	}
	return VerifiedIdentity{Host: host, Federated: prov.ARN, Subject: c.Subject, Audience: c.Audience, AMR: c.AMR, AZP: c.AZP}, nil
}
