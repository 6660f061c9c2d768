package e2e

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func blobFiles(dataDir string) int {
	n := 0
	filepath.WalkDir(filepath.Join(dataDir, "blobs", "objects"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// TestMultipartCrash kills the server with SIGKILL while a part is
// halfway up. After a restart the acknowledged parts are there, the
// half-sent one left nothing, the upload completes into the right bytes,
// and an aborted upload leaves no file behind.
func TestMultipartCrash(t *testing.T) {
	t.Parallel()
	dataDir, addr := t.TempDir(), freeAddr(t)
	s := startServer(t, serverOpts{DataDir: dataDir, Addr: addr})
	ctx := context.Background()
	client := func(s *server) *s3.Client {
		return s3.NewFromConfig(s.awsConfig(s.KeyID, s.Secret), func(o *s3.Options) { o.UsePathStyle = true; o.RetryMaxAttempts = 1 })
	}
	c := client(s)
	c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mpcrash")})
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpcrash"), Key: aws.String("obj"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	parts := [][]byte{bytes.Repeat([]byte("1"), 5<<20), bytes.Repeat([]byte("2"), 1<<20)}
	var done []types.CompletedPart
	for i, p := range parts {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpcrash"), Key: aws.String("obj"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
	}
	// Part 3 (which would replace nothing) is cut off by SIGKILL.
	ps, _ := s3.NewPresignClient(c).PresignUploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpcrash"), Key: aws.String("obj"), UploadId: up.UploadId, PartNumber: aws.Int32(3)})
	pr, pw := io.Pipe()
	go func() {
		req, _ := http.NewRequest("PUT", ps.URL, pr)
		req.ContentLength = 8 << 20
		if resp, err := s.client.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	pw.Write(make([]byte, 3<<20))
	time.Sleep(200 * time.Millisecond)
	s.kill()
	pw.CloseWithError(io.ErrClosedPipe)

	s = startServer(t, serverOpts{DataDir: dataDir, Addr: addr})
	s.waitLog("swept orphaned blobs", 30*time.Second) // in the background
	c = client(s)
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpcrash"), Key: aws.String("obj"), UploadId: up.UploadId})
	if err != nil || len(lp.Parts) != 2 {
		t.Fatalf("after restart: %d parts, %v", len(lp.Parts), err)
	}
	if n := blobFiles(dataDir); n != 2 {
		t.Fatalf("%d files after restart, want the 2 acknowledged parts", n)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpcrash"), Key: aws.String("obj"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mpcrash"), Key: aws.String("obj")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if !bytes.Equal(got, bytes.Join(parts, nil)) {
		t.Fatalf("completed object: %d bytes, differ", len(got))
	}
	// An aborted upload frees its parts.
	up2, _ := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpcrash"), Key: aws.String("other")})
	c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpcrash"), Key: aws.String("other"), UploadId: up2.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(parts[0])})
	if n := blobFiles(dataDir); n != 3 {
		t.Fatalf("%d files with a second upload, want 3", n)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpcrash"), Key: aws.String("other"), UploadId: up2.UploadId}); err != nil {
		t.Fatal(err)
	}
	if n := blobFiles(dataDir); n != 2 {
		t.Fatalf("%d files after abort, want 2", n)
	}
}
