package app

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sekisho/sekisho/internal/front"
)

// metrics are the server's Prometheus metrics, on their own registry.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	decisions   *prometheus.CounterVec
	signIns     *prometheus.CounterVec
	lockouts    prometheus.Counter
	credentials *prometheus.CounterVec
	bytesIn     *prometheus.CounterVec
	bytesOut    *prometheus.CounterVec
	conns       prometheus.Gauge
	commits     *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sekisho_requests_total", Help: "Requests answered, by service, operation and HTTP status."}, []string{"service", "operation", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "sekisho_request_duration_seconds", Help: "Time to answer a request, by service and operation.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"service", "operation"})
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sekisho_authorization_decisions_total", Help: "Policy decisions on requests, by result (allow, deny)."}, []string{"decision"})
	m.signIns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sekisho_sign_ins_total", Help: "User-pool sign-ins by result (success, failure)."}, []string{"result"})
	m.lockouts = prometheus.NewCounter(prometheus.CounterOpts{Name: "sekisho_lockouts_total", Help: "Users locked out after repeated failed sign-ins."})
	m.credentials = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sekisho_credentials_vended_total", Help: "Temporary credentials issued, by operation."}, []string{"operation"})
	m.bytesIn = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sekisho_request_bytes_total", Help: "Request body bytes received, by service."}, []string{"service"})
	m.bytesOut = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sekisho_response_bytes_total", Help: "Response body bytes sent, by service."}, []string{"service"})
	m.conns = prometheus.NewGauge(prometheus.GaugeOpts{Name: "sekisho_open_connections", Help: "Client connections open."})
	m.commits = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "sekisho_store_commit_duration_seconds", Help: "Time a metadata write took to commit (waiting for a group commit and retries included), by result (ok, error).",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5}}, []string{"result"})
	m.reg.MustRegister(m.requests, m.latency, m.decisions, m.signIns, m.lockouts, m.credentials, m.bytesIn, m.bytesOut, m.conns, m.commits,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// vending are the operations that issue temporary credentials.
var vending = map[string]bool{"GetCredentialsForIdentity": true, "AssumeRole": true, "AssumeRoleWithWebIdentity": true, "GetSessionToken": true,
	"GetFederationToken": true, "GetOpenIdToken": true, "GetOpenIdTokenForDeveloperIdentity": true}

func (m *metrics) observe(r front.Request) {
	svc, op := r.Service, r.Operation
	if svc == "" {
		svc = "unknown"
	}
	if strings.HasPrefix(svc, "s3") && len(op) > 64 {
		op = op[:64]
	}
	m.requests.WithLabelValues(svc, op, strconv.Itoa(r.Status)).Inc()
	m.latency.WithLabelValues(svc, op).Observe(r.Latency.Seconds())
	if r.Authorized != "" {
		m.decisions.WithLabelValues(r.Authorized).Inc()
	}
	if vending[op] && r.Status == http.StatusOK {
		m.credentials.WithLabelValues(op).Inc()
	}
	m.bytesIn.WithLabelValues(svc).Add(float64(r.BytesIn))
	m.bytesOut.WithLabelValues(svc).Add(float64(r.BytesOut))
}

func (m *metrics) event(kind string) {
	switch kind {
	case "SignIn":
		m.signIns.WithLabelValues("success").Inc()
	case "SignInFailed":
		m.signIns.WithLabelValues("failure").Inc()
	case "Lockout":
		m.lockouts.Inc()
	}
}

// connState counts open connections.
func (m *metrics) connState(_ net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		m.conns.Inc()
	case http.StateClosed, http.StateHijacked:
		m.conns.Dec()
	}
}

// serveMetrics serves /metrics on addr until the process ends.
func serveMetrics(addr string, m *metrics, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	log.Info("metrics listening", "addr", addr)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		log.Warn("metrics server", "err", err)
	}
}

// auditLog writes the audit trail as JSON lines: sign-ins and their
// failures, lockouts, changes made by administrators, credentials
// vended, and every denied request with the statement that decided —
// never a secret, password, code or token. Records go through a buffer
// to a writer goroutine, so no request (and no write transaction) waits
// on the file; the file is reopened on Reopen (SIGHUP), for rotation.
type auditLog struct {
	path string
	ch   chan map[string]any
	mu   sync.Mutex
	f    *os.File
	log  *slog.Logger
	done chan struct{}
}

func openAudit(path string, log *slog.Logger) (*auditLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	a := &auditLog{path: path, ch: make(chan map[string]any, 4096), f: f, log: log, done: make(chan struct{})}
	go a.run()
	return a, nil
}

func (a *auditLog) run() {
	defer close(a.done)
	for rec := range a.ch {
		b, _ := json.Marshal(rec)
		a.mu.Lock()
		if _, err := a.f.Write(append(b, '\n')); err != nil {
			a.log.Warn("audit log", "err", err)
		}
		a.mu.Unlock()
	}
}

// Reopen opens the file again (after a rotation moved it).
func (a *auditLog) Reopen() {
	f, err := os.OpenFile(a.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		a.log.Warn("audit log reopen", "err", err)
		return
	}
	a.mu.Lock()
	old := a.f
	a.f = f
	a.mu.Unlock()
	old.Close()
}

// Close flushes and closes the file.
func (a *auditLog) Close() {
	close(a.ch)
	<-a.done
	a.f.Sync()
	a.f.Close()
}

func (a *auditLog) record(rec map[string]any) {
	select {
	case a.ch <- rec:
	default:
		a.log.Warn("audit log: buffer full, record dropped", "event", rec["event"])
	}
}

// mutating reports operations that change configuration or users.
func mutating(op string) bool {
	for _, p := range []string{"Create", "Delete", "Update", "Put", "Set", "Attach", "Detach", "Add", "Remove", "Admin", "Tag", "Untag", "Enable", "Disable", "Link", "Associate", "Upload", "Change", "Reset", "Revoke"} {
		if strings.HasPrefix(op, p) && !strings.HasPrefix(op, "AdminGet") && !strings.HasPrefix(op, "AdminList") && op != "AdminInitiateAuth" && op != "AdminRespondToAuthChallenge" {
			return true
		}
	}
	return false
}

func (a *auditLog) observe(r front.Request) {
	base := func(event string) map[string]any {
		return map[string]any{"time": r.Time.UTC().Format(time.RFC3339Nano), "event": event, "service": r.Service, "operation": r.Operation,
			"status": r.Status, "principal": r.Principal, "remote": r.Remote}
	}
	switch {
	case r.Authorized == "deny" || r.Error == "AccessDenied":
		rec := base("Denied")
		rec["decision"] = r.Decision
		a.record(rec)
	case vending[r.Operation] && r.Status == http.StatusOK:
		a.record(base("CredentialsVended"))
	case r.Service != "s3" && r.Principal != "" && mutating(r.Operation):
		rec := base("Change")
		if r.Error != "" {
			rec["error"] = r.Error
		}
		a.record(rec)
	}
}

func (a *auditLog) event(kind, pool, username string) {
	a.record(map[string]any{"time": time.Now().UTC().Format(time.RFC3339Nano), "event": kind, "userPoolId": pool, "username": username})
}

// observers are what watches the server: metrics and the audit log, each
// optional.
type observers struct {
	metrics *metrics
	audit   *auditLog
}

func (o *observers) observe(r front.Request) {
	if o.metrics != nil {
		o.metrics.observe(r)
	}
	if o.audit != nil {
		o.audit.observe(r)
	}
}

func (o *observers) event(kind, pool, username string) {
	if o.metrics != nil {
		o.metrics.event(kind)
	}
	if o.audit != nil {
		o.audit.event(kind, pool, username)
	}
}

// commit observes one metadata write.
func (m *metrics) commit(d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.commits.WithLabelValues(result).Observe(d.Seconds())
}
