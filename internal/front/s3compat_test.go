package front_test

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3Conformance pins answers where the public S3 conformance suite
// showed sekisho differing from S3.
func TestS3Conformance(t *testing.T) {
	srv, _ := newS3Server(t)
	c := s3Client(srv)
	mustBucket(t, c, "conf")
	for _, k := range []string{"bar", "baz"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("conf"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	signed := func(method, path string, hdr map[string]string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set("X-Amz-Content-Sha256", sha256Hex(""))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		creds, _ := credentials.NewStaticCredentialsProvider(key, secret, "").Retrieve(ctx)
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, sha256Hex(""), "s3", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, b := do(t, req)
		return resp, string(b)
	}
	var l struct{ Prefix string }
	// ListObjects (V1) echoes its prefix as given, even with
	// encoding-type=url; V2 refuses an empty continuation-token.
	if _, body := signed("GET", "/conf?prefix=%0A&encoding-type=url", nil); xml.Unmarshal([]byte(body), &l) != nil || l.Prefix != "\n" {
		t.Errorf("V1 prefix: %s", body)
	}
	if resp, body := signed("GET", "/conf?list-type=2&continuation-token=", nil); resp.StatusCode != 400 || !strings.Contains(body, "The continuation token provided is incorrect") {
		t.Errorf("V2 empty continuation-token: %s", body)
	}
	// A key with a C1 control character does not parse.
	if resp, body := signed("GET", "/conf/%C2%AE%C2%8A-", nil); resp.StatusCode != 400 || !strings.Contains(body, "<Code>InvalidURI</Code>") {
		t.Errorf("C1 key: %d %s", resp.StatusCode, body)
	}
	// A negative X-Amz-Expires is 403, as one beyond a week is.
	ps := s3.NewPresignClient(c)
	pr, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("conf"), Key: aws.String("bar")})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(strings.Replace(pr.URL, "X-Amz-Expires=900", "X-Amz-Expires=-7", 1)); err != nil || resp.StatusCode != 403 {
		t.Errorf("negative X-Amz-Expires: %v %v", resp, err)
	}
	// Bucket policies may name their bucket with wildcards, and see
	// aws:Referer.
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::*/*",
		"Condition":{"StringNotLikeIfExists":{"aws:Referer":"http://www.example.com/*"}}}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("conf"), Policy: aws.String(pol)}); err != nil {
		t.Fatalf("wildcard resources: %v", err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("conf"), Policy: aws.String(strings.Replace(pol, "arn:aws:s3:::*/*", "arn:aws:s3:::other/*", 1))}); code(err) != "MalformedPolicy" {
		t.Errorf("another bucket's resource: %v", err)
	}
	if resp, _ := signed("GET", "/conf/bar", map[string]string{"Referer": "http://www.example.com/page"}); resp.StatusCode != 200 {
		t.Errorf("allowed referer: %d", resp.StatusCode)
	}
	if resp, _ := signed("GET", "/conf/bar", map[string]string{"Referer": "http://example.com/"}); resp.StatusCode != 403 {
		t.Errorf("denied referer: %d", resp.StatusCode)
	}
	// A write to a suspended bucket answers without a version id; a read
	// names the null version.
	c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("conf")})
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("conf"), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("conf"), Key: aws.String("bar"), Body: strings.NewReader("x")})
	if err != nil || out.VersionId != nil {
		t.Errorf("suspended put: %v %v", out, err)
	}
	if h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("conf"), Key: aws.String("bar")}); err != nil || aws.ToString(h.VersionId) != "null" {
		t.Errorf("suspended head: %v %v", h, err)
	}
	// Failed copy-source conditions are 412s named by their header; an
	// If-Modified-Since in the future is ignored.
	day := 24 * time.Hour
	past, now, future := time.Now().Add(-day).UTC().Format(http.TimeFormat), time.Now().UTC().Format(http.TimeFormat), time.Now().Add(day).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		hdr  map[string]string
		cond string
	}{
		{map[string]string{"If-Match": "nope", "If-Unmodified-Since": past}, "x-amz-copy-source-If-Match"},
		{map[string]string{"If-Unmodified-Since": past, "If-None-Match": "*"}, "x-amz-copy-source-If-Unmodified-Since"},
		{map[string]string{"If-None-Match": "*", "If-Modified-Since": past}, "x-amz-copy-source-If-None-Match"},
		{map[string]string{"If-Modified-Since": now}, "x-amz-copy-source-If-Modified-Since"},
		{map[string]string{"If-Modified-Since": future}, ""},
	} {
		hdr := map[string]string{"X-Amz-Copy-Source": "/conf/baz"}
		for k, v := range tc.hdr {
			hdr["X-Amz-Copy-Source-"+k] = v
		}
		resp, body := signed("PUT", "/conf/copy", hdr)
		if tc.cond == "" && resp.StatusCode != 200 || tc.cond != "" && (resp.StatusCode != 412 || !strings.Contains(body, "<Condition>"+tc.cond+"</Condition>")) {
			t.Errorf("copy conditions %v: %d %s, want %q", tc.hdr, resp.StatusCode, body, tc.cond)
		}
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("conf"), Key: aws.String("baz"), IfModifiedSince: aws.Time(time.Now().Add(day))}); err != nil {
		t.Errorf("GET with a future If-Modified-Since: %v", err)
	}
	// An upload-id-marker without a key-marker is ignored; with one, it
	// must name an upload of that key.
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("conf"), Key: aws.String("up")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("conf"), UploadIdMarker: up.UploadId}); err != nil {
		t.Errorf("upload-id-marker alone: %v", err)
	}
	if _, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("conf"), KeyMarker: aws.String("other"), UploadIdMarker: up.UploadId}); code(err) != "InvalidArgument" {
		t.Errorf("another key's upload-id-marker: %v", err)
	}
	// A regional endpoint makes buckets in its own region only.
	west := s3.New(s3.Options{Region: "us-west-2", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
	if _, err := west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("west-none")}); code(err) != "IllegalLocationConstraintException" {
		t.Errorf("unspecified constraint at us-west-2: %v", err)
	}
	if _, err := west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("west-eu"), CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}); code(err) != "IllegalLocationConstraintException" {
		t.Errorf("eu-west-1 constraint at us-west-2: %v", err)
	}
	if _, err := west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("west-ok"), CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "us-west-2"}}); err != nil {
		t.Errorf("us-west-2 constraint at us-west-2: %v", err)
	}
	// Transfer acceleration is kept and reported.
	if a, err := c.GetBucketAccelerateConfiguration(ctx, &s3.GetBucketAccelerateConfigurationInput{Bucket: aws.String("conf")}); err != nil || a.Status != "" {
		t.Errorf("accelerate of a new bucket: %+v %v", a, err)
	}
	if _, err := c.PutBucketAccelerateConfiguration(ctx, &s3.PutBucketAccelerateConfigurationInput{Bucket: aws.String("conf"), AccelerateConfiguration: &types.AccelerateConfiguration{Status: types.BucketAccelerateStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if a, err := c.GetBucketAccelerateConfiguration(ctx, &s3.GetBucketAccelerateConfigurationInput{Bucket: aws.String("conf")}); err != nil || a.Status != types.BucketAccelerateStatusEnabled {
		t.Errorf("accelerate: %+v %v", a, err)
	}
	// An empty Content-MD5 is an invalid digest, not none.
	if resp, body := signed("PUT", "/conf/md5", map[string]string{"Content-MD5": ""}); resp.StatusCode != 400 || !strings.Contains(body, "InvalidDigest") {
		t.Errorf("empty Content-MD5: %d %s", resp.StatusCode, body)
	}
	// A read naming server-side encryption is refused.
	if resp, body := signed("GET", "/conf/baz", map[string]string{"X-Amz-Server-Side-Encryption": "AES256"}); resp.StatusCode != 400 || !strings.Contains(body, "InvalidArgument") {
		t.Errorf("GET with x-amz-server-side-encryption: %d %s", resp.StatusCode, body)
	}
	// Default encryption takes any KMS key id; a write with an unknown
	// one fails.
	if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("conf"), ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("no-such-key")}}}}}); err != nil {
		t.Errorf("default encryption with an unknown KMS key: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("conf"), Key: aws.String("k"), Body: strings.NewReader("x")}); code(err) != "KMS.NotFoundException" {
		t.Errorf("write under an unknown default KMS key: %v", err)
	}
	c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("conf")})
	// A lifecycle transition's date must be at midnight.
	_, err = c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("conf"), LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
		ID: aws.String("r"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
		Transitions: []types.Transition{{Date: aws.Time(time.Date(2030, 1, 1, 0, 55, 0, 0, time.UTC)), StorageClass: types.TransitionStorageClassGlacier}},
	}}}})
	if code(err) != "InvalidArgument" {
		t.Errorf("transition date off midnight: %v", err)
	}
}
