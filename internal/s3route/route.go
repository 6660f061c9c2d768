// Package s3route recognizes S3 REST requests: it finds the bucket and key
// (path-style, or virtual-hosted under a configured domain) and names the
// operation from the method, path shape, query keys and headers, using a
// table generated from AWS's own S3 model. It knows every S3 operation, so
// the server can say which one it does not implement.
package s3route

import (
	"net"
	"net/http"
	"strings"
)

//go:generate python3 ../../tools/gen_s3ops.py

type target int

const (
	targetService target = iota
	targetBucket
	targetObject
)

type queryReq struct {
	Key, Value string
	HasValue   bool
}

type operation struct {
	Name   string
	Method string
	Target target
	Query  []queryReq
}

// Route is a recognized S3 request.
type Route struct {
	// Operation is the S3 operation name, e.g. "PutObject", or "" when no
	// operation matches.
	Operation string
	Bucket    string
	Key       string
	// VirtualHost is true when the bucket came from the Host header.
	VirtualHost bool
}

// Parse recognizes r. decodedPath is r.URL.Path (percent-decoded); query
// holds the decoded query keys and values. domains are the hosts under
// which "<bucket>.<domain>" is virtual-hosted style.
func Parse(r *http.Request, query map[string][]string, domains []string) Route {
	var rt Route
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	path := r.URL.Path
	for _, d := range domains {
		if d != "" && strings.HasSuffix(host, "."+d) {
			rt.Bucket = strings.TrimSuffix(host, "."+d)
			rt.VirtualHost = true
			break
		}
	}
	p := strings.TrimPrefix(path, "/")
	if !rt.VirtualHost {
		rt.Bucket, p, _ = strings.Cut(p, "/")
	}
	rt.Key = p
	t := targetService
	if rt.Bucket != "" {
		t = targetBucket
	}
	if rt.Key != "" {
		t = targetObject
	}
	rt.Operation = match(r, t, query)
	return rt
}

func match(r *http.Request, t target, query map[string][]string) string {
	method := r.Method
	if method == http.MethodPost && t == targetBucket && strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/form-data") {
		return "PostObject"
	}
	if method == http.MethodOptions {
		return "PreflightRequest"
	}
	best, bestScore := "", -1
	for _, op := range operations {
		if op.Method != method && !(method == http.MethodHead && op.Method == http.MethodHead) {
			continue
		}
		if op.Target != t {
			continue
		}
		ok := true
		for _, q := range op.Query {
			vals, present := query[q.Key]
			if !present || q.HasValue && (len(vals) == 0 || vals[0] != q.Value) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		score := len(op.Query)
		if score > bestScore {
			best, bestScore = op.Name, score
		}
	}
	copySource := r.Header.Get("X-Amz-Copy-Source") != ""
	switch best {
	case "PutObject", "CopyObject":
		if copySource {
			return "CopyObject"
		}
		return "PutObject"
	case "UploadPart", "UploadPartCopy":
		if copySource {
			return "UploadPartCopy"
		}
		return "UploadPart"
	case "ListObjects", "ListObjectsV2":
		if v, ok := query["list-type"]; ok && len(v) > 0 && v[0] == "2" {
			return "ListObjectsV2"
		}
		return "ListObjects"
	}
	return best
}
