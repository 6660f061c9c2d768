package app

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// testConfig is a valid configuration over a temp dir.
func testConfig(t *testing.T) *Config {
	t.Helper()
	c, err := ParseConfig([]string{"--data-dir", t.TempDir(), "--log-level", "error"}, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.LogOutput = &strings.Builder{}
	return c
}

// TestApp builds the whole server without listening, serves its handler
// on httptest, runs and stops its background work, and closes it.
func TestApp(t *testing.T) {
	a, err := New(testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	creds := credentials.NewStaticCredentialsProvider(a.RootAccessKeyID, a.RootSecretAccessKey, "")
	id, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds}).GetCallerIdentity(ctx, nil)
	if err != nil || *id.Arn != "arn:aws:iam::000000000000:root" || !a.RootCreated {
		t.Fatalf("GetCallerIdentity: %v %v", id, err)
	}
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, Credentials: creds})
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("app-bucket")}); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	srv.Close()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	// The same data dir opens again with the same root keys.
	b, err := New(a.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.RootCreated || b.RootAccessKeyID != a.RootAccessKeyID {
		t.Errorf("reopened root keys: %v %s", b.RootCreated, b.RootAccessKeyID)
	}
}

// TestValidateReportsAll: every configuration problem at once.
func TestValidateReportsAll(t *testing.T) {
	_, err := ParseConfig([]string{"--addr", "nope", "--log-level", "loud", "--log-format", "xml", "--upload-expiry", "soon",
		"--cognito-issuer", "them", "--body-idle-timeout", "x", "--max-unauthenticated", "-1", "--account-id", "12"}, func(string) string { return "" }, nil)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"--addr", "--log-level", "--log-format", "--upload-expiry", "--cognito-issuer", "--body-idle-timeout", "--max-unauthenticated", "account id"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no %s in %v", want, err)
		}
	}
}
