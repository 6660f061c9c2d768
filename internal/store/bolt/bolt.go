// Package bolt is the embedded metadata store: one bbolt file in the data
// directory.
//
// bbolt gives serializable read-write transactions that are fsynced on
// commit, with a copy-on-write B+tree that a crash at any point leaves
// either before or after the last committed transaction — exactly the
// durability the store contract asks for — and keys kept in byte order,
// which is S3's listing order. Records are JSON values.
//
// Layout: bucket "buckets" maps name → Bucket; bucket "objects" holds one
// nested bucket per S3 bucket mapping key → Object.
package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"

	"github.com/sekisho/sekisho/internal/store"
)

var (
	bucketsB = []byte("buckets")
	objectsB = []byte("objects")
)

// Store is a store.Store backed by a bbolt file.
type Store struct {
	db *bbolt.DB
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path.
func Open(path string) (*Store, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open metadata store %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketsB, objectsB} {
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
	return &Store{db: db}, nil
}

func (s *Store) update(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(fn)
	if err == bolterr.ErrDatabaseNotOpen {
		return store.ErrClosed
	}
	return err
}

func (s *Store) view(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.View(fn)
	if err == bolterr.ErrDatabaseNotOpen {
		return store.ErrClosed
	}
	return err
}

func get[T any](b *bbolt.Bucket, key string) (T, error) {
	var v T
	data := b.Get([]byte(key))
	if data == nil {
		return v, store.ErrNotFound
	}
	return v, json.Unmarshal(data, &v)
}

func put(b *bbolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), data)
}

// CreateBucket implements store.Store.
func (s *Store) CreateBucket(ctx context.Context, bk store.Bucket) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketsB)
		if b.Get([]byte(bk.Name)) != nil {
			return store.ErrAlreadyExists
		}
		if _, err := tx.Bucket(objectsB).CreateBucketIfNotExists([]byte(bk.Name)); err != nil {
			return err
		}
		return put(b, bk.Name, bk)
	})
}

// GetBucket implements store.Store.
func (s *Store) GetBucket(ctx context.Context, name string) (bk store.Bucket, err error) {
	err = s.view(ctx, func(tx *bbolt.Tx) error {
		bk, err = get[store.Bucket](tx.Bucket(bucketsB), name)
		return err
	})
	return bk, err
}

// ListBuckets implements store.Store.
func (s *Store) ListBuckets(ctx context.Context) (out []store.Bucket, err error) {
	err = s.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketsB).ForEach(func(k, v []byte) error {
			var bk store.Bucket
			if err := json.Unmarshal(v, &bk); err != nil {
				return err
			}
			out = append(out, bk)
			return nil
		})
	})
	return out, err
}

// DeleteBucket implements store.Store.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketsB).Get([]byte(name)) == nil {
			return store.ErrNotFound
		}
		if ob := tx.Bucket(objectsB).Bucket([]byte(name)); ob != nil {
			if k, _ := ob.Cursor().First(); k != nil {
				return store.ErrNotEmpty
			}
			if err := tx.Bucket(objectsB).DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketsB).Delete([]byte(name))
	})
}

func objects(tx *bbolt.Tx, bucket string) (*bbolt.Bucket, error) {
	b := tx.Bucket(objectsB).Bucket([]byte(bucket))
	if b == nil {
		return nil, store.ErrNotFound
	}
	return b, nil
}

// PutObject implements store.Store.
func (s *Store) PutObject(ctx context.Context, o store.Object, check func(old *store.Object) error) (prev *store.Object, err error) {
	err = s.update(ctx, func(tx *bbolt.Tx) error {
		b, err := objects(tx, o.Bucket)
		if err != nil {
			return err
		}
		old, err := get[store.Object](b, o.Key)
		switch {
		case err == nil:
			prev = &old
		case err != store.ErrNotFound:
			return err
		}
		if check != nil {
			if err := check(prev); err != nil {
				return err
			}
		}
		return put(b, o.Key, o)
	})
	if err != nil {
		return nil, err
	}
	return prev, nil
}

// GetObject implements store.Store.
func (s *Store) GetObject(ctx context.Context, bucket, key string) (o store.Object, err error) {
	err = s.view(ctx, func(tx *bbolt.Tx) error {
		b, err := objects(tx, bucket)
		if err != nil {
			return err
		}
		o, err = get[store.Object](b, key)
		return err
	})
	return o, err
}

// DeleteObject implements store.Store.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string) (o store.Object, err error) {
	err = s.update(ctx, func(tx *bbolt.Tx) error {
		b, err := objects(tx, bucket)
		if err != nil {
			return err
		}
		if o, err = get[store.Object](b, key); err != nil {
			return err
		}
		return b.Delete([]byte(key))
	})
	return o, err
}

// ListObjects implements store.Store.
func (s *Store) ListObjects(ctx context.Context, bucket string, opt store.ListOptions) (out []store.Object, err error) {
	err = s.view(ctx, func(tx *bbolt.Tx) error {
		b, err := objects(tx, bucket)
		if err != nil {
			return err
		}
		c := b.Cursor()
		prefix := []byte(opt.Prefix)
		start := prefix
		if opt.After != "" && opt.After >= opt.Prefix {
			start = []byte(opt.After)
		}
		k, v := c.Seek(start)
		if opt.After != "" && bytes.Equal(k, []byte(opt.After)) {
			k, v = c.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if opt.Limit > 0 && len(out) >= opt.Limit {
				break
			}
			var o store.Object
			if err := json.Unmarshal(v, &o); err != nil {
				return err
			}
			out = append(out, o)
		}
		return nil
	})
	return out, err
}

// BlobIDs implements store.Store.
func (s *Store) BlobIDs(ctx context.Context, fn func(id string) error) error {
	return s.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(objectsB).ForEachBucket(func(name []byte) error {
			return tx.Bucket(objectsB).Bucket(name).ForEach(func(_, v []byte) error {
				var o store.Object
				if err := json.Unmarshal(v, &o); err != nil {
					return err
				}
				if o.BlobID == "" {
					return nil
				}
				return fn(o.BlobID)
			})
		})
	})
}

// Close implements store.Store.
func (s *Store) Close() error { return s.db.Close() }
