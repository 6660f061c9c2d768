package front_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// TestIAMGroups: groups, membership, inline and managed group policies,
// AWS's conflicts — and a group's policy counts in the member's
// authorization, and stops counting when the member leaves.
func TestIAMGroups(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	root := s3.NewFromConfig(g.cfg(g.creds), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("team")}); err != nil {
		t.Fatal(err)
	}
	grp, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("readers"), Path: aws.String("/team/")})
	if err != nil || aws.ToString(grp.Group.Arn) != "arn:aws:iam::000000000000:group/team/readers" {
		t.Fatalf("CreateGroup: %+v %v", grp, err)
	}
	if _, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("readers")}); code(err) != "EntityAlreadyExists" {
		t.Errorf("a second group of the name: %v", err)
	}
	c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ada")})
	key, _ := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ada")})
	ada := s3.NewFromConfig(g.cfg(credentials.NewStaticCredentialsProvider(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := ada.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("team")}); code(err) != "AccessDenied" {
		t.Errorf("before the group: %v", err)
	}
	if _, err := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("readers"), PolicyName: aws.String("list"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::team"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("readers"), UserName: aws.String("ada")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ada.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("team")}); err != nil {
		t.Errorf("as a member: %v", err)
	}
	if out, err := c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("readers")}); err != nil || len(out.Users) != 1 || aws.ToString(out.Users[0].UserName) != "ada" {
		t.Errorf("GetGroup: %+v %v", out, err)
	}
	if out, err := c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("ada")}); err != nil || len(out.Groups) != 1 {
		t.Errorf("ListGroupsForUser: %+v %v", out, err)
	}
	if out, err := c.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: aws.String("readers")}); err != nil || len(out.PolicyNames) != 1 {
		t.Errorf("ListGroupPolicies: %+v %v", out, err)
	}
	if _, err := c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("readers")}); code(err) != "DeleteConflict" {
		t.Errorf("deleting a group with members: %v", err)
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("ada")}); code(err) != "DeleteConflict" {
		t.Errorf("deleting a member: %v", err)
	}
	if _, err := c.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: aws.String("readers"), NewGroupName: aws.String("viewers")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ada.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("team")}); err != nil {
		t.Errorf("after the rename: %v", err)
	}
	if _, err := c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("viewers"), UserName: aws.String("ada")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ada.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("team")}); code(err) != "AccessDenied" {
		t.Errorf("after leaving: %v", err)
	}
	c.DeleteGroupPolicy(ctx, &iam.DeleteGroupPolicyInput{GroupName: aws.String("viewers"), PolicyName: aws.String("list")})
	if _, err := c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("viewers")}); err != nil {
		t.Errorf("DeleteGroup: %v", err)
	}
	if _, err := c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("viewers")}); code(err) != "NoSuchEntity" {
		t.Errorf("a deleted group: %v", err)
	}
}

// TestPermissionsBoundary: a boundary bounds what identity policies allow
// (the intersection), never grants by itself, and its removal restores
// the identity's permissions; an unknown boundary policy is refused.
func TestPermissionsBoundary(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	root := s3.NewFromConfig(g.cfg(g.creds), func(o *s3.Options) { o.UsePathStyle = true })
	root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bounded")})
	bp, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("list-only"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject"],"Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), PermissionsBoundary: aws.String("arn:aws:iam::000000000000:policy/nope")}); code(err) != "NoSuchEntity" {
		t.Errorf("an unknown boundary: %v", err)
	}
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), PermissionsBoundary: bp.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if u, _ := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")}); u.User.PermissionsBoundary == nil || aws.ToString(u.User.PermissionsBoundary.PermissionsBoundaryArn) != *bp.Policy.Arn {
		t.Errorf("GetUser boundary: %+v", u.User.PermissionsBoundary)
	}
	c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("s3"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:PutObject"],"Resource":"*"}]}`)})
	key, _ := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	bob := s3.NewFromConfig(g.cfg(credentials.NewStaticCredentialsProvider(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := bob.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bounded")}); err != nil {
		t.Errorf("allowed by both: %v", err)
	}
	put := func() error {
		_, err := bob.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bounded"), Key: aws.String("k"), Body: strings.NewReader("x")})
		return err
	}
	if err := put(); code(err) != "AccessDenied" || !strings.Contains(err.Error(), "permissions boundary") {
		t.Errorf("allowed by identity, not by the boundary: %v", err)
	}
	if _, err := bob.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bounded"), Key: aws.String("k")}); code(err) != "AccessDenied" {
		t.Errorf("allowed by the boundary only: %v", err)
	}
	if _, err := c.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	if err := put(); err != nil {
		t.Errorf("after the boundary is removed: %v", err)
	}
}

// TestPolicySimulator: SimulatePrincipalPolicy and SimulateCustomPolicy
// answer from the engine that authorizes requests, with the statements
// that matched and the context keys a condition needed but was not given.
func TestPolicySimulator(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("sim")})
	c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("sim"), PolicyName: aws.String("own"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::docs/*"},
		{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::docs/secret/*"},
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"s3:x-amz-acl":"private"}}}]}`)})
	out, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::000000000000:user/sim"),
		ActionNames: []string{"s3:GetObject", "s3:PutObject"}, ResourceArns: []string{"arn:aws:s3:::docs/a.txt", "arn:aws:s3:::docs/secret/b.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range out.EvaluationResults {
		key := aws.ToString(r.EvalActionName) + " " + aws.ToString(r.EvalResourceName)
		got[key] = string(r.EvalDecision)
		if key == "s3:GetObject arn:aws:s3:::docs/a.txt" && (len(r.MatchedStatements) != 1 || aws.ToString(r.MatchedStatements[0].SourcePolicyId) != "own") {
			t.Errorf("matched statements: %+v", r.MatchedStatements)
		}
		if key == "s3:PutObject arn:aws:s3:::docs/a.txt" && (len(r.MissingContextValues) != 1 || r.MissingContextValues[0] != "s3:x-amz-acl") {
			t.Errorf("missing context values: %v", r.MissingContextValues)
		}
	}
	want := map[string]string{"s3:GetObject arn:aws:s3:::docs/a.txt": "allowed", "s3:GetObject arn:aws:s3:::docs/secret/b.txt": "explicitDeny",
		"s3:PutObject arn:aws:s3:::docs/a.txt": "implicitDeny"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	custom, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{ActionNames: []string{"s3:PutObject"},
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"s3:x-amz-acl":"private"}}}]}`},
		ContextEntries:  []iamtypes.ContextEntry{{ContextKeyName: aws.String("s3:x-amz-acl"), ContextKeyValues: []string{"private"}, ContextKeyType: "string"}}})
	if err != nil || len(custom.EvaluationResults) != 1 || custom.EvaluationResults[0].EvalDecision != "allowed" {
		t.Errorf("SimulateCustomPolicy: %+v %v", custom, err)
	}
	keys, err := c.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::000000000000:user/sim")})
	if err != nil || len(keys.ContextKeyNames) != 1 || keys.ContextKeyNames[0] != "s3:x-amz-acl" {
		t.Errorf("GetContextKeysForPrincipalPolicy: %+v %v", keys, err)
	}
}

// TestIAMControlPlane: UpdateUser, tags on users, policies and OIDC
// providers, OIDC client ids and thumbprints, idempotent provider
// deletion, account aliases, the account summary, a policy's entities, and
// a key's last use, really tracked.
func TestIAMControlPlane(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("cara")})
	if _, err := c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("cara"), NewUserName: aws.String("carla"), NewPath: aws.String("/ops/")}); err != nil {
		t.Fatal(err)
	}
	if u, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("carla")}); err != nil || aws.ToString(u.User.Arn) != "arn:aws:iam::000000000000:user/ops/carla" {
		t.Errorf("renamed user: %+v %v", u, err)
	}
	c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("carla"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}})
	if tg, _ := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("carla")}); len(tg.Tags) != 1 {
		t.Errorf("ListUserTags: %+v", tg)
	}
	pol, _ := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)})
	c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: pol.Policy.Arn, Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if tg, _ := c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: pol.Policy.Arn}); len(tg.Tags) != 1 {
		t.Errorf("ListPolicyTags: %+v", tg)
	}
	c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("carla"), PolicyArn: pol.Policy.Arn})
	if e, err := c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: pol.Policy.Arn}); err != nil || len(e.PolicyUsers) != 1 {
		t.Errorf("ListEntitiesForPolicy: %+v %v", e, err)
	}
	op, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://id.example"), ClientIDList: []string{"a"},
		ThumbprintList: []string{"0123456789012345678901234567890123456789"}})
	if err != nil {
		t.Fatal(err)
	}
	c.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: op.OpenIDConnectProviderArn, ClientID: aws.String("b")})
	c.RemoveClientIDFromOpenIDConnectProvider(ctx, &iam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: op.OpenIDConnectProviderArn, ClientID: aws.String("a")})
	if _, err := c.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: op.OpenIDConnectProviderArn,
		ThumbprintList: []string{"not-a-thumbprint"}}); code(err) != "ValidationError" {
		t.Errorf("a bad thumbprint: %v", err)
	}
	if p, _ := c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: op.OpenIDConnectProviderArn}); len(p.ClientIDList) != 1 || p.ClientIDList[0] != "b" {
		t.Errorf("client ids: %+v", p.ClientIDList)
	}
	for i := 0; i < 2; i++ {
		if _, err := c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: op.OpenIDConnectProviderArn}); err != nil {
			t.Errorf("DeleteOpenIDConnectProvider #%d: %v", i+1, err)
		}
	}
	if _, err := c.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("Bad--Alias")}); code(err) != "ValidationError" {
		t.Errorf("a bad alias: %v", err)
	}
	c.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("sekisho-dev")})
	if a, _ := c.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{}); len(a.AccountAliases) != 1 || a.AccountAliases[0] != "sekisho-dev" {
		t.Errorf("aliases: %+v", a)
	}
	if s, err := c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{}); err != nil || s.SummaryMap["Users"] != 1 || s.SummaryMap["Policies"] != 1 {
		t.Errorf("summary: %+v %v", s.SummaryMap, err)
	}
	key, _ := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("carla")})
	if lu, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: key.AccessKey.AccessKeyId}); err != nil || aws.ToString(lu.AccessKeyLastUsed.ServiceName) != "N/A" {
		t.Errorf("never used: %+v %v", lu, err)
	}
	det, err := c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{})
	if err != nil || len(det.UserDetailList) != 1 || len(det.UserDetailList[0].AttachedManagedPolicies) != 1 || len(det.Policies) != 1 || len(det.Policies[0].PolicyVersionList) != 1 {
		t.Errorf("GetAccountAuthorizationDetails: %+v %v", det, err)
	}
	carla := s3.NewFromConfig(g.cfg(credentials.NewStaticCredentialsProvider(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")), func(o *s3.Options) { o.UsePathStyle = true })
	carla.ListBuckets(ctx, &s3.ListBucketsInput{})
	if lu, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: key.AccessKey.AccessKeyId}); err != nil || aws.ToString(lu.AccessKeyLastUsed.ServiceName) != "s3" || lu.AccessKeyLastUsed.LastUsedDate == nil || aws.ToString(lu.UserName) != "carla" {
		t.Errorf("after use: %+v %v", lu.AccessKeyLastUsed, err)
	}
}

// TestInstanceAndLoginProfiles: instance profiles with a role, login
// profiles under the account password policy, and their conflicts.
func TestInstanceAndLoginProfiles(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ec2"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	p, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")})
	if err != nil || aws.ToString(p.InstanceProfile.Arn) != "arn:aws:iam::000000000000:instance-profile/web" {
		t.Fatalf("CreateInstanceProfile: %+v %v", p, err)
	}
	c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("ec2")})
	if _, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("ec2")}); code(err) != "LimitExceeded" {
		t.Errorf("a second role: %v", err)
	}
	if l, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("ec2")}); err != nil || len(l.InstanceProfiles) != 1 || len(l.InstanceProfiles[0].Roles) != 1 {
		t.Errorf("ListInstanceProfilesForRole: %+v %v", l, err)
	}
	if _, err := c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web")}); code(err) != "DeleteConflict" {
		t.Errorf("deleting a profile with a role: %v", err)
	}
	c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("ec2")})
	if _, err := c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web")}); err != nil {
		t.Errorf("DeleteInstanceProfile: %v", err)
	}
	if _, err := c.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{}); code(err) != "NoSuchEntity" {
		t.Errorf("no policy yet: %v", err)
	}
	c.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(12), RequireNumbers: true})
	if pp, err := c.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{}); err != nil || aws.ToInt32(pp.PasswordPolicy.MinimumPasswordLength) != 12 {
		t.Errorf("GetAccountPasswordPolicy: %+v %v", pp, err)
	}
	c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dee")})
	if _, err := c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("dee"), Password: aws.String("short1")}); code(err) != "PasswordPolicyViolation" {
		t.Errorf("a weak password: %v", err)
	}
	if _, err := c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("dee"), Password: aws.String("long enough 123"), PasswordResetRequired: true}); err != nil {
		t.Fatal(err)
	}
	if lp, err := c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("dee")}); err != nil || !lp.LoginProfile.PasswordResetRequired {
		t.Errorf("GetLoginProfile: %+v %v", lp, err)
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("dee")}); code(err) != "DeleteConflict" {
		t.Errorf("deleting a user with a login profile: %v", err)
	}
	c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("dee")})
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("dee")}); err != nil {
		t.Errorf("DeleteUser: %v", err)
	}
}

// TestCognitoPagination: the user-pool list calls page as AWS does.
func TestCognitoPagination(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	for i := 0; i < 5; i++ {
		idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(fmt.Sprintf("p%d", i))})
	}
	seen := map[string]bool{}
	var next *string
	pages := 0
	for {
		out, err := idp.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(2), NextToken: next})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, p := range out.UserPools {
			seen[*p.Id] = true
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	if len(seen) != 5 || pages != 3 {
		t.Errorf("ListUserPools pages: %d pools over %d pages", len(seen), pages)
	}
	if _, err := idp.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(61)}); code(err) != "InvalidParameterException" {
		t.Errorf("MaxResults 61: %v", err)
	}
	pool, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("groups")})
	for _, n := range []string{"b", "a", "c"} {
		idp.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: pool.UserPool.Id, GroupName: aws.String(n)})
		idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool.UserPool.Id, ClientName: aws.String(n)})
	}
	gp, err := idp.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: pool.UserPool.Id, Limit: aws.Int32(2)})
	if err != nil || len(gp.Groups) != 2 || gp.NextToken == nil {
		t.Fatalf("ListGroups page 1: %+v %v", gp, err)
	}
	gp2, _ := idp.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: pool.UserPool.Id, Limit: aws.Int32(2), NextToken: gp.NextToken})
	if len(gp2.Groups) != 1 || aws.ToString(gp2.Groups[0].GroupName) != "c" || gp2.NextToken != nil {
		t.Errorf("ListGroups page 2: %+v", gp2)
	}
	cp, _ := idp.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: pool.UserPool.Id, MaxResults: aws.Int32(2)})
	if len(cp.UserPoolClients) != 2 || cp.NextToken == nil {
		t.Errorf("ListUserPoolClients: %+v", cp)
	}
}

// TestIAMMFA: a virtual MFA device enabled with two consecutive codes;
// GetSessionToken with its code gives sessions for which
// aws:MultiFactorAuthPresent is true, and a policy requiring MFA allows
// them alone; wrong and replayed codes are refused.
func TestIAMMFA(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mfa-user")})
	c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("mfa-user"), PolicyName: aws.String("mfa"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)})
	key, _ := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("mfa-user")})
	dev, err := c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("phone")})
	if err != nil {
		t.Fatal(err)
	}
	seed := string(dev.VirtualMFADevice.Base32StringSeed)
	if _, err := c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("mfa-user"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String("000000"), AuthenticationCode2: aws.String("000000")}); code(err) != "InvalidAuthenticationCode" {
		t.Errorf("wrong codes: %v", err)
	}
	if _, err := c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("mfa-user"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(totpAt(t, strings.TrimRight(seed, "="), -1)), AuthenticationCode2: aws.String(totpAt(t, strings.TrimRight(seed, "="), 0))}); err != nil {
		t.Fatal(err)
	}
	if l, _ := c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("mfa-user")}); len(l.MFADevices) != 1 {
		t.Errorf("ListMFADevices: %+v", l)
	}
	userSTS := sts.NewFromConfig(g.cfg(credentials.NewStaticCredentialsProvider(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")))
	list := func(cr *ststypes.Credentials) error {
		s := s3.NewFromConfig(g.cfg(credentials.NewStaticCredentialsProvider(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)), func(o *s3.Options) { o.UsePathStyle = true })
		_, err := s.ListBuckets(ctx, &s3.ListBucketsInput{})
		return err
	}
	plain, err := userSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	if err := list(plain.Credentials); code(err) != "AccessDenied" {
		t.Errorf("a session without MFA: %v", err)
	}
	if _, err := userSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: dev.VirtualMFADevice.SerialNumber, TokenCode: aws.String("123456")}); code(err) != "AccessDenied" {
		t.Errorf("a wrong code: %v", err)
	}
	codeNow := totpAt(t, strings.TrimRight(seed, "="), 1)
	withMFA, err := userSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: dev.VirtualMFADevice.SerialNumber, TokenCode: aws.String(codeNow)})
	if err != nil {
		t.Fatal(err)
	}
	if err := list(withMFA.Credentials); err != nil {
		t.Errorf("a session with MFA: %v", err)
	}
	if _, err := userSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: dev.VirtualMFADevice.SerialNumber, TokenCode: aws.String(codeNow)}); code(err) != "AccessDenied" {
		t.Errorf("a replayed code: %v", err)
	}
}
