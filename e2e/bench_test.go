package e2e

import (
	"strings"
	"testing"
)

// TestBenchTool runs `sekisho bench` briefly against the built binary:
// the S3 phases and the identity-pool phases (--cognito).
func TestBenchTool(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOpts{})
	env := s.cliEnv(s.KeyID, s.Secret)
	out, stderr, err := run(t, env, binary, "bench", "--duration", "300ms", "--clients", "2", "--sizes", "4KiB", "--list-keys", "200", "--list-page", "50", "--list-rounds", "3")
	if err != nil || !strings.Contains(out, "PUT") || !strings.Contains(out, "LIST50/200") {
		t.Fatalf("bench: %v\n%s\n%s", err, out, stderr)
	}
	out, stderr, err = run(t, env, binary, "bench", "--cognito", "--duration", "300ms", "--clients", "2")
	if err != nil || !strings.Contains(out, "CRED") || !strings.Contains(out, "GET-COGNITO") {
		t.Fatalf("bench --cognito: %v\n%s\n%s", err, out, stderr)
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 2 && (f[0] == "CRED" || f[0] == "GET-COGNITO") && f[len(f)-1] != "0" {
			t.Errorf("errors in %s", line)
		}
	}
}
