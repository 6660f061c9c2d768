package front_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// benchGraph is the whole handler app.New builds, root credentials and
// the handler's URL on loopback.
func benchGraph(b *testing.B) (http.Handler, aws.Credentials, string) {
	g := newGraph(b)
	return g.handler, g.root, g.url
}

// BenchmarkPipelineGetCallerIdentity is one signed query-protocol call
// (signature check, authorization, encode) through the whole handler on
// loopback, with the SDK client on the same cores.
func BenchmarkPipelineGetCallerIdentity(b *testing.B) {
	_, creds, url := benchGraph(b)
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: credentials.StaticCredentialsProvider{Value: creds}})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.GetCallerIdentity(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPipelineGet4KiB is a signed 4 KiB GetObject through the whole
// handler, in process.
func BenchmarkPipelineGet4KiB(b *testing.B) {
	h, creds, url := benchGraph(b)
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true, Credentials: credentials.StaticCredentialsProvider{Value: creds}})
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
		b.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("k"), Body: bytes.NewReader(make([]byte, 4096))}); err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://localhost/bench/k", nil)
	req.Header.Set("X-Amz-Content-Sha256", sha256Hex(""))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, sha256Hex(""), "s3", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req.Clone(ctx))
		if w.Code != 200 || w.Body.Len() != 4096 {
			b.Fatalf("%d %d", w.Code, w.Body.Len())
		}
	}
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// benchGet1MiB times signed 1 MiB GETs over loopback (the server's
// sendfile path for plain objects; decryption for SSE-S3 ones), body
// discarded by the client.
func benchGet1MiB(b *testing.B, sse string) {
	_, creds, url := benchGraph(b)
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true, Credentials: credentials.StaticCredentialsProvider{Value: creds}})
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
		b.Fatal(err)
	}
	in := &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("k"), Body: bytes.NewReader(make([]byte, 1<<20))}
	if sse != "" {
		in.ServerSideEncryption = s3types.ServerSideEncryption(sse)
	}
	if _, err := c.PutObject(ctx, in); err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest("GET", url+"/bench/k", nil)
	req.Header.Set("X-Amz-Content-Sha256", sha256Hex(""))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, sha256Hex(""), "s3", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(1 << 20)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := http.DefaultClient.Do(req.Clone(ctx))
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n != 1<<20 {
			b.Fatal(resp.StatusCode, n)
		}
	}
}

// BenchmarkPipelineGet1MiB and BenchmarkPipelineGet1MiBSSE compare a
// plain and an SSE-S3 object's GET (docs/benchmarks.md).
func BenchmarkPipelineGet1MiB(b *testing.B)    { benchGet1MiB(b, "") }
func BenchmarkPipelineGet1MiBSSE(b *testing.B) { benchGet1MiB(b, "AES256") }
