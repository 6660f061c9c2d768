// Package blob stores object bytes, apart from metadata.
//
// A blob is immutable once Put returns: it is written to a temporary file,
// fsynced, then renamed into place, so a crash never leaves a torn blob
// under a live id. Put returns an id only after the bytes are durable; the
// caller commits metadata that refers to the id afterwards, and frees
// replaced blobs after that commit. A crash between the two leaves an
// unreferenced blob, which Sweep removes at start-up.
package blob

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotFound: no blob has the id.
var ErrNotFound = errors.New("blob: not found")

// File is an open blob.
type File interface {
	io.ReadSeekCloser
	io.ReaderAt
}

// Store holds blobs. The conformance suite is package blobtest.
type Store interface {
	// Put copies r into a new blob and returns its id and size once the
	// bytes are durable. If r fails, Put fails and leaves nothing behind.
	Put(ctx context.Context, r io.Reader) (id string, size int64, err error)
	// Open opens a blob for reading; ErrNotFound if it does not exist.
	Open(ctx context.Context, id string) (File, error)
	// Remove deletes a blob; removing a missing blob is not an error.
	Remove(ctx context.Context, id string) error
	// Sweep deletes every blob last written before before for which keep
	// returns false, and any temporary files from before then. Blobs and
	// writes begun at or after before are never touched, so Sweep may run
	// while the server serves, with before the time it started.
	Sweep(ctx context.Context, before time.Time, keep func(id string) bool) (removed int, err error)
}
