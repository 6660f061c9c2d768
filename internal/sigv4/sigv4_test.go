package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sekisho/sekisho/internal/auth"
)

const (
	testKey    = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var testCreds = aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}

func testVerifier(now time.Time) *Verifier {
	return &Verifier{
		Credentials: auth.Static{testKey: {SecretAccessKey: testSecret, Principal: auth.RootPrincipal("123456789012", testKey)}},
		Now:         func() time.Time { return now },
	}
}

// serverView sends req through the wire format and parses it back, giving
// the *http.Request a server would see.
func serverView(t testing.TB, req *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func verify(t testing.TB, v *Verifier, r *http.Request, opt Options) (*Result, error) {
	t.Helper()
	a, err := Parse(r)
	if err != nil {
		return nil, err
	}
	if !opt.S3 && opt.Payload == nil && r.Body != nil {
		opt.Payload, _ = io.ReadAll(r.Body)
	}
	return v.Verify(context.Background(), r, a, opt)
}

func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// The get-vanilla and post-vanilla cases of AWS's published SigV4 test
// suite.
func TestAWSTestSuiteVectors(t *testing.T) {
	secret := "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	v := &Verifier{
		Credentials: auth.Static{"AKIDEXAMPLE": {SecretAccessKey: secret, Principal: auth.RootPrincipal("123456789012", "AKIDEXAMPLE")}},
		Now:         func() time.Time { return time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC) },
	}
	for _, tc := range []struct{ method, sig string }{
		{"GET", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"POST", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
	} {
		raw := tc.method + " / HTTP/1.1\r\nHost:example.amazonaws.com\r\nX-Amz-Date:20150830T123600Z\r\n" +
			"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + tc.sig + "\r\n\r\n"
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := verify(t, v, r, Options{}); err != nil {
			t.Errorf("%s-vanilla: %v", strings.ToLower(tc.method), err)
		}
	}
}

// The streaming example of the S3 documentation ("Signature calculations
// for the Authorization header: transferring payload in multiple chunks").
func TestS3StreamingExample(t *testing.T) {
	now := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	v := testVerifier(now)
	data := bytes.Repeat([]byte{'a'}, 66560)
	var body bytes.Buffer
	fmt.Fprintf(&body, "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n%s\r\n", data[:65536])
	fmt.Fprintf(&body, "400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n%s\r\n", data[:1024])
	fmt.Fprintf(&body, "0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n")
	build := func(b []byte) *http.Request {
		req, _ := http.NewRequest("PUT", "http://s3.amazonaws.com/examplebucket/chunkObject.txt", bytes.NewReader(b))
		req.Header.Set("X-Amz-Date", "20130524T000000Z")
		req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", "66560")
		req.Header.Set("X-Amz-Content-Sha256", StreamingSigned)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
		return serverView(t, req)
	}
	res, err := verify(t, v, build(body.Bytes()), Options{S3: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("decoded %d bytes, want %d", len(got), len(data))
	}
	// Flip one byte of the second chunk's data: its signature must fail.
	bad := bytes.Clone(body.Bytes())
	bad[len(bad)-200] = 'b'
	res, err = verify(t, v, build(bad), Options{S3: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(res.Body); kindOf(err) != KindChunkSignature {
		t.Fatalf("tampered chunk: err = %v", err)
	}
}

func TestHeaderSignedWithSDK(t *testing.T) {
	now := time.Now().UTC()
	v := testVerifier(now)
	signer := v4.NewSigner()
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	req, _ := http.NewRequest("POST", "http://localhost:9000/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := signer.SignHTTP(context.Background(), testCreds, req, sha(body), "sts", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	r := serverView(t, req)
	if a, _ := Parse(r); a.Scope.Service != "sts" || a.Scope.Region != "us-east-1" {
		t.Fatalf("scope %+v", a.Scope)
	}
	res, err := verify(t, v, r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Principal.ARN != "arn:aws:iam::123456789012:root" {
		t.Fatalf("principal %s", res.Principal.ARN)
	}
}

func TestErrors(t *testing.T) {
	now := time.Now().UTC()
	v := testVerifier(now)
	signer := v4.NewSigner()
	sign := func(creds aws.Credentials, at time.Time) *http.Request {
		req, _ := http.NewRequest("GET", "http://localhost/bucket/key", nil)
		req.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
		if err := signer.SignHTTP(context.Background(), creds, req, UnsignedPayload, "s3", "us-east-1", at, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
			t.Fatal(err)
		}
		return serverView(t, req)
	}
	cases := []struct {
		name string
		req  *http.Request
		want Kind
	}{
		{"wrong secret", sign(aws.Credentials{AccessKeyID: testKey, SecretAccessKey: "x"}, now), KindSignatureMismatch},
		{"unknown key", sign(aws.Credentials{AccessKeyID: "AKIANOTAKEY000000000", SecretAccessKey: "x"}, now), KindUnknownKey},
		{"token on long-term key", sign(aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret, SessionToken: "t"}, now), KindInvalidToken},
		{"skewed", sign(testCreds, now.Add(-16*time.Minute)), KindSkewed},
		{"future", sign(testCreds, now.Add(16*time.Minute)), KindSkewed},
	}
	for _, c := range cases {
		if _, err := verify(t, v, c.req, Options{S3: true}); kindOf(err) != c.want {
			t.Errorf("%s: err = %v, want kind %d", c.name, err, c.want)
		}
	}
	if _, err := verify(t, v, sign(testCreds, now.Add(-14*time.Minute)), Options{S3: true}); err != nil {
		t.Errorf("14 minutes of skew: %v", err)
	}
	// Malformed headers.
	for _, h := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIA/2013/us-east-1/s3, SignedHeaders=host, Signature=00",
		"AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
		"AWS4-HMAC-SHA256 Credential=" + testKey + "/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=zz",
		"AWS4-HMAC-SHA256 Credential=" + testKey + "/20130524/us-east-1/s3/aws4_request, SignedHeaders=x-amz-date, Signature=" + strings.Repeat("0", 64),
	} {
		req, _ := http.NewRequest("GET", "http://localhost/", nil)
		req.Header.Set("Authorization", h)
		req.Header.Set("X-Amz-Date", "20130524T000000Z")
		if _, err := Parse(serverView(t, req)); kindOf(err) != KindMalformedHeader {
			t.Errorf("%q: err = %v", h, err)
		}
	}
}

func TestPresignedV4(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	signer := v4.NewSigner()
	presign := func(expires time.Duration, token string) *http.Request {
		q := url.Values{}
		q.Set("X-Amz-Expires", fmt.Sprint(int(expires/time.Second)))
		if token != "" {
			q.Set("X-Amz-Security-Token", token)
		}
		req, _ := http.NewRequest("GET", "http://localhost:9000/bucket/a%20key/%E6%97%A5?"+q.Encode(), nil)
		u, _, err := signer.PresignHTTP(context.Background(), testCreds, req, UnsignedPayload, "s3", "us-east-1", now, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
		if err != nil {
			t.Fatal(err)
		}
		r, _ := http.NewRequest("GET", u, nil)
		return serverView(t, r)
	}
	if _, err := verify(t, testVerifier(now.Add(time.Hour-time.Second)), presign(time.Hour, ""), Options{S3: true}); err != nil {
		t.Fatalf("valid presigned URL: %v", err)
	}
	if _, err := verify(t, testVerifier(now.Add(time.Hour+time.Second)), presign(time.Hour, ""), Options{S3: true}); kindOf(err) != KindExpired {
		t.Fatalf("expired presigned URL: %v", err)
	}
	if _, err := verify(t, testVerifier(now), presign(7*24*time.Hour+time.Second, ""), Options{S3: true}); kindOf(err) != KindExpired {
		t.Fatalf("over a week: %v", err)
	}
	if _, err := verify(t, testVerifier(now), presign(0, ""), Options{S3: true}); kindOf(err) != KindExpired {
		t.Fatalf("X-Amz-Expires=0: %v", err)
	}
	if _, err := verify(t, testVerifier(now), presign(7*24*time.Hour, ""), Options{S3: true}); err != nil {
		t.Fatalf("a week: %v", err)
	}
	if _, err := verify(t, testVerifier(now), presign(time.Hour, "tok"), Options{S3: true}); kindOf(err) != KindInvalidToken {
		t.Fatalf("token on long-term key: %v", err)
	}
}

// sigv2 computes a SigV2 presigned URL the way botocore's HmacV1QueryAuth
// does, independently of the verifier's code.
func TestPresignedV2(t *testing.T) {
	now := time.Now()
	v := testVerifier(now)
	exp := fmt.Sprint(now.Add(time.Hour).Unix())
	// StringToSign for GET /bucket/photo.jpg?versionId=1, no headers.
	sts := "GET\n\n\n" + exp + "\n/bucket/photo%20x.jpg?versionId=1"
	sig := hmacSHA1Base64(testSecret, sts)
	u := "http://localhost/bucket/photo%20x.jpg?versionId=1&AWSAccessKeyId=" + testKey + "&Signature=" + url.QueryEscape(sig) + "&Expires=" + exp
	r, _ := http.NewRequest("GET", u, nil)
	if _, err := verify(t, v, serverView(t, r), Options{S3: true}); err != nil {
		t.Fatalf("valid V2 URL: %v", err)
	}
	// Virtual-hosted: the bucket comes from the Host and is signed.
	u2 := "http://bucket.localhost/photo%20x.jpg?versionId=1&AWSAccessKeyId=" + testKey + "&Signature=" + url.QueryEscape(sig) + "&Expires=" + exp
	r, _ = http.NewRequest("GET", u2, nil)
	if _, err := verify(t, v, serverView(t, r), Options{S3: true, Bucket: "bucket"}); err != nil {
		t.Fatalf("virtual-hosted V2 URL: %v", err)
	}
	r, _ = http.NewRequest("PUT", u, nil)
	if _, err := verify(t, v, serverView(t, r), Options{S3: true}); kindOf(err) != KindSignatureMismatch {
		t.Fatalf("method changed: %v", err)
	}
	old := fmt.Sprint(now.Add(-time.Second).Unix())
	sig = hmacSHA1Base64(testSecret, "GET\n\n\n"+old+"\n/bucket/k")
	r, _ = http.NewRequest("GET", "http://localhost/bucket/k?AWSAccessKeyId="+testKey+"&Signature="+url.QueryEscape(sig)+"&Expires="+old, nil)
	if _, err := verify(t, v, serverView(t, r), Options{S3: true}); kindOf(err) != KindExpired {
		t.Fatalf("expired V2 URL: %v", err)
	}
}

// TestRandomizedRequests signs thousands of random requests with the SDK's
// signer; each must verify, and each single-byte change to a signed part
// must not.
func TestRandomizedRequests(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewSource(1))
	now := time.Now().UTC()
	v := testVerifier(now)
	signer := v4.NewSigner()
	pathChars := []string{"a", "Z", "0", "-", "_", ".", "~", " ", "日本", "é", ":", "@", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", "%", "?", "#", "[", "]", "/", "//", ".."}
	randSeg := func() string {
		var b strings.Builder
		for i := rng.Intn(6); i >= 0; i-- {
			b.WriteString(pathChars[rng.Intn(len(pathChars))])
		}
		return b.String()
	}
	for i := 0; i < n; i++ {
		s3 := rng.Intn(2) == 0
		service := "sts"
		if s3 {
			service = "s3"
		}
		method := []string{"GET", "PUT", "POST", "DELETE", "HEAD"}[rng.Intn(5)]
		key := randSeg()
		path := "/bucket/" + (&url.URL{Path: key}).EscapedPath()
		if !s3 {
			path = "/"
		}
		var q []string
		for j := rng.Intn(5); j > 0; j-- {
			k := url.PathEscape(randSeg())
			q = append(q, k+"="+url.PathEscape(randSeg()))
			if rng.Intn(3) == 0 {
				q = append(q, k+"="+url.PathEscape(randSeg())) // repeated key
			}
		}
		rng.Shuffle(len(q), func(a, b int) { q[a], q[b] = q[b], q[a] })
		u := "http://localhost:9000" + path
		if len(q) > 0 {
			u += "?" + strings.Join(q, "&")
		}
		body := []byte(randSeg())
		req, err := http.NewRequest(method, u, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Add("X-Amz-Meta-Multi", " a  b ")
		req.Header.Add("X-Amz-Meta-Multi", "c")
		req.Header.Set("Content-Type", "text/plain")
		hash := sha(body)
		if s3 {
			req.Header.Set("X-Amz-Content-Sha256", hash)
		}
		if err := signer.SignHTTP(context.Background(), testCreds, req, hash, service, "us-east-1", now, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = s3 }); err != nil {
			t.Fatal(err)
		}
		var wire bytes.Buffer
		req.Write(&wire)
		check := func(raw []byte) error {
			r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
			if err != nil {
				return err
			}
			res, err := verify(t, v, r, Options{S3: s3})
			if err != nil {
				return err
			}
			if s3 {
				_, err = io.ReadAll(res.Body)
			}
			return err
		}
		raw := wire.Bytes()
		if err := check(raw); err != nil {
			t.Fatalf("request %d (%s %s) did not verify: %v\n%s", i, method, u, err, raw)
		}
		// Mutate one byte of a signed part: request line, a signed header
		// value, the body or the signature.
		for tries := 0; tries < 3; tries++ {
			mut := bytes.Clone(raw)
			pos := mutablePosition(rng, mut)
			if pos < 0 {
				continue
			}
			old := mut[pos]
			mut[pos] = differentChar(rng, old)
			if err := check(mut); err == nil {
				t.Fatalf("request %d: changing byte %d (%q→%q) still verified:\n%s", i, pos, old, mut[pos], mut)
			}
		}
	}
}

// mutablePosition picks an alphanumeric byte inside a signed part of a
// serialized request: the request line, the Host, X-Amz-*, Content-Type or
// Authorization signature values, or the body.
func mutablePosition(rng *rand.Rand, raw []byte) int {
	headerEnd := bytes.Index(raw, []byte("\r\n\r\n"))
	var candidates []int
	lines := bytes.Split(raw[:headerEnd], []byte("\r\n"))
	off := 0
	for li, line := range lines {
		start := 0
		ok := li == 0
		if li > 0 {
			name, _, _ := bytes.Cut(line, []byte(":"))
			n := strings.ToLower(string(name))
			ok = n == "host" || strings.HasPrefix(n, "x-amz-") || n == "content-type"
			start = len(name) + 1
			if n == "authorization" {
				start = bytes.Index(line, []byte("Signature=")) + len("Signature=")
				ok = true
			}
		}
		if ok {
			for j := start; j < len(line); j++ {
				c := line[j]
				if li == 0 && j > 0 && line[j-1] == '%' || li == 0 && j > 1 && line[j-2] == '%' {
					continue // case of a percent escape is not significant
				}
				if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
					if li == 0 && bytes.HasSuffix(line, []byte(" HTTP/1.1")) && j >= len(line)-len(" HTTP/1.1") {
						continue
					}
					candidates = append(candidates, off+j)
				}
			}
		}
		off += len(line) + 2
	}
	for j := headerEnd + 4; j < len(raw); j++ {
		candidates = append(candidates, j)
	}
	if len(candidates) == 0 {
		return -1
	}
	return candidates[rng.Intn(len(candidates))]
}

func differentChar(rng *rand.Rand, old byte) byte {
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	for {
		c := alnum[rng.Intn(len(alnum))]
		if c != old && c != old+'a'-'A' && c != old-('a'-'A') {
			return c
		}
	}
}

// TestHeaderV2 checks SigV2 in the Authorization header: AWS's documented
// example (GET /awsexamplebucket1/photos/puppy.jpg, signed with the example
// key), the date rules, and the errors S3 gives.
func TestHeaderV2(t *testing.T) {
	at := time.Date(2007, 3, 27, 19, 36, 42, 0, time.UTC)
	v := testVerifier(at)
	r, _ := http.NewRequest("GET", "http://localhost/awsexamplebucket1/photos/puppy.jpg", nil)
	r.Header.Set("Date", "Tue, 27 Mar 2007 19:36:42 +0000")
	r.Header.Set("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=")
	if _, err := verify(t, v, serverView(t, r), Options{S3: true}); err != nil {
		t.Fatalf("AWS's example: %v", err)
	}
	if _, err := verify(t, v, serverView(t, r), Options{}); kindOf(err) != KindUnsupported {
		t.Errorf("SigV2 outside S3: %v", err)
	}
	// x-amz-date replaces Date, which then signs as empty.
	sts := "PUT\n\ntext/plain\n\nx-amz-date:Tue, 27 Mar 2007 19:36:42 +0000\nx-amz-meta-a:1\n/b/k?acl"
	r, _ = http.NewRequest("PUT", "http://localhost/b/k?acl", nil)
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("X-Amz-Date", "Tue, 27 Mar 2007 19:36:42 +0000")
	r.Header.Set("X-Amz-Meta-A", "1")
	r.Header.Set("Authorization", "AWS "+testKey+":"+hmacSHA1Base64(testSecret, sts))
	if _, err := verify(t, v, serverView(t, r), Options{S3: true}); err != nil {
		t.Fatalf("x-amz-date: %v", err)
	}
	r.Header.Set("X-Amz-Meta-A", "2")
	if _, err := verify(t, v, serverView(t, r), Options{S3: true}); kindOf(err) != KindSignatureMismatch {
		t.Errorf("changed header: %v", err)
	}
	skewed := testVerifier(at.Add(time.Hour))
	r.Header.Set("X-Amz-Meta-A", "1")
	if _, err := verify(t, skewed, serverView(t, r), Options{S3: true}); kindOf(err) != KindSkewed {
		t.Errorf("an hour off: %v", err)
	}
	// An empty x-amz-date does not fall back to Date; a date before the
	// epoch is no date, not a skew.
	r.Header.Set("Date", "Tue, 27 Mar 2007 19:36:42 GMT")
	r.Header.Set("X-Amz-Date", "")
	if _, err := Parse(r); kindOf(err) != KindMissingDate {
		t.Errorf("empty x-amz-date: %v", err)
	}
	r.Header.Set("X-Amz-Date", "Tue, 07 Jul 1950 21:53:04 GMT")
	if _, err := Parse(r); kindOf(err) != KindMissingDate {
		t.Errorf("x-amz-date before the epoch: %v", err)
	}
	r.Header.Del("Date")
	r.Header.Del("X-Amz-Date")
	if _, err := Parse(r); kindOf(err) != KindMissingDate {
		t.Errorf("no date: %v", err)
	}
	r.Header.Set("Authorization", "AWS "+testKey)
	if _, err := Parse(r); kindOf(err) != KindMalformedV2Header {
		t.Errorf("no signature: %v", err)
	}
}
