package iam

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// More of IAM's control plane: user updates and tags, managed policy and
// OIDC provider tags, OIDC client ids and thumbprints, account aliases,
// the account summary, entities of a policy, and keys' last use.

// UpdateUser renames a user or changes its path.
func (s *Service) UpdateUser(ctx context.Context, name, newName, newPath string) error {
	if newName != "" {
		if err := checkName("newUserName", newName, 64); err != nil {
			return err
		}
	}
	if newPath != "" {
		if _, err := checkPath(newPath); err != nil {
			return err
		}
	}
	return s.update(ctx, func(tx store.RecordTx) error {
		u, err := store.GetJSON[User](tx, kindUser, userID(name))
		if errors.Is(err, store.ErrNotFound) {
			return errNoUser(name)
		} else if err != nil {
			return err
		}
		if newPath != "" {
			u.Path = newPath
		}
		if newName != "" && newName != u.Name {
			if _, err := tx.Get(kindUser, userID(newName)); err == nil && !strings.EqualFold(newName, u.Name) {
				return errExists("User with name %s already exists.", newName)
			}
			for _, gn := range u.Groups {
				g, err := s.groupTx(tx, gn)
				if err != nil {
					continue
				}
				for i, m := range g.Users {
					if strings.EqualFold(m, u.Name) {
						g.Users[i] = newName
					}
				}
				if err := store.PutJSON(tx, kindGroup, userID(g.Name), g); err != nil {
					return err
				}
			}
			for _, k := range u.Keys {
				if err := tx.Put(kindAccessKey, k.ID, []byte(userID(newName))); err != nil {
					return err
				}
			}
			if err := tx.Delete(kindUser, userID(u.Name)); err != nil {
				return err
			}
			u.Name = newName
		}
		u.ARN = s.arn("user", u.Path, u.Name)
		return store.PutJSON(tx, kindUser, userID(u.Name), u)
	})
}

// TagUser adds or replaces a user's tags; UntagUser removes them.
func (s *Service) TagUser(ctx context.Context, name string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.modifyUser(ctx, name, func(_ store.RecordTx, u *User) error {
		u.Tags = mergeTags(u.Tags, tags)
		return checkTags(u.Tags)
	})
}

func (s *Service) UntagUser(ctx context.Context, name string, keys []string) error {
	return s.modifyUser(ctx, name, func(_ store.RecordTx, u *User) error { u.Tags = removeTags(u.Tags, keys); return nil })
}

// TagPolicy and UntagPolicy tag a managed policy.
func (s *Service) TagPolicy(ctx context.Context, arn string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.modifyPolicy(ctx, arn, func(_ store.RecordTx, p *ManagedPolicy) error {
		p.Tags = mergeTags(p.Tags, tags)
		return checkTags(p.Tags)
	})
}

func (s *Service) UntagPolicy(ctx context.Context, arn string, keys []string) error {
	return s.modifyPolicy(ctx, arn, func(_ store.RecordTx, p *ManagedPolicy) error { p.Tags = removeTags(p.Tags, keys); return nil })
}

func (s *Service) modifyOIDC(ctx context.Context, arn string, fn func(p *OIDCProvider) error) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		p, err := store.GetJSON[OIDCProvider](tx, kindOIDC, arn)
		if errors.Is(err, store.ErrNotFound) {
			return errNoSuchEntity("OpenIDConnect Provider not found for arn %s", arn)
		} else if err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		return store.PutJSON(tx, kindOIDC, arn, p)
	})
}

// TagOpenIDConnectProvider and UntagOpenIDConnectProvider tag a provider.
func (s *Service) TagOpenIDConnectProvider(ctx context.Context, arn string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.modifyOIDC(ctx, arn, func(p *OIDCProvider) error {
		p.Tags = mergeTags(p.Tags, tags)
		return checkTags(p.Tags)
	})
}

func (s *Service) UntagOpenIDConnectProvider(ctx context.Context, arn string, keys []string) error {
	return s.modifyOIDC(ctx, arn, func(p *OIDCProvider) error { p.Tags = removeTags(p.Tags, keys); return nil })
}

// AddClientIDToOpenIDConnectProvider adds an audience (once).
func (s *Service) AddClientIDToOpenIDConnectProvider(ctx context.Context, arn, clientID string) error {
	if clientID == "" || len(clientID) > 255 {
		return errValidation("1 validation error detected: Value at 'clientID' failed to satisfy constraint: Member must have length between 1 and 255")
	}
	return s.modifyOIDC(ctx, arn, func(p *OIDCProvider) error {
		if !slices.Contains(p.ClientIDs, clientID) {
			if len(p.ClientIDs) >= 100 {
				return errLimit("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
			}
			p.ClientIDs = append(p.ClientIDs, clientID)
		}
		return nil
	})
}

// RemoveClientIDFromOpenIDConnectProvider removes an audience (no error
// if it was not there, as AWS).
func (s *Service) RemoveClientIDFromOpenIDConnectProvider(ctx context.Context, arn, clientID string) error {
	return s.modifyOIDC(ctx, arn, func(p *OIDCProvider) error {
		p.ClientIDs = slices.DeleteFunc(p.ClientIDs, func(c string) bool { return c == clientID })
		return nil
	})
}

var thumbprintRE = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

// UpdateOpenIDConnectProviderThumbprint replaces the thumbprints.
func (s *Service) UpdateOpenIDConnectProviderThumbprint(ctx context.Context, arn string, thumbprints []string) error {
	if len(thumbprints) > 5 {
		return errLimit("Thumbprint list must contain fewer than 5 entries.")
	}
	for _, t := range thumbprints {
		if !thumbprintRE.MatchString(t) {
			return errValidation("1 validation error detected: Value '%s' at 'thumbprintList' failed to satisfy constraint: Member must have length greater than or equal to 40", t)
		}
	}
	return s.modifyOIDC(ctx, arn, func(p *OIDCProvider) error { p.Thumbprints = thumbprints; return nil })
}

const kindAlias = "iam.alias"

// CreateAccountAlias sets the account's alias (an account has one).
func (s *Service) CreateAccountAlias(ctx context.Context, alias string) error {
	if len(alias) < 3 || len(alias) > 63 || !validAlias(alias) {
		return errValidation("1 validation error detected: Value '%s' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$", alias)
	}
	return s.update(ctx, func(tx store.RecordTx) error {
		if cur, err := tx.Get(kindAlias, "alias"); err == nil && string(cur) != alias {
			return errLimit("Cannot exceed quota for AccountAliasesPerAccount: 1")
		}
		return tx.Put(kindAlias, "alias", []byte(alias))
	})
}

func validAlias(a string) bool {
	if a[0] == '-' || a[len(a)-1] == '-' || strings.Contains(a, "--") {
		return false
	}
	for _, c := range a {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// DeleteAccountAlias removes the alias.
func (s *Service) DeleteAccountAlias(ctx context.Context, alias string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		cur, err := tx.Get(kindAlias, "alias")
		if err != nil || string(cur) != alias {
			return errNoSuchEntity("The account alias %s cannot be found.", alias)
		}
		return tx.Delete(kindAlias, "alias")
	})
}

// AccountAliases lists the alias (none or one).
func (s *Service) AccountAliases(ctx context.Context) ([]string, error) {
	out := []string{}
	err := s.view(ctx, func(tx store.RecordTx) error {
		if cur, err := tx.Get(kindAlias, "alias"); err == nil {
			out = append(out, string(cur))
		}
		return nil
	})
	return out, err
}

// AccountSummary counts the account's entities, with AWS's quotas.
func (s *Service) AccountSummary(ctx context.Context) (map[string]int, error) {
	m := map[string]int{"UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000, "PoliciesQuota": 1500, "ServerCertificatesQuota": 20,
		"AccessKeysPerUserQuota": 2, "AttachedPoliciesPerUserQuota": 20, "AttachedPoliciesPerRoleQuota": 20, "AttachedPoliciesPerGroupQuota": 10,
		"GroupsPerUserQuota": 10, "PolicySizeQuota": 6144, "PolicyVersionsInUseQuota": 10000, "VersionsPerPolicyQuota": 5,
		"UserPolicySizeQuota": 2048, "RolePolicySizeQuota": 10240, "GroupPolicySizeQuota": 5120, "InstanceProfilesQuota": 1000,
		"AssumeRolePolicySizeQuota": 2048, "GlobalEndpointTokenVersion": 1, "MFADevices": 0, "MFADevicesInUse": 0, "AccountMFAEnabled": 0,
		"AccountAccessKeysPresent": 1, "AccountSigningCertificatesPresent": 0, "ServerCertificates": 0, "InstanceProfiles": 0, "Providers": 0}
	err := s.view(ctx, func(tx store.RecordTx) error {
		for kind, key := range map[string]string{kindUser: "Users", kindGroup: "Groups", kindRole: "Roles", kindOIDC: "Providers"} {
			recs, err := tx.List(kind, "", "", 0)
			if err != nil {
				return err
			}
			m[key] = len(recs)
		}
		recs, err := tx.List(kindPolicy, "", "", 0)
		if err != nil {
			return err
		}
		m["Policies"] = 0
		for _, r := range recs {
			if !strings.HasPrefix(r.ID, "arn:aws:iam::aws:") {
				m["Policies"]++
			}
		}
		if b, err := tx.Get(kindSTSPrefs, "version"); err == nil && string(b) == "v2Token" {
			m["GlobalEndpointTokenVersion"] = 2
		}
		return nil
	})
	return m, err
}

const kindSTSPrefs = "iam.stsprefs"

// SetSecurityTokenServicePreferences keeps the version of the session
// tokens the global STS endpoint issues (v1Token or v2Token), which
// GetAccountSummary reports. sekisho's tokens are the same in every
// region whichever is chosen.
func (s *Service) SetSecurityTokenServicePreferences(ctx context.Context, version string) error {
	if version != "v1Token" && version != "v2Token" {
		return errValidation("1 validation error detected: Value '%s' at 'globalEndpointTokenVersion' failed to satisfy constraint: Member must satisfy enum value set: [v1Token, v2Token]", version)
	}
	return s.update(ctx, func(tx store.RecordTx) error {
		return tx.Put(kindSTSPrefs, "version", []byte(version))
	})
}

// PolicyEntities lists the users, groups and roles a managed policy is
// attached to.
func (s *Service) PolicyEntities(ctx context.Context, arn string) (users []User, groups []Group, roles []Role, err error) {
	if _, err := s.GetPolicy(ctx, arn); err != nil {
		return nil, nil, nil, err
	}
	err = s.view(ctx, func(tx store.RecordTx) error {
		for _, kind := range []string{kindUser, kindGroup, kindRole} {
			recs, err := tx.List(kind, "", "", 0)
			if err != nil {
				return err
			}
			for _, r := range recs {
				switch kind {
				case kindUser:
					if u, err := store.GetJSON[User](tx, kind, r.ID); err == nil && slices.Contains(u.Attached, arn) {
						users = append(users, u)
					}
				case kindGroup:
					if g, err := store.GetJSON[Group](tx, kind, r.ID); err == nil && slices.Contains(g.Attached, arn) {
						groups = append(groups, g)
					}
				case kindRole:
					if ro, err := store.GetJSON[Role](tx, kind, r.ID); err == nil && slices.Contains(ro.Attached, arn) {
						roles = append(roles, ro)
					}
				}
			}
		}
		return nil
	})
	return
}

// keyUse is when and for what a key was last used.
type keyUse struct {
	When    time.Time
	Service string
	Region  string
}

// NoteKeyUse records a long-term key's use, in memory at once and in the
// store at most hourly (so a request does not cost a write).
func (s *Service) NoteKeyUse(ctx context.Context, id, service, region string) {
	now := s.now()
	s.mu.Lock()
	if s.keyUse == nil {
		s.keyUse = map[string]keyUse{}
	}
	prev, seen := s.keyUse[id]
	s.keyUse[id] = keyUse{now, service, region}
	s.mu.Unlock()
	if seen && now.Sub(prev.When) < time.Hour && prev.Service == service {
		return
	}
	go s.Store.UpdateRecords(context.Background(), func(tx store.RecordTx) error {
		return store.PutJSON(tx, kindKeyUse, id, keyUse{now, service, region})
	})
}

const kindKeyUse = "iam.keyuse"

// AccessKeyLastUsed returns a key's owner and its last use (zero if
// never).
func (s *Service) AccessKeyLastUsed(ctx context.Context, id string) (string, keyUse, error) {
	user, err := s.UserOfKey(ctx, id)
	if err != nil {
		return "", keyUse{}, err
	}
	s.mu.Lock()
	u, ok := s.keyUse[id]
	s.mu.Unlock()
	if !ok {
		s.view(ctx, func(tx store.RecordTx) error {
			u, _ = store.GetJSON[keyUse](tx, kindKeyUse, id)
			return nil
		})
	}
	return user, u, nil
}

// KeyUse is keyUse for callers outside the package.
type KeyUse = keyUse

func errLimit(msg string) error { return awserr.New(409, "LimitExceeded", msg) }

const kindRoleUse = "iam.roleuse"

// NoteRoleUse records that a role was assumed, in memory at once and in
// the store at most hourly, as NoteKeyUse does for keys.
func (s *Service) NoteRoleUse(role, region string) {
	now := s.now()
	key := "role/" + strings.ToLower(role)
	s.mu.Lock()
	if s.keyUse == nil {
		s.keyUse = map[string]keyUse{}
	}
	prev, seen := s.keyUse[key]
	s.keyUse[key] = keyUse{When: now, Region: region}
	s.mu.Unlock()
	if seen && now.Sub(prev.When) < time.Hour {
		return
	}
	go s.Store.UpdateRecords(context.Background(), func(tx store.RecordTx) error {
		return store.PutJSON(tx, kindRoleUse, strings.ToLower(role), keyUse{When: now, Region: region})
	})
}

// RoleLastUsed returns when and where a role was last assumed (zero if
// never).
func (s *Service) RoleLastUsed(ctx context.Context, role string) (time.Time, string) {
	s.mu.Lock()
	u, ok := s.keyUse["role/"+strings.ToLower(role)]
	s.mu.Unlock()
	if !ok {
		s.view(ctx, func(tx store.RecordTx) error {
			u, _ = store.GetJSON[keyUse](tx, kindRoleUse, strings.ToLower(role))
			return nil
		})
	}
	return u.When, u.Region
}
