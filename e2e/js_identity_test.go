package e2e

import (
	"os"
	"testing"
)

const jsIdentitySetup = `
bucket("js-bucket")
s3.put_object(Bucket="js-bucket", Key="public/readme.txt", Body=b"public")
pid, cid = user_pool("js-app")
user(pid, "akira", "Akira#Pass12", "akira@example.com")
ipid = identity_pool("js-app", [(pid, cid)], allow_unauth=True)
auth_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["arn:aws:s3:::js-bucket/public/*", "arn:aws:s3:::js-bucket/private/${cognito-identity.amazonaws.com:sub}/*"]},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::js-bucket"}]}
guest_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::js-bucket/public/*"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::js-bucket", "Condition": {"StringLike": {"s3:prefix": ["public/", "public/*", ""]}}}]}
ident.set_identity_pool_roles(IdentityPoolId=ipid, Roles={"authenticated": role("js-auth", ipid, "authenticated", auth_policy), "unauthenticated": role("js-guest", ipid, "unauthenticated", guest_policy)})
print(json.dumps({"POOL_ID": pid, "CLIENT_ID": cid, "IDENTITY_POOL_ID": ipid}))
`

// TestJSIdentityPool runs e2e/js/identity.mjs: Amplify JS v6 as a guest
// and as a signed-in user (fetchAuthSession gets identity-pool
// credentials), and @aws-sdk/credential-providers fromCognitoIdentityPool,
// each then using @aws-sdk/client-s3 against a bucket whose roles give
// users their private/<identity id>/ folder.
func TestJSIdentityPool(t *testing.T) {
	t.Parallel()
	node := needJS(t)
	s := seedServer(t)
	ids := runSeed(t, s, jsIdentitySetup)
	env := append(os.Environ(), "ENDPOINT="+s.URL, "REGION=ap-northeast-1", "BUCKET=js-bucket", "USERNAME=akira", "PASSWORD=Akira#Pass12",
		"POOL_ID="+ids["POOL_ID"].(string), "CLIENT_ID="+ids["CLIENT_ID"].(string), "IDENTITY_POOL_ID="+ids["IDENTITY_POOL_ID"].(string))
	res := runJS(t, s, node, env, "identity.mjs")
	wantJS(t, res, map[string]string{
		"amplify_guest":              "[true 1 AccessDenied]",
		"amplify_user":               "[DONE mine AccessDenied ASIA]",
		"credential_providers":       "[ASIA true]",
		"credential_providers_guest": "true",
	})
	if t.Failed() {
		t.Log(s.Logs())
	}
}
