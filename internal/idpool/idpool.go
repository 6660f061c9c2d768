// Package idpool is Cognito identity pools: it turns a user-pool ID token
// (or nothing, for guests) into an identity id and then into temporary
// credentials of the IAM role that the pool's roles and role mappings
// choose. Credentials come from STS's AssumeRoleWithWebIdentity with an
// OpenID token this package mints and signs, so the role's trust policy
// and every later request are decided by the real policy engine.
package idpool

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/awsregion"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/sts"
	"github.com/sekisho/sekisho/internal/userpool"
)

// Record kinds.
const (
	kindPool     = "cognito-identity.pool"
	kindIdentity = "cognito-identity.identity"
	kindLogin    = "cognito-identity.login"
	kindKeys     = "cognito-identity.keys"
	// kindByID maps an identity id to its pool (sign-in calls name only
	// the identity).
	kindByID = "cognito-identity.byid"
)

// IssuerURL is the "iss" of identity-pool OpenID tokens, as AWS's.
const IssuerURL = "https://cognito-identity.amazonaws.com"

// Federated is the principal trust policies name for identity pools.
const Federated = "cognito-identity.amazonaws.com"

// Service is identity pools.
type Service struct {
	Store     store.Store
	Key       *seal.Key
	Account   string
	Region    string
	UserPools *userpool.Service
	STS       *sts.Service
	Now       func() time.Time
	// NewUUID makes the UUIDs of identity pool and identity ids (random
	// version 4 if nil); a member account's name their account.
	NewUUID func() string

	mu   sync.Mutex
	keys *jose.JSONWebKey
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now().UTC()
}

func errNotFound(format string, args ...any) error {
	return awserr.Newf(400, "ResourceNotFoundException", format, args...)
}

func errParam(format string, args ...any) error {
	return awserr.Newf(400, "InvalidParameterException", format, args...)
}

func errNotAuthorized(msg string) error { return awserr.New(400, "NotAuthorizedException", msg) }

func errConfig() error {
	return awserr.New(400, "InvalidIdentityPoolConfigurationException", "Invalid identity pool configuration. Check assigned IAM roles for this pool.")
}

func (s *Service) newUUID() string {
	if s.NewUUID != nil {
		return s.NewUUID()
	}
	return newUUID()
}

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Provider is a user pool the identity pool trusts.
type Provider struct {
	ProviderName         string `json:"ProviderName"`
	ClientId             string `json:"ClientId,omitempty"`
	ServerSideTokenCheck bool   `json:"ServerSideTokenCheck"`
}

// MappingRule is one rule of a Rules role mapping.
type MappingRule struct {
	Claim     string `json:"Claim"`
	MatchType string `json:"MatchType"`
	Value     string `json:"Value"`
	RoleARN   string `json:"RoleARN"`
}

// RoleMapping chooses roles for one provider.
type RoleMapping struct {
	Type                    string `json:"Type"`
	AmbiguousRoleResolution string `json:"AmbiguousRoleResolution,omitempty"`
	RulesConfiguration      *struct {
		Rules []MappingRule `json:"Rules"`
	} `json:"RulesConfiguration,omitempty"`
}

// TagMap maps principal tags to token claims for one provider.
type TagMap struct {
	UseDefaults   bool              `json:"UseDefaults"`
	PrincipalTags map[string]string `json:"PrincipalTags,omitempty"`
}

// Pool is an identity pool (IdentityPool shape, plus roles).
type Pool struct {
	IdentityPoolId                 string            `json:"IdentityPoolId"`
	IdentityPoolName               string            `json:"IdentityPoolName"`
	AllowUnauthenticatedIdentities bool              `json:"AllowUnauthenticatedIdentities"`
	AllowClassicFlow               bool              `json:"AllowClassicFlow"`
	SupportedLoginProviders        map[string]string `json:"SupportedLoginProviders,omitempty"`
	DeveloperProviderName          string            `json:"DeveloperProviderName,omitempty"`
	OpenIdConnectProviderARNs      []string          `json:"OpenIdConnectProviderARNs,omitempty"`
	CognitoIdentityProviders       []Provider        `json:"CognitoIdentityProviders,omitempty"`
	SamlProviderARNs               []string          `json:"SamlProviderARNs,omitempty"`
	IdentityPoolTags               map[string]string `json:"IdentityPoolTags,omitempty"`

	Roles        map[string]string      `json:"-"`
	RoleMappings map[string]RoleMapping `json:"-"`
	TagMaps      map[string]TagMap      `json:"-"`
}

// stored is how a pool is kept (roles included).
type stored struct {
	Pool
	Roles        map[string]string      `json:"Roles,omitempty"`
	RoleMappings map[string]RoleMapping `json:"RoleMappings,omitempty"`
	TagMaps      map[string]TagMap      `json:"TagMaps,omitempty"`
}

func (st stored) pool() Pool {
	p := st.Pool
	p.Roles, p.RoleMappings, p.TagMaps = st.Roles, st.RoleMappings, st.TagMaps
	return p
}

// maxPools is Cognito's default quota of identity pools per account.
const maxPools = 1000

var poolNameRE = regexp.MustCompile(`^[\w\s+=,.@-]{1,128}$`)

func (s *Service) validate(p *Pool) error {
	if !poolNameRE.MatchString(p.IdentityPoolName) {
		return errParam("1 validation error detected: Value '%s' at 'identityPoolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+", p.IdentityPoolName)
	}
	for i, pr := range p.CognitoIdentityProviders {
		if !regexp.MustCompile(`^[\w._:/-]{1,128}$`).MatchString(pr.ProviderName) {
			return errParam("1 validation error detected: Value '%s' at 'cognitoIdentityProviders.%d.member.providerName' failed to satisfy constraint", pr.ProviderName, i+1)
		}
	}
	return nil
}

// CreatePool creates an identity pool.
func (s *Service) CreatePool(ctx context.Context, p Pool) (Pool, error) {
	if err := s.validate(&p); err != nil {
		return Pool{}, err
	}
	p.IdentityPoolId = awsregion.From(ctx, s.Region) + ":" + s.newUUID()
	// sekisho:id (a tag sekisho reads and does not keep) asks for a fixed
	// id, so an app's configuration survives a reset.
	if want, ok := p.IdentityPoolTags[FixedIDTag]; ok {
		delete(p.IdentityPoolTags, FixedIDTag)
		if len(p.IdentityPoolTags) == 0 {
			p.IdentityPoolTags = nil
		}
		if !fixedIDRE.MatchString(want) || awsregion.Of(want, ':', "") == "" {
			return Pool{}, errParam("The sekisho:id tag %q is not an identity pool id (<region>:<uuid>).", want)
		}
		p.IdentityPoolId = want
	}
	err := s.Store.UpdateRecords(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindPool, p.IdentityPoolId); err == nil {
			return awserr.Newf(400, "ResourceConflictException", "An identity pool with id %s already exists.", p.IdentityPoolId)
		}
		recs, err := tx.List(kindPool, "", "", maxPools)
		if err != nil {
			return err
		}
		if len(recs) >= maxPools {
			return awserr.Newf(400, "LimitExceededException", "The limit of %d identity pools has been reached.", maxPools)
		}
		return store.PutJSON(tx, kindPool, p.IdentityPoolId, stored{Pool: p})
	})
	return p, err
}

// Pool returns an identity pool with its roles.
func (s *Service) Pool(ctx context.Context, id string) (Pool, error) {
	var p Pool
	err := s.Store.ViewRecords(ctx, func(tx store.RecordTx) error {
		st, err := store.GetJSON[stored](tx, kindPool, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("IdentityPool '%s' not found.", id)
		}
		p = st.pool()
		return err
	})
	return p, err
}

// ListPools lists identity pools.
func (s *Service) ListPools(ctx context.Context) ([]Pool, error) {
	var out []Pool
	err := s.Store.ViewRecords(ctx, func(tx store.RecordTx) error {
		recs, err := tx.List(kindPool, "", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			st, err := store.GetJSON[stored](tx, kindPool, r.ID)
			if err != nil {
				return err
			}
			out = append(out, st.pool())
		}
		return nil
	})
	return out, err
}

func (s *Service) modify(ctx context.Context, id string, fn func(st *stored) error) error {
	return s.Store.UpdateRecords(ctx, func(tx store.RecordTx) error {
		st, err := store.GetJSON[stored](tx, kindPool, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("IdentityPool '%s' not found.", id)
		}
		if err != nil {
			return err
		}
		if err := fn(&st); err != nil {
			return err
		}
		return store.PutJSON(tx, kindPool, id, st)
	})
}

// UpdatePool replaces a pool's settings (not its roles).
func (s *Service) UpdatePool(ctx context.Context, p Pool) (Pool, error) {
	if err := s.validate(&p); err != nil {
		return Pool{}, err
	}
	err := s.modify(ctx, p.IdentityPoolId, func(st *stored) error { st.Pool = p; return nil })
	return p, err
}

// DeletePool deletes a pool and its identities.
func (s *Service) DeletePool(ctx context.Context, id string) error {
	return s.Store.UpdateRecords(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindPool, id); errors.Is(err, store.ErrNotFound) {
			return errNotFound("IdentityPool '%s' not found.", id)
		} else if err != nil {
			return err
		}
		recs, err := tx.List(kindIdentity, id+"/", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := tx.Delete(kindByID, strings.TrimPrefix(r.ID, id+"/")); err != nil {
				return err
			}
		}
		for _, kind := range []string{kindIdentity, kindLogin} {
			recs, err := tx.List(kind, id+"/", "", 0)
			if err != nil {
				return err
			}
			for _, r := range recs {
				if err := tx.Delete(kind, r.ID); err != nil {
					return err
				}
			}
		}
		return tx.Delete(kindPool, id)
	})
}

var roleArnRE = regexp.MustCompile(`^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$`)

// SetRoles sets a pool's default roles and role mappings.
func (s *Service) SetRoles(ctx context.Context, id string, roles map[string]string, mappings map[string]RoleMapping) error {
	for k, v := range roles {
		if k != "authenticated" && k != "unauthenticated" {
			return errParam("Invalid role key %s. Valid keys are authenticated and unauthenticated.", k)
		}
		if !roleArnRE.MatchString(v) {
			return errParam("1 validation error detected: Value '%s' at 'roles' failed to satisfy constraint: Member must satisfy the ARN pattern", v)
		}
	}
	for name, m := range mappings {
		if m.Type != "Token" && m.Type != "Rules" {
			return errParam("Invalid role mapping type %s for %s", m.Type, name)
		}
		if m.AmbiguousRoleResolution != "AuthenticatedRole" && m.AmbiguousRoleResolution != "Deny" {
			return errParam("AmbiguousRoleResolution must be specified for role mapping %s", name)
		}
		if m.Type == "Rules" && (m.RulesConfiguration == nil || len(m.RulesConfiguration.Rules) == 0 || len(m.RulesConfiguration.Rules) > 25) {
			return errParam("RulesConfiguration must contain between 1 and 25 rules for role mapping %s", name)
		}
		if m.RulesConfiguration != nil {
			for _, r := range m.RulesConfiguration.Rules {
				switch r.MatchType {
				case "Equals", "Contains", "StartsWith", "NotEqual":
				default:
					return errParam("Invalid MatchType %s", r.MatchType)
				}
			}
		}
	}
	if len(mappings) > 10 {
		return errParam("1 validation error detected: Value at 'roleMappings' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	return s.modify(ctx, id, func(st *stored) error {
		valid := mappingKeys(st.Pool)
		for name := range mappings {
			if !valid[name] {
				return errParam("Invalid role mapping key %s: it must name an identity provider of this pool (for a user pool, <ProviderName>:<ClientId>).", name)
			}
		}
		st.Roles, st.RoleMappings = roles, mappings
		return nil
	})
}

// mappingKeys are the role-mapping keys a pool's providers allow: a user
// pool is "<ProviderName>:<ClientId>"; other providers go by their name.
func mappingKeys(p Pool) map[string]bool {
	keys := map[string]bool{}
	for _, cp := range p.CognitoIdentityProviders {
		keys[cp.ProviderName+":"+cp.ClientId] = true
	}
	for _, arn := range p.OpenIdConnectProviderARNs {
		if _, name, ok := strings.Cut(arn, ":oidc-provider/"); ok {
			keys[name] = true
		}
	}
	for _, arn := range p.SamlProviderARNs {
		keys[arn] = true
	}
	for name := range p.SupportedLoginProviders {
		keys[name] = true
	}
	return keys
}

// SetTagMap sets a provider's principal tag map.
func (s *Service) SetTagMap(ctx context.Context, id, provider string, m TagMap) error {
	if len(m.PrincipalTags) > 50 {
		return errParam("PrincipalTags must have at most 50 entries")
	}
	return s.modify(ctx, id, func(st *stored) error {
		if st.TagMaps == nil {
			st.TagMaps = map[string]TagMap{}
		}
		st.TagMaps[provider] = m
		return nil
	})
}

// signingKey loads (creating on first use) the RS512 key that signs
// identity-pool OpenID tokens.
func (s *Service) signingKey(ctx context.Context) (*jose.JSONWebKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys != nil {
		return s.keys, nil
	}
	const purpose = "sekisho identity pool signing key"
	var sealed string
	var kid string
	type storedKey struct{ Kid, Sealed string }
	k, err := func() (storedKey, error) {
		var k storedKey
		err := s.Store.ViewRecords(ctx, func(tx store.RecordTx) error {
			var err error
			k, err = store.GetJSON[storedKey](tx, kindKeys, "openid")
			return err
		})
		return k, err
	}()
	if errors.Is(err, store.ErrNotFound) {
		// Generate outside the write; keep a racing node's key if it won.
		priv, gerr := rsa.GenerateKey(rand.Reader, 2048)
		if gerr != nil {
			return nil, gerr
		}
		fresh := storedKey{Kid: s.Region + "1", Sealed: s.Key.Seal(purpose, x509.MarshalPKCS1PrivateKey(priv))}
		err = s.Store.UpdateRecords(ctx, func(tx store.RecordTx) error {
			cur, err := store.GetJSON[storedKey](tx, kindKeys, "openid")
			if err == nil {
				k = cur
				return nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			k = fresh
			return store.PutJSON(tx, kindKeys, "openid", fresh)
		})
	}
	sealed, kid = k.Sealed, k.Kid
	if err != nil {
		return nil, err
	}
	der, err := s.Key.Open(purpose, sealed)
	if err != nil {
		return nil, err
	}
	priv, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		return nil, err
	}
	s.keys = &jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: "RS512", Use: "sig"}
	return s.keys, nil
}

// URL implements sts.Issuer.
func (s *Service) URL() string { return IssuerURL }

// Federated implements sts.Issuer.
func (s *Service) Federated() string { return Federated }

// KeySet implements sts.Issuer: the public keys of OpenID tokens.
func (s *Service) KeySet(ctx context.Context) (*jose.JSONWebKeySet, error) {
	k, err := s.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	pub := k.Public()
	return &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}}, nil
}

var _ sts.Issuer = (*Service)(nil)

func trimScheme(s string) string {
	return strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
}

// FixedIDTag is the creation tag that asks for a given id.
const FixedIDTag = "sekisho:id"

var fixedIDRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
