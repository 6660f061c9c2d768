package iam

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/store"
)

// kindGroup holds IAM groups by lower-cased name.
const kindGroup = "iam.group"

// Group is an IAM group: its policies count for every member.
type Group struct {
	Name, ID, ARN, Path string
	Created             time.Time
	Inline              map[string]string
	Attached            []string
	Users               []string // member user names
}

func errNoGroup(name string) error {
	return errNoSuchEntity("The group with name %s cannot be found.", name)
}

// CreateGroup creates a group.
func (s *Service) CreateGroup(ctx context.Context, name, path string) (Group, error) {
	if err := checkName("groupName", name, 128); err != nil {
		return Group{}, err
	}
	path, err := checkPath(path)
	if err != nil {
		return Group{}, err
	}
	g := Group{Name: name, ID: newID("AGPA"), ARN: s.arn("group", path, name), Path: path, Created: s.now().Truncate(time.Second)}
	err = s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindGroup, userID(name)); err == nil {
			return errExists("Group with name %s already exists.", name)
		}
		return store.PutJSON(tx, kindGroup, userID(name), g)
	})
	return g, err
}

// GetGroup returns a group.
func (s *Service) GetGroup(ctx context.Context, name string) (Group, error) {
	var g Group
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		g, err = s.groupTx(tx, name)
		return err
	})
	return g, err
}

func (s *Service) groupTx(tx store.RecordTx, name string) (Group, error) {
	g, err := store.GetJSON[Group](tx, kindGroup, userID(name))
	if errors.Is(err, store.ErrNotFound) {
		return g, errNoGroup(name)
	}
	return g, err
}

// GroupUsers returns a group's members.
func (s *Service) GroupUsers(ctx context.Context, g Group) ([]User, error) {
	var out []User
	err := s.view(ctx, func(tx store.RecordTx) error {
		for _, n := range g.Users {
			u, err := store.GetJSON[User](tx, kindUser, userID(n))
			if err == nil {
				out = append(out, u)
			}
		}
		return nil
	})
	return out, err
}

// ListGroups lists groups whose path starts with prefix.
func (s *Service) ListGroups(ctx context.Context, prefix string, p ListPage) ([]Group, string, error) {
	var all []Group
	err := s.view(ctx, func(tx store.RecordTx) error {
		recs, err := tx.List(kindGroup, "", "", 0)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			g, err := store.GetJSON[Group](tx, kindGroup, rec.ID)
			if err != nil {
				return err
			}
			if strings.HasPrefix(g.Path, prefix) {
				all = append(all, g)
			}
		}
		return nil
	})
	page, next := paged(all, func(g Group) string { return userID(g.Name) }, p)
	return page, next, err
}

func (s *Service) modifyGroup(ctx context.Context, name string, fn func(tx store.RecordTx, g *Group) error) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		g, err := s.groupTx(tx, name)
		if err != nil {
			return err
		}
		if err := fn(tx, &g); err != nil {
			return err
		}
		if g.Name == "" {
			return tx.Delete(kindGroup, userID(name))
		}
		return store.PutJSON(tx, kindGroup, userID(name), g)
	})
}

// UpdateGroup renames a group or changes its path; members follow.
func (s *Service) UpdateGroup(ctx context.Context, name, newName, newPath string) error {
	if newName != "" {
		if err := checkName("newGroupName", newName, 128); err != nil {
			return err
		}
	}
	if newPath != "" {
		if _, err := checkPath(newPath); err != nil {
			return err
		}
	}
	return s.update(ctx, func(tx store.RecordTx) error {
		g, err := s.groupTx(tx, name)
		if err != nil {
			return err
		}
		if newPath != "" {
			g.Path = newPath
		}
		if newName != "" && newName != g.Name {
			if _, err := tx.Get(kindGroup, userID(newName)); err == nil && !strings.EqualFold(newName, g.Name) {
				return errExists("Group with name %s already exists.", newName)
			}
			for _, un := range g.Users {
				u, err := store.GetJSON[User](tx, kindUser, userID(un))
				if err != nil {
					continue
				}
				for i, gn := range u.Groups {
					if strings.EqualFold(gn, g.Name) {
						u.Groups[i] = newName
					}
				}
				if err := store.PutJSON(tx, kindUser, userID(un), u); err != nil {
					return err
				}
			}
			if err := tx.Delete(kindGroup, userID(g.Name)); err != nil {
				return err
			}
			g.Name = newName
		}
		g.ARN = s.arn("group", g.Path, g.Name)
		return store.PutJSON(tx, kindGroup, userID(g.Name), g)
	})
}

// DeleteGroup deletes a group with no members and no policies.
func (s *Service) DeleteGroup(ctx context.Context, name string) error {
	return s.modifyGroup(ctx, name, func(_ store.RecordTx, g *Group) error {
		switch {
		case len(g.Users) > 0:
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must remove users from group first.")
		case len(g.Attached) > 0:
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
		case len(g.Inline) > 0:
			return awserr.New(409, "DeleteConflict", "Cannot delete entity, must delete policies first.")
		}
		g.Name = ""
		return nil
	})
}

// AddUserToGroup makes a user a member of a group (once).
func (s *Service) AddUserToGroup(ctx context.Context, group, user string) error {
	return s.membership(ctx, group, user, true)
}

// RemoveUserFromGroup ends a membership.
func (s *Service) RemoveUserFromGroup(ctx context.Context, group, user string) error {
	return s.membership(ctx, group, user, false)
}

func (s *Service) membership(ctx context.Context, group, user string, add bool) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		g, err := s.groupTx(tx, group)
		if err != nil {
			return err
		}
		u, err := store.GetJSON[User](tx, kindUser, userID(user))
		if errors.Is(err, store.ErrNotFound) {
			return errNoUser(user)
		} else if err != nil {
			return err
		}
		in := slices.ContainsFunc(u.Groups, func(n string) bool { return strings.EqualFold(n, g.Name) })
		switch {
		case add && !in:
			if len(u.Groups) >= 10 {
				return awserr.New(409, "LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10")
			}
			u.Groups = append(u.Groups, g.Name)
			g.Users = append(g.Users, u.Name)
		case !add && !in:
			return errNoSuchEntity("The user with name %s cannot be found in group %s.", user, g.Name)
		case !add:
			u.Groups = slices.DeleteFunc(u.Groups, func(n string) bool { return strings.EqualFold(n, g.Name) })
			g.Users = slices.DeleteFunc(g.Users, func(n string) bool { return strings.EqualFold(n, u.Name) })
		default:
			return nil
		}
		if err := store.PutJSON(tx, kindUser, userID(u.Name), u); err != nil {
			return err
		}
		return store.PutJSON(tx, kindGroup, userID(g.Name), g)
	})
}

// GroupsForUser lists a user's groups.
func (s *Service) GroupsForUser(ctx context.Context, user string) ([]Group, error) {
	var out []Group
	err := s.view(ctx, func(tx store.RecordTx) error {
		u, err := store.GetJSON[User](tx, kindUser, userID(user))
		if errors.Is(err, store.ErrNotFound) {
			return errNoUser(user)
		} else if err != nil {
			return err
		}
		for _, n := range u.Groups {
			if g, err := s.groupTx(tx, n); err == nil {
				out = append(out, g)
			}
		}
		return nil
	})
	return out, err
}

// PutGroupPolicy sets an inline policy of a group.
func (s *Service) PutGroupPolicy(ctx context.Context, group, name, doc string) error {
	if err := checkName("policyName", name, 128); err != nil {
		return err
	}
	doc, err := s.validate(doc, policy.Identity)
	if err != nil {
		return err
	}
	return s.modifyGroup(ctx, group, func(_ store.RecordTx, g *Group) error {
		if inlineTotal(g.Inline, name, doc) > maxGroupInlineTotal {
			return awserr.Newf(409, "LimitExceeded", "Maximum policy size of %d bytes exceeded for group %s", maxGroupInlineTotal, g.Name)
		}
		if g.Inline == nil {
			g.Inline = map[string]string{}
		}
		g.Inline[name] = doc
		return nil
	})
}

const maxGroupInlineTotal = 5120

// GetGroupPolicy returns an inline policy of a group.
func (s *Service) GetGroupPolicy(ctx context.Context, group, name string) (string, error) {
	g, err := s.GetGroup(ctx, group)
	if err != nil {
		return "", err
	}
	doc, ok := g.Inline[name]
	if !ok {
		return "", errNoSuchEntity("The group policy with name %s cannot be found.", name)
	}
	return doc, nil
}

// DeleteGroupPolicy removes an inline policy of a group.
func (s *Service) DeleteGroupPolicy(ctx context.Context, group, name string) error {
	return s.modifyGroup(ctx, group, func(_ store.RecordTx, g *Group) error {
		if _, ok := g.Inline[name]; !ok {
			return errNoSuchEntity("The group policy with name %s cannot be found.", name)
		}
		delete(g.Inline, name)
		return nil
	})
}

// AttachGroupPolicy attaches a managed policy to a group.
func (s *Service) AttachGroupPolicy(ctx context.Context, group, arn string) error {
	return s.attach(ctx, func(fn func(*[]string) error) error {
		return s.modifyGroup(ctx, group, func(_ store.RecordTx, g *Group) error { return fn(&g.Attached) })
	}, arn)
}

// DetachGroupPolicy detaches a managed policy from a group.
func (s *Service) DetachGroupPolicy(ctx context.Context, group, arn string) error {
	return s.modifyGroup(ctx, group, func(_ store.RecordTx, g *Group) error { return detach(&g.Attached, arn) })
}
