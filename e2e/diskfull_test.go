package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// TestDiskFull: on a full disk, a write is refused with a clear 507
// InsufficientStorage (SDKs retry a 500 in vain), nothing half-written is
// left, and the server keeps serving reads and, once space is freed,
// writes. The data dir is a small tmpfs (the test needs root to mount it).
func TestDiskFull(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", dir).Run(); err != nil {
		if os.Getenv("CI") != "" && os.Geteuid() == 0 {
			t.Fatalf("mount tmpfs: %v", err)
		}
		skip(t, fmt.Sprintf("cannot mount a tmpfs here: %v", err))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	s := startServer(t, serverOpts{DataDir: dir})
	ctx := context.Background()
	c := s3.NewFromConfig(s.awsConfig(s.KeyID, s.Secret), func(o *s3.Options) { o.UsePathStyle = true; o.RetryMaxAttempts = 1 })
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("full")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("full"), Key: aws.String("small"), Body: bytes.NewReader([]byte("kept"))}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x"), 8<<20)
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("full"), Key: aws.String("big"), Body: bytes.NewReader(big)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InsufficientStorage" {
		t.Fatalf("PUT on a full disk: %v\n%s", err, s.Logs())
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("full"), Key: aws.String("big")}); err == nil {
		t.Error("the refused object exists")
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("full"), Key: aws.String("small")})
	if err != nil {
		t.Fatalf("read on a full disk: %v", err)
	}
	out.Body.Close()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("full"), Key: aws.String("after"), Body: bytes.NewReader(bytes.Repeat([]byte("y"), 64<<10))}); err != nil {
		t.Errorf("a write that fits after the refusal: %v", err)
	}
}
