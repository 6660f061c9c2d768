package iam

import (
	"context"
	"errors"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/passhash"
	"github.com/sekisho/sekisho/internal/store"
)

// Console sign-in of IAM users with their login profile's password, and
// the code of their MFA device when they have one.

// Sign-in outcomes a page answers differently.
var (
	// ErrSignInFailed is every wrong name, password or code: the page
	// says no more than that.
	ErrSignInFailed = errors.New("iam: the user name, password or code is not right")
	// ErrSignInLocked is too many failures in a row.
	ErrSignInLocked = errors.New("iam: too many failed sign-ins; try again later")
	// ErrMFARequired asks for the code of the user's MFA device.
	ErrMFARequired = errors.New("iam: the user has an MFA device; its code is needed")
	// ErrNewPasswordRequired asks for a new password (the login
	// profile requires a reset).
	ErrNewPasswordRequired = errors.New("iam: a new password is required")
)

// SignIn checks an IAM user's console password (and MFA code) and returns
// the user as a principal, and whether MFA was used. A profile that
// requires a reset takes newPassword, which must meet the password
// policy. Wrong passwords and codes count against the same budget as
// ChangePassword's: five a quarter hour. The hashing happens outside the
// transaction that records the verdict.
func (s *Service) SignIn(ctx context.Context, user, password, code, newPassword string) (*auth.Principal, bool, error) {
	var u User
	var seen LoginProfile
	var devices []MFADevice
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		if u, err = store.GetJSON[User](tx, kindUser, userID(user)); err != nil {
			return ErrSignInFailed
		}
		if seen, err = store.GetJSON[LoginProfile](tx, kindLoginProfile, userID(user)); err != nil {
			return ErrSignInFailed
		}
		return nil
	})
	if err == nil {
		devices, err = s.MFADevices(ctx, u.Name)
	}
	if err != nil {
		// An unknown user costs the same hashing as a known one.
		passhash.Check(dummyHash, password)
		return nil, false, err
	}
	if seen.Failed >= maxPasswordFailures && s.now().Sub(seen.FailedSince) <= passwordFailureWindow {
		return nil, false, ErrSignInLocked
	}
	right := passhash.Check(seen.Hash, password)
	if right && len(devices) > 0 && code == "" {
		return nil, false, ErrMFARequired
	}
	if right && seen.ResetRequired && newPassword == "" {
		return nil, false, ErrNewPasswordRequired
	}
	if right && seen.ResetRequired {
		if err := s.checkAgainstPolicy(ctx, newPassword); err != nil {
			return nil, false, err
		}
	}
	fresh := ""
	if right && seen.ResetRequired {
		fresh = s.hashPassword(newPassword)
	}
	failed := false
	err = s.update(ctx, func(tx store.RecordTx) error {
		failed = false
		lp, err := store.GetJSON[LoginProfile](tx, kindLoginProfile, userID(user))
		if err != nil || lp.Hash != seen.Hash {
			return ErrSignInFailed // deleted or changed meanwhile
		}
		now := s.now()
		if now.Sub(lp.FailedSince) > passwordFailureWindow {
			lp.Failed, lp.FailedSince = 0, time.Time{}
		}
		if lp.Failed >= maxPasswordFailures {
			return ErrSignInLocked
		}
		ok := right
		if ok && len(devices) > 0 {
			ok = s.useCode(tx, devices, code, now)
		}
		if !ok {
			if lp.Failed == 0 {
				lp.FailedSince = now
			}
			lp.Failed++
			failed = true
			return store.PutJSON(tx, kindLoginProfile, userID(user), lp)
		}
		lp.Failed, lp.FailedSince, lp.LastUsed = 0, time.Time{}, now
		if fresh != "" {
			lp.Hash, lp.ResetRequired = fresh, false
		}
		return store.PutJSON(tx, kindLoginProfile, userID(user), lp)
	})
	if err == nil && failed {
		err = ErrSignInFailed
	}
	if err != nil {
		return nil, false, err
	}
	return &auth.Principal{Kind: auth.User, Account: s.Account, ARN: u.ARN, UserID: u.ID, UserName: u.Name}, len(devices) > 0, nil
}

// useCode spends a code of one of the user's devices: each step once.
func (s *Service) useCode(tx store.RecordTx, devices []MFADevice, code string, now time.Time) bool {
	for _, d := range devices {
		cur, err := store.GetJSON[MFADevice](tx, kindMFA, d.Serial)
		if err != nil {
			continue
		}
		if st := s.codeStep(cur, code, now); st != 0 {
			cur.LastStep = st
			return store.PutJSON(tx, kindMFA, cur.Serial, cur) == nil
		}
	}
	return false
}

// dummyHash is a hash no password matches, checked for unknown users so
// that they take as long as known ones.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c2VraXNobyBkdW1teSBzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
