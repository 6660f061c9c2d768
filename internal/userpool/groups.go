package userpool

import (
	"context"
	"regexp"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Group is a user-pool group (GroupType).
type Group struct {
	GroupName        string `json:"GroupName"`
	UserPoolId       string `json:"UserPoolId"`
	Description      string `json:"Description,omitempty"`
	RoleArn          string `json:"RoleArn,omitempty"`
	Precedence       *int   `json:"Precedence,omitempty"`
	LastModifiedDate epoch  `json:"LastModifiedDate"`
	CreationDate     epoch  `json:"CreationDate"`
}

var groupNameRE = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$`)
var roleArnRE = regexp.MustCompile(`^arn:[\w+=/,.@-]+:iam::[0-9]{12}:role/[\w+=/,.@-]+$`)

// CreateGroup creates a group.
func (s *Service) CreateGroup(ctx context.Context, g Group) (Group, error) {
	if !groupNameRE.MatchString(g.GroupName) {
		return Group{}, errParam("1 validation error detected: Value '%s' at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+", g.GroupName)
	}
	if g.RoleArn != "" && !roleArnRE.MatchString(g.RoleArn) {
		return Group{}, errParam("1 validation error detected: Value '%s' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern", g.RoleArn)
	}
	now := epoch(s.now())
	g.CreationDate, g.LastModifiedDate = now, now
	err := s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, g.UserPoolId); err != nil {
			return err
		}
		if _, err := tx.Get(kindGroup, g.UserPoolId+"/"+g.GroupName); err == nil {
			return awserr.New(400, "GroupExistsException", "A group with the name "+g.GroupName+" already exists.")
		} else if !isNotFound(err) {
			return err
		}
		if err := quota(tx, kindGroup, g.UserPoolId+"/", maxGroups, "groups in this user pool"); err != nil {
			return err
		}
		return store.PutJSON(tx, kindGroup, g.UserPoolId+"/"+g.GroupName, g)
	})
	return g, err
}

func (s *Service) groupTx(tx store.RecordTx, pool, name string) (Group, error) {
	if _, err := s.poolTx(tx, pool); err != nil {
		return Group{}, err
	}
	g, err := store.GetJSON[Group](tx, kindGroup, pool+"/"+name)
	if isNotFound(err) {
		return g, errNotFound("Group not found.")
	}
	return g, err
}

// GetGroup returns a group.
func (s *Service) GetGroup(ctx context.Context, pool, name string) (Group, error) {
	var g Group
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		g, err = s.groupTx(tx, pool, name)
		return err
	})
	return g, err
}

// UpdateGroup changes a group's description, role and precedence.
func (s *Service) UpdateGroup(ctx context.Context, in Group, setDesc, setRole, setPrec bool) (Group, error) {
	var g Group
	err := s.update(ctx, func(tx store.RecordTx) error {
		var err error
		if g, err = s.groupTx(tx, in.UserPoolId, in.GroupName); err != nil {
			return err
		}
		if setDesc {
			g.Description = in.Description
		}
		if setRole {
			g.RoleArn = in.RoleArn
		}
		if setPrec {
			g.Precedence = in.Precedence
		}
		g.LastModifiedDate = epoch(s.now())
		return store.PutJSON(tx, kindGroup, in.UserPoolId+"/"+in.GroupName, g)
	})
	return g, err
}

// DeleteGroup deletes a group and its memberships.
func (s *Service) DeleteGroup(ctx context.Context, pool, name string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.groupTx(tx, pool, name); err != nil {
			return err
		}
		recs, err := tx.List(kindUser, pool+"/", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			u, err := store.GetJSON[User](tx, kindUser, r.ID)
			if err != nil {
				return err
			}
			if removeString(&u.Groups, name) {
				if err := store.PutJSON(tx, kindUser, r.ID, u); err != nil {
					return err
				}
			}
		}
		return tx.Delete(kindGroup, pool+"/"+name)
	})
}

// ListGroups lists a pool's groups.
func (s *Service) ListGroups(ctx context.Context, pool string) ([]Group, error) {
	var out []Group
	err := s.view(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, pool); err != nil {
			return err
		}
		recs, err := tx.List(kindGroup, pool+"/", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			g, err := store.GetJSON[Group](tx, kindGroup, r.ID)
			if err != nil {
				return err
			}
			out = append(out, g)
		}
		return nil
	})
	return out, err
}

// AdminAddUserToGroup adds a user to a group.
func (s *Service) AdminAddUserToGroup(ctx context.Context, pool, name, group string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return err
		}
		if _, err := s.groupTx(tx, pool, group); err != nil {
			return err
		}
		u, err := s.findUser(tx, p, name)
		if err != nil {
			return err
		}
		for _, g := range u.Groups {
			if g == group {
				return nil
			}
		}
		u.Groups = append(u.Groups, group)
		return store.PutJSON(tx, kindUser, userKey(pool, u.Username), u)
	})
}

// AdminRemoveUserFromGroup removes a user from a group.
func (s *Service) AdminRemoveUserFromGroup(ctx context.Context, pool, name, group string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return err
		}
		if _, err := s.groupTx(tx, pool, group); err != nil {
			return err
		}
		u, err := s.findUser(tx, p, name)
		if err != nil {
			return err
		}
		removeString(&u.Groups, group)
		return store.PutJSON(tx, kindUser, userKey(pool, u.Username), u)
	})
}

// AdminListGroupsForUser lists a user's groups.
func (s *Service) AdminListGroupsForUser(ctx context.Context, pool, name string) ([]Group, error) {
	var out []Group
	err := s.view(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return err
		}
		u, err := s.findUser(tx, p, name)
		if err != nil {
			return err
		}
		for _, g := range u.Groups {
			if gr, err := store.GetJSON[Group](tx, kindGroup, pool+"/"+g); err == nil {
				out = append(out, gr)
			}
		}
		return nil
	})
	return out, err
}

// ListUsersInGroup lists a group's members.
func (s *Service) ListUsersInGroup(ctx context.Context, pool, group string) ([]User, error) {
	var out []User
	err := s.view(ctx, func(tx store.RecordTx) error {
		if _, err := s.groupTx(tx, pool, group); err != nil {
			return err
		}
		recs, err := tx.List(kindUser, pool+"/", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			u, err := store.GetJSON[User](tx, kindUser, r.ID)
			if err != nil {
				return err
			}
			for _, g := range u.Groups {
				if g == group {
					out = append(out, u)
				}
			}
		}
		return err
	})
	return out, err
}

func removeString(list *[]string, v string) bool {
	for i, x := range *list {
		if x == v {
			*list = append((*list)[:i], (*list)[i+1:]...)
			return true
		}
	}
	return false
}
