package front_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// orgCall makes an Organizations call signed with creds and decodes the
// answer into out; it returns the error code, if any.
func orgCall(t *testing.T, url string, creds aws.Credentials, target string, in, out any) string {
	t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", url+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128."+target)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "organizations", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		var e struct {
			Type string `json:"__type"`
		}
		json.Unmarshal(b, &e)
		return e.Type
	}
	if out != nil {
		json.Unmarshal(b, out)
	}
	return ""
}

// TestAccounts: member accounts are tenants of S3 with their own root
// keys; across accounts, AWS's rules hold (a resource policy, an ACL or a
// role's trust must let the other account in, and aws:PrincipalAccount
// names the caller's account); member accounts cannot reach the
// management account's IAM, nor make accounts.
func TestAccounts(t *testing.T) {
	a := newApp(t)
	srv := newHTTPServer(t, a.Handler())
	ctx := context.Background()
	mainCreds := aws.Credentials{AccessKeyID: a.RootAccessKeyID, SecretAccessKey: a.RootSecretAccessKey}
	var created struct {
		CreateAccountStatus struct{ AccountId, State string }
	}
	if code := orgCall(t, srv, mainCreds, "CreateAccount", map[string]string{"AccountName": "alt", "Email": "alt@example.com"}, &created); code != "" {
		t.Fatal(code)
	}
	alt := created.CreateAccountStatus.AccountId
	if len(alt) != 12 || created.CreateAccountStatus.State != "SUCCEEDED" {
		t.Fatalf("CreateAccount: %+v", created)
	}
	if code := orgCall(t, srv, mainCreds, "CreateAccount", map[string]string{"AccountName": "again", "Email": "alt@example.com"}, nil); code != "DuplicateAccountException" {
		t.Errorf("same email again: %s", code)
	}
	id, secret := a.AccountCredentials(alt)
	altCreds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
	cfgFor := func(c aws.Credentials) aws.Config {
		return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv), Credentials: credentials.StaticCredentialsProvider{Value: c}}
	}
	s3For := func(c aws.Credentials) *s3.Client {
		return s3.NewFromConfig(cfgFor(c), func(o *s3.Options) { o.UsePathStyle = true })
	}
	mainS3, altS3 := s3For(mainCreds), s3For(altCreds)
	who, err := sts.NewFromConfig(cfgFor(altCreds)).GetCallerIdentity(ctx, nil)
	if err != nil || *who.Arn != "arn:aws:iam::"+alt+":root" {
		t.Fatalf("alt identity: %+v %v", who, err)
	}
	if code := orgCall(t, srv, altCreds, "ListAccounts", struct{}{}, nil); code != "AWSOrganizationsNotInUseException" {
		t.Errorf("a member account's ListAccounts: %s", code)
	}
	forged := id[:12] + "AAAAAAAA"
	if _, err := s3For(aws.Credentials{AccessKeyID: forged, SecretAccessKey: secret}).ListBuckets(ctx, nil); code(err) != "InvalidAccessKeyId" {
		t.Errorf("forged member root key: %v", err)
	}
	// Buckets are the account's; names are global.
	if _, err := altS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alt-own")}); err != nil {
		t.Fatal(err)
	}
	if _, err := mainS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("main-own")}); err != nil {
		t.Fatal(err)
	}
	if _, err := altS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("main-own")}); code(err) != "BucketAlreadyExists" {
		t.Errorf("alt re-creating main's bucket: %v", err)
	}
	names := func(c *s3.Client) string {
		out, err := c.ListBuckets(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, b := range out.Buckets {
			n = append(n, *b.Name)
		}
		return strings.Join(n, ",")
	}
	if got := names(altS3); got != "alt-own" {
		t.Errorf("alt lists %s", got)
	}
	if got := names(mainS3); got != "main-own" {
		t.Errorf("main lists %s", got)
	}
	mainS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("main-own"), Key: aws.String("shared"), Body: strings.NewReader("for alt")})
	read := func(c *s3.Client, bucket, key string) error {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	if err := read(altS3, "main-own", "shared"); code(err) != "AccessDenied" {
		t.Errorf("alt reading main's object without a grant: %v", err)
	}
	if err := read(mainS3, "alt-own", "x"); code(err) != "AccessDenied" {
		t.Errorf("main's root reading alt's bucket: %v", err)
	}
	// A bucket policy naming the account, with aws:PrincipalAccount.
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + alt + `:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::main-own/*",
		"Condition":{"StringEquals":{"aws:PrincipalAccount":"` + alt + `"}}}]}`
	if _, err := mainS3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("main-own"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	if err := read(altS3, "main-own", "shared"); err != nil {
		t.Errorf("alt reading with a bucket policy grant: %v", err)
	}
	if _, err := altS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("main-own"), Key: aws.String("mine"), Body: strings.NewReader("x")}); code(err) != "AccessDenied" {
		t.Errorf("alt writing with only a read grant: %v", err)
	}
	// Requester Pays: the other account must acknowledge the charge; the
	// owner need not.
	if _, err := mainS3.PutBucketRequestPayment(ctx, &s3.PutBucketRequestPaymentInput{Bucket: aws.String("main-own"), RequestPaymentConfiguration: &types.RequestPaymentConfiguration{Payer: types.PayerRequester}}); err != nil {
		t.Fatal(err)
	}
	if err := read(altS3, "main-own", "shared"); code(err) != "AccessDenied" {
		t.Errorf("alt reading a Requester Pays bucket without x-amz-request-payer: %v", err)
	}
	if out, err := altS3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("main-own"), Key: aws.String("shared"), RequestPayer: types.RequestPayerRequester}); err != nil || out.RequestCharged != types.RequestChargedRequester {
		t.Errorf("alt reading a Requester Pays bucket, paying: %+v %v", out, err)
	}
	if err := read(mainS3, "main-own", "shared"); err != nil {
		t.Errorf("the owner reading its Requester Pays bucket: %v", err)
	}
	if p, err := mainS3.GetBucketRequestPayment(ctx, &s3.GetBucketRequestPaymentInput{Bucket: aws.String("main-own")}); err != nil || p.Payer != types.PayerRequester {
		t.Errorf("GetBucketRequestPayment: %+v %v", p, err)
	}
	mainS3.PutBucketRequestPayment(ctx, &s3.PutBucketRequestPaymentInput{Bucket: aws.String("main-own"), RequestPaymentConfiguration: &types.RequestPaymentConfiguration{Payer: types.PayerBucketOwner}})
	// An ACL grant to the other account's canonical id.
	mainS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("main-acl"), ObjectOwnership: types.ObjectOwnershipObjectWriter})
	mainS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("main-acl"), Key: aws.String("k"), Body: strings.NewReader("x"), GrantRead: aws.String(`id="` + alt + `"`)})
	if err := read(altS3, "main-acl", "k"); err != nil {
		t.Errorf("alt reading with an ACL grant: %v", err)
	}
	// A role of the management account that trusts the member account.
	iamMain := iam.NewFromConfig(cfgFor(mainCreds))
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + alt + `:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := iamMain.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("for-alt"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	iamMain.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("for-alt"), PolicyName: aws.String("s3"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::main-own/*"}]}`)})
	if _, err := sts.NewFromConfig(cfgFor(altCreds)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/for-alt"), RoleSessionName: aws.String("alt-session")}); code(err) != "AccessDenied" {
		t.Errorf("a root user assuming a role: %v", err)
	}
	// alt's own IAM: a user whose policy lets it assume main's role.
	iamAlt := iam.NewFromConfig(cfgFor(altCreds))
	if _, err := iamAlt.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	iamAlt.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	bk, err := iamAlt.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	bobCreds := aws.Credentials{AccessKeyID: *bk.AccessKey.AccessKeyId, SecretAccessKey: *bk.AccessKey.SecretAccessKey}
	if who, err := sts.NewFromConfig(cfgFor(bobCreds)).GetCallerIdentity(ctx, nil); err != nil || *who.Arn != "arn:aws:iam::"+alt+":user/bob" {
		t.Fatalf("bob: %+v %v", who, err)
	}
	if users, err := iamMain.ListUsers(ctx, nil); err != nil || len(users.Users) != 0 {
		t.Errorf("main's IAM sees alt's users: %+v %v", users, err)
	}
	ar, err := sts.NewFromConfig(cfgFor(bobCreds)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/for-alt"), RoleSessionName: aws.String("bob-session")})
	if err != nil {
		t.Fatalf("alt's user assuming main's role: %v", err)
	}
	if !strings.HasPrefix(*ar.AssumedRoleUser.Arn, "arn:aws:sts::000000000000:assumed-role/for-alt/") {
		t.Errorf("session ARN %s", *ar.AssumedRoleUser.Arn)
	}
	roleS3 := s3For(aws.Credentials{AccessKeyID: *ar.Credentials.AccessKeyId, SecretAccessKey: *ar.Credentials.SecretAccessKey, SessionToken: *ar.Credentials.SessionToken})
	if _, err := roleS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("main-own"), Key: aws.String("from-alt"), Body: strings.NewReader("x")}); err != nil {
		t.Errorf("writing as the assumed role: %v", err)
	}
	// Without an identity policy, alt's users cannot use the trust.
	iamAlt.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("eve")})
	ek, _ := iamAlt.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("eve")})
	eveCreds := aws.Credentials{AccessKeyID: *ek.AccessKey.AccessKeyId, SecretAccessKey: *ek.AccessKey.SecretAccessKey}
	if _, err := sts.NewFromConfig(cfgFor(eveCreds)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/for-alt"), RoleSessionName: aws.String("eve-session")}); code(err) != "AccessDenied" {
		t.Errorf("alt's user without an identity grant assumed main's role: %v", err)
	}
	// The other way: alt's role that trusts main, assumed by main's user.
	altTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := iamAlt.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("for-main"), AssumeRolePolicyDocument: aws.String(altTrust)}); err != nil {
		t.Fatal(err)
	}
	iamAlt.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("for-main"), PolicyName: aws.String("s3"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::alt-own"}]}`)})
	iamMain.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")})
	iamMain.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::` + alt + `:role/for-main"}]}`)})
	ck, _ := iamMain.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("carol")})
	carol := aws.Credentials{AccessKeyID: *ck.AccessKey.AccessKeyId, SecretAccessKey: *ck.AccessKey.SecretAccessKey}
	ar2, err := sts.NewFromConfig(cfgFor(carol)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + alt + ":role/for-main"), RoleSessionName: aws.String("carol-session")})
	if err != nil {
		t.Fatalf("main's user assuming alt's role: %v", err)
	}
	inAlt := s3For(aws.Credentials{AccessKeyID: *ar2.Credentials.AccessKeyId, SecretAccessKey: *ar2.Credentials.SecretAccessKey, SessionToken: *ar2.Credentials.SessionToken})
	if _, err := inAlt.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("alt-own")}); err != nil {
		t.Errorf("listing alt's bucket as alt's role: %v", err)
	}
	if _, err := inAlt.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("main-own")}); code(err) != "AccessDenied" {
		t.Errorf("alt's role listing main's bucket: %v", err)
	}
	altCognito(t, srv, cfgFor(altCreds), cfgFor(mainCreds), alt, altS3)
}

// altCognito runs the seeds' chain inside a member account: its own user
// pool, sign-in by an unsigned client, its own identity pool and role,
// and the credentials reaching its own bucket; the management account
// sees none of it.
func altCognito(t *testing.T, srv string, altCfg, mainCfg aws.Config, alt string, altS3 *s3.Client) {
	ctx := context.Background()
	must := mustOK(t)
	idp := cip.NewFromConfig(altCfg)
	pool, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("alt-pool")})
	must("CreateUserPool", err)
	pid := pool.UserPool.Id
	if !strings.Contains(*pool.UserPool.Arn, ":"+alt+":userpool/") {
		t.Errorf("pool ARN %s", *pool.UserPool.Arn)
	}
	client, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("web"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	must("CreateUserPoolClient", err)
	cid := client.UserPoolClient.ClientId
	_, err = idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String("ren"), MessageAction: "SUPPRESS"})
	must("AdminCreateUser", err)
	_, err = idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pid, Username: aws.String("ren"), Password: aws.String("Ren#Pass1234"), Permanent: true})
	must("AdminSetUserPassword", err)
	if out, err := cip.NewFromConfig(mainCfg).ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)}); err != nil || len(out.UserPools) != 0 {
		t.Errorf("main sees alt's pools: %+v %v", out, err)
	}
	if _, err := cip.NewFromConfig(mainCfg).DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: pid}); code(err) != "ResourceNotFoundException" {
		t.Errorf("main describing alt's pool: %v", err)
	}
	anonCfg := altCfg
	anonCfg.Credentials = aws.AnonymousCredentials{}
	anon := cip.NewFromConfig(anonCfg)
	auth, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "ren", "PASSWORD": "Ren#Pass1234"}})
	must("InitiateAuth", err)
	tokens := auth.AuthenticationResult
	if u, err := anon.GetUser(ctx, &cip.GetUserInput{AccessToken: tokens.AccessToken}); err != nil || *u.Username != "ren" {
		t.Errorf("GetUser: %+v %v", u, err)
	}
	resp, err := http.Get(srv + "/" + *pid + "/.well-known/jwks.json")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("alt pool's JWKS: %v %v", resp, err)
	}
	if resp != nil {
		resp.Body.Close()
	}
	// Its identity pool and role.
	provider := "cognito-idp.us-east-1.amazonaws.com/" + *pid
	ids := ci.NewFromConfig(altCfg)
	ipool, err := ids.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("alt"), AllowUnauthenticatedIdentities: false,
		CognitoIdentityProviders: []citypes.CognitoIdentityProvider{{ProviderName: aws.String(provider), ClientId: cid}}})
	must("CreateIdentityPool", err)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"` + *ipool.IdentityPoolId + `"}}}]}`
	iamAlt := iam.NewFromConfig(altCfg)
	role, err := iamAlt.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("alt-user"), AssumeRolePolicyDocument: aws.String(trust)})
	must("CreateRole", err)
	_, err = iamAlt.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("alt-user"), PolicyName: aws.String("own"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::alt-own/private/${cognito-identity.amazonaws.com:sub}/*"}]}`)})
	must("PutRolePolicy", err)
	_, err = ids.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: ipool.IdentityPoolId, Roles: map[string]string{"authenticated": *role.Role.Arn}})
	must("SetIdentityPoolRoles", err)
	anonIds := ci.NewFromConfig(anonCfg)
	logins := map[string]string{provider: *tokens.IdToken}
	id, err := anonIds.GetId(ctx, &ci.GetIdInput{IdentityPoolId: ipool.IdentityPoolId, Logins: logins})
	must("GetId", err)
	creds, err := anonIds.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: id.IdentityId, Logins: logins})
	must("GetCredentialsForIdentity", err)
	userCfg := altCfg
	userCfg.Credentials = credentials.NewStaticCredentialsProvider(*creds.Credentials.AccessKeyId, *creds.Credentials.SecretKey, *creds.Credentials.SessionToken)
	who, err := sts.NewFromConfig(userCfg).GetCallerIdentity(ctx, nil)
	if err != nil || *who.Account != alt || !strings.Contains(*who.Arn, "assumed-role/alt-user/") {
		t.Fatalf("identity as the user: %+v %v", who, err)
	}
	userS3 := s3.NewFromConfig(userCfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := userS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("alt-own"), Key: aws.String("private/" + *id.IdentityId + "/a"), Body: strings.NewReader("x")}); err != nil {
		t.Errorf("the user's own folder: %v", err)
	}
	if _, err := userS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("alt-own"), Key: aws.String("private/other/a"), Body: strings.NewReader("x")}); code(err) != "AccessDenied" {
		t.Errorf("another's folder: %v", err)
	}
	if out, err := ci.NewFromConfig(mainCfg).ListIdentityPools(ctx, &ci.ListIdentityPoolsInput{MaxResults: aws.Int32(10)}); err != nil || len(out.IdentityPools) != 0 {
		t.Errorf("main sees alt's identity pools: %+v %v", out, err)
	}
}

func newHTTPServer(t *testing.T, h http.Handler) string {
	srv := httptestServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

var httptestServer = func(h http.Handler) *httptest.Server { return httptest.NewServer(h) }
