// Package blobtest is the conformance suite of blob.Store.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"time"

	"github.com/sekisho/sekisho/internal/blob"
)

// Run runs the suite against fresh stores from newStore.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	ctx := context.Background()
	t.Run("PutOpen", func(t *testing.T) {
		s := newStore(t)
		data := bytes.Repeat([]byte("sekisho "), 100000)
		id, n, err := s.Put(ctx, bytes.NewReader(data))
		if err != nil || n != int64(len(data)) {
			t.Fatalf("Put = %q, %d, %v", id, n, err)
		}
		f, err := s.Open(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := iotest.TestReader(f, data); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 7)
		if _, err := f.ReadAt(buf, 8); err != nil || string(buf) != "sekisho" {
			t.Fatalf("ReadAt = %q, %v", buf, err)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		s := newStore(t)
		id, n, err := s.Put(ctx, bytes.NewReader(nil))
		if err != nil || n != 0 {
			t.Fatal(err)
		}
		f, err := s.Open(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if len(b) != 0 {
			t.Fatal("empty blob not empty")
		}
	})
	t.Run("FailedPutLeavesNothing", func(t *testing.T) {
		s := newStore(t)
		boom := errors.New("boom")
		_, _, err := s.Put(ctx, io.MultiReader(bytes.NewReader([]byte("partial")), iotest.ErrReader(boom)))
		if !errors.Is(err, boom) {
			t.Fatalf("Put = %v, want the reader's error", err)
		}
		n := 0
		s.Sweep(ctx, time.Now().Add(time.Hour), func(string) bool { n++; return true })
		if n != 0 {
			t.Fatalf("%d blobs after a failed put", n)
		}
	})
	t.Run("RemoveAndMissing", func(t *testing.T) {
		s := newStore(t)
		id, _, _ := s.Put(ctx, bytes.NewReader([]byte("x")))
		if err := s.Remove(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := s.Remove(ctx, id); err != nil {
			t.Fatalf("second Remove: %v", err)
		}
		if _, err := s.Open(ctx, id); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Open removed: %v", err)
		}
		for _, bad := range []string{"", "../../etc/passwd", "zz", id + "/.."} {
			if _, err := s.Open(ctx, bad); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("Open(%q) = %v", bad, err)
			}
		}
	})
	t.Run("Sweep", func(t *testing.T) {
		s := newStore(t)
		keep, _, _ := s.Put(ctx, bytes.NewReader([]byte("keep")))
		drop, _, _ := s.Put(ctx, bytes.NewReader([]byte("drop")))
		before := time.Now().Add(2 * time.Second) // past any mtime granularity
		time.Sleep(2100 * time.Millisecond)
		fresh, _, _ := s.Put(ctx, bytes.NewReader([]byte("written after before")))
		n, err := s.Sweep(ctx, before, func(id string) bool { return id == keep })
		if err != nil || n != 1 {
			t.Fatalf("Sweep = %d, %v", n, err)
		}
		if f, err := s.Open(ctx, fresh); err != nil {
			t.Fatalf("a blob written after before was swept: %v", err)
		} else {
			f.Close()
		}
		if _, err := s.Open(ctx, drop); !errors.Is(err, blob.ErrNotFound) {
			t.Fatal("swept blob still there")
		}
		f, err := s.Open(ctx, keep)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	})
}
