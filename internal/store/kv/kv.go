// Package kv is the metadata store's logic over an ordered key-value
// engine with serializable transactions: the layout below, versions,
// uploads and records. Engines supply the transactions — bbolt (package
// store/bolt, the embedded default) and PostgreSQL (package
// store/postgres) — and pass the same conformance suite through it.
//
// Layout (each name a bucket of byte-ordered keys; "a/<b>" is bucket b
// nested in top-level bucket a):
//
//	buckets             name → Bucket
//	objects/<bucket>    key → Object (without Inline)
//	inline/<bucket>     key → the bytes of an inline object
//	versions/<bucket>   noncurrent versions and delete markers (versions.go)
//	vinline/<bucket>    key NUL ^seq id → the bytes of an inline version
//	uploads/<bucket>    key NUL id → Upload
//	parts/<upload id>   big-endian part number → Part
//	records/<kind>      id → record (records.go)
//
// Records are JSON values.
package kv

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sekisho/sekisho/internal/store"
)

// Tx is a transaction of an engine: the shape of bbolt's, which the
// embedded engine is. An engine whose reads can fail (a network database)
// records the first failure in the transaction and fails it: the
// transaction's result is then that error, whatever fn returned.
type Tx interface {
	// Bucket returns a top-level bucket, nil if it does not exist.
	Bucket(name []byte) Bucket
	CreateBucketIfNotExists(name []byte) (Bucket, error)
}

// Bucket is a bucket of byte-ordered keys, with buckets nested one level.
type Bucket interface {
	// Get returns a key's value, nil if none. The slice stays valid for
	// the transaction's life and must not be changed.
	Get(key []byte) []byte
	Put(key, value []byte) error
	Delete(key []byte) error
	Cursor() Cursor
	// ForEach calls fn with every key and value, in key order.
	ForEach(fn func(k, v []byte) error) error
	// ForEachBucket calls fn with the name of every nested bucket.
	ForEachBucket(fn func(name []byte) error) error
	// Bucket returns a nested bucket, nil if it does not exist.
	Bucket(name []byte) Bucket
	CreateBucket(name []byte) (Bucket, error)
	CreateBucketIfNotExists(name []byte) (Bucket, error)
	DeleteBucket(name []byte) error
}

// Cursor walks a bucket's keys in order; a nil key is the end.
type Cursor interface {
	First() (k, v []byte)
	Seek(key []byte) (k, v []byte)
	Next() (k, v []byte)
}

// Engine runs transactions.
type Engine interface {
	// Update runs fn in a read-write transaction, committed if fn returns
	// nil. fn may run more than once (a group commit, a serialization
	// retry). Errors from fn come back as they are.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction over a consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	// Close releases the engine; later calls fail with store.ErrClosed.
	Close() error
}

// TopBuckets are the top-level buckets an engine creates when it opens.
var TopBuckets = [][]byte{bucketsB, objectsB, inlineB, uploadsB, partsB, versionsB, vinlineB, recordsB}

var (
	bucketsB = []byte("buckets")
	objectsB = []byte("objects")
	inlineB  = []byte("inline")
	uploadsB = []byte("uploads")
	partsB   = []byte("parts")
)

// Store is a store.Store over an engine.
type Store struct {
	eng Engine
	// onCommit, if set, observes every write's duration and outcome.
	onCommit func(time.Duration, error)
}

// ObserveCommits calls fn after every write with how long it took to
// commit (a wait for a group commit and retries included) and its error
// (fn's own errors too). Set it before the store is used.
func (s *Store) ObserveCommits(fn func(time.Duration, error)) { s.onCommit = fn }

func (s *Store) observed(start time.Time, err error) error {
	if s.onCommit != nil {
		s.onCommit(time.Since(start), err)
	}
	return err
}

var _ store.Store = (*Store)(nil)

// New returns the store over eng.
func New(eng Engine) *Store { return &Store{eng: eng} }

// Engine returns the store's engine.
func (s *Store) Engine() Engine { return s.eng }

func (s *Store) update(ctx context.Context, fn func(tx Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	start := time.Now()
	return s.observed(start, s.eng.Update(ctx, func(tx Tx) error { return Safely(fn, tx) }))
}

func (s *Store) view(ctx context.Context, fn func(tx Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.eng.View(ctx, func(tx Tx) error { return Safely(fn, tx) })
}

// Safely runs fn, turning a panic into an error wrapping
// store.ErrPanicked: an engine's committing goroutine must not die with
// one caller's bug.
func Safely(fn func(Tx) error, tx Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", store.ErrPanicked, p)
		}
	}()
	return fn(tx)
}

func get[T any](b Bucket, key []byte) (T, error) {
	var v T
	data := b.Get(key)
	if data == nil {
		return v, store.ErrNotFound
	}
	return v, json.Unmarshal(data, &v)
}

func put(b Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// CreateBucket implements store.Store.
func (s *Store) CreateBucket(ctx context.Context, bk store.Bucket) error {
	return s.update(ctx, func(tx Tx) error {
		b := tx.Bucket(bucketsB)
		if b.Get([]byte(bk.Name)) != nil {
			return store.ErrAlreadyExists
		}
		for _, top := range [][]byte{objectsB, inlineB, uploadsB} {
			if _, err := tx.Bucket(top).CreateBucketIfNotExists([]byte(bk.Name)); err != nil {
				return err
			}
		}
		return put(b, []byte(bk.Name), bk)
	})
}

// GetBucket implements store.Store.
func (s *Store) GetBucket(ctx context.Context, name string) (bk store.Bucket, err error) {
	err = s.view(ctx, func(tx Tx) error {
		bk, err = get[store.Bucket](tx.Bucket(bucketsB), []byte(name))
		return err
	})
	return bk, err
}

// ListBuckets implements store.Store.
func (s *Store) ListBuckets(ctx context.Context) (out []store.Bucket, err error) {
	err = s.view(ctx, func(tx Tx) error {
		out = out[:0]
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

// UpdateBucket implements store.Store.
func (s *Store) UpdateBucket(ctx context.Context, name string, fn func(b *store.Bucket) error) error {
	return s.update(ctx, func(tx Tx) error {
		b := tx.Bucket(bucketsB)
		bk, err := get[store.Bucket](b, []byte(name))
		if err != nil {
			return err
		}
		if err := fn(&bk); err != nil {
			return err
		}
		bk.Name = name
		return put(b, []byte(name), bk)
	})
}

// DeleteBucket implements store.Store.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	return s.update(ctx, func(tx Tx) error {
		if tx.Bucket(bucketsB).Get([]byte(name)) == nil {
			return store.ErrNotFound
		}
		for _, top := range [][]byte{objectsB, uploadsB, versionsB} {
			if nb := tx.Bucket(top).Bucket([]byte(name)); nb != nil {
				if k, _ := nb.Cursor().First(); k != nil {
					return store.ErrNotEmpty
				}
			}
		}
		for _, top := range [][]byte{objectsB, inlineB, uploadsB, versionsB, vinlineB} {
			if tx.Bucket(top).Bucket([]byte(name)) != nil {
				if err := tx.Bucket(top).DeleteBucket([]byte(name)); err != nil {
					return err
				}
			}
		}
		return tx.Bucket(bucketsB).Delete([]byte(name))
	})
}

func nested(tx Tx, top []byte, bucket string) (Bucket, error) {
	b := tx.Bucket(top).Bucket([]byte(bucket))
	if b == nil {
		return nil, store.ErrNotFound
	}
	return b, nil
}

// PutObject implements store.Store.
func (s *Store) PutObject(ctx context.Context, o store.Object, check func(old *store.Object) error) (prev *store.Object, err error) {
	err = s.update(ctx, func(tx Tx) error {
		prev = nil
		b, err := nested(tx, objectsB, o.Bucket)
		if err != nil {
			return err
		}
		if prev, err = current(tx, b, o.Bucket, o.Key); err != nil {
			return err
		}
		if check != nil {
			if err := check(prev); err != nil {
				return err
			}
		}
		prev, err = storeObject(tx, b, o, prev)
		return err
	})
	if err != nil {
		return nil, err
	}
	return prev, nil
}

// ImportObjects writes object records in one transaction, replacing any
// under the same keys without freeing their blobs: a bulk load into a
// store being prepared (tests build large data dirs with it), not a path
// a running server takes.
func (s *Store) ImportObjects(ctx context.Context, objs []store.Object) error {
	return s.update(ctx, func(tx Tx) error {
		for _, o := range objs {
			b, err := nested(tx, objectsB, o.Bucket)
			if err != nil {
				return err
			}
			if err := putObject(tx, b, o); err != nil {
				return err
			}
		}
		return nil
	})
}

// current returns the object under key with its inline bytes, or nil.
func current(tx Tx, b Bucket, bucket, key string) (*store.Object, error) {
	old, err := getObject(tx, b, bucket, key)
	switch {
	case err == nil:
		return &old, nil
	case err == store.ErrNotFound:
		return nil, nil
	}
	return nil, err
}

func getObject(tx Tx, b Bucket, bucket, key string) (store.Object, error) {
	o, err := get[store.Object](b, []byte(key))
	if err != nil {
		return o, err
	}
	if o.VersionID != "" {
		loadInline(tx, &o)
		return o, nil
	}
	if ib := tx.Bucket(inlineB).Bucket([]byte(bucket)); ib != nil {
		if v := ib.Get([]byte(key)); v != nil {
			o.Inline = append([]byte{}, v...)
		}
	}
	return o, nil
}

// putObject writes o's record and its inline bytes (or removes stale
// ones). A version's inline bytes (VersionID set) are kept under its
// version key, where they stay when it becomes noncurrent (versions.go).
func putObject(tx Tx, b Bucket, o store.Object) error {
	if err := put(b, []byte(o.Key), o); err != nil {
		return err
	}
	ib, err := tx.Bucket(inlineB).CreateBucketIfNotExists([]byte(o.Bucket))
	if err != nil {
		return err
	}
	if o.VersionID != "" {
		if o.Inline != nil {
			vib, err := tx.Bucket(vinlineB).CreateBucketIfNotExists([]byte(o.Bucket))
			if err != nil {
				return err
			}
			if err := vib.Put(versionKey(&o), o.Inline); err != nil {
				return err
			}
		}
		return ib.Delete([]byte(o.Key)) // a replaced unversioned object's
	}
	if o.Inline != nil {
		return ib.Put([]byte(o.Key), o.Inline)
	}
	return ib.Delete([]byte(o.Key))
}

// GetObject implements store.Store.
func (s *Store) GetObject(ctx context.Context, bucket, key string) (o store.Object, err error) {
	err = s.view(ctx, func(tx Tx) error {
		b, err := nested(tx, objectsB, bucket)
		if err != nil {
			return err
		}
		o, err = getObject(tx, b, bucket, key)
		return err
	})
	return o, err
}

// UpdateObject implements store.Store.
func (s *Store) UpdateObject(ctx context.Context, bucket, key string, fn func(o *store.Object) error) error {
	return s.update(ctx, func(tx Tx) error {
		b, err := nested(tx, objectsB, bucket)
		if err != nil {
			return err
		}
		o, err := getObject(tx, b, bucket, key)
		if err != nil {
			return err
		}
		if err := fn(&o); err != nil {
			return err
		}
		o.Bucket, o.Key = bucket, key
		return putObject(tx, b, o)
	})
}

// DeleteObject implements store.Store.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string) (o store.Object, err error) {
	err = s.update(ctx, func(tx Tx) error {
		b, err := nested(tx, objectsB, bucket)
		if err != nil {
			return err
		}
		if o, err = getObject(tx, b, bucket, key); err != nil {
			return err
		}
		if ib := tx.Bucket(inlineB).Bucket([]byte(bucket)); ib != nil {
			if err := ib.Delete([]byte(key)); err != nil {
				return err
			}
		}
		return b.Delete([]byte(key))
	})
	return o, err
}

// ListObjects implements store.Store.
func (s *Store) ListObjects(ctx context.Context, bucket string, opt store.ListOptions) (out []store.Object, err error) {
	err = s.view(ctx, func(tx Tx) error {
		out = out[:0]
		b, err := nested(tx, objectsB, bucket)
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

func uploadKey(key, id string) []byte { return []byte(key + "\x00" + id) }

func partKey(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

// CreateUpload implements store.Store.
func (s *Store) CreateUpload(ctx context.Context, u store.Upload) error {
	return s.update(ctx, func(tx Tx) error {
		b, err := nested(tx, uploadsB, u.Bucket)
		if err != nil {
			return err
		}
		if tx.Bucket(partsB).Bucket([]byte(u.ID)) != nil {
			return store.ErrAlreadyExists
		}
		if _, err := tx.Bucket(partsB).CreateBucket([]byte(u.ID)); err != nil {
			return err
		}
		return put(b, uploadKey(u.Key, u.ID), u)
	})
}

func getUpload(tx Tx, bucket, key, id string) (store.Upload, Bucket, error) {
	b, err := nested(tx, uploadsB, bucket)
	if err != nil {
		return store.Upload{}, nil, err
	}
	u, err := get[store.Upload](b, uploadKey(key, id))
	if err != nil {
		return u, nil, err
	}
	pb := tx.Bucket(partsB).Bucket([]byte(id))
	if pb == nil {
		return u, nil, store.ErrNotFound
	}
	return u, pb, nil
}

// GetUpload implements store.Store.
func (s *Store) GetUpload(ctx context.Context, bucket, key, id string) (u store.Upload, err error) {
	err = s.view(ctx, func(tx Tx) error {
		u, _, err = getUpload(tx, bucket, key, id)
		return err
	})
	return u, err
}

// ListUploads implements store.Store.
func (s *Store) ListUploads(ctx context.Context, bucket string, opt store.UploadListOptions) (out []store.Upload, err error) {
	err = s.view(ctx, func(tx Tx) error {
		out = out[:0]
		b, err := nested(tx, uploadsB, bucket)
		if err != nil {
			return err
		}
		c := b.Cursor()
		prefix := []byte(opt.Prefix)
		k, v := c.Seek(prefix)
		if opt.AfterKey != "" || opt.AfterID != "" {
			// Everything of AfterKey sorts below AfterKey+"\x01".
			after := []byte(opt.AfterKey + "\x01")
			if opt.AfterID != "" {
				after = uploadKey(opt.AfterKey, opt.AfterID)
			}
			if bytes.Compare(after, prefix) > 0 {
				k, v = c.Seek(after)
				if bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if opt.Limit > 0 && len(out) >= opt.Limit {
				break
			}
			var u store.Upload
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// PutPart implements store.Store.
func (s *Store) PutPart(ctx context.Context, bucket, key, id string, p store.Part) (prev *store.Part, err error) {
	err = s.update(ctx, func(tx Tx) error {
		prev = nil
		_, pb, err := getUpload(tx, bucket, key, id)
		if err != nil {
			return err
		}
		old, err := get[store.Part](pb, partKey(p.Number))
		switch {
		case err == nil:
			prev = &old
		case err != store.ErrNotFound:
			return err
		}
		return put(pb, partKey(p.Number), p)
	})
	return prev, err
}

func allParts(pb Bucket, after, limit int) ([]store.Part, error) {
	var out []store.Part
	c := pb.Cursor()
	for k, v := c.Seek(partKey(after + 1)); k != nil; k, v = c.Next() {
		if limit > 0 && len(out) >= limit {
			break
		}
		var p store.Part
		if err := json.Unmarshal(v, &p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ListParts implements store.Store.
func (s *Store) ListParts(ctx context.Context, bucket, key, id string, after, limit int) (out []store.Part, err error) {
	err = s.view(ctx, func(tx Tx) error {
		_, pb, err := getUpload(tx, bucket, key, id)
		if err != nil {
			return err
		}
		out, err = allParts(pb, after, limit)
		return err
	})
	return out, err
}

func dropUpload(tx Tx, bucket, key, id string) error {
	if err := tx.Bucket(uploadsB).Bucket([]byte(bucket)).Delete(uploadKey(key, id)); err != nil {
		return err
	}
	return tx.Bucket(partsB).DeleteBucket([]byte(id))
}

// CompleteUpload implements store.Store.
func (s *Store) CompleteUpload(ctx context.Context, bucket, key, id string, build func(u store.Upload, parts []store.Part, old *store.Object) (store.Object, error)) (o store.Object, prev *store.Object, parts []store.Part, err error) {
	err = s.update(ctx, func(tx Tx) error {
		u, pb, err := getUpload(tx, bucket, key, id)
		if err != nil {
			return err
		}
		if parts, err = allParts(pb, 0, 0); err != nil {
			return err
		}
		ob, err := nested(tx, objectsB, bucket)
		if err != nil {
			return err
		}
		if prev, err = current(tx, ob, bucket, key); err != nil {
			return err
		}
		if o, err = build(u, parts, prev); err != nil {
			return err
		}
		o.Bucket, o.Key = bucket, key
		if prev, err = storeObject(tx, ob, o, prev); err != nil {
			return err
		}
		return dropUpload(tx, bucket, key, id)
	})
	if err != nil {
		return store.Object{}, nil, nil, err
	}
	return o, prev, parts, nil
}

// AbortUpload implements store.Store.
func (s *Store) AbortUpload(ctx context.Context, bucket, key, id string) (parts []store.Part, err error) {
	err = s.update(ctx, func(tx Tx) error {
		_, pb, err := getUpload(tx, bucket, key, id)
		if err != nil {
			return err
		}
		if parts, err = allParts(pb, 0, 0); err != nil {
			return err
		}
		return dropUpload(tx, bucket, key, id)
	})
	return parts, err
}

// BlobIDs implements store.Store.
func (s *Store) BlobIDs(ctx context.Context, fn func(id string) error) error {
	parts := func(v []byte) error {
		var p store.Part
		if err := json.Unmarshal(v, &p); err != nil {
			return err
		}
		return fn(p.BlobID)
	}
	objects := func(v []byte) error {
		var o store.Object
		if err := json.Unmarshal(v, &o); err != nil {
			return err
		}
		if o.BlobID != "" {
			if err := fn(o.BlobID); err != nil {
				return err
			}
		}
		for _, p := range o.Parts {
			if err := fn(p.BlobID); err != nil {
				return err
			}
		}
		return nil
	}
	// Parts before objects: see the contract.
	if err := s.scanNested(ctx, partsB, parts); err != nil {
		return err
	}
	var names [][]byte
	if err := s.view(ctx, func(tx Tx) error {
		return tx.Bucket(bucketsB).ForEach(func(k, _ []byte) error {
			names = append(names, append([]byte(nil), k...))
			return nil
		})
	}); err != nil {
		return err
	}
	for _, name := range names {
		if err := s.scanObjects(ctx, name, objects); err != nil {
			return err
		}
	}
	return nil
}

// scanChunk is how many records scanNested reads in one transaction: a
// long read transaction would hold up a writer that must grow the file.
const scanChunk = 5000

// scanNested calls fn with every value of every bucket nested in top, in
// short read transactions that resume where the last one stopped.
func (s *Store) scanNested(ctx context.Context, top []byte, fn func(v []byte) error) error {
	var names [][]byte
	if err := s.view(ctx, func(tx Tx) error {
		return tx.Bucket(top).ForEachBucket(func(name []byte) error {
			names = append(names, append([]byte(nil), name...))
			return nil
		})
	}); err != nil {
		return err
	}
	for _, name := range names {
		var next []byte // the first key the next transaction reads
		for done := false; !done; {
			err := s.view(ctx, func(tx Tx) error {
				b := tx.Bucket(top).Bucket(name)
				if b == nil {
					done = true // the bucket went meanwhile
					return nil
				}
				c := b.Cursor()
				k, v := c.First()
				if next != nil {
					k, v = c.Seek(next)
				}
				for n := 0; k != nil; n++ {
					if n == scanChunk {
						next = append(next[:0], k...)
						return nil
					}
					if v != nil {
						if err := fn(v); err != nil {
							return err
						}
					}
					k, v = c.Next()
				}
				done = true
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// scanObjects calls fn with the record of every version of every key of
// bucket name, current or not, in short read transactions. Each
// transaction reads a range of keys in objects/ and in versions/ alike,
// so a version that moves between the two (they always stay under their
// key) is seen exactly once.
func (s *Store) scanObjects(ctx context.Context, name []byte, fn func(v []byte) error) error {
	var from []byte // the first key the next transaction reads
	for done := false; !done; {
		err := s.view(ctx, func(tx Tx) error {
			var upto []byte // the first key left for the next one
			if ob := tx.Bucket(objectsB).Bucket(name); ob != nil {
				c := ob.Cursor()
				k, v := seekFrom(c, from)
				for n := 0; k != nil; n++ {
					if n == scanChunk {
						upto = append([]byte(nil), k...)
						break
					}
					if err := fn(v); err != nil {
						return err
					}
					k, v = c.Next()
				}
			}
			if vb := tx.Bucket(versionsB).Bucket(name); vb != nil {
				// A key's versions sort after it and before any greater
				// key ("k" < "k\x00…" < "k\x01" ≤ greater keys).
				c := vb.Cursor()
				for k, v := seekFrom(c, from); k != nil && (upto == nil || bytes.Compare(k, upto) < 0); k, v = c.Next() {
					if err := fn(v); err != nil {
						return err
					}
				}
			}
			done, from = upto == nil, upto
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// seekFrom moves c to the first key at or after from (nil: the first).
func seekFrom(c Cursor, from []byte) ([]byte, []byte) {
	if from == nil {
		return c.First()
	}
	return c.Seek(from)
}

// Close implements store.Store.
func (s *Store) Close() error { return s.eng.Close() }
