// Package app is the composition root: it reads the configuration, opens
// the stores, builds the services and the HTTP front, and runs them.
package app

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/blob"
	"github.com/sekisho/sekisho/internal/front"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/idpool"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/sigv4"
	"github.com/sekisho/sekisho/internal/store/bolt"
	"github.com/sekisho/sekisho/internal/sts"
	"github.com/sekisho/sekisho/internal/userpool"
)

const usage = `sekisho: a self-hosted Cognito + IAM + STS + S3 on one endpoint.

Usage:
  sekisho serve [flags]        run the server (sekisho serve -h for flags)
  sekisho credentials [flags]  print the root credentials as shell exports
  sekisho bench [flags]        load-test an S3 endpoint (sekisho bench -h)
  sekisho version              print the version
`

// Version, if set at build time (-ldflags -X), overrides what the
// binary's build information says (VersionString).
var Version = ""

// VersionString is the module version, or for a build from a checkout
// the VCS revision and time (with "+dirty" for uncommitted changes), from
// runtime/debug.ReadBuildInfo.
func VersionString() string {
	if Version != "" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && !strings.Contains(v, rev) {
		v += " " + rev + dirty
		if at != "" {
			v += " " + at
		}
	}
	return v + " " + bi.GoVersion
}

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr *os.File) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		cfg, err := ParseConfig(args[1:], os.Getenv, stderr)
		if errors.Is(err, errHelp) {
			return 0
		}
		if err != nil {
			fmt.Fprintln(stderr, "sekisho serve:", err)
			return 2
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := Serve(ctx, cfg, stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "sekisho serve:", err)
			return 1
		}
		return 0
	case "credentials":
		cfg, err := ParseConfig(args[1:], os.Getenv, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "sekisho credentials:", err)
			return 2
		}
		key, err := masterKey(cfg)
		if err != nil {
			fmt.Fprintln(stderr, "sekisho credentials:", err)
			return 1
		}
		id, secret, _, err := rootCredentials(cfg, key)
		if err != nil {
			fmt.Fprintln(stderr, "sekisho credentials:", err)
			return 1
		}
		printExports(stdout, cfg, id, secret)
		return 0
	case "bench":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := Bench(ctx, args[1:], os.Getenv, stdout); err != nil {
			fmt.Fprintln(stderr, "sekisho bench:", err)
			return 1
		}
		return 0
	case "version":
		fmt.Fprintln(stdout, "sekisho", VersionString())
		return 0
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "sekisho: unknown command %q\n\n%s", args[0], usage)
	return 2
}

var errHelp = errors.New("flag: help requested")

func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func masterKey(cfg *Config) (*seal.Key, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	if cfg.MasterKey != "" {
		return seal.ParseKey(cfg.MasterKey)
	}
	return seal.LoadOrCreate(filepath.Join(cfg.DataDir, "master.key"))
}

type rootFile struct {
	AccessKeyID  string `json:"access_key_id"`
	SealedSecret string `json:"sealed_secret_access_key"`
}

const rootPurpose = "sekisho root secret access key"

// rootCredentials returns the root keys: from the configuration, or from
// the data dir, or newly generated and saved there (created is then true).
func rootCredentials(cfg *Config, key *seal.Key) (id, secret string, created bool, err error) {
	if cfg.RootAccessKeyID != "" {
		return cfg.RootAccessKeyID, cfg.RootSecretAccessKey, false, nil
	}
	path := filepath.Join(cfg.DataDir, "root-credentials.json")
	data, err := os.ReadFile(path)
	if err == nil {
		var rf rootFile
		if err := json.Unmarshal(data, &rf); err != nil {
			return "", "", false, fmt.Errorf("%s: %w", path, err)
		}
		pt, err := key.Open(rootPurpose, rf.SealedSecret)
		if err != nil {
			return "", "", false, fmt.Errorf("%s: cannot decrypt with this master key", path)
		}
		return rf.AccessKeyID, string(pt), false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", "", false, err
	}
	id, secret = auth.NewAccessKeyID("AKIA"), auth.NewSecretAccessKey()
	b, _ := json.MarshalIndent(rootFile{id, key.Seal(rootPurpose, []byte(secret))}, "", "  ")
	if err := seal.WriteFileAtomic(path, append(b, '\n'), 0o600); err != nil {
		return "", "", false, err
	}
	return id, secret, true, nil
}

func printExports(w io.Writer, cfg *Config, id, secret string) {
	// AWS_REGION for the JavaScript SDK v3, AWS_DEFAULT_REGION for the
	// CLI and boto3.
	fmt.Fprintf(w, "export AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REGION=%s AWS_DEFAULT_REGION=%s\n",
		cfg.PublicURL, id, secret, cfg.Region, cfg.Region)
}

// Serve runs the server until ctx ends, then shuts down gracefully:
// it stops accepting, lets in-flight requests finish, and closes the store.
func Serve(ctx context.Context, cfg *Config, stdout, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	key, err := masterKey(cfg)
	if err != nil {
		return err
	}
	rootID, rootSecret, created, err := rootCredentials(cfg, key)
	if err != nil {
		return err
	}
	meta, err := bolt.Open(filepath.Join(cfg.DataDir, "meta.db"))
	if err != nil {
		return err
	}
	defer meta.Close()
	blobs, err := blob.OpenFS(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		return err
	}
	s3svc := &s3.Service{Meta: meta, Blobs: blobs, Region: cfg.Region, Log: log}
	// Garbage from an earlier crash is swept in the background: start-up
	// must not grow with the number of objects. Only blobs from before
	// this start are looked at, so the sweep and new writes never meet.
	started := time.Now()
	go func() {
		t0 := time.Now()
		n, err := s3svc.Recover(ctx, started)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("sweeping orphaned blobs", "err", err)
			}
			return
		}
		log.Info("swept orphaned blobs left by any earlier crash", "removed", n, "took", time.Since(t0).Round(time.Millisecond))
	}()
	expiry, err := time.ParseDuration(cfg.UploadExpiry)
	if err != nil || expiry < 0 {
		return fmt.Errorf("upload-expiry %q: want a duration such as 168h", cfg.UploadExpiry)
	}
	if expiry > 0 {
		go abortExpiredUploads(ctx, s3svc, expiry, log)
	}
	iamSvc := &iam.Service{Store: meta, Account: cfg.AccountID, Key: key}
	stsSvc := &sts.Service{IAM: iamSvc, Key: key, Account: cfg.AccountID}
	creds := auth.Chain{
		auth.Static{rootID: {SecretAccessKey: rootSecret, Principal: auth.RootPrincipal(cfg.AccountID, rootID)}},
		iamSvc, // IAM users' long-term keys (AKIA…)
		stsSvc, // temporary credentials (ASIA… with a session token)
	}
	var issuer func(string) string
	switch cfg.CognitoIssuer {
	case "self", "":
		issuer = func(pool string) string { return strings.TrimSuffix(cfg.PublicURL, "/") + "/" + pool }
	case "aws":
		issuer = func(pool string) string { return "https://cognito-idp." + cfg.Region + ".amazonaws.com/" + pool }
	default:
		return fmt.Errorf("cognito-issuer %q: want self or aws", cfg.CognitoIssuer)
	}
	var outbox userpool.Outbox = &userpool.FileOutbox{Path: filepath.Join(cfg.DataDir, "outbox", "messages.jsonl"), Log: log}
	if cfg.SMTPURL != "" {
		smtpOut, err := userpool.ParseSMTPURL(cfg.SMTPURL)
		if err != nil {
			return err
		}
		smtpOut.Fallback = outbox
		outbox = smtpOut
	}
	pools := &userpool.Service{Store: meta, Key: key, Account: cfg.AccountID, Region: cfg.Region, Issuer: issuer, Log: log, Outbox: outbox}
	idPools := &idpool.Service{Store: meta, Key: key, Account: cfg.AccountID, Region: cfg.Region, UserPools: pools, STS: stsSvc}
	stsSvc.Issuers = append(stsSvc.Issuers, idPools)
	handler := front.New(front.Config{
		Verifier:      &sigv4.Verifier{Credentials: creds},
		Log:           log,
		Account:       cfg.AccountID,
		Region:        cfg.Region,
		Domains:       cfg.Domains,
		S3:            s3svc,
		STS:           stsSvc,
		IAM:           iamSvc,
		UserPools:     pools,
		IdentityPools: idPools,

		BodyIdleTimeout:    cfg.bodyIdle,
		MaxUnauthenticated: cfg.maxUnauth,
	})
	if cfg.DebugAddr != "" {
		go serveDebug(cfg.DebugAddr, log)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		MaxHeaderBytes:    front.ServerMaxHeaderBytes,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			ln.Close()
			return err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	if created {
		fmt.Fprintf(stdout, "sekisho generated root credentials (shown once; kept sealed in %s).\nPoint the AWS CLI and SDKs at this server with:\n\n",
			filepath.Join(cfg.DataDir, "root-credentials.json"))
		printExports(stdout, cfg, rootID, rootSecret)
		fmt.Fprintln(stdout)
	} else {
		fmt.Fprintf(stdout, "Point the AWS CLI and SDKs at this server with:\n\n  export AWS_ENDPOINT_URL=%s\n\nand the root keys (sekisho credentials --data-dir %s prints them as exports).\n\n", cfg.PublicURL, cfg.DataDir)
	}
	log.Info("sekisho listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL, "data_dir", cfg.DataDir,
		"region", cfg.Region, "account", cfg.AccountID, "domains", strings.Join(cfg.Domains, ","))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	log.Info("stopped")
	return nil
}

// abortExpiredUploads aborts multipart uploads older than expiry, at start
// and then hourly, as an AbortIncompleteMultipartUpload lifecycle rule
// would; their parts' bytes are freed.
func abortExpiredUploads(ctx context.Context, svc *s3.Service, expiry time.Duration, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := svc.AbortExpiredUploads(ctx, time.Now().Add(-expiry))
		if err != nil && ctx.Err() == nil {
			log.Warn("abort expired multipart uploads", "err", err)
		} else if n > 0 {
			log.Info("aborted expired multipart uploads", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// serveDebug serves pprof profiles for profiling under load.
func serveDebug(addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Info("debug server (pprof) listening", "addr", addr)
	if err := http.ListenAndServe(addr, mux); err != nil {
		log.Warn("debug server", "err", err)
	}
}
