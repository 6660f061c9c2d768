// Package e2e drives the real sekisho binary with real clients:
// aws-sdk-go-v2, the installed AWS CLI and boto3, over HTTP and HTTPS.
package e2e

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sekisho-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "sekisho")
	out, err := exec.Command("go", "build", "-o", binary, "../cmd/sekisho").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build sekisho: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	stopPostgres()
	skipped.Lock()
	if len(skipped.why) > 0 {
		fmt.Fprintf(os.Stderr, "e2e: %d tests skipped:\n", len(skipped.why))
		for _, w := range skipped.why {
			fmt.Fprintln(os.Stderr, "  "+w)
		}
	}
	skipped.Unlock()
	os.Exit(code)
}

// skipped collects why tests skipped, for the summary TestMain prints.
var skipped struct {
	sync.Mutex
	why []string
}

// skip skips t, recording why for the summary.
func skip(t *testing.T, why string) {
	t.Helper()
	skipped.Lock()
	skipped.why = append(skipped.why, t.Name()+": "+why)
	skipped.Unlock()
	t.Skip(why)
}

// server is a running sekisho process.
type server struct {
	t       testing.TB
	cmd     *exec.Cmd
	dataDir string
	addr    string
	URL     string
	KeyID   string
	Secret  string
	CAFile  string // PEM of the server certificate when serving HTTPS
	client  *http.Client
	mu      sync.Mutex
	logs    strings.Builder
	exited  chan struct{}
	env     []string // the settings it was started with
}

type serverOpts struct {
	// Env adds environment variables (SEKISHO_… settings) for the server.
	Env     []string
	TLS     bool
	DataDir string
	Addr    string
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServer starts the binary and waits until it answers.
func startServer(t testing.TB, o serverOpts) *server {
	t.Helper()
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	if o.Addr == "" {
		o.Addr = freeAddr(t)
	}
	s := &server{t: t, dataDir: o.DataDir, addr: o.Addr, exited: make(chan struct{}), env: o.Env}
	args := []string{"serve", "--data-dir", o.DataDir, "--addr", o.Addr}
	scheme := "http"
	s.client = &http.Client{Timeout: 30 * time.Second}
	if o.TLS {
		scheme = "https"
		cert, key, pool := throwawayCert(t)
		args = append(args, "--tls-cert", cert, "--tls-key", key)
		s.CAFile = cert
		s.client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	}
	s.URL = scheme + "://" + o.Addr
	s.cmd = exec.Command(binary, args...)
	s.cmd.Env = append(append(os.Environ(), "SEKISHO_LOG_LEVEL=info"), o.Env...)
	stdout, _ := s.cmd.StdoutPipe()
	stderr, _ := s.cmd.StderrPipe()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go s.collect(stderr)
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	go func() { s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() { s.stop() })
	// First start prints the export block; later starts read the keys with
	// `sekisho credentials`.
	deadline := time.After(20 * time.Second)
	for s.KeyID == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				s.readCredentials()
				continue
			}
			if strings.HasPrefix(line, "export AWS_ENDPOINT_URL=") {
				s.parseExports(line)
			} else if strings.Contains(line, "sekisho credentials") {
				s.readCredentials()
			}
		case <-deadline:
			t.Fatalf("server did not print credentials; logs:\n%s", s.Logs())
		}
	}
	go func() {
		for range lines {
		}
	}()
	for i := 0; ; i++ {
		resp, err := s.client.Get(s.URL + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i > 200 {
			t.Fatalf("server not answering: %v\n%s", err, s.Logs())
		}
		time.Sleep(25 * time.Millisecond)
	}
	return s
}

func (s *server) collect(r interface{ Read([]byte) (int, error) }) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		s.mu.Lock()
		s.logs.WriteString(sc.Text() + "\n")
		s.mu.Unlock()
	}
}

// Logs returns what the server has logged so far.
// waitLog waits until the server's log has a line containing substr.
func (s *server) waitLog(substr string, within time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(s.Logs(), substr) {
		if time.Now().After(deadline) {
			s.t.Fatalf("no %q in the log after %v:\n%s", substr, within, s.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

func (s *server) parseExports(line string) {
	for _, f := range strings.Fields(strings.TrimPrefix(line, "export ")) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "AWS_ACCESS_KEY_ID":
			s.KeyID = v
		case "AWS_SECRET_ACCESS_KEY":
			s.Secret = v
		}
	}
}

func (s *server) readCredentials() {
	cmd := exec.Command(binary, "credentials", "--data-dir", s.dataDir, "--addr", s.addr)
	cmd.Env = append(os.Environ(), s.env...)
	out, err := cmd.Output()
	if err != nil {
		s.t.Fatalf("sekisho credentials: %v", err)
	}
	s.parseExports(strings.TrimSpace(string(out)))
}

// kill sends SIGKILL and waits for the process to go.
func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// stop sends SIGTERM and waits for a graceful exit.
func (s *server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// awsConfig is an aws-sdk-go-v2 configuration for the server.
func (s *server) awsConfig(keyID, secret string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		BaseEndpoint: aws.String(s.URL),
		HTTPClient:   s.client,
	}
}

// cliEnv is the environment for the AWS CLI and boto3.
func (s *server) cliEnv(keyID, secret string) []string {
	env := []string{
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_ACCESS_KEY_ID=" + keyID,
		"AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
		"HOME=" + os.TempDir(),
		"PATH=" + os.Getenv("PATH"),
	}
	if s.CAFile != "" {
		env = append(env, "AWS_CA_BUNDLE="+s.CAFile)
	}
	return env
}

// need returns the path of a client program, skipping the test outside CI
// when it is missing; in CI a missing client is a failure.
func need(t *testing.T, prog string) string {
	p, err := exec.LookPath(prog)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", prog, err)
		}
		skip(t, fmt.Sprintf("%s not installed", prog))
	}
	return p
}

// run runs a client command with env and returns stdout, stderr and the
// exit error.
func run(t *testing.T, env []string, name string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// throwawayCert writes a self-signed certificate for 127.0.0.1 and
// localhost and returns its paths and a pool trusting it.
func throwawayCert(t testing.TB) (certFile, keyFile string, pool *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "sekisho test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost", "*.auth.localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	kb, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// awsCLI returns a function that runs the AWS CLI with env and returns
// its trimmed output, failing the test on an error.
func awsCLI(t *testing.T, env []string) func(args ...string) string {
	bin := need(t, "aws")
	return func(args ...string) string {
		t.Helper()
		out, stderr, err := run(t, env, bin, args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return strings.TrimSpace(out)
	}
}
