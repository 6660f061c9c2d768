package front_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sekisho/sekisho/internal/front"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/userpool"
)

// TestRouter: web routes answer on the path-style host, and never shadow
// an S3 object: keys named like routes (in a path-style bucket, or any key
// of a virtual-hosted one) and unclean paths go to S3 untouched.
func TestRouter(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	get := func(host, p string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+p, nil)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("", "/_sekisho/health"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("health: %d %s", code, body)
	}
	c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("site")})
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("site"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{".well-known/jwks.json", ".well-known/openid-configuration", "_sekisho/health", "a/../b", "x//y"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String(key), Body: strings.NewReader("object " + key)}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	// A path-style bucket's key named like a pool route is the object.
	if code, body := get("", "/site/.well-known/jwks.json"); code != 200 || body != "object .well-known/jwks.json" {
		t.Errorf("path-style key named like a route: %d %s", code, body)
	}
	// A virtual-hosted bucket's keys are all S3's, route names included.
	for _, key := range []string{".well-known/openid-configuration", "_sekisho/health"} {
		if code, body := get("site.localhost", "/"+key); code != 200 || body != "object "+key {
			t.Errorf("virtual-hosted %s: %d %s", key, code, body)
		}
	}
	// Unclean paths are never redirected by the router.
	for _, key := range []string{"a/../b", "x//y"} {
		if code, body := get("site.localhost", "/"+key); code != 200 || body != "object "+key {
			t.Errorf("virtual-hosted %s: %d %s", key, code, body)
		}
	}
}

// TestRouterPools: a pool's key set and discovery document are the pool
// route's; an unknown pool id is a 404 there, not an S3 answer.
func TestRouterPools(t *testing.T) {
	var pools *userpool.Service
	srv, _, _ := frontServer(t, func(c *front.Config) {
		key, _ := seal.NewKey(make([]byte, 32))
		pools = &userpool.Service{Store: c.S3.Meta, Key: key, Account: "000000000000", Region: "us-east-1", Issuer: func(p string) string { return "http://issuer/" + p }}
		c.UserPools = pools
	})
	p, err := pools.CreatePool(ctx, userpool.Pool{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/" + p.Id + "/.well-known/jwks.json":            `"keys"`,
		"/" + p.Id + "/.well-known/openid-configuration": `"jwks_uri":"http://issuer/` + p.Id + `/.well-known/jwks.json"`,
		"/us-east-1_nope/.well-known/jwks.json":          `not found`,
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), want) || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %s", path, resp.StatusCode, b)
		}
	}
}
