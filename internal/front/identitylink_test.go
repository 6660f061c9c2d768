package front_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestImplicitLinking: GetId given logins that belong to two identities
// links them, as "supplying multiple logins will create an implicit
// linked account": the older identity keeps its id and takes the other's
// logins, the other is gone; two users of one provider cannot be linked.
func TestImplicitLinking(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	idp := cip.NewFromConfig(g.cfg(g.creds))
	anonIdp := cip.NewFromConfig(g.cfg(aws.AnonymousCredentials{}))
	must := mustOK(t)
	type site struct{ provider, client, pool string }
	newSite := func(name string) site {
		p, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(name)})
		must("CreateUserPool", err)
		c, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientName: aws.String("app"),
			ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
		must("CreateUserPoolClient", err)
		return site{"cognito-idp.us-east-1.amazonaws.com/" + aws.ToString(p.UserPool.Id), aws.ToString(c.UserPoolClient.ClientId), aws.ToString(p.UserPool.Id)}
	}
	token := func(s site, user string) string {
		_, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &s.pool, Username: &user, MessageAction: "SUPPRESS"})
		must("AdminCreateUser", err)
		_, err = idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &s.pool, Username: &user, Password: aws.String("Passw0rd!x"), Permanent: true})
		must("AdminSetUserPassword", err)
		out, err := anonIdp.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &s.client, AuthFlow: "USER_PASSWORD_AUTH",
			AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": "Passw0rd!x"}})
		must("InitiateAuth", err)
		return aws.ToString(out.AuthenticationResult.IdToken)
	}
	a, b := newSite("a"), newSite("b")
	ids := ci.NewFromConfig(g.cfg(g.creds))
	pool, err := ids.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("linked"),
		CognitoIdentityProviders: []citypes.CognitoIdentityProvider{{ProviderName: &a.provider, ClientId: &a.client}, {ProviderName: &b.provider, ClientId: &b.client}}})
	must("CreateIdentityPool", err)
	anon := ci.NewFromConfig(g.cfg(aws.AnonymousCredentials{}))
	getID := func(logins map[string]string) (string, error) {
		out, err := anon.GetId(ctx, &ci.GetIdInput{IdentityPoolId: pool.IdentityPoolId, Logins: logins})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.IdentityId), nil
	}
	a1, b1, a2 := token(a, "ann"), token(b, "ben"), token(a, "amy")
	x, err := getID(map[string]string{a.provider: a1})
	must("GetId a1", err)
	y, err := getID(map[string]string{b.provider: b1})
	must("GetId b1", err)
	if x == y {
		t.Fatal("two users, one identity")
	}
	// Both logins: linked into the older identity, x.
	got, err := getID(map[string]string{a.provider: a1, b.provider: b1})
	if err != nil || got != x {
		t.Fatalf("GetId with both logins: %s %v, want %s", got, err, x)
	}
	if got, err := getID(map[string]string{b.provider: b1}); err != nil || got != x {
		t.Fatalf("GetId b1 after linking: %s %v", got, err)
	}
	d, err := ids.DescribeIdentity(ctx, &ci.DescribeIdentityInput{IdentityId: &x})
	must("DescribeIdentity", err)
	if len(d.Logins) != 2 {
		t.Fatalf("linked identity's logins %v", d.Logins)
	}
	if _, err := ids.DescribeIdentity(ctx, &ci.DescribeIdentityInput{IdentityId: &y}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("the merged identity: %v", err)
	}
	// amy (a) has her own identity; naming amy and ben (now x, with ann
	// from a) would put two users of a in one identity.
	z, err := getID(map[string]string{a.provider: a2})
	must("GetId a2", err)
	if _, err := getID(map[string]string{a.provider: a2, b.provider: b1}); apiCode(err) != "ResourceConflictException" {
		t.Fatalf("linking two users of one provider: %v", err)
	}
	if got, err := getID(map[string]string{a.provider: a2}); err != nil || got != z {
		t.Fatalf("amy after the refused link: %s %v", got, err)
	}
	if got, err := getID(map[string]string{a.provider: a1}); err != nil || got != x {
		t.Fatalf("ann after the refused link: %s %v", got, err)
	}
}
