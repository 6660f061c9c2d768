package iam

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/store"
)

// Service last accessed information: when each user and role last
// called each service, and the reports IAM builds from it
// (GenerateServiceLastAccessedDetails and its two readers).
//
// Uses are noted in memory on every authenticated request and written at
// most once an hour per entity and service, off the request path, as
// access keys' last use is; a report reads the written times and the
// newer ones in memory.

const (
	kindServiceUse = "iam.serviceuse"
	kindAccessJob  = "iam.accessjob"
)

// ServiceNames are the services sekisho serves, by namespace, with the
// names IAM reports for them.
var ServiceNames = map[string]string{
	"cognito-identity": "Amazon Cognito Identity",
	"cognito-idp":      "Amazon Cognito User Pools",
	"iam":              "AWS Identity and Access Management",
	"s3":               "Amazon S3",
	"sts":              "AWS Security Token Service",
}

// serviceUse is one entity's last call to one service.
type serviceUse struct {
	When   time.Time
	Region string
}

type serviceUses struct {
	mu sync.Mutex
	m  map[string]serviceUse // entity ARN + " " + namespace
}

// NoteServiceAccess records that entity (a user's or a role's ARN) called
// the service namespace in region.
func (s *Service) NoteServiceAccess(ctx context.Context, entity, namespace, region string) {
	if entity == "" || ServiceNames[namespace] == "" {
		return
	}
	now := s.now()
	key := entity + " " + namespace
	s.uses.mu.Lock()
	if s.uses.m == nil {
		s.uses.m = map[string]serviceUse{}
	}
	prev, seen := s.uses.m[key]
	s.uses.m[key] = serviceUse{now, region}
	s.uses.mu.Unlock()
	if seen && now.Sub(prev.When) < time.Hour {
		return
	}
	go s.Store.UpdateRecords(context.Background(), func(tx store.RecordTx) error {
		return store.PutJSON(tx, kindServiceUse, key, serviceUse{now, region})
	})
}

// lastUse is an entity's last call to a service: the newer of the one in
// memory and the one written.
func (s *Service) lastUse(tx store.RecordTx, entity, namespace string) serviceUse {
	key := entity + " " + namespace
	s.uses.mu.Lock()
	u := s.uses.m[key]
	s.uses.mu.Unlock()
	if w, err := store.GetJSON[serviceUse](tx, kindServiceUse, key); err == nil && w.When.After(u.When) {
		u = w
	}
	return u
}

// AccessEntity is a user or role a report names.
type AccessEntity struct {
	Arn, Name, Type, ID, Path string
	LastAuthenticated         time.Time
	Region                    string
}

// ServiceAccess is one service of a report.
type ServiceAccess struct {
	Namespace, Name   string
	LastAuthenticated time.Time
	Entity, Region    string
	Total             int
	// Entities are the users and roles that called it (group and policy
	// reports).
	Entities []AccessEntity
}

// AccessJob is a generated report.
type AccessJob struct {
	ID, Type, Granularity string
	Created, Completed    time.Time
	Services              []ServiceAccess
}

// GenerateServiceLastAccessedDetails builds the report for a user, role,
// group or managed policy: each service its policies allow, and when it
// was last called by the user or role, by a member of the group, or by an
// entity the policy is attached to. The report is complete at once.
func (s *Service) GenerateServiceLastAccessedDetails(ctx context.Context, arn, granularity string) (string, error) {
	if granularity == "" {
		granularity = "SERVICE_LEVEL"
	}
	if granularity != "SERVICE_LEVEL" && granularity != "ACTION_LEVEL" {
		return "", errValidation("1 validation error detected: Value '%s' at 'granularity' failed to satisfy constraint: Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]", granularity)
	}
	var docs []string
	var who []AccessEntity
	err := s.view(ctx, func(tx store.RecordTx) error {
		user := func(u User) AccessEntity {
			return AccessEntity{Arn: u.ARN, Name: u.Name, Type: "USER", ID: u.ID, Path: u.Path}
		}
		role := func(r Role) AccessEntity {
			return AccessEntity{Arn: r.ARN, Name: r.Name, Type: "ROLE", ID: r.ID, Path: r.Path}
		}
		name := arn[strings.LastIndexByte(arn, '/')+1:]
		switch {
		case strings.Contains(arn, ":user/"):
			u, err := store.GetJSON[User](tx, kindUser, userID(name))
			if err != nil {
				return errNoSuchEntity("The user with name %s cannot be found.", name)
			}
			docs = slices.Collect(maps.Values(u.Inline))
			attached := u.Attached
			for _, gn := range u.Groups {
				if g, err := s.groupTx(tx, gn); err == nil {
					docs = append(docs, slices.Collect(maps.Values(g.Inline))...)
					attached = append(attached, g.Attached...)
				}
			}
			docs = append(docs, s.managedDocs(tx, attached)...)
			who = []AccessEntity{user(u)}
		case strings.Contains(arn, ":role/"):
			r, err := store.GetJSON[Role](tx, kindRole, roleID(name))
			if err != nil {
				return errNoSuchEntity("The role with name %s cannot be found.", name)
			}
			docs = append(slices.Collect(maps.Values(r.Inline)), s.managedDocs(tx, r.Attached)...)
			who = []AccessEntity{role(r)}
		case strings.Contains(arn, ":group/"):
			g, err := s.groupTx(tx, name)
			if err != nil {
				return err
			}
			docs = append(slices.Collect(maps.Values(g.Inline)), s.managedDocs(tx, g.Attached)...)
			for _, un := range g.Users {
				if u, err := store.GetJSON[User](tx, kindUser, userID(un)); err == nil {
					who = append(who, user(u))
				}
			}
		case strings.Contains(arn, ":policy/"):
			mp, err := s.policyTx(tx, arn)
			if err != nil {
				return err
			}
			docs = []string{mp.Document()}
			for _, kind := range []string{kindUser, kindRole, kindGroup} {
				recs, err := tx.List(kind, "", "", 0)
				if err != nil {
					return err
				}
				for _, rec := range recs {
					switch kind {
					case kindUser:
						if u, err := store.GetJSON[User](tx, kind, rec.ID); err == nil && slices.Contains(u.Attached, arn) {
							who = append(who, user(u))
						}
					case kindRole:
						if r, err := store.GetJSON[Role](tx, kind, rec.ID); err == nil && slices.Contains(r.Attached, arn) {
							who = append(who, role(r))
						}
					case kindGroup:
						// The members of a group the policy is attached to.
						if g, err := store.GetJSON[Group](tx, kind, rec.ID); err == nil && slices.Contains(g.Attached, arn) {
							for _, un := range g.Users {
								if u, err := store.GetJSON[User](tx, kindUser, userID(un)); err == nil &&
									!slices.ContainsFunc(who, func(e AccessEntity) bool { return e.Arn == u.ARN }) {
									who = append(who, user(u))
								}
							}
						}
					}
				}
			}
		default:
			return awserr.Newf(400, "InvalidInput", "ARN %s is not valid.", arn)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	var compiled []*policy.Document
	for _, d := range docs {
		if c, err := s.compile(d, policy.Identity); err == nil {
			compiled = append(compiled, c)
		}
	}
	now := s.now()
	job := AccessJob{ID: newJobID(), Type: "SERVICE_LEVEL", Granularity: granularity, Created: now, Completed: now}
	if granularity == "ACTION_LEVEL" {
		job.Type = "ACTION_LEVEL"
	}
	err = s.update(ctx, func(tx store.RecordTx) error {
		job.Services = nil
		for _, ns := range slices.Sorted(maps.Keys(ServiceNames)) {
			if !slices.ContainsFunc(compiled, func(d *policy.Document) bool { return d.GrantsService(ns) }) {
				continue
			}
			sa := ServiceAccess{Namespace: ns, Name: ServiceNames[ns]}
			for _, e := range who {
				u := s.lastUse(tx, e.Arn, ns)
				if u.When.IsZero() {
					continue
				}
				e.LastAuthenticated, e.Region = u.When, u.Region
				sa.Entities = append(sa.Entities, e)
				sa.Total++
				if u.When.After(sa.LastAuthenticated) {
					sa.LastAuthenticated, sa.Entity, sa.Region = u.When, e.Arn, u.Region
				}
			}
			sort.Slice(sa.Entities, func(i, j int) bool { return sa.Entities[i].LastAuthenticated.After(sa.Entities[j].LastAuthenticated) })
			job.Services = append(job.Services, sa)
		}
		return store.PutJSON(tx, kindAccessJob, job.ID, job)
	})
	return job.ID, err
}

// managedDocs are the default versions of the managed policies arns.
func (s *Service) managedDocs(tx store.RecordTx, arns []string) []string {
	var out []string
	for _, a := range arns {
		if mp, err := s.policyTx(tx, a); err == nil {
			out = append(out, mp.Document())
		}
	}
	return out
}

// AccessJob returns a report made by GenerateServiceLastAccessedDetails.
func (s *Service) AccessJob(ctx context.Context, id string) (AccessJob, error) {
	var job AccessJob
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		job, err = store.GetJSON[AccessJob](tx, kindAccessJob, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoSuchEntity("The job with ID %s cannot be found.", id)
		}
		return err
	})
	return job, err
}

func newJobID() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
