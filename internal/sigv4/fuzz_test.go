package sigv4

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzParseHeader feeds arbitrary Authorization headers to the parser and
// the verifier: neither may panic, and a parse failure is always an *Error.
func FuzzParseHeader(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9", "20130524T000000Z")
	f.Add("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", "")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request,SignedHeaders=host,Signature=", "x")
	v := testVerifier(time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC))
	f.Fuzz(func(t *testing.T, header, date string) {
		r, _ := http.NewRequest("GET", "http://localhost/bucket/key", nil)
		r.Header["Authorization"] = []string{header}
		r.Header["X-Amz-Date"] = []string{date}
		r.Header["X-Amz-Content-Sha256"] = []string{UnsignedPayload}
		a, err := Parse(r)
		if err != nil {
			if kindOf(err) == 0 {
				t.Fatalf("non-sigv4 error %v", err)
			}
			return
		}
		if _, err := v.Verify(t.Context(), r, a, Options{S3: true}); err != nil && kindOf(err) == 0 {
			t.Fatalf("non-sigv4 error %v", err)
		}
	})
}

// FuzzParseQuery feeds arbitrary query strings (presigned V4 and V2 URLs)
// through parsing and verification.
func FuzzParseQuery(f *testing.F) {
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
	f.Add("AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1141889120&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D")
	f.Add("a=%zz&b")
	f.Add("versionId=1&uploads&=x&X-Amz-Signature")
	v := testVerifier(time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC))
	f.Fuzz(func(t *testing.T, q string) {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET /bucket/key?" + q + " HTTP/1.1\r\nHost: localhost\r\n\r\n")))
		if err != nil {
			return
		}
		a, err := Parse(r)
		if err != nil {
			if kindOf(err) == 0 {
				t.Fatalf("non-sigv4 error %v", err)
			}
			return
		}
		if _, err := v.Verify(t.Context(), r, a, Options{S3: true}); err != nil && kindOf(err) == 0 {
			t.Fatalf("non-sigv4 error %v", err)
		}
		if ps, ok := ParseQuery(q); ok {
			_ = canonicalQuery(ps, true)
		}
	})
}

// FuzzChunkedReader decodes arbitrary aws-chunked bodies: it must end with
// data or an *Error, never panic or loop, and never return more bytes than
// the body holds.
func FuzzChunkedReader(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"), true)
	f.Add([]byte("3;chunk-signature=00\r\nabc\r\n0\r\n\r\n"), false)
	f.Add([]byte("ffffffffffffffff\r\n"), false)
	f.Add([]byte("0\r\n"), true)
	f.Fuzz(func(t *testing.T, body []byte, trailer bool) {
		opt := ChunkedOptions{DecodedLength: -1}
		if trailer {
			opt.Trailer, opt.TrailerNames = true, []string{"x-amz-checksum-crc32"}
		}
		c, err := NewChunkedReader(io.NopCloser(bytes.NewReader(body)), opt)
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(c)
		if err != nil && kindOf(err) == 0 {
			t.Fatalf("non-sigv4 error %v", err)
		}
		if len(out) > len(body) {
			t.Fatalf("decoded %d bytes from %d", len(out), len(body))
		}
	})
}
