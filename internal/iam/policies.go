package iam

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/store"
)

// ManagedPolicy is a customer managed policy, or an AWS managed one.
type ManagedPolicy struct {
	Name, ID, ARN, Path string
	Description         string
	Created, Updated    time.Time
	DefaultVersion      string
	Versions            []PolicyVersion
	NextVersion         int
	Tags                []Tag
	// AttachmentCount is computed when read.
	AttachmentCount int `json:"-"`
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	ID       string
	Document string
	Created  time.Time
}

// Document returns the default version's document.
func (p ManagedPolicy) Document() string {
	for _, v := range p.Versions {
		if v.ID == p.DefaultVersion {
			return v.Document
		}
	}
	return ""
}

// awsManaged are the AWS managed policies present in every account, with
// the documents AWS publishes.
var awsManaged = map[string]ManagedPolicy{}

func init() {
	created := time.Date(2015, 2, 6, 18, 40, 58, 0, time.UTC)
	add := func(name, id, doc string) {
		awsManaged["arn:aws:iam::aws:policy/"+name] = ManagedPolicy{
			Name: name, ID: id, ARN: "arn:aws:iam::aws:policy/" + name, Path: "/", Created: created, Updated: created,
			DefaultVersion: "v1", Versions: []PolicyVersion{{ID: "v1", Document: doc, Created: created}},
		}
	}
	add("AmazonS3ReadOnlyAccess", "ANPAIZTJ4DXE7G6AGAE6M", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}`)
	add("AmazonS3FullAccess", "ANPAIFIR6V6BVTRAHWINE", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]}`)
	add("AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	add("IAMReadOnlyAccess", "ANPAJKSO7NDY4T57MWDSQ", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}`)
	loadAWSManaged()
}

//go:embed awsmanaged.json.gz
var awsManagedData []byte

// loadAWSManaged adds the AWS managed policies of awsmanaged.json.gz
// (scripts/gen-aws-managed-policies.py): the ones for the services
// sekisho runs and the job-function policies, with AWS's documents. Their
// ids are derived from their names.
func loadAWSManaged() {
	zr, err := gzip.NewReader(bytes.NewReader(awsManagedData))
	if err != nil {
		panic("iam: awsmanaged.json.gz: " + err.Error())
	}
	var all map[string]struct {
		Path, CreateDate, UpdateDate, DefaultVersionId string
		Document                                       json.RawMessage
	}
	if err := json.NewDecoder(zr).Decode(&all); err != nil {
		panic("iam: awsmanaged.json.gz: " + err.Error())
	}
	for name, p := range all {
		arn := "arn:aws:iam::aws:policy" + p.Path + name
		if _, ok := awsManaged[arn]; ok {
			continue
		}
		created, _ := time.Parse(time.RFC3339, p.CreateDate)
		updated, _ := time.Parse(time.RFC3339, p.UpdateDate)
		sum := sha256.Sum256([]byte(arn))
		id := "ANPA" + strings.ToUpper(base32.StdEncoding.EncodeToString(sum[:]))[:17]
		awsManaged[arn] = ManagedPolicy{Name: name, ID: id, ARN: arn, Path: p.Path, Created: created, Updated: updated,
			DefaultVersion: p.DefaultVersionId, Versions: []PolicyVersion{{ID: p.DefaultVersionId, Document: string(p.Document), Created: updated}}}
	}
}

func errNoPolicy(arn string) error {
	return errNoSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

// CreatePolicy creates a customer managed policy.
func (s *Service) CreatePolicy(ctx context.Context, name, path, description, doc string, tags []Tag) (ManagedPolicy, error) {
	if err := checkName("policyName", name, 128); err != nil {
		return ManagedPolicy{}, err
	}
	path, err := checkPath(path)
	if err != nil {
		return ManagedPolicy{}, err
	}
	if err := checkTags(tags); err != nil {
		return ManagedPolicy{}, err
	}
	doc, err = s.validateManaged(doc)
	if err != nil {
		return ManagedPolicy{}, err
	}
	now := s.now().Truncate(time.Second)
	p := ManagedPolicy{Name: name, ID: newID("ANPA"), ARN: s.arn("policy", path, name), Path: path, Description: description,
		Created: now, Updated: now, DefaultVersion: "v1", Versions: []PolicyVersion{{ID: "v1", Document: doc, Created: now}}, NextVersion: 2, Tags: tags}
	err = s.update(ctx, func(tx store.RecordTx) error {
		recs, err := tx.List(kindPolicy, "", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			old, err := store.GetJSON[ManagedPolicy](tx, kindPolicy, r.ID)
			if err != nil {
				return err
			}
			if strings.EqualFold(old.Name, name) {
				return errExists("A policy called %s already exists. Duplicate names are not allowed.", name)
			}
		}
		return store.PutJSON(tx, kindPolicy, p.ARN, p)
	})
	return p, err
}

// GetPolicy returns a managed policy by ARN (AWS managed ones included).
func (s *Service) GetPolicy(ctx context.Context, arn string) (ManagedPolicy, error) {
	var p ManagedPolicy
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		p, err = s.policyTx(tx, arn)
		if err != nil {
			return err
		}
		p.AttachmentCount, err = attachments(tx, arn)
		return err
	})
	return p, err
}

func (s *Service) policyTx(tx store.RecordTx, arn string) (ManagedPolicy, error) {
	if p, ok := awsManaged[arn]; ok {
		return p, nil
	}
	p, err := store.GetJSON[ManagedPolicy](tx, kindPolicy, arn)
	if errors.Is(err, store.ErrNotFound) {
		return p, errNoPolicy(arn)
	}
	return p, err
}

// attachments counts the roles and users a managed policy is attached to.
func attachments(tx store.RecordTx, arn string) (int, error) {
	n := 0
	roles, err := tx.List(kindRole, "", "", 0)
	if err != nil {
		return 0, err
	}
	for _, rec := range roles {
		r, err := store.GetJSON[Role](tx, kindRole, rec.ID)
		if err != nil {
			return 0, err
		}
		for _, a := range r.Attached {
			if a == arn {
				n++
			}
		}
	}
	users, err := tx.List(kindUser, "", "", 0)
	if err != nil {
		return 0, err
	}
	for _, rec := range users {
		u, err := store.GetJSON[User](tx, kindUser, rec.ID)
		if err != nil {
			return 0, err
		}
		for _, a := range u.Attached {
			if a == arn {
				n++
			}
		}
	}
	return n, nil
}

// ListPolicies lists managed policies: scope "All", "AWS" or "Local";
// onlyAttached keeps those attached somewhere.
func (s *Service) ListPolicies(ctx context.Context, scope string, onlyAttached bool, prefix string, p ListPage) ([]ManagedPolicy, string, error) {
	var all []ManagedPolicy
	err := s.view(ctx, func(tx store.RecordTx) error {
		if scope != "Local" {
			for _, mp := range awsManaged {
				all = append(all, mp)
			}
		}
		if scope != "AWS" {
			recs, err := tx.List(kindPolicy, "", "", 0)
			if err != nil {
				return err
			}
			for _, r := range recs {
				mp, err := store.GetJSON[ManagedPolicy](tx, kindPolicy, r.ID)
				if err != nil {
					return err
				}
				all = append(all, mp)
			}
		}
		var kept []ManagedPolicy
		for _, mp := range all {
			var err error
			if mp.AttachmentCount, err = attachments(tx, mp.ARN); err != nil {
				return err
			}
			if strings.HasPrefix(mp.Path, prefix) && (!onlyAttached || mp.AttachmentCount > 0) {
				kept = append(kept, mp)
			}
		}
		all = kept
		return nil
	})
	sort.Slice(all, func(i, j int) bool { return all[i].ARN < all[j].ARN })
	page, next := paged(all, func(m ManagedPolicy) string { return m.ARN }, p)
	return page, next, err
}

func (s *Service) modifyPolicy(ctx context.Context, arn string, fn func(tx store.RecordTx, p *ManagedPolicy) error) error {
	if _, ok := awsManaged[arn]; ok {
		return awserr.Newf(403, "AccessDenied", "Policy %s is an AWS managed policy and cannot be changed.", arn)
	}
	return s.update(ctx, func(tx store.RecordTx) error {
		p, err := store.GetJSON[ManagedPolicy](tx, kindPolicy, arn)
		if errors.Is(err, store.ErrNotFound) {
			return errNoPolicy(arn)
		}
		if err != nil {
			return err
		}
		if err := fn(tx, &p); err != nil {
			return err
		}
		if p.ARN == "" {
			return tx.Delete(kindPolicy, arn)
		}
		return store.PutJSON(tx, kindPolicy, arn, p)
	})
}

// CreatePolicyVersion adds a version, optionally making it the default.
func (s *Service) CreatePolicyVersion(ctx context.Context, arn, doc string, setDefault bool) (PolicyVersion, error) {
	doc, err := s.validateManaged(doc)
	if err != nil {
		return PolicyVersion{}, err
	}
	var v PolicyVersion
	err = s.modifyPolicy(ctx, arn, func(_ store.RecordTx, p *ManagedPolicy) error {
		if len(p.Versions) >= 5 {
			return awserr.New(409, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
		}
		v = PolicyVersion{ID: fmt.Sprintf("v%d", p.NextVersion), Document: doc, Created: s.now().Truncate(time.Second)}
		p.NextVersion++
		p.Versions = append(p.Versions, v)
		if setDefault {
			p.DefaultVersion = v.ID
		}
		p.Updated = v.Created
		return nil
	})
	return v, err
}

// GetPolicyVersion returns one version of a managed policy.
func (s *Service) GetPolicyVersion(ctx context.Context, arn, id string) (PolicyVersion, bool, error) {
	p, err := s.GetPolicy(ctx, arn)
	if err != nil {
		return PolicyVersion{}, false, err
	}
	for _, v := range p.Versions {
		if v.ID == id {
			return v, v.ID == p.DefaultVersion, nil
		}
	}
	return PolicyVersion{}, false, errNoSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
}

// SetDefaultPolicyVersion makes a version the default.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, arn, id string) error {
	return s.modifyPolicy(ctx, arn, func(_ store.RecordTx, p *ManagedPolicy) error {
		for _, v := range p.Versions {
			if v.ID == id {
				p.DefaultVersion = id
				return nil
			}
		}
		return errNoSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
	})
}

// DeletePolicyVersion deletes a version that is not the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, arn, id string) error {
	return s.modifyPolicy(ctx, arn, func(_ store.RecordTx, p *ManagedPolicy) error {
		if id == p.DefaultVersion {
			return awserr.New(409, "DeleteConflict", "Cannot delete the default version of a policy.")
		}
		for i, v := range p.Versions {
			if v.ID == id {
				p.Versions = append(p.Versions[:i], p.Versions[i+1:]...)
				return nil
			}
		}
		return errNoSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
	})
}

// DeletePolicy deletes a customer managed policy attached nowhere.
func (s *Service) DeletePolicy(ctx context.Context, arn string) error {
	return s.modifyPolicy(ctx, arn, func(tx store.RecordTx, p *ManagedPolicy) error {
		n, err := attachments(tx, arn)
		if err != nil {
			return err
		}
		if n > 0 {
			return awserr.New(409, "DeleteConflict", "Cannot delete a policy attached to entities.")
		}
		if len(p.Versions) > 1 {
			return awserr.New(409, "DeleteConflict", "Cannot delete a policy with versions other than the default. Delete the other versions first.")
		}
		p.ARN = "" // tells modifyPolicy to delete
		return nil
	})
}

// attach adds a managed policy ARN to an attachment list once.
func (s *Service) attach(ctx context.Context, modify func(fn func(*[]string) error) error, arn string) error {
	if _, err := s.GetPolicy(ctx, arn); err != nil {
		return err
	}
	return modify(func(list *[]string) error {
		for _, a := range *list {
			if a == arn {
				return nil
			}
		}
		if len(*list) >= 20 {
			return awserr.New(409, "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 20")
		}
		*list = append(*list, arn)
		return nil
	})
}

func detach(list *[]string, arn string) error {
	for i, a := range *list {
		if a == arn {
			*list = append((*list)[:i], (*list)[i+1:]...)
			return nil
		}
	}
	return errNoSuchEntity("Policy %s was not found.", arn)
}

// validateManaged is validate for a managed policy version, within its
// 6,144-character quota.
func (s *Service) validateManaged(doc string) (string, error) {
	doc, err := s.validate(doc, policy.Identity)
	if err != nil {
		return "", err
	}
	if policySize(doc) > maxManagedPolicy {
		return "", awserr.Newf(409, "LimitExceeded", "Cannot exceed quota for PolicySize: %d", maxManagedPolicy)
	}
	return doc, nil
}
