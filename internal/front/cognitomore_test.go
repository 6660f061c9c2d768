package front_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestCognitoControlPlaneMore: pool tags, mirrored message settings, the
// auth event history with threat protection on (and its refusal when
// off), a user's factors, self-service attribute deletion, UI and risk
// settings, log delivery, and the SAML signing certificate.
func TestCognitoControlPlaneMore(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	anon := cip.NewFromConfig(g.cfg(aws.AnonymousCredentials{}))
	must := mustOK(t)
	pool, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("more"), EmailVerificationSubject: aws.String("Your code"),
		UserPoolTags: map[string]string{"team": "a"}, UserPoolAddOns: &ciptypes.UserPoolAddOnsType{AdvancedSecurityMode: "AUDIT"}})
	must("CreateUserPool", err)
	p := pool.UserPool
	if p.VerificationMessageTemplate == nil || aws.ToString(p.VerificationMessageTemplate.EmailSubject) != "Your code" || p.VerificationMessageTemplate.DefaultEmailOption != "CONFIRM_WITH_CODE" ||
		p.EmailConfiguration == nil || p.EmailConfiguration.EmailSendingAccount != "COGNITO_DEFAULT" || p.UserPoolAddOns == nil {
		t.Fatalf("pool settings %+v %+v %+v", p.VerificationMessageTemplate, p.EmailConfiguration, p.UserPoolAddOns)
	}
	_, err = idp.TagResource(ctx, &cip.TagResourceInput{ResourceArn: p.Arn, Tags: map[string]string{"env": "dev"}})
	must("TagResource", err)
	_, err = idp.UntagResource(ctx, &cip.UntagResourceInput{ResourceArn: p.Arn, TagKeys: []string{"team"}})
	must("UntagResource", err)
	tags, err := idp.ListTagsForResource(ctx, &cip.ListTagsForResourceInput{ResourceArn: p.Arn})
	must("ListTagsForResource", err)
	if len(tags.Tags) != 1 || tags.Tags["env"] != "dev" {
		t.Fatalf("tags %v", tags.Tags)
	}
	if _, err := idp.ListTagsForResource(ctx, &cip.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_nope")}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("tags of no pool: %v", err)
	}

	client, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: p.Id, ClientName: aws.String("web"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	must("CreateUserPoolClient", err)
	cid := client.UserPoolClient.ClientId
	_, err = idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: p.Id, Username: aws.String("rin"), MessageAction: "SUPPRESS",
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String("rin@example.com")}, {Name: aws.String("nickname"), Value: aws.String("r")}}})
	must("AdminCreateUser", err)
	_, err = idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: p.Id, Username: aws.String("rin"), Password: aws.String("Rin#Pass1234"), Permanent: true})
	must("AdminSetUserPassword", err)
	_, err = anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "rin", "PASSWORD": "wrong-Pass1"}})
	if apiCode(err) != "NotAuthorizedException" {
		t.Fatalf("wrong password: %v", err)
	}
	auth, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "rin", "PASSWORD": "Rin#Pass1234"}})
	must("InitiateAuth", err)
	evs, err := idp.AdminListUserAuthEvents(ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: p.Id, Username: aws.String("rin")})
	must("AdminListUserAuthEvents", err)
	if len(evs.AuthEvents) != 2 || evs.AuthEvents[0].EventResponse != "Pass" || evs.AuthEvents[1].EventResponse != "Fail" || evs.AuthEvents[0].EventType != "SignIn" {
		t.Fatalf("events %+v", evs.AuthEvents)
	}
	_, err = idp.AdminUpdateAuthEventFeedback(ctx, &cip.AdminUpdateAuthEventFeedbackInput{UserPoolId: p.Id, Username: aws.String("rin"), EventId: evs.AuthEvents[1].EventId, FeedbackValue: "Invalid"})
	must("AdminUpdateAuthEventFeedback", err)
	evs, _ = idp.AdminListUserAuthEvents(ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: p.Id, Username: aws.String("rin")})
	if evs.AuthEvents[1].EventFeedback == nil || evs.AuthEvents[1].EventFeedback.FeedbackValue != "Invalid" {
		t.Fatalf("feedback %+v", evs.AuthEvents[1].EventFeedback)
	}
	plain, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("plain")})
	must("CreateUserPool plain", err)
	if _, err := idp.AdminListUserAuthEvents(ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: plain.UserPool.Id, Username: aws.String("x")}); apiCode(err) != "UserPoolAddOnNotEnabledException" {
		t.Fatalf("events without threat protection: %v", err)
	}

	tok := auth.AuthenticationResult.AccessToken
	f, err := anon.GetUserAuthFactors(ctx, &cip.GetUserAuthFactorsInput{AccessToken: tok})
	must("GetUserAuthFactors", err)
	if *f.Username != "rin" || len(f.ConfiguredUserAuthFactors) != 1 || f.ConfiguredUserAuthFactors[0] != "PASSWORD" {
		t.Fatalf("factors %+v", f)
	}
	_, err = anon.DeleteUserAttributes(ctx, &cip.DeleteUserAttributesInput{AccessToken: tok, UserAttributeNames: []string{"nickname"}})
	must("DeleteUserAttributes", err)
	u, _ := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: p.Id, Username: aws.String("rin")})
	for _, a := range u.UserAttributes {
		if *a.Name == "nickname" {
			t.Fatal("nickname not deleted")
		}
	}
	if _, err := anon.DeleteUserAttributes(ctx, &cip.DeleteUserAttributesInput{AccessToken: aws.String("bad"), UserAttributeNames: []string{"nickname"}}); apiCode(err) != "NotAuthorizedException" {
		t.Fatalf("bad token: %v", err)
	}

	ui, err := idp.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: p.Id, ClientId: cid, CSS: aws.String(".banner-customizable {background-color: black;}")})
	must("SetUICustomization", err)
	if *ui.UICustomization.ClientId != *cid {
		t.Fatalf("ui %+v", ui.UICustomization)
	}
	gu, err := idp.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: p.Id, ClientId: cid})
	must("GetUICustomization", err)
	if aws.ToString(gu.UICustomization.CSS) == "" {
		t.Fatalf("ui %+v", gu.UICustomization)
	}
	if _, err := idp.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: p.Id, ClientId: aws.String("nosuchclient")}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("ui of no client: %v", err)
	}
	_, err = idp.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{UserPoolId: p.Id, RiskExceptionConfiguration: &ciptypes.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"10.0.0.0/8"}}})
	must("SetRiskConfiguration", err)
	rc, err := idp.DescribeRiskConfiguration(ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: p.Id})
	must("DescribeRiskConfiguration", err)
	if rc.RiskConfiguration.RiskExceptionConfiguration == nil || rc.RiskConfiguration.RiskExceptionConfiguration.BlockedIPRangeList[0] != "10.0.0.0/8" {
		t.Fatalf("risk %+v", rc.RiskConfiguration)
	}
	ld, err := idp.GetLogDeliveryConfiguration(ctx, &cip.GetLogDeliveryConfigurationInput{UserPoolId: p.Id})
	must("GetLogDeliveryConfiguration", err)
	if *ld.LogDeliveryConfiguration.UserPoolId != *p.Id {
		t.Fatalf("log delivery %+v", ld.LogDeliveryConfiguration)
	}
	sc, err := idp.GetSigningCertificate(ctx, &cip.GetSigningCertificateInput{UserPoolId: p.Id})
	must("GetSigningCertificate", err)
	der, err := base64.StdEncoding.DecodeString(*sc.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		t.Fatalf("certificate: %v", err)
	}
	if sc2, _ := idp.GetSigningCertificate(ctx, &cip.GetSigningCertificateInput{UserPoolId: p.Id}); *sc2.Certificate != *sc.Certificate {
		t.Fatal("the certificate changed between calls")
	}
}

// TestIdentityPoolsMore: identity pool tags, developer identities merged
// and unlinked, and ListIdentities/ListIdentityPools pages.
func TestIdentityPoolsMore(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	ids := ci.NewFromConfig(g.cfg(g.creds))
	must := mustOK(t)
	pool, err := ids.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("dev"), AllowUnauthenticatedIdentities: false,
		DeveloperProviderName: aws.String("login.example"), IdentityPoolTags: map[string]string{"a": "1"}})
	must("CreateIdentityPool", err)
	arn := "arn:aws:cognito-identity:us-east-1:" + "000000000000" + ":identitypool/" + *pool.IdentityPoolId
	_, err = ids.TagResource(ctx, &ci.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"b": "2"}})
	must("TagResource", err)
	_, err = ids.UntagResource(ctx, &ci.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"a"}})
	must("UntagResource", err)
	tags, err := ids.ListTagsForResource(ctx, &ci.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	must("ListTagsForResource", err)
	if len(tags.Tags) != 1 || tags.Tags["b"] != "2" {
		t.Fatalf("tags %v", tags.Tags)
	}
	var idents []string
	for _, u := range []string{"u1", "u2", "u3"} {
		out, err := ids.GetOpenIdTokenForDeveloperIdentity(ctx, &ci.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: pool.IdentityPoolId, Logins: map[string]string{"login.example": u}})
		must("GetOpenIdTokenForDeveloperIdentity", err)
		idents = append(idents, *out.IdentityId)
	}
	// Pages of two.
	p1, err := ids.ListIdentities(ctx, &ci.ListIdentitiesInput{IdentityPoolId: pool.IdentityPoolId, MaxResults: aws.Int32(2)})
	must("ListIdentities", err)
	if len(p1.Identities) != 2 || p1.NextToken == nil {
		t.Fatalf("page 1 %+v", p1)
	}
	p2, err := ids.ListIdentities(ctx, &ci.ListIdentitiesInput{IdentityPoolId: pool.IdentityPoolId, MaxResults: aws.Int32(2), NextToken: p1.NextToken})
	must("ListIdentities 2", err)
	if len(p2.Identities) != 1 || p2.NextToken != nil {
		t.Fatalf("page 2 %+v", p2)
	}
	if _, err := ids.ListIdentities(ctx, &ci.ListIdentitiesInput{IdentityPoolId: pool.IdentityPoolId, MaxResults: aws.Int32(61)}); apiCode(err) != "ValidationException" {
		t.Fatalf("61 results: %v", err)
	}
	// Merge u2 into u1: u1's identity holds both; u2's is gone.
	m, err := ids.MergeDeveloperIdentities(ctx, &ci.MergeDeveloperIdentitiesInput{IdentityPoolId: pool.IdentityPoolId, DeveloperProviderName: aws.String("login.example"),
		SourceUserIdentifier: aws.String("u2"), DestinationUserIdentifier: aws.String("u1")})
	must("MergeDeveloperIdentities", err)
	if *m.IdentityId != idents[0] {
		t.Fatalf("merged into %s, want %s", *m.IdentityId, idents[0])
	}
	l, err := ids.LookupDeveloperIdentity(ctx, &ci.LookupDeveloperIdentityInput{IdentityPoolId: pool.IdentityPoolId, DeveloperUserIdentifier: aws.String("u2")})
	must("LookupDeveloperIdentity", err)
	if *l.IdentityId != idents[0] || len(l.DeveloperUserIdentifierList) != 2 {
		t.Fatalf("lookup %+v", l)
	}
	if _, err := ids.DescribeIdentity(ctx, &ci.DescribeIdentityInput{IdentityId: aws.String(idents[1])}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("the merged identity: %v", err)
	}
	_, err = ids.UnlinkDeveloperIdentity(ctx, &ci.UnlinkDeveloperIdentityInput{IdentityPoolId: pool.IdentityPoolId, IdentityId: aws.String(idents[0]),
		DeveloperProviderName: aws.String("login.example"), DeveloperUserIdentifier: aws.String("u1")})
	must("UnlinkDeveloperIdentity", err)
	l, err = ids.LookupDeveloperIdentity(ctx, &ci.LookupDeveloperIdentityInput{IdentityPoolId: pool.IdentityPoolId, IdentityId: aws.String(idents[0])})
	must("LookupDeveloperIdentity after unlink", err)
	if len(l.DeveloperUserIdentifierList) != 1 || l.DeveloperUserIdentifierList[0] != "u2" {
		t.Fatalf("after unlink %+v", l.DeveloperUserIdentifierList)
	}
	if _, err := ids.LookupDeveloperIdentity(ctx, &ci.LookupDeveloperIdentityInput{IdentityPoolId: pool.IdentityPoolId, DeveloperUserIdentifier: aws.String("u1")}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("unlinked user: %v", err)
	}
	// Identity pools page too.
	for _, n := range []string{"p2", "p3"} {
		_, err := ids.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String(n), AllowUnauthenticatedIdentities: true})
		must("CreateIdentityPool", err)
	}
	lp, err := ids.ListIdentityPools(ctx, &ci.ListIdentityPoolsInput{MaxResults: aws.Int32(2)})
	must("ListIdentityPools", err)
	lp2, err := ids.ListIdentityPools(ctx, &ci.ListIdentityPoolsInput{MaxResults: aws.Int32(2), NextToken: lp.NextToken})
	must("ListIdentityPools 2", err)
	if len(lp.IdentityPools) != 2 || len(lp2.IdentityPools) != 1 || lp2.NextToken != nil {
		t.Fatalf("pool pages %+v %+v", lp, lp2)
	}
}

// TestUserPoolSchema: the standard schema with its constraints, and
// Cognito's refusals of bad custom and standard attributes.
func TestUserPoolSchema(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	str := func(min, max string) *ciptypes.StringAttributeConstraintsType {
		return &ciptypes.StringAttributeConstraintsType{MinLength: aws.String(min), MaxLength: aws.String(max)}
	}
	for _, c := range []struct {
		attr ciptypes.SchemaAttributeType
		msg  string
	}{
		{ciptypes.SchemaAttributeType{Name: aws.String("nick"), AttributeDataType: "String", StringAttributeConstraints: str("10", "5")}, "user.custom:nick: Max length cannot be less than min length."},
		{ciptypes.SchemaAttributeType{Name: aws.String("nick"), AttributeDataType: "String", StringAttributeConstraints: str("0", "4096")}, "user.custom:nick: String attributes cannot have a length of more than 2048"},
		{ciptypes.SchemaAttributeType{Name: aws.String("nick"), AttributeDataType: "String", StringAttributeConstraints: str("a", "5")}, "Invalid StringAttributeConstraints for schema attribute custom:nick"},
		{ciptypes.SchemaAttributeType{Name: aws.String("age"), AttributeDataType: "Number", NumberAttributeConstraints: &ciptypes.NumberAttributeConstraintsType{MinValue: aws.String("10"), MaxValue: aws.String("1")}}, "user.custom:age: Max value cannot be less than min value."},
		{ciptypes.SchemaAttributeType{Name: aws.String("team"), AttributeDataType: "String", Required: aws.Bool(true)}, "Required custom attributes are not supported currently."},
		{ciptypes.SchemaAttributeType{Name: aws.String("team")}, "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."},
		{ciptypes.SchemaAttributeType{Name: aws.String("email"), AttributeDataType: "Number"}, "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute email"},
		{ciptypes.SchemaAttributeType{Name: aws.String("email"), DeveloperOnlyAttribute: aws.Bool(true)}, "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute email"},
	} {
		_, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("s"), Schema: []ciptypes.SchemaAttributeType{c.attr}})
		if apiCode(err) != "InvalidParameterException" || apiMessage(err) != c.msg {
			t.Errorf("%s: got %v, want %q", aws.ToString(c.attr.Name), err, c.msg)
		}
	}
	p, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("s"), Schema: []ciptypes.SchemaAttributeType{
		{Name: aws.String("secret"), AttributeDataType: "String", DeveloperOnlyAttribute: aws.Bool(true)},
		{Name: aws.String("plan"), AttributeDataType: "String"},
		{Name: aws.String("email"), AttributeDataType: "String", Required: aws.Bool(true)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]ciptypes.SchemaAttributeType{}
	for _, a := range p.UserPool.SchemaAttributes {
		byName[*a.Name] = a
	}
	if a := byName["sub"]; *a.StringAttributeConstraints.MinLength != "1" || *a.Mutable || !*a.Required {
		t.Errorf("sub %+v", a)
	}
	if a := byName["birthdate"]; *a.StringAttributeConstraints.MaxLength != "10" {
		t.Errorf("birthdate %+v", a)
	}
	if a := byName["updated_at"]; *a.NumberAttributeConstraints.MinValue != "0" {
		t.Errorf("updated_at %+v", a)
	}
	if a, ok := byName["dev:custom:secret"]; !ok || !*a.DeveloperOnlyAttribute {
		t.Errorf("developer-only attribute %+v", a)
	}
	if a := byName["custom:plan"]; a.StringAttributeConstraints == nil {
		t.Errorf("custom:plan %+v", a)
	}
	if a := byName["email"]; !*a.Required {
		t.Errorf("email %+v", a)
	}
}

// TestAccountRecovery: admin_only refuses self-service resets in
// Cognito's words; otherwise the first verified mechanism gets the code.
func TestAccountRecovery(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	anon := cip.NewFromConfig(g.cfg(aws.AnonymousCredentials{}))
	for _, c := range []struct {
		mechs  []ciptypes.RecoveryOptionType
		code   string
		medium ciptypes.DeliveryMediumType
	}{
		{[]ciptypes.RecoveryOptionType{{Name: "admin_only", Priority: aws.Int32(1)}}, "NotAuthorizedException", ""},
		{[]ciptypes.RecoveryOptionType{{Name: "verified_email", Priority: aws.Int32(1)}, {Name: "verified_phone_number", Priority: aws.Int32(2)}}, "", "EMAIL"},
		{[]ciptypes.RecoveryOptionType{{Name: "verified_email", Priority: aws.Int32(2)}, {Name: "verified_phone_number", Priority: aws.Int32(1)}}, "", "SMS"},
	} {
		p, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("r"), AccountRecoverySetting: &ciptypes.AccountRecoverySettingType{RecoveryMechanisms: c.mechs}})
		if err != nil {
			t.Fatal(err)
		}
		cl, _ := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientName: aws.String("c")})
		_, err = idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: p.UserPool.Id, Username: aws.String("u"), MessageAction: "SUPPRESS", UserAttributes: []ciptypes.AttributeType{
			{Name: aws.String("email"), Value: aws.String("u@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")},
			{Name: aws.String("phone_number"), Value: aws.String("+15555550100")}, {Name: aws.String("phone_number_verified"), Value: aws.String("true")}}})
		if err != nil {
			t.Fatal(err)
		}
		// Invited and still on the temporary password: no reset yet.
		if _, err := anon.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: cl.UserPoolClient.ClientId, Username: aws.String("u")}); c.code == "" &&
			(apiCode(err) != "NotAuthorizedException" || apiMessage(err) != "User password cannot be reset in the current state.") {
			t.Fatalf("reset on the temporary password: %v", err)
		}
		if _, err := idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: p.UserPool.Id, Username: aws.String("u"), Password: aws.String("Passw0rd!u"), Permanent: true}); err != nil {
			t.Fatal(err)
		}
		out, err := anon.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: cl.UserPoolClient.ClientId, Username: aws.String("u")})
		if c.code != "" {
			if apiCode(err) != c.code || apiMessage(err) != "Contact administrator to reset password." {
				t.Fatalf("admin_only: %v", err)
			}
			continue
		}
		if err != nil || out.CodeDeliveryDetails.DeliveryMedium != c.medium {
			t.Fatalf("%v: %+v %v", c.mechs, out, err)
		}
	}
}

// TestUserImportJobs: a CSV with GetCSVHeader's columns PUT to the job's
// pre-signed URL becomes RESET_REQUIRED users; a wrong token cannot
// upload; a job without a CSV fails.
func TestUserImportJobs(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	p, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("imp"), Schema: []ciptypes.SchemaAttributeType{{Name: aws.String("plan"), AttributeDataType: "String"}}})
	if err != nil {
		t.Fatal(err)
	}
	pid := p.UserPool.Id
	h, err := idp.GetCSVHeader(ctx, &cip.GetCSVHeaderInput{UserPoolId: pid})
	if err != nil || h.CSVHeader[len(h.CSVHeader)-1] != "cognito:username" || !slices.Contains(h.CSVHeader, "custom:plan") || slices.Contains(h.CSVHeader, "sub") {
		t.Fatalf("header %v %v", h, err)
	}
	if _, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String("taken"), MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	job, err := idp.CreateUserImportJob(ctx, &cip.CreateUserImportJobInput{UserPoolId: pid, JobName: aws.String("first"), CloudWatchLogsRoleArn: aws.String("arn:aws:iam::000000000000:role/CognitoImport")})
	if err != nil || job.UserImportJob.Status != "Created" || !strings.HasPrefix(*job.UserImportJob.JobId, "import-") {
		t.Fatalf("create %+v %v", job, err)
	}
	csv := "cognito:username,email,email_verified,custom:plan,cognito:mfa_enabled\nann,ann@example.com,true,gold,false\nben,ben@example.com,false,,false\ntaken,t@example.com,true,,false\n"
	put := func(url string) int {
		req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(csv))
		req.Header.Set("x-amz-server-side-encryption", "aws:kms")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	url := *job.UserImportJob.PreSignedUrl
	if code := put(url[:len(url)-4] + "0000"); code != 403 {
		t.Fatalf("a wrong token uploaded: %d", code)
	}
	if code := put(url); code != 200 {
		t.Fatalf("upload: %d", code)
	}
	st, err := idp.StartUserImportJob(ctx, &cip.StartUserImportJobInput{UserPoolId: pid, JobId: job.UserImportJob.JobId})
	if err != nil || st.UserImportJob.Status != "Pending" {
		t.Fatalf("start %+v %v", st, err)
	}
	var d *cip.DescribeUserImportJobOutput
	for i := 0; i < 100; i++ {
		d, err = idp.DescribeUserImportJob(ctx, &cip.DescribeUserImportJobInput{UserPoolId: pid, JobId: job.UserImportJob.JobId})
		if err != nil {
			t.Fatal(err)
		}
		if d.UserImportJob.Status == "Succeeded" || d.UserImportJob.Status == "Failed" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if j := d.UserImportJob; j.Status != "Succeeded" || j.ImportedUsers != 2 || j.FailedUsers != 1 || j.CompletionDate == nil {
		t.Fatalf("job %+v", j)
	}
	u, err := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pid, Username: aws.String("ann")})
	if err != nil || u.UserStatus != "RESET_REQUIRED" {
		t.Fatalf("ann %+v %v", u, err)
	}
	if _, err := idp.StopUserImportJob(ctx, &cip.StopUserImportJobInput{UserPoolId: pid, JobId: job.UserImportJob.JobId}); apiCode(err) != "InvalidParameterException" {
		t.Fatalf("stop a finished job: %v", err)
	}
	if code := put(url); code != 403 {
		t.Fatalf("upload to a started job: %d", code)
	}
	empty, _ := idp.CreateUserImportJob(ctx, &cip.CreateUserImportJobInput{UserPoolId: pid, JobName: aws.String("empty"), CloudWatchLogsRoleArn: aws.String("arn:aws:iam::000000000000:role/CognitoImport")})
	if st, err := idp.StartUserImportJob(ctx, &cip.StartUserImportJobInput{UserPoolId: pid, JobId: empty.UserImportJob.JobId}); err != nil || st.UserImportJob.Status != "Failed" {
		t.Fatalf("a job without a CSV: %+v %v", st, err)
	}
	l, err := idp.ListUserImportJobs(ctx, &cip.ListUserImportJobsInput{UserPoolId: pid, MaxResults: aws.Int32(1)})
	if err != nil || len(l.UserImportJobs) != 1 || l.PaginationToken == nil || *l.UserImportJobs[0].JobName != "first" {
		t.Fatalf("list %+v %v", l, err)
	}
	l, err = idp.ListUserImportJobs(ctx, &cip.ListUserImportJobsInput{UserPoolId: pid, MaxResults: aws.Int32(1), PaginationToken: l.PaginationToken})
	if err != nil || len(l.UserImportJobs) != 1 || *l.UserImportJobs[0].JobName != "empty" {
		t.Fatalf("list 2 %+v %v", l, err)
	}
}

// TestClientSecretRotation: a second secret signs SECRET_HASH beside the
// first; deleting the first leaves the second; the last cannot go.
func TestClientSecretRotation(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	anon := cip.NewFromConfig(g.cfg(aws.AnonymousCredentials{}))
	p, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("rot")})
	pid := p.UserPool.Id
	c, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("srv"), GenerateSecret: true,
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	cid, first := c.UserPoolClient.ClientId, *c.UserPoolClient.ClientSecret
	idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String("u"), MessageAction: "SUPPRESS"})
	idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pid, Username: aws.String("u"), Password: aws.String("Rot#Pass1234"), Permanent: true})
	signIn := func(secret string) error {
		_, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH",
			AuthParameters: map[string]string{"USERNAME": "u", "PASSWORD": "Rot#Pass1234", "SECRET_HASH": userpoolSecretHash(secret, "u", *cid)}})
		return err
	}
	second := "abcdefghijklmnopqrstuvwxyz0123456789"
	add, err := idp.AddUserPoolClientSecret(ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: pid, ClientId: cid, ClientSecret: aws.String(second)})
	if err != nil || *add.ClientSecretDescriptor.ClientSecretValue != second {
		t.Fatalf("add %+v %v", add, err)
	}
	for _, s := range []string{first, second} {
		if err := signIn(s); err != nil {
			t.Fatalf("sign-in with a current secret: %v", err)
		}
	}
	if _, err := idp.AddUserPoolClientSecret(ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: pid, ClientId: cid}); apiCode(err) != "LimitExceededException" {
		t.Fatalf("a third secret: %v", err)
	}
	l, err := idp.ListUserPoolClientSecrets(ctx, &cip.ListUserPoolClientSecretsInput{UserPoolId: pid, ClientId: cid})
	if err != nil || len(l.ClientSecrets) != 2 || l.ClientSecrets[0].ClientSecretValue != nil {
		t.Fatalf("list %+v %v", l, err)
	}
	if _, err := idp.DeleteUserPoolClientSecret(ctx, &cip.DeleteUserPoolClientSecretInput{UserPoolId: pid, ClientId: cid, ClientSecretId: l.ClientSecrets[0].ClientSecretId}); err != nil {
		t.Fatal(err)
	}
	if err := signIn(first); apiCode(err) != "NotAuthorizedException" {
		t.Fatalf("the deleted secret still works: %v", err)
	}
	if err := signIn(second); err != nil {
		t.Fatalf("the remaining secret: %v", err)
	}
	if d, _ := idp.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: pid, ClientId: cid}); *d.UserPoolClient.ClientSecret != second {
		t.Fatal("DescribeUserPoolClient does not show the remaining secret")
	}
	if _, err := idp.DeleteUserPoolClientSecret(ctx, &cip.DeleteUserPoolClientSecretInput{UserPoolId: pid, ClientId: cid, ClientSecretId: add.ClientSecretDescriptor.ClientSecretId}); apiCode(err) != "InvalidParameterException" {
		t.Fatalf("deleting the last secret: %v", err)
	}
}

func userpoolSecretHash(secret, user, client string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(user + client))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// TestUserImportUploadAbuse: the upload URL takes no body without its
// token, none over the limit, and none after the job was stopped; a CSV
// with unknown columns fails the job without creating anyone.
func TestUserImportUploadAbuse(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	p, _ := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("imp2")})
	pid := p.UserPool.Id
	mk := func() string {
		j, err := idp.CreateUserImportJob(ctx, &cip.CreateUserImportJobInput{UserPoolId: pid, JobName: aws.String("j"), CloudWatchLogsRoleArn: aws.String("arn:aws:iam::000000000000:role/CognitoImport")})
		if err != nil {
			t.Fatal(err)
		}
		return *j.UserImportJob.PreSignedUrl
	}
	put := func(url string, body io.Reader) int {
		req, _ := http.NewRequest(http.MethodPut, url, body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	url := mk()
	base, _, _ := strings.Cut(url, "?")
	for _, u := range []string{base, base + "?token=", base + "?token=zz", strings.Replace(url, "/import-", "/import-x", 1)} {
		if code := put(u, strings.NewReader("cognito:username\nx\n")); code != 403 {
			t.Errorf("%s: %d, want 403", u, code)
		}
	}
	if code := put(url, io.LimitReader(zeros{}, 11<<20)); code != 400 {
		t.Errorf("an 11 MiB CSV: %d, want 400", code)
	}
	// Unknown columns: the job fails and creates no one.
	if code := put(url, strings.NewReader("cognito:username,favourite_colour\nx,blue\n")); code != 200 {
		t.Fatalf("upload: %d", code)
	}
	id := url[strings.Index(url, "/import-")+1 : strings.Index(url, "?")]
	if _, err := idp.StartUserImportJob(ctx, &cip.StartUserImportJobInput{UserPoolId: pid, JobId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		d, _ := idp.DescribeUserImportJob(ctx, &cip.DescribeUserImportJobInput{UserPoolId: pid, JobId: aws.String(id)})
		if d.UserImportJob.Status == "Failed" {
			break
		}
		if i == 99 {
			t.Fatalf("job %+v", d.UserImportJob)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if u, _ := idp.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: pid}); len(u.Users) != 0 {
		t.Fatalf("users made by a failed job: %v", u.Users)
	}
	// A stopped job takes no upload.
	url2 := mk()
	id2 := url2[strings.Index(url2, "/import-")+1 : strings.Index(url2, "?")]
	if _, err := idp.StopUserImportJob(ctx, &cip.StopUserImportJobInput{UserPoolId: pid, JobId: aws.String(id2)}); err != nil {
		t.Fatal(err)
	}
	if code := put(url2, strings.NewReader("cognito:username\nx\n")); code != 403 {
		t.Errorf("upload to a stopped job: %d", code)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// TestRiskBlockedIPRanges: with threat protection enforced, the risk
// configuration's blocked IP ranges refuse sign-ins from them; a client's
// own configuration overrides the pool's; AUDIT only observes.
func TestRiskBlockedIPRanges(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	anon := cip.NewFromConfig(g.cfg(aws.AnonymousCredentials{}))
	must := mustOK(t)
	p, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("risky"), UserPoolAddOns: &ciptypes.UserPoolAddOnsType{AdvancedSecurityMode: "ENFORCED"}})
	must("CreateUserPool", err)
	pid := p.UserPool.Id
	cl, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("c"), ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	must("CreateUserPoolClient", err)
	_, err = idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String("kai"), MessageAction: "SUPPRESS"})
	must("AdminCreateUser", err)
	_, err = idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pid, Username: aws.String("kai"), Password: aws.String("Passw0rd!kai"), Permanent: true})
	must("AdminSetUserPassword", err)
	signIn := func() error {
		_, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cl.UserPoolClient.ClientId, AuthFlow: "USER_PASSWORD_AUTH",
			AuthParameters: map[string]string{"USERNAME": "kai", "PASSWORD": "Passw0rd!kai"}})
		return err
	}
	must("sign-in before any configuration", signIn())
	if _, err := idp.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{UserPoolId: pid,
		RiskExceptionConfiguration: &ciptypes.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"127.0.0.1"}}}); apiCode(err) != "InvalidParameterException" {
		t.Fatalf("a range that is not CIDR: %v", err)
	}
	_, err = idp.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{UserPoolId: pid,
		RiskExceptionConfiguration: &ciptypes.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"127.0.0.0/8"}}})
	must("SetRiskConfiguration", err)
	if err := signIn(); apiCode(err) != "NotAuthorizedException" || apiMessage(err) != "Unable to login because of security reasons." {
		t.Fatalf("from a blocked range: %v", err)
	}
	// The client's own configuration wins over the pool's.
	_, err = idp.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{UserPoolId: pid, ClientId: cl.UserPoolClient.ClientId,
		RiskExceptionConfiguration: &ciptypes.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"10.0.0.0/8"}}})
	must("SetRiskConfiguration (client)", err)
	must("sign-in with the client's own ranges", signIn())
	// AUDIT observes only.
	_, err = idp.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{UserPoolId: pid, ClientId: cl.UserPoolClient.ClientId,
		RiskExceptionConfiguration: &ciptypes.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"127.0.0.0/8"}}})
	must("SetRiskConfiguration (client, blocking)", err)
	_, err = idp.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: pid, UserPoolAddOns: &ciptypes.UserPoolAddOnsType{AdvancedSecurityMode: "AUDIT"}})
	must("UpdateUserPool", err)
	must("sign-in in AUDIT mode", signIn())
}
