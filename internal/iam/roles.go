package iam

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/store"
)

// Role is an IAM role.
type Role struct {
	Name, ID, ARN, Path string
	Description         string
	Created             time.Time
	AssumeRolePolicy    string
	MaxSessionDuration  int
	Tags                []Tag
	// Inline maps policy names to documents; Attached lists managed
	// policy ARNs.
	Inline   map[string]string
	Attached []string
	// Boundary is the permissions boundary's policy ARN, if any.
	Boundary string `json:",omitempty"`
}

// CreateRoleInput is a CreateRole request.
type CreateRoleInput struct {
	Name, Path, AssumeRolePolicy, Description string
	MaxSessionDuration                        int
	Tags                                      []Tag
	PermissionsBoundary                       string
}

func roleID(name string) string { return strings.ToLower(name) }

func errNoRole(name string) error {
	return errNoSuchEntity("The role with name %s cannot be found.", name)
}

func checkDuration(d int) error {
	if d < 3600 || d > 43200 {
		return errValidation("1 validation error detected: Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200", d)
	}
	return nil
}

// CreateRole creates a role.
func (s *Service) CreateRole(ctx context.Context, in CreateRoleInput) (Role, error) {
	if err := checkName("roleName", in.Name, 64); err != nil {
		return Role{}, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return Role{}, err
	}
	if in.MaxSessionDuration == 0 {
		in.MaxSessionDuration = 3600
	}
	if err := checkDuration(in.MaxSessionDuration); err != nil {
		return Role{}, err
	}
	if err := checkTags(in.Tags); err != nil {
		return Role{}, err
	}
	if len(in.Description) > 1000 {
		return Role{}, errValidation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000")
	}
	doc, err := s.validate(in.AssumeRolePolicy, policy.Trust)
	if err != nil {
		return Role{}, err
	}
	if err := s.checkBoundary(ctx, in.PermissionsBoundary); err != nil {
		return Role{}, err
	}
	r := Role{Boundary: in.PermissionsBoundary, Name: in.Name, ID: newID("AROA"), ARN: s.arn("role", path, in.Name), Path: path, Description: in.Description,
		Created: s.now().Truncate(time.Second), AssumeRolePolicy: doc, MaxSessionDuration: in.MaxSessionDuration, Tags: in.Tags}
	err = s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindRole, roleID(in.Name)); err == nil {
			return errExists("Role with name %s already exists.", in.Name)
		}
		return store.PutJSON(tx, kindRole, roleID(in.Name), r)
	})
	return r, err
}

// GetRole returns a role.
func (s *Service) GetRole(ctx context.Context, name string) (Role, error) {
	var r Role
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		r, err = store.GetJSON[Role](tx, kindRole, roleID(name))
		if errors.Is(err, store.ErrNotFound) {
			return errNoRole(name)
		}
		return err
	})
	return r, err
}

// RoleByARN returns a role by its ARN.
func (s *Service) RoleByARN(ctx context.Context, arn string) (Role, error) {
	prefix := "arn:aws:iam::" + s.Account + ":role/"
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		return Role{}, errNoSuchEntity("The role with ARN %s cannot be found.", arn)
	}
	name := rest[strings.LastIndex(rest, "/")+1:]
	r, err := s.GetRole(ctx, name)
	if err == nil && r.ARN != arn {
		return Role{}, errNoRole(name)
	}
	return r, err
}

// ListRoles lists roles whose path starts with prefix.
func (s *Service) ListRoles(ctx context.Context, prefix string, p ListPage) ([]Role, string, error) {
	var all []Role
	err := s.view(ctx, func(tx store.RecordTx) error {
		recs, err := tx.List(kindRole, "", "", 0)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			r, err := store.GetJSON[Role](tx, kindRole, rec.ID)
			if err != nil {
				return err
			}
			if strings.HasPrefix(r.Path, prefix) {
				all = append(all, r)
			}
		}
		return err
	})
	page, next := paged(all, func(r Role) string { return roleID(r.Name) }, p)
	return page, next, err
}

// modifyRole applies fn to a stored role.
func (s *Service) modifyRole(ctx context.Context, name string, fn func(r *Role) error) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		r, err := store.GetJSON[Role](tx, kindRole, roleID(name))
		if errors.Is(err, store.ErrNotFound) {
			return errNoRole(name)
		}
		if err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
		return store.PutJSON(tx, kindRole, roleID(name), r)
	})
}

// UpdateRole changes a role's description and maximum session duration.
func (s *Service) UpdateRole(ctx context.Context, name string, description *string, maxSession int) error {
	if maxSession != 0 {
		if err := checkDuration(maxSession); err != nil {
			return err
		}
	}
	return s.modifyRole(ctx, name, func(r *Role) error {
		if description != nil {
			r.Description = *description
		}
		if maxSession != 0 {
			r.MaxSessionDuration = maxSession
		}
		return nil
	})
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, name, doc string) error {
	doc, err := s.validate(doc, policy.Trust)
	if err != nil {
		return err
	}
	return s.modifyRole(ctx, name, func(r *Role) error { r.AssumeRolePolicy = doc; return nil })
}

// DeleteRole deletes a role without policies.
func (s *Service) DeleteRole(ctx context.Context, name string) error {
	return s.deleteRole(ctx, name, false)
}

// deleteRole deletes a role; service-linked roles only when serviceLinked.
func (s *Service) deleteRole(ctx context.Context, name string, serviceLinked bool) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		r, err := store.GetJSON[Role](tx, kindRole, roleID(name))
		if errors.Is(err, store.ErrNotFound) {
			return errNoRole(name)
		}
		if err != nil {
			return err
		}
		if len(r.Attached) > 0 {
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
		}
		if len(r.Inline) > 0 {
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must delete policies first.")
		}
		if strings.HasPrefix(r.Path, serviceRolePath) && !serviceLinked {
			return awserr.Newf(400, "UnmodifiableEntity", "Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", r.Name)
		}
		profiles, err := tx.List(kindProfile, "", "", 0)
		if err != nil {
			return err
		}
		for _, rec := range profiles {
			var p InstanceProfile
			err := json.Unmarshal(rec.Value, &p)
			if err == nil && containsFold(p.Roles, r.Name) {
				return awserr.New(409, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
			}
		}
		return tx.Delete(kindRole, roleID(name))
	})
}

// TagRole adds or replaces tags; UntagRole removes them.
func (s *Service) TagRole(ctx context.Context, name string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.modifyRole(ctx, name, func(r *Role) error {
		r.Tags = mergeTags(r.Tags, tags)
		return checkTags(r.Tags)
	})
}

// UntagRole removes tags by key.
func (s *Service) UntagRole(ctx context.Context, name string, keys []string) error {
	return s.modifyRole(ctx, name, func(r *Role) error { r.Tags = removeTags(r.Tags, keys); return nil })
}

// PutRolePolicy adds or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, role, name, doc string) error {
	if err := checkName("policyName", name, 128); err != nil {
		return err
	}
	doc, err := s.validate(doc, policy.Identity)
	if err != nil {
		return err
	}
	return s.modifyRole(ctx, role, func(r *Role) error {
		if inlineTotal(r.Inline, name, doc) > maxRoleInlineTotal {
			return awserr.Newf(409, "LimitExceeded", "Maximum policy size of %d bytes exceeded for role %s", maxRoleInlineTotal, r.Name)
		}
		if r.Inline == nil {
			r.Inline = map[string]string{}
		}
		r.Inline[name] = doc
		return nil
	})
}

// GetRolePolicy returns an inline policy of a role.
func (s *Service) GetRolePolicy(ctx context.Context, role, name string) (string, error) {
	r, err := s.GetRole(ctx, role)
	if err != nil {
		return "", err
	}
	doc, ok := r.Inline[name]
	if !ok {
		return "", errNoSuchEntity("The role policy with name %s cannot be found.", name)
	}
	return doc, nil
}

// DeleteRolePolicy removes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, role, name string) error {
	return s.modifyRole(ctx, role, func(r *Role) error {
		if _, ok := r.Inline[name]; !ok {
			return errNoSuchEntity("The role policy with name %s cannot be found.", name)
		}
		delete(r.Inline, name)
		return nil
	})
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, role, arn string) error {
	return s.attach(ctx, func(fn func(*[]string) error) error {
		return s.modifyRole(ctx, role, func(r *Role) error { return fn(&r.Attached) })
	}, arn)
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, role, arn string) error {
	return s.modifyRole(ctx, role, func(r *Role) error { return detach(&r.Attached, arn) })
}
