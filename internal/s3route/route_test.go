package s3route

import (
	"net/http"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		method, url string
		header      map[string]string
		want        Route
	}{
		{"GET", "http://localhost:9000/", nil, Route{Operation: "ListBuckets"}},
		{"PUT", "http://localhost:9000/b", nil, Route{Operation: "CreateBucket", Bucket: "b"}},
		{"HEAD", "http://localhost:9000/b", nil, Route{Operation: "HeadBucket", Bucket: "b"}},
		{"GET", "http://localhost:9000/b?location", nil, Route{Operation: "GetBucketLocation", Bucket: "b"}},
		{"GET", "http://localhost:9000/b?list-type=2&prefix=a", nil, Route{Operation: "ListObjectsV2", Bucket: "b"}},
		{"GET", "http://localhost:9000/b", nil, Route{Operation: "ListObjects", Bucket: "b"}},
		{"PUT", "http://localhost:9000/b/a/b%20c", nil, Route{Operation: "PutObject", Bucket: "b", Key: "a/b c"}},
		{"PUT", "http://localhost:9000/b/k", map[string]string{"X-Amz-Copy-Source": "/b/j"}, Route{Operation: "CopyObject", Bucket: "b", Key: "k"}},
		{"PUT", "http://localhost:9000/b/k?partNumber=1&uploadId=x", nil, Route{Operation: "UploadPart", Bucket: "b", Key: "k"}},
		{"GET", "http://localhost:9000/b/k?tagging", nil, Route{Operation: "GetObjectTagging", Bucket: "b", Key: "k"}},
		{"PUT", "http://localhost:9000/b?lifecycle", nil, Route{Operation: "PutBucketLifecycleConfiguration", Bucket: "b"}},
		{"POST", "http://localhost:9000/b?delete", nil, Route{Operation: "DeleteObjects", Bucket: "b"}},
		{"GET", "http://b.s3.localhost:9000/k/ey", nil, Route{Operation: "GetObject", Bucket: "b", Key: "k/ey", VirtualHost: true}},
		{"GET", "http://b.s3.localhost:9000/", nil, Route{Operation: "ListObjects", Bucket: "b", VirtualHost: true}},
	}
	for _, c := range cases {
		r, _ := http.NewRequest(c.method, c.url, nil)
		for k, v := range c.header {
			r.Header.Set(k, v)
		}
		got := Parse(r, r.URL.Query(), []string{"s3.localhost"})
		if got != c.want {
			t.Errorf("%s %s = %+v, want %+v", c.method, c.url, got, c.want)
		}
	}
}
