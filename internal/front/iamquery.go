package front

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/policy"
)

// Query-protocol list parameters: Name.member.1, Name.member.2, …
func members(form url.Values, name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[fmt.Sprintf("%s.member.%d", name, i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

type iamTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func iamTags(tags []iam.Tag) []iamTag {
	var out []iamTag
	for _, t := range tags {
		out = append(out, iamTag(t))
	}
	return out
}

// xmlTags is a Tags element that is left out when there are none (Go's
// encoder writes the parent of an empty "Tags>member" list).
type xmlTags struct {
	Member []iamTag `xml:"member"`
}

func tagList(tags []iam.Tag) *xmlTags {
	if len(tags) == 0 {
		return nil
	}
	return &xmlTags{iamTags(tags)}
}

// rootCreated is the CreateDate GetUser reports for the root user.
var rootCreated = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }

type xmlRole struct {
	Path                     string       `xml:"Path"`
	RoleName                 string       `xml:"RoleName"`
	RoleId                   string       `xml:"RoleId"`
	Arn                      string       `xml:"Arn"`
	CreateDate               string       `xml:"CreateDate"`
	AssumeRolePolicyDocument string       `xml:"AssumeRolePolicyDocument"`
	Description              string       `xml:"Description,omitempty"`
	MaxSessionDuration       int          `xml:"MaxSessionDuration"`
	Tags                     *xmlTags     `xml:"Tags,omitempty"`
	PermissionsBoundary      *xmlBoundary `xml:"PermissionsBoundary,omitempty"`
	// RoleLastUsed is GetRole's alone (empty when never used).
	RoleLastUsed *xmlRoleLastUsed `xml:"RoleLastUsed,omitempty"`
}

type xmlRoleLastUsed struct {
	LastUsedDate string `xml:"LastUsedDate,omitempty"`
	Region       string `xml:"Region,omitempty"`
}

// xmlBoundary is AttachedPermissionsBoundary.
type xmlBoundary struct {
	PermissionsBoundaryType string `xml:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `xml:"PermissionsBoundaryArn"`
}

func boundaryOf(arn string) *xmlBoundary {
	if arn == "" {
		return nil
	}
	return &xmlBoundary{"Policy", arn}
}

func toXMLRole(r iam.Role) xmlRole {
	return xmlRole{r.Path, r.Name, r.ID, r.ARN, iso(r.Created), iam.URLEncode(r.AssumeRolePolicy), r.Description, r.MaxSessionDuration, tagList(r.Tags), boundaryOf(r.Boundary), nil}
}

type xmlUser struct {
	Path                string       `xml:"Path"`
	UserName            string       `xml:"UserName"`
	UserId              string       `xml:"UserId"`
	Arn                 string       `xml:"Arn"`
	CreateDate          string       `xml:"CreateDate"`
	PasswordLastUsed    string       `xml:"PasswordLastUsed,omitempty"`
	Tags                *xmlTags     `xml:"Tags,omitempty"`
	PermissionsBoundary *xmlBoundary `xml:"PermissionsBoundary,omitempty"`
}

func toXMLUser(u iam.User) xmlUser {
	return xmlUser{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN, CreateDate: iso(u.Created), Tags: tagList(u.Tags), PermissionsBoundary: boundaryOf(u.Boundary)}
}

type xmlPolicy struct {
	PolicyName                    string   `xml:"PolicyName"`
	PolicyId                      string   `xml:"PolicyId"`
	Arn                           string   `xml:"Arn"`
	Path                          string   `xml:"Path"`
	DefaultVersionId              string   `xml:"DefaultVersionId"`
	AttachmentCount               int      `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int      `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool     `xml:"IsAttachable"`
	Description                   string   `xml:"Description,omitempty"`
	CreateDate                    string   `xml:"CreateDate"`
	UpdateDate                    string   `xml:"UpdateDate"`
	Tags                          *xmlTags `xml:"Tags,omitempty"`
}

func toXMLPolicy(p iam.ManagedPolicy) xmlPolicy {
	return xmlPolicy{p.Name, p.ID, p.ARN, p.Path, p.DefaultVersion, p.AttachmentCount, 0, true, p.Description, iso(p.Created), iso(p.Updated), tagList(p.Tags)}
}

type xmlVersion struct {
	Document         string `xml:"Document,omitempty"`
	VersionId        string `xml:"VersionId"`
	IsDefaultVersion bool   `xml:"IsDefaultVersion"`
	CreateDate       string `xml:"CreateDate"`
}

type attached struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

// iamResource is the ARN an IAM call acts on, for authorization.
func iamResource(acct string) func(c *apiCall) string {
	return func(c *apiCall) string {
		return iamResourceOf(acct, url.Values(c.form))
	}
}

func iamResourceOf(acct string, form url.Values) string {
	switch {
	case form.Get("RoleName") != "":
		return "arn:aws:iam::" + acct + ":role/" + form.Get("RoleName")
	case form.Get("UserName") != "":
		return "arn:aws:iam::" + acct + ":user/" + form.Get("UserName")
	case form.Get("GroupName") != "":
		return "arn:aws:iam::" + acct + ":group/" + form.Get("GroupName")
	case form.Get("PolicyArn") != "":
		return form.Get("PolicyArn")
	case form.Get("OpenIDConnectProviderArn") != "":
		return form.Get("OpenIDConnectProviderArn")
	case form.Get("SAMLProviderArn") != "":
		return form.Get("SAMLProviderArn")
	case form.Get("InstanceProfileName") != "":
		return "arn:aws:iam::" + acct + ":instance-profile/" + form.Get("InstanceProfileName")
	case form.Get("ServerCertificateName") != "":
		return "arn:aws:iam::" + acct + ":server-certificate/" + form.Get("ServerCertificateName")
	case strings.HasPrefix(form.Get("SerialNumber"), "arn:"):
		return form.Get("SerialNumber")
	case strings.HasPrefix(form.Get("Arn"), "arn:"):
		return form.Get("Arn") // the entity of a last accessed report
	}
	return "*"
}

// iamKeys sets the tag condition keys of an IAM call: aws:RequestTag/*
// and aws:TagKeys from the tags it sets or removes, aws:ResourceTag/* from
// the role or user it names.
func iamKeys(svc *iam.Service) func(c *apiCall) keysFunc {
	return func(c *apiCall) keysFunc {
		return iamKeysOf(c.r.Context(), svc, url.Values(c.form))
	}
}

func iamKeysOf(ctx context.Context, svc *iam.Service, form url.Values) keysFunc {
	return func(r *policy.Request, uses func(string) bool) error {
		// Read as the method will decode them, so the tags authorized are
		// the tags set.
		var in struct {
			Tags    []iam.Tag
			TagKeys []string
		}
		if err := decodeForm(form, &in); err != nil {
			return err
		}
		var keys []string
		for _, t := range in.Tags {
			r.Set("aws:RequestTag/"+t.Key, t.Value)
			keys = append(keys, t.Key)
		}
		keys = append(keys, in.TagKeys...)
		if len(keys) > 0 {
			r.Set("aws:TagKeys", keys...)
		}
		if !uses("aws:resourcetag/") {
			return nil
		}
		var tags []iam.Tag
		var err error
		if name := form.Get("RoleName"); name != "" {
			var role iam.Role
			if role, err = svc.GetRole(ctx, name); err == nil {
				tags = role.Tags
			}
		} else if name := form.Get("UserName"); name != "" {
			var u iam.User
			if u, err = svc.GetUser(ctx, name); err == nil {
				tags = u.Tags
			}
		}
		if err != nil && !awserr.Is(err, "NoSuchEntity") {
			// Tags a Deny may test could not be read: deny.
			return fmt.Errorf("reading resource tags for authorization: %w", err)
		}
		for _, t := range tags {
			r.Set("aws:ResourceTag/"+t.Key, t.Value)
		}
		return nil
	}
}

// Inputs shared by several IAM operations.
type (
	roleIn       struct{ RoleName string }
	userIn       struct{ UserName string }
	policyIn     struct{ PolicyArn string }
	rolePolicyIn struct{ RoleName, PolicyName string }
	userPolicyIn struct{ UserName, PolicyName string }
	roleAttachIn struct{ RoleName, PolicyArn string }
	userAttachIn struct{ UserName, PolicyArn string }
	versionIn    struct{ PolicyArn, VersionId string }
	oidcIn       struct{ OpenIDConnectProviderArn string }
	keyIn        struct{ UserName, AccessKeyId, Status string }
	listIn       struct {
		PathPrefix, Marker string
		MaxItems           int
	}
)

func (l listIn) page() iam.ListPage { return iam.ListPage{Marker: l.Marker, MaxItems: l.MaxItems} }

type xmlRoleResult struct {
	Role xmlRole `xml:"Role"`
}

type xmlUserResult struct {
	User xmlUser `xml:"User"`
}

type xmlPolicyResult struct {
	Policy xmlPolicy `xml:"Policy"`
}

type xmlVersionResult struct {
	PolicyVersion xmlVersion `xml:"PolicyVersion"`
}

type xmlInlinePolicy struct {
	RoleName       string `xml:"RoleName,omitempty"`
	UserName       string `xml:"UserName,omitempty"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

type xmlAccessKey struct {
	UserName        string `xml:"UserName"`
	AccessKeyId     string `xml:"AccessKeyId"`
	Status          string `xml:"Status"`
	SecretAccessKey string `xml:"SecretAccessKey,omitempty"`
	CreateDate      string `xml:"CreateDate"`
}

// keyOwner is the user an access-key call acts on: the one named, else
// the key's owner, else the caller.
func keyOwner(ctx context.Context, svc *iam.Service, in *keyIn) string {
	if in.UserName != "" {
		return in.UserName
	}
	if in.AccessKeyId != "" {
		if name, _ := svc.UserOfKey(ctx, in.AccessKeyId); name != "" {
			return name
		}
	}
	return caller(ctx).UserName
}

// nothing is the empty result of a call that returns no data.
func nothing(err error) (any, error) { return nil, err }

// iamOps is IAM's operation table. Each call is authorized as
// iam:<Action> on the entity it names before it runs.
func iamOps(svc *iam.Service, account, publicURL string) map[string]*op {
	methods := map[string]method{
		"CreateRole": typed(func(ctx context.Context, in *struct {
			RoleName                 string `form:",required"`
			AssumeRolePolicyDocument string `form:",required"`
			Path, Description        string
			MaxSessionDuration       int
			Tags                     []iam.Tag
			PermissionsBoundary      string
		}) (any, error) {
			r, err := svc.CreateRole(ctx, iam.CreateRoleInput{Name: in.RoleName, Path: in.Path, AssumeRolePolicy: in.AssumeRolePolicyDocument,
				Description: in.Description, MaxSessionDuration: in.MaxSessionDuration, Tags: in.Tags, PermissionsBoundary: in.PermissionsBoundary})
			if err != nil {
				return nil, err
			}
			return xmlRoleResult{toXMLRole(r)}, nil
		}),
		"GetRole": typed(func(ctx context.Context, in *roleIn) (any, error) {
			r, err := svc.GetRole(ctx, in.RoleName)
			if err != nil {
				return nil, err
			}
			x := toXMLRole(r)
			x.RoleLastUsed = &xmlRoleLastUsed{}
			if when, region := svc.RoleLastUsed(ctx, r.Name); !when.IsZero() {
				x.RoleLastUsed.LastUsedDate, x.RoleLastUsed.Region = iso(when), region
			}
			return xmlRoleResult{x}, nil
		}),
		"ListRoles": typed(func(ctx context.Context, in *listIn) (any, error) {
			roles, next, err := svc.ListRoles(ctx, in.PathPrefix, in.page())
			out := struct {
				Roles       []xmlRole `xml:"Roles>member"`
				IsTruncated bool      `xml:"IsTruncated"`
				Marker      string    `xml:"Marker,omitempty"`
			}{Roles: []xmlRole{}, IsTruncated: next != "", Marker: next}
			for _, r := range roles {
				// As AWS, listings leave out tags and the boundary.
				x := toXMLRole(r)
				x.Tags, x.PermissionsBoundary = nil, nil
				out.Roles = append(out.Roles, x)
			}
			return out, err
		}),
		"UpdateRole": typed(func(ctx context.Context, in *struct {
			RoleName           string
			Description        *string
			MaxSessionDuration int
		}) (any, error) {
			return struct{}{}, svc.UpdateRole(ctx, in.RoleName, in.Description, in.MaxSessionDuration)
		}),
		"UpdateAssumeRolePolicy": typed(func(ctx context.Context, in *struct{ RoleName, PolicyDocument string }) (any, error) {
			return nothing(svc.UpdateAssumeRolePolicy(ctx, in.RoleName, in.PolicyDocument))
		}),
		"DeleteRole": typed(func(ctx context.Context, in *roleIn) (any, error) {
			return nothing(svc.DeleteRole(ctx, in.RoleName))
		}),
		"PutRolePolicy": typed(func(ctx context.Context, in *struct {
			RoleName       string `form:",required"`
			PolicyName     string `form:",required"`
			PolicyDocument string `form:",required"`
		}) (any, error) {
			return nothing(svc.PutRolePolicy(ctx, in.RoleName, in.PolicyName, in.PolicyDocument))
		}),
		"GetRolePolicy": typed(func(ctx context.Context, in *rolePolicyIn) (any, error) {
			doc, err := svc.GetRolePolicy(ctx, in.RoleName, in.PolicyName)
			return xmlInlinePolicy{RoleName: in.RoleName, PolicyName: in.PolicyName, PolicyDocument: iam.URLEncode(doc)}, err
		}),
		"DeleteRolePolicy": typed(func(ctx context.Context, in *rolePolicyIn) (any, error) {
			return nothing(svc.DeleteRolePolicy(ctx, in.RoleName, in.PolicyName))
		}),
		"ListRolePolicies": typed(func(ctx context.Context, in *roleIn) (any, error) {
			r, err := svc.GetRole(ctx, in.RoleName)
			return namesResult(r.Inline), err
		}),
		"AttachRolePolicy": typed(func(ctx context.Context, in *roleAttachIn) (any, error) {
			return nothing(svc.AttachRolePolicy(ctx, in.RoleName, in.PolicyArn))
		}),
		"DetachRolePolicy": typed(func(ctx context.Context, in *roleAttachIn) (any, error) {
			return nothing(svc.DetachRolePolicy(ctx, in.RoleName, in.PolicyArn))
		}),
		"ListAttachedRolePolicies": typed(func(ctx context.Context, in *roleIn) (any, error) {
			r, err := svc.GetRole(ctx, in.RoleName)
			return attachedResult(ctx, svc, r.Attached), err
		}),
		"CreatePolicy": typed(func(ctx context.Context, in *struct {
			PolicyName        string `form:",required"`
			PolicyDocument    string `form:",required"`
			Path, Description string
			Tags              []iam.Tag
		}) (any, error) {
			p, err := svc.CreatePolicy(ctx, in.PolicyName, in.Path, in.Description, in.PolicyDocument, in.Tags)
			return xmlPolicyResult{toXMLPolicy(p)}, err
		}),
		"GetPolicy": typed(func(ctx context.Context, in *policyIn) (any, error) {
			p, err := svc.GetPolicy(ctx, in.PolicyArn)
			return xmlPolicyResult{toXMLPolicy(p)}, err
		}),
		"ListPolicies": typed(func(ctx context.Context, in *struct {
			listIn
			Scope        string
			OnlyAttached bool
		}) (any, error) {
			scope := in.Scope
			if scope == "" {
				scope = "All"
			}
			ps, next, err := svc.ListPolicies(ctx, scope, in.OnlyAttached, in.PathPrefix, in.page())
			out := struct {
				Policies    []xmlPolicy `xml:"Policies>member"`
				IsTruncated bool        `xml:"IsTruncated"`
				Marker      string      `xml:"Marker,omitempty"`
			}{Policies: []xmlPolicy{}, IsTruncated: next != "", Marker: next}
			for _, p := range ps {
				x := toXMLPolicy(p)
				x.Tags = nil
				out.Policies = append(out.Policies, x)
			}
			return out, err
		}),
		"CreatePolicyVersion": typed(func(ctx context.Context, in *struct {
			PolicyArn, PolicyDocument string
			SetAsDefault              bool
		}) (any, error) {
			v, err := svc.CreatePolicyVersion(ctx, in.PolicyArn, in.PolicyDocument, in.SetAsDefault)
			return xmlVersionResult{xmlVersion{VersionId: v.ID, IsDefaultVersion: in.SetAsDefault, CreateDate: iso(v.Created)}}, err
		}),
		"GetPolicyVersion": typed(func(ctx context.Context, in *versionIn) (any, error) {
			v, def, err := svc.GetPolicyVersion(ctx, in.PolicyArn, in.VersionId)
			return xmlVersionResult{xmlVersion{iam.URLEncode(v.Document), v.ID, def, iso(v.Created)}}, err
		}),
		"ListPolicyVersions": typed(func(ctx context.Context, in *policyIn) (any, error) {
			p, err := svc.GetPolicy(ctx, in.PolicyArn)
			out := struct {
				Versions    []xmlVersion `xml:"Versions>member"`
				IsTruncated bool         `xml:"IsTruncated"`
			}{Versions: []xmlVersion{}}
			for _, v := range p.Versions {
				out.Versions = append(out.Versions, xmlVersion{VersionId: v.ID, IsDefaultVersion: v.ID == p.DefaultVersion, CreateDate: iso(v.Created)})
			}
			return out, err
		}),
		"SetDefaultPolicyVersion": typed(func(ctx context.Context, in *versionIn) (any, error) {
			return nothing(svc.SetDefaultPolicyVersion(ctx, in.PolicyArn, in.VersionId))
		}),
		"DeletePolicyVersion": typed(func(ctx context.Context, in *versionIn) (any, error) {
			return nothing(svc.DeletePolicyVersion(ctx, in.PolicyArn, in.VersionId))
		}),
		"DeletePolicy": typed(func(ctx context.Context, in *policyIn) (any, error) {
			return nothing(svc.DeletePolicy(ctx, in.PolicyArn))
		}),
		"CreateUser": typed(func(ctx context.Context, in *struct {
			UserName            string `form:",required"`
			Path                string
			Tags                []iam.Tag
			PermissionsBoundary string
		}) (any, error) {
			u, err := svc.CreateUser(ctx, in.UserName, in.Path, in.Tags)
			if err == nil && in.PermissionsBoundary != "" {
				if err = svc.PutUserPermissionsBoundary(ctx, in.UserName, in.PermissionsBoundary); err != nil {
					svc.DeleteUser(ctx, in.UserName)
					return nil, err
				}
				u.Boundary = in.PermissionsBoundary
			}
			return xmlUserResult{toXMLUser(u)}, err
		}),
		"PutUserPermissionsBoundary": typed(func(ctx context.Context, in *struct {
			UserName            string `form:",required"`
			PermissionsBoundary string `form:",required"`
		}) (any, error) {
			return nothing(svc.PutUserPermissionsBoundary(ctx, in.UserName, in.PermissionsBoundary))
		}),
		"DeleteUserPermissionsBoundary": typed(func(ctx context.Context, in *userIn) (any, error) {
			return nothing(svc.DeleteUserPermissionsBoundary(ctx, in.UserName))
		}),
		"PutRolePermissionsBoundary": typed(func(ctx context.Context, in *struct {
			RoleName            string `form:",required"`
			PermissionsBoundary string `form:",required"`
		}) (any, error) {
			return nothing(svc.PutRolePermissionsBoundary(ctx, in.RoleName, in.PermissionsBoundary))
		}),
		"DeleteRolePermissionsBoundary": typed(func(ctx context.Context, in *roleIn) (any, error) {
			return nothing(svc.DeleteRolePermissionsBoundary(ctx, in.RoleName))
		}),
		"GetUser": typed(func(ctx context.Context, in *userIn) (any, error) {
			name := in.UserName
			if name == "" {
				p := caller(ctx)
				switch {
				case p.Kind == auth.Root:
					// The root user: its account id and ARN, no name or path.
					return struct {
						User struct {
							UserId     string `xml:"UserId"`
							Arn        string `xml:"Arn"`
							CreateDate string `xml:"CreateDate"`
						} `xml:"User"`
					}{struct {
						UserId     string `xml:"UserId"`
						Arn        string `xml:"Arn"`
						CreateDate string `xml:"CreateDate"`
					}{p.Account, p.ARN, iso(rootCreated)}}, nil
				case p.Kind != auth.User:
					return nil, awserr.New(400, "ValidationError", "Must specify userName when calling with non-User credentials")
				}
				name = p.UserName
			}
			u, err := svc.GetUser(ctx, name)
			x := toXMLUser(u)
			if lp, lerr := svc.GetLoginProfile(ctx, u.Name); err == nil && lerr == nil && !lp.LastUsed.IsZero() {
				x.PasswordLastUsed = iso(lp.LastUsed) // the last console sign-in
			}
			return xmlUserResult{x}, err
		}),
		"ListUsers": typed(func(ctx context.Context, in *listIn) (any, error) {
			users, next, err := svc.ListUsers(ctx, in.PathPrefix, in.page())
			out := struct {
				Users       []xmlUser `xml:"Users>member"`
				IsTruncated bool      `xml:"IsTruncated"`
				Marker      string    `xml:"Marker,omitempty"`
			}{Users: []xmlUser{}, IsTruncated: next != "", Marker: next}
			for _, u := range users {
				x := toXMLUser(u)
				x.Tags, x.PermissionsBoundary = nil, nil
				out.Users = append(out.Users, x)
			}
			return out, err
		}),
		"DeleteUser": typed(func(ctx context.Context, in *userIn) (any, error) {
			return nothing(svc.DeleteUser(ctx, in.UserName))
		}),
		"CreateAccessKey": typed(func(ctx context.Context, in *userIn) (any, error) {
			name := in.UserName
			if name == "" {
				name = caller(ctx).UserName
			}
			k, err := svc.CreateAccessKey(ctx, name)
			return struct {
				AccessKey xmlAccessKey `xml:"AccessKey"`
			}{xmlAccessKey{k.UserName, k.ID, k.Status, k.Secret, iso(k.Created)}}, err
		}),
		"ListAccessKeys": typed(func(ctx context.Context, in *userIn) (any, error) {
			name := in.UserName
			if name == "" {
				name = caller(ctx).UserName
			}
			keys, uname, err := svc.ListAccessKeys(ctx, name)
			out := struct {
				AccessKeyMetadata []xmlAccessKey `xml:"AccessKeyMetadata>member"`
				IsTruncated       bool           `xml:"IsTruncated"`
			}{AccessKeyMetadata: []xmlAccessKey{}}
			for _, k := range keys {
				out.AccessKeyMetadata = append(out.AccessKeyMetadata, xmlAccessKey{UserName: uname, AccessKeyId: k.ID, Status: k.Status, CreateDate: iso(k.Created)})
			}
			return out, err
		}),
		"UpdateAccessKey": typed(func(ctx context.Context, in *keyIn) (any, error) {
			return nothing(svc.UpdateAccessKey(ctx, keyOwner(ctx, svc, in), in.AccessKeyId, in.Status))
		}),
		"DeleteAccessKey": typed(func(ctx context.Context, in *keyIn) (any, error) {
			return nothing(svc.DeleteAccessKey(ctx, keyOwner(ctx, svc, in), in.AccessKeyId))
		}),
		"PutUserPolicy": typed(func(ctx context.Context, in *struct {
			UserName       string `form:",required"`
			PolicyName     string `form:",required"`
			PolicyDocument string `form:",required"`
		}) (any, error) {
			return nothing(svc.PutUserPolicy(ctx, in.UserName, in.PolicyName, in.PolicyDocument))
		}),
		"GetUserPolicy": typed(func(ctx context.Context, in *userPolicyIn) (any, error) {
			doc, err := svc.GetUserPolicy(ctx, in.UserName, in.PolicyName)
			return xmlInlinePolicy{UserName: in.UserName, PolicyName: in.PolicyName, PolicyDocument: iam.URLEncode(doc)}, err
		}),
		"DeleteUserPolicy": typed(func(ctx context.Context, in *userPolicyIn) (any, error) {
			return nothing(svc.DeleteUserPolicy(ctx, in.UserName, in.PolicyName))
		}),
		"ListUserPolicies": typed(func(ctx context.Context, in *userIn) (any, error) {
			u, err := svc.GetUser(ctx, in.UserName)
			return namesResult(u.Inline), err
		}),
		"AttachUserPolicy": typed(func(ctx context.Context, in *userAttachIn) (any, error) {
			return nothing(svc.AttachUserPolicy(ctx, in.UserName, in.PolicyArn))
		}),
		"DetachUserPolicy": typed(func(ctx context.Context, in *userAttachIn) (any, error) {
			return nothing(svc.DetachUserPolicy(ctx, in.UserName, in.PolicyArn))
		}),
		"SimulatePrincipalPolicy": typed(func(ctx context.Context, in *simIn) (any, error) {
			if in.PolicySourceArn == "" {
				return nil, awserr.New(400, "ValidationError", "1 validation error detected: Value null at 'policySourceArn' failed to satisfy constraint: Member must not be null")
			}
			ids, boundary, err := svc.PrincipalPolicies(ctx, in.PolicySourceArn)
			if err != nil {
				return nil, err
			}
			caller := in.CallerArn
			if caller == "" {
				caller = in.PolicySourceArn
			}
			return simulate(svc, account, in, ids, boundary, caller)
		}),
		"SimulateCustomPolicy": typed(func(ctx context.Context, in *simIn) (any, error) {
			if len(in.PolicyInputList) == 0 {
				return nil, awserr.New(400, "ValidationError", "1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null")
			}
			var ids, boundary []iam.SimPolicy
			for i, d := range in.PolicyInputList {
				doc, err := svc.Compile(d, policy.Identity)
				if err != nil {
					return nil, awserr.New(400, "MalformedPolicyDocument", err.Error())
				}
				ids = append(ids, iam.SimPolicy{ID: "PolicyInputList." + strconv.Itoa(i+1), Type: "none", Doc: doc})
			}
			for i, d := range in.PermissionsBoundaryPolicyInputList {
				doc, err := svc.Compile(d, policy.Identity)
				if err != nil {
					return nil, awserr.New(400, "MalformedPolicyDocument", err.Error())
				}
				boundary = append(boundary, iam.SimPolicy{ID: "PermissionsBoundaryPolicyInputList." + strconv.Itoa(i+1), Type: "none", Doc: doc})
			}
			return simulate(svc, account, in, ids, boundary, in.CallerArn)
		}),
		"GetContextKeysForPrincipalPolicy": typed(func(ctx context.Context, in *simIn) (any, error) {
			ids, boundary, err := svc.PrincipalPolicies(ctx, in.PolicySourceArn)
			if err != nil {
				return nil, err
			}
			for _, d := range in.PolicyInputList {
				if doc, err := svc.Compile(d, policy.Identity); err == nil {
					ids = append(ids, iam.SimPolicy{Doc: doc})
				}
			}
			return contextKeys(append(ids, boundary...)), nil
		}),
		"GetContextKeysForCustomPolicy": typed(func(ctx context.Context, in *simIn) (any, error) {
			var ids []iam.SimPolicy
			for _, d := range in.PolicyInputList {
				doc, err := svc.Compile(d, policy.Identity)
				if err != nil {
					return nil, awserr.New(400, "MalformedPolicyDocument", err.Error())
				}
				ids = append(ids, iam.SimPolicy{Doc: doc})
			}
			return contextKeys(ids), nil
		}),
		"GetAccountAuthorizationDetails": typed(func(ctx context.Context, in *struct{ Filter []string }) (any, error) {
			return authorizationDetails(ctx, svc, in.Filter)
		}),
		"CreateVirtualMFADevice": typed(func(ctx context.Context, in *struct {
			VirtualMFADeviceName string `form:",required"`
			Path                 string
		}) (any, error) {
			d, seed, err := svc.CreateVirtualMFADevice(ctx, in.VirtualMFADeviceName, in.Path)
			if err != nil {
				return nil, err
			}
			return struct {
				VirtualMFADevice struct {
					SerialNumber     string `xml:"SerialNumber"`
					Base32StringSeed string `xml:"Base32StringSeed"`
				} `xml:"VirtualMFADevice"`
			}{struct {
				SerialNumber     string `xml:"SerialNumber"`
				Base32StringSeed string `xml:"Base32StringSeed"`
			}{d.Serial, base64.StdEncoding.EncodeToString([]byte(seed))}}, nil
		}),
		"EnableMFADevice": typed(func(ctx context.Context, in *struct {
			UserName, SerialNumber, AuthenticationCode1, AuthenticationCode2 string
		}) (any, error) {
			return nothing(svc.EnableMFADevice(ctx, in.UserName, in.SerialNumber, in.AuthenticationCode1, in.AuthenticationCode2))
		}),
		"DeactivateMFADevice": typed(func(ctx context.Context, in *struct{ UserName, SerialNumber string }) (any, error) {
			name := in.UserName
			if name == "" {
				name = caller(ctx).UserName
			}
			return nothing(svc.DeactivateMFADevice(ctx, name, in.SerialNumber))
		}),
		"DeleteVirtualMFADevice": typed(func(ctx context.Context, in *struct{ SerialNumber string }) (any, error) {
			return nothing(svc.DeleteVirtualMFADevice(ctx, in.SerialNumber))
		}),
		"ListMFADevices": typed(func(ctx context.Context, in *userIn) (any, error) {
			name := in.UserName
			if name == "" {
				name = caller(ctx).UserName
			}
			ds, err := svc.MFADevices(ctx, name)
			type dev struct {
				UserName     string `xml:"UserName"`
				SerialNumber string `xml:"SerialNumber"`
				EnableDate   string `xml:"EnableDate"`
			}
			out := struct {
				MFADevices  []dev `xml:"MFADevices>member"`
				IsTruncated bool  `xml:"IsTruncated"`
			}{MFADevices: []dev{}}
			for _, d := range ds {
				out.MFADevices = append(out.MFADevices, dev{d.User, d.Serial, iso(d.Enabled)})
			}
			return out, err
		}),
		"ListVirtualMFADevices": typed(func(ctx context.Context, in *struct{ AssignmentStatus string }) (any, error) {
			ds, err := svc.MFADevices(ctx, "")
			type dev struct {
				SerialNumber string `xml:"SerialNumber"`
				EnableDate   string `xml:"EnableDate,omitempty"`
			}
			out := struct {
				VirtualMFADevices []dev `xml:"VirtualMFADevices>member"`
				IsTruncated       bool  `xml:"IsTruncated"`
			}{VirtualMFADevices: []dev{}}
			for _, d := range ds {
				assigned := d.User != ""
				if in.AssignmentStatus == "Assigned" && !assigned || in.AssignmentStatus == "Unassigned" && assigned {
					continue
				}
				x := dev{SerialNumber: d.Serial}
				if assigned {
					x.EnableDate = iso(d.Enabled)
				}
				out.VirtualMFADevices = append(out.VirtualMFADevices, x)
			}
			return out, err
		}),
		"CreateInstanceProfile": typed(func(ctx context.Context, in *struct {
			InstanceProfileName string `form:",required"`
			Path                string
			Tags                []iam.Tag
		}) (any, error) {
			p, err := svc.CreateInstanceProfile(ctx, in.InstanceProfileName, in.Path, in.Tags)
			if err != nil {
				return nil, err
			}
			return struct {
				InstanceProfile xmlProfile `xml:"InstanceProfile"`
			}{toXMLProfile(ctx, svc, p)}, nil
		}),
		"GetInstanceProfile": typed(func(ctx context.Context, in *profileIn) (any, error) {
			p, err := svc.GetInstanceProfile(ctx, in.InstanceProfileName)
			if err != nil {
				return nil, err
			}
			return struct {
				InstanceProfile xmlProfile `xml:"InstanceProfile"`
			}{toXMLProfile(ctx, svc, p)}, nil
		}),
		"ListInstanceProfiles": typed(func(ctx context.Context, in *listIn) (any, error) {
			ps, err := svc.ListInstanceProfiles(ctx, in.PathPrefix, "")
			return profilesResult(ctx, svc, ps), err
		}),
		"ListInstanceProfilesForRole": typed(func(ctx context.Context, in *roleIn) (any, error) {
			ps, err := svc.ListInstanceProfiles(ctx, "", in.RoleName)
			return profilesResult(ctx, svc, ps), err
		}),
		"DeleteInstanceProfile": typed(func(ctx context.Context, in *profileIn) (any, error) {
			return nothing(svc.DeleteInstanceProfile(ctx, in.InstanceProfileName))
		}),
		"AddRoleToInstanceProfile": typed(func(ctx context.Context, in *profileRoleIn) (any, error) {
			return nothing(svc.AddRoleToInstanceProfile(ctx, in.InstanceProfileName, in.RoleName))
		}),
		"RemoveRoleFromInstanceProfile": typed(func(ctx context.Context, in *profileRoleIn) (any, error) {
			return nothing(svc.RemoveRoleFromInstanceProfile(ctx, in.InstanceProfileName, in.RoleName))
		}),
		"CreateLoginProfile": typed(func(ctx context.Context, in *struct {
			UserName              string `form:",required"`
			Password              string `form:",required"`
			PasswordResetRequired bool
		}) (any, error) {
			lp, err := svc.CreateLoginProfile(ctx, in.UserName, in.Password, in.PasswordResetRequired)
			return loginProfileResult(lp), err
		}),
		"GetLoginProfile": typed(func(ctx context.Context, in *userIn) (any, error) {
			lp, err := svc.GetLoginProfile(ctx, in.UserName)
			return loginProfileResult(lp), err
		}),
		"UpdateLoginProfile": typed(func(ctx context.Context, in *struct {
			UserName              string `form:",required"`
			Password              string
			PasswordResetRequired *string
		}) (any, error) {
			var reset *bool
			if in.PasswordResetRequired != nil {
				b := *in.PasswordResetRequired == "true"
				reset = &b
			}
			return nothing(svc.UpdateLoginProfile(ctx, in.UserName, in.Password, reset))
		}),
		"DeleteLoginProfile": typed(func(ctx context.Context, in *userIn) (any, error) {
			return nothing(svc.DeleteLoginProfile(ctx, in.UserName))
		}),
		"UpdateAccountPasswordPolicy": typed(func(ctx context.Context, in *struct {
			MinimumPasswordLength, MaxPasswordAge, PasswordReusePrevention                         int
			RequireSymbols, RequireNumbers, RequireUppercaseCharacters, RequireLowercaseCharacters bool
			AllowUsersToChangePassword, HardExpiry                                                 bool
		}) (any, error) {
			return nothing(svc.UpdatePasswordPolicy(ctx, iam.PasswordPolicy{MinimumPasswordLength: in.MinimumPasswordLength, MaxPasswordAge: in.MaxPasswordAge,
				PasswordReusePrevention: in.PasswordReusePrevention, RequireSymbols: in.RequireSymbols, RequireNumbers: in.RequireNumbers,
				RequireUppercaseCharacters: in.RequireUppercaseCharacters, RequireLowercaseCharacters: in.RequireLowercaseCharacters,
				AllowUsersToChangePassword: in.AllowUsersToChangePassword, HardExpiry: in.HardExpiry}))
		}),
		"GetAccountPasswordPolicy": typed(func(ctx context.Context, _ *struct{}) (any, error) {
			p, err := svc.GetPasswordPolicy(ctx)
			if err != nil {
				return nil, err
			}
			type pp struct {
				MinimumPasswordLength      int  `xml:"MinimumPasswordLength"`
				RequireSymbols             bool `xml:"RequireSymbols"`
				RequireNumbers             bool `xml:"RequireNumbers"`
				RequireUppercaseCharacters bool `xml:"RequireUppercaseCharacters"`
				RequireLowercaseCharacters bool `xml:"RequireLowercaseCharacters"`
				AllowUsersToChangePassword bool `xml:"AllowUsersToChangePassword"`
				ExpirePasswords            bool `xml:"ExpirePasswords"`
				MaxPasswordAge             int  `xml:"MaxPasswordAge,omitempty"`
				PasswordReusePrevention    int  `xml:"PasswordReusePrevention,omitempty"`
				HardExpiry                 bool `xml:"HardExpiry"`
			}
			return struct {
				PasswordPolicy pp `xml:"PasswordPolicy"`
			}{pp{p.MinimumPasswordLength, p.RequireSymbols, p.RequireNumbers, p.RequireUppercaseCharacters, p.RequireLowercaseCharacters,
				p.AllowUsersToChangePassword, p.ExpirePasswords, p.MaxPasswordAge, p.PasswordReusePrevention, p.HardExpiry}}, nil
		}),
		"DeleteAccountPasswordPolicy": typed(func(ctx context.Context, _ *struct{}) (any, error) {
			return nothing(svc.DeletePasswordPolicy(ctx))
		}),
		"UpdateUser": typed(func(ctx context.Context, in *struct {
			UserName             string `form:",required"`
			NewUserName, NewPath string
		}) (any, error) {
			return nothing(svc.UpdateUser(ctx, in.UserName, in.NewUserName, in.NewPath))
		}),
		"AddClientIDToOpenIDConnectProvider": typed(func(ctx context.Context, in *struct {
			OpenIDConnectProviderArn string `form:",required"`
			ClientID                 string `form:",required"`
		}) (any, error) {
			return nothing(svc.AddClientIDToOpenIDConnectProvider(ctx, in.OpenIDConnectProviderArn, in.ClientID))
		}),
		"RemoveClientIDFromOpenIDConnectProvider": typed(func(ctx context.Context, in *struct {
			OpenIDConnectProviderArn string `form:",required"`
			ClientID                 string `form:",required"`
		}) (any, error) {
			return nothing(svc.RemoveClientIDFromOpenIDConnectProvider(ctx, in.OpenIDConnectProviderArn, in.ClientID))
		}),
		"UpdateOpenIDConnectProviderThumbprint": typed(func(ctx context.Context, in *struct {
			OpenIDConnectProviderArn string `form:",required"`
			ThumbprintList           []string
		}) (any, error) {
			return nothing(svc.UpdateOpenIDConnectProviderThumbprint(ctx, in.OpenIDConnectProviderArn, in.ThumbprintList))
		}),
		"CreateAccountAlias": typed(func(ctx context.Context, in *struct {
			AccountAlias string `form:",required"`
		}) (any, error) {
			return nothing(svc.CreateAccountAlias(ctx, in.AccountAlias))
		}),
		"DeleteAccountAlias": typed(func(ctx context.Context, in *struct {
			AccountAlias string `form:",required"`
		}) (any, error) {
			return nothing(svc.DeleteAccountAlias(ctx, in.AccountAlias))
		}),
		"ListAccountAliases": typed(func(ctx context.Context, _ *struct{}) (any, error) {
			a, err := svc.AccountAliases(ctx)
			return struct {
				AccountAliases []string `xml:"AccountAliases>member"`
				IsTruncated    bool     `xml:"IsTruncated"`
			}{AccountAliases: a}, err
		}),
		"GetAccountSummary": typed(func(ctx context.Context, _ *struct{}) (any, error) {
			m, err := svc.AccountSummary(ctx)
			type entry struct {
				Key   string `xml:"key"`
				Value int    `xml:"value"`
			}
			out := struct {
				SummaryMap []entry `xml:"SummaryMap>entry"`
			}{}
			for _, k := range slices.Sorted(maps.Keys(m)) {
				out.SummaryMap = append(out.SummaryMap, entry{k, m[k]})
			}
			return out, err
		}),
		"ListEntitiesForPolicy": typed(func(ctx context.Context, in *policyIn) (any, error) {
			users, groups, roles, err := svc.PolicyEntities(ctx, in.PolicyArn)
			type u struct {
				UserName string `xml:"UserName"`
				UserId   string `xml:"UserId"`
			}
			type g struct {
				GroupName string `xml:"GroupName"`
				GroupId   string `xml:"GroupId"`
			}
			type r struct {
				RoleName string `xml:"RoleName"`
				RoleId   string `xml:"RoleId"`
			}
			out := struct {
				PolicyUsers  []u  `xml:"PolicyUsers>member"`
				PolicyGroups []g  `xml:"PolicyGroups>member"`
				PolicyRoles  []r  `xml:"PolicyRoles>member"`
				IsTruncated  bool `xml:"IsTruncated"`
			}{PolicyUsers: []u{}, PolicyGroups: []g{}, PolicyRoles: []r{}}
			for _, x := range users {
				out.PolicyUsers = append(out.PolicyUsers, u{x.Name, x.ID})
			}
			for _, x := range groups {
				out.PolicyGroups = append(out.PolicyGroups, g{x.Name, x.ID})
			}
			for _, x := range roles {
				out.PolicyRoles = append(out.PolicyRoles, r{x.Name, x.ID})
			}
			return out, err
		}),
		"GetAccessKeyLastUsed": typed(func(ctx context.Context, in *struct {
			AccessKeyId string `form:",required"`
		}) (any, error) {
			user, use, err := svc.AccessKeyLastUsed(ctx, in.AccessKeyId)
			type last struct {
				LastUsedDate string `xml:"LastUsedDate,omitempty"`
				ServiceName  string `xml:"ServiceName"`
				Region       string `xml:"Region"`
			}
			l := last{ServiceName: "N/A", Region: "N/A"}
			if !use.When.IsZero() {
				l = last{iso(use.When), use.Service, use.Region}
			}
			return struct {
				UserName          string `xml:"UserName"`
				AccessKeyLastUsed last   `xml:"AccessKeyLastUsed"`
			}{user, l}, err
		}),
		"CreateGroup": typed(func(ctx context.Context, in *struct {
			GroupName string `form:",required"`
			Path      string
		}) (any, error) {
			g, err := svc.CreateGroup(ctx, in.GroupName, in.Path)
			return struct {
				Group xmlGroup `xml:"Group"`
			}{toXMLGroup(g)}, err
		}),
		"GetGroup": typed(func(ctx context.Context, in *groupIn) (any, error) {
			g, err := svc.GetGroup(ctx, in.GroupName)
			if err != nil {
				return nil, err
			}
			users, err := svc.GroupUsers(ctx, g)
			out := struct {
				Group       xmlGroup  `xml:"Group"`
				Users       []xmlUser `xml:"Users>member"`
				IsTruncated bool      `xml:"IsTruncated"`
			}{Group: toXMLGroup(g), Users: []xmlUser{}}
			for _, u := range users {
				out.Users = append(out.Users, toXMLUser(u))
			}
			return out, err
		}),
		"ListGroups": typed(func(ctx context.Context, in *listIn) (any, error) {
			gs, next, err := svc.ListGroups(ctx, in.PathPrefix, in.page())
			return groupsResult(gs, next), err
		}),
		"UpdateGroup": typed(func(ctx context.Context, in *struct {
			GroupName             string `form:",required"`
			NewGroupName, NewPath string
		}) (any, error) {
			return nothing(svc.UpdateGroup(ctx, in.GroupName, in.NewGroupName, in.NewPath))
		}),
		"DeleteGroup": typed(func(ctx context.Context, in *groupIn) (any, error) {
			return nothing(svc.DeleteGroup(ctx, in.GroupName))
		}),
		"AddUserToGroup": typed(func(ctx context.Context, in *groupUserIn) (any, error) {
			return nothing(svc.AddUserToGroup(ctx, in.GroupName, in.UserName))
		}),
		"RemoveUserFromGroup": typed(func(ctx context.Context, in *groupUserIn) (any, error) {
			return nothing(svc.RemoveUserFromGroup(ctx, in.GroupName, in.UserName))
		}),
		"ListGroupsForUser": typed(func(ctx context.Context, in *userIn) (any, error) {
			gs, err := svc.GroupsForUser(ctx, in.UserName)
			return groupsResult(gs, ""), err
		}),
		"PutGroupPolicy": typed(func(ctx context.Context, in *struct {
			GroupName      string `form:",required"`
			PolicyName     string `form:",required"`
			PolicyDocument string `form:",required"`
		}) (any, error) {
			return nothing(svc.PutGroupPolicy(ctx, in.GroupName, in.PolicyName, in.PolicyDocument))
		}),
		"GetGroupPolicy": typed(func(ctx context.Context, in *struct {
			GroupName  string `form:",required"`
			PolicyName string `form:",required"`
		}) (any, error) {
			doc, err := svc.GetGroupPolicy(ctx, in.GroupName, in.PolicyName)
			return struct {
				GroupName      string `xml:"GroupName"`
				PolicyName     string `xml:"PolicyName"`
				PolicyDocument string `xml:"PolicyDocument"`
			}{in.GroupName, in.PolicyName, iam.URLEncode(doc)}, err
		}),
		"DeleteGroupPolicy": typed(func(ctx context.Context, in *struct {
			GroupName  string `form:",required"`
			PolicyName string `form:",required"`
		}) (any, error) {
			return nothing(svc.DeleteGroupPolicy(ctx, in.GroupName, in.PolicyName))
		}),
		"ListGroupPolicies": typed(func(ctx context.Context, in *groupIn) (any, error) {
			g, err := svc.GetGroup(ctx, in.GroupName)
			return namesResult(g.Inline), err
		}),
		"AttachGroupPolicy": typed(func(ctx context.Context, in *groupAttachIn) (any, error) {
			return nothing(svc.AttachGroupPolicy(ctx, in.GroupName, in.PolicyArn))
		}),
		"DetachGroupPolicy": typed(func(ctx context.Context, in *groupAttachIn) (any, error) {
			return nothing(svc.DetachGroupPolicy(ctx, in.GroupName, in.PolicyArn))
		}),
		"ListAttachedGroupPolicies": typed(func(ctx context.Context, in *groupIn) (any, error) {
			g, err := svc.GetGroup(ctx, in.GroupName)
			return attachedResult(ctx, svc, g.Attached), err
		}),
		"ListAttachedUserPolicies": typed(func(ctx context.Context, in *userIn) (any, error) {
			u, err := svc.GetUser(ctx, in.UserName)
			return attachedResult(ctx, svc, u.Attached), err
		}),
		"CreateOpenIDConnectProvider": typed(func(ctx context.Context, in *struct {
			Url                          string
			ClientIDList, ThumbprintList []string
			Tags                         []iam.Tag
		}) (any, error) {
			p, err := svc.CreateOpenIDConnectProvider(ctx, in.Url, in.ClientIDList, in.ThumbprintList, in.Tags)
			return struct {
				OpenIDConnectProviderArn string `xml:"OpenIDConnectProviderArn"`
			}{p.ARN}, err
		}),
		"GetOpenIDConnectProvider": typed(func(ctx context.Context, in *oidcIn) (any, error) {
			p, err := svc.GetOpenIDConnectProvider(ctx, in.OpenIDConnectProviderArn)
			return struct {
				Url            string   `xml:"Url"`
				ClientIDList   []string `xml:"ClientIDList>member"`
				ThumbprintList []string `xml:"ThumbprintList>member"`
				CreateDate     string   `xml:"CreateDate"`
			}{p.URL, p.ClientIDs, p.Thumbprints, iso(p.Created)}, err
		}),
		"ListOpenIDConnectProviders": typed(func(ctx context.Context, _ *struct{}) (any, error) {
			ps, err := svc.ListOpenIDConnectProviders(ctx)
			type entry struct {
				Arn string `xml:"Arn"`
			}
			out := struct {
				List []entry `xml:"OpenIDConnectProviderList>member"`
			}{List: []entry{}}
			for _, p := range ps {
				out.List = append(out.List, entry{p.ARN})
			}
			return out, err
		}),
		"DeleteOpenIDConnectProvider": typed(func(ctx context.Context, in *oidcIn) (any, error) {
			return nothing(svc.DeleteOpenIDConnectProvider(ctx, in.OpenIDConnectProviderArn))
		}),
	}
	ops := map[string]*op{}
	maps.Copy(methods, iamMoreMethods(svc))
	maps.Copy(methods, iamTagMethods(svc))
	rows(ops, methods, false, "iam:", iamResource(account), iamKeys(svc))
	ops["ChangePassword"] = changePasswordOp(svc)
	outboundOps(ops, svc, account, publicURL)
	return ops
}

// issuerURL is the issuer of an account's outbound tokens, whose
// discovery endpoints the server publishes.
func issuerURL(publicURL, id string) string {
	return strings.TrimSuffix(publicURL, "/") + "/_sekisho/tokens/" + id
}

// outboundOps are IAM's outbound identity federation switches.
func outboundOps(ops map[string]*op, svc *iam.Service, account, publicURL string) {
	methods := map[string]method{
		"EnableOutboundWebIdentityFederation": typed(func(ctx context.Context, _ *struct{}) (any, error) {
			id, err := svc.EnableOutboundFederation(ctx)
			return struct {
				IssuerIdentifier string `xml:"IssuerIdentifier"`
			}{issuerURL(publicURL, id)}, err
		}),
		"DisableOutboundWebIdentityFederation": typed(func(ctx context.Context, _ *struct{}) (any, error) {
			return nothing(svc.DisableOutboundFederation(ctx))
		}),
		"GetOutboundWebIdentityFederationInfo": typed(func(ctx context.Context, _ *struct{}) (any, error) {
			id, on, err := svc.OutboundFederation(ctx)
			return struct {
				IssuerIdentifier  string `xml:"IssuerIdentifier"`
				JwtVendingEnabled bool   `xml:"JwtVendingEnabled"`
			}{issuerURL(publicURL, id), on}, err
		}),
	}
	rows(ops, methods, false, "iam:", iamResource(account), nil)
}

// changePasswordOp is an IAM user changing their own password: allowed by
// iam:ChangePassword on themselves, or by the account's password policy
// (AllowUsersToChangePassword), which counts as a grant to the user that
// explicit denies still override.
func changePasswordOp(svc *iam.Service) *op {
	self := func(c *apiCall) string {
		if c.p.Kind == auth.User && c.p.UserName != "" {
			return c.p.ARN
		}
		return "*"
	}
	return &op{Action: "iam:ChangePassword", Resource: self,
		Grant: func(c *apiCall) *policy.Document {
			pp, err := svc.GetPasswordPolicy(c.r.Context())
			if err != nil || !pp.AllowUsersToChangePassword || self(c) == "*" {
				return nil
			}
			arn, _ := json.Marshal(c.p.ARN)
			d, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":`+string(arn)+`},"Action":"iam:ChangePassword","Resource":`+string(arn)+`}]}`), policy.Resource)
			if err != nil {
				return nil
			}
			return d
		},
		Method: typed(func(ctx context.Context, in *struct {
			OldPassword string `form:",required"`
			NewPassword string `form:",required"`
		}) (any, error) {
			p := caller(ctx)
			if p.Kind != auth.User || p.UserName == "" {
				return nil, awserr.New(400, "InvalidUserType", "Only an IAM user can change their own password; the root user and roles have none here.")
			}
			return nothing(svc.ChangePassword(ctx, p.UserName, in.OldPassword, in.NewPassword))
		})}
}

type profileIn struct {
	InstanceProfileName string `form:",required"`
}

type profileRoleIn struct {
	InstanceProfileName string `form:",required"`
	RoleName            string `form:",required"`
}

type xmlProfile struct {
	Path                string    `xml:"Path"`
	InstanceProfileName string    `xml:"InstanceProfileName"`
	InstanceProfileId   string    `xml:"InstanceProfileId"`
	Arn                 string    `xml:"Arn"`
	CreateDate          string    `xml:"CreateDate"`
	Roles               []xmlRole `xml:"Roles>member"`
	Tags                *xmlTags  `xml:"Tags,omitempty"`
}

func toXMLProfile(ctx context.Context, svc *iam.Service, p iam.InstanceProfile) xmlProfile {
	out := xmlProfile{p.Path, p.Name, p.ID, p.ARN, iso(p.Created), []xmlRole{}, tagList(p.Tags)}
	for _, rn := range p.Roles {
		if r, err := svc.GetRole(ctx, rn); err == nil {
			out.Roles = append(out.Roles, toXMLRole(r))
		}
	}
	return out
}

func profilesResult(ctx context.Context, svc *iam.Service, ps []iam.InstanceProfile) any {
	out := struct {
		InstanceProfiles []xmlProfile `xml:"InstanceProfiles>member"`
		IsTruncated      bool         `xml:"IsTruncated"`
	}{InstanceProfiles: []xmlProfile{}}
	for _, p := range ps {
		out.InstanceProfiles = append(out.InstanceProfiles, toXMLProfile(ctx, svc, p))
	}
	return out
}

func loginProfileResult(lp iam.LoginProfile) any {
	return struct {
		LoginProfile struct {
			UserName              string `xml:"UserName"`
			CreateDate            string `xml:"CreateDate"`
			PasswordResetRequired bool   `xml:"PasswordResetRequired"`
		} `xml:"LoginProfile"`
	}{struct {
		UserName              string `xml:"UserName"`
		CreateDate            string `xml:"CreateDate"`
		PasswordResetRequired bool   `xml:"PasswordResetRequired"`
	}{lp.User, iso(lp.Created), lp.ResetRequired}}
}

type inlineDetail struct {
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

func inlineDetails(m map[string]string) []inlineDetail {
	out := []inlineDetail{}
	for _, n := range slices.Sorted(maps.Keys(m)) {
		out = append(out, inlineDetail{n, iam.URLEncode(m[n])})
	}
	return out
}

func attachedList(ctx context.Context, svc *iam.Service, arns []string) []attached {
	out := []attached{}
	for _, a := range arns {
		name := a[strings.LastIndexByte(a, '/')+1:]
		if p, err := svc.GetPolicy(ctx, a); err == nil {
			name = p.Name
		}
		out = append(out, attached{name, a})
	}
	return out
}

// authorizationDetails is GetAccountAuthorizationDetails: users, groups,
// roles and managed policies with every policy they hold.
func authorizationDetails(ctx context.Context, svc *iam.Service, filter []string) (any, error) {
	want := func(k string) bool { return len(filter) == 0 || slices.Contains(filter, k) }
	type userDetail struct {
		Path                    string         `xml:"Path"`
		UserName                string         `xml:"UserName"`
		UserId                  string         `xml:"UserId"`
		Arn                     string         `xml:"Arn"`
		CreateDate              string         `xml:"CreateDate"`
		UserPolicyList          []inlineDetail `xml:"UserPolicyList>member"`
		GroupList               []string       `xml:"GroupList>member"`
		AttachedManagedPolicies []attached     `xml:"AttachedManagedPolicies>member"`
		PermissionsBoundary     *xmlBoundary   `xml:"PermissionsBoundary,omitempty"`
		Tags                    *xmlTags       `xml:"Tags,omitempty"`
	}
	type groupDetail struct {
		Path                    string         `xml:"Path"`
		GroupName               string         `xml:"GroupName"`
		GroupId                 string         `xml:"GroupId"`
		Arn                     string         `xml:"Arn"`
		CreateDate              string         `xml:"CreateDate"`
		GroupPolicyList         []inlineDetail `xml:"GroupPolicyList>member"`
		AttachedManagedPolicies []attached     `xml:"AttachedManagedPolicies>member"`
	}
	type roleDetail struct {
		Path                     string         `xml:"Path"`
		RoleName                 string         `xml:"RoleName"`
		RoleId                   string         `xml:"RoleId"`
		Arn                      string         `xml:"Arn"`
		CreateDate               string         `xml:"CreateDate"`
		AssumeRolePolicyDocument string         `xml:"AssumeRolePolicyDocument"`
		InstanceProfileList      []xmlProfile   `xml:"InstanceProfileList>member"`
		RolePolicyList           []inlineDetail `xml:"RolePolicyList>member"`
		AttachedManagedPolicies  []attached     `xml:"AttachedManagedPolicies>member"`
		PermissionsBoundary      *xmlBoundary   `xml:"PermissionsBoundary,omitempty"`
		Tags                     *xmlTags       `xml:"Tags,omitempty"`
	}
	type policyDetail struct {
		xmlPolicy
		PolicyVersionList []xmlVersion `xml:"PolicyVersionList>member"`
	}
	out := struct {
		UserDetailList  []userDetail   `xml:"UserDetailList>member"`
		GroupDetailList []groupDetail  `xml:"GroupDetailList>member"`
		RoleDetailList  []roleDetail   `xml:"RoleDetailList>member"`
		Policies        []policyDetail `xml:"Policies>member"`
		IsTruncated     bool           `xml:"IsTruncated"`
	}{UserDetailList: []userDetail{}, GroupDetailList: []groupDetail{}, RoleDetailList: []roleDetail{}, Policies: []policyDetail{}}
	all := iam.ListPage{MaxItems: 1000}
	if want("User") {
		users, _, err := svc.ListUsers(ctx, "", all)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			gl := append([]string{}, u.Groups...)
			out.UserDetailList = append(out.UserDetailList, userDetail{u.Path, u.Name, u.ID, u.ARN, iso(u.Created), inlineDetails(u.Inline), gl,
				attachedList(ctx, svc, u.Attached), boundaryOf(u.Boundary), tagList(u.Tags)})
		}
	}
	if want("Group") {
		groups, _, err := svc.ListGroups(ctx, "", all)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			out.GroupDetailList = append(out.GroupDetailList, groupDetail{g.Path, g.Name, g.ID, g.ARN, iso(g.Created), inlineDetails(g.Inline), attachedList(ctx, svc, g.Attached)})
		}
	}
	if want("Role") {
		roles, _, err := svc.ListRoles(ctx, "", all)
		if err != nil {
			return nil, err
		}
		for _, r := range roles {
			ps, _ := svc.ListInstanceProfiles(ctx, "", r.Name)
			pl := []xmlProfile{}
			for _, p := range ps {
				pl = append(pl, toXMLProfile(ctx, svc, p))
			}
			out.RoleDetailList = append(out.RoleDetailList, roleDetail{r.Path, r.Name, r.ID, r.ARN, iso(r.Created), iam.URLEncode(r.AssumeRolePolicy), pl,
				inlineDetails(r.Inline), attachedList(ctx, svc, r.Attached), boundaryOf(r.Boundary), tagList(r.Tags)})
		}
	}
	if want("LocalManagedPolicy") || want("AWSManagedPolicy") {
		scope := "All"
		if !want("AWSManagedPolicy") {
			scope = "Local"
		} else if !want("LocalManagedPolicy") {
			scope = "AWS"
		}
		pols, _, err := svc.ListPolicies(ctx, scope, true, "", all)
		if err != nil {
			return nil, err
		}
		for _, p := range pols {
			d := policyDetail{xmlPolicy: toXMLPolicy(p), PolicyVersionList: []xmlVersion{}}
			for _, v := range p.Versions {
				d.PolicyVersionList = append(d.PolicyVersionList, xmlVersion{Document: iam.URLEncode(v.Document), VersionId: v.ID, IsDefaultVersion: v.ID == p.DefaultVersion, CreateDate: iso(v.Created)})
			}
			out.Policies = append(out.Policies, d)
		}
	}
	return out, nil
}

func tagsResult(tags []iam.Tag) any {
	return struct {
		Tags        []iamTag `xml:"Tags>member"`
		IsTruncated bool     `xml:"IsTruncated"`
	}{Tags: append([]iamTag{}, iamTags(tags)...)}
}

type simIn struct {
	PolicySourceArn, CallerArn, ResourcePolicy          string
	ActionNames, ResourceArns                           []string
	PolicyInputList, PermissionsBoundaryPolicyInputList []string
	ContextEntries                                      []struct {
		ContextKeyName   string
		ContextKeyValues []string
		ContextKeyType   string
	}
}

func simulate(svc *iam.Service, account string, in *simIn, ids, boundary []iam.SimPolicy, caller string) (any, error) {
	if len(in.ActionNames) == 0 {
		return nil, awserr.New(400, "ValidationError", "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null")
	}
	si := iam.SimInput{Policies: ids, Boundary: boundary, Actions: in.ActionNames, Resources: in.ResourceArns, CallerARN: caller, Account: account,
		Context: map[string][]string{}}
	for _, e := range in.ContextEntries {
		si.Context[e.ContextKeyName] = e.ContextKeyValues
	}
	if in.ResourcePolicy != "" {
		doc, err := svc.Compile(in.ResourcePolicy, policy.Resource)
		if err != nil {
			return nil, awserr.New(400, "MalformedPolicyDocument", err.Error())
		}
		si.ResourcePolicy = doc
	}
	type pos struct {
		Line   int `xml:"Line"`
		Column int `xml:"Column"`
	}
	type stmt struct {
		SourcePolicyId   string `xml:"SourcePolicyId"`
		SourcePolicyType string `xml:"SourcePolicyType"`
		StartPosition    pos    `xml:"StartPosition"`
		EndPosition      pos    `xml:"EndPosition"`
	}
	type boundaryDetail struct {
		AllowedByPermissionsBoundary bool `xml:"AllowedByPermissionsBoundary"`
	}
	type result struct {
		EvalActionName                    string          `xml:"EvalActionName"`
		EvalResourceName                  string          `xml:"EvalResourceName"`
		EvalDecision                      string          `xml:"EvalDecision"`
		MatchedStatements                 []stmt          `xml:"MatchedStatements>member"`
		MissingContextValues              []string        `xml:"MissingContextValues>member"`
		PermissionsBoundaryDecisionDetail *boundaryDetail `xml:"PermissionsBoundaryDecisionDetail,omitempty"`
	}
	out := struct {
		EvaluationResults []result `xml:"EvaluationResults>member"`
		IsTruncated       bool     `xml:"IsTruncated"`
	}{EvaluationResults: []result{}}
	for _, r := range iam.Simulate(si) {
		res := result{EvalActionName: r.Action, EvalResourceName: r.Resource, EvalDecision: r.Decision, MatchedStatements: []stmt{}, MissingContextValues: r.Missing}
		if res.MissingContextValues == nil {
			res.MissingContextValues = []string{}
		}
		for _, m := range r.Matched {
			// Positions are where the statement's text begins (its '{')
			// and ends (just after its '}'), 1-based.
			res.MatchedStatements = append(res.MatchedStatements, stmt{m.SourcePolicyID, m.SourcePolicyType, pos{m.Start.Line, m.Start.Column}, pos{m.End.Line, m.End.Column}})
		}
		if r.AllowedByBoundary != nil {
			res.PermissionsBoundaryDecisionDetail = &boundaryDetail{*r.AllowedByBoundary}
		}
		out.EvaluationResults = append(out.EvaluationResults, res)
	}
	return out, nil
}

func contextKeys(ps []iam.SimPolicy) any {
	seen := map[string]bool{}
	names := []string{}
	for _, p := range ps {
		for _, k := range p.Doc.Keys() {
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	slices.Sort(names)
	return struct {
		ContextKeyNames []string `xml:"ContextKeyNames>member"`
	}{names}
}

type groupIn struct {
	GroupName string `form:",required"`
}

type groupUserIn struct {
	GroupName string `form:",required"`
	UserName  string `form:",required"`
}

type groupAttachIn struct {
	GroupName string `form:",required"`
	PolicyArn string `form:",required"`
}

type xmlGroup struct {
	Path       string `xml:"Path"`
	GroupName  string `xml:"GroupName"`
	GroupId    string `xml:"GroupId"`
	Arn        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate"`
}

func toXMLGroup(g iam.Group) xmlGroup { return xmlGroup{g.Path, g.Name, g.ID, g.ARN, iso(g.Created)} }

func groupsResult(gs []iam.Group, next string) any {
	out := struct {
		Groups      []xmlGroup `xml:"Groups>member"`
		IsTruncated bool       `xml:"IsTruncated"`
		Marker      string     `xml:"Marker,omitempty"`
	}{Groups: []xmlGroup{}, IsTruncated: next != "", Marker: next}
	for _, g := range gs {
		out.Groups = append(out.Groups, toXMLGroup(g))
	}
	return out
}

func namesResult(m map[string]string) any {
	names := []string{}
	for _, n := range slices.Sorted(maps.Keys(m)) {
		names = append(names, n)
	}
	return struct {
		PolicyNames []string `xml:"PolicyNames>member"`
		IsTruncated bool     `xml:"IsTruncated"`
	}{PolicyNames: names}
}

func attachedResult(ctx context.Context, svc *iam.Service, arns []string) any {
	out := struct {
		AttachedPolicies []attached `xml:"AttachedPolicies>member"`
		IsTruncated      bool       `xml:"IsTruncated"`
	}{AttachedPolicies: []attached{}}
	for _, a := range arns {
		name := a[strings.LastIndexByte(a, '/')+1:]
		if p, err := svc.GetPolicy(ctx, a); err == nil {
			name = p.Name
		}
		out.AttachedPolicies = append(out.AttachedPolicies, attached{name, a})
	}
	return out
}
