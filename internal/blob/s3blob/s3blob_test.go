package s3blob_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"

	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sekisho/sekisho/internal/app"
	"github.com/sekisho/sekisho/internal/blob"
	"github.com/sekisho/sekisho/internal/blob/blobtest"
	"github.com/sekisho/sekisho/internal/blob/s3blob"
)

// backing starts a sekisho, in process, as the S3 service behind the
// store, and returns its URL and root keys.
func backing(t *testing.T) (url, id, secret string) {
	t.Helper()
	cfg, err := app.ParseConfig([]string{"--data-dir", t.TempDir(), "--log-level", "error"}, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.LogOutput = io.Discard
	a, err := app.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); a.Close() })
	return srv.URL, a.RootAccessKeyID, a.RootSecretAccessKey
}

var buckets atomic.Int64

func open(t *testing.T) *s3blob.Store {
	url, id, secret := backing(t)
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")})
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("blobs")}); err != nil {
		t.Fatal(err)
	}
	s, err := s3blob.Open(context.Background(), s3blob.Config{URL: "s3://blobs/sekisho", Endpoint: url, AccessKeyID: id, SecretAccessKey: secret, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestConformance runs the blob suite against a second sekisho as the
// backing S3 service.
func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return open(t) })
}

// TestLarge: a blob of several parts (a multipart upload behind) reads
// back whole, by stream, by seek and by ranges across part boundaries.
func TestLarge(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	data := make([]byte, 2*s3blob.PartSize+12345)
	for i := range data {
		data[i] = byte(i * 7 / 13)
	}
	id, n, err := s.Put(ctx, bytes.NewReader(data))
	if err != nil || n != int64(len(data)) {
		t.Fatal(n, err)
	}
	f, err := s.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	off := int64(s3blob.PartSize - 10)
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 20)
	if _, err := io.ReadFull(f, buf); err != nil || !bytes.Equal(buf, data[off:off+20]) {
		t.Fatalf("after a seek: %v", err)
	}
	if _, err := f.ReadAt(buf, int64(len(data)-20)); err != nil || !bytes.Equal(buf, data[len(data)-20:]) {
		t.Fatalf("ReadAt at the end: %v", err)
	}
	if n, err := f.ReadAt(buf, int64(len(data)-5)); n != 5 || err != io.EOF {
		t.Fatalf("ReadAt past the end: %d %v", n, err)
	}
}
