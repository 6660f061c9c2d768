package iam

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/store/bolt"
)

func newIAM(t *testing.T) *Service {
	meta, err := bolt.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { meta.Close() })
	key, _ := seal.NewKey(make([]byte, 32))
	return &Service{Store: meta, Account: "123456789012", Key: key}
}

func code(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
const allowList = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`

func TestRolesAndPolicies(t *testing.T) {
	ctx := context.Background()
	s := newIAM(t)
	r, err := s.CreateRole(ctx, CreateRoleInput{Name: "App", Path: "/svc/", AssumeRolePolicy: trust, Tags: []Tag{{"team", "gate"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.ID, "AROA") || len(r.ID) != 21 || r.ARN != "arn:aws:iam::123456789012:role/svc/App" || r.MaxSessionDuration != 3600 {
		t.Fatalf("role %+v", r)
	}
	if _, err := s.CreateRole(ctx, CreateRoleInput{Name: "app", AssumeRolePolicy: trust}); code(err) != "EntityAlreadyExists" {
		t.Errorf("names are case-insensitive: %v", err)
	}
	for _, bad := range []CreateRoleInput{
		{Name: "x", AssumeRolePolicy: trust, MaxSessionDuration: 100},
		{Name: "x", AssumeRolePolicy: trust, MaxSessionDuration: 50000},
		{Name: "bad name!", AssumeRolePolicy: trust},
		{Name: "x", AssumeRolePolicy: trust, Path: "nopath"},
	} {
		if _, err := s.CreateRole(ctx, bad); code(err) != "ValidationError" {
			t.Errorf("CreateRole(%+v): %v", bad, err)
		}
	}
	if _, err := s.CreateRole(ctx, CreateRoleInput{Name: "x", AssumeRolePolicy: allowList}); code(err) != "MalformedPolicyDocument" {
		t.Errorf("trust policy without a principal: %v", err)
	}
	if err := s.PutRolePolicy(ctx, "App", "p", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`); code(err) != "MalformedPolicyDocument" {
		t.Errorf("identity policy without a resource: %v", err)
	}
	if err := s.PutRolePolicy(ctx, "App", "p", allowList); err != nil {
		t.Fatal(err)
	}
	if err := s.AttachRolePolicy(ctx, "App", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"); err != nil {
		t.Fatal(err)
	}
	if err := s.AttachRolePolicy(ctx, "App", "arn:aws:iam::aws:policy/NoSuchPolicy"); code(err) != "NoSuchEntity" {
		t.Errorf("attach a missing policy: %v", err)
	}
	pol, err := s.IdentityPolicies(ctx, &auth.Principal{Kind: auth.AssumedRole, Session: &auth.Session{RoleName: "App", RoleID: r.ID}})
	if err != nil || len(pol.Identity) != 2 || pol.Tags["team"] != "gate" {
		t.Fatalf("identity policies: %+v %v", pol, err)
	}
	if err := s.DeleteRole(ctx, "App"); code(err) != "DeleteConflict" {
		t.Errorf("delete with policies: %v", err)
	}
	s.DetachRolePolicy(ctx, "App", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	s.DeleteRolePolicy(ctx, "App", "p")
	if err := s.DeleteRole(ctx, "App"); err != nil {
		t.Fatal(err)
	}
	// A session of the deleted role gets nothing, even if a new role of
	// the same name appears.
	s.CreateRole(ctx, CreateRoleInput{Name: "App", AssumeRolePolicy: trust})
	s.PutRolePolicy(ctx, "App", "p", allowList)
	pol, _ = s.IdentityPolicies(ctx, &auth.Principal{Kind: auth.AssumedRole, Session: &auth.Session{RoleName: "App", RoleID: r.ID}})
	if len(pol.Identity) != 0 {
		t.Errorf("a recreated role's policies apply to the old role's session")
	}
}

func TestManagedPolicyVersions(t *testing.T) {
	ctx := context.Background()
	s := newIAM(t)
	p, err := s.CreatePolicy(ctx, "list", "", "", allowList, nil)
	if err != nil || !strings.HasPrefix(p.ID, "ANPA") || p.ARN != "arn:aws:iam::123456789012:policy/list" {
		t.Fatalf("CreatePolicy %+v %v", p, err)
	}
	for i := 0; i < 4; i++ {
		if _, err := s.CreatePolicyVersion(ctx, p.ARN, allowList, i == 3); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreatePolicyVersion(ctx, p.ARN, allowList, false); code(err) != "LimitExceeded" {
		t.Errorf("sixth version: %v", err)
	}
	got, _ := s.GetPolicy(ctx, p.ARN)
	if got.DefaultVersion != "v5" {
		t.Errorf("default %s", got.DefaultVersion)
	}
	if err := s.DeletePolicyVersion(ctx, p.ARN, "v5"); code(err) != "DeleteConflict" {
		t.Errorf("delete the default version: %v", err)
	}
	s.CreateUser(ctx, "u", "", nil)
	s.AttachUserPolicy(ctx, "u", p.ARN)
	if got, _ := s.GetPolicy(ctx, p.ARN); got.AttachmentCount != 1 {
		t.Errorf("attachment count %d", got.AttachmentCount)
	}
	if err := s.DeletePolicy(ctx, p.ARN); code(err) != "DeleteConflict" {
		t.Errorf("delete an attached policy: %v", err)
	}
	if err := s.SetDefaultPolicyVersion(ctx, "arn:aws:iam::aws:policy/AmazonS3FullAccess", "v1"); code(err) != "AccessDenied" {
		t.Errorf("change an AWS managed policy: %v", err)
	}
	list, _, _ := s.ListPolicies(ctx, "Local", false, "", ListPage{})
	if len(list) != 1 {
		t.Errorf("local policies %d", len(list))
	}
}

func TestAccessKeys(t *testing.T) {
	ctx := context.Background()
	s := newIAM(t)
	s.CreateUser(ctx, "bob", "", nil)
	k, err := s.CreateAccessKey(ctx, "bob")
	if err != nil || !strings.HasPrefix(k.ID, "AKIA") || len(k.Secret) != 40 {
		t.Fatalf("key %+v %v", k, err)
	}
	u, _ := s.GetUser(ctx, "bob")
	if strings.Contains(u.Keys[0].Sealed, k.Secret) {
		t.Fatal("secret stored in the clear")
	}
	cred, err := s.Credential(ctx, k.ID, "")
	if err != nil || cred.SecretAccessKey != k.Secret || cred.Principal.ARN != "arn:aws:iam::123456789012:user/bob" || cred.Principal.UserID != u.ID {
		t.Fatalf("credential %+v %v", cred, err)
	}
	if _, err := s.Credential(ctx, k.ID, "token"); err != auth.ErrInvalidToken {
		t.Errorf("long-term key with a token: %v", err)
	}
	s.UpdateAccessKey(ctx, "bob", k.ID, "Inactive")
	if _, err := s.Credential(ctx, k.ID, ""); err != auth.ErrUnknownAccessKey {
		t.Errorf("inactive key: %v", err)
	}
	s.UpdateAccessKey(ctx, "bob", k.ID, "Active")
	if _, err := s.Credential(ctx, k.ID, ""); err != nil {
		t.Errorf("reactivated key: %v", err)
	}
	if err := s.DeleteUser(ctx, "bob"); code(err) != "DeleteConflict" {
		t.Errorf("delete a user with keys: %v", err)
	}
	s.DeleteAccessKey(ctx, "bob", k.ID)
	if _, err := s.Credential(ctx, k.ID, ""); err != auth.ErrUnknownAccessKey {
		t.Errorf("deleted key: %v", err)
	}
	if err := s.DeleteUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
}

// TestPolicyQuotas: IAM's size quotas, counted without white space.
func TestPolicyQuotas(t *testing.T) {
	s := newIAM(t)
	ctx := context.Background()
	stmt := func(i int) string {
		return fmt.Sprintf(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-%04d/*"}`, i)
	}
	doc := func(n int) string {
		var st []string
		for i := 0; i < n; i++ {
			st = append(st, stmt(i))
		}
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(st, ",") + `]}`
	}
	if _, err := s.CreateRole(ctx, CreateRoleInput{Name: "r", AssumeRolePolicy: trust}); err != nil {
		t.Fatal(err)
	}
	// 70 statements of ~79 characters: ~5.6k, under 6,144; 90: over.
	if _, err := s.CreatePolicy(ctx, "ok", "/", "", doc(70), nil); err != nil {
		t.Errorf("a managed policy under 6,144: %v", err)
	}
	if _, err := s.CreatePolicy(ctx, "big", "/", "", doc(90), nil); code(err) != "LimitExceeded" {
		t.Errorf("a managed policy over 6,144: %v", err)
	}
	// Inline policies of a role: 10,240 in all.
	if err := s.PutRolePolicy(ctx, "r", "a", doc(70)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRolePolicy(ctx, "r", "b", doc(70)); code(err) != "LimitExceeded" {
		t.Errorf("inline policies over 10,240 in all: %v", err)
	}
	if err := s.PutRolePolicy(ctx, "r", "a", doc(100)); err != nil {
		t.Errorf("replacing an inline policy counts the new one only: %v", err)
	}
	// A trust policy: 2,048.
	if err := s.UpdateAssumeRolePolicy(ctx, "r", strings.Replace(doc(0), `"Statement":[]`, `"Statement":[`+strings.Repeat(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},`, 30)+`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]`, 1)); code(err) != "LimitExceeded" {
		t.Errorf("a trust policy over 2,048: %v", err)
	}
}
