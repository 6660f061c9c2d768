package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeBlocks returns the README's shell blocks marked as the
// walkthrough (an HTML comment starting "<!-- walkthrough" just before
// the fence), in order.
func readmeBlocks(t *testing.T) []string {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	lines := strings.Split(string(b), "\n")
	for i := 0; i+1 < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "<!-- walkthrough") || lines[i+1] != "```sh" {
			continue
		}
		var block []string
		for j := i + 2; j < len(lines) && lines[j] != "```"; j++ {
			block = append(block, lines[j])
		}
		blocks = append(blocks, strings.Join(block, "\n"))
	}
	return blocks
}

// TestReadmeWalkthrough runs the README's walkthrough as written, with the
// AWS CLI, against the built binary and the exports it prints.
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	bash := need(t, "bash")
	need(t, "aws")
	blocks := readmeBlocks(t)
	if len(blocks) < 2 {
		t.Fatalf("found %d walkthrough blocks in README.md", len(blocks))
	}
	s := startServer(t, serverOpts{})
	dir := t.TempDir()
	script := "set -euo pipefail\ncd " + dir + "\n" + strings.Join(blocks, "\n")
	env := append(s.cliEnv(s.KeyID, s.Secret), "AWS_REGION=us-east-1")
	out, stderr, err := run(t, env, bash, "-c", script)
	if err != nil {
		t.Fatalf("walkthrough: %v\n%s\n%s\n%s", err, out, stderr, s.Logs())
	}
	for _, want := range []string{"arn:aws:iam::000000000000:root", "upload: ./cat.txt to s3://photos/public/cat.txt", "Signature=",
		"upload: ./cat.txt to s3://photos/private/us-east-1:", "denied, as it should be", "meow", "guests cannot write"} {
		if !strings.Contains(out, want) {
			t.Errorf("walkthrough output lacks %q:\n%s\n%s", want, out, stderr)
		}
	}
	if strings.Count(out, "denied, as it should be") != 1 || strings.Count(stderr, "AccessDenied") != 2 {
		t.Errorf("want exactly the two denials:\n%s\n%s", out, stderr)
	}
}
