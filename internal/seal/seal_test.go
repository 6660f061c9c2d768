package seal

import (
	"os"
	"path/filepath"
	"sync"
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

// TestLoadOrCreateRace: processes sharing a data dir that start at once
// all end with the same key.
func TestLoadOrCreateRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	keys := make([]*Key, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := LoadOrCreate(path)
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = k
		}()
	}
	wg.Wait()
	sealed := keys[0].Seal("p", []byte("x"))
	for i, k := range keys {
		if k == nil {
			continue
		}
		if _, err := k.Open("p", sealed); err != nil {
			t.Fatalf("key %d differs", i)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("%d files left, want the key alone", len(entries))
	}
}
