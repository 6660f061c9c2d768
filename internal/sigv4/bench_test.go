package sigv4

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// BenchmarkVerifyHeader measures Parse+Verify of a header-signed S3 GET.
func BenchmarkVerifyHeader(b *testing.B) {
	now := time.Now().UTC()
	v := testVerifier(now)
	req, _ := http.NewRequest("GET", "http://localhost:9000/bucket/some/key.txt?versionId=3", nil)
	req.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
	v4.NewSigner().SignHTTP(context.Background(), testCreds, req, UnsignedPayload, "s3", "us-east-1", now, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	r := serverView(b, req)
	b.ReportAllocs()
	for b.Loop() {
		a, err := Parse(r)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Verify(context.Background(), r, a, Options{S3: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresigned measures a SigV4 presigned URL.
func BenchmarkVerifyPresigned(b *testing.B) {
	now := time.Now().UTC()
	v := testVerifier(now)
	req, _ := http.NewRequest("GET", "http://localhost:9000/bucket/key?X-Amz-Expires=900", nil)
	u, _, _ := v4.NewSigner().PresignHTTP(context.Background(), testCreds, req, UnsignedPayload, "s3", "us-east-1", now, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	r2, _ := http.NewRequest("GET", u, nil)
	r := serverView(b, r2)
	b.ReportAllocs()
	for b.Loop() {
		a, _ := Parse(r)
		if _, err := v.Verify(context.Background(), r, a, Options{S3: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChunkedDecode measures decoding and verifying a signed
// aws-chunked body of 1 MiB in 64 KiB chunks (throughput in MB/s).
func BenchmarkChunkedDecode(b *testing.B) {
	now := time.Now().UTC().Truncate(time.Second)
	v := testVerifier(now)
	data := bytes.Repeat([]byte("x"), 1<<20)
	r := signedChunkedRequest(b, now, data, 64<<10, true)
	raw, _ := io.ReadAll(r.Body)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r.Body = io.NopCloser(bytes.NewReader(raw))
		a, _ := Parse(r)
		res, err := v.Verify(context.Background(), r, a, Options{S3: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			b.Fatal(err)
		}
	}
}
