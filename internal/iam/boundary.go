package iam

import (
	"context"

	"github.com/sekisho/sekisho/internal/store"
)

// Permissions boundaries: a managed policy set on a user or role that
// bounds what its identity policies allow (the effective permissions are
// the intersection); it never grants. The policy engine applies it
// (policy.Input.Boundary).

// checkBoundary resolves a boundary ARN to an existing managed policy.
func (s *Service) checkBoundary(ctx context.Context, arn string) error {
	if arn == "" {
		return nil
	}
	if !validPolicyARN(arn) {
		return errValidation("Value (%s) for parameter PermissionsBoundary is invalid.", arn)
	}
	_, err := s.GetPolicy(ctx, arn)
	if err != nil {
		return errNoSuchEntity("Scope ARN: %s does not exist or is not attachable.", arn)
	}
	return nil
}

func validPolicyARN(arn string) bool {
	return len(arn) > len("arn:aws:iam::") && arn[:len("arn:aws:iam::")] == "arn:aws:iam::" && containsPolicy(arn)
}

func containsPolicy(arn string) bool {
	for i := 0; i+len(":policy/") <= len(arn); i++ {
		if arn[i:i+len(":policy/")] == ":policy/" {
			return true
		}
	}
	return false
}

// PutUserPermissionsBoundary sets a user's boundary.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, user, arn string) error {
	if err := s.checkBoundary(ctx, arn); err != nil {
		return err
	}
	return s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error { u.Boundary = arn; return nil })
}

// DeleteUserPermissionsBoundary removes a user's boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, user string) error {
	return s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error { u.Boundary = ""; return nil })
}

// PutRolePermissionsBoundary sets a role's boundary.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, role, arn string) error {
	if err := s.checkBoundary(ctx, arn); err != nil {
		return err
	}
	return s.modifyRole(ctx, role, func(r *Role) error { r.Boundary = arn; return nil })
}

// DeleteRolePermissionsBoundary removes a role's boundary.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, role string) error {
	return s.modifyRole(ctx, role, func(r *Role) error { r.Boundary = ""; return nil })
}
