// Package bolt is the embedded metadata store: one bbolt file in the data
// directory, under the store logic of package kv.
//
// bbolt gives serializable read-write transactions that are fsynced on
// commit, with a copy-on-write B+tree that a crash at any point leaves
// either before or after the last committed transaction — exactly the
// durability the store contract asks for — and keys kept in byte order,
// which is S3's listing order.
//
// Writes go through a group commit (see batch.go): concurrent writers
// share one transaction and one fsync, and a lone writer never waits.
package bolt

import (
	"context"
	"fmt"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"

	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/store/kv"
)

// Store is a store.Store backed by a bbolt file.
type Store struct {
	*kv.Store
}

var _ store.Store = (*Store)(nil)

// engine is the kv.Engine over one bbolt file.
type engine struct {
	db *bbolt.DB

	mu      sync.Mutex
	pending []*call
	running bool
}

// Open opens (creating if needed) the database file at path.
func Open(path string) (*Store, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open metadata store %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range kv.TopBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{kv.New(&engine{db: db})}, nil
}

func closedErr(err error) error {
	if err == bolterr.ErrDatabaseNotOpen {
		return store.ErrClosed
	}
	return err
}

// Update implements kv.Engine through the group commit.
func (e *engine) Update(ctx context.Context, fn func(kv.Tx) error) error {
	return closedErr(e.batch(func(tx *bbolt.Tx) error { return fn(boltTx{tx}) }))
}

// UpdateAlone runs fn in a transaction of its own, exactly once.
func (e *engine) UpdateAlone(ctx context.Context, fn func(kv.Tx) error) error {
	return closedErr(e.db.Update(func(tx *bbolt.Tx) error { return fn(boltTx{tx}) }))
}

// View implements kv.Engine.
func (e *engine) View(ctx context.Context, fn func(kv.Tx) error) error {
	return closedErr(e.db.View(func(tx *bbolt.Tx) error { return fn(boltTx{tx}) }))
}

// Close implements kv.Engine.
func (e *engine) Close() error { return e.db.Close() }

// boltTx, boltBucket and the cursor adapt bbolt's types to kv's
// interfaces. A missing bucket must be a nil interface, not a nil pointer
// in one.
type boltTx struct{ tx *bbolt.Tx }

func (t boltTx) Bucket(name []byte) kv.Bucket { return wrap(t.tx.Bucket(name)) }

func (t boltTx) CreateBucketIfNotExists(name []byte) (kv.Bucket, error) {
	b, err := t.tx.CreateBucketIfNotExists(name)
	return wrap(b), err
}

func wrap(b *bbolt.Bucket) kv.Bucket {
	if b == nil {
		return nil
	}
	return boltBucket{b}
}

type boltBucket struct{ b *bbolt.Bucket }

func (b boltBucket) Get(key []byte) []byte                          { return b.b.Get(key) }
func (b boltBucket) Put(key, value []byte) error                    { return b.b.Put(key, value) }
func (b boltBucket) Delete(key []byte) error                        { return b.b.Delete(key) }
func (b boltBucket) Cursor() kv.Cursor                              { return b.b.Cursor() }
func (b boltBucket) ForEach(fn func(k, v []byte) error) error       { return b.b.ForEach(fn) }
func (b boltBucket) ForEachBucket(fn func(name []byte) error) error { return b.b.ForEachBucket(fn) }
func (b boltBucket) Bucket(name []byte) kv.Bucket                   { return wrap(b.b.Bucket(name)) }
func (b boltBucket) DeleteBucket(name []byte) error                 { return b.b.DeleteBucket(name) }

func (b boltBucket) CreateBucket(name []byte) (kv.Bucket, error) {
	nb, err := b.b.CreateBucket(name)
	return wrap(nb), err
}

func (b boltBucket) CreateBucketIfNotExists(name []byte) (kv.Bucket, error) {
	nb, err := b.b.CreateBucketIfNotExists(name)
	return wrap(nb), err
}
