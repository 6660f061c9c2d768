package idpool

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/awsregion"
	"github.com/sekisho/sekisho/internal/store"
)

// DeveloperToken is GetOpenIdTokenForDeveloperIdentity's result.
type DeveloperToken struct {
	IdentityId string `json:"IdentityId"`
	Token      string `json:"Token"`
}

// GetOpenIdTokenForDeveloperIdentity registers (or finds) the identity of
// a user of the pool's developer provider and returns an OpenID token for
// it, valid for duration (15 minutes by default, at most 24 hours).
func (s *Service) GetOpenIdTokenForDeveloperIdentity(ctx context.Context, poolID, identityID string, logins map[string]string, tags map[string]string, duration time.Duration) (*DeveloperToken, error) {
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	if duration == 0 {
		duration = 15 * time.Minute
	}
	if duration < time.Second || duration > 24*time.Hour {
		return nil, errParam("TokenDuration must be between 1 and 86400 seconds")
	}
	user, ok := logins[p.DeveloperProviderName]
	if !ok || p.DeveloperProviderName == "" || len(logins) != 1 {
		return nil, errNotAuthorized("Logins must name the identity pool's developer provider.")
	}
	id := identityID
	err = s.Store.UpdateRecords(ctx, func(tx store.RecordTx) error {
		key := poolID + "/" + p.DeveloperProviderName + "/" + user
		if b, err := tx.Get(kindLogin, key); err == nil {
			if id != "" && id != string(b) {
				return errNotAuthorized("The developer user is linked to another identity.")
			}
			id = string(b)
			return nil
		}
		now := s.now()
		ident := Identity{PoolId: poolID, Created: now, Modified: now, Logins: map[string]string{}}
		if id != "" {
			var err error
			if ident, err = store.GetJSON[Identity](tx, kindIdentity, poolID+"/"+id); err != nil {
				return errNotFound("Identity '%s' not found.", id)
			}
		} else {
			id = s.regionOf(poolID) + ":" + s.newUUID()
			ident.IdentityId = id
		}
		ident.Logins[p.DeveloperProviderName] = user
		ident.Modified = now
		if err := tx.Put(kindLogin, key, []byte(id)); err != nil {
			return err
		}
		if err := tx.Put(kindByID, id, []byte(poolID)); err != nil {
			return err
		}
		return store.PutJSON(tx, kindIdentity, poolID+"/"+id, ident)
	})
	if err != nil {
		return nil, err
	}
	key, err := s.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS512, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	now := s.now()
	claims := map[string]any{"iss": IssuerURL, "sub": id, "aud": poolID, "amr": []string{"authenticated", p.DeveloperProviderName, p.DeveloperProviderName + ":" + poolID + ":" + user},
		"iat": now.Unix(), "exp": now.Add(duration).Unix()}
	if len(tags) > 0 {
		pt := map[string][]string{}
		for k, v := range tags {
			pt[k] = []string{v}
		}
		claims["https://aws.amazon.com/tags"] = map[string]any{"principal_tags": pt}
	}
	b, _ := json.Marshal(claims)
	jws, err := signer.Sign(b)
	if err != nil {
		return nil, err
	}
	tok, err := jws.CompactSerialize()
	return &DeveloperToken{IdentityId: id, Token: tok}, err
}

// LookupDeveloperIdentity finds an identity by developer user or id.
func (s *Service) LookupDeveloperIdentity(ctx context.Context, poolID, identityID, user string) (string, []string, error) {
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return "", nil, err
	}
	var ident Identity
	err = s.Store.ViewRecords(ctx, func(tx store.RecordTx) error {
		if user != "" {
			b, err := tx.Get(kindLogin, poolID+"/"+p.DeveloperProviderName+"/"+user)
			if err != nil {
				return errNotFound("Identity for developer user %s not found.", user)
			}
			identityID = string(b)
		}
		var err error
		if ident, err = store.GetJSON[Identity](tx, kindIdentity, poolID+"/"+identityID); err != nil {
			return errNotFound("Identity '%s' not found.", identityID)
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	return ident.IdentityId, ident.devUsers(p.DeveloperProviderName), nil
}

// IdentityDescription is IdentityDescription.
type IdentityDescription struct {
	IdentityId       string   `json:"IdentityId"`
	Logins           []string `json:"Logins,omitempty"`
	CreationDate     float64  `json:"CreationDate"`
	LastModifiedDate float64  `json:"LastModifiedDate"`
}

func describe(i Identity) IdentityDescription {
	d := IdentityDescription{IdentityId: i.IdentityId, CreationDate: float64(i.Created.UnixMilli()) / 1000, LastModifiedDate: float64(i.Modified.UnixMilli()) / 1000}
	for p := range i.Logins {
		d.Logins = append(d.Logins, p)
	}
	sort.Strings(d.Logins)
	return d
}

// DescribeIdentity describes an identity.
func (s *Service) DescribeIdentity(ctx context.Context, id string) (IdentityDescription, error) {
	i, _, err := s.identity(ctx, id)
	return describe(i), err
}

// ListIdentities lists a page of a pool's identities (at most max, after
// the identity id next) and the token of the next page.
func (s *Service) ListIdentities(ctx context.Context, poolID string, max int, next string) ([]IdentityDescription, string, error) {
	if _, err := s.Pool(ctx, poolID); err != nil {
		return nil, "", err
	}
	out := []IdentityDescription{}
	token := ""
	after := ""
	if next != "" {
		after = poolID + "/" + next
	}
	err := s.Store.ViewRecords(ctx, func(tx store.RecordTx) error {
		recs, err := tx.List(kindIdentity, poolID+"/", after, max+1)
		if err != nil {
			return err
		}
		for n, r := range recs {
			var i Identity
			if err := json.Unmarshal(r.Value, &i); err != nil {
				return err
			}
			if n == max {
				token = out[len(out)-1].IdentityId
				break
			}
			out = append(out, describe(i))
		}
		return nil
	})
	return out, token, err
}

// DeleteIdentities deletes identities; ids not found are returned.
func (s *Service) DeleteIdentities(ctx context.Context, ids []string) ([]string, error) {
	var unprocessed []string
	for _, id := range ids {
		i, _, err := s.identity(ctx, id)
		if err != nil {
			unprocessed = append(unprocessed, id)
			continue
		}
		err = s.Store.UpdateRecords(ctx, func(tx store.RecordTx) error {
			for p, sub := range i.Logins {
				if err := tx.Delete(kindLogin, i.PoolId+"/"+p+"/"+sub); err != nil {
					return err
				}
			}
			if err := tx.Delete(kindByID, id); err != nil {
				return err
			}
			return tx.Delete(kindIdentity, i.PoolId+"/"+id)
		})
		if err != nil {
			return nil, err
		}
	}
	return unprocessed, nil
}

// UnlinkIdentity removes logins from an identity; the caller proves it
// holds the identity with current logins.
func (s *Service) UnlinkIdentity(ctx context.Context, id string, logins map[string]string, remove []string) error {
	i, p, err := s.identity(ctx, id)
	if err != nil {
		return err
	}
	ls, err := s.verifyLogins(ctx, p, logins)
	if err != nil {
		return err
	}
	ok := false
	for _, l := range ls {
		ok = ok || i.Logins[l.provider] == l.subject
	}
	if !ok {
		return errNotAuthorized("Logins don't match. Please include at least one valid login for this identity or identity pool.")
	}
	return s.Store.UpdateRecords(ctx, func(tx store.RecordTx) error {
		for _, prov := range remove {
			for name, sub := range i.Logins {
				if name == prov || name == idpProvider(awsregion.Of(prov, '_', s.Region), prov) {
					if err := tx.Delete(kindLogin, i.PoolId+"/"+name+"/"+sub); err != nil {
						return err
					}
					delete(i.Logins, name)
				}
			}
		}
		i.Modified = s.now()
		return store.PutJSON(tx, kindIdentity, i.PoolId+"/"+id, i)
	})
}

// MergeDeveloperIdentities moves the source developer user's identity's
// logins to the destination user's identity and deletes the source
// identity; it returns the destination identity's id.
func (s *Service) MergeDeveloperIdentities(ctx context.Context, poolID, provider, source, dest string) (string, error) {
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return "", err
	}
	if provider != p.DeveloperProviderName || provider == "" {
		return "", errNotFound("Developer provider %s is not configured for identity pool %s.", provider, poolID)
	}
	var destID string
	err = s.Store.UpdateRecords(ctx, func(tx store.RecordTx) error {
		sb, err := tx.Get(kindLogin, poolID+"/"+provider+"/"+source)
		if err != nil {
			return errNotFound("Identity for developer user %s not found.", source)
		}
		db, err := tx.Get(kindLogin, poolID+"/"+provider+"/"+dest)
		if err != nil {
			return errNotFound("Identity for developer user %s not found.", dest)
		}
		srcID, dstID := string(sb), string(db)
		destID = dstID
		if srcID == dstID {
			return nil
		}
		src, err := store.GetJSON[Identity](tx, kindIdentity, poolID+"/"+srcID)
		if err != nil {
			return errNotFound("Identity '%s' not found.", srcID)
		}
		dst, err := store.GetJSON[Identity](tx, kindIdentity, poolID+"/"+dstID)
		if err != nil {
			return errNotFound("Identity '%s' not found.", dstID)
		}
		if err := s.merge(tx, &dst, src, provider); err != nil {
			return err
		}
		return store.PutJSON(tx, kindIdentity, poolID+"/"+dstID, dst)
	})
	return destID, err
}

// merge moves src's logins to dst (which the caller then saves) and
// deletes src: every login of src now names dst, and the developer
// provider's users join dst's. Two users of one public provider cannot
// share an identity, so that refuses the merge.
func (s *Service) merge(tx store.RecordTx, dst *Identity, src Identity, devProvider string) error {
	// The developer users are read before the logins change.
	devUsers := appendUnique(dst.devUsers(devProvider), src.devUsers(devProvider)...)
	if dst.Logins == nil {
		dst.Logins = map[string]string{}
	}
	for name, sub := range src.Logins {
		if name != devProvider || devProvider == "" {
			if prev, taken := dst.Logins[name]; taken && prev != sub {
				return awserr.Newf(400, "ResourceConflictException", "Cannot merge: both identities have logins from %s.", name)
			}
			dst.Logins[name] = sub
		} else if _, ok := dst.Logins[name]; !ok {
			dst.Logins[name] = sub
		}
		if err := tx.Put(kindLogin, src.PoolId+"/"+name+"/"+sub, []byte(dst.IdentityId)); err != nil {
			return err
		}
	}
	if _, ok := src.Logins[devProvider]; ok && devProvider != "" {
		// Each of src's developer users now names dst.
		for _, u := range src.devUsers(devProvider) {
			if err := tx.Put(kindLogin, src.PoolId+"/"+devProvider+"/"+u, []byte(dst.IdentityId)); err != nil {
				return err
			}
		}
		if len(devUsers) > 1 {
			dst.DevUsers = devUsers
		}
	}
	dst.Modified = s.now()
	if err := tx.Delete(kindIdentity, src.PoolId+"/"+src.IdentityId); err != nil {
		return err
	}
	return tx.Delete(kindByID, src.IdentityId)
}

// UnlinkDeveloperIdentity removes a developer user from an identity.
func (s *Service) UnlinkDeveloperIdentity(ctx context.Context, poolID, identityID, provider, user string) error {
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return err
	}
	if provider != p.DeveloperProviderName || provider == "" {
		return errNotFound("Developer provider %s is not configured for identity pool %s.", provider, poolID)
	}
	return s.Store.UpdateRecords(ctx, func(tx store.RecordTx) error {
		key := poolID + "/" + provider + "/" + user
		b, err := tx.Get(kindLogin, key)
		if err != nil || string(b) != identityID {
			return errNotFound("Developer user %s is not linked to identity %s.", user, identityID)
		}
		i, err := store.GetJSON[Identity](tx, kindIdentity, poolID+"/"+identityID)
		if err != nil {
			return errNotFound("Identity '%s' not found.", identityID)
		}
		users := i.devUsers(provider)
		users = slices.DeleteFunc(users, func(u string) bool { return u == user })
		delete(i.Logins, provider)
		i.DevUsers = nil
		if len(users) > 0 {
			i.Logins[provider] = users[0]
			if len(users) > 1 {
				i.DevUsers = users
			}
		}
		i.Modified = s.now()
		if err := tx.Delete(kindLogin, key); err != nil {
			return err
		}
		return store.PutJSON(tx, kindIdentity, poolID+"/"+identityID, i)
	})
}

// devUsers are all the developer users an identity holds.
func (i Identity) devUsers(provider string) []string {
	if len(i.DevUsers) > 0 {
		return slices.Clone(i.DevUsers)
	}
	if u := i.Logins[provider]; u != "" {
		return []string{u}
	}
	return nil
}

func appendUnique(list []string, more ...string) []string {
	for _, m := range more {
		if !slices.Contains(list, m) {
			list = append(list, m)
		}
	}
	return list
}

// poolOfARN returns the identity pool id an ARN names.
func (s *Service) poolOfARN(arn string) (string, error) {
	id := arn[strings.LastIndexByte(arn, '/')+1:]
	if id == "" || arn != s.PoolARN(id) {
		return "", errNotFound("Resource %s does not exist.", arn)
	}
	return id, nil
}

// PoolARN is the ARN of an identity pool, in the region its id names.
func (s *Service) PoolARN(id string) string {
	return "arn:aws:cognito-identity:" + s.regionOf(id) + ":" + s.Account + ":identitypool/" + id
}

// regionOf is the region of an identity pool or identity id: the one the
// id names, which is the region of the request that created the pool.
func (s *Service) regionOf(id string) string { return awsregion.Of(id, ':', s.Region) }

// TagResource adds or replaces an identity pool's tags.
func (s *Service) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	id, err := s.poolOfARN(arn)
	if err != nil {
		return err
	}
	return s.modify(ctx, id, func(st *stored) error {
		if st.IdentityPoolTags == nil {
			st.IdentityPoolTags = map[string]string{}
		}
		maps.Copy(st.IdentityPoolTags, tags)
		if len(st.IdentityPoolTags) > 50 {
			return errParam("Exceeded the maximum number of tags: 50")
		}
		return nil
	})
}

// UntagResource removes an identity pool's tags by key.
func (s *Service) UntagResource(ctx context.Context, arn string, keys []string) error {
	id, err := s.poolOfARN(arn)
	if err != nil {
		return err
	}
	return s.modify(ctx, id, func(st *stored) error {
		for _, k := range keys {
			delete(st.IdentityPoolTags, k)
		}
		return nil
	})
}

// ResourceTags returns an identity pool's tags.
func (s *Service) ResourceTags(ctx context.Context, arn string) (map[string]string, error) {
	id, err := s.poolOfARN(arn)
	if err != nil {
		return nil, err
	}
	p, err := s.Pool(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.IdentityPoolTags == nil {
		return map[string]string{}, nil
	}
	return p.IdentityPoolTags, nil
}
