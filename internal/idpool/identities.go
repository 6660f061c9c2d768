package idpool

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/awsregion"
	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/sts"
	"github.com/sekisho/sekisho/internal/userpool"
)

// Identity is one identity of a pool.
type Identity struct {
	IdentityId string
	PoolId     string
	// Logins maps canonical provider names to the subject there.
	Logins   map[string]string `json:",omitempty"`
	Created  time.Time
	Modified time.Time
	// DevUsers are the identity's developer users when it has more than
	// one (after MergeDeveloperIdentities); Logins names the first.
	DevUsers []string `json:",omitempty"`
}

// login is one verified entry of a Logins map.
type login struct {
	provider string // canonical provider name
	subject  string
	clientID string
	claims   map[string]any
	dev      bool
}

func idpProvider(region, poolID string) string {
	return "cognito-idp." + region + ".amazonaws.com/" + poolID
}

// verifyLogins checks every token of a Logins map against the pool's
// providers, as AWS words its refusals.
func (s *Service) verifyLogins(ctx context.Context, p Pool, logins map[string]string) ([]login, error) {
	var out []login
	keys := make([]string, 0, len(logins))
	for k := range logins {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		tok := logins[key]
		if key == Federated || key == p.DeveloperProviderName && p.DeveloperProviderName != "" {
			l, err := s.verifyOwnToken(ctx, p, tok)
			if err != nil {
				return nil, err
			}
			out = append(out, l)
			continue
		}
		if arn := s.oidcProvider(p, key); arn != "" {
			v, err := s.STS.VerifyOIDCToken(ctx, tok)
			if err != nil || v.Federated != arn {
				return nil, errNotAuthorized("Invalid login token. Couldn't verify signed token.")
			}
			claims := map[string]any{"sub": v.Subject, "aud": v.Audience}
			out = append(out, login{provider: key, subject: v.Subject, clientID: strings.Join(v.Audience, ","), claims: claims})
			continue
		}
		v, err := s.UserPools.VerifyIDToken(ctx, tok)
		switch {
		case errors.Is(err, userpool.ErrTokenNoAud):
			return nil, errNotAuthorized("Invalid login token. Missing a required claim: aud")
		case errors.Is(err, userpool.ErrTokenExpired):
			return nil, errNotAuthorized("Invalid login token. Token expired: " + time.Now().UTC().Format(time.RFC1123) + " >= token expiry")
		case err != nil:
			return nil, errNotAuthorized("Invalid login token. Couldn't verify signed token.")
		}
		// The key is the AWS-style provider name, or (Amplify v6) the
		// token's issuer without its scheme.
		canonical := idpProvider(awsregion.Of(v.PoolID, '_', s.Region), v.PoolID)
		if key != canonical && key != trimScheme(v.Issuer) {
			return nil, errNotAuthorized("Invalid login token. Issuer doesn't match providerName")
		}
		var prov *Provider
		for i, pr := range p.CognitoIdentityProviders {
			if (pr.ProviderName == canonical || pr.ProviderName == trimScheme(v.Issuer)) && (pr.ClientId == "" || pr.ClientId == v.Audience) {
				prov = &p.CognitoIdentityProviders[i]
				break
			}
		}
		if prov == nil {
			return nil, errNotAuthorized("Token is not from a supported provider of this identity pool.")
		}
		if prov.ServerSideTokenCheck && !s.UserPools.UserActive(ctx, v) {
			return nil, errNotAuthorized("Invalid login token. The user is no longer valid.")
		}
		out = append(out, login{provider: canonical, subject: v.Subject, clientID: v.Audience, claims: v.Claims})
	}
	return out, nil
}

// verifyOwnToken checks an OpenID token this pool issued (developer
// authenticated identities log in with one).
func (s *Service) verifyOwnToken(ctx context.Context, p Pool, token string) (login, error) {
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS512})
	if err != nil {
		return login{}, errNotAuthorized("Invalid login token. Couldn't verify signed token.")
	}
	keys, err := s.KeySet(ctx)
	if err != nil {
		return login{}, err
	}
	var c struct {
		jwt.Claims
		AMR []string `json:"amr"`
	}
	if err := tok.Claims(keys, &c); err != nil {
		return login{}, errNotAuthorized("Invalid login token. Couldn't verify signed token.")
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Issuer: IssuerURL, AnyAudience: []string{p.IdentityPoolId}, Time: s.now()}, 0); err != nil {
		return login{}, errNotAuthorized("Invalid login token. " + err.Error())
	}
	return login{provider: Federated, subject: c.Subject, dev: true, claims: map[string]any{"sub": c.Subject, "amr": c.AMR}}, nil
}

// GetId returns the identity for the logins (creating it), or a new guest
// identity when there are none and the pool allows guests.
func (s *Service) GetId(ctx context.Context, poolID string, logins map[string]string) (string, error) {
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return "", err
	}
	if len(logins) == 0 {
		if !p.AllowUnauthenticatedIdentities {
			return "", errNotAuthorized("Unauthenticated access is not supported for this identity pool.")
		}
		return s.newIdentity(ctx, p, nil)
	}
	ls, err := s.verifyLogins(ctx, p, logins)
	if err != nil {
		return "", err
	}
	for _, l := range ls {
		if l.dev {
			return l.subject, nil // an OpenID token of ours names its identity
		}
	}
	return s.newIdentity(ctx, p, ls)
}

// newIdentity finds the identity linked to any of the logins or creates
// one linked to all of them.
func (s *Service) newIdentity(ctx context.Context, p Pool, ls []login) (string, error) {
	var id string
	// The common case — every login already linked to one identity —
	// needs no write.
	if len(ls) > 0 {
		known := false
		s.Store.ViewRecords(ctx, func(tx store.RecordTx) error {
			b, err := tx.Get(kindLogin, p.IdentityPoolId+"/"+ls[0].provider+"/"+ls[0].subject)
			if err != nil {
				return nil
			}
			ident, err := store.GetJSON[Identity](tx, kindIdentity, p.IdentityPoolId+"/"+string(b))
			if err != nil {
				return nil
			}
			known = true
			for _, l := range ls {
				known = known && ident.Logins[l.provider] == l.subject
			}
			id = string(b)
			return nil
		})
		if known {
			return id, nil
		}
		id = ""
	}
	err := s.Store.UpdateRecords(ctx, func(tx store.RecordTx) error {
		// The identities the logins already belong to.
		var owners []Identity
		for _, l := range ls {
			b, err := tx.Get(kindLogin, p.IdentityPoolId+"/"+l.provider+"/"+l.subject)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			if slices.ContainsFunc(owners, func(o Identity) bool { return o.IdentityId == string(b) }) {
				continue
			}
			o, err := store.GetJSON[Identity](tx, kindIdentity, p.IdentityPoolId+"/"+string(b))
			if err != nil {
				return err
			}
			owners = append(owners, o)
		}
		now := s.now()
		ident := Identity{PoolId: p.IdentityPoolId, Created: now, Modified: now, Logins: map[string]string{}}
		if len(owners) == 0 {
			id = s.regionOf(p.IdentityPoolId) + ":" + s.newUUID()
			ident.IdentityId = id
		} else {
			// Logins of several identities link them ("supplying multiple
			// logins will create an implicit linked account"): the oldest
			// keeps its id, and so the S3 folders named by it, and takes
			// the others' logins; two users of one provider refuse.
			slices.SortFunc(owners, func(a, b Identity) int {
				return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.IdentityId, b.IdentityId))
			})
			ident = owners[0]
			if ident.Logins == nil {
				ident.Logins = map[string]string{}
			}
			for _, o := range owners[1:] {
				if err := s.merge(tx, &ident, o, p.DeveloperProviderName); err != nil {
					return err
				}
			}
			id = ident.IdentityId
		}
		for _, l := range ls {
			if ident.Logins[l.provider] != "" && ident.Logins[l.provider] != l.subject {
				return awserr.New(400, "ResourceConflictException", "The provided login is already linked to another identity of this provider.")
			}
			ident.Logins[l.provider] = l.subject
			if err := tx.Put(kindLogin, p.IdentityPoolId+"/"+l.provider+"/"+l.subject, []byte(id)); err != nil {
				return err
			}
		}
		ident.Modified = now
		if err := tx.Put(kindByID, id, []byte(p.IdentityPoolId)); err != nil {
			return err
		}
		return store.PutJSON(tx, kindIdentity, p.IdentityPoolId+"/"+id, ident)
	})
	return id, err
}

func (s *Service) identity(ctx context.Context, id string) (Identity, Pool, error) {
	poolID := ""
	var ident Identity
	err := s.Store.ViewRecords(ctx, func(tx store.RecordTx) error {
		b, err := tx.Get(kindByID, id)
		if err != nil {
			return errNotFound("Identity '%s' not found.", id)
		}
		poolID = string(b)
		if ident, err = store.GetJSON[Identity](tx, kindIdentity, poolID+"/"+id); err != nil {
			return errNotFound("Identity '%s' not found.", id)
		}
		return nil
	})
	if err != nil {
		return ident, Pool{}, err
	}
	p, err := s.Pool(ctx, poolID)
	return ident, p, err
}

// Credentials are what GetCredentialsForIdentity returns.
type Credentials struct {
	AccessKeyId  string  `json:"AccessKeyId"`
	SecretKey    string  `json:"SecretKey"`
	SessionToken string  `json:"SessionToken"`
	Expiration   float64 `json:"Expiration"`
	// IdentityId is whose credentials these are: the identity asked for,
	// or the one a guest identity was merged into.
	IdentityId string `json:"-"`
}

// GetCredentialsForIdentity is the enhanced flow: choose the role, then
// assume it through STS with a token of ours, for one hour.
func (s *Service) GetCredentialsForIdentity(ctx context.Context, identityID string, logins map[string]string, customRole string) (*Credentials, error) {
	grant, err := s.prepare(ctx, identityID, logins, customRole, true)
	if err != nil {
		return nil, err
	}
	in := sts.WebIdentityInput{RoleArn: grant.roleArn, RoleSessionName: "CognitoIdentityCredentials", DurationSeconds: 3600}
	if grant.unauth {
		in.Policy = unauthScopeDown
	}
	// The identity is verified here, so STS gets it as such rather than
	// as a token to sign and check again.
	out, err := s.STS.AssumeRoleWithVerifiedIdentity(ctx, in, sts.VerifiedIdentity{
		Host: Federated, Federated: Federated, Subject: grant.identity, Audience: []string{grant.pool}, AMR: grant.amr, Tags: grant.tags,
	})
	if err != nil {
		if e, ok := awserr.As(err); ok && (e.Code == "AccessDenied" || e.Code == "ValidationError") {
			return nil, errConfig()
		}
		return nil, err
	}
	c := out.Credentials
	return &Credentials{AccessKeyId: c.AccessKeyId, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: float64(c.Expiration.Unix()), IdentityId: grant.identity}, nil
}

// unauthScopeDown limits guests to the services AWS lets unauthenticated
// identities use in the enhanced flow.
const unauthScopeDown = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","dynamodb:*","lambda:*","sqs:*","sns:*","kinesis:*","firehose:*","iot:*","appsync:*","mobiletargeting:*","polly:*","rekognition:*","translate:*","comprehend:*","sagemaker:InvokeEndpoint","lex:*","kms:Encrypt","kms:Decrypt","kms:ReEncryptTo","kms:ReEncryptFrom","kms:GenerateDataKey","cognito-sync:*","cognito-identity:*","mobileanalytics:PutEvents","execute-api:*","geo:*","logs:*","transcribe:*"],"Resource":"*"}]}`

// GetOpenIdToken is the classic flow's first step: a 10-minute OpenID
// token for the identity, which STS AssumeRoleWithWebIdentity accepts.
func (s *Service) GetOpenIdToken(ctx context.Context, identityID string, logins map[string]string) (string, error) {
	tok, _, err := s.OpenIdTokenFor(ctx, identityID, logins)
	return tok, err
}

// OpenIdTokenFor is GetOpenIdToken that also returns the identity the
// token names (another than asked for when a guest was merged).
func (s *Service) OpenIdTokenFor(ctx context.Context, identityID string, logins map[string]string) (string, string, error) {
	_, p, err := s.identity(ctx, identityID)
	if err != nil {
		return "", "", err
	}
	if !p.AllowClassicFlow {
		return "", "", errParam("Basic (classic) flow is not enabled, please use enhanced flow.")
	}
	g, err := s.prepare(ctx, identityID, logins, "", false)
	if err != nil {
		return "", "", err
	}
	tok, err := s.signToken(ctx, g.identity, g, 10*time.Minute)
	return tok, g.identity, err
}

// grant is what an identity's logins entitle it to.
type grant struct {
	// identity is the identity the credentials are for: the one asked
	// for, or the one a guest identity was merged into.
	identity string
	pool     string
	amr      []string
	tags     map[string]string
	roleArn  string
	unauth   bool
}

// prepare checks an identity and its logins and works out its amr, its
// principal tags and, with chooseRole, the role of the enhanced flow.
func (s *Service) prepare(ctx context.Context, identityID string, logins map[string]string, customRole string, chooseRole bool) (g grant, err error) {
	ident, p, err := s.identity(ctx, identityID)
	if err != nil {
		return g, err
	}
	var ls []login
	if len(ident.Logins) > 0 || len(logins) > 0 {
		if ls, err = s.verifyLogins(ctx, p, logins); err != nil {
			return g, err
		}
		matched := false
		for _, l := range ls {
			matched = matched || l.dev && l.subject == identityID || ident.Logins[l.provider] == l.subject
		}
		if !matched && len(ident.Logins) == 0 && len(ls) > 0 {
			// A guest identity that signs in becomes the user's identity
			// (Amplify keeps its guest identity id across sign-in); if the
			// login already belongs to another identity, the guest is
			// merged into that one, whose id the answer then carries
			// (Cognito's "switching unauthenticated users to
			// authenticated users").
			resolved, err := s.linkGuest(ctx, p, ident, ls)
			if err != nil {
				return g, err
			}
			if resolved != "" {
				matched, identityID = true, resolved
			}
		}
		if !matched {
			return g, errNotAuthorized("Logins don't match. Please include at least one valid login for this identity or identity pool.")
		}
	} else if !p.AllowUnauthenticatedIdentities {
		return g, errNotAuthorized("Unauthenticated access is not supported for this identity pool.")
	}
	amr := []string{"unauthenticated"}
	tags := map[string]string{}
	if len(ls) > 0 {
		amr = []string{"authenticated"}
		for _, l := range ls {
			if l.dev {
				if a, ok := l.claims["amr"].([]string); ok {
					amr = a
				}
				continue
			}
			if strings.HasPrefix(l.provider, "cognito-idp.") {
				amr = append(amr, l.provider, fmt.Sprintf("%s,%s:CognitoSignIn:%s", l.provider, l.provider, l.subject))
			} else {
				amr = append(amr, l.provider)
			}
			for k, v := range principalTags(p, l) {
				tags[k] = v
			}
		}
	}
	g = grant{identity: identityID, pool: p.IdentityPoolId, amr: amr, tags: tags}
	if chooseRole {
		if len(ls) == 0 {
			g.roleArn, g.unauth = p.Roles["unauthenticated"], true
		} else if g.roleArn, err = chooseAuthRole(p, ls, customRole); err != nil {
			return g, err
		}
		if g.roleArn == "" {
			return g, errConfig()
		}
	}
	return g, nil
}

// signToken mints an identity's OpenID token (RS512), as GetOpenIdToken
// returns it for the classic flow.
func (s *Service) signToken(ctx context.Context, identityID string, g grant, ttl time.Duration) (string, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS512, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	now := s.now()
	claims := map[string]any{
		"iss": IssuerURL, "sub": identityID, "aud": g.pool, "amr": g.amr,
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(),
		"https://cognito-identity.amazonaws.com/identity-pool-arn": s.PoolARN(g.pool),
	}
	if len(g.tags) > 0 {
		pt := map[string][]string{}
		for k, v := range g.tags {
			pt[k] = []string{v}
		}
		claims["https://aws.amazon.com/tags"] = map[string]any{"principal_tags": pt}
	}
	b, _ := json.Marshal(claims)
	jws, err := signer.Sign(b)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// principalTags maps a login's claims to session tags by the provider's
// tag map (defaults: client → aud, username → sub).
func principalTags(p Pool, l login) map[string]string {
	out := map[string]string{}
	m, ok := p.TagMaps[l.provider]
	if !ok {
		return out
	}
	mapping := map[string]string{}
	if m.UseDefaults {
		mapping["client"], mapping["username"] = "aud", "sub"
	}
	for k, v := range m.PrincipalTags {
		mapping[k] = v
	}
	for tag, claim := range mapping {
		if v := claimString(l.claims[claim]); v != "" {
			out[tag] = v
		}
	}
	return out
}

func claimString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return fmt.Sprint(v)
	case float64:
		return fmt.Sprint(v)
	case []any:
		var parts []string
		for _, x := range v {
			parts = append(parts, fmt.Sprint(x))
		}
		return strings.Join(parts, ",")
	}
	return ""
}

// chooseAuthRole picks an authenticated identity's role: the provider's
// role mapping (Token or Rules) if any, else the pool's authenticated role.
func chooseAuthRole(p Pool, ls []login, custom string) (string, error) {
	for _, l := range ls {
		m, ok := p.RoleMappings[l.provider+":"+l.clientID]
		if !ok {
			m, ok = p.RoleMappings[l.provider] // providers other than user pools
		}
		if !ok {
			continue
		}
		var candidates []string
		switch m.Type {
		case "Token":
			roles := claimList(l.claims["cognito:roles"])
			if custom != "" {
				for _, r := range roles {
					if r == custom {
						return custom, nil
					}
				}
				return "", errNotAuthorized("The role " + custom + " is not one of the token's roles.")
			}
			if pref, _ := l.claims["cognito:preferred_role"].(string); pref != "" {
				return pref, nil
			}
			candidates = roles
			if len(candidates) == 1 {
				return candidates[0], nil
			}
		case "Rules":
			for _, r := range m.RulesConfiguration.Rules {
				if ruleMatches(r, l.claims) {
					if custom == "" || custom == r.RoleARN {
						return r.RoleARN, nil
					}
				}
			}
		}
		if m.AmbiguousRoleResolution == "Deny" {
			return "", errNotAuthorized("Unable to determine the role of the identity from the role mapping, and AmbiguousRoleResolution is Deny.")
		}
		return p.Roles["authenticated"], nil
	}
	if custom != "" {
		// Without a role mapping a caller may still pick among the roles
		// its token carries, and nothing else: a role whose trust happens
		// to accept this pool is not the caller's to choose.
		for _, l := range ls {
			for _, r := range claimList(l.claims["cognito:roles"]) {
				if r == custom {
					return custom, nil
				}
			}
		}
		return "", errNotAuthorized("The role " + custom + " is not one of the roles this identity may assume.")
	}
	return p.Roles["authenticated"], nil
}

func claimList(v any) []string {
	switch v := v.(type) {
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	case string:
		return strings.Split(v, ",")
	}
	return nil
}

func ruleMatches(r MappingRule, claims map[string]any) bool {
	v, present := claims[r.Claim]
	if !present {
		return false // a NotEqual rule on an absent claim is not evaluated
	}
	if list, ok := v.([]any); ok && r.MatchType == "Contains" {
		for _, x := range list {
			if fmt.Sprint(x) == r.Value {
				return true
			}
		}
	}
	s := claimString(v)
	switch r.MatchType {
	case "Equals":
		return s == r.Value
	case "NotEqual":
		return s != r.Value
	case "Contains":
		return strings.Contains(s, r.Value)
	case "StartsWith":
		return strings.HasPrefix(s, r.Value)
	}
	return false
}

// linkGuest links logins to a guest identity if none of them belongs to
// another identity yet.
func (s *Service) linkGuest(ctx context.Context, p Pool, ident Identity, ls []login) (string, error) {
	resolved := ""
	err := s.Store.UpdateRecords(ctx, func(tx store.RecordTx) error {
		resolved = ""
		owner := ""
		for _, l := range ls {
			if l.dev {
				continue
			}
			b, err := tx.Get(kindLogin, p.IdentityPoolId+"/"+l.provider+"/"+l.subject)
			switch {
			case err == nil && owner == "":
				owner = string(b)
			case err == nil && owner != string(b):
				return nil // logins of two identities: no match
			case err != nil && !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		cur, err := store.GetJSON[Identity](tx, kindIdentity, p.IdentityPoolId+"/"+ident.IdentityId)
		if err != nil {
			return err
		}
		if len(cur.Logins) > 0 {
			return nil // no longer a guest
		}
		guest := cur
		if owner != "" && owner != cur.IdentityId {
			// Merge the guest into the login's identity: the logins it
			// brought that are new join the owner, and the guest goes.
			if cur, err = store.GetJSON[Identity](tx, kindIdentity, p.IdentityPoolId+"/"+owner); err != nil {
				return err
			}
		}
		for _, l := range ls {
			if prev, ok := cur.Logins[l.provider]; !l.dev && ok && prev != l.subject {
				return nil // the owner holds another user of this provider: no match, nothing changed
			}
		}
		if cur.IdentityId != guest.IdentityId {
			if err := tx.Delete(kindIdentity, p.IdentityPoolId+"/"+guest.IdentityId); err != nil {
				return err
			}
			if err := tx.Delete(kindByID, guest.IdentityId); err != nil {
				return err
			}
		}
		if cur.Logins == nil {
			cur.Logins = map[string]string{}
		}
		for _, l := range ls {
			if l.dev {
				continue
			}
			cur.Logins[l.provider] = l.subject
			if err := tx.Put(kindLogin, p.IdentityPoolId+"/"+l.provider+"/"+l.subject, []byte(cur.IdentityId)); err != nil {
				return err
			}
		}
		cur.Modified = s.now()
		resolved = cur.IdentityId
		return store.PutJSON(tx, kindIdentity, p.IdentityPoolId+"/"+cur.IdentityId, cur)
	})
	if err != nil {
		return "", err
	}
	return resolved, nil
}

// oidcProvider returns the IAM OIDC provider ARN a Logins key names, if the
// pool trusts it (the key is the provider's URL without scheme).
func (s *Service) oidcProvider(p Pool, key string) string {
	for _, arn := range p.OpenIdConnectProviderARNs {
		if strings.HasSuffix(arn, ":oidc-provider/"+key) {
			return arn
		}
	}
	return ""
}
