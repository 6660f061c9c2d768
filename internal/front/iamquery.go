package front

import (
	"context"
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

func tagsParam(form url.Values, name string) []iam.Tag {
	var out []iam.Tag
	for i := 1; ; i++ {
		k, ok := form[fmt.Sprintf("%s.member.%d.Key", name, i)]
		if !ok {
			return out
		}
		out = append(out, iam.Tag{Key: k[0], Value: form.Get(fmt.Sprintf("%s.member.%d.Value", name, i))})
	}
}

func intForm(form url.Values, name string) (int, error) {
	v := form.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, awserr.Newf(400, "ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be a number", v, name)
	}
	return n, nil
}

func required(form url.Values, names ...string) error {
	for _, n := range names {
		if form.Get(n) == "" {
			return awserr.Newf(400, "ValidationError", "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(n))
		}
	}
	return nil
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

func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }

type xmlRole struct {
	Path                     string   `xml:"Path"`
	RoleName                 string   `xml:"RoleName"`
	RoleId                   string   `xml:"RoleId"`
	Arn                      string   `xml:"Arn"`
	CreateDate               string   `xml:"CreateDate"`
	AssumeRolePolicyDocument string   `xml:"AssumeRolePolicyDocument"`
	Description              string   `xml:"Description,omitempty"`
	MaxSessionDuration       int      `xml:"MaxSessionDuration"`
	Tags                     []iamTag `xml:"Tags>member,omitempty"`
}

func toXMLRole(r iam.Role) xmlRole {
	return xmlRole{r.Path, r.Name, r.ID, r.ARN, iso(r.Created), iam.URLEncode(r.AssumeRolePolicy), r.Description, r.MaxSessionDuration, iamTags(r.Tags)}
}

type xmlUser struct {
	Path       string   `xml:"Path"`
	UserName   string   `xml:"UserName"`
	UserId     string   `xml:"UserId"`
	Arn        string   `xml:"Arn"`
	CreateDate string   `xml:"CreateDate"`
	Tags       []iamTag `xml:"Tags>member,omitempty"`
}

func toXMLUser(u iam.User) xmlUser {
	return xmlUser{u.Path, u.Name, u.ID, u.ARN, iso(u.Created), iamTags(u.Tags)}
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
	Tags                          []iamTag `xml:"Tags>member,omitempty"`
}

func toXMLPolicy(p iam.ManagedPolicy) xmlPolicy {
	return xmlPolicy{p.Name, p.ID, p.ARN, p.Path, p.DefaultVersion, p.AttachmentCount, 0, true, p.Description, iso(p.Created), iso(p.Updated), iamTags(p.Tags)}
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

func page(form url.Values) iam.ListPage {
	n, _ := strconv.Atoi(form.Get("MaxItems"))
	return iam.ListPage{Marker: form.Get("Marker"), MaxItems: n}
}

// iamResource is the ARN an IAM call acts on, for authorization.
func (h *Handler) iamResource(form url.Values) string {
	acct := h.cfg.Account
	switch {
	case form.Get("RoleName") != "":
		return "arn:aws:iam::" + acct + ":role/" + form.Get("RoleName")
	case form.Get("UserName") != "":
		return "arn:aws:iam::" + acct + ":user/" + form.Get("UserName")
	case form.Get("PolicyArn") != "":
		return form.Get("PolicyArn")
	case form.Get("OpenIDConnectProviderArn") != "":
		return form.Get("OpenIDConnectProviderArn")
	}
	return "*"
}

// iamKeys sets the tag condition keys of an IAM call: aws:RequestTag/*
// and aws:TagKeys from the tags it sets or removes, aws:ResourceTag/* from
// the role or user it names.
func (h *Handler) iamKeys(ctx context.Context, form url.Values) func(r *policy.Request, uses func(string) bool) error {
	return func(r *policy.Request, uses func(string) bool) error {
		var keys []string
		for _, t := range tagsParam(form, "Tags") {
			r.Set("aws:RequestTag/"+t.Key, t.Value)
			keys = append(keys, t.Key)
		}
		keys = append(keys, members(form, "TagKeys")...)
		if len(keys) > 0 {
			r.Set("aws:TagKeys", keys...)
		}
		if h.cfg.IAM == nil || !uses("aws:resourcetag/") {
			return nil
		}
		var tags []iam.Tag
		var err error
		if name := form.Get("RoleName"); name != "" {
			var role iam.Role
			if role, err = h.cfg.IAM.GetRole(ctx, name); err == nil {
				tags = role.Tags
			}
		} else if name := form.Get("UserName"); name != "" {
			var u iam.User
			if u, err = h.cfg.IAM.GetUser(ctx, name); err == nil {
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

// iamOps is IAM's operation table. Each call is authorized as
// iam:<Action> on the entity it names before it runs.
func iamOps(svc *iam.Service) map[string]queryOp {
	type call = func(ctx context.Context, p *auth.Principal, f url.Values) (any, error)
	ops := map[string]call{
		"CreateRole": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			if err := required(f, "RoleName", "AssumeRolePolicyDocument"); err != nil {
				return nil, err
			}
			d, err := intForm(f, "MaxSessionDuration")
			if err != nil {
				return nil, err
			}
			r, err := svc.CreateRole(ctx, iam.CreateRoleInput{Name: f.Get("RoleName"), Path: f.Get("Path"), AssumeRolePolicy: f.Get("AssumeRolePolicyDocument"),
				Description: f.Get("Description"), MaxSessionDuration: d, Tags: tagsParam(f, "Tags")})
			if err != nil {
				return nil, err
			}
			return struct {
				Role xmlRole `xml:"Role"`
			}{toXMLRole(r)}, nil
		},
		"GetRole": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			r, err := svc.GetRole(ctx, f.Get("RoleName"))
			if err != nil {
				return nil, err
			}
			return struct {
				Role xmlRole `xml:"Role"`
			}{toXMLRole(r)}, nil
		},
		"ListRoles": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			roles, next, err := svc.ListRoles(ctx, f.Get("PathPrefix"), page(f))
			out := struct {
				Roles       []xmlRole `xml:"Roles>member"`
				IsTruncated bool      `xml:"IsTruncated"`
				Marker      string    `xml:"Marker,omitempty"`
			}{Roles: []xmlRole{}, IsTruncated: next != "", Marker: next}
			for _, r := range roles {
				out.Roles = append(out.Roles, toXMLRole(r))
			}
			return out, err
		},
		"UpdateRole": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			d, err := intForm(f, "MaxSessionDuration")
			if err != nil {
				return nil, err
			}
			var desc *string
			if _, ok := f["Description"]; ok {
				v := f.Get("Description")
				desc = &v
			}
			return struct{}{}, svc.UpdateRole(ctx, f.Get("RoleName"), desc, d)
		},
		"UpdateAssumeRolePolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.UpdateAssumeRolePolicy(ctx, f.Get("RoleName"), f.Get("PolicyDocument"))
		},
		"DeleteRole": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.DeleteRole(ctx, f.Get("RoleName"))
		},
		"TagRole": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.TagRole(ctx, f.Get("RoleName"), tagsParam(f, "Tags"))
		},
		"UntagRole": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.UntagRole(ctx, f.Get("RoleName"), members(f, "TagKeys"))
		},
		"ListRoleTags": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			r, err := svc.GetRole(ctx, f.Get("RoleName"))
			return struct {
				Tags        []iamTag `xml:"Tags>member"`
				IsTruncated bool     `xml:"IsTruncated"`
			}{Tags: append([]iamTag{}, iamTags(r.Tags)...)}, err
		},
		"PutRolePolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			if err := required(f, "RoleName", "PolicyName", "PolicyDocument"); err != nil {
				return nil, err
			}
			return nil, svc.PutRolePolicy(ctx, f.Get("RoleName"), f.Get("PolicyName"), f.Get("PolicyDocument"))
		},
		"GetRolePolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			doc, err := svc.GetRolePolicy(ctx, f.Get("RoleName"), f.Get("PolicyName"))
			return struct {
				RoleName       string `xml:"RoleName"`
				PolicyName     string `xml:"PolicyName"`
				PolicyDocument string `xml:"PolicyDocument"`
			}{f.Get("RoleName"), f.Get("PolicyName"), iam.URLEncode(doc)}, err
		},
		"DeleteRolePolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.DeleteRolePolicy(ctx, f.Get("RoleName"), f.Get("PolicyName"))
		},
		"ListRolePolicies": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			r, err := svc.GetRole(ctx, f.Get("RoleName"))
			return namesResult(r.Inline), err
		},
		"AttachRolePolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.AttachRolePolicy(ctx, f.Get("RoleName"), f.Get("PolicyArn"))
		},
		"DetachRolePolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.DetachRolePolicy(ctx, f.Get("RoleName"), f.Get("PolicyArn"))
		},
		"ListAttachedRolePolicies": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			r, err := svc.GetRole(ctx, f.Get("RoleName"))
			return attachedResult(ctx, svc, r.Attached), err
		},
		"CreatePolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			if err := required(f, "PolicyName", "PolicyDocument"); err != nil {
				return nil, err
			}
			p, err := svc.CreatePolicy(ctx, f.Get("PolicyName"), f.Get("Path"), f.Get("Description"), f.Get("PolicyDocument"), tagsParam(f, "Tags"))
			return struct {
				Policy xmlPolicy `xml:"Policy"`
			}{toXMLPolicy(p)}, err
		},
		"GetPolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			p, err := svc.GetPolicy(ctx, f.Get("PolicyArn"))
			return struct {
				Policy xmlPolicy `xml:"Policy"`
			}{toXMLPolicy(p)}, err
		},
		"ListPolicies": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			scope := f.Get("Scope")
			if scope == "" {
				scope = "All"
			}
			ps, next, err := svc.ListPolicies(ctx, scope, f.Get("OnlyAttached") == "true", f.Get("PathPrefix"), page(f))
			out := struct {
				Policies    []xmlPolicy `xml:"Policies>member"`
				IsTruncated bool        `xml:"IsTruncated"`
				Marker      string      `xml:"Marker,omitempty"`
			}{Policies: []xmlPolicy{}, IsTruncated: next != "", Marker: next}
			for _, p := range ps {
				out.Policies = append(out.Policies, toXMLPolicy(p))
			}
			return out, err
		},
		"CreatePolicyVersion": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			v, err := svc.CreatePolicyVersion(ctx, f.Get("PolicyArn"), f.Get("PolicyDocument"), f.Get("SetAsDefault") == "true")
			return struct {
				PolicyVersion xmlVersion `xml:"PolicyVersion"`
			}{xmlVersion{VersionId: v.ID, IsDefaultVersion: f.Get("SetAsDefault") == "true", CreateDate: iso(v.Created)}}, err
		},
		"GetPolicyVersion": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			v, def, err := svc.GetPolicyVersion(ctx, f.Get("PolicyArn"), f.Get("VersionId"))
			return struct {
				PolicyVersion xmlVersion `xml:"PolicyVersion"`
			}{xmlVersion{iam.URLEncode(v.Document), v.ID, def, iso(v.Created)}}, err
		},
		"ListPolicyVersions": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			p, err := svc.GetPolicy(ctx, f.Get("PolicyArn"))
			out := struct {
				Versions    []xmlVersion `xml:"Versions>member"`
				IsTruncated bool         `xml:"IsTruncated"`
			}{Versions: []xmlVersion{}}
			for _, v := range p.Versions {
				out.Versions = append(out.Versions, xmlVersion{VersionId: v.ID, IsDefaultVersion: v.ID == p.DefaultVersion, CreateDate: iso(v.Created)})
			}
			return out, err
		},
		"SetDefaultPolicyVersion": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.SetDefaultPolicyVersion(ctx, f.Get("PolicyArn"), f.Get("VersionId"))
		},
		"DeletePolicyVersion": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.DeletePolicyVersion(ctx, f.Get("PolicyArn"), f.Get("VersionId"))
		},
		"DeletePolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.DeletePolicy(ctx, f.Get("PolicyArn"))
		},
		"CreateUser": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			if err := required(f, "UserName"); err != nil {
				return nil, err
			}
			u, err := svc.CreateUser(ctx, f.Get("UserName"), f.Get("Path"), tagsParam(f, "Tags"))
			return struct {
				User xmlUser `xml:"User"`
			}{toXMLUser(u)}, err
		},
		"GetUser": func(ctx context.Context, p *auth.Principal, f url.Values) (any, error) {
			name := f.Get("UserName")
			if name == "" {
				name = p.UserName
			}
			u, err := svc.GetUser(ctx, name)
			return struct {
				User xmlUser `xml:"User"`
			}{toXMLUser(u)}, err
		},
		"ListUsers": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			users, next, err := svc.ListUsers(ctx, f.Get("PathPrefix"), page(f))
			out := struct {
				Users       []xmlUser `xml:"Users>member"`
				IsTruncated bool      `xml:"IsTruncated"`
				Marker      string    `xml:"Marker,omitempty"`
			}{Users: []xmlUser{}, IsTruncated: next != "", Marker: next}
			for _, u := range users {
				out.Users = append(out.Users, toXMLUser(u))
			}
			return out, err
		},
		"DeleteUser": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.DeleteUser(ctx, f.Get("UserName"))
		},
		"CreateAccessKey": func(ctx context.Context, p *auth.Principal, f url.Values) (any, error) {
			name := f.Get("UserName")
			if name == "" {
				name = p.UserName
			}
			k, err := svc.CreateAccessKey(ctx, name)
			return struct {
				AccessKey struct {
					UserName        string `xml:"UserName"`
					AccessKeyId     string `xml:"AccessKeyId"`
					Status          string `xml:"Status"`
					SecretAccessKey string `xml:"SecretAccessKey"`
					CreateDate      string `xml:"CreateDate"`
				} `xml:"AccessKey"`
			}{struct {
				UserName        string `xml:"UserName"`
				AccessKeyId     string `xml:"AccessKeyId"`
				Status          string `xml:"Status"`
				SecretAccessKey string `xml:"SecretAccessKey"`
				CreateDate      string `xml:"CreateDate"`
			}{k.UserName, k.ID, k.Status, k.Secret, iso(k.Created)}}, err
		},
		"ListAccessKeys": func(ctx context.Context, p *auth.Principal, f url.Values) (any, error) {
			name := f.Get("UserName")
			if name == "" {
				name = p.UserName
			}
			keys, uname, err := svc.ListAccessKeys(ctx, name)
			type meta struct {
				UserName    string `xml:"UserName"`
				AccessKeyId string `xml:"AccessKeyId"`
				Status      string `xml:"Status"`
				CreateDate  string `xml:"CreateDate"`
			}
			out := struct {
				AccessKeyMetadata []meta `xml:"AccessKeyMetadata>member"`
				IsTruncated       bool   `xml:"IsTruncated"`
			}{AccessKeyMetadata: []meta{}}
			for _, k := range keys {
				out.AccessKeyMetadata = append(out.AccessKeyMetadata, meta{uname, k.ID, k.Status, iso(k.Created)})
			}
			return out, err
		},
		"UpdateAccessKey": func(ctx context.Context, p *auth.Principal, f url.Values) (any, error) {
			name := f.Get("UserName")
			if name == "" {
				if name, _ = svc.UserOfKey(ctx, f.Get("AccessKeyId")); name == "" {
					name = p.UserName
				}
			}
			return nil, svc.UpdateAccessKey(ctx, name, f.Get("AccessKeyId"), f.Get("Status"))
		},
		"DeleteAccessKey": func(ctx context.Context, p *auth.Principal, f url.Values) (any, error) {
			name := f.Get("UserName")
			if name == "" {
				if name, _ = svc.UserOfKey(ctx, f.Get("AccessKeyId")); name == "" {
					name = p.UserName
				}
			}
			return nil, svc.DeleteAccessKey(ctx, name, f.Get("AccessKeyId"))
		},
		"PutUserPolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			if err := required(f, "UserName", "PolicyName", "PolicyDocument"); err != nil {
				return nil, err
			}
			return nil, svc.PutUserPolicy(ctx, f.Get("UserName"), f.Get("PolicyName"), f.Get("PolicyDocument"))
		},
		"GetUserPolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			doc, err := svc.GetUserPolicy(ctx, f.Get("UserName"), f.Get("PolicyName"))
			return struct {
				UserName       string `xml:"UserName"`
				PolicyName     string `xml:"PolicyName"`
				PolicyDocument string `xml:"PolicyDocument"`
			}{f.Get("UserName"), f.Get("PolicyName"), iam.URLEncode(doc)}, err
		},
		"DeleteUserPolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.DeleteUserPolicy(ctx, f.Get("UserName"), f.Get("PolicyName"))
		},
		"ListUserPolicies": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			u, err := svc.GetUser(ctx, f.Get("UserName"))
			return namesResult(u.Inline), err
		},
		"AttachUserPolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.AttachUserPolicy(ctx, f.Get("UserName"), f.Get("PolicyArn"))
		},
		"DetachUserPolicy": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.DetachUserPolicy(ctx, f.Get("UserName"), f.Get("PolicyArn"))
		},
		"ListAttachedUserPolicies": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			u, err := svc.GetUser(ctx, f.Get("UserName"))
			return attachedResult(ctx, svc, u.Attached), err
		},
		"CreateOpenIDConnectProvider": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			p, err := svc.CreateOpenIDConnectProvider(ctx, f.Get("Url"), members(f, "ClientIDList"), members(f, "ThumbprintList"), tagsParam(f, "Tags"))
			return struct {
				OpenIDConnectProviderArn string `xml:"OpenIDConnectProviderArn"`
			}{p.ARN}, err
		},
		"GetOpenIDConnectProvider": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			p, err := svc.GetOpenIDConnectProvider(ctx, f.Get("OpenIDConnectProviderArn"))
			return struct {
				Url            string   `xml:"Url"`
				ClientIDList   []string `xml:"ClientIDList>member"`
				ThumbprintList []string `xml:"ThumbprintList>member"`
				CreateDate     string   `xml:"CreateDate"`
			}{p.URL, p.ClientIDs, p.Thumbprints, iso(p.Created)}, err
		},
		"ListOpenIDConnectProviders": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
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
		},
		"DeleteOpenIDConnectProvider": func(ctx context.Context, _ *auth.Principal, f url.Values) (any, error) {
			return nil, svc.DeleteOpenIDConnectProvider(ctx, f.Get("OpenIDConnectProviderArn"))
		},
	}
	out := map[string]queryOp{}
	for name, fn := range ops {
		out[name] = queryOp{Call: fn, Action: "iam:" + name}
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
