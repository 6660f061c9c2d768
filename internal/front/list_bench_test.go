package front_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// benchList times one signed listing of 1,000 keys through the whole
// handler (app.New's graph), in process: ListObjectsV2 of a plain bucket,
// or ListObjectVersions of a versioned one with one version per key.
func benchList(b *testing.B, versioned bool) {
	h, creds, url := benchGraph(b)
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true, Credentials: credentials.StaticCredentialsProvider{Value: creds}})
	ctx := context.Background()
	c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("listbench")})
	if versioned {
		c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("listbench"), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	}
	for i := range 2000 {
		c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("listbench"), Key: aws.String(fmt.Sprintf("users/%04d/p/%08d.jpg", i%100, i)), Body: strings.NewReader("")})
	}
	q := "list-type=2&max-keys=1000&start-after=users%2F0050"
	if versioned {
		q = "versions&max-keys=1000&key-marker=users%2F0050"
	}
	req, _ := http.NewRequest("GET", "http://localhost/listbench?"+q, nil)
	req.Header.Set("X-Amz-Content-Sha256", sha256Hex(""))
	v4.NewSigner().SignHTTP(ctx, creds, req, sha256Hex(""), "s3", "us-east-1", time.Now())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req.Clone(ctx))
		if w.Code != 200 {
			b.Fatal(w.Code, w.Body.String())
		}
		b.SetBytes(int64(w.Body.Len()))
	}
}

// BenchmarkHandlerListObjectsV2 and BenchmarkHandlerListObjectVersions
// compare the two listings' server cost (docs/benchmarks.md).
func BenchmarkHandlerListObjectsV2(b *testing.B)      { benchList(b, false) }
func BenchmarkHandlerListObjectVersions(b *testing.B) { benchList(b, true) }
