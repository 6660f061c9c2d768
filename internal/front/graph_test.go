package front_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sekisho/sekisho/internal/app"
)

// graph is the whole server, built by app.New over a temp dir, on
// httptest: the real graph, as the binary builds it.
type graph struct {
	dir     string // the data dir
	url     string
	handler http.Handler
	creds   aws.CredentialsProvider
	root    aws.Credentials
}

func newGraph(t testing.TB) *graph {
	t.Helper()
	// Listen first so the server's public URL (and so its pools' issuers)
	// is the address clients reach it at.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a := newApp(t, "--data-dir", dir, "--public-url", "http://"+ln.Addr().String())
	srv := httptest.NewUnstartedServer(a.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return &graph{dir: dir, url: srv.URL, handler: a.Handler(), creds: credentials.NewStaticCredentialsProvider(a.RootAccessKeyID, a.RootSecretAccessKey, ""),
		root: aws.Credentials{AccessKeyID: a.RootAccessKeyID, SecretAccessKey: a.RootSecretAccessKey}}
}

// newApp builds the whole server with app.New over a temp dir, as the
// binary does.
func newApp(t testing.TB, args ...string) *app.App {
	t.Helper()
	cfg, err := app.ParseConfig(append([]string{"--data-dir", t.TempDir(), "--log-level", "error"}, args...), func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.LogOutput = &strings.Builder{}
	a, err := app.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func (g *graph) cfg(creds aws.CredentialsProvider) aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(g.url), Credentials: creds}
}

// TestGraphOperations drives the Cognito, IAM and STS operation tables in
// process, through the SDKs, over the graph app.New builds: the seeds'
// chain from a user pool to S3 with a user's temporary credentials.
func TestGraphOperations(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	root := g.cfg(g.creds)
	idp, ids, iamc, stsc := cip.NewFromConfig(root), ci.NewFromConfig(root), iam.NewFromConfig(root), sts.NewFromConfig(root)
	must := mustOK(t)
	pool, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("graph")})
	must("CreateUserPool", err)
	pid := pool.UserPool.Id
	client, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("web"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	must("CreateUserPoolClient", err)
	cid := client.UserPoolClient.ClientId
	_, err = idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String("mio"), MessageAction: "SUPPRESS",
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String("mio@example.com")}}})
	must("AdminCreateUser", err)
	_, err = idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pid, Username: aws.String("mio"), Password: aws.String("Mio#Pass1234"), Permanent: true})
	must("AdminSetUserPassword", err)
	_, err = idp.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: pid, GroupName: aws.String("staff")})
	must("CreateGroup", err)
	_, err = idp.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: pid, Username: aws.String("mio"), GroupName: aws.String("staff")})
	must("AdminAddUserToGroup", err)
	if out, err := idp.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: pid}); err != nil || len(out.Users) != 1 {
		t.Fatalf("ListUsers: %v %v", out, err)
	}
	if out, err := idp.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: pid}); err != nil || out.UserPool.EstimatedNumberOfUsers != 1 {
		t.Fatalf("DescribeUserPool: %v", err)
	}
	anon := cip.NewFromConfig(g.cfg(aws.AnonymousCredentials{}))
	auth, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "mio", "PASSWORD": "Mio#Pass1234"}})
	must("InitiateAuth", err)
	tokens := auth.AuthenticationResult
	if u, err := anon.GetUser(ctx, &cip.GetUserInput{AccessToken: tokens.AccessToken}); err != nil || *u.Username != "mio" {
		t.Fatalf("GetUser: %v", err)
	}
	_, err = anon.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: tokens.AccessToken, UserAttributes: []ciptypes.AttributeType{{Name: aws.String("name"), Value: aws.String("Mio")}}})
	must("UpdateUserAttributes", err)

	provider := "cognito-idp.us-east-1.amazonaws.com/" + *pid
	ipool, err := ids.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("graph"), AllowUnauthenticatedIdentities: false,
		CognitoIdentityProviders: []citypes.CognitoIdentityProvider{{ProviderName: aws.String(provider), ClientId: cid}}})
	must("CreateIdentityPool", err)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"` + *ipool.IdentityPoolId + `"}}}]}`
	role, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("graph-user"), AssumeRolePolicyDocument: aws.String(trust)})
	must("CreateRole", err)
	_, err = iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("graph-user"), PolicyName: aws.String("own"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::graph-bucket/private/${cognito-identity.amazonaws.com:sub}/*"}]}`)})
	must("PutRolePolicy", err)
	_, err = ids.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: ipool.IdentityPoolId, Roles: map[string]string{"authenticated": *role.Role.Arn}})
	must("SetIdentityPoolRoles", err)
	anonIds := ci.NewFromConfig(g.cfg(aws.AnonymousCredentials{}))
	logins := map[string]string{provider: *tokens.IdToken}
	id, err := anonIds.GetId(ctx, &ci.GetIdInput{IdentityPoolId: ipool.IdentityPoolId, Logins: logins})
	must("GetId", err)
	creds, err := anonIds.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: id.IdentityId, Logins: logins})
	must("GetCredentialsForIdentity", err)
	user := g.cfg(credentials.NewStaticCredentialsProvider(*creds.Credentials.AccessKeyId, *creds.Credentials.SecretKey, *creds.Credentials.SessionToken))
	who, err := sts.NewFromConfig(user).GetCallerIdentity(ctx, nil)
	if err != nil || !strings.Contains(*who.Arn, "assumed-role/graph-user/") {
		t.Fatalf("GetCallerIdentity as the user: %v %v", who, err)
	}
	s3root := s3.NewFromConfig(root, func(o *s3.Options) { o.UsePathStyle = true })
	_, err = s3root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("graph-bucket")})
	must("CreateBucket", err)
	s3user := s3.NewFromConfig(user, func(o *s3.Options) { o.UsePathStyle = true })
	_, err = s3user.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("graph-bucket"), Key: aws.String("private/" + *id.IdentityId + "/a"), Body: strings.NewReader("x")})
	must("PutObject in the user's folder", err)
	if _, err := s3user.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("graph-bucket"), Key: aws.String("private/other/a"), Body: strings.NewReader("x")}); err == nil {
		t.Error("PutObject in another's folder was allowed")
	}

	// IAM users, keys and AssumeRole.
	_, err = iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ops")})
	must("CreateUser", err)
	key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ops")})
	must("CreateAccessKey", err)
	opsTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/ops"},"Action":"sts:AssumeRole"}]}`
	opsRole, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ops-role"), AssumeRolePolicyDocument: aws.String(opsTrust)})
	must("CreateRole ops", err)
	ops := sts.NewFromConfig(g.cfg(credentials.NewStaticCredentialsProvider(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")))
	if _, err := ops.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: opsRole.Role.Arn, RoleSessionName: aws.String("ops-session")}); err != nil {
		t.Errorf("AssumeRole named by the trust policy: %v", err)
	}
	if _, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: opsRole.Role.Arn, RoleSessionName: aws.String("ops-session")}); err == nil {
		t.Error("root assumed a role")
	}
	if out, err := iamc.ListRoles(ctx, &iam.ListRolesInput{}); err != nil || len(out.Roles) != 2 {
		t.Errorf("ListRoles: %v", err)
	}
	_, err = anon.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: tokens.AccessToken})
	must("GlobalSignOut", err)
	if _, err := anon.GetUser(ctx, &cip.GetUserInput{AccessToken: tokens.AccessToken}); err == nil {
		t.Error("an access token works after GlobalSignOut")
	}
	_, err = idp.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: pid})
	must("DeleteUserPool", err)
}

// mustOK returns a check that fails t when a step's err is not nil.
func mustOK(t *testing.T) func(what string, err error) {
	return func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
}

// keyCreds are the credentials of an access key IAM made.
func keyCreds(key *iam.CreateAccessKeyOutput) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
}
