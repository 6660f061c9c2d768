package seal

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	k, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", fi.Mode())
	}
	s := k.Seal("root-secret", []byte("hunter2"))
	k2, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := k2.Open("root-secret", s); err != nil || string(pt) != "hunter2" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if _, err := k2.Open("other", s); err != ErrOpen {
		t.Fatalf("wrong purpose: %v", err)
	}
	b := []byte(s)
	b[len(b)-3] ^= 1
	if _, err := k2.Open("root-secret", string(b)); err != ErrOpen {
		t.Fatalf("tampered: %v", err)
	}
}
