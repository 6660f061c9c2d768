package front_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestBucketTagging: Put/Get/DeleteBucketTagging as S3 answers them,
// with the SDK, including the errors for bad tag sets.
func TestBucketTagging(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	b := aws.String("tagged")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b}); code(err) != "NoSuchTagSet" {
		t.Fatalf("untagged bucket: %v", err)
	}
	tags := []types.Tag{{Key: aws.String("team"), Value: aws.String("gate")}, {Key: aws.String("env"), Value: aws.String("")}}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: tags}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.TagSet) != 2 || *out.TagSet[0].Key != "team" || *out.TagSet[0].Value != "gate" || *out.TagSet[1].Key != "env" {
		t.Errorf("tags read back: %+v", out.TagSet)
	}
	bad := map[string][]types.Tag{
		"duplicate key": {{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("a"), Value: aws.String("2")}},
		"aws: prefix":   {{Key: aws.String("aws:x"), Value: aws.String("1")}},
		"empty key":     {{Key: aws.String(""), Value: aws.String("1")}},
	}
	var many []types.Tag
	for i := range 51 {
		many = append(many, types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")})
	}
	bad["51 tags"] = many
	for name, set := range bad {
		if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: set}}); code(err) != "InvalidTag" {
			t.Errorf("%s: %v, want InvalidTag", name, err)
		}
	}
	if out, _ := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b}); out == nil || len(out.TagSet) != 2 {
		t.Errorf("a refused PutBucketTagging changed the tags")
	}
	if _, err := c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b}); code(err) != "NoSuchTagSet" {
		t.Errorf("after delete: %v", err)
	}
	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("no-such-bucket-here")}); code(err) != "NoSuchBucket" {
		t.Errorf("missing bucket: %v", err)
	}
	resp, err := http.Get(srv.URL + "/tagged?tagging")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("anonymous GetBucketTagging: %d", resp.StatusCode)
	}
}

// TestBucketProbes: the configuration calls tools probe answer what S3
// answers for a plain bucket, and NoSuchBucket for a missing one.
func TestBucketProbes(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	b := aws.String("probed")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketAccelerateConfiguration(ctx, &s3.GetBucketAccelerateConfigurationInput{Bucket: b}); err != nil {
		t.Error(err)
	}
	if out, err := c.GetBucketRequestPayment(ctx, &s3.GetBucketRequestPaymentInput{Bucket: b}); err != nil || out.Payer != types.PayerBucketOwner {
		t.Error(out, err)
	}
	if out, err := c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: b}); err != nil || out.LoggingEnabled != nil {
		t.Error(out, err)
	}
	if _, err := c.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: b}); err != nil {
		t.Error(err)
	}
	if out, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b}); err != nil || out.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerEnforced {
		t.Error(out, err)
	}
	if _, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: b}); code(err) != "NoSuchWebsiteConfiguration" {
		t.Error(err)
	}
	if _, err := c.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: b}); code(err) != "ReplicationConfigurationNotFoundError" {
		t.Error(err)
	}
	if _, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: b}); code(err) != "ObjectLockConfigurationNotFoundError" {
		t.Error(err)
	}
	if _, err := c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: aws.String("no-such-bucket-here")}); code(err) != "NoSuchBucket" {
		t.Errorf("missing bucket: %v", err)
	}
}

// TestStorageClass: a storage class given on a write is kept and reported
// (HEAD, listings, attributes, multipart); an unknown one is refused.
func TestStorageClass(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	b := aws.String("classes")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	put := func(key string, sc types.StorageClass) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String(key), Body: strings.NewReader("x"), StorageClass: sc})
		return err
	}
	if err := put("ia", types.StorageClassStandardIa); err != nil {
		t.Fatal(err)
	}
	if err := put("std", ""); err != nil {
		t.Fatal(err)
	}
	if err := put("bad", "SHINY"); code(err) != "InvalidStorageClass" {
		t.Errorf("unknown class: %v", err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("ia")})
	if err != nil || head.StorageClass != types.StorageClassStandardIa {
		t.Errorf("HEAD: %v %v", head.StorageClass, err)
	}
	if head, _ := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("std")}); head.StorageClass != "" {
		t.Errorf("STANDARD is not sent on HEAD, as in S3: got %q", head.StorageClass)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b})
	if err != nil || len(list.Contents) != 2 || list.Contents[0].StorageClass != types.ObjectStorageClassStandardIa || list.Contents[1].StorageClass != types.ObjectStorageClassStandard {
		t.Errorf("list: %+v %v", list, err)
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("mp"), StorageClass: types.StorageClassGlacierIr})
	if err != nil {
		t.Fatal(err)
	}
	ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: b})
	if err != nil || len(ups.Uploads) != 1 || ups.Uploads[0].StorageClass != types.StorageClassGlacierIr {
		t.Errorf("uploads: %+v %v", ups, err)
	}
	c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId})
}

// TestRecreateOwnBucketUSEast1: re-creating a bucket you own in us-east-1
// succeeds, as S3 answers there; elsewhere it is BucketAlreadyOwnedByYou
// (TestS3Buckets' "tokyo").
func TestRecreateOwnBucketUSEast1(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	for i := range 2 {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("east-again")}); err != nil {
			t.Fatalf("create %d: %v", i+1, err)
		}
	}
}

// TestListEncodingURL: with encoding-type=url a space is %20 and a "+"
// %2B, in keys and common prefixes, as S3 writes them.
func TestListEncodingURL(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	b := aws.String("encoded")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"quux ab/x", "foo+1/x", "a b.txt"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b, Delimiter: aws.String("/"), EncodingType: types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range out.CommonPrefixes {
		got = append(got, *p.Prefix)
	}
	for _, o := range out.Contents {
		got = append(got, *o.Key)
	}
	want := "foo%2B1/ quux%20ab/ a%20b.txt"
	if strings.Join(got, " ") != want {
		t.Errorf("encoded listing %q, want %q", strings.Join(got, " "), want)
	}
}

// TestCopyStorageClass: a copy takes the request's storage class
// (STANDARD when none is given), whatever the metadata directive, and
// changing only the class of an object in place is a legal self-copy.
func TestCopyStorageClass(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	b := aws.String("copyclass")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("src"), Body: strings.NewReader("x"), StorageClass: types.StorageClassStandardIa}); err != nil {
		t.Fatal(err)
	}
	class := func(key string) types.StorageClass {
		h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		return h.StorageClass
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("plain"), CopySource: aws.String("copyclass/src")}); err != nil {
		t.Fatal(err)
	}
	if got := class("plain"); got != "" {
		t.Errorf("a copy without a class is STANDARD, got %q", got)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("src"), CopySource: aws.String("copyclass/src"), StorageClass: types.StorageClassGlacierIr}); err != nil {
		t.Fatalf("changing the class in place: %v", err)
	}
	if got := class("src"); got != types.StorageClassGlacierIr {
		t.Errorf("class after the in-place copy: %q", got)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("src"), CopySource: aws.String("copyclass/src"), StorageClass: types.StorageClassGlacierIr}); code(err) != "InvalidRequest" {
		t.Errorf("an in-place copy that changes nothing: %v", err)
	}
}
