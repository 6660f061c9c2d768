package userpool

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// External identity providers of a pool: their configuration, as
// Cognito's Create/Describe/Update/Delete/ListIdentityProviders keep it.
// The provider's client secret is sealed at rest under the master key.

const (
	kindIdP      = "cognito.idp"      // pool/name → IdentityProvider
	kindIdPIdent = "cognito.idpident" // pool/identifier → provider name
	idpPurpose   = "sekisho cognito identity provider secret"
	maxIdPs      = 300
)

// IdentityProvider is a pool's external IdP as the API shows it.
type IdentityProvider struct {
	UserPoolId       string            `json:"UserPoolId"`
	ProviderName     string            `json:"ProviderName"`
	ProviderType     string            `json:"ProviderType"`
	ProviderDetails  map[string]string `json:"ProviderDetails"`
	AttributeMapping map[string]string `json:"AttributeMapping,omitempty"`
	IdpIdentifiers   []string          `json:"IdpIdentifiers,omitempty"`
	LastModifiedDate epoch             `json:"LastModifiedDate"`
	CreationDate     epoch             `json:"CreationDate"`
	SealedSecret     string            `json:"sealedSecret,omitempty"` // at rest only
}

var (
	providerNameRE = regexp.MustCompile(`^[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+$`)
	idpIdentRE     = regexp.MustCompile(`^[\w\s+=.@-]{1,40}$`)
)

// socialTypes are the named social providers; their ProviderName is
// their type.
var socialTypes = map[string]bool{"Google": true, "Facebook": true, "LoginWithAmazon": true, "SignInWithApple": true}

// validateIdP checks a provider's type, name and details and, for OIDC,
// fills the endpoints the issuer's discovery document gives that the
// caller left out. It runs outside any transaction (it may fetch).
func (s *Service) validateIdP(ctx context.Context, p *IdentityProvider) error {
	if len(p.ProviderName) > 32 || !providerNameRE.MatchString(p.ProviderName) {
		return errParam("1 validation error detected: Value '%s' at 'providerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^_\\p{Z}][\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}][^_\\p{Z}]+", p.ProviderName)
	}
	if strings.EqualFold(p.ProviderName, "COGNITO") {
		return errParam("The provider name %s is reserved.", p.ProviderName)
	}
	if len(p.IdpIdentifiers) > 50 {
		return errParam("1 validation error detected: Value at 'idpIdentifiers' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	seen := map[string]bool{}
	for _, id := range p.IdpIdentifiers {
		if !idpIdentRE.MatchString(id) {
			return errParam("1 validation error detected: Value '%s' at 'idpIdentifiers' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=.@-]+", id)
		}
		if seen[id] {
			return errParam("Duplicate IdP identifier %s.", id)
		}
		seen[id] = true
	}
	for k := range p.AttributeMapping {
		if len(k) == 0 || len(k) > 32 {
			return errParam("1 validation error detected: Value at 'attributeMapping' failed to satisfy constraint: Map keys must have length between 1 and 32")
		}
	}
	d := p.ProviderDetails
	switch {
	case p.ProviderType == "SAML":
		return awserr.New(400, "UnsupportedIdentityProviderException", "SAML identity providers are not supported; use an OIDC provider.")
	case socialTypes[p.ProviderType]:
		if p.ProviderName != p.ProviderType {
			return errParam("The ProviderName of a %s provider must be %s.", p.ProviderType, p.ProviderType)
		}
		need := []string{"client_id", "authorize_scopes"}
		if p.ProviderType == "SignInWithApple" {
			need = append(need, "team_id", "key_id", "private_key")
		} else {
			need = append(need, "client_secret")
		}
		for _, k := range need {
			if d[k] == "" {
				return errParam("%s is required for %s provider.", k, p.ProviderType)
			}
		}
		return nil
	case p.ProviderType == "OIDC":
	default:
		return errParam("1 validation error detected: Value '%s' at 'providerType' failed to satisfy constraint: Member must satisfy enum value set: [SAML, Facebook, Google, LoginWithAmazon, SignInWithApple, OIDC]", p.ProviderType)
	}
	for _, k := range []string{"client_id", "authorize_scopes", "oidc_issuer"} {
		if d[k] == "" {
			return errParam("%s is required for OIDC provider.", k)
		}
	}
	switch d["attributes_request_method"] {
	case "":
		d["attributes_request_method"] = "GET"
	case "GET", "POST":
	default:
		return errParam("attributes_request_method must be GET or POST.")
	}
	if !hasScopeWord(d["authorize_scopes"], "openid") {
		return errParam("authorize_scopes must include openid for OIDC provider.")
	}
	for _, k := range []string{"oidc_issuer", "authorize_url", "token_url", "attributes_url", "jwks_uri"} {
		if v := d[k]; v != "" {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && (isLoopback(u.Hostname()) || strings.HasSuffix(u.Hostname(), ".localhost")))) || u.Host == "" {
				return errParam("%s must be an https URL.", k)
			}
		}
	}
	if d["authorize_url"] == "" || d["token_url"] == "" || d["jwks_uri"] == "" {
		if s.Upstream == nil {
			return errParam("authorize_url, token_url and jwks_uri are required: this server does not reach out to discover them.")
		}
		doc, err := s.Upstream.Discover(ctx, d["oidc_issuer"])
		if err == nil && strings.TrimSuffix(doc.Issuer, "/") != strings.TrimSuffix(d["oidc_issuer"], "/") {
			err = fmt.Errorf("the document names the issuer %q", doc.Issuer)
		}
		if err != nil {
			return errParam("Unable to contact well-known endpoint of %s: %v", d["oidc_issuer"], err)
		}
		for k, v := range map[string]string{"authorize_url": doc.Authorization, "token_url": doc.Token, "attributes_url": doc.UserInfo, "jwks_uri": doc.JWKS} {
			if d[k] == "" {
				d[k] = v
			}
		}
		if d["authorize_url"] == "" || d["token_url"] == "" || d["jwks_uri"] == "" {
			return errParam("The discovery document of %s lacks authorization_endpoint, token_endpoint or jwks_uri.", d["oidc_issuer"])
		}
	}
	d["attributes_url_add_attributes"] = "false"
	if p.AttributeMapping == nil {
		p.AttributeMapping = map[string]string{}
	}
	if p.AttributeMapping["username"] == "" {
		p.AttributeMapping["username"] = "sub"
	}
	return nil
}

// hasScopeWord reports whether a space-separated scope list holds want.
func hasScopeWord(scopes, want string) bool {
	return slices.Contains(strings.Fields(scopes), want)
}

// sealIdP moves a provider's secrets out of its details into the sealed
// field for storing.
func (s *Service) sealIdP(p *IdentityProvider) {
	secrets := map[string]string{}
	details := map[string]string{}
	for k, v := range p.ProviderDetails {
		if k == "client_secret" || k == "private_key" {
			secrets[k] = v
			continue
		}
		details[k] = v
	}
	p.ProviderDetails, p.SealedSecret = details, ""
	if len(secrets) > 0 {
		b, _ := json.Marshal(secrets)
		p.SealedSecret = s.Key.Seal(idpPurpose, b)
	}
}

// openIdP puts a stored provider's secrets back into its details.
func (s *Service) openIdP(p IdentityProvider) (IdentityProvider, error) {
	if p.SealedSecret != "" {
		b, err := s.Key.Open(idpPurpose, p.SealedSecret)
		if err != nil {
			return p, err
		}
		var secrets map[string]string
		if err := json.Unmarshal(b, &secrets); err != nil {
			return p, err
		}
		maps.Copy(p.ProviderDetails, secrets)
	}
	p.SealedSecret = ""
	return p, nil
}

func (s *Service) idpTx(tx store.RecordTx, pool, name string) (IdentityProvider, error) {
	if _, err := s.poolTx(tx, pool); err != nil {
		return IdentityProvider{}, err
	}
	p, err := store.GetJSON[IdentityProvider](tx, kindIdP, pool+"/"+name)
	if isNotFound(err) {
		return p, errNotFound("Identity provider %s does not exist.", name)
	}
	return p, err
}

// putIdPIdentifiers claims a provider's identifiers in the pool and
// releases the ones it no longer has.
func putIdPIdentifiers(tx store.RecordTx, pool, name string, old, now []string) error {
	for _, id := range old {
		if err := tx.Delete(kindIdPIdent, pool+"/"+id); err != nil && !isNotFound(err) {
			return err
		}
	}
	for _, id := range now {
		if b, err := tx.Get(kindIdPIdent, pool+"/"+id); err == nil && string(b) != name {
			return errParam("The IdP identifier %s is already used by the provider %s.", id, b)
		}
		if err := tx.Put(kindIdPIdent, pool+"/"+id, []byte(name)); err != nil {
			return err
		}
	}
	return nil
}

// CreateIdentityProvider adds an external IdP to a pool.
func (s *Service) CreateIdentityProvider(ctx context.Context, p IdentityProvider) (IdentityProvider, error) {
	if p.ProviderDetails == nil {
		p.ProviderDetails = map[string]string{}
	}
	if err := s.validateIdP(ctx, &p); err != nil {
		return IdentityProvider{}, err
	}
	now := epoch(s.now())
	p.CreationDate, p.LastModifiedDate = now, now
	shown := p
	shown.ProviderDetails = maps.Clone(p.ProviderDetails)
	s.sealIdP(&p)
	err := s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, p.UserPoolId); err != nil {
			return err
		}
		if _, err := tx.Get(kindIdP, p.UserPoolId+"/"+p.ProviderName); err == nil {
			return awserr.Newf(400, "DuplicateProviderException", "A provider with the name %s already exists in this user pool.", p.ProviderName)
		}
		if err := quota(tx, kindIdP, p.UserPoolId+"/", maxIdPs, "identity providers in this user pool"); err != nil {
			return err
		}
		if err := putIdPIdentifiers(tx, p.UserPoolId, p.ProviderName, nil, p.IdpIdentifiers); err != nil {
			return err
		}
		return store.PutJSON(tx, kindIdP, p.UserPoolId+"/"+p.ProviderName, p)
	})
	if err != nil {
		return IdentityProvider{}, err
	}
	return shown, nil
}

// DescribeIdentityProvider returns a pool's IdP with its details.
func (s *Service) DescribeIdentityProvider(ctx context.Context, pool, name string) (IdentityProvider, error) {
	var p IdentityProvider
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		p, err = s.idpTx(tx, pool, name)
		return err
	})
	if err != nil {
		return p, err
	}
	return s.openIdP(p)
}

// IdentityProviderByIdentifier finds a pool's IdP by one of its
// identifiers.
func (s *Service) IdentityProviderByIdentifier(ctx context.Context, pool, ident string) (IdentityProvider, error) {
	var p IdentityProvider
	err := s.view(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, pool); err != nil {
			return err
		}
		name, err := tx.Get(kindIdPIdent, pool+"/"+ident)
		if isNotFound(err) {
			return errNotFound("Identity provider with identifier %s does not exist.", ident)
		} else if err != nil {
			return err
		}
		p, err = s.idpTx(tx, pool, string(name))
		return err
	})
	if err != nil {
		return p, err
	}
	return s.openIdP(p)
}

// UpdateIdentityProvider changes an IdP's details, mapping or
// identifiers; details given replace the stored ones key by key.
func (s *Service) UpdateIdentityProvider(ctx context.Context, in IdentityProvider) (IdentityProvider, error) {
	cur, err := s.DescribeIdentityProvider(ctx, in.UserPoolId, in.ProviderName)
	if err != nil {
		return cur, err
	}
	next := cur
	next.ProviderDetails = maps.Clone(cur.ProviderDetails)
	maps.Copy(next.ProviderDetails, in.ProviderDetails)
	if in.AttributeMapping != nil {
		next.AttributeMapping = in.AttributeMapping
	}
	if in.IdpIdentifiers != nil {
		next.IdpIdentifiers = in.IdpIdentifiers
	}
	if err := s.validateIdP(ctx, &next); err != nil {
		return IdentityProvider{}, err
	}
	next.LastModifiedDate = epoch(s.now())
	shown := next
	shown.ProviderDetails = maps.Clone(next.ProviderDetails)
	s.sealIdP(&next)
	err = s.update(ctx, func(tx store.RecordTx) error {
		stored, err := s.idpTx(tx, in.UserPoolId, in.ProviderName)
		if err != nil {
			return err
		}
		if stored.LastModifiedDate != cur.LastModifiedDate {
			return awserr.New(400, "ConcurrentModificationException", "The identity provider was changed by another request; try again.")
		}
		if err := putIdPIdentifiers(tx, in.UserPoolId, in.ProviderName, stored.IdpIdentifiers, next.IdpIdentifiers); err != nil {
			return err
		}
		return store.PutJSON(tx, kindIdP, in.UserPoolId+"/"+in.ProviderName, next)
	})
	if err != nil {
		return IdentityProvider{}, err
	}
	return shown, nil
}

// DeleteIdentityProvider removes an IdP from a pool.
func (s *Service) DeleteIdentityProvider(ctx context.Context, pool, name string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		p, err := s.idpTx(tx, pool, name)
		if err != nil {
			return err
		}
		if err := putIdPIdentifiers(tx, pool, name, p.IdpIdentifiers, nil); err != nil {
			return err
		}
		links, err := tx.List(kindIdPLink, pool+"/"+name+"/", "", 0)
		if err != nil {
			return err
		}
		for _, l := range links {
			if err := tx.Delete(kindIdPLink, l.ID); err != nil {
				return err
			}
		}
		return tx.Delete(kindIdP, pool+"/"+name)
	})
}

// ListIdentityProviders returns a pool's IdPs sorted by name, without
// their details.
func (s *Service) ListIdentityProviders(ctx context.Context, pool string) ([]IdentityProvider, error) {
	var out []IdentityProvider
	err := s.view(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, pool); err != nil {
			return err
		}
		recs, err := tx.List(kindIdP, pool+"/", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			p, err := store.GetJSON[IdentityProvider](tx, kindIdP, r.ID)
			if err != nil {
				return err
			}
			out = append(out, IdentityProvider{ProviderName: p.ProviderName, ProviderType: p.ProviderType, CreationDate: p.CreationDate, LastModifiedDate: p.LastModifiedDate})
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ProviderName < out[j].ProviderName })
	return out, err
}

// deleteIdPsTx removes all of a pool's IdPs (the pool is going).
func deleteIdPsTx(tx store.RecordTx, pool string) error {
	for _, kind := range []string{kindIdP, kindIdPIdent, kindIdPLink} {
		recs, err := tx.List(kind, pool+"/", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := tx.Delete(kind, r.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// idpExistsTx reports whether a pool has an IdP of that name.
func idpExistsTx(tx store.RecordTx, pool, name string) bool {
	_, err := tx.Get(kindIdP, pool+"/"+name)
	return err == nil
}
