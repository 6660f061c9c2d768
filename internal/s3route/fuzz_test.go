package s3route

import (
	"net/http"
	"net/url"
	"testing"
)

// FuzzParse: any method, host, path and query routes to some operation
// (or none) without panicking; a virtual-hosted route always names its
// bucket.
func FuzzParse(f *testing.F) {
	f.Add("GET", "localhost:9000", "/b/k", "tagging")
	f.Add("PUT", "b.s3.localhost:9000", "/k/ey", "partNumber=1&uploadId=x")
	f.Add("POST", "localhost", "/b", "delete")
	f.Add("DELETE", "x.y.s3.localhost", "//..//", "uploads&versionId=")
	f.Add("PATCH", "", "/%zz", "%")
	f.Fuzz(func(t *testing.T, method, host, path, rawQuery string) {
		r := &http.Request{Method: method, Host: host, URL: &url.URL{Path: path, RawQuery: rawQuery}, Header: http.Header{}}
		q, _ := url.ParseQuery(rawQuery)
		got := Parse(r, q, []string{"s3.localhost"})
		if got.VirtualHost && got.Bucket == "" {
			t.Fatalf("%s %s %s?%s: virtual-hosted without a bucket", method, host, path, rawQuery)
		}
	})
}
