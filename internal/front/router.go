package front

import (
	"net/http"
	"path"
	"strings"
)

// The web router: paths that are not AWS API calls (token key sets, and
// next the OAuth2 and login pages, the console, health and metrics) mount
// on an http.ServeMux; every other request is an AWS call.
//
// The routes live on the path-style host only, and can never shadow an S3
// object: each route's first segment is something no bucket may be named
// — it contains "_" (a user pool id, "_sekisho") or starts with "."
// (".well-known") — while a virtual-hosted bucket's own keys (which may be
// named like a route) always go to S3. Only clean GET and HEAD paths are
// looked up (and PUT to a user import job's upload URL), so S3 keys with
// "..", "//" or odd escapes are never redirected by the mux.

// mount builds the router.
func (h *Handler) mount() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks_uri", h.serveIdentityJWKS)
	mux.HandleFunc("GET /{pool}/.well-known/jwks.json", h.servePoolWellKnown)
	mux.HandleFunc("GET /{pool}/.well-known/openid-configuration", h.servePoolWellKnown)
	mux.HandleFunc("GET /_sekisho/health", h.serveHealth)
	mux.HandleFunc("GET /_sekisho/tokens/{issuer}/.well-known/openid-configuration", h.serveOutboundDiscovery)
	mux.HandleFunc("GET /_sekisho/tokens/{issuer}/.well-known/jwks.json", h.serveOutboundDiscovery)
	mux.HandleFunc("PUT /_sekisho/user-import/{pool}/{job}", h.serveUserImport)
	h.mux = mux
}

// route returns the web handler for r, or nil for an AWS call.
func (h *Handler) route(r *http.Request) http.Handler {
	upload := r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/_sekisho/user-import/")
	if h.mux == nil || r.Method != http.MethodGet && r.Method != http.MethodHead && !upload || h.virtualBucket(r) != "" {
		return nil
	}
	p := r.URL.EscapedPath()
	if p != r.URL.Path || path.Clean(p) != p || r.URL.RawQuery != "" && r.URL.Query().Has("Action") && !upload {
		return nil
	}
	if _, pattern := h.mux.Handler(r); pattern == "" {
		return nil
	}
	return h.mux // serving through the mux sets the path's {values}
}

// serveHealth answers a liveness probe.
func (h *Handler) serveHealth(w http.ResponseWriter, r *http.Request) {
	ri := info(r.Context())
	ri.service, ri.operation = "sekisho", "health"
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(`{"status":"ok"}` + "\n"))
}
