package front_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sekisho/sekisho/internal/front"
	s3svc "github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/store"
)

func guardedServer(t *testing.T, idle time.Duration, maxUnauth int) *httptest.Server {
	srv, _ := guardedServerMeta(t, idle, maxUnauth)
	return srv
}

func guardedServerMeta(t *testing.T, idle time.Duration, maxUnauth int) (*httptest.Server, store.Store) {
	srv, meta, _ := frontServer(t, func(c *front.Config) { c.BodyIdleTimeout, c.MaxUnauthenticated = idle, maxUnauth })
	return srv, meta
}

// stall sends a request's headers and a few bytes of a longer body, then
// nothing, and reports how long the server kept the connection open.
func stall(t *testing.T, addr, head string) time.Duration {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	fmt.Fprint(c, head+"abc")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	io.Copy(io.Discard, c) // until the server closes (or answers and closes)
	return time.Since(start)
}

// TestBodyIdleTimeout: a client that stops sending its body is cut off
// after the idle timeout, whatever the protocol; one that keeps sending,
// however slowly, is not.
func TestBodyIdleTimeout(t *testing.T) {
	idle := 300 * time.Millisecond
	srv := guardedServer(t, idle, 0)
	addr := strings.TrimPrefix(srv.URL, "http://")
	heads := map[string]string{
		"JSON":        "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 1000\r\n\r\n",
		"query":       "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n",
		"POST upload": "POST /bucket HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000\r\n\r\n",
		"PUT":         "PUT /bucket/key HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nAuthorization: AWS4-HMAC-SHA256 Credential=" + key + "/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00\r\nX-Amz-Date: 20260101T000000Z\r\nX-Amz-Content-Sha256: UNSIGNED-PAYLOAD\r\n\r\n",
	}
	for name, head := range heads {
		if d := stall(t, addr, head); d > 5*time.Second {
			t.Errorf("%s: a stalled body held the connection %v", name, d)
		}
	}
	// Slow but moving: a byte every 100 ms for well over the idle time.
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 12; i++ {
			time.Sleep(100 * time.Millisecond)
			pw.Write([]byte("x"))
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", srv.URL+"/", pr)
	req.ContentLength = 12
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityService.Nope")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("a slow body was cut: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("slow body: status %d", resp.StatusCode)
	}
}

// TestUnauthenticatedCap: idle unauthenticated requests cannot take every
// slot; signed requests that verified are not counted.
func TestUnauthenticatedCap(t *testing.T) {
	srv := guardedServer(t, 5*time.Second, 3)
	addr := strings.TrimPrefix(srv.URL, "http://")
	var conns []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprint(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth\r\nContent-Length: 1000\r\n\r\n{")
		conns = append(conns, c)
	}
	time.Sleep(200 * time.Millisecond)
	resp, err := http.Get(srv.URL + "/bucket/key")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(b), "SlowDown") {
		t.Errorf("a fourth unauthenticated request: %d %s", resp.StatusCode, b)
	}
	// A signed request still gets through.
	out, err := s3Client(srv).ListBuckets(ctx, nil)
	if err != nil {
		t.Errorf("signed request while the slots are full: %v %v", out, err)
	}
	// Once the stalled clients go, the slots come back.
	for _, c := range conns {
		c.Close()
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		resp, err := http.Get(srv.URL + "/bucket/key")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 503 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("slots not freed: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBucketPolicyFailsClosed: a bucket policy or public access block that
// cannot be read denies (500), never allows as if there were none.
func TestBucketPolicyFailsClosed(t *testing.T) {
	var later atomic.Int64 // how far the service's clock is ahead
	srv, meta, _ := frontServer(t, func(c *front.Config) {
		c.S3.Now = func() time.Time { return time.Now().Add(time.Duration(later.Load())) }
	})
	c := s3Client(srv)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("locked")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("locked"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	// A Deny-everything policy, stored damaged (as a bad disk or a bug
	// would leave it).
	meta.UpdateBucket(ctx, "locked", func(b *store.Bucket) error {
		if b.Config == nil {
			b.Config = map[string]string{}
		}
		b.Config[store.ConfigPolicy] = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"`
		return nil
	})
	// Written behind the service's back (as another node would): seen
	// once the cached bucket record expires.
	later.Store(int64(2 * s3svc.BucketCacheTTL))
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("locked"), Key: aws.String("k")})
	if code(err) != "InternalError" {
		t.Errorf("GET with a damaged policy: %v", err)
	}
	resp, err := http.Get(srv.URL + "/locked/k")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Errorf("anonymous GET with a damaged policy: %d", resp.StatusCode)
	}
}

// TestAPICORS: a single-page app on another origin can call the JSON and
// query services: preflights on the root answer any origin with the SDKs'
// headers, and responses (errors too) carry Access-Control-Allow-Origin.
func TestAPICORS(t *testing.T) {
	srv := guardedServer(t, 0, 0)
	req, _ := http.NewRequest("OPTIONS", srv.URL+"/", nil)
	req.Header.Set("Origin", "http://app.example:3000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-amz-target,x-amz-user-agent,amz-sdk-invocation-id,amz-sdk-request,authorization,x-amz-date,x-amz-security-token,cookie")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ah := resp.Header.Get("Access-Control-Allow-Headers")
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(ah, "x-amz-target") || !strings.Contains(ah, "amz-sdk-request") || !strings.Contains(ah, "authorization") || strings.Contains(ah, "cookie") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	for _, c := range []struct{ target, body, ct string }{
		{"AWSCognitoIdentityProviderService.InitiateAuth", "{}", "application/x-amz-json-1.1"},
		{"AWSCognitoIdentityService.GetId", "{}", "application/x-amz-json-1.1"},
		{"", "Action=GetCallerIdentity&Version=2011-06-15", "application/x-www-form-urlencoded"},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(c.body))
		req.Header.Set("Origin", "http://app.example:3000")
		req.Header.Set("Content-Type", c.ct)
		if c.target != "" {
			req.Header.Set("X-Amz-Target", c.target)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "x-amzn-RequestId") {
			t.Errorf("%s %s: %d %v", c.target, c.body, resp.StatusCode, resp.Header)
		}
	}
	// S3 keeps its per-bucket rules: a bucket preflight without CORS rules
	// is refused.
	req, _ = http.NewRequest("OPTIONS", srv.URL+"/bucket/key", nil)
	req.Header.Set("Origin", "http://app.example:3000")
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Errorf("bucket preflight answered as the API's: %v", resp.Header)
	}
}
