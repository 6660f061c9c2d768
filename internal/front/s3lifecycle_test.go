package front_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3LifecycleConfig: lifecycle rules round-trip with the SDK (filters
// by prefix, tag, And and size; every action), S3's errors for bad ones,
// and objects a rule expires say when (x-amz-expiration).
func TestS3LifecycleConfig(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	b := aws.String("lifecycle")
	mustBucket(t, c, "lifecycle")
	if _, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b}); code(err) != "NoSuchLifecycleConfiguration" {
		t.Errorf("no rules yet: %v", err)
	}
	rules := []types.LifecycleRule{
		{ID: aws.String("logs"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(7)}},
		{ID: aws.String("tagged"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Tag: &types.Tag{Key: aws.String("tmp"), Value: aws.String("1")}},
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(3), NewerNoncurrentVersions: aws.Int32(2)}},
		{ID: aws.String("and"), Status: types.ExpirationStatusDisabled, Filter: &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{
			Prefix: aws.String("a/"), Tags: []types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}, ObjectSizeGreaterThan: aws.Int64(100)}},
			Transitions: []types.Transition{{Days: aws.Int32(30), StorageClass: types.TransitionStorageClassGlacier}}},
		{ID: aws.String("mpu"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)},
			Expiration:                     &types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)}},
	}
	if _, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	if err != nil || len(out.Rules) != 4 {
		t.Fatalf("rules read back: %+v %v", out, err)
	}
	if r := out.Rules[0]; *r.Filter.Prefix != "logs/" || *r.Expiration.Days != 7 {
		t.Errorf("rule 0: %+v", r)
	}
	if r := out.Rules[1]; *r.Filter.Tag.Key != "tmp" || *r.NoncurrentVersionExpiration.NewerNoncurrentVersions != 2 {
		t.Errorf("rule 1: %+v", r)
	}
	if r := out.Rules[2]; r.Filter.And == nil || *r.Filter.And.ObjectSizeGreaterThan != 100 || r.Transitions[0].StorageClass != types.TransitionStorageClassGlacier {
		t.Errorf("rule 2: %+v", r)
	}
	if r := out.Rules[3]; *r.AbortIncompleteMultipartUpload.DaysAfterInitiation != 1 || !*r.Expiration.ExpiredObjectDeleteMarker {
		t.Errorf("rule 3: %+v", r)
	}
	p, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("logs/today"), Body: strings.NewReader("x")})
	if err != nil || p.Expiration == nil || !strings.Contains(*p.Expiration, `rule-id="logs"`) {
		t.Errorf("put under an expiring rule: %+v %v", p, err)
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("logs/today")})
	if err != nil || h.Expiration == nil || !strings.Contains(*h.Expiration, "expiry-date=") {
		t.Errorf("head under an expiring rule: %+v %v", h, err)
	}
	bad := []types.LifecycleRule{{ID: aws.String("x"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")}, Expiration: &types.LifecycleExpiration{Days: aws.Int32(0)}}}
	if _, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: bad}}); code(err) != "InvalidArgument" {
		t.Errorf("zero days: %v", err)
	}
	if _, err := c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b}); code(err) != "NoSuchLifecycleConfiguration" {
		t.Errorf("after delete: %v", err)
	}
}
