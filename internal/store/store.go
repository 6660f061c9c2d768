// Package store defines the metadata store: the durable, transactional home
// of every record the server keeps except object bytes (see package blob).
//
// Store is a contract. Every backend — the embedded bbolt default in
// store/bolt, and PostgreSQL later — must pass the conformance suite in
// store/storetest unchanged. Methods take a context first, exchange records
// as values, and report the sentinel errors below (wrapped, so test them
// with errors.Is). A method that returns nil has made its change durable:
// it survives a crash of the process or the machine.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors.
var (
	// ErrNotFound: the record does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadyExists: a create found a record with the same key.
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrNotEmpty: a bucket still holds objects.
	ErrNotEmpty = errors.New("store: bucket not empty")
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("store: closed")
)

// Bucket is an S3 bucket.
type Bucket struct {
	Name    string
	Region  string
	Owner   string // account id
	Created time.Time
}

// Object is the metadata of one S3 object. Its bytes live in the blob store
// under BlobID.
type Object struct {
	Bucket string
	Key    string
	BlobID string
	Size   int64
	// ETag is the quoted entity tag, e.g. "\"9e107d9d372bb6826bd81d3542a419d6\"".
	ETag     string
	Modified time.Time
	// Headers are the stored representation headers (Content-Type,
	// Content-Encoding, Cache-Control, …) by canonical name.
	Headers map[string]string
	// Metadata holds x-amz-meta-* values by lower-case name without the
	// prefix.
	Metadata map[string]string
	// Checksums holds base64 checksums by algorithm name ("CRC32", …).
	Checksums map[string]string
}

// ListOptions select a page of objects.
type ListOptions struct {
	// Prefix restricts keys to those starting with it.
	Prefix string
	// After returns only keys strictly greater than it (byte order).
	After string
	// Limit is the most objects to return; 0 means no limit.
	Limit int
}

// Store is the metadata store.
type Store interface {
	// CreateBucket creates b. ErrAlreadyExists if the name is taken.
	CreateBucket(ctx context.Context, b Bucket) error
	// GetBucket returns the bucket named name, or ErrNotFound.
	GetBucket(ctx context.Context, name string) (Bucket, error)
	// ListBuckets returns every bucket in name order.
	ListBuckets(ctx context.Context) ([]Bucket, error)
	// DeleteBucket removes an empty bucket: ErrNotFound, ErrNotEmpty.
	DeleteBucket(ctx context.Context, name string) error

	// PutObject stores o, replacing any object with the same key, and
	// returns the replaced object (nil if there was none) so its blob can
	// be freed. Before writing it calls check, if not nil, with the current
	// object (nil if none) inside the same transaction; an error from check
	// aborts the put and is returned as is. ErrNotFound if the bucket does
	// not exist.
	PutObject(ctx context.Context, o Object, check func(old *Object) error) (*Object, error)
	// GetObject returns an object, or ErrNotFound.
	GetObject(ctx context.Context, bucket, key string) (Object, error)
	// DeleteObject removes an object and returns it; ErrNotFound if there
	// is no such object or bucket.
	DeleteObject(ctx context.Context, bucket, key string) (Object, error)
	// ListObjects returns objects of a bucket in UTF-8 byte order of their
	// keys; ErrNotFound if the bucket does not exist.
	ListObjects(ctx context.Context, bucket string, opt ListOptions) ([]Object, error)

	// BlobIDs calls fn with every blob id that a record refers to. The
	// server uses it at start-up to remove blobs that no record refers to
	// (left behind by a crash between writing bytes and committing
	// metadata).
	BlobIDs(ctx context.Context, fn func(id string) error) error

	// Close releases the store. Calls after Close return ErrClosed.
	Close() error
}
