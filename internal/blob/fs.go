package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FS is a Store in a directory: blobs live at objects/<xx>/<id> (xx being
// the first two hex digits of the random id). A blob is written as
// <id>.tmp beside its final name and renamed into place, so writers spread
// over 256 directories instead of contending for one directory's lock.
// Ids are random, never derived from keys, so no client input ever becomes
// a path.
type FS struct {
	dir string
}

var _ Store = (*FS)(nil)

// OpenFS opens (creating if needed) a blob directory.
func OpenFS(dir string) (*FS, error) {
	for i := 0; i < 256; i++ {
		if err := os.MkdirAll(filepath.Join(dir, "objects", fmt.Sprintf("%02x", i)), 0o700); err != nil {
			return nil, err
		}
	}
	// Earlier versions wrote through tmp/; what a crash left there is
	// garbage.
	os.RemoveAll(filepath.Join(dir, "tmp"))
	return &FS{dir: dir}, nil
}

func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

func (f *FS) path(id string) string {
	return filepath.Join(f.dir, "objects", id[:2], id)
}

// Put implements Store.
func (f *FS) Put(ctx context.Context, r io.Reader) (string, int64, error) {
	b := make([]byte, 16)
	rand.Read(b)
	id := hex.EncodeToString(b)
	dst := f.path(id)
	tmp, err := os.OpenFile(dst+".tmp", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", 0, err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, ctxReader{ctx, r})
	if err != nil {
		return "", n, err
	}
	if err := tmp.Sync(); err != nil {
		return "", n, err
	}
	if err := tmp.Close(); err != nil {
		return "", n, err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", n, err
	}
	ok = true
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return "", n, err
	}
	return id, n, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ctxReader stops a copy when the context ends (a client went away).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Open implements Store.
func (f *FS) Open(_ context.Context, id string) (File, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	file, err := os.Open(f.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return file, err
}

// Remove implements Store.
func (f *FS) Remove(_ context.Context, id string) error {
	if !validID(id) {
		return nil
	}
	err := os.Remove(f.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Sweep implements Store.
func (f *FS) Sweep(ctx context.Context, before time.Time, keep func(id string) bool) (int, error) {
	removed := 0
	// Unfinished writes (<id>.tmp) are never ids, so keep drops them too.
	err := filepath.WalkDir(filepath.Join(f.dir, "objects"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed meanwhile
		}
		if err != nil {
			return err
		}
		if !info.ModTime().Before(before) {
			return nil // written since the server started: not a crash's
		}
		if !keep(d.Name()) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("sweep %s: %w", p, err)
			}
			removed++
		}
		return nil
	})
	return removed, err
}
