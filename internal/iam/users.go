package iam

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/store"
)

// User is an IAM user.
type User struct {
	Name, ID, ARN, Path string
	Created             time.Time
	Tags                []Tag
	Inline              map[string]string
	Attached            []string
	Keys                []AccessKey
	Groups              []string `json:",omitempty"`
	// Boundary is the permissions boundary's policy ARN, if any.
	Boundary string `json:",omitempty"`
	// SigningCerts, SSHKeys and ServiceCreds are the user's other
	// credentials (credentials.go).
	SigningCerts []SigningCert `json:",omitempty"`
	SSHKeys      []SSHKey      `json:",omitempty"`
	ServiceCreds []ServiceCred `json:",omitempty"`
}

// AccessKey is a user's long-term key; the secret is sealed at rest.
type AccessKey struct {
	ID      string
	Sealed  string
	Status  string // Active or Inactive
	Created time.Time
}

// NewAccessKey is a key as CreateAccessKey returns it, secret included.
type NewAccessKey struct {
	UserName, ID, Secret, Status string
	Created                      time.Time
}

const sealPurpose = "sekisho iam access key secret"

func userID(name string) string { return strings.ToLower(name) }

func errNoUser(name string) error {
	return errNoSuchEntity("The user with name %s cannot be found.", name)
}

// CreateUser creates a user.
func (s *Service) CreateUser(ctx context.Context, name, path string, tags []Tag) (User, error) {
	if err := checkName("userName", name, 64); err != nil {
		return User{}, err
	}
	path, err := checkPath(path)
	if err != nil {
		return User{}, err
	}
	if err := checkTags(tags); err != nil {
		return User{}, err
	}
	u := User{Name: name, ID: newID("AIDA"), ARN: s.arn("user", path, name), Path: path, Created: s.now().Truncate(time.Second), Tags: tags}
	err = s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindUser, userID(name)); err == nil {
			return errExists("User with name %s already exists.", name)
		}
		return store.PutJSON(tx, kindUser, userID(name), u)
	})
	return u, err
}

// GetUser returns a user.
func (s *Service) GetUser(ctx context.Context, name string) (User, error) {
	var u User
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		u, err = store.GetJSON[User](tx, kindUser, userID(name))
		if errors.Is(err, store.ErrNotFound) {
			return errNoUser(name)
		}
		return err
	})
	return u, err
}

// ListUsers lists users whose path starts with prefix.
func (s *Service) ListUsers(ctx context.Context, prefix string, p ListPage) ([]User, string, error) {
	var all []User
	err := s.view(ctx, func(tx store.RecordTx) error {
		recs, err := tx.List(kindUser, "", "", 0)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			u, err := store.GetJSON[User](tx, kindUser, rec.ID)
			if err != nil {
				return err
			}
			if strings.HasPrefix(u.Path, prefix) {
				all = append(all, u)
			}
		}
		return err
	})
	page, next := paged(all, func(u User) string { return userID(u.Name) }, p)
	return page, next, err
}

func (s *Service) modifyUser(ctx context.Context, name string, fn func(tx store.RecordTx, u *User) error) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		u, err := store.GetJSON[User](tx, kindUser, userID(name))
		if errors.Is(err, store.ErrNotFound) {
			return errNoUser(name)
		}
		if err != nil {
			return err
		}
		if err := fn(tx, &u); err != nil {
			return err
		}
		if u.Name == "" {
			return tx.Delete(kindUser, userID(name))
		}
		return store.PutJSON(tx, kindUser, userID(name), u)
	})
}

// DeleteUser deletes a user without keys or policies.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	return s.modifyUser(ctx, name, func(tx store.RecordTx, u *User) error {
		if _, err := tx.Get(kindLoginProfile, userID(u.Name)); err == nil {
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must delete login profile first.")
		}
		switch {
		case len(u.Keys) > 0:
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
		case len(u.Attached) > 0:
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
		case len(u.Inline) > 0:
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must delete policies first.")
		case len(u.Groups) > 0:
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must remove user from all groups first.")
		case len(u.SigningCerts) > 0:
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must delete signing certificates first.")
		case len(u.SSHKeys) > 0:
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must delete SSH public keys first.")
		case len(u.ServiceCreds) > 0:
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must delete service specific credentials first.")
		}
		u.Name = ""
		return nil
	})
}

// CreateAccessKey makes a new key for a user; the secret is returned once
// and stored sealed.
func (s *Service) CreateAccessKey(ctx context.Context, user string) (NewAccessKey, error) {
	k := NewAccessKey{UserName: user, ID: s.newKeyID(), Secret: auth.NewSecretAccessKey(), Status: "Active", Created: s.now().Truncate(time.Second)}
	err := s.modifyUser(ctx, user, func(tx store.RecordTx, u *User) error {
		if len(u.Keys) >= 2 {
			return awserr.New(409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
		}
		k.UserName = u.Name
		u.Keys = append(u.Keys, AccessKey{ID: k.ID, Sealed: s.Key.Seal(sealPurpose, []byte(k.Secret)), Status: "Active", Created: k.Created})
		return tx.Put(kindAccessKey, k.ID, []byte(userID(u.Name)))
	})
	return k, err
}

// ListAccessKeys lists a user's keys (without secrets).
func (s *Service) ListAccessKeys(ctx context.Context, user string) ([]AccessKey, string, error) {
	u, err := s.GetUser(ctx, user)
	return u.Keys, u.Name, err
}

func errNoKey(id string) error {
	return errNoSuchEntity("The Access Key with id %s cannot be found.", id)
}

// UpdateAccessKey sets a key Active or Inactive; an inactive key stops
// working at once.
func (s *Service) UpdateAccessKey(ctx context.Context, user, id, status string) error {
	if status != "Active" && status != "Inactive" {
		return errValidation("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status)
	}
	return s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error {
		for i := range u.Keys {
			if u.Keys[i].ID == id {
				u.Keys[i].Status = status
				return nil
			}
		}
		return errNoKey(id)
	})
}

// DeleteAccessKey deletes a key.
func (s *Service) DeleteAccessKey(ctx context.Context, user, id string) error {
	return s.modifyUser(ctx, user, func(tx store.RecordTx, u *User) error {
		for i := range u.Keys {
			if u.Keys[i].ID == id {
				u.Keys = append(u.Keys[:i], u.Keys[i+1:]...)
				return tx.Delete(kindAccessKey, id)
			}
		}
		return errNoKey(id)
	})
}

// UserOfKey finds the user owning an access key (for user-less calls).
func (s *Service) UserOfKey(ctx context.Context, id string) (string, error) {
	var name string
	err := s.view(ctx, func(tx store.RecordTx) error {
		b, err := tx.Get(kindAccessKey, id)
		if err != nil {
			return errNoKey(id)
		}
		u, err := store.GetJSON[User](tx, kindUser, string(b))
		name = u.Name
		return err
	})
	return name, err
}

// PutUserPolicy adds or replaces an inline policy of a user.
func (s *Service) PutUserPolicy(ctx context.Context, user, name, doc string) error {
	if err := checkName("policyName", name, 128); err != nil {
		return err
	}
	doc, err := s.validate(doc, policy.Identity)
	if err != nil {
		return err
	}
	return s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error {
		if inlineTotal(u.Inline, name, doc) > maxUserInlineTotal {
			return awserr.Newf(409, "LimitExceeded", "Maximum policy size of %d bytes exceeded for user %s", maxUserInlineTotal, u.Name)
		}
		if u.Inline == nil {
			u.Inline = map[string]string{}
		}
		u.Inline[name] = doc
		return nil
	})
}

// GetUserPolicy returns an inline policy of a user.
func (s *Service) GetUserPolicy(ctx context.Context, user, name string) (string, error) {
	u, err := s.GetUser(ctx, user)
	if err != nil {
		return "", err
	}
	doc, ok := u.Inline[name]
	if !ok {
		return "", errNoSuchEntity("The user policy with name %s cannot be found.", name)
	}
	return doc, nil
}

// DeleteUserPolicy removes an inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, user, name string) error {
	return s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error {
		if _, ok := u.Inline[name]; !ok {
			return errNoSuchEntity("The user policy with name %s cannot be found.", name)
		}
		delete(u.Inline, name)
		return nil
	})
}

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, user, arn string) error {
	return s.attach(ctx, func(fn func(*[]string) error) error {
		return s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error { return fn(&u.Attached) })
	}, arn)
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, user, arn string) error {
	return s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error { return detach(&u.Attached, arn) })
}

// Credential implements auth.Source for IAM users' long-term keys.
func (s *Service) Credential(ctx context.Context, id, token string) (auth.Credential, error) {
	if !strings.HasPrefix(id, "AKIA") {
		return auth.Credential{}, auth.ErrUnknownAccessKey
	}
	v, err := s.lookup("key/"+id, func() (any, error) {
		var cred *auth.Credential
		err := s.view(ctx, func(tx store.RecordTx) error {
			b, err := tx.Get(kindAccessKey, id)
			if err != nil {
				return nil // unknown: cache the miss too
			}
			u, err := store.GetJSON[User](tx, kindUser, string(b))
			if err != nil {
				return nil
			}
			for _, k := range u.Keys {
				if k.ID != id || k.Status != "Active" {
					continue
				}
				secret, err := s.Key.Open(sealPurpose, k.Sealed)
				if err != nil {
					return err
				}
				cred = &auth.Credential{SecretAccessKey: string(secret), Principal: &auth.Principal{
					Kind: auth.User, Account: s.Account, ARN: u.ARN, UserID: u.ID, AccessKeyID: id, UserName: u.Name,
				}}
			}
			return nil
		})
		return cred, err
	})
	if err != nil {
		return auth.Credential{}, err
	}
	cred := v.(*auth.Credential)
	if cred == nil {
		return auth.Credential{}, auth.ErrUnknownAccessKey
	}
	if token != "" {
		return auth.Credential{}, auth.ErrInvalidToken
	}
	return *cred, nil
}

func (s *Service) newKeyID() string {
	if s.NewKeyID != nil {
		return s.NewKeyID()
	}
	return auth.NewAccessKeyID("AKIA")
}
