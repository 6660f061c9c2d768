package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	yaml "go.yaml.in/yaml/v3"

	"github.com/sekisho/sekisho/internal/awsregion"
)

// Declarative setup: `sekisho apply FILE` reads one YAML (or JSON) file
// of buckets, IAM roles, policies and users, user pools (clients, domains,
// MFA, triggers, groups, users) and identity pools, and makes the server
// match it through the AWS APIs, as root. Things are found by name, so a
// second run changes nothing and an edited file updates what changed.
// "${...}" references name what the file makes: ${userPool.NAME.id},
// ${client.POOL.NAME.id}, ${identityPool.NAME.id}, ${role.NAME.arn},
// ${account}, ${region}. The ids are printed as JSON (--env: as exports).

// Setup is the file's shape.
type Setup struct {
	Buckets       []BucketSpec       `yaml:"buckets" json:"buckets"`
	IAM           IAMSpec            `yaml:"iam" json:"iam"`
	UserPools     []UserPoolSpec     `yaml:"userPools" json:"userPools"`
	IdentityPools []IdentityPoolSpec `yaml:"identityPools" json:"identityPools"`
}

type BucketSpec struct {
	Name              string         `yaml:"name"`
	Policy            any            `yaml:"policy"`
	CORS              []any          `yaml:"cors"`
	PublicAccessBlock map[string]any `yaml:"publicAccessBlock"`
	Objects           []struct {
		Key  string `yaml:"key"`
		Body string `yaml:"body"`
	} `yaml:"objects"`
}

type IAMSpec struct {
	Policies []struct {
		Name     string `yaml:"name"`
		Document any    `yaml:"document"`
	} `yaml:"policies"`
	Roles []struct {
		Name               string         `yaml:"name"`
		Trust              any            `yaml:"trust"`
		MaxSessionDuration int32          `yaml:"maxSessionDuration"`
		Policies           map[string]any `yaml:"policies"`
		ManagedPolicies    []string       `yaml:"managedPolicies"`
	} `yaml:"roles"`
	Users []struct {
		Name            string         `yaml:"name"`
		Policies        map[string]any `yaml:"policies"`
		ManagedPolicies []string       `yaml:"managedPolicies"`
	} `yaml:"users"`
}

type UserPoolSpec struct {
	Name string `yaml:"name"`
	// ID fixes the pool's id (<region>_<letters or digits>), so that an
	// app's configuration survives a reset.
	ID       string         `yaml:"id"`
	Settings map[string]any `yaml:"settings"` // CreateUserPool's fields
	MFA      map[string]any `yaml:"mfa"`      // SetUserPoolMfaConfig's fields
	Domain   string         `yaml:"domain"`
	Clients  []struct {
		Name     string         `yaml:"name"`
		Settings map[string]any `yaml:"settings"` // CreateUserPoolClient's fields
	} `yaml:"clients"`
	Groups []struct {
		Name        string `yaml:"name"`
		Role        string `yaml:"role"`
		Precedence  *int32 `yaml:"precedence"`
		Description string `yaml:"description"`
	} `yaml:"groups"`
	Users []struct {
		Username   string            `yaml:"username"`
		Password   string            `yaml:"password"`
		Attributes map[string]string `yaml:"attributes"`
		Groups     []string          `yaml:"groups"`
	} `yaml:"users"`
}

type IdentityPoolSpec struct {
	Name string `yaml:"name"`
	// ID fixes the pool's id (<region>:<uuid>).
	ID                   string `yaml:"id"`
	AllowUnauthenticated bool   `yaml:"allowUnauthenticated"`
	AllowClassicFlow     bool   `yaml:"allowClassicFlow"`
	Providers            []struct {
		UserPool string `yaml:"userPool"`
		Client   string `yaml:"client"`
	} `yaml:"providers"`
	Roles         map[string]string `yaml:"roles"`
	RoleMappings  map[string]any    `yaml:"roleMappings"`
	PrincipalTags map[string]any    `yaml:"principalTags"` // provider → {useDefaults, tags}
}

// applier carries the clients and what has been made so far.
type applier struct {
	s3      *s3.Client
	iam     *iam.Client
	idp     *cip.Client
	ids     *ci.Client
	account string
	region  string
	refs    map[string]string
	changed []string
}

var refRE = regexp.MustCompile(`\$\{([A-Za-z0-9_.:-]+)\}`)

// resolve replaces references in a string; an unknown one is an error.
func (a *applier) resolve(s string) (string, error) {
	var missing []string
	out := refRE.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := a.refs[name]; ok {
			return v
		}
		if strings.HasPrefix(name, "role.") && strings.HasSuffix(name, ".arn") {
			return "arn:aws:iam::" + a.account + ":role/" + strings.TrimSuffix(strings.TrimPrefix(name, "role."), ".arn")
		}
		if strings.Contains(name, ":") || strings.HasPrefix(name, "aws") || strings.HasPrefix(name, "cognito-identity") {
			return m // a policy variable, left for the policy engine
		}
		missing = append(missing, name)
		return m
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("unknown reference ${%s}", missing[0])
	}
	return out, nil
}

// doc renders a policy (a YAML map or a JSON string) as JSON with its
// references resolved.
func (a *applier) doc(v any) (string, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		s = string(b)
	}
	return a.resolve(s)
}

// into fills an SDK input from a map of its fields (references resolved).
func (a *applier) into(m map[string]any, v any) error {
	if len(m) == 0 {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	s, err := a.resolve(string(b))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(s))
	return dec.Decode(v)
}

// Apply is `sekisho apply`.
func Apply(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("apply", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := fs.Bool("env", false, "print the ids as shell exports instead of JSON")
	endpoint := fs.String("endpoint", getenv("AWS_ENDPOINT_URL"), "the server's URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: sekisho apply [--env] FILE")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		region = "us-east-1"
	}
	if *endpoint == "" {
		return errors.New("--endpoint or AWS_ENDPOINT_URL is required")
	}
	cfg := aws.Config{Region: region, BaseEndpoint: endpoint,
		Credentials: credentials.NewStaticCredentialsProvider(getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN"))}
	ids, err := ApplySetup(ctx, cfg, data)
	if err != nil {
		return err
	}
	if *env {
		keys := make([]string, 0, len(ids))
		for k := range ids {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := strings.ToUpper(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(k, "_"))
			fmt.Fprintf(stdout, "export %s=%s\n", name, ids[k])
		}
		return nil
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(ids)
}

// ApplySetup makes the server at cfg match the setup file; it returns the
// references it made (userPool.app.id, …).
func ApplySetup(ctx context.Context, cfg aws.Config, data []byte) (map[string]string, error) {
	var st Setup
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&st); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("setup file: %v", err)
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	a := &applier{s3: s3c, iam: iam.NewFromConfig(cfg), idp: cip.NewFromConfig(cfg), ids: ci.NewFromConfig(cfg), region: cfg.Region, refs: map[string]string{}}
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("who am I: %w", err)
	}
	a.account = *who.Account
	a.refs["account"], a.refs["region"] = a.account, a.region
	steps := []func(context.Context, *Setup) error{a.buckets, a.userPools, a.identityPools, a.policies, a.roles, a.users, a.poolMembers, a.identityPoolRoles}
	for _, step := range steps {
		if err := step(ctx, &st); err != nil {
			return nil, err
		}
	}
	out := map[string]string{}
	for k, v := range a.refs {
		if k != "account" && k != "region" {
			out[k] = v
		}
	}
	return out, nil
}

func isCode(err error, codes ...string) bool {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		for _, c := range codes {
			if ae.ErrorCode() == c {
				return true
			}
		}
	}
	return false
}

func (a *applier) buckets(ctx context.Context, st *Setup) error {
	for _, b := range st.Buckets {
		if _, err := a.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &b.Name}); err != nil {
			if _, err := a.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &b.Name}); err != nil && !isCode(err, "BucketAlreadyOwnedByYou") {
				return fmt.Errorf("bucket %s: %w", b.Name, err)
			}
		}
		if b.PublicAccessBlock != nil {
			var in s3types.PublicAccessBlockConfiguration
			if err := a.into(b.PublicAccessBlock, &in); err != nil {
				return err
			}
			if _, err := a.s3.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: &b.Name, PublicAccessBlockConfiguration: &in}); err != nil {
				return fmt.Errorf("bucket %s public access block: %w", b.Name, err)
			}
		}
		if b.Policy != nil {
			p, err := a.doc(b.Policy)
			if err != nil {
				return err
			}
			if _, err := a.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &b.Name, Policy: &p}); err != nil {
				return fmt.Errorf("bucket %s policy: %w", b.Name, err)
			}
		}
		if b.CORS != nil {
			var rules []s3types.CORSRule
			raw, _ := json.Marshal(b.CORS)
			if err := json.Unmarshal(raw, &rules); err != nil {
				return fmt.Errorf("bucket %s cors: %w", b.Name, err)
			}
			if _, err := a.s3.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: &b.Name, CORSConfiguration: &s3types.CORSConfiguration{CORSRules: rules}}); err != nil {
				return fmt.Errorf("bucket %s cors: %w", b.Name, err)
			}
		}
		for _, o := range b.Objects {
			if _, err := a.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.Name, Key: aws.String(o.Key), Body: strings.NewReader(o.Body)}); err != nil {
				return fmt.Errorf("object %s/%s: %w", b.Name, o.Key, err)
			}
		}
		a.refs["bucket."+b.Name+".arn"] = "arn:aws:s3:::" + b.Name
	}
	return nil
}

func (a *applier) userPools(ctx context.Context, st *Setup) error {
	existing := map[string]string{}
	var next *string
	for {
		out, err := a.idp.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60), NextToken: next})
		if err != nil {
			return err
		}
		for _, p := range out.UserPools {
			existing[*p.Name] = *p.Id
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	for _, ps := range st.UserPools {
		id, ok := existing[ps.Name]
		if !ok {
			var in cip.CreateUserPoolInput
			if err := a.into(ps.Settings, &in); err != nil {
				return fmt.Errorf("user pool %s settings: %w", ps.Name, err)
			}
			in.PoolName = aws.String(ps.Name)
			if ps.ID != "" {
				if in.UserPoolTags == nil {
					in.UserPoolTags = map[string]string{}
				}
				in.UserPoolTags["sekisho:id"] = ps.ID
			}
			out, err := a.idp.CreateUserPool(ctx, &in)
			if err != nil {
				return fmt.Errorf("user pool %s: %w", ps.Name, err)
			}
			id = *out.UserPool.Id
		} else if len(ps.Settings) > 0 {
			var in cip.UpdateUserPoolInput
			if err := a.into(withoutKeys(ps.Settings, "PoolName", "Schema", "UsernameAttributes", "AliasAttributes", "UsernameConfiguration"), &in); err != nil {
				return fmt.Errorf("user pool %s settings: %w", ps.Name, err)
			}
			in.UserPoolId = &id
			if _, err := a.idp.UpdateUserPool(ctx, &in); err != nil {
				return fmt.Errorf("user pool %s: %w", ps.Name, err)
			}
		}
		a.refs["userPool."+ps.Name+".id"] = id
		a.refs["userPool."+ps.Name+".arn"] = "arn:aws:cognito-idp:" + awsregion.Of(id, '_', a.region) + ":" + a.account + ":userpool/" + id
		a.refs["userPool."+ps.Name+".provider"] = "cognito-idp." + awsregion.Of(id, '_', a.region) + ".amazonaws.com/" + id
		if ps.MFA != nil {
			var in cip.SetUserPoolMfaConfigInput
			if err := a.into(ps.MFA, &in); err != nil {
				return fmt.Errorf("user pool %s mfa: %w", ps.Name, err)
			}
			in.UserPoolId = &id
			if _, err := a.idp.SetUserPoolMfaConfig(ctx, &in); err != nil {
				return fmt.Errorf("user pool %s mfa: %w", ps.Name, err)
			}
		}
		if ps.Domain != "" {
			d, err := a.idp.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: &ps.Domain})
			if err != nil || d.DomainDescription == nil || d.DomainDescription.UserPoolId == nil {
				if _, err := a.idp.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{Domain: &ps.Domain, UserPoolId: &id}); err != nil {
					return fmt.Errorf("user pool %s domain: %w", ps.Name, err)
				}
			}
		}
		clients := map[string]string{}
		cl, err := a.idp.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: &id, MaxResults: aws.Int32(60)})
		if err != nil {
			return err
		}
		for _, c := range cl.UserPoolClients {
			clients[*c.ClientName] = *c.ClientId
		}
		for _, cs := range ps.Clients {
			cid, ok := clients[cs.Name]
			if !ok {
				var in cip.CreateUserPoolClientInput
				if err := a.into(cs.Settings, &in); err != nil {
					return fmt.Errorf("client %s/%s: %w", ps.Name, cs.Name, err)
				}
				in.UserPoolId, in.ClientName = &id, aws.String(cs.Name)
				out, err := a.idp.CreateUserPoolClient(ctx, &in)
				if err != nil {
					return fmt.Errorf("client %s/%s: %w", ps.Name, cs.Name, err)
				}
				cid = *out.UserPoolClient.ClientId
			} else if len(cs.Settings) > 0 {
				var in cip.UpdateUserPoolClientInput
				if err := a.into(withoutKeys(cs.Settings, "GenerateSecret"), &in); err != nil {
					return fmt.Errorf("client %s/%s: %w", ps.Name, cs.Name, err)
				}
				in.UserPoolId, in.ClientId, in.ClientName = &id, &cid, aws.String(cs.Name)
				if _, err := a.idp.UpdateUserPoolClient(ctx, &in); err != nil {
					return fmt.Errorf("client %s/%s: %w", ps.Name, cs.Name, err)
				}
			}
			a.refs["client."+ps.Name+"."+cs.Name+".id"] = cid
		}
	}
	return nil
}

func withoutKeys(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		skip := false
		for _, x := range keys {
			skip = skip || k == x
		}
		if !skip {
			out[k] = v
		}
	}
	return out
}

func (a *applier) identityPools(ctx context.Context, st *Setup) error {
	existing := map[string]string{}
	out, err := a.ids.ListIdentityPools(ctx, &ci.ListIdentityPoolsInput{MaxResults: aws.Int32(60)})
	if err != nil {
		return err
	}
	for _, p := range out.IdentityPools {
		existing[*p.IdentityPoolName] = *p.IdentityPoolId
	}
	for _, ip := range st.IdentityPools {
		var providers []citypes.CognitoIdentityProvider
		for _, pr := range ip.Providers {
			pid, ok := a.refs["userPool."+pr.UserPool+".id"]
			if !ok {
				return fmt.Errorf("identity pool %s: no user pool %s in the file", ip.Name, pr.UserPool)
			}
			p := citypes.CognitoIdentityProvider{ProviderName: aws.String("cognito-idp." + awsregion.Of(pid, '_', a.region) + ".amazonaws.com/" + pid)}
			if pr.Client != "" {
				cid, ok := a.refs["client."+pr.UserPool+"."+pr.Client+".id"]
				if !ok {
					return fmt.Errorf("identity pool %s: no client %s of %s in the file", ip.Name, pr.Client, pr.UserPool)
				}
				p.ClientId = &cid
			}
			providers = append(providers, p)
		}
		id, ok := existing[ip.Name]
		if !ok {
			in := &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String(ip.Name), AllowUnauthenticatedIdentities: ip.AllowUnauthenticated,
				AllowClassicFlow: aws.Bool(ip.AllowClassicFlow), CognitoIdentityProviders: providers}
			if ip.ID != "" {
				in.IdentityPoolTags = map[string]string{"sekisho:id": ip.ID}
			}
			out, err := a.ids.CreateIdentityPool(ctx, in)
			if err != nil {
				return fmt.Errorf("identity pool %s: %w", ip.Name, err)
			}
			id = *out.IdentityPoolId
		} else if _, err := a.ids.UpdateIdentityPool(ctx, &ci.UpdateIdentityPoolInput{IdentityPoolId: &id, IdentityPoolName: aws.String(ip.Name),
			AllowUnauthenticatedIdentities: ip.AllowUnauthenticated, AllowClassicFlow: aws.Bool(ip.AllowClassicFlow), CognitoIdentityProviders: providers}); err != nil {
			return fmt.Errorf("identity pool %s: %w", ip.Name, err)
		}
		a.refs["identityPool."+ip.Name+".id"] = id
	}
	return nil
}

func (a *applier) policies(ctx context.Context, st *Setup) error {
	for _, p := range st.IAM.Policies {
		doc, err := a.doc(p.Document)
		if err != nil {
			return err
		}
		arn := "arn:aws:iam::" + a.account + ":policy/" + p.Name
		if _, err := a.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: &arn}); err != nil {
			if _, err := a.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(p.Name), PolicyDocument: &doc}); err != nil {
				return fmt.Errorf("policy %s: %w", p.Name, err)
			}
		} else {
			// A new default version when the document changed.
			cur, err := a.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: &arn})
			if err == nil {
				v, err := a.iam.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: &arn, VersionId: cur.Policy.DefaultVersionId})
				if err == nil && !sameJSON(decodeURL(aws.ToString(v.PolicyVersion.Document)), doc) {
					vs, _ := a.iam.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: &arn})
					if vs != nil && len(vs.Versions) >= 5 {
						for _, old := range vs.Versions {
							if !old.IsDefaultVersion {
								a.iam.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: old.VersionId})
								break
							}
						}
					}
					if _, err := a.iam.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: &arn, PolicyDocument: &doc, SetAsDefault: true}); err != nil {
						return fmt.Errorf("policy %s: %w", p.Name, err)
					}
				}
			}
		}
		a.refs["policy."+p.Name+".arn"] = arn
	}
	return nil
}

func (a *applier) roles(ctx context.Context, st *Setup) error {
	for _, r := range st.IAM.Roles {
		trust, err := a.doc(r.Trust)
		if err != nil {
			return err
		}
		var maxSession *int32
		if r.MaxSessionDuration > 0 {
			maxSession = &r.MaxSessionDuration
		}
		if _, err := a.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Name)}); err != nil {
			if _, err := a.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.Name), AssumeRolePolicyDocument: &trust, MaxSessionDuration: maxSession}); err != nil {
				return fmt.Errorf("role %s: %w", r.Name, err)
			}
		} else {
			if _, err := a.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(r.Name), PolicyDocument: &trust}); err != nil {
				return fmt.Errorf("role %s trust: %w", r.Name, err)
			}
			if maxSession != nil {
				if _, err := a.iam.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String(r.Name), MaxSessionDuration: maxSession}); err != nil {
					return fmt.Errorf("role %s: %w", r.Name, err)
				}
			}
		}
		for name, d := range r.Policies {
			doc, err := a.doc(d)
			if err != nil {
				return err
			}
			if _, err := a.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(name), PolicyDocument: &doc}); err != nil {
				return fmt.Errorf("role %s policy %s: %w", r.Name, name, err)
			}
		}
		for _, m := range r.ManagedPolicies {
			arn, err := a.resolve(m)
			if err != nil {
				return err
			}
			if _, err := a.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(r.Name), PolicyArn: &arn}); err != nil {
				return fmt.Errorf("role %s attach %s: %w", r.Name, arn, err)
			}
		}
		a.refs["role."+r.Name+".arn"] = "arn:aws:iam::" + a.account + ":role/" + r.Name
	}
	return nil
}

func (a *applier) users(ctx context.Context, st *Setup) error {
	for _, u := range st.IAM.Users {
		if _, err := a.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(u.Name)}); err != nil {
			if _, err := a.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u.Name)}); err != nil {
				return fmt.Errorf("user %s: %w", u.Name, err)
			}
		}
		for name, d := range u.Policies {
			doc, err := a.doc(d)
			if err != nil {
				return err
			}
			if _, err := a.iam.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(u.Name), PolicyName: aws.String(name), PolicyDocument: &doc}); err != nil {
				return fmt.Errorf("user %s policy %s: %w", u.Name, name, err)
			}
		}
		for _, m := range u.ManagedPolicies {
			arn, err := a.resolve(m)
			if err != nil {
				return err
			}
			if _, err := a.iam.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(u.Name), PolicyArn: &arn}); err != nil {
				return fmt.Errorf("user %s attach %s: %w", u.Name, arn, err)
			}
		}
		a.refs["user."+u.Name+".arn"] = "arn:aws:iam::" + a.account + ":user/" + u.Name
	}
	return nil
}

// poolMembers makes the pools' groups (with their roles) and users.
func (a *applier) poolMembers(ctx context.Context, st *Setup) error {
	for _, ps := range st.UserPools {
		id := a.refs["userPool."+ps.Name+".id"]
		for _, g := range ps.Groups {
			var role *string
			if g.Role != "" {
				r, err := a.resolve(g.Role)
				if err != nil {
					return err
				}
				role = &r
			}
			var desc *string
			if g.Description != "" {
				desc = &g.Description
			}
			if _, err := a.idp.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: &id, GroupName: aws.String(g.Name)}); err != nil {
				if _, err := a.idp.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &id, GroupName: aws.String(g.Name), RoleArn: role, Precedence: g.Precedence, Description: desc}); err != nil {
					return fmt.Errorf("group %s/%s: %w", ps.Name, g.Name, err)
				}
			} else if _, err := a.idp.UpdateGroup(ctx, &cip.UpdateGroupInput{UserPoolId: &id, GroupName: aws.String(g.Name), RoleArn: role, Precedence: g.Precedence, Description: desc}); err != nil {
				return fmt.Errorf("group %s/%s: %w", ps.Name, g.Name, err)
			}
		}
		for _, u := range ps.Users {
			var attrs []ciptypes.AttributeType
			keys := make([]string, 0, len(u.Attributes))
			for k := range u.Attributes {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				attrs = append(attrs, ciptypes.AttributeType{Name: aws.String(k), Value: aws.String(u.Attributes[k])})
			}
			name := u.Username
			got, err := a.idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: &name})
			if err != nil {
				if !isCode(err, "UserNotFoundException") {
					return fmt.Errorf("user %s/%s: %w", ps.Name, name, err)
				}
				out, err := a.idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &id, Username: &name, MessageAction: ciptypes.MessageActionTypeSuppress, UserAttributes: attrs})
				if err != nil {
					return fmt.Errorf("user %s/%s: %w", ps.Name, name, err)
				}
				name = *out.User.Username
			} else {
				name = *got.Username
				if len(attrs) > 0 {
					if _, err := a.idp.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &id, Username: &name, UserAttributes: attrs}); err != nil {
						return fmt.Errorf("user %s/%s attributes: %w", ps.Name, u.Username, err)
					}
				}
			}
			if u.Password != "" {
				if _, err := a.idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: &name, Password: aws.String(u.Password), Permanent: true}); err != nil {
					return fmt.Errorf("user %s/%s password: %w", ps.Name, u.Username, err)
				}
			}
			for _, g := range u.Groups {
				if _, err := a.idp.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &id, Username: &name, GroupName: aws.String(g)}); err != nil {
					return fmt.Errorf("user %s/%s group %s: %w", ps.Name, u.Username, g, err)
				}
			}
			a.refs["user."+ps.Name+"."+u.Username+".username"] = name
		}
	}
	return nil
}

func (a *applier) identityPoolRoles(ctx context.Context, st *Setup) error {
	for _, ip := range st.IdentityPools {
		id := a.refs["identityPool."+ip.Name+".id"]
		if len(ip.Roles) > 0 || len(ip.RoleMappings) > 0 {
			roles := map[string]string{}
			for k, v := range ip.Roles {
				r, err := a.resolve(v)
				if err != nil {
					return err
				}
				roles[k] = r
			}
			in := ci.SetIdentityPoolRolesInput{IdentityPoolId: &id, Roles: roles}
			if len(ip.RoleMappings) > 0 {
				if err := a.into(map[string]any{"RoleMappings": ip.RoleMappings}, &in); err != nil {
					return fmt.Errorf("identity pool %s role mappings: %w", ip.Name, err)
				}
				in.IdentityPoolId, in.Roles = &id, roles
			}
			if _, err := a.ids.SetIdentityPoolRoles(ctx, &in); err != nil {
				return fmt.Errorf("identity pool %s roles: %w", ip.Name, err)
			}
		}
		for provider, spec := range ip.PrincipalTags {
			var in ci.SetPrincipalTagAttributeMapInput
			m, _ := spec.(map[string]any)
			if err := a.into(m, &in); err != nil {
				return fmt.Errorf("identity pool %s principal tags: %w", ip.Name, err)
			}
			p, err := a.resolve(provider)
			if err != nil {
				return err
			}
			in.IdentityPoolId, in.IdentityProviderName = &id, &p
			if _, err := a.ids.SetPrincipalTagAttributeMap(ctx, &in); err != nil {
				return fmt.Errorf("identity pool %s principal tags: %w", ip.Name, err)
			}
		}
	}
	return nil
}

func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

func decodeURL(s string) string {
	if d, err := urlUnescape(s); err == nil {
		return d
	}
	return s
}

func urlUnescape(s string) (string, error) { return url.QueryUnescape(s) }
