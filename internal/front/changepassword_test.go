package front_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestChangePassword: an IAM user changes their own password when
// iam:ChangePassword or the password policy allows it (an explicit deny
// still wins), with the old password right, the new one within the
// policy, and at most five wrong old passwords a quarter hour.
func TestChangePassword(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	admin := iam.NewFromConfig(g.cfg(g.creds))
	must := mustOK(t)
	_, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("kai")})
	must("CreateUser", err)
	_, err = admin.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("kai"), Password: aws.String("First#Pass1"), PasswordResetRequired: true})
	must("CreateLoginProfile", err)
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("kai")})
	must("CreateAccessKey", err)
	kai := iam.NewFromConfig(g.cfg(keyCreds(key)))
	change := func(old, new string) error {
		_, err := kai.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String(old), NewPassword: aws.String(new)})
		return err
	}
	// No permission, no password policy: denied.
	if err := change("First#Pass1", "Second#Pass2"); apiCode(err) != "AccessDenied" {
		t.Fatalf("without permission: %v", err)
	}
	// The password policy lets users change their own.
	_, err = admin.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{AllowUsersToChangePassword: true, MinimumPasswordLength: aws.Int32(10), RequireSymbols: true})
	must("UpdateAccountPasswordPolicy", err)
	if err := change("First#Pass1", "short"); apiCode(err) != "PasswordPolicyViolation" {
		t.Fatalf("a new password outside the policy: %v", err)
	}
	if err := change("Wrong#Pass1", "Second#Pass2"); apiCode(err) != "AccessDenied" || apiMessage(err) != "The old password is incorrect." {
		t.Fatalf("a wrong old password: %v", err)
	}
	must("ChangePassword", change("First#Pass1", "Second#Pass2"))
	lp, err := admin.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("kai")})
	must("GetLoginProfile", err)
	if lp.LoginProfile.PasswordResetRequired {
		t.Fatal("still asked to reset after changing")
	}
	if err := change("First#Pass1", "Third#Pass33"); apiCode(err) != "AccessDenied" {
		t.Fatalf("the replaced password still works: %v", err)
	}
	// An explicit deny overrides the password policy's grant.
	_, err = admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("kai"), PolicyName: aws.String("no"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ChangePassword","Resource":"*"}]}`)})
	must("PutUserPolicy", err)
	if err := change("Second#Pass2", "Third#Pass33"); apiCode(err) != "AccessDenied" || apiMessage(err) == "The old password is incorrect." {
		t.Fatalf("with an explicit deny: %v", err)
	}
	_, err = admin.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("kai"), PolicyName: aws.String("no")})
	must("DeleteUserPolicy", err)
	// Guessing is capped: after five wrong old passwords (one above),
	// even the right one waits.
	for i := 0; i < 4; i++ {
		change("Guess#Pass"+string(rune('a'+i)), "Third#Pass33")
	}
	if err := change("Second#Pass2", "Third#Pass33"); apiCode(err) != "LimitExceeded" {
		t.Fatalf("after five wrong passwords: %v", err)
	}
	// The root user has no IAM password to change.
	if _, err := admin.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String("x"), NewPassword: aws.String("y")}); apiCode(err) != "InvalidUserType" {
		t.Fatalf("root: %v", err)
	}
}

// TestSTSPreferences: the global endpoint's token version is kept and
// reported by GetAccountSummary.
func TestSTSPreferences(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	summary := func() int32 {
		out, err := c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
		if err != nil {
			t.Fatal(err)
		}
		return out.SummaryMap["GlobalEndpointTokenVersion"]
	}
	if v := summary(); v != 1 {
		t.Fatalf("default version %d", v)
	}
	if _, err := c.SetSecurityTokenServicePreferences(ctx, &iam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: "v2Token"}); err != nil {
		t.Fatal(err)
	}
	if v := summary(); v != 2 {
		t.Fatalf("after v2Token: %d", v)
	}
	if _, err := c.SetSecurityTokenServicePreferences(ctx, &iam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: "v3Token"}); apiCode(err) != "ValidationError" {
		t.Fatalf("an unknown version: %v", err)
	}
}

// TestPoliciesGrantingServiceAccess: a user's own and its groups' inline
// and managed policies, per service, as IAM lists them.
func TestPoliciesGrantingServiceAccess(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	must := mustOK(t)
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("kai")})
	must("CreateUser", err)
	_, err = c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")})
	must("CreateGroup", err)
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("kai")})
	must("AddUserToGroup", err)
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("kai"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	must("PutUserPolicy", err)
	_, err = c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("pools"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cognito-idp:List*","Resource":"*"}]}`)})
	must("PutGroupPolicy", err)
	_, err = c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")})
	must("AttachGroupPolicy", err)
	out, err := c.ListPoliciesGrantingServiceAccess(ctx, &iam.ListPoliciesGrantingServiceAccessInput{Arn: aws.String("arn:aws:iam::000000000000:user/kai"),
		ServiceNamespaces: []string{"s3", "cognito-idp", "iam"}})
	must("ListPoliciesGrantingServiceAccess", err)
	got := map[string][]string{}
	for _, e := range out.PoliciesGrantingServiceAccess {
		for _, p := range e.Policies {
			got[aws.ToString(e.ServiceNamespace)] = append(got[aws.ToString(e.ServiceNamespace)], string(p.PolicyType)+":"+aws.ToString(p.PolicyName)+":"+string(p.EntityType)+":"+aws.ToString(p.EntityName)+":"+aws.ToString(p.PolicyArn))
		}
	}
	want := map[string][]string{
		"s3":          {"INLINE:read:USER:kai:", "MANAGED:AmazonS3ReadOnlyAccess:::arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
		"cognito-idp": {"INLINE:pools:GROUP:devs:"},
	}
	if len(got) != len(want) || len(out.PoliciesGrantingServiceAccess) != 3 {
		t.Fatalf("got %v", got)
	}
	for ns, w := range want {
		if len(got[ns]) != len(w) {
			t.Fatalf("%s: %v, want %v", ns, got[ns], w)
		}
		for i := range w {
			if got[ns][i] != w[i] {
				t.Fatalf("%s: %v, want %v", ns, got[ns], w)
			}
		}
	}
	if _, err := c.ListPoliciesGrantingServiceAccess(ctx, &iam.ListPoliciesGrantingServiceAccessInput{Arn: aws.String("arn:aws:iam::000000000000:user/nobody"),
		ServiceNamespaces: []string{"s3"}}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("an unknown user: %v", err)
	}
}

// TestServiceLastAccessed: the services a user's, a role's, a group's or
// a policy's permissions allow, and when its users and roles last called
// them, from real calls.
func TestServiceLastAccessed(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	must := mustOK(t)
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("kai")})
	must("CreateUser", err)
	_, err = c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")})
	must("CreateGroup", err)
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("kai")})
	must("AddUserToGroup", err)
	_, err = c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")})
	must("AttachGroupPolicy", err)
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("kai"), PolicyName: aws.String("s3"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)})
	must("PutUserPolicy", err)
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("kai")})
	must("CreateAccessKey", err)
	kai := iam.NewFromConfig(g.cfg(keyCreds(key)))
	_, err = kai.ListUsers(ctx, &iam.ListUsersInput{})
	must("kai's ListUsers", err)

	report := func(arn string) (*iam.GetServiceLastAccessedDetailsOutput, string) {
		gen, err := c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(arn)})
		must("GenerateServiceLastAccessedDetails", err)
		out, err := c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: gen.JobId})
		must("GetServiceLastAccessedDetails", err)
		if out.JobStatus != "COMPLETED" {
			t.Fatalf("job %s", out.JobStatus)
		}
		return out, aws.ToString(gen.JobId)
	}
	userARN := "arn:aws:iam::000000000000:user/kai"
	out, _ := report(userARN)
	byNS := map[string]int{}
	for i, s := range out.ServicesLastAccessed {
		byNS[aws.ToString(s.ServiceNamespace)] = i
	}
	if len(out.ServicesLastAccessed) != 2 {
		t.Fatalf("services %+v", out.ServicesLastAccessed)
	}
	iamUse, s3Use := out.ServicesLastAccessed[byNS["iam"]], out.ServicesLastAccessed[byNS["s3"]]
	if iamUse.LastAuthenticated == nil || aws.ToString(iamUse.LastAuthenticatedEntity) != userARN || aws.ToInt32(iamUse.TotalAuthenticatedEntities) != 1 {
		t.Fatalf("iam: %+v", iamUse)
	}
	if s3Use.LastAuthenticated != nil || aws.ToInt32(s3Use.TotalAuthenticatedEntities) != 0 {
		t.Fatalf("s3, never called: %+v", s3Use)
	}
	// The group's report names its members that called the service.
	_, job := report("arn:aws:iam::000000000000:group/devs")
	ents, err := c.GetServiceLastAccessedDetailsWithEntities(ctx, &iam.GetServiceLastAccessedDetailsWithEntitiesInput{JobId: aws.String(job), ServiceNamespace: aws.String("iam")})
	must("GetServiceLastAccessedDetailsWithEntities", err)
	if len(ents.EntityDetailsList) != 1 || aws.ToString(ents.EntityDetailsList[0].EntityInfo.Arn) != userARN || ents.EntityDetailsList[0].EntityInfo.Type != "USER" {
		t.Fatalf("entities %+v", ents.EntityDetailsList)
	}
	if _, err := c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: aws.String("00000000-0000-0000-0000-000000000000")}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("an unknown job: %v", err)
	}
}

// TestMFAGuessesCapped: five wrong MFA codes to GetSessionToken in a
// quarter hour lock the device, right code or not, so a leaked access
// key cannot guess its way past MFA.
func TestMFAGuessesCapped(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("kai")})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("kai")})
	dev, _ := c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("kai")})
	seed := strings.TrimRight(string(dev.VirtualMFADevice.Base32StringSeed), "=")
	if _, err := c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("kai"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(totpAt(t, seed, -1)), AuthenticationCode2: aws.String(totpAt(t, seed, 0))}); err != nil {
		t.Fatal(err)
	}
	kai := sts.NewFromConfig(g.cfg(keyCreds(key)))
	try := func(code string) error {
		_, err := kai.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: dev.VirtualMFADevice.SerialNumber, TokenCode: aws.String(code)})
		return err
	}
	right := totpAt(t, seed, 1)
	for i := 0; i < 5; i++ {
		wrong := "000000"
		if right == wrong {
			wrong = "111111"
		}
		if err := try(wrong); apiCode(err) != "AccessDenied" {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	if err := try(right); apiCode(err) != "AccessDenied" {
		t.Fatalf("the right code after five wrong ones: %v", err)
	}
}

// TestAssumeRoleWithMFA: a role whose trust policy requires MFA is
// assumed with the caller's device code (SerialNumber, TokenCode), and its
// session counts as MFA-authenticated.
func TestAssumeRoleWithMFA(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	must := mustOK(t)
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("kai")})
	must("CreateUser", err)
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("kai"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	must("PutUserPolicy", err)
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("kai")})
	must("CreateAccessKey", err)
	dev, err := c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("kai")})
	must("CreateVirtualMFADevice", err)
	seed := strings.TrimRight(string(dev.VirtualMFADevice.Base32StringSeed), "=")
	_, err = c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("kai"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(totpAt(t, seed, -1)), AuthenticationCode2: aws.String(totpAt(t, seed, 0))})
	must("EnableMFADevice", err)
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("admin"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/kai"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)})
	must("CreateRole", err)
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("admin"), PolicyName: aws.String("list"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)})
	must("PutRolePolicy", err)
	kai := sts.NewFromConfig(g.cfg(keyCreds(key)))
	roleARN := aws.String("arn:aws:iam::000000000000:role/admin")
	if _, err := kai.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: roleARN, RoleSessionName: aws.String("no-mfa")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("without MFA: %v", err)
	}
	out, err := kai.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: roleARN, RoleSessionName: aws.String("mfa"),
		SerialNumber: dev.VirtualMFADevice.SerialNumber, TokenCode: aws.String(totpAt(t, seed, 1))})
	must("AssumeRole with MFA", err)
	session := iam.NewFromConfig(g.cfg(credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))))
	_, err = session.ListUsers(ctx, &iam.ListUsersInput{})
	must("the MFA session's ListUsers", err)
}
