package front_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3Replication: on the graph app.New builds, a replication
// configuration is checked as S3 checks it; new versions under the rule's
// filter are copied to the destination with their version id, tags and
// the rule's storage class, marked REPLICA there and COMPLETED at the
// source; delete markers follow when the rule says so; a role its
// policies do not allow leaves versions FAILED.
func TestS3Replication(t *testing.T) {
	a := newApp(t)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: credentials.NewStaticCredentialsProvider(a.RootAccessKeyID, a.RootSecretAccessKey, "")}
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ic := iam.NewFromConfig(cfg)
	must := mustOK(t)
	for _, b := range []string{"origin", "mirror", "plain"} {
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		must("CreateBucket "+b, err)
	}
	for _, b := range []string{"origin", "mirror"} {
		_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
		must("PutBucketVersioning "+b, err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("replicator"), AssumeRolePolicyDocument: aws.String(trust)})
	must("CreateRole", err)
	_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("replicator"), PolicyName: aws.String("replicate"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObjectVersionForReplication"],"Resource":"arn:aws:s3:::origin/*"},
		{"Effect":"Allow","Action":["s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags"],"Resource":"arn:aws:s3:::mirror/*"}]}`)})
	must("PutRolePolicy", err)
	idle, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("idle"), AssumeRolePolicyDocument: aws.String(trust)})
	must("CreateRole idle", err)

	rule := func(prefix, dest string) types.ReplicationRule {
		return types.ReplicationRule{ID: aws.String("docs"), Priority: aws.Int32(1), Status: types.ReplicationRuleStatusEnabled,
			Filter:                  &types.ReplicationRuleFilter{Prefix: aws.String(prefix)},
			DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusEnabled},
			Destination:             &types.Destination{Bucket: aws.String("arn:aws:s3:::" + dest), StorageClass: types.StorageClassStandardIa}}
	}
	put := func(bucket string, roleARN *string, r types.ReplicationRule) error {
		_, err := c.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(bucket),
			ReplicationConfiguration: &types.ReplicationConfiguration{Role: roleARN, Rules: []types.ReplicationRule{r}}})
		return err
	}
	if _, err := c.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String("origin")}); code(err) != "ReplicationConfigurationNotFoundError" {
		t.Errorf("no configuration yet: %v", err)
	}
	noMarkers := rule("docs/", "mirror")
	noMarkers.DeleteMarkerReplication = nil
	for name, tc := range map[string]struct {
		bucket string
		r      types.ReplicationRule
		code   string
	}{
		"an unversioned source":      {"plain", rule("docs/", "mirror"), "InvalidRequest"},
		"a missing destination":      {"origin", rule("docs/", "nowhere"), "InvalidRequest"},
		"an unversioned destination": {"origin", rule("docs/", "plain"), "InvalidRequest"},
		"no delete marker choice":    {"origin", noMarkers, "InvalidRequest"},
		"itself":                     {"origin", rule("docs/", "origin"), "InvalidRequest"},
	} {
		if err := put(tc.bucket, role.Role.Arn, tc.r); code(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
	must("PutBucketReplication", put("origin", role.Role.Arn, rule("docs/", "mirror")))
	got, err := c.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String("origin")})
	must("GetBucketReplication", err)
	if r := got.ReplicationConfiguration.Rules[0]; *got.ReplicationConfiguration.Role != *role.Role.Arn || *r.Filter.Prefix != "docs/" ||
		r.DeleteMarkerReplication.Status != types.DeleteMarkerReplicationStatusEnabled || r.Destination.StorageClass != types.StorageClassStandardIa {
		t.Errorf("configuration read back: %+v", r)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("origin"), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}}); code(err) != "InvalidBucketState" {
		t.Errorf("suspending a replicated bucket: %v", err)
	}

	status := func(bucket, key string, version *string) (string, *s3.HeadObjectOutput) {
		h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: version})
		if err != nil {
			return "error: " + code(err), nil
		}
		return string(h.ReplicationStatus), h
	}
	waitFor := func(bucket, key string, version *string, want string) *s3.HeadObjectOutput {
		t.Helper()
		var st string
		var h *s3.HeadObjectOutput
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if st, h = status(bucket, key, version); st == want {
				return h
			}
		}
		t.Fatalf("%s/%s: replication status %q, want %q", bucket, key, st, want)
		return nil
	}
	p, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("origin"), Key: aws.String("docs/a.txt"), Body: strings.NewReader("first draft"),
		Tagging: aws.String("team=docs"), Metadata: map[string]string{"author": "mio"}})
	must("PutObject", err)
	waitFor("origin", "docs/a.txt", p.VersionId, "COMPLETED")
	h := waitFor("mirror", "docs/a.txt", p.VersionId, "REPLICA")
	if *h.VersionId != *p.VersionId || h.StorageClass != types.StorageClassStandardIa || h.Metadata["author"] != "mio" || *h.ETag != *p.ETag {
		t.Errorf("replica: %+v", h)
	}
	o, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mirror"), Key: aws.String("docs/a.txt")})
	must("GetObject replica", err)
	body, _ := io.ReadAll(o.Body)
	o.Body.Close()
	if string(body) != "first draft" || aws.ToInt32(o.TagCount) != 1 {
		t.Errorf("replica bytes %q, %d tags", body, aws.ToInt32(o.TagCount))
	}
	other, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("origin"), Key: aws.String("other/b.txt"), Body: strings.NewReader("b")})
	must("PutObject other", err)
	if st, _ := status("origin", "other/b.txt", other.VersionId); st != "" {
		t.Errorf("a key outside the rule: status %q", st)
	}
	d, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("origin"), Key: aws.String("docs/a.txt")})
	must("DeleteObject", err)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		v, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("mirror")})
		must("ListObjectVersions", err)
		if len(v.DeleteMarkers) == 1 && *v.DeleteMarkers[0].VersionId == *d.VersionId {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delete marker not replicated: %+v", v.DeleteMarkers)
		}
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mirror"), Key: aws.String("other/b.txt")}); code(err) != "NotFound" {
		t.Errorf("other/b.txt in the mirror: %v", err)
	}
	// A role without permissions: the copy fails, and says so.
	must("PutBucketReplication idle", put("origin", idle.Role.Arn, rule("docs/", "mirror")))
	f, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("origin"), Key: aws.String("docs/c.txt"), Body: strings.NewReader("c")})
	must("PutObject c", err)
	waitFor("origin", "docs/c.txt", f.VersionId, "FAILED")
	if st, _ := status("mirror", "docs/c.txt", nil); st != "error: NotFound" {
		t.Errorf("a copy the role may not make: %s", st)
	}
}
