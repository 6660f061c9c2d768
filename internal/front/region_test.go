package front_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestRegionOfRequest: what a call creates is named in the region the
// call was signed for, as AWS names it (the server runs as us-east-1): a
// user pool made by an ap-northeast-1 client is ap-northeast-1_…, its ARN
// and token provider name say so, an identity pool of eu-west-1 hands out
// eu-west-1 identities, and aws:RequestedRegion is the signed region.
func TestRegionOfRequest(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	in := func(region string, creds aws.CredentialsProvider) aws.Config {
		c := g.cfg(creds)
		c.Region = region
		return c
	}
	must := mustOK(t)
	tokyo := cip.NewFromConfig(in("ap-northeast-1", g.creds))
	pool, err := tokyo.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("tokyo")})
	must("CreateUserPool", err)
	id := aws.ToString(pool.UserPool.Id)
	if !strings.HasPrefix(id, "ap-northeast-1_") || aws.ToString(pool.UserPool.Arn) != "arn:aws:cognito-idp:ap-northeast-1:000000000000:userpool/"+id {
		t.Fatalf("pool %s %s", id, aws.ToString(pool.UserPool.Arn))
	}
	// Found by id from any region, tagged by its own ARN only.
	virginia := cip.NewFromConfig(in("us-east-1", g.creds))
	_, err = virginia.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: pool.UserPool.Id})
	must("DescribeUserPool", err)
	_, err = tokyo.TagResource(ctx, &cip.TagResourceInput{ResourceArn: pool.UserPool.Arn, Tags: map[string]string{"k": "v"}})
	must("TagResource", err)
	if _, err := tokyo.ListTagsForResource(ctx, &cip.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + id)}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("another region's ARN: %v", err)
	}

	client, err := tokyo.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool.UserPool.Id, ClientName: aws.String("app"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	must("CreateUserPoolClient", err)
	_, err = tokyo.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool.UserPool.Id, Username: aws.String("kai"), MessageAction: "SUPPRESS"})
	must("AdminCreateUser", err)
	_, err = tokyo.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool.UserPool.Id, Username: aws.String("kai"), Password: aws.String("Passw0rd!x"), Permanent: true})
	must("AdminSetUserPassword", err)
	auth, err := cip.NewFromConfig(in("ap-northeast-1", aws.AnonymousCredentials{})).InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: client.UserPoolClient.ClientId,
		AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "kai", "PASSWORD": "Passw0rd!x"}})
	must("InitiateAuth", err)

	// An identity pool of eu-west-1 trusting the Tokyo pool.
	provider := "cognito-idp.ap-northeast-1.amazonaws.com/" + id
	ireland := ci.NewFromConfig(in("eu-west-1", g.creds))
	ip, err := ireland.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("ireland"), AllowClassicFlow: aws.Bool(true),
		CognitoIdentityProviders: []citypes.CognitoIdentityProvider{{ProviderName: aws.String(provider), ClientId: client.UserPoolClient.ClientId}}})
	must("CreateIdentityPool", err)
	if !strings.HasPrefix(aws.ToString(ip.IdentityPoolId), "eu-west-1:") {
		t.Fatalf("identity pool %s", aws.ToString(ip.IdentityPoolId))
	}
	_, err = ireland.ListTagsForResource(ctx, &ci.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:cognito-identity:eu-west-1:000000000000:identitypool/" + aws.ToString(ip.IdentityPoolId))})
	must("ListTagsForResource (identity pool)", err)
	anonIreland := ci.NewFromConfig(in("eu-west-1", aws.AnonymousCredentials{}))
	logins := map[string]string{provider: aws.ToString(auth.AuthenticationResult.IdToken)}
	gid, err := anonIreland.GetId(ctx, &ci.GetIdInput{IdentityPoolId: ip.IdentityPoolId, Logins: logins})
	must("GetId", err)
	if !strings.HasPrefix(aws.ToString(gid.IdentityId), "eu-west-1:") {
		t.Fatalf("identity %s", aws.ToString(gid.IdentityId))
	}
	tok, err := anonIreland.GetOpenIdToken(ctx, &ci.GetOpenIdTokenInput{IdentityId: gid.IdentityId, Logins: logins})
	must("GetOpenIdToken", err)
	var claims map[string]any
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(aws.ToString(tok.Token), ".")[1])
	must("claims", json.Unmarshal(payload, &claims))
	if got := claims["https://cognito-identity.amazonaws.com/identity-pool-arn"]; got != "arn:aws:cognito-identity:eu-west-1:000000000000:identitypool/"+aws.ToString(ip.IdentityPoolId) {
		t.Fatalf("identity-pool-arn claim %v", got)
	}

	// aws:RequestedRegion is the region the request was signed for.
	iamc := iam.NewFromConfig(in("us-east-1", g.creds))
	_, err = iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("regional")})
	must("CreateUser", err)
	_, err = iamc.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("regional"), PolicyName: aws.String("eu-only"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"cognito-idp:ListUserPools","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}`)})
	must("PutUserPolicy", err)
	key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("regional")})
	must("CreateAccessKey", err)
	uc := keyCreds(key)
	_, err = cip.NewFromConfig(in("eu-west-1", uc)).ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)})
	must("ListUserPools in eu-west-1", err)
	if _, err := cip.NewFromConfig(in("us-west-2", uc)).ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)}); apiCode(err) != "AccessDeniedException" && apiCode(err) != "AccessDenied" {
		t.Fatalf("ListUserPools in us-west-2: %v", err)
	}
}
