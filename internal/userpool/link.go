package userpool

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Linking an external identity to an existing user
// (AdminLinkProviderForUser): when the identity signs in through its
// provider, the pool signs in the existing user instead of making
// "<provider>_<id>".

const (
	kindIdPLink  = "cognito.idplink" // pool/provider/id → destination username
	maxUserLinks = 5
)

// ProviderUser names a user by provider and attribute, as the API's
// ProviderUserIdentifierType does.
type ProviderUser struct {
	ProviderName, ProviderAttributeName, ProviderAttributeValue string
}

func linkKey(pool, provider, id string) string { return pool + "/" + provider + "/" + id }

// identityEntry is one element of a user's identities attribute; the
// primary one is the identity a federated user was made from.
func identityEntry(provider, providerType, id string, created int64, primary bool) map[string]any {
	return map[string]any{"userId": id, "providerName": provider, "providerType": providerType, "issuer": nil,
		"primary": fmt.Sprint(primary), "dateCreated": fmt.Sprint(created)}
}

// AdminLinkProviderForUser links an external identity that has not yet
// signed in to an existing native user.
func (s *Service) AdminLinkProviderForUser(ctx context.Context, pool string, dest, src ProviderUser) error {
	if !strings.EqualFold(dest.ProviderName, "Cognito") || dest.ProviderAttributeValue == "" {
		return errParam("DestinationUser must be a user of the user pool: ProviderName Cognito and ProviderAttributeValue its username.")
	}
	if src.ProviderName == "" || strings.EqualFold(src.ProviderName, "Cognito") || src.ProviderAttributeValue == "" {
		return errParam("SourceUser must name an identity provider of the user pool and the user's id there.")
	}
	if src.ProviderAttributeName != "" && src.ProviderAttributeName != "Cognito_Subject" {
		return errParam("SourceUser ProviderAttributeName must be Cognito_Subject.")
	}
	return s.update(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return err
		}
		idp, err := s.idpTx(tx, pool, src.ProviderName)
		if err != nil {
			return err
		}
		u, err := s.findUser(tx, p, dest.ProviderAttributeValue)
		if err != nil {
			return err
		}
		if u.Status == "EXTERNAL_PROVIDER" {
			return errParam("DestinationUser must be a user of the user pool, not a federated user.")
		}
		if _, err := tx.Get(kindUser, userKey(pool, src.ProviderName+"_"+src.ProviderAttributeValue)); err == nil {
			return errParam("Merging is not currently supported, provide a SourceUser that has not been signed up in order to link")
		}
		key := linkKey(pool, src.ProviderName, src.ProviderAttributeValue)
		if owner, err := tx.Get(kindIdPLink, key); err == nil {
			if string(owner) == u.Username {
				return nil
			}
			return awserr.New(400, "AliasExistsException", "The SourceUser is already linked to another user.")
		}
		var links []map[string]any
		if v := u.Attributes["identities"]; v != "" {
			json.Unmarshal([]byte(v), &links)
		}
		if len(links) >= maxUserLinks {
			return awserr.Newf(400, "LimitExceededException", "A user can be linked to at most %d identities.", maxUserLinks)
		}
		links = append(links, identityEntry(src.ProviderName, idp.ProviderType, src.ProviderAttributeValue, s.now().UnixMilli(), false))
		old := u
		u.Attributes = maps.Clone(u.Attributes)
		b, _ := json.Marshal(links)
		u.Attributes["identities"] = string(b)
		if err := s.saveUser(tx, p, &old, u); err != nil {
			return err
		}
		return tx.Put(kindIdPLink, key, []byte(u.Username))
	})
}

// AdminDisableProviderForUser cuts an external identity off: its link to
// a user is removed, and a federated user made from it is deleted, so
// its next sign-in starts afresh.
func (s *Service) AdminDisableProviderForUser(ctx context.Context, pool string, who ProviderUser) error {
	if who.ProviderName == "" || strings.EqualFold(who.ProviderName, "Cognito") || who.ProviderAttributeValue == "" {
		return errParam("User must name an identity provider of the user pool and the user's id there.")
	}
	return s.update(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return err
		}
		found := false
		key := linkKey(pool, who.ProviderName, who.ProviderAttributeValue)
		if owner, err := tx.Get(kindIdPLink, key); err == nil {
			found = true
			if err := tx.Delete(kindIdPLink, key); err != nil {
				return err
			}
			if u, err := store.GetJSON[User](tx, kindUser, userKey(pool, string(owner))); err == nil {
				var links, kept []map[string]any
				json.Unmarshal([]byte(u.Attributes["identities"]), &links)
				for _, l := range links {
					if l["providerName"] != who.ProviderName || l["userId"] != who.ProviderAttributeValue {
						kept = append(kept, l)
					}
				}
				old := u
				u.Attributes = maps.Clone(u.Attributes)
				if len(kept) == 0 {
					delete(u.Attributes, "identities")
				} else {
					b, _ := json.Marshal(kept)
					u.Attributes["identities"] = string(b)
				}
				if err := s.saveUser(tx, p, &old, u); err != nil {
					return err
				}
			}
		}
		if u, err := store.GetJSON[User](tx, kindUser, userKey(pool, who.ProviderName+"_"+who.ProviderAttributeValue)); err == nil && u.Status == "EXTERNAL_PROVIDER" {
			found = true
			if err := s.deleteUserTx(tx, p, u); err != nil {
				return err
			}
		}
		if !found {
			return errUserNotFound()
		}
		return nil
	})
}

// linkedUserTx returns the user an external identity is linked to, if
// any (a link to a user since deleted counts as none).
func linkedUserTx(tx store.RecordTx, pool, provider, id string) (User, bool) {
	owner, err := tx.Get(kindIdPLink, linkKey(pool, provider, id))
	if err != nil {
		return User{}, false
	}
	u, err := store.GetJSON[User](tx, kindUser, userKey(pool, string(owner)))
	return u, err == nil
}
