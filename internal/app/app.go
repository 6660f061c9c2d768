// Package app is the composition root: it reads the configuration, opens
// the stores, builds the services and the HTTP front, and runs them.
package app

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sekisho/sekisho/internal/account"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/console"
	"github.com/sekisho/sekisho/internal/front"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/idpool"
	"github.com/sekisho/sekisho/internal/oidcfetch"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/sigv4"
	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/sts"
	"github.com/sekisho/sekisho/internal/userpool"
)

const usage = `sekisho: a self-hosted Cognito + IAM + STS + S3 on one endpoint.

Usage:
  sekisho serve [flags]        run the server (sekisho serve -h for flags)
  sekisho credentials [flags]  print the root credentials as shell exports
                               (--account ID: a member account's)
  sekisho account create NAME  make a member account (a tenant with its own
                               root keys and buckets) on the running server
  sekisho account list         list the accounts
  sekisho bench [flags]        load-test an S3 endpoint (sekisho bench -h)
  sekisho apply [--env] FILE   make the running server ($AWS_ENDPOINT_URL, as root)
                               match a setup file (buckets, IAM, user pools,
                               identity pools); prints the ids
  sekisho credential-process login --profile NAME --endpoint URL --user-pool-id ID
          --client-id ID --identity-pool-id ID --username NAME
                               sign in once (SRP, MFA if asked) and keep the
                               refresh token sealed in a 0600 file
  sekisho credential-process --profile NAME
                               print identity-pool credentials for the AWS
                               CLI's and SDKs' credential_process
  sekisho migrate [flags]      apply the PostgreSQL schema migrations of
                               --store (serve also does, at start) and exit
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
		rest, acct := takeFlag(args[1:], "account")
		cfg, err := ParseConfig(rest, os.Getenv, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "sekisho credentials:", err)
			return 2
		}
		if err := accountCredentials(cfg, stdout, acct); err != nil {
			fmt.Fprintln(stderr, "sekisho credentials:", err)
			return 1
		}
		return 0
	case "account":
		if err := Account(context.Background(), args[1:], os.Getenv, stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "sekisho account:", err)
			return 1
		}
		return 0
	case "bench":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := Bench(ctx, args[1:], os.Getenv, stdout); err != nil {
			fmt.Fprintln(stderr, "sekisho bench:", err)
			return 1
		}
		return 0
	case "apply":
		if err := Apply(context.Background(), args[1:], os.Getenv, stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "sekisho apply:", err)
			return 1
		}
		return 0
	case "credential-process":
		if err := CredentialProcess(context.Background(), args[1:], os.Getenv, os.Stdin, stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "sekisho credential-process:", err)
			return 1
		}
		return 0
	case "migrate":
		cfg, err := ParseConfig(args[1:], os.Getenv, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "sekisho migrate:", err)
			return 2
		}
		if err := migrate(cfg, stdout); err != nil {
			fmt.Fprintln(stderr, "sekisho migrate:", err)
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

// App is the whole server, built but not listening: the stores, the
// services and the HTTP front. Build it with New, serve Handler, run its
// background work with Run, and Close it when Run has returned.
type App struct {
	cfg *Config
	log *slog.Logger

	meta    store.Store
	node    string       // this process among the nodes sharing a store
	peers   atomic.Int64 // live nodes sharing the store (heartbeats)
	handler http.Handler

	S3            *s3.Service
	IAM           *iam.Service
	STS           *sts.Service
	UserPools     *userpool.Service
	IdentityPools *idpool.Service
	Accounts      *account.Service

	// RootAccessKeyID and RootSecretAccessKey are the root keys;
	// RootCreated is true when New generated them.
	RootAccessKeyID, RootSecretAccessKey string
	RootCreated                          bool

	started time.Time
	key     *seal.Key
}

// AccountCredentials returns an account's root keys: the server's own for
// the management account, derived ones for a member account.
func (a *App) AccountCredentials(acct string) (id, secret string) {
	if acct == a.cfg.AccountID {
		return a.RootAccessKeyID, a.RootSecretAccessKey
	}
	return account.RootKeys(a.key, acct)
}

// New builds the server described by cfg (which Validate has accepted):
// it opens the data dir's stores and wires the services and the front. It
// starts nothing: no listener, no goroutine.
func New(cfg *Config) (*App, error) {
	out := cfg.LogOutput
	if out == nil {
		out = os.Stderr
	}
	a := &App{cfg: cfg, log: newLogger(cfg, out), started: time.Now(), node: newNodeID()}
	key, err := masterKey(cfg)
	if err != nil {
		return nil, err
	}
	a.key = key
	if a.meta, err = openStore(cfg); err != nil {
		return nil, err
	}
	if cfg.StoreURL != "" {
		// Nodes share the store's secrets: refuse another key. (One
		// node's data dir keeps its key beside the sealed root keys,
		// which already refuse a wrong one.)
		if err := checkMasterKey(context.Background(), a.meta, key); err != nil {
			a.meta.Close()
			return nil, err
		}
	}
	if cfg.StoreURL != "" && cfg.RootAccessKeyID == "" {
		a.RootAccessKeyID, a.RootSecretAccessKey, a.RootCreated, err = storeRootCredentials(context.Background(), a.meta, key)
	} else {
		a.RootAccessKeyID, a.RootSecretAccessKey, a.RootCreated, err = rootCredentials(cfg, key)
	}
	if err != nil {
		a.meta.Close()
		return nil, err
	}
	if o := cfg.obs; o != nil && o.metrics != nil {
		if ks, ok := a.meta.(interface {
			ObserveCommits(func(time.Duration, error))
		}); ok {
			ks.ObserveCommits(o.metrics.commit)
		}
	}
	blobs, err := openBlobs(cfg)
	if err != nil {
		a.meta.Close()
		return nil, err
	}
	outbox, err := cfg.outbox(a.log)
	if err != nil {
		a.meta.Close()
		return nil, err
	}
	log, meta := a.log, a.meta
	lambda := cfg.lambda()
	a.S3 = &s3.Service{Meta: meta, Blobs: blobs, Region: cfg.Region, Log: log, Keys: key, LifecycleDay: cfg.lcDay, Lambda: lambda}
	a.IAM = &iam.Service{Store: meta, Account: cfg.AccountID, Key: key}
	if cfg.StoreURL != "" {
		a.IAM.NoCache, a.S3.NoBucketCache = true, true
	}
	a.STS = &sts.Service{IAM: a.IAM, Key: key, Account: cfg.AccountID, Region: cfg.Region}
	a.UserPools = &userpool.Service{Store: meta, Key: key, Account: cfg.AccountID, Region: cfg.Region, Issuer: cfg.issuer(), Log: log, Outbox: outbox, AuthDomain: cfg.AuthDomain, Upstream: oidcfetch.Client{}, Lambda: lambda, LightHash: cfg.PasswordHashCost == "light",
		Peers: a.livePeers}
	a.IdentityPools = &idpool.Service{Store: meta, Key: key, Account: cfg.AccountID, Region: cfg.Region, UserPools: a.UserPools, STS: a.STS}
	a.STS.Issuers = append(a.STS.Issuers, a.IdentityPools)
	a.Accounts = &account.Service{Store: meta, Key: key, Management: cfg.AccountID}
	members := &tenants{meta: meta, key: key, accounts: a.Accounts, cfg: cfg, mgmt: a.UserPools}
	creds := auth.Chain{
		auth.Static{a.RootAccessKeyID: {SecretAccessKey: a.RootSecretAccessKey, Principal: auth.RootPrincipal(cfg.AccountID, a.RootAccessKeyID)}},
		a.Accounts, // member accounts' root keys
		members,    // member accounts' IAM users' keys
		a.IAM,      // IAM users' long-term keys (AKIA…)
		a.STS,      // temporary credentials (ASIA… with a session token)
	}
	var observe func(front.Request)
	if o := cfg.obs; o != nil {
		observe = o.observe
		a.UserPools.Notify = o.event
	}
	api := front.New(front.Config{
		Verifier:      &sigv4.Verifier{Credentials: creds},
		Log:           log,
		Observe:       observe,
		Account:       cfg.AccountID,
		Region:        cfg.Region,
		Domains:       cfg.Domains,
		S3:            a.S3,
		STS:           a.STS,
		IAM:           a.IAM,
		UserPools:     a.UserPools,
		IdentityPools: a.IdentityPools,
		Accounts:      a.Accounts,
		Tenant:        members.Tenant,
		AuthDomain:    cfg.AuthDomain,
		PublicURL:     cfg.PublicURL,

		BodyIdleTimeout:    cfg.bodyIdle,
		MaxUnauthenticated: cfg.maxUnauth,
	})
	// Replication copies are authorized as sessions of their role, by the
	// front's policy evaluation (identity and bucket policies).
	a.S3.ReplicationAuthz = api.ReplicationAuthz
	var web http.Handler
	if cfg.Console != "false" {
		web = console.New(console.Config{API: api, Key: key, Region: cfg.Region, Endpoint: cfg.PublicURL, Outbox: filepath.Join(cfg.DataDir, "outbox", "messages.jsonl"), Recent: api.RecentTraces,
			PasswordSignIn: a.passwordSignIn(members)})
	}
	a.handler = withRealIP(cfg.trustedProxies, withHealth(a, withConsole(web, api)))
	return a, nil
}

// passwordSignIn signs an IAM user of this server's account (by id,
// alias or "") or of a member account into the console, with a one-hour
// session of theirs.
func (a *App) passwordSignIn(members *tenants) func(ctx context.Context, account, user, password, code, newPassword string) (string, string, string, error) {
	return func(ctx context.Context, account, user, password, code, newPassword string) (string, string, string, error) {
		i, s := a.IAM, a.STS
		if account != "" && account != a.cfg.AccountID {
			if aliases, _ := a.IAM.AccountAliases(ctx); !slices.Contains(aliases, account) {
				t, err := members.Tenant(ctx, account)
				if err != nil || t == nil || t.IAM == nil || t.STS == nil {
					return "", "", "", iam.ErrSignInFailed
				}
				i, s = t.IAM, t.STS
			}
		}
		p, mfa, err := i.SignIn(ctx, user, password, code, newPassword)
		if err != nil {
			return "", "", "", err
		}
		c := s.UserSession(*p, mfa, time.Hour)
		return c.AccessKeyId, c.SecretAccessKey, c.SessionToken, nil
	}
}

// Handler is the server's HTTP handler: every AWS API and web path.
func (a *App) Handler() http.Handler { return a.handler }

// Run does the server's background work until ctx ends, and returns when
// every goroutine it started has stopped: the sweep of blobs an earlier
// crash left (only those older than New, so it never meets this run's
// writes), lifecycle rules every --lifecycle-interval, server access
// logs every --access-log-interval (and once more when ctx ends, after
// the last requests), the delivery of buckets' event notifications and
// replication copies, and the hourly abort of expired multipart uploads.
func (a *App) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t0 := time.Now()
		before := a.started
		if a.cfg.StoreURL != "" {
			// Other nodes write to the same blob directory: leave what
			// one of them may be about to commit, and sweep on one node.
			before = before.Add(-orphanGrace)
			if !a.holdLease(ctx, "sweep", 10*time.Minute) {
				return
			}
		}
		n, err := a.S3.Recover(ctx, before)
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("sweeping orphaned blobs", "err", err)
			}
			return
		}
		a.log.Info("swept orphaned blobs left by any earlier crash", "removed", n, "took", time.Since(t0).Round(time.Millisecond))
	}()
	if a.cfg.StoreURL != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.heartbeat(ctx)
		}()
	}
	if a.cfg.lcInterval > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applyLifecycle(ctx, a.S3, a.cfg.lcInterval, a.log, func() bool { return a.holdLease(ctx, "lifecycle", 2*a.cfg.lcInterval+time.Minute) })
		}()
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		a.S3.RunNotifications(ctx, 4)
	}()
	go func() {
		defer wg.Done()
		a.S3.RunReplication(ctx)
	}()
	if a.cfg.accessLogInterval > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deliverAccessLogs(ctx, a.S3, a.cfg.accessLogInterval, a.log)
		}()
	}
	if a.cfg.uploadExpiry > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			abortExpiredUploads(ctx, a.S3, a.cfg.uploadExpiry, a.log, func() bool { return a.holdLease(ctx, "upload-expiry", 2*time.Hour+time.Minute) })
		}()
	}
	wg.Wait()
}

// Close releases the stores. Call it after Run has returned and the
// handler serves no more requests.
func (a *App) Close() error { return a.meta.Close() }

// Serve runs the server until ctx ends, then shuts down gracefully:
// it stops accepting, lets in-flight requests finish, stops the background
// work and closes the store.
func Serve(ctx context.Context, cfg *Config, stdout, stderr io.Writer) error {
	if cfg.LogOutput == nil {
		cfg.LogOutput = stderr
	}
	if cfg.tempData {
		defer os.RemoveAll(cfg.DataDir)
	}
	obs := &observers{}
	if cfg.MetricsAddr != "" {
		obs.metrics = newMetrics()
	}
	if cfg.AuditLog != "" {
		al, err := openAudit(cfg.AuditLog, newLogger(cfg, cfg.LogOutput))
		if err != nil {
			return err
		}
		defer al.Close()
		obs.audit = al
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		go func() {
			for range hup {
				al.Reopen()
			}
		}()
	}
	if obs.metrics != nil || obs.audit != nil {
		cfg.obs = obs
	}
	a, err := New(cfg)
	if err != nil {
		return err
	}
	log := a.log
	var handler http.Handler = a.Handler()
	var ds *devServer
	if cfg.Dev {
		// Dev mode: the app can be replaced by a fresh one (reset).
		ds = newDevServer(cfg, a)
		defer ds.close()
		handler = ds
		log.Info("development mode: root keys test/test, reset with POST /_sekisho/reset", "data_dir", cfg.DataDir, "password_hash_cost", cfg.PasswordHashCost)
	} else {
		defer a.Close()
		runCtx, stopRun := context.WithCancel(ctx)
		runDone := make(chan struct{})
		go func() { a.Run(runCtx); close(runDone) }()
		defer func() { stopRun(); <-runDone }()
	}
	if cfg.DebugAddr != "" {
		go serveDebug(cfg.DebugAddr, log)
	}
	if obs.metrics != nil {
		go serveMetrics(cfg.MetricsAddr, obs.metrics, log)
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
	if obs.metrics != nil {
		srv.ConnState = obs.metrics.connState
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
	if cfg.Dev {
		fmt.Fprintf(stdout, "sekisho in development mode (root keys test/test; POST %s/_sekisho/reset wipes everything).\nPoint the AWS CLI and SDKs at this server with:\n\n", cfg.PublicURL)
		printExports(stdout, cfg, a.RootAccessKeyID, a.RootSecretAccessKey)
		fmt.Fprintln(stdout)
	} else if a.RootCreated {
		where := filepath.Join(cfg.DataDir, "root-credentials.json")
		if cfg.StoreURL != "" {
			where = "the metadata store"
		}
		fmt.Fprintf(stdout, "sekisho generated root credentials (shown once; kept sealed in %s).\nPoint the AWS CLI and SDKs at this server with:\n\n", where)
		printExports(stdout, cfg, a.RootAccessKeyID, a.RootSecretAccessKey)
		fmt.Fprintln(stdout)
	} else if cfg.StoreURL != "" {
		fmt.Fprintf(stdout, "Point the AWS CLI and SDKs at this server with:\n\n  export AWS_ENDPOINT_URL=%s\n\nand the root keys (sekisho credentials with this node's --store and --master-key prints them as exports).\n\n", cfg.PublicURL)
	} else {
		fmt.Fprintf(stdout, "Point the AWS CLI and SDKs at this server with:\n\n  export AWS_ENDPOINT_URL=%s\n\nand the root keys (sekisho credentials --data-dir %s prints them as exports).\n\n", cfg.PublicURL, cfg.DataDir)
	}
	log.Info("sekisho listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL, "data_dir", cfg.DataDir,
		"region", cfg.Region, "account", cfg.AccountID, "domains", strings.Join(cfg.Domains, ","))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ds != nil {
		ds.addr = ln.Addr().String()
	}
	if err := bootstrap(cfg, a, ln.Addr().String()); err != nil {
		srv.Close()
		return err
	}
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

// every runs fn at start and then every interval until ctx ends, on the
// ticks when mine says this node holds the work's lease.
func every(ctx context.Context, interval time.Duration, mine func() bool, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if mine() {
			fn()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// abortExpiredUploads aborts multipart uploads older than expiry, at start
// and then hourly, as an AbortIncompleteMultipartUpload lifecycle rule
// would; their parts' bytes are freed.
func abortExpiredUploads(ctx context.Context, svc *s3.Service, expiry time.Duration, log *slog.Logger, mine func() bool) {
	every(ctx, time.Hour, mine, func() {
		n, err := svc.AbortExpiredUploads(ctx, time.Now().Add(-expiry))
		if err != nil && ctx.Err() == nil {
			log.Warn("abort expired multipart uploads", "err", err)
		} else if n > 0 {
			log.Info("aborted expired multipart uploads", "count", n)
		}
	})
}

// deliverAccessLogs writes buckets' server access logs every interval,
// and once more when ctx ends. Every node delivers the lines it holds.
func deliverAccessLogs(ctx context.Context, svc *s3.Service, interval time.Duration, log *slog.Logger) {
	deliver := func(ctx context.Context) {
		st, err := svc.DeliverAccessLogs(ctx)
		if err != nil {
			log.Warn("server access logs", "err", err)
		}
		if st.Dropped > 0 {
			log.Warn("server access log lines dropped: too many waiting", "lines", st.Dropped)
		}
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			deliver(final)
			cancel()
			return
		case <-t.C:
			deliver(ctx)
		}
	}
}

// applyLifecycle carries out buckets' lifecycle rules, and writes the
// inventory reports that are due, at start and then every interval.
func applyLifecycle(ctx context.Context, svc *s3.Service, interval time.Duration, log *slog.Logger, mine func() bool) {
	every(ctx, interval, mine, func() {
		st, err := svc.ApplyLifecycle(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("lifecycle rules", "err", err)
		}
		if st != (s3.LifecycleStats{}) {
			log.Info("lifecycle rules applied", "expired", st.Expired, "noncurrent_removed", st.NoncurrentRemoved,
				"delete_markers_removed", st.MarkersRemoved, "uploads_aborted", st.UploadsAborted, "transitioned", st.Transitioned)
		}
		inv, err := svc.ProduceInventories(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("inventory reports", "err", err)
		}
		if inv.Reports > 0 {
			log.Info("inventory reports written", "reports", inv.Reports, "objects", inv.Objects)
		}
	})
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
