package idpool

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	jose "github.com/go-jose/go-jose/v4"

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
			id = s.Region + ":" + s.newUUID()
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
	var users []string
	if u := ident.Logins[p.DeveloperProviderName]; u != "" {
		users = append(users, u)
	}
	return ident.IdentityId, users, nil
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

// ListIdentities lists a pool's identities.
func (s *Service) ListIdentities(ctx context.Context, poolID string, max int) ([]IdentityDescription, error) {
	if _, err := s.Pool(ctx, poolID); err != nil {
		return nil, err
	}
	out := []IdentityDescription{}
	err := s.Store.ViewRecords(ctx, func(tx store.RecordTx) error {
		recs, err := tx.List(kindIdentity, poolID+"/", "", max)
		if err != nil {
			return err
		}
		for _, r := range recs {
			var i Identity
			if err := json.Unmarshal(r.Value, &i); err != nil {
				return err
			}
			out = append(out, describe(i))
		}
		return nil
	})
	return out, err
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
				if name == prov || name == idpProvider(s.Region, prov) {
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
