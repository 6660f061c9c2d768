package front_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3Website: website configurations round-trip with the SDK and are
// checked in S3's words; the website endpoint serves only what anonymous
// callers may read, with index and error documents, folder redirects,
// routing rules, object redirects and HTML errors.
func TestS3Website(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	mustBucket(t, c, "site")
	mustBucket(t, c, "plain")
	site := aws.String("site")
	if _, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: site}); code(err) != "NoSuchWebsiteConfiguration" {
		t.Fatalf("no website yet: %v", err)
	}
	putSite := func(w *types.WebsiteConfiguration) error {
		_, err := c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: site, WebsiteConfiguration: w})
		return err
	}
	for name, bad := range map[string]*types.WebsiteConfiguration{
		"nothing":        {},
		"slash suffix":   {IndexDocument: &types.IndexDocument{Suffix: aws.String("a/index.html")}},
		"redirect+index": {IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")}, RedirectAllRequestsTo: &types.RedirectAllRequestsTo{HostName: aws.String("example.com")}},
		"bad protocol":   {RedirectAllRequestsTo: &types.RedirectAllRequestsTo{HostName: aws.String("example.com"), Protocol: "ftp"}},
		"two replaces": {IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")}, RoutingRules: []types.RoutingRule{
			{Redirect: &types.Redirect{ReplaceKeyWith: aws.String("a"), ReplaceKeyPrefixWith: aws.String("b")}}}},
		"bad code": {IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")}, RoutingRules: []types.RoutingRule{
			{Redirect: &types.Redirect{HttpRedirectCode: aws.String("200")}}}},
		"bad error code": {IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")}, RoutingRules: []types.RoutingRule{
			{Condition: &types.Condition{HttpErrorCodeReturnedEquals: aws.String("200")}, Redirect: &types.Redirect{HostName: aws.String("x")}}}},
	} {
		if err := putSite(bad); code(err) != "InvalidArgument" {
			t.Errorf("%s: %v", name, err)
		}
	}
	cfg := &types.WebsiteConfiguration{
		IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")},
		ErrorDocument: &types.ErrorDocument{Key: aws.String("error.html")},
		RoutingRules: []types.RoutingRule{
			{Condition: &types.Condition{KeyPrefixEquals: aws.String("old/")}, Redirect: &types.Redirect{ReplaceKeyPrefixWith: aws.String("new/")}},
			{Condition: &types.Condition{KeyPrefixEquals: aws.String("images/"), HttpErrorCodeReturnedEquals: aws.String("404")},
				Redirect: &types.Redirect{HostName: aws.String("img.example.com"), Protocol: types.ProtocolHttps, HttpRedirectCode: aws.String("302"), ReplaceKeyWith: aws.String("missing.png")}},
		},
	}
	if err := putSite(cfg); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: site})
	if err != nil || *got.IndexDocument.Suffix != "index.html" || *got.ErrorDocument.Key != "error.html" || len(got.RoutingRules) != 2 ||
		*got.RoutingRules[0].Redirect.ReplaceKeyPrefixWith != "new/" || *got.RoutingRules[1].Condition.HttpErrorCodeReturnedEquals != "404" ||
		got.RoutingRules[1].Redirect.Protocol != types.ProtocolHttps {
		t.Fatalf("website read back: %+v %v", got, err)
	}
	for key, body := range map[string]string{"index.html": "<h1>home</h1>", "docs/index.html": "<h1>docs</h1>", "error.html": "<h1>oops</h1>"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: site, Key: aws.String(key), Body: strings.NewReader(body), ContentType: aws.String("text/html")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: site, Key: aws.String("moved"), Body: strings.NewReader(""), WebsiteRedirectLocation: aws.String("/docs/")}); err != nil {
		t.Fatal(err)
	}
	if h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: site, Key: aws.String("moved")}); err != nil || aws.ToString(h.WebsiteRedirectLocation) != "/docs/" {
		t.Fatalf("redirect location read back: %+v %v", h, err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: site, Key: aws.String("bad"), Body: strings.NewReader(""), WebsiteRedirectLocation: aws.String("docs")}); code(err) != "InvalidRedirectLocation" {
		t.Errorf("a redirect location without / or http(s)://: %v", err)
	}

	u, _ := url.Parse(srv.URL)
	port := u.Port()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	visit := func(method, host, path string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Host = host + ":" + port
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	const host = "site.s3-website.localhost"
	// Private: the endpoint is anonymous.
	if st, body, _ := visit("GET", host, "/"); st != 403 || !strings.Contains(body, "<li>Code: AccessDenied</li>") {
		t.Errorf("private site: %d %s", st, body)
	}
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: site, Policy: aws.String(public)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, host, path string
		status             int
		body, location     string
	}{
		{"GET", host, "/", 200, "<h1>home</h1>", ""},
		{"GET", "site.s3-website-us-east-1.localhost", "/index.html", 200, "<h1>home</h1>", ""},
		{"GET", "site.s3-website.us-east-1.localhost", "/", 200, "<h1>home</h1>", ""},
		{"HEAD", host, "/", 200, "", ""},
		{"GET", host, "/docs", 302, "", "/docs/"},
		{"GET", host, "/docs/", 200, "<h1>docs</h1>", ""},
		{"GET", host, "/nothing-here", 404, "<h1>oops</h1>", ""},
		{"GET", host, "/old/page.html", 301, "", "http://" + host + ":" + port + "/new/page.html"},
		{"GET", host, "/images/cat.png", 302, "", "https://img.example.com/missing.png"},
		{"GET", host, "/moved", 301, "", "/docs/"},
		{"POST", host, "/", 405, "<li>Code: MethodNotAllowed</li>", ""},
		{"GET", "plain.s3-website.localhost", "/", 404, "<li>Code: NoSuchWebsiteConfiguration</li>", ""},
		{"GET", "nobucket.s3-website.localhost", "/", 404, "<li>Code: NoSuchBucket</li>", ""},
	} {
		st, body, hd := visit(tc.method, tc.host, tc.path)
		if st != tc.status || !strings.Contains(body, tc.body) || hd.Get("Location") != tc.location {
			t.Errorf("%s %s%s: %d %q Location %q; want %d %q %q", tc.method, tc.host, tc.path, st, body, hd.Get("Location"), tc.status, tc.body, tc.location)
		}
		if tc.method == "HEAD" && hd.Get("Content-Length") != "13" {
			t.Errorf("HEAD: %v", hd)
		}
	}
	// CORS, from the bucket's rules, as on the API endpoint.
	if _, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: site, CORSConfiguration: &types.CORSConfiguration{CORSRules: []types.CORSRule{
		{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"GET"}}}}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, origin string
		status         int
		allow          string
	}{{"OPTIONS", "https://app.example.com", 200, "https://app.example.com"}, {"OPTIONS", "https://evil.example.com", 403, ""}, {"GET", "https://app.example.com", 200, "https://app.example.com"}} {
		req, _ := http.NewRequest(tc.method, srv.URL+"/", nil)
		req.Host = host + ":" + port
		req.Header.Set("Origin", tc.origin)
		req.Header.Set("Access-Control-Request-Method", "GET")
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("Access-Control-Allow-Origin") != tc.allow {
			t.Errorf("%s from %s: %d %q", tc.method, tc.origin, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	}
	// The error document must itself be public: without it, S3's page.
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"},
		{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/error.html"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: site, Policy: aws.String(deny)}); err != nil {
		t.Fatal(err)
	}
	if st, body, hd := visit("GET", host, "/nothing-here"); st != 404 || !strings.Contains(body, "<li>Code: NoSuchKey</li>") || !strings.HasPrefix(hd.Get("Content-Type"), "text/html") {
		t.Errorf("unreadable error document: %d %s", st, body)
	}
	// An error document with a redirect location redirects.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: site, Key: aws.String("error.html"), Body: strings.NewReader(""), WebsiteRedirectLocation: aws.String("https://status.example.com/")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: site, Policy: aws.String(public)}); err != nil {
		t.Fatal(err)
	}
	if st, _, hd := visit("GET", host, "/nothing-here"); st != 301 || hd.Get("Location") != "https://status.example.com/" {
		t.Errorf("error document that redirects: %d %v", st, hd)
	}
	// A bucket that redirects every request.
	if _, err := c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: aws.String("plain"), WebsiteConfiguration: &types.WebsiteConfiguration{
		RedirectAllRequestsTo: &types.RedirectAllRequestsTo{HostName: aws.String("www.example.com"), Protocol: types.ProtocolHttps}}}); err != nil {
		t.Fatal(err)
	}
	if st, _, hd := visit("GET", "plain.s3-website.localhost", "/a/b c"); st != 301 || hd.Get("Location") != "https://www.example.com/a/b%20c" {
		t.Errorf("redirect all: %d %v", st, hd)
	}
	if _, err := c.DeleteBucketWebsite(ctx, &s3.DeleteBucketWebsiteInput{Bucket: site}); err != nil {
		t.Fatal(err)
	}
	if st, body, _ := visit("GET", host, "/"); st != 404 || !strings.Contains(body, "NoSuchWebsiteConfiguration") {
		t.Errorf("after DeleteBucketWebsite: %d %s", st, body)
	}
}
