package s3bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// RunCognito measures credential vending and what those credentials do:
// with the root keys of c it sets up a user pool, a user, an identity pool
// and a role that may read a bucket; signs the user in once; then for each
// concurrency level runs GetId + GetCredentialsForIdentity with that ID
// token (CRED), and 4 KiB GETs signed with the vended session credentials
// (GET-COGNITO), where every request decrypts the session token and
// evaluates the role's policy.
func RunCognito(ctx context.Context, c Config, w io.Writer) ([]Result, error) {
	root := credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, "")
	cfg := aws.Config{Region: c.Region, Credentials: root, BaseEndpoint: aws.String(c.Endpoint), HTTPClient: c.httpClient()}
	idp, ids, iamc := cip.NewFromConfig(cfg), ci.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	s3root := c.client()
	tag := fmt.Sprint(time.Now().UnixNano())
	bucket := c.Bucket + "-cognito"
	if _, err := s3root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil && !strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") {
		return nil, err
	}
	payload := make([]byte, 4096)
	for i := 0; i < 64; i++ {
		if _, err := s3root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprint("obj/", i)), Body: bytes.NewReader(payload)}); err != nil {
			return nil, err
		}
	}
	pool, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("bench-" + tag)})
	if err != nil {
		return nil, err
	}
	client, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool.UserPool.Id, ClientName: aws.String("bench"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})
	if err != nil {
		return nil, err
	}
	if _, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool.UserPool.Id, Username: aws.String("bench"), MessageAction: ciptypes.MessageActionTypeSuppress}); err != nil {
		return nil, err
	}
	if _, err := idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool.UserPool.Id, Username: aws.String("bench"), Password: aws.String("Bench#Pass12"), Permanent: true}); err != nil {
		return nil, err
	}
	provider := "cognito-idp." + c.Region + ".amazonaws.com/" + *pool.UserPool.Id
	ipool, err := ids.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("bench"), AllowUnauthenticatedIdentities: false,
		CognitoIdentityProviders: []citypes.CognitoIdentityProvider{{ProviderName: aws.String(provider), ClientId: client.UserPoolClient.ClientId}}})
	if err != nil {
		return nil, err
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
		"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"` + *ipool.IdentityPoolId + `"},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}]}`
	role, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bench-" + tag), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		return nil, err
	}
	readPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/obj/*"},
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::` + bucket + `/private/${cognito-identity.amazonaws.com:sub}/*"},
		{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`
	if _, err := iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: role.Role.RoleName, PolicyName: aws.String("read"), PolicyDocument: aws.String(readPolicy)}); err != nil {
		return nil, err
	}
	if _, err := ids.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: ipool.IdentityPoolId, Roles: map[string]string{"authenticated": *role.Role.Arn}}); err != nil {
		return nil, err
	}
	auth, err := idp.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: pool.UserPool.Id, ClientId: client.UserPoolClient.ClientId,
		AuthFlow: ciptypes.AuthFlowTypeAdminNoSrpAuth, AuthParameters: map[string]string{"USERNAME": "bench", "PASSWORD": "Bench#Pass12"}})
	if err != nil {
		return nil, err
	}
	logins := map[string]string{provider: *auth.AuthenticationResult.IdToken}
	// Unsigned calls, as apps make them.
	anon := ci.NewFromConfig(aws.Config{Region: c.Region, BaseEndpoint: aws.String(c.Endpoint), HTTPClient: c.httpClient(), Credentials: aws.AnonymousCredentials{}})

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\tsize\tclients\tops/s\tMiB/s\tp50\tp90\tp99\tmax\terrors\t")
	var results []Result
	report := func(r Result) {
		results = append(results, r)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.1f\t%s\t%s\t%s\t%s\t%d\t\n", r.Op, sizeName(r.Size), r.Clients, r.OpsPerSec(), r.MiBPerSec(),
			round(r.P50), round(r.P90), round(r.P99), round(r.Max), r.Errors)
		tw.Flush()
	}
	var vended atomic.Pointer[ci.GetCredentialsForIdentityOutput]
	for _, n := range c.Clients {
		r := phase(ctx, c.Duration, n, func(*rand.Rand) error {
			id, err := anon.GetId(ctx, &ci.GetIdInput{IdentityPoolId: ipool.IdentityPoolId, Logins: logins})
			if err != nil {
				return err
			}
			out, err := anon.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: id.IdentityId, Logins: logins})
			if err == nil {
				vended.Store(out)
			}
			return err
		})
		r.Op = "CRED"
		report(r)
	}
	creds := vended.Load()
	if creds == nil {
		return results, fmt.Errorf("s3bench: no credentials were vended")
	}
	cc := *creds.Credentials
	s3user := s3.New(s3.Options{Region: c.Region, BaseEndpoint: aws.String(c.Endpoint), UsePathStyle: true, HTTPClient: c.httpClient(),
		Credentials: credentials.NewStaticCredentialsProvider(*cc.AccessKeyId, *cc.SecretKey, *cc.SessionToken)}, c.s3Options()...)
	for _, n := range c.Clients {
		r := phase(ctx, c.Duration, n, func(rng *rand.Rand) error {
			out, err := s3user.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprint("obj/", rng.Intn(64)))})
			if err != nil {
				return err
			}
			defer out.Body.Close()
			_, err = io.Copy(io.Discard, out.Body)
			return err
		})
		r.Op, r.Size = "GET-COGNITO", 4096
		report(r)
	}
	return results, nil
}
