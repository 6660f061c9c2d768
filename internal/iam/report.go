package iam

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// The credential report, profile and MFA device tags, GetMFADevice and
// ResyncMFADevice, and UpdateRoleDescription.

const kindReport = "iam.credentialreport"

// CredentialReport is a generated report.
type CredentialReport struct {
	Content   string
	Generated time.Time
}

// GenerateCredentialReport builds the report (a CSV of the root and every
// user with their password, MFA, keys and certificates) and keeps it; it
// answers STARTED the first time and COMPLETE once one exists, as AWS
// does. Unlike AWS, which serves the same report for four hours, every
// call rebuilds it: the report is cheap here, and a fresh one is what a
// test of one's own tooling wants.
func (s *Service) GenerateCredentialReport(ctx context.Context) (string, error) {
	var old CredentialReport
	s.view(ctx, func(tx store.RecordTx) error {
		old, _ = store.GetJSON[CredentialReport](tx, kindReport, "report")
		return nil
	})
	content, err := s.buildReport(ctx)
	if err != nil {
		return "", err
	}
	r := CredentialReport{Content: content, Generated: s.now().Truncate(time.Second)}
	if err := s.update(ctx, func(tx store.RecordTx) error { return store.PutJSON(tx, kindReport, "report", r) }); err != nil {
		return "", err
	}
	if old.Generated.IsZero() {
		return "STARTED", nil
	}
	return "COMPLETE", nil
}

// GetCredentialReport returns the kept report.
func (s *Service) GetCredentialReport(ctx context.Context) (CredentialReport, error) {
	var r CredentialReport
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		r, err = store.GetJSON[CredentialReport](tx, kindReport, "report")
		if errors.Is(err, store.ErrNotFound) {
			return awserr.New(410, "ReportNotPresent", "Credential report not present. Please call GenerateCredentialReport.")
		}
		return err
	})
	return r, err
}

var reportHeader = []string{"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed", "password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"}

func reportTime(t time.Time) string {
	if t.IsZero() {
		return "N/A"
	}
	return t.UTC().Format("2006-01-02T15:04:05+00:00")
}

func (s *Service) buildReport(ctx context.Context) (string, error) {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(reportHeader)
	root := []string{"<root_account>", "arn:aws:iam::" + s.Account + ":root", "N/A", "not_supported", "N/A", "not_supported", "not_supported", "false",
		"true", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"}
	w.Write(root)
	err := s.view(ctx, func(tx store.RecordTx) error {
		recs, err := tx.List(kindUser, "", "", 0)
		if err != nil {
			return err
		}
		mfaUsers := map[string]bool{}
		devs, err := tx.List(kindMFA, "", "", 0)
		if err != nil {
			return err
		}
		for _, r := range devs {
			var d MFADevice
			if json.Unmarshal(r.Value, &d) == nil && d.User != "" {
				mfaUsers[strings.ToLower(d.User)] = true
			}
		}
		for _, r := range recs {
			var u User
			err := json.Unmarshal(r.Value, &u)
			if err != nil {
				return err
			}
			row := []string{u.Name, u.ARN, reportTime(u.Created), "false", "N/A", "N/A", "N/A", boolText(mfaUsers[strings.ToLower(u.Name)])}
			if lp, err := store.GetJSON[LoginProfile](tx, kindLoginProfile, userID(u.Name)); err == nil {
				row[3], row[5] = "true", reportTime(lp.Created)
				row[4] = "no_information"
				if !lp.LastUsed.IsZero() {
					row[4] = reportTime(lp.LastUsed)
				}
			}
			for i := 0; i < 2; i++ {
				if i < len(u.Keys) {
					k := u.Keys[i]
					use, _ := store.GetJSON[keyUse](tx, kindKeyUse, k.ID)
					s.mu.Lock()
					if mem, ok := s.keyUse[k.ID]; ok {
						use = mem
					}
					s.mu.Unlock()
					region, service := "N/A", "N/A"
					if !use.When.IsZero() {
						region, service = use.Region, use.Service
					}
					row = append(row, boolText(k.Status == "Active"), reportTime(k.Created), reportTime(use.When), region, service)
				} else {
					row = append(row, "false", "N/A", "N/A", "N/A", "N/A")
				}
			}
			for i := 0; i < 2; i++ {
				if i < len(u.SigningCerts) {
					c := u.SigningCerts[i]
					row = append(row, boolText(c.Status == "Active"), reportTime(c.Uploaded))
				} else {
					row = append(row, "false", "N/A")
				}
			}
			w.Write(row)
		}
		return nil
	})
	w.Flush()
	return b.String(), err
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TagInstanceProfile and UntagInstanceProfile tag a profile.
func (s *Service) TagInstanceProfile(ctx context.Context, name string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.modifyProfile(ctx, name, func(_ store.RecordTx, p *InstanceProfile) error {
		p.Tags = mergeTags(p.Tags, tags)
		return checkTags(p.Tags)
	})
}

func (s *Service) UntagInstanceProfile(ctx context.Context, name string, keys []string) error {
	return s.modifyProfile(ctx, name, func(_ store.RecordTx, p *InstanceProfile) error { p.Tags = removeTags(p.Tags, keys); return nil })
}

func errNoMFA(serial string) error {
	return errNoSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
}

func (s *Service) modifyMFA(ctx context.Context, serial string, fn func(d *MFADevice) error) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		d, err := store.GetJSON[MFADevice](tx, kindMFA, serial)
		if errors.Is(err, store.ErrNotFound) {
			return errNoMFA(serial)
		} else if err != nil {
			return err
		}
		if err := fn(&d); err != nil {
			return err
		}
		return store.PutJSON(tx, kindMFA, serial, d)
	})
}

// TagMFADevice and UntagMFADevice tag a virtual MFA device.
func (s *Service) TagMFADevice(ctx context.Context, serial string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.modifyMFA(ctx, serial, func(d *MFADevice) error { d.Tags = mergeTags(d.Tags, tags); return checkTags(d.Tags) })
}

func (s *Service) UntagMFADevice(ctx context.Context, serial string, keys []string) error {
	return s.modifyMFA(ctx, serial, func(d *MFADevice) error { d.Tags = removeTags(d.Tags, keys); return nil })
}

// GetMFADevice returns one device.
func (s *Service) GetMFADevice(ctx context.Context, serial string) (MFADevice, error) {
	var d MFADevice
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		d, err = store.GetJSON[MFADevice](tx, kindMFA, serial)
		if errors.Is(err, store.ErrNotFound) {
			return errNoMFA(serial)
		}
		return err
	})
	return d, err
}

// ResyncMFADevice accepts two consecutive codes from a user's device, as
// EnableMFADevice does, and moves its last used step forward.
func (s *Service) ResyncMFADevice(ctx context.Context, user, serial, code1, code2 string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		d, err := store.GetJSON[MFADevice](tx, kindMFA, serial)
		if err != nil || d.User == "" || !strings.EqualFold(d.User, user) {
			return errNoSuchEntity("MFA Device with serial number %s does not exist.", serial)
		}
		st, err := s.twoCodes(d, code1, code2)
		if err != nil {
			return err
		}
		d.LastStep = max(d.LastStep, st)
		return store.PutJSON(tx, kindMFA, serial, d)
	})
}

// UpdateRoleDescription sets a role's description and returns the role.
func (s *Service) UpdateRoleDescription(ctx context.Context, name, description string) (Role, error) {
	if err := s.UpdateRole(ctx, name, &description, 0); err != nil {
		return Role{}, err
	}
	return s.GetRole(ctx, name)
}
