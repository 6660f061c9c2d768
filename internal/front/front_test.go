package front_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/blob"
	"github.com/sekisho/sekisho/internal/front"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/sigv4"
	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/store/bolt"
	stssvc "github.com/sekisho/sekisho/internal/sts"
)

const key, secret = "AKIAFRONTTEST0000000", "front-test-secret"

// newServer runs the real handler on httptest with the embedded stores.
func newServer(t *testing.T) *httptest.Server {
	srv, _ := newS3Server(t)
	return srv
}

// newS3Server is newServer that also returns the blob directory. Parts
// may be as small as 1 KiB so multipart tests stay small.
func newS3Server(t *testing.T) (*httptest.Server, string) {
	srv, _, dir := frontServer(t, nil)
	return srv, dir
}

// frontServer runs the real handler over the embedded stores, with cfg
// adjusting its configuration; it returns the server, the metadata store
// and the blob directory.
func frontServer(t *testing.T, cfg func(*front.Config)) (*httptest.Server, store.Store, string) {
	dir := t.TempDir()
	meta, err := bolt.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { meta.Close() })
	blobs, _ := blob.OpenFS(filepath.Join(dir, "blobs"))
	c := front.Config{
		Verifier: &sigv4.Verifier{Credentials: auth.Static{key: {SecretAccessKey: secret, Principal: auth.RootPrincipal("000000000000", key)}}},
		Account:  "000000000000", Region: "us-east-1", Domains: []string{"localhost"},
		S3:  &s3.Service{Meta: meta, Blobs: blobs, Region: "us-east-1", MinPartSize: 1024},
		STS: &stssvc.Service{},
	}
	if cfg != nil {
		cfg(&c)
	}
	srv := httptest.NewServer(front.New(c))
	t.Cleanup(srv.Close)
	return srv, meta, filepath.Join(dir, "blobs")
}

func TestSTSWithSDK(t *testing.T) {
	srv := newServer(t)
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
	out, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Arn != "arn:aws:iam::000000000000:root" {
		t.Fatalf("arn %s", *out.Arn)
	}
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b
}

func TestErrorShapes(t *testing.T) {
	srv := newServer(t)
	// JSON: __type and message, x-amzn-ErrorType, a request id.
	req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminGetUser")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, body := do(t, req)
	var je struct{ Type, Message string }
	json.Unmarshal(body, &struct {
		Type    *string `json:"__type"`
		Message *string `json:"message"`
	}{&je.Type, &je.Message})
	// This server runs no user pools: an unsigned call of an operation it
	// does not implement names the operation (browsers send them unsigned).
	if resp.StatusCode != 400 || je.Type != "UnknownOperationException" || !strings.Contains(je.Message, "AdminGetUser") || resp.Header.Get("x-amzn-ErrorType") != je.Type || resp.Header.Get("x-amzn-RequestId") == "" {
		t.Fatalf("JSON error: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	// Query: <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>.
	req, _ = http.NewRequest("POST", srv.URL+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body = do(t, req)
	var qe struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Error     struct{ Type, Code, Message string }
		RequestId string
	}
	if err := xml.Unmarshal(body, &qe); err != nil || resp.StatusCode != 403 || qe.Error.Code != "MissingAuthenticationToken" || qe.Error.Type != "Sender" || qe.RequestId == "" {
		t.Fatalf("query error: %d %s", resp.StatusCode, body)
	}
	// S3: <Error><Code/><Message/><Resource/><RequestId/></Error>.
	req, _ = http.NewRequest("GET", srv.URL+"/bucket/key", nil)
	resp, body = do(t, req)
	var se struct {
		XMLName                            xml.Name `xml:"Error"`
		Code, Message, Resource, RequestId string
	}
	if err := xml.Unmarshal(body, &se); err != nil || resp.StatusCode != 403 || se.Code != "AccessDenied" || se.Resource != "/bucket/key" || se.RequestId != resp.Header.Get("x-amz-request-id") {
		t.Fatalf("S3 error: %d %s", resp.StatusCode, body)
	}
	// Oversized headers: a 400 in shape, not a bare 431.
	req, _ = http.NewRequest("GET", srv.URL+"/bucket/key", nil)
	req.Header.Set("X-Big", strings.Repeat("a", front.MaxHeaderBytes+1))
	resp, body = do(t, req)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "RequestHeaderSectionTooLarge") {
		t.Fatalf("big header: %d %s", resp.StatusCode, body)
	}
	// Oversized query body.
	req, _ = http.NewRequest("POST", srv.URL+"/", strings.NewReader("Action=X&"+strings.Repeat("a", front.MaxAPIBody)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body = do(t, req)
	if resp.StatusCode != 413 || !strings.Contains(string(body), "<ErrorResponse") {
		t.Fatalf("big body: %d %s", resp.StatusCode, body)
	}
	// Malformed form.
	req, _ = http.NewRequest("POST", srv.URL+"/", strings.NewReader("Action=%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body = do(t, req)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "MalformedQueryString") {
		t.Fatalf("malformed form: %d %s", resp.StatusCode, body)
	}
	// Unknown JSON service.
	req, _ = http.NewRequest("POST", srv.URL+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "Nope_2020.DoIt")
	resp, body = do(t, req)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "UnknownOperationException") || !strings.Contains(string(body), "Nope_2020.DoIt") {
		t.Fatalf("unknown JSON service: %d %s", resp.StatusCode, body)
	}
}
