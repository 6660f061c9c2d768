package iam

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/totp"
)

// Virtual MFA devices for IAM users: a TOTP seed (sealed), enabled for a
// user with two consecutive codes, and checked by STS's GetSessionToken
// (SerialNumber, TokenCode), whose sessions then carry
// aws:MultiFactorAuthPresent.

const (
	kindMFA    = "iam.mfa"
	mfaPurpose = "sekisho iam mfa seed"
)

// MFADevice is a virtual MFA device.
type MFADevice struct {
	Serial, Name, Path string
	Sealed             string
	User               string `json:",omitempty"`
	Enabled            time.Time
	Created            time.Time
	LastStep           int64 `json:",omitempty"`
	Tags               []Tag `json:",omitempty"`
	// Failed counts wrong codes since FailedSince: past
	// maxPasswordFailures in passwordFailureWindow the device accepts
	// none, so that a leaked access key cannot guess its way past MFA.
	Failed      int       `json:",omitempty"`
	FailedSince time.Time `json:",omitempty"`
}

// CreateVirtualMFADevice makes a device; the seed is returned once.
func (s *Service) CreateVirtualMFADevice(ctx context.Context, name, path string) (MFADevice, string, error) {
	if err := checkName("virtualMFADeviceName", name, 226); err != nil {
		return MFADevice{}, "", err
	}
	path, err := checkPath(path)
	if err != nil {
		return MFADevice{}, "", err
	}
	seed := make([]byte, 20)
	rand.Read(seed)
	b32 := base32.StdEncoding.EncodeToString(seed)
	d := MFADevice{Serial: "arn:aws:iam::" + s.Account + ":mfa" + path + name, Name: name, Path: path, Sealed: s.Key.Seal(mfaPurpose, seed), Created: s.now().Truncate(time.Second)}
	err = s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindMFA, d.Serial); err == nil {
			return errExists("MFADevice entity at the same path and name already exists.")
		}
		return store.PutJSON(tx, kindMFA, d.Serial, d)
	})
	return d, b32, err
}

// EnableMFADevice assigns a device to a user with two consecutive codes.
func (s *Service) EnableMFADevice(ctx context.Context, user, serial, code1, code2 string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		u, err := store.GetJSON[User](tx, kindUser, userID(user))
		if errors.Is(err, store.ErrNotFound) {
			return errNoUser(user)
		} else if err != nil {
			return err
		}
		d, err := store.GetJSON[MFADevice](tx, kindMFA, serial)
		if errors.Is(err, store.ErrNotFound) {
			return errNoSuchEntity("MFA Device with serial number %s does not exist.", serial)
		} else if err != nil {
			return err
		}
		if d.User != "" {
			return errExists("MFA Device is already in use.")
		}
		st, err := s.twoCodes(d, code1, code2)
		if err != nil {
			return err
		}
		d.LastStep = st
		d.User, d.Enabled = u.Name, s.now().Truncate(time.Second)
		return store.PutJSON(tx, kindMFA, serial, d)
	})
}

// DeactivateMFADevice takes a device from its user.
func (s *Service) DeactivateMFADevice(ctx context.Context, user, serial string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		d, err := store.GetJSON[MFADevice](tx, kindMFA, serial)
		if err != nil || !strings.EqualFold(d.User, user) {
			return errNoSuchEntity("MFA Device with serial number %s does not exist.", serial)
		}
		d.User, d.Enabled, d.LastStep = "", time.Time{}, 0
		return store.PutJSON(tx, kindMFA, serial, d)
	})
}

// DeleteVirtualMFADevice deletes a device no one uses.
func (s *Service) DeleteVirtualMFADevice(ctx context.Context, serial string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		d, err := store.GetJSON[MFADevice](tx, kindMFA, serial)
		if err != nil {
			return errNoSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
		}
		if d.User != "" {
			return awserr.New(409, "DeleteConflict", "MFA Device is in use; deactivate it first.")
		}
		return tx.Delete(kindMFA, serial)
	})
}

// MFADevices lists devices: a user's, or every virtual device.
func (s *Service) MFADevices(ctx context.Context, user string) ([]MFADevice, error) {
	var out []MFADevice
	err := s.view(ctx, func(tx store.RecordTx) error {
		if user != "" {
			if _, err := tx.Get(kindUser, userID(user)); err != nil {
				return errNoUser(user)
			}
		}
		recs, err := tx.List(kindMFA, "", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			d, err := store.GetJSON[MFADevice](tx, kindMFA, r.ID)
			if err != nil {
				return err
			}
			if user == "" || strings.EqualFold(d.User, user) {
				out = append(out, d)
			}
		}
		return nil
	})
	return out, err
}

// CheckMFA verifies a user's code from a device of theirs (once per
// step) for STS.
func (s *Service) CheckMFA(ctx context.Context, user, serial, code string) error {
	fail := awserr.New(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
	wrong := false
	err := s.update(ctx, func(tx store.RecordTx) error {
		wrong = false
		d, err := store.GetJSON[MFADevice](tx, kindMFA, serial)
		if err != nil || d.User == "" || !strings.EqualFold(d.User, user) {
			return fail
		}
		now := s.now()
		if now.Sub(d.FailedSince) > passwordFailureWindow {
			d.Failed, d.FailedSince = 0, time.Time{}
		}
		if st := s.codeStep(d, code, now); st != 0 {
			d.LastStep, d.Failed, d.FailedSince = st, 0, time.Time{}
			return store.PutJSON(tx, kindMFA, serial, d)
		}
		if d.Failed == 0 {
			d.FailedSince = now
		}
		d.Failed++
		wrong = true // committed, then refused
		return store.PutJSON(tx, kindMFA, serial, d)
	})
	if err == nil && wrong {
		return fail
	}
	return err
}

// codeStep is the step of code on device d, or 0 when the code is wrong
// or used already, or the device is locked by wrong codes (Failed: past
// maxPasswordFailures in passwordFailureWindow it accepts none).
func (s *Service) codeStep(d MFADevice, code string, now time.Time) int64 {
	if d.Failed >= maxPasswordFailures && now.Sub(d.FailedSince) <= passwordFailureWindow {
		return 0
	}
	seed, err := s.Key.Open(mfaPurpose, d.Sealed)
	if err != nil {
		return 0
	}
	if st := totp.Match(seed, code, now); st > d.LastStep {
		return st
	}
	return 0
}

// twoCodes checks two consecutive codes of a device, the second one step
// after the first, within the last few steps, and returns the second's
// step.
func (s *Service) twoCodes(d MFADevice, code1, code2 string) (int64, error) {
	seed, err := s.Key.Open(mfaPurpose, d.Sealed)
	if err != nil {
		return 0, err
	}
	cur := s.now().Unix() / totp.Step
	var found int64
	for st := cur - 2; st <= cur; st++ {
		if hmac.Equal([]byte(totp.Code(seed, st)), []byte(code1)) && hmac.Equal([]byte(totp.Code(seed, st+1)), []byte(code2)) {
			found = st + 1
		}
	}
	if found == 0 {
		return 0, awserr.New(403, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
	}
	return found, nil
}
