package front_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// TestFederationToken: GetFederationToken's session does only what both
// the calling user and its session policy allow, nothing without one;
// GetAccessKeyInfo names keys' accounts; encoded messages decode only
// from this server.
func TestFederationToken(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	root := g.cfg(g.creds)
	iamc, s3c := iam.NewFromConfig(root), s3.NewFromConfig(root, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("fed-bucket")}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a/x", "b/x"} {
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("fed-bucket"), Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("broker")}); err != nil {
		t.Fatal(err)
	}
	// The broker may read a/ and b/ and mint federation tokens.
	if _, err := iamc.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("broker"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::fed-bucket/a/*","arn:aws:s3:::fed-bucket/b/*"]},{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("broker")})
	if err != nil {
		t.Fatal(err)
	}
	broker := g.cfg(credentials.NewStaticCredentialsProvider(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, ""))
	bsts := sts.NewFromConfig(broker)
	// Session policy: a/* and c/* — the session gets a/* only.
	out, err := bsts.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("alice"), DurationSeconds: aws.Int32(900),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::fed-bucket/a/*","arn:aws:s3:::fed-bucket/c/*"]}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	me, err := sts.NewFromConfig(root).GetCallerIdentity(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	acct := *me.Account
	if *out.FederatedUser.Arn != "arn:aws:sts::"+acct+":federated-user/alice" || *out.FederatedUser.FederatedUserId != acct+":alice" || out.PackedPolicySize == nil {
		t.Fatalf("FederatedUser %+v", out.FederatedUser)
	}
	c := out.Credentials
	fed := g.cfg(credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken))
	who, err := sts.NewFromConfig(fed).GetCallerIdentity(ctx, nil)
	if err != nil || *who.Arn != *out.FederatedUser.Arn || *who.UserId != acct+":alice" {
		t.Fatalf("caller %+v %v", who, err)
	}
	fs3 := s3.NewFromConfig(fed, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := fs3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("fed-bucket"), Key: aws.String("a/x")}); err != nil {
		t.Fatalf("a/x: %v", err)
	}
	if _, err := fs3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("fed-bucket"), Key: aws.String("b/x")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("b/x (the session policy does not allow it): %v", err)
	}
	// No session policy: no permissions.
	none, err := bsts.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	nc := none.Credentials
	if _, err := s3.NewFromConfig(g.cfg(credentials.NewStaticCredentialsProvider(*nc.AccessKeyId, *nc.SecretAccessKey, *nc.SessionToken)), func(o *s3.Options) { o.UsePathStyle = true }).
		GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("fed-bucket"), Key: aws.String("a/x")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("a federated user without a session policy read: %v", err)
	}
	// Session credentials cannot mint more.
	if _, err := sts.NewFromConfig(fed).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("carol")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("federation from session credentials: %v", err)
	}
	// Bad input, in AWS's words.
	_, err = bsts.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("a b"), DurationSeconds: aws.Int32(899)})
	if want := "2 validation errors detected: Value 'a b' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"; apiCode(err) != "ValidationError" || apiMessage(err) != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	if _, err := bsts.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("dave"), Policy: aws.String(`{"Statement":[}`)}); apiCode(err) != "MalformedPolicyDocument" {
		t.Fatalf("bad session policy: %v", err)
	}
	if _, err := bsts.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("erin"), Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("x")}}}); err != nil {
		t.Fatalf("tags: %v", err)
	}

	// GetAccessKeyInfo.
	for _, id := range []string{*key.AccessKey.AccessKeyId, *c.AccessKeyId, g.root.AccessKeyID} {
		info, err := sts.NewFromConfig(root).GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(id)})
		if err != nil || *info.Account != acct {
			t.Fatalf("GetAccessKeyInfo %s: %v %v", id, info, err)
		}
	}
	// DecodeAuthorizationMessage: only what this server encoded.
	if _, err := sts.NewFromConfig(root).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String("not-a-message")}); apiCode(err) != "InvalidAuthorizationMessageException" {
		t.Fatalf("decode: %v", err)
	}
	if _, err := sts.NewFromConfig(broker).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String("x")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("decode without sts:DecodeAuthorizationMessage: %v", err)
	}
}
