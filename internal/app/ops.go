package app

import (
	"context"
	"crypto/tls"
	"fmt"

	"encoding/json"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The operator's paths, outside the AWS APIs (no bucket name can begin
// with "_", so none is taken from S3):
//
//	GET  /_sekisho/health   always: 200 with the version and the store's
//	                        state, 503 while it is unavailable
//	POST /_sekisho/reset    --dev only, from loopback: every piece of
//	POST /moto-api/reset    state wiped, as moto's server mode does

// health answers GET /_sekisho/health for a (nil while starting).
func health(w http.ResponseWriter, r *http.Request, a *App) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	out := map[string]any{"version": VersionString(), "status": "ok", "store": "ok"}
	status := http.StatusOK
	if a == nil {
		out["status"], out["store"], status = "starting", "starting", http.StatusServiceUnavailable
	} else {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		st, err := a.storeStatus(ctx)
		out["storeInfo"] = st
		if err != nil {
			out["status"], out["store"], status = "unavailable", "unavailable", http.StatusServiceUnavailable
			a.log.Warn("health: the store is unavailable", "err", err)
		}
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(out)
}

// withHealth serves the health path before the AWS front.
func withHealth(a *App, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_sekisho/health" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			health(w, r, a)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// devServer is dev mode's handler: the app behind it can be replaced by
// a fresh one (reset) while the listener stays.
type devServer struct {
	cfg  *Config
	log  *slog.Logger
	addr string // the listener, for the bootstrap file

	mu   sync.RWMutex
	app  *App
	stop context.CancelFunc
	done chan struct{}
}

func newDevServer(cfg *Config, a *App) *devServer {
	d := &devServer{cfg: cfg, log: a.log}
	d.start(a)
	return d
}

func (d *devServer) start(a *App) {
	ctx, cancel := context.WithCancel(context.Background())
	d.app, d.stop, d.done = a, cancel, make(chan struct{})
	go func(done chan struct{}) { a.Run(ctx); close(done) }(d.done)
}

// close stops the background work and the store.
func (d *devServer) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stop()
	<-d.done
	d.app.Close()
}

func (d *devServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && (r.URL.Path == "/_sekisho/reset" || r.URL.Path == "/moto-api/reset") {
		if !fromLoopback(r) {
			http.Error(w, `{"error":"reset is accepted from this machine only"}`, http.StatusForbidden)
			return
		}
		t0 := time.Now()
		if err := d.reset(); err != nil {
			d.log.Error("reset", "err", err)
			http.Error(w, `{"error":"reset failed"}`, http.StatusInternalServerError)
			return
		}
		d.log.Info("state reset", "took", time.Since(t0).Round(time.Millisecond))
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
		return
	}
	d.mu.RLock()
	a := d.app
	defer d.mu.RUnlock()
	a.Handler().ServeHTTP(w, r)
}

// reset replaces the app with a fresh one over an emptied data dir. It
// waits for requests in progress to finish.
func (d *devServer) reset() error {
	a, err := d.fresh()
	if err != nil {
		return err
	}
	// The bootstrap file goes through the listener, to the new app: not
	// under the lock, which requests take.
	return bootstrap(d.cfg, a, d.addr)
}

// fresh swaps in a new app over an emptied data dir.
func (d *devServer) fresh() (*App, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stop()
	<-d.done
	if d.cfg.StoreURL != "" {
		if err := wipeStore(context.Background(), d.app.meta); err != nil {
			return nil, err
		}
	}
	d.app.Close()
	entries, err := os.ReadDir(d.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(d.cfg.DataDir, e.Name())); err != nil {
			return nil, err
		}
	}
	a, err := New(d.cfg)
	if err != nil {
		return nil, err
	}
	d.start(a)
	return a, nil
}

// bootstrap applies the --bootstrap file to a, as root, through the
// server's own listener at addr (dialled directly: the public URL may
// not resolve here, and a TLS certificate may not name the address).
func bootstrap(cfg *Config, a *App, addr string) error {
	if cfg.Bootstrap == "" {
		return nil
	}
	data, err := os.ReadFile(cfg.Bootstrap)
	if err != nil {
		return err
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		},
		// Our own listener, reached by its socket address.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}
	defer tr.CloseIdleConnections()
	ac := aws.Config{Region: cfg.Region, BaseEndpoint: aws.String(cfg.PublicURL),
		Credentials: credentials.NewStaticCredentialsProvider(a.RootAccessKeyID, a.RootSecretAccessKey, ""),
		HTTPClient:  &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
	if _, err := ApplySetup(context.Background(), ac, data); err != nil {
		return fmt.Errorf("--bootstrap %s: %w", cfg.Bootstrap, err)
	}
	return nil
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// withConsole sends the console's paths to it: browser requests (no AWS
// signature) under /console/. A signed request there is S3's, for a bucket
// named "console".
func withConsole(web, next http.Handler) http.Handler {
	if web == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.URL.Path == "/console" || strings.HasPrefix(r.URL.Path, "/console/")) && r.Header.Get("Authorization") == "" &&
			!r.URL.Query().Has("X-Amz-Signature") && !r.URL.Query().Has("Signature") {
			web.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
