package front_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sekisho/sekisho/internal/front"
)

// TestS3Restore: an object in GLACIER or DEEP_ARCHIVE cannot be read or
// copied until RestoreObject makes it readable (202, then 200 when
// extended), HEAD reports the restore, and it lapses when its days end.
func TestS3Restore(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC).Unix())
	srv, _, _ := frontServer(t, func(c *front.Config) { c.S3.Now = func() time.Time { return time.Unix(now.Load(), 0) } })
	c := s3Client(srv)
	mustBucket(t, c, "cold")
	b := aws.String("cold")
	for key, class := range map[string]types.StorageClass{"frozen": types.StorageClassGlacier, "deep": types.StorageClassDeepArchive, "warm": types.StorageClassGlacierIr} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String(key), Body: strings.NewReader("ice"), StorageClass: class}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("frozen")}); code(err) != "InvalidObjectState" {
		t.Errorf("GET of an archived object: %v", err)
	}
	var ios *types.InvalidObjectState
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("deep")}); !errors.As(err, &ios) || ios.StorageClass != types.StorageClassDeepArchive {
		t.Errorf("GET of a deep archive object: %v", err)
	}
	get(t, c, "cold", "warm") // Glacier Instant Retrieval reads at once
	if h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("frozen")}); err != nil || h.StorageClass != types.StorageClassGlacier || h.Restore != nil {
		t.Errorf("HEAD of an archived object: %+v %v", h, err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("thawed"), CopySource: aws.String("cold/frozen")}); code(err) != "InvalidObjectState" {
		t.Errorf("copying an archived object: %v", err)
	}
	restore := func(key string, days int32, tier types.Tier) (*s3.RestoreObjectOutput, error) {
		return c.RestoreObject(ctx, &s3.RestoreObjectInput{Bucket: b, Key: aws.String(key), RestoreRequest: &types.RestoreRequest{Days: aws.Int32(days),
			GlacierJobParameters: &types.GlacierJobParameters{Tier: tier}}})
	}
	if _, err := restore("warm", 1, types.TierStandard); code(err) != "InvalidObjectState" {
		t.Errorf("restoring an object that is not archived: %v", err)
	}
	if _, err := restore("deep", 1, types.TierExpedited); code(err) != "InvalidArgument" {
		t.Errorf("expedited deep archive: %v", err)
	}
	if _, err := restore("frozen", 0, types.TierStandard); code(err) != "InvalidArgument" {
		t.Errorf("zero days: %v", err)
	}
	if _, err := restore("frozen", 2, types.TierBulk); err != nil {
		t.Fatal(err)
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("frozen")})
	if err != nil || aws.ToString(h.Restore) != `ongoing-request="false", expiry-date="Mon, 07 Dec 2026 00:00:00 GMT"` {
		t.Fatalf("HEAD after the restore: %v %v", aws.ToString(h.Restore), err)
	}
	if string(get(t, c, "cold", "frozen")) != "ice" {
		t.Error("restored bytes")
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("thawed"), CopySource: aws.String("cold/frozen")}); err != nil {
		t.Errorf("copying a restored object: %v", err)
	}
	if h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("thawed")}); err != nil || h.StorageClass != "" || h.Restore != nil {
		t.Errorf("the copy is STANDARD and not a restore: %+v %v", h, err)
	}
	// Extending a restore is 200; once its days end, the object is cold.
	now.Add(24 * 3600)
	if _, err := restore("frozen", 1, types.TierStandard); err != nil {
		t.Fatal(err)
	}
	now.Add(3 * 24 * 3600)
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("frozen")}); code(err) != "InvalidObjectState" {
		t.Errorf("GET after the restore lapsed: %v", err)
	}
}
