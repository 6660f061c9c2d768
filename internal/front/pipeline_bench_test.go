package front_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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
