package front

import (
	"net/http"
	"strings"
)

// CORS for the JSON and query services (Cognito user pools, identity
// pools, STS, IAM): AWS answers these for any origin, so that single-page
// apps on their own origin can sign in and get credentials. S3 keeps its
// per-bucket CORS rules (s3bucket.go).

// apiCORSExposed are the response headers the SDKs read besides the body.
const apiCORSExposed = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, x-amz-request-id, Date"

// apiPreflight reports whether r is a CORS preflight for the API
// endpoint (OPTIONS on the service root, not on a bucket).
func (h *Handler) apiPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.URL.Path == "/" && h.virtualBucket(r) == "" &&
		r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// serveAPIPreflight answers a preflight: any origin, the methods the
// protocols use, and the request headers the SDKs send.
func serveAPIPreflight(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	var allowed []string
	for _, v := range r.Header.Values("Access-Control-Request-Headers") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.ToLower(strings.TrimSpace(name)); apiCORSHeader(name) {
				allowed = append(allowed, name)
			}
		}
	}
	if len(allowed) > 0 {
		hd.Set("Access-Control-Allow-Headers", strings.Join(allowed, ", "))
	}
	hd.Set("Access-Control-Max-Age", "172800")
	hd.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	w.WriteHeader(http.StatusOK)
}

// apiCORSHeader reports whether a browser may send a request header to
// the API: the ones the AWS SDKs and Amplify send.
func apiCORSHeader(name string) bool {
	switch name {
	case "authorization", "content-type", "x-amz-target", "x-amz-user-agent", "x-amz-date", "x-amz-security-token",
		"x-amz-content-sha256", "cache-control", "x-requested-with", "content-encoding":
		return true
	}
	return strings.HasPrefix(name, "x-amz-") || strings.HasPrefix(name, "amz-sdk-")
}

// setAPICORS marks an API response (errors included) readable by any
// origin.
func setAPICORS(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") == "" {
		return
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Expose-Headers", apiCORSExposed)
}
