// Package front is the HTTP face of the server: one endpoint for every
// service. For each request it, in order, recognizes the protocol and
// operation, verifies the signature and resolves the principal, authorizes,
// decodes, calls the service and encodes the result — or renders the error
// in that protocol's shape (JSON __type, query <ErrorResponse>, S3 <Error>).
// Services know nothing of HTTP.
package front

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/sekisho/sekisho/internal/account"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/awsregion"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/idpool"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/sigv4"
	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/sts"
	"github.com/sekisho/sekisho/internal/userpool"
)

// Limits on what a request may carry.
const (
	// MaxHeaderBytes bounds the request header section; larger headers get
	// a 400 in the protocol's shape. (net/http itself cuts off at
	// ServerMaxHeaderBytes.)
	MaxHeaderBytes = 64 << 10
	// ServerMaxHeaderBytes is the net/http limit, set well above
	// MaxHeaderBytes so that the shaped error is what clients see.
	ServerMaxHeaderBytes = 1 << 20
	// MaxAPIBody bounds JSON and query-protocol bodies.
	MaxAPIBody = 1 << 20
)

// Config holds what the front needs.
type Config struct {
	Verifier *sigv4.Verifier
	Log      *slog.Logger
	// Observe, if set, is told of every request after it is answered
	// (metrics, the audit log).
	Observe func(Request)
	// Account and Region the server mints ids and ARNs in.
	Account, Region string
	// Domains are the hosts under which "<bucket>.<domain>" is S3
	// virtual-hosted style.
	Domains []string
	S3      *s3.Service
	STS     *sts.Service
	// IAM supplies identity policies; nil means every signed caller is
	// treated as the account root (tests of the front alone).
	IAM *iam.Service
	// UserPools is Cognito user pools, if served.
	UserPools *userpool.Service
	// IdentityPools is Cognito identity pools, if served.
	IdentityPools *idpool.Service
	// Accounts is the member accounts (Organizations), if served.
	Accounts *account.Service
	// PublicURL is the URL clients reach the server at (its scheme and
	// port are those of the pools' domains in discovery documents).
	PublicURL string
	// AuthDomain is the domain user pools' prefix domains live under
	// ("<prefix>.<AuthDomain>"; their endpoints are also under
	// "/_auth/<prefix>/"); "" serves none.
	AuthDomain string
	// Tenant returns a member account's IAM and STS (nil: the server
	// serves IAM for its own account only).
	Tenant func(ctx context.Context, account string) (*Tenant, error)
	// BodyIdleTimeout disconnects a client whose request body makes no
	// progress for this long (DefaultBodyIdleTimeout if 0; never if < 0).
	BodyIdleTimeout time.Duration
	// MaxUnauthenticated bounds the requests in progress that have not
	// (yet) proved their signature; more get 503
	// (DefaultMaxUnauthenticated if 0; no bound if < 0).
	MaxUnauthenticated int
}

// Handler serves every protocol on one endpoint.
type Handler struct {
	cfg Config
	// json maps X-Amz-Target prefixes to tables; tables maps signing
	// names to every table, S3's included.
	json    map[string]*table
	tables  map[string]*table
	preauth *preauth
	idle    time.Duration
	tenants tenants
	// mux routes the paths that are not AWS calls (router.go).
	mux *http.ServeMux
	// traces are the recent authorizations (traces.go).
	traces traceRing
}

// New returns the front handler.
func New(cfg Config) *Handler {
	h := &Handler{cfg: cfg, idle: cfg.BodyIdleTimeout}
	if h.idle == 0 {
		h.idle = DefaultBodyIdleTimeout
	}
	n := cfg.MaxUnauthenticated
	if n == 0 {
		n = DefaultMaxUnauthenticated
	}
	h.preauth = newPreauth(n)
	h.mount()
	h.json = jsonServices(cfg)
	h.tables = queryServices(cfg)
	for _, t := range h.json {
		h.tables[t.Service] = t
	}
	h.tables["s3"] = &table{Service: "s3", Ops: h.s3Rows()}
	return h
}

// reqInfo is what the access log reports about a request; handlers fill it
// in as they learn more.
type reqInfo struct {
	id        string
	service   string
	operation string
	principal *auth.Principal
	err       error
	// decision says which policy statement decided, for the log;
	// authorized is 0 when no policy was evaluated, 1 allowed, 2 denied.
	decision   string
	authorized int
	// release gives back the request's unauthenticated slot.
	release func()
	// s3 is the request's S3 call, once decoded, for the access log.
	s3 *s3Request
}

type infoKey struct{}

func info(ctx context.Context) *reqInfo {
	ri, _ := ctx.Value(infoKey{}).(*reqInfo)
	if ri == nil {
		return &reqInfo{}
	}
	return ri
}

// statusWriter records the status for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	// headerAt is when the final response's header went out.
	headerAt time.Time
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
		w.headerAt = time.Now()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status, w.headerAt = http.StatusOK, time.Now()
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom lets io.Copy reach the connection's ReadFrom, which sends file
// bytes with sendfile(2).
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status, w.headerAt = http.StatusOK, time.Now()
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(struct{ io.Writer }{w.ResponseWriter}, r)
	}
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

type protocol int

const (
	protoS3 protocol = iota
	protoJSON
	protoQuery
)

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ri := &reqInfo{id: newRequestID()}
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, ri))
	w := &statusWriter{ResponseWriter: rw}
	proto := h.protocol(r)
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			ri.err = fmt.Errorf("panic: %v", p)
			if w.status == 0 {
				h.writeError(w, r, proto, awserr.New(500, "InternalError", "We encountered an internal error. Please try again."))
			}
		}
		h.logRequest(r, ri, w, start)
	}()
	if h.apiPreflight(r) {
		ri.service, ri.operation = "cors", "Preflight"
		serveAPIPreflight(w, r)
		return
	}
	if proto == protoJSON || proto == protoQuery {
		setAPICORS(w, r)
	}
	// Requests that carry no signature hold one of a bounded number of
	// slots until they prove who sent them (a POST upload's form) or end.
	// Signed ones fail fast when the signature is wrong; API bodies, read
	// before their signature can be checked, have a deadline of their own.
	if !claimsSignature(r) {
		release, ok := h.preauth.enter()
		if !ok {
			e := awserr.New(503, "ServiceUnavailable", "Too many unauthenticated requests are in progress; please try again.")
			if proto == protoS3 {
				e = awserr.New(503, "SlowDown", "Please reduce your request rate.")
			}
			h.writeError(w, r, proto, e)
			return
		}
		ri.release = release
		defer release()
	}
	if h.idle > 0 && r.Body != nil && r.Body != http.NoBody {
		b := &idleBody{ReadCloser: r.Body, ctl: http.NewResponseController(rw), idle: h.idle}
		r.Body = b
		// net/http reads what is left of an unread body after the
		// handler; a client that stalls must not hold it there either.
		defer b.finish()
	}
	if size := headerSize(r); size > MaxHeaderBytes {
		h.writeError(w, r, proto, awserr.New(400, "RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size.").With("MaxSizeAllowed", fmt.Sprint(MaxHeaderBytes)))
		return
	}
	if bucket := h.websiteBucket(r); bucket != "" {
		h.serveWebsite(w, r, bucket)
		return
	}
	if prefix, rest, ok := h.authTarget(r); ok {
		h.serveOAuth(w, r, prefix, rest)
		return
	}
	if web := h.route(r); web != nil {
		web.ServeHTTP(w, r)
		return
	}
	switch proto {
	case protoJSON:
		h.serveAPI(w, r, jsonCodec{})
	case protoQuery:
		h.serveAPI(w, r, queryCodec{})
	default:
		h.serveAPI(w, r, s3Codec{})
	}
}

func headerSize(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// protocol decides which protocol a request speaks: JSON 1.1 by
// X-Amz-Target, the query protocol by an Action on the service root, and
// S3 REST-XML for everything else.
func (h *Handler) protocol(r *http.Request) protocol {
	if r.Header.Get("X-Amz-Target") != "" {
		return protoJSON
	}
	if r.URL.Path != "/" || h.virtualBucket(r) != "" {
		return protoS3
	}
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if r.Method == http.MethodPost && strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return protoQuery
	}
	if r.URL.Query().Has("Action") {
		return protoQuery
	}
	return protoS3
}

// Request is what Config.Observe is told of every request: never a
// secret, signature or token.
type Request struct {
	Service, Operation string
	Status             int
	Latency            time.Duration
	BytesIn, BytesOut  int64
	Principal, Remote  string
	// Authorized is "" when no policy was evaluated, else "allow" or
	// "deny"; Decision names the statement that decided.
	Authorized, Decision string
	// Error is the AWS error code answered, if any.
	Error string
	// Time is when the request arrived.
	Time time.Time
}

// noteServiceAccess records which user or role called which service, for
// IAM's last accessed reports; the root user and guests are not tracked.
func (h *Handler) noteServiceAccess(r *http.Request, ri *reqInfo) {
	p := ri.principal
	if p == nil || h.cfg.IAM == nil || ri.service == "" {
		return
	}
	entity := ""
	switch {
	case p.Kind == auth.User:
		entity = p.ARN
	case p.Session != nil && p.Session.RoleARN != "":
		entity = p.Session.RoleARN
	default:
		return
	}
	svc := h.cfg.IAM
	if p.Account != h.cfg.Account {
		t, err := h.tenantOf(r.Context(), p.Account)
		if err != nil || t == nil || t.IAM == nil {
			return
		}
		svc = t.IAM
	}
	region := h.cfg.Region
	if rr := scopeRegion(r); awsregion.Valid(rr) {
		region = rr
	}
	svc.NoteServiceAccess(r.Context(), entity, ri.service, region)
}

func (h *Handler) logRequest(r *http.Request, ri *reqInfo, w *statusWriter, start time.Time) {
	if p := ri.principal; p != nil && h.cfg.IAM != nil && strings.HasPrefix(p.AccessKeyID, "AKIA") && p.Account == h.cfg.Account && p.Kind == auth.User {
		h.cfg.IAM.NoteKeyUse(r.Context(), p.AccessKeyID, ri.service, h.cfg.Region)
	}
	h.noteServiceAccess(r, ri)
	h.logS3Access(r, ri, w, start)
	h.afterS3Write(r, ri, w, start)
	if h.cfg.Observe != nil {
		o := Request{Service: ri.service, Operation: ri.operation, Status: w.status, Latency: time.Since(start), BytesOut: w.bytes,
			Remote: r.RemoteAddr, Decision: ri.decision, Time: start}
		if r.ContentLength > 0 {
			o.BytesIn = r.ContentLength
		}
		if ri.principal != nil {
			o.Principal = ri.principal.ARN
		}
		switch ri.authorized {
		case 1:
			o.Authorized = "allow"
		case 2:
			o.Authorized = "deny"
		}
		if ri.err != nil {
			if e, ok := awserr.As(ri.err); ok {
				o.Error = e.Code
			} else {
				o.Error = "InternalError"
			}
		}
		h.cfg.Observe(o)
	}
	if h.cfg.Log == nil {
		return
	}
	principal := ""
	if ri.principal != nil {
		principal = ri.principal.ARN
	}
	attrs := []slog.Attr{
		slog.String("id", ri.id),
		slog.String("service", ri.service),
		slog.String("operation", ri.operation),
		slog.Int("status", w.status),
		slog.Duration("latency", time.Since(start)),
		slog.String("principal", principal),
		slog.String("remote", r.RemoteAddr),
		slog.Int64("bytes_out", w.bytes),
	}
	if ri.decision != "" {
		attrs = append(attrs, slog.String("authz", ri.decision))
	}
	level := slog.LevelInfo
	if ri.err != nil {
		// Only the code and message: never a secret, signature or token.
		if e, ok := awserr.As(ri.err); ok {
			attrs = append(attrs, slog.String("error", e.Code))
		} else {
			attrs = append(attrs, slog.String("error", ri.err.Error()))
			level = slog.LevelError
		}
	}
	h.cfg.Log.LogAttrs(r.Context(), level, "request", attrs...)
}

// writeError renders err in the protocol's shape. Errors that are not
// *awserr.Error are internal: they are logged, not shown.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, proto protocol, err error) {
	ri := info(r.Context())
	ri.err = err
	e, ok := awserr.As(err)
	switch {
	case ok:
	case errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT):
		// SDKs retry a 500; a full disk will not empty itself. Say so.
		e = awserr.New(507, "InsufficientStorage", "The server's storage is full: the request was refused and nothing was written. Free space on the server's data directory and retry.")
		e.Sender = false
	case errors.Is(err, store.ErrUnavailable):
		// The database is down or unreachable: SDKs retry a 503.
		e = awserr.New(503, "ServiceUnavailable", "The server's database is unavailable. Please try again.")
		e.Sender = false
	default:
		e = awserr.New(500, "InternalError", "We encountered an internal error. Please try again.")
		e.Sender = false
	}
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	switch proto {
	case protoJSON:
		writeJSONError(w, ri.id, e)
	case protoQuery:
		writeQueryError(w, ri.id, ri.service, e)
	default:
		writeS3Error(w, r, ri.id, e)
	}
}
