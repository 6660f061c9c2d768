package app

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/sekisho/sekisho/internal/awsregion"
	"github.com/sekisho/sekisho/internal/lambdainvoke"
	"github.com/sekisho/sekisho/internal/userpool"
)

// Config is everything `sekisho serve` can be told.
type Config struct {
	Addr      string
	DataDir   string
	PublicURL string
	TLSCert   string
	TLSKey    string
	Domains   []string
	Region    string
	AccountID string
	LogLevel  string
	LogFormat string

	RootAccessKeyID     string
	RootSecretAccessKey string
	MasterKey           string
	UploadExpiry        string
	LifecycleInterval   string
	AccessLogInterval   string
	AuthDomain          string
	LifecycleDay        string
	DebugAddr           string
	CognitoIssuer       string
	SMTPURL             string
	LambdaEndpoint      string
	PasswordHashCost    string
	MetricsAddr         string
	Bootstrap           string
	Console             string
	AuditLog            string
	// StoreURL chooses the metadata store: "" or "bolt" for the bbolt
	// file in the data dir, postgres://… for PostgreSQL (several nodes).
	StoreURL      string
	StoreMaxConns string
	storeMaxConns int32
	// BlobStore, if set, keeps object bytes in an S3-compatible bucket
	// (s3://bucket/prefix) instead of the data dir.
	BlobStore, BlobEndpoint, BlobRegion, BlobKeyID, BlobSecret, BlobPathStyle string
	// TrustedProxies lists the load balancers whose X-Forwarded-For
	// names the client.
	TrustedProxies string
	trustedProxies []netip.Prefix
	// obs are the process's metrics and audit log (set by Serve).
	obs *observers
	// Dev is --dev: fixed test keys, a throwaway data dir, the light
	// password-hash cost and the reset endpoints.
	Dev bool
	// tempData: the data dir is the dev mode's own, removed at exit.
	tempData     bool
	LambdaKeyID  string
	LambdaSecret string
	// LambdaOverrides are the config file's "lambda.<function> = URL"
	// lines: an Invoke API endpoint per function.
	LambdaOverrides map[string]string
	// getenv is how the configuration was read (for the Lambda signing
	// credentials' fallback to AWS_* variables).
	getenv             func(string) string
	BodyIdleTimeout    string
	MaxUnauthenticated string

	// LogOutput is where the log goes (standard error if nil).
	LogOutput io.Writer

	// Parsed by Validate.
	bodyIdle     time.Duration
	maxUnauth    int
	uploadExpiry time.Duration
	lcInterval   time.Duration
	lcDay        time.Duration
	// accessLogInterval is how often server access logs are delivered.
	accessLogInterval time.Duration
}

// issuer is the user-pool token issuer for a pool, by --cognito-issuer.
func (c *Config) issuer() func(string) string {
	if c.CognitoIssuer == "aws" {
		return func(pool string) string {
			return "https://cognito-idp." + awsregion.Of(pool, '_', c.Region) + ".amazonaws.com/" + pool
		}
	}
	return func(pool string) string { return strings.TrimSuffix(c.PublicURL, "/") + "/" + pool }
}

// outbox is where user-pool codes go: the outbox file, or SMTP with the
// file as fallback.
func (c *Config) outbox(log *slog.Logger) (userpool.Outbox, error) {
	var out userpool.Outbox = &userpool.FileOutbox{Path: filepath.Join(c.DataDir, "outbox", "messages.jsonl"), Log: log}
	if c.SMTPURL == "" {
		return out, nil
	}
	smtpOut, err := userpool.ParseSMTPURL(c.SMTPURL)
	if err != nil {
		return nil, err
	}
	smtpOut.Fallback = out
	return smtpOut, nil
}

// DefaultAccountID is the account the server runs as unless told otherwise.
const DefaultAccountID = "000000000000"

// setting is one configuration knob: its flag, environment variable and
// config-file key, documented in one place.
type setting struct {
	name, env, def, usage string
	dst                   *string
}

func settings(c *Config, domains *string) []setting {
	return []setting{
		{"addr", "SEKISHO_ADDR", "127.0.0.1:9500", "listen address HOST:PORT", &c.Addr},
		{"data-dir", "SEKISHO_DATA_DIR", "sekisho-data", "directory for everything the server keeps (created if missing)", &c.DataDir},
		{"public-url", "SEKISHO_PUBLIC_URL", "", "URL clients use to reach the server (default: from --addr)", &c.PublicURL},
		{"tls-cert", "SEKISHO_TLS_CERT", "", "PEM certificate file; with --tls-key, serve HTTPS", &c.TLSCert},
		{"tls-key", "SEKISHO_TLS_KEY", "", "PEM private key file", &c.TLSKey},
		{"domain", "SEKISHO_DOMAIN", "", "comma-separated domains for S3 virtual-hosted style <bucket>.<domain> (default: localhost and the public URL's host)", domains},
		{"region", "SEKISHO_REGION", "us-east-1", "region the server's ids and ARNs name", &c.Region},
		{"account-id", "SEKISHO_ACCOUNT_ID", DefaultAccountID, "12-digit account id of the server's account", &c.AccountID},
		{"log-level", "SEKISHO_LOG_LEVEL", "info", "debug, info, warn or error", &c.LogLevel},
		{"log-format", "SEKISHO_LOG_FORMAT", "text", "text or json", &c.LogFormat},
		{"root-access-key-id", "SEKISHO_ROOT_ACCESS_KEY_ID", "", "root access key id (default: generated on first start and kept in the data dir)", &c.RootAccessKeyID},
		{"root-secret-access-key", "SEKISHO_ROOT_SECRET_ACCESS_KEY", "", "root secret access key (prefer the environment to a flag)", &c.RootSecretAccessKey},
		{"upload-expiry", "SEKISHO_UPLOAD_EXPIRY", "168h", "abort multipart uploads left incomplete this long (Go duration; 0 keeps them)", &c.UploadExpiry},
		{"auth-domain", "SEKISHO_AUTH_DOMAIN", "auth.localhost", "user pools' prefix domains are <prefix>.<auth-domain> (browsers resolve *.localhost to this machine)", &c.AuthDomain},
		{"lifecycle-interval", "SEKISHO_LIFECYCLE_INTERVAL", "1h", "how often buckets' lifecycle rules are carried out (Go duration; 0 never)", &c.LifecycleInterval},
		{"access-log-interval", "SEKISHO_ACCESS_LOG_INTERVAL", "5m", "how often buckets' server access logs are written to their target buckets (Go duration; 0 never)", &c.AccessLogInterval},
		{"lifecycle-day", "SEKISHO_LIFECYCLE_DAY", "24h", "the length of a lifecycle rule's day (shorten it to test rules; Go duration)", &c.LifecycleDay},
		{"cognito-issuer", "SEKISHO_COGNITO_ISSUER", "self", "user-pool token issuer: \"self\" (public URL + /<poolId>, so OIDC verifiers fetch our JWKS) or \"aws\" (https://cognito-idp.<region>.amazonaws.com/<poolId>, for apps that hard-code it)", &c.CognitoIssuer},
		{"lambda-endpoint", "SEKISHO_LAMBDA_ENDPOINT", "", "Lambda Invoke API endpoint that runs user pools' triggers (AWS Lambda, sam local start-lambda, the Runtime Interface Emulator; \"lambda.<function> = URL\" config-file lines override it per function)", &c.LambdaEndpoint},
		{"lambda-access-key-id", "SEKISHO_LAMBDA_ACCESS_KEY_ID", "", "access key id that signs trigger invocations (default: AWS_ACCESS_KEY_ID)", &c.LambdaKeyID},
		{"lambda-secret-access-key", "SEKISHO_LAMBDA_SECRET_ACCESS_KEY", "", "its secret (default: AWS_SECRET_ACCESS_KEY; prefer the environment to a flag)", &c.LambdaSecret},
		{"password-hash-cost", "SEKISHO_PASSWORD_HASH_COST", "", "argon2id cost of new passwords: standard (t=2, 19 MiB) or light (t=1, 1 MiB; default with --dev)", &c.PasswordHashCost},
		{"console", "SEKISHO_CONSOLE", "true", "serve the web console at /console/ (true or false)", &c.Console},
		{"bootstrap", "SEKISHO_BOOTSTRAP", "", "a setup file (see sekisho apply) applied at start, and again after each dev-mode reset", &c.Bootstrap},
		{"metrics-addr", "SEKISHO_METRICS_ADDR", "", "if set, serve Prometheus metrics at http://HOST:PORT/metrics", &c.MetricsAddr},
		{"audit-log", "SEKISHO_AUDIT_LOG", "", "if set, append the audit trail (JSON lines) to this file; SIGHUP reopens it", &c.AuditLog},
		{"smtp-url", "SEKISHO_SMTP_URL", "", "send user-pool codes by email: smtp://[user:pass@]host:port?from=address (default: the outbox file in the data dir)", &c.SMTPURL},
		{"body-idle-timeout", "SEKISHO_BODY_IDLE_TIMEOUT", "30s", "disconnect a client whose request body makes no progress this long (Go duration; 0 never)", &c.BodyIdleTimeout},
		{"max-unauthenticated", "SEKISHO_MAX_UNAUTHENTICATED", "512", "most unsigned requests in progress at once; more get 503 (0: no limit)", &c.MaxUnauthenticated},
		{"debug-addr", "SEKISHO_DEBUG_ADDR", "", "if set, serve Go's pprof profiles on this HOST:PORT (keep it private)", &c.DebugAddr},
		{"store", "SEKISHO_STORE_URL", "", "metadata store: bolt (the default: a file in the data dir) or postgres://user:pass@host:port/db?sslmode=… for PostgreSQL, shared by several nodes", &c.StoreURL},
		{"store-max-conns", "SEKISHO_STORE_MAX_CONNS", "0", "PostgreSQL connections this node keeps at most (0: 4 per CPU, at least 4)", &c.StoreMaxConns},
		{"blob-store", "SEKISHO_BLOB_STORE", "", "keep object bytes in an S3-compatible bucket, s3://bucket/prefix (default: the data dir's blobs/)", &c.BlobStore},
		{"blob-store-endpoint", "SEKISHO_BLOB_STORE_ENDPOINT", "", "URL of the blob store's S3 service (Ceph RGW, MinIO, Garage, another sekisho; empty: AWS S3)", &c.BlobEndpoint},
		{"blob-store-region", "SEKISHO_BLOB_STORE_REGION", "us-east-1", "region the blob store's requests are signed for", &c.BlobRegion},
		{"blob-store-access-key-id", "SEKISHO_BLOB_STORE_ACCESS_KEY_ID", "", "access key id for the blob store (default: AWS_ACCESS_KEY_ID)", &c.BlobKeyID},
		{"blob-store-secret-access-key", "SEKISHO_BLOB_STORE_SECRET_ACCESS_KEY", "", "its secret (prefer the environment to a flag)", &c.BlobSecret},
		{"blob-store-path-style", "SEKISHO_BLOB_STORE_PATH_STYLE", "true", "address the blob store's bucket in the path (true) or the host name (false)", &c.BlobPathStyle},
		{"trusted-proxies", "SEKISHO_TRUSTED_PROXIES", "", "comma-separated addresses or CIDR prefixes of load balancers whose X-Forwarded-For names the client (for aws:SourceIp, guessing limits and logs)", &c.TrustedProxies},
		{"master-key", "SEKISHO_MASTER_KEY", "", "base64 32-byte key that encrypts secrets at rest (default: generated into the data dir)", &c.MasterKey},
	}
}

const serveUsage = `Usage: sekisho serve [flags]

Runs the server: every service (S3, STS, IAM, Cognito user pools and
identity pools) on one endpoint, with all state in --data-dir.

Each setting can be given, in order of precedence, as a flag, as an
environment variable, or as "name = value" lines (flag names, # comments)
in the file named by --config or SEKISHO_CONFIG.

`

// ParseConfig reads flags, environment and config file. getenv is
// os.Getenv in production.
func ParseConfig(args []string, getenv func(string) string, out *os.File) (*Config, error) {
	c := &Config{getenv: getenv}
	var domains, configFile string
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(out)
	list := settings(c, &domains)
	for _, s := range list {
		fs.StringVar(s.dst, s.name, s.def, fmt.Sprintf("%s [$%s]", s.usage, s.env))
	}
	fs.StringVar(&configFile, "config", "", "config file of name = value lines [$SEKISHO_CONFIG]")
	fs.BoolVar(&c.Dev, "dev", false, "development mode: root keys test/test, a temporary data dir removed at exit (unless --data-dir is given), the light password-hash cost, and POST /_sekisho/reset and /moto-api/reset [$SEKISHO_DEV]")
	fs.Usage = func() {
		fmt.Fprint(out, serveUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if configFile == "" {
		configFile = getenv("SEKISHO_CONFIG")
	}
	fileVals := map[string]string{}
	if configFile != "" {
		var err error
		if fileVals, err = readConfigFile(configFile, list); err != nil {
			return nil, err
		}
		for k, v := range fileVals {
			if fn, ok := strings.CutPrefix(k, "lambda."); ok {
				if c.LambdaOverrides == nil {
					c.LambdaOverrides = map[string]string{}
				}
				c.LambdaOverrides[fn] = v
			}
		}
	}
	for _, s := range list {
		if set[s.name] {
			continue
		}
		if v := getenv(s.env); v != "" {
			*s.dst = v
		} else if v, ok := fileVals[s.name]; ok {
			*s.dst = v
		}
	}
	if !set["dev"] {
		c.Dev = c.Dev || getenv("SEKISHO_DEV") == "1" || getenv("SEKISHO_DEV") == "true"
	}
	if c.Dev {
		if c.RootAccessKeyID == "" && c.RootSecretAccessKey == "" {
			c.RootAccessKeyID, c.RootSecretAccessKey = "test", "test"
		}
		if c.PasswordHashCost == "" {
			c.PasswordHashCost = "light"
		}
		explicit := set["data-dir"] || getenv("SEKISHO_DATA_DIR") != "" || fileVals["data-dir"] != ""
		if !explicit {
			dir, err := os.MkdirTemp("", "sekisho-dev-")
			if err != nil {
				return nil, err
			}
			c.DataDir, c.tempData = dir, true
		}
	}
	if domains != "" {
		for _, d := range strings.Split(domains, ",") {
			if d = strings.TrimSpace(strings.ToLower(d)); d != "" {
				c.Domains = append(c.Domains, d)
			}
		}
	}
	return c, c.Validate()
}

func readConfigFile(path string, list []setting) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	known := map[string]bool{}
	for _, s := range list {
		known[s.name] = true
	}
	vals := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"`)
		if fn, isLambda := strings.CutPrefix(k, "lambda."); isLambda && ok && fn != "" {
			vals[k] = v
			continue
		}
		if !ok || !known[k] {
			return nil, fmt.Errorf("%s:%d: expected \"name = value\" with a known setting name", path, n)
		}
		vals[k] = v
	}
	return vals, sc.Err()
}

var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
)

// Validate reports every problem with the configuration at once, and fills
// in derived defaults.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: %v", c.Addr, err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if !accountRE.MatchString(c.AccountID) {
		errs = append(errs, fmt.Errorf("account id %q is not 12 digits", c.AccountID))
	}
	if !regionRE.MatchString(c.Region) {
		errs = append(errs, fmt.Errorf("region %q is not a region name like us-east-1", c.Region))
	}
	if (c.RootAccessKeyID == "") != (c.RootSecretAccessKey == "") {
		errs = append(errs, errors.New("SEKISHO_ROOT_ACCESS_KEY_ID and SEKISHO_ROOT_SECRET_ACCESS_KEY go together"))
	}
	if d, err := time.ParseDuration(c.UploadExpiry); err != nil || d < 0 {
		errs = append(errs, fmt.Errorf("--upload-expiry %q: want a duration such as 168h", c.UploadExpiry))
	} else {
		c.uploadExpiry = d
	}
	if d, err := time.ParseDuration(c.LifecycleInterval); err != nil || d < 0 {
		errs = append(errs, fmt.Errorf("--lifecycle-interval %q: want a duration such as 1h", c.LifecycleInterval))
	} else {
		c.lcInterval = d
	}
	if d, err := time.ParseDuration(c.AccessLogInterval); err != nil || d < 0 {
		errs = append(errs, fmt.Errorf("--access-log-interval %q: want a duration such as 5m", c.AccessLogInterval))
	} else {
		c.accessLogInterval = d
	}
	if d, err := time.ParseDuration(c.LifecycleDay); err != nil || d <= 0 {
		errs = append(errs, fmt.Errorf("--lifecycle-day %q: want a positive duration such as 24h", c.LifecycleDay))
	} else {
		c.lcDay = d
	}
	switch {
	case c.StoreURL == "" || c.StoreURL == "bolt":
		c.StoreURL = ""
	case strings.HasPrefix(c.StoreURL, "postgres://") || strings.HasPrefix(c.StoreURL, "postgresql://"):
	default:
		errs = append(errs, errors.New("--store: want bolt or a postgres:// URL"))
	}
	if p, err := parseTrusted(c.TrustedProxies); err != nil {
		errs = append(errs, err)
	} else {
		c.trustedProxies = p
	}
	if c.BlobStore != "" && !strings.HasPrefix(c.BlobStore, "s3://") {
		errs = append(errs, fmt.Errorf("--blob-store %q: want s3://bucket/prefix", c.BlobStore))
	}
	if c.BlobPathStyle != "true" && c.BlobPathStyle != "false" {
		errs = append(errs, fmt.Errorf("--blob-store-path-style %q: want true or false", c.BlobPathStyle))
	}
	if n, err := strconv.ParseInt(c.StoreMaxConns, 10, 32); err != nil || n < 0 {
		errs = append(errs, fmt.Errorf("--store-max-conns %q: want a number of connections", c.StoreMaxConns))
	} else {
		c.storeMaxConns = int32(n)
	}
	if c.CognitoIssuer != "self" && c.CognitoIssuer != "aws" && c.CognitoIssuer != "" {
		errs = append(errs, fmt.Errorf("--cognito-issuer %q: want self or aws", c.CognitoIssuer))
	}
	for _, e := range append([]string{c.LambdaEndpoint}, mapValues(c.LambdaOverrides)...) {
		if e == "" {
			continue
		}
		if u, err := url.Parse(e); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("lambda endpoint %q: want an http:// or https:// URL", e))
		}
	}
	if c.PasswordHashCost != "" && c.PasswordHashCost != "standard" && c.PasswordHashCost != "light" {
		errs = append(errs, fmt.Errorf("--password-hash-cost %q: want standard or light", c.PasswordHashCost))
	}
	if (c.LambdaKeyID == "") != (c.LambdaSecret == "") {
		errs = append(errs, errors.New("SEKISHO_LAMBDA_ACCESS_KEY_ID and SEKISHO_LAMBDA_SECRET_ACCESS_KEY go together"))
	}
	if c.SMTPURL != "" {
		if _, err := userpool.ParseSMTPURL(c.SMTPURL); err != nil {
			errs = append(errs, fmt.Errorf("--smtp-url: %v", err))
		}
	}
	if d, err := time.ParseDuration(c.BodyIdleTimeout); err != nil || d < 0 {
		errs = append(errs, fmt.Errorf("--body-idle-timeout %q: want a duration such as 30s", c.BodyIdleTimeout))
	} else if c.bodyIdle = d; d == 0 {
		c.bodyIdle = -1
	}
	if n, err := strconv.Atoi(c.MaxUnauthenticated); err != nil || n < 0 {
		errs = append(errs, fmt.Errorf("--max-unauthenticated %q: want a whole number", c.MaxUnauthenticated))
	} else if c.maxUnauth = n; n == 0 {
		c.maxUnauth = -1
	}
	if c.PublicURL == "" {
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		host, port, _ := net.SplitHostPort(c.Addr)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.PublicURL = scheme + "://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("--public-url %q is not an http(s) URL", c.PublicURL))
	} else if len(c.Domains) == 0 {
		c.Domains = []string{"localhost"}
		if h := u.Hostname(); h != "localhost" && net.ParseIP(h) == nil {
			c.Domains = append(c.Domains, strings.ToLower(h))
		}
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return errors.Join(errs...)
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// lambda is the invoker of the user pools' triggers.
func (c *Config) lambda() userpool.Lambda {
	var creds aws.CredentialsProvider
	id, secret, token := c.LambdaKeyID, c.LambdaSecret, ""
	if id == "" && c.getenv != nil {
		id, secret, token = c.getenv("AWS_ACCESS_KEY_ID"), c.getenv("AWS_SECRET_ACCESS_KEY"), c.getenv("AWS_SESSION_TOKEN")
	}
	if id != "" && secret != "" {
		creds = credentials.NewStaticCredentialsProvider(id, secret, token)
	}
	return lambdainvoke.New(c.LambdaEndpoint, c.LambdaOverrides, creds, c.Region)
}
