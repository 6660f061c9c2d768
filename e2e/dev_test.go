package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDevMode: --dev serves with the test/test keys, answers health, and
// POST /moto-api/reset and /_sekisho/reset wipe every bucket, pool and
// role in well under a second, the keys staying the same.
func TestDevMode(t *testing.T) {
	t.Parallel()
	awsCLI := need(t, "aws")
	s := startServer(t, serverOpts{Env: []string{"SEKISHO_DEV=1"}})
	if s.KeyID != "test" || s.Secret != "test" {
		t.Fatalf("dev keys: %s/%s", s.KeyID, s.Secret)
	}
	env := s.cliEnv(s.KeyID, s.Secret)
	cli := func(args ...string) (string, error) {
		out, _, err := run(t, env, awsCLI, args...)
		return strings.TrimSpace(out), err
	}
	health := func() (int, map[string]any) {
		resp, err := s.client.Get(s.URL + "/_sekisho/health")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if code, m := health(); code != 200 || m["status"] != "ok" || m["version"] == "" {
		t.Errorf("health: %d %v", code, m)
	}
	for _, path := range []string{"/moto-api/reset", "/_sekisho/reset"} {
		if _, err := cli("s3", "mb", "s3://dev-bucket"); err != nil {
			t.Fatal(err)
		}
		cli("cognito-idp", "create-user-pool", "--pool-name", "dev")
		cli("iam", "create-role", "--role-name", "dev", "--assume-role-policy-document", `{"Version":"2012-10-17","Statement":[]}`)
		t0 := time.Now()
		resp, err := s.client.Post(s.URL+path, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(t0)
		if resp.StatusCode != 200 || !strings.Contains(string(body), "ok") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		if took > time.Second {
			t.Errorf("%s took %v", path, took)
		}
		if out, err := cli("s3api", "list-buckets", "--query", "length(Buckets)"); err != nil || out != "0" {
			t.Errorf("buckets after %s: %s %v", path, out, err)
		}
		if out, _ := cli("cognito-idp", "list-user-pools", "--max-results", "10", "--query", "length(UserPools)"); out != "0" {
			t.Errorf("pools after %s: %s", path, out)
		}
		if out, _ := cli("iam", "list-roles", "--query", "length(Roles)"); out != "0" {
			t.Errorf("roles after %s: %s", path, out)
		}
	}
}

// TestDevModeTempDir: without --data-dir, dev mode keeps its data in a
// temporary directory that is gone after the server stops.
func TestDevModeTempDir(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	cmd := exec.Command(binary, "serve", "--dev", "--addr", freeAddr(t))
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Read the output until the exports (they come in a few writes).
	var printed strings.Builder
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		printed.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "AWS_ACCESS_KEY_ID=") {
			break
		}
	}
	if !strings.Contains(printed.String(), "AWS_ACCESS_KEY_ID=test") {
		t.Errorf("dev output: %s", printed.String())
	}
	go io.Copy(io.Discard, out)
	dirs, _ := filepath.Glob(filepath.Join(tmp, "sekisho-dev-*"))
	if len(dirs) != 1 {
		t.Fatalf("temp data dirs: %v", dirs)
	}
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	if _, err := os.Stat(dirs[0]); !os.IsNotExist(err) {
		t.Errorf("the temp data dir outlived the server: %v", err)
	}
}

// TestBootstrap: --bootstrap applies a setup file at start, and dev
// mode's reset applies it again.
func TestBootstrap(t *testing.T) {
	t.Parallel()
	awsCLI := need(t, "aws")
	boot, _ := filepath.Abs("../examples/setup/photos.yaml")
	s := startServer(t, serverOpts{Env: []string{"SEKISHO_DEV=1", "SEKISHO_BOOTSTRAP=" + boot}})
	env := s.cliEnv(s.KeyID, s.Secret)
	check := func(when string) {
		t.Helper()
		out, stderr, err := run(t, env, awsCLI, "s3", "cp", "s3://photos/public/welcome.txt", "-")
		if err != nil || out != "welcome" {
			t.Errorf("%s: the seeded object: %v %q %s", when, err, out, stderr)
		}
		out, _, _ = run(t, env, awsCLI, "cognito-idp", "list-user-pools", "--max-results", "10", "--query", "UserPools[].Name", "--output", "text")
		if strings.TrimSpace(out) != "app" {
			t.Errorf("%s: pools %q", when, out)
		}
	}
	check("at start")
	run(t, env, awsCLI, "s3", "mb", "s3://extra")
	resp, err := s.client.Post(s.URL+"/_sekisho/reset", "application/json", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("reset: %v %v", err, resp)
	}
	resp.Body.Close()
	check("after reset")
	if out, _, _ := run(t, env, awsCLI, "s3api", "list-buckets", "--query", "Buckets[].Name", "--output", "text"); strings.TrimSpace(out) != "photos" {
		t.Errorf("buckets after reset: %q", out)
	}
}
