package iam

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/passhash"
	"github.com/sekisho/sekisho/internal/store"
)

// Instance profiles (a role container EC2 uses; kept for the tools that
// manage them), login profiles (an IAM user's console password, hashed)
// and the account password policy.

const (
	kindProfile        = "iam.instanceprofile"
	kindLoginProfile   = "iam.loginprofile"
	kindPasswordPolicy = "iam.passwordpolicy"
)

// InstanceProfile is an instance profile.
type InstanceProfile struct {
	Name, ID, ARN, Path string
	Created             time.Time
	Roles               []string
	Tags                []Tag
}

func errNoProfile(name string) error {
	return errNoSuchEntity("Instance Profile %s cannot be found.", name)
}

// CreateInstanceProfile creates an instance profile.
func (s *Service) CreateInstanceProfile(ctx context.Context, name, path string, tags []Tag) (InstanceProfile, error) {
	if err := checkName("instanceProfileName", name, 128); err != nil {
		return InstanceProfile{}, err
	}
	path, err := checkPath(path)
	if err != nil {
		return InstanceProfile{}, err
	}
	if err := checkTags(tags); err != nil {
		return InstanceProfile{}, err
	}
	p := InstanceProfile{Name: name, ID: newID("AIPA"), ARN: s.arn("instance-profile", path, name), Path: path, Created: s.now().Truncate(time.Second), Tags: tags}
	err = s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindProfile, userID(name)); err == nil {
			return errExists("Instance Profile %s already exists.", name)
		}
		return store.PutJSON(tx, kindProfile, userID(name), p)
	})
	return p, err
}

// GetInstanceProfile returns one.
func (s *Service) GetInstanceProfile(ctx context.Context, name string) (InstanceProfile, error) {
	var p InstanceProfile
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		p, err = store.GetJSON[InstanceProfile](tx, kindProfile, userID(name))
		if errors.Is(err, store.ErrNotFound) {
			return errNoProfile(name)
		}
		return err
	})
	return p, err
}

// ListInstanceProfiles lists them (for a role when role is set).
func (s *Service) ListInstanceProfiles(ctx context.Context, prefix, role string) ([]InstanceProfile, error) {
	var out []InstanceProfile
	err := s.view(ctx, func(tx store.RecordTx) error {
		if role != "" {
			if _, err := tx.Get(kindRole, roleID(role)); err != nil {
				return errNoRole(role)
			}
		}
		recs, err := tx.List(kindProfile, "", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			p, err := store.GetJSON[InstanceProfile](tx, kindProfile, r.ID)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(p.Path, prefix) {
				continue
			}
			if role != "" && !containsFold(p.Roles, role) {
				continue
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func (s *Service) modifyProfile(ctx context.Context, name string, fn func(tx store.RecordTx, p *InstanceProfile) error) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		p, err := store.GetJSON[InstanceProfile](tx, kindProfile, userID(name))
		if errors.Is(err, store.ErrNotFound) {
			return errNoProfile(name)
		} else if err != nil {
			return err
		}
		if err := fn(tx, &p); err != nil {
			return err
		}
		if p.Name == "" {
			return tx.Delete(kindProfile, userID(name))
		}
		return store.PutJSON(tx, kindProfile, userID(name), p)
	})
}

// DeleteInstanceProfile deletes one without roles.
func (s *Service) DeleteInstanceProfile(ctx context.Context, name string) error {
	return s.modifyProfile(ctx, name, func(_ store.RecordTx, p *InstanceProfile) error {
		if len(p.Roles) > 0 {
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
		}
		p.Name = ""
		return nil
	})
}

// AddRoleToInstanceProfile puts a role in a profile (one at most).
func (s *Service) AddRoleToInstanceProfile(ctx context.Context, name, role string) error {
	return s.modifyProfile(ctx, name, func(tx store.RecordTx, p *InstanceProfile) error {
		if _, err := tx.Get(kindRole, roleID(role)); err != nil {
			return errNoRole(role)
		}
		if len(p.Roles) >= 1 {
			return errLimit("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
		}
		p.Roles = append(p.Roles, role)
		return nil
	})
}

// RemoveRoleFromInstanceProfile takes it out.
func (s *Service) RemoveRoleFromInstanceProfile(ctx context.Context, name, role string) error {
	return s.modifyProfile(ctx, name, func(_ store.RecordTx, p *InstanceProfile) error {
		for i, r := range p.Roles {
			if strings.EqualFold(r, role) {
				p.Roles = append(p.Roles[:i], p.Roles[i+1:]...)
				return nil
			}
		}
		return errNoSuchEntity("The role with name %s cannot be found.", role)
	})
}

// LoginProfile is an IAM user's console password (hashed).
type LoginProfile struct {
	User          string
	Hash          string
	Created       time.Time
	ResetRequired bool
	// Failed counts wrong old passwords given to ChangePassword since
	// FailedSince; past maxPasswordFailures the user must wait.
	Failed      int       `json:",omitempty"`
	FailedSince time.Time `json:",omitempty"`
	// LastUsed is the last console sign-in with the password.
	LastUsed time.Time `json:",omitempty"`
}

// maxPasswordFailures wrong old passwords in passwordFailureWindow lock
// ChangePassword for the rest of the window: a password cannot be
// guessed through it.
const (
	maxPasswordFailures   = 5
	passwordFailureWindow = 15 * time.Minute
)

// PasswordPolicy is the account's password policy.
type PasswordPolicy struct {
	MinimumPasswordLength                                              int
	RequireSymbols, RequireNumbers, RequireUppercaseCharacters         bool
	RequireLowercaseCharacters, AllowUsersToChangePassword, HardExpiry bool
	MaxPasswordAge, PasswordReusePrevention                            int
	ExpirePasswords                                                    bool
}

// GetPasswordPolicy returns the account's policy, NoSuchEntity if unset.
func (s *Service) GetPasswordPolicy(ctx context.Context) (PasswordPolicy, error) {
	var p PasswordPolicy
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		p, err = store.GetJSON[PasswordPolicy](tx, kindPasswordPolicy, "policy")
		if errors.Is(err, store.ErrNotFound) {
			return errNoSuchEntity("The Password Policy with domain name %s cannot be found.", s.Account)
		}
		return err
	})
	return p, err
}

// UpdatePasswordPolicy sets it.
func (s *Service) UpdatePasswordPolicy(ctx context.Context, p PasswordPolicy) error {
	if p.MinimumPasswordLength == 0 {
		p.MinimumPasswordLength = 6
	}
	if p.MinimumPasswordLength < 6 || p.MinimumPasswordLength > 128 {
		return errValidation("1 validation error detected: Value '%d' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value greater than or equal to 6", p.MinimumPasswordLength)
	}
	if p.MaxPasswordAge < 0 || p.MaxPasswordAge > 1095 {
		return errValidation("1 validation error detected: Value '%d' at 'maxPasswordAge' failed to satisfy constraint: Member must have value less than or equal to 1095", p.MaxPasswordAge)
	}
	if p.PasswordReusePrevention < 0 || p.PasswordReusePrevention > 24 {
		return errValidation("1 validation error detected: Value '%d' at 'passwordReusePrevention' failed to satisfy constraint: Member must have value less than or equal to 24", p.PasswordReusePrevention)
	}
	p.ExpirePasswords = p.MaxPasswordAge > 0
	return s.update(ctx, func(tx store.RecordTx) error { return store.PutJSON(tx, kindPasswordPolicy, "policy", p) })
}

// DeletePasswordPolicy removes it.
func (s *Service) DeletePasswordPolicy(ctx context.Context) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindPasswordPolicy, "policy"); err != nil {
			return errNoSuchEntity("The Password Policy with domain name %s cannot be found.", s.Account)
		}
		return tx.Delete(kindPasswordPolicy, "policy")
	})
}

// checkPassword applies the account policy (AWS's words).
func (s *Service) checkAgainstPolicy(ctx context.Context, pw string) error {
	p, err := s.GetPasswordPolicy(ctx)
	if err != nil {
		p = PasswordPolicy{MinimumPasswordLength: 8}
	}
	bad := func() error {
		return awserr.New(400, "PasswordPolicyViolation", "Password does not conform to the account password policy.")
	}
	if len(pw) < p.MinimumPasswordLength {
		return bad()
	}
	has := func(f func(rune) bool) bool {
		for _, r := range pw {
			if f(r) {
				return true
			}
		}
		return false
	}
	if p.RequireSymbols && !has(func(r rune) bool { return strings.ContainsRune("!@#$%^&*()_+-=[]{}|'", r) }) ||
		p.RequireNumbers && !has(func(r rune) bool { return r >= '0' && r <= '9' }) ||
		p.RequireUppercaseCharacters && !has(func(r rune) bool { return r >= 'A' && r <= 'Z' }) ||
		p.RequireLowercaseCharacters && !has(func(r rune) bool { return r >= 'a' && r <= 'z' }) {
		return bad()
	}
	return nil
}

// CreateLoginProfile gives a user a console password.
func (s *Service) CreateLoginProfile(ctx context.Context, user, password string, reset bool) (LoginProfile, error) {
	if err := s.checkAgainstPolicy(ctx, password); err != nil {
		return LoginProfile{}, err
	}
	lp := LoginProfile{User: user, Hash: s.hashPassword(password), Created: s.now().Truncate(time.Second), ResetRequired: reset}
	err := s.update(ctx, func(tx store.RecordTx) error {
		u, err := store.GetJSON[User](tx, kindUser, userID(user))
		if errors.Is(err, store.ErrNotFound) {
			return errNoUser(user)
		} else if err != nil {
			return err
		}
		lp.User = u.Name
		if _, err := tx.Get(kindLoginProfile, userID(user)); err == nil {
			return errExists("Login Profile for user %s already exists.", u.Name)
		}
		return store.PutJSON(tx, kindLoginProfile, userID(user), lp)
	})
	return lp, err
}

// GetLoginProfile returns a user's login profile.
func (s *Service) GetLoginProfile(ctx context.Context, user string) (LoginProfile, error) {
	var lp LoginProfile
	err := s.view(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindUser, userID(user)); err != nil {
			return errNoUser(user)
		}
		var err error
		lp, err = store.GetJSON[LoginProfile](tx, kindLoginProfile, userID(user))
		if errors.Is(err, store.ErrNotFound) {
			return errNoSuchEntity("Login Profile for User %s cannot be found.", user)
		}
		return err
	})
	return lp, err
}

// UpdateLoginProfile changes the password or the reset flag.
func (s *Service) UpdateLoginProfile(ctx context.Context, user, password string, reset *bool) error {
	if password != "" {
		if err := s.checkAgainstPolicy(ctx, password); err != nil {
			return err
		}
	}
	return s.update(ctx, func(tx store.RecordTx) error {
		lp, err := store.GetJSON[LoginProfile](tx, kindLoginProfile, userID(user))
		if errors.Is(err, store.ErrNotFound) {
			return errNoSuchEntity("Login Profile for User %s cannot be found.", user)
		} else if err != nil {
			return err
		}
		if password != "" {
			lp.Hash = s.hashPassword(password)
		}
		if reset != nil {
			lp.ResetRequired = *reset
		}
		return store.PutJSON(tx, kindLoginProfile, userID(user), lp)
	})
}

// ChangePassword is an IAM user changing their own console password: the
// old one must match, the new one meet the account's policy.
func (s *Service) ChangePassword(ctx context.Context, user, oldPassword, newPassword string) error {
	if err := s.checkAgainstPolicy(ctx, newPassword); err != nil {
		return err
	}
	if p, err := s.GetPasswordPolicy(ctx); err == nil && p.PasswordReusePrevention > 0 && newPassword == oldPassword {
		return awserr.New(400, "PasswordPolicyViolation", "Password does not conform to the account password policy.")
	}
	// The hashing, slow by design, happens outside the transaction; the
	// transaction then records the verdict only if the profile is still
	// the one checked and the attempts are not used up, so no more than
	// maxPasswordFailures verdicts a window ever reach a guesser.
	var seen LoginProfile
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		seen, err = store.GetJSON[LoginProfile](tx, kindLoginProfile, userID(user))
		if errors.Is(err, store.ErrNotFound) {
			return errNoSuchEntity("Login Profile for User %s cannot be found.", user)
		}
		return err
	})
	if err != nil {
		return err
	}
	right := passhash.Check(seen.Hash, oldPassword)
	fresh := ""
	if right {
		fresh = s.hashPassword(newPassword)
	}
	wrong := false
	err = s.update(ctx, func(tx store.RecordTx) error {
		wrong = false
		lp, err := store.GetJSON[LoginProfile](tx, kindLoginProfile, userID(user))
		if errors.Is(err, store.ErrNotFound) {
			return errNoSuchEntity("Login Profile for User %s cannot be found.", user)
		} else if err != nil {
			return err
		}
		if lp.Hash != seen.Hash {
			return awserr.Newf(409, "EntityTemporarilyUnmodifiable", "Login Profile for User %s changed while the password was checked; try again.", user)
		}
		now := s.now()
		if now.Sub(lp.FailedSince) > passwordFailureWindow {
			lp.Failed, lp.FailedSince = 0, time.Time{}
		}
		if lp.Failed >= maxPasswordFailures {
			return awserr.New(409, "LimitExceeded", "Too many failed attempts to change the password. Try again later.")
		}
		if !right {
			if lp.Failed == 0 {
				lp.FailedSince = now
			}
			lp.Failed++
			wrong = true // the attempt is committed, then answered
			return store.PutJSON(tx, kindLoginProfile, userID(user), lp)
		}
		lp.Hash, lp.ResetRequired, lp.Failed, lp.FailedSince = fresh, false, 0, time.Time{}
		return store.PutJSON(tx, kindLoginProfile, userID(user), lp)
	})
	if err == nil && wrong {
		return awserr.New(403, "AccessDenied", "The old password is incorrect.")
	}
	return err
}

// DeleteLoginProfile removes it.
func (s *Service) DeleteLoginProfile(ctx context.Context, user string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindLoginProfile, userID(user)); err != nil {
			return errNoSuchEntity("Login Profile for User %s cannot be found.", user)
		}
		return tx.Delete(kindLoginProfile, userID(user))
	})
}

// hashPassword is argon2id at the standard cost, salted.
func (s *Service) hashPassword(pw string) string {
	return passhash.Hash(pw, passhash.Time, passhash.Memory)
}
