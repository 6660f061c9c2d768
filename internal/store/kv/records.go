package kv

import (
	"bytes"
	"context"
	"time"

	"github.com/sekisho/sekisho/internal/store"
)

var recordsB = []byte("records")

// recordTx implements store.RecordTx over records/<kind>.
type recordTx struct {
	tx       Tx
	writable bool
}

func (t recordTx) kind(kind string, create bool) (Bucket, error) {
	top := t.tx.Bucket(recordsB)
	if top == nil {
		if !create {
			return nil, nil
		}
		var err error
		if top, err = t.tx.CreateBucketIfNotExists(recordsB); err != nil {
			return nil, err
		}
	}
	if b := top.Bucket([]byte(kind)); b != nil || !create {
		return b, nil
	}
	return top.CreateBucket([]byte(kind))
}

func (t recordTx) Get(kind, id string) ([]byte, error) {
	b, err := t.kind(kind, false)
	if err != nil || b == nil {
		return nil, store.ErrNotFound
	}
	v := b.Get([]byte(id))
	if v == nil {
		return nil, store.ErrNotFound
	}
	return append([]byte{}, v...), nil
}

func (t recordTx) Put(kind, id string, value []byte) error {
	if !t.writable {
		return store.ErrReadOnly
	}
	b, err := t.kind(kind, true)
	if err != nil {
		return err
	}
	return b.Put([]byte(id), value)
}

func (t recordTx) Delete(kind, id string) error {
	if !t.writable {
		return store.ErrReadOnly
	}
	b, err := t.kind(kind, false)
	if err != nil || b == nil {
		return err
	}
	return b.Delete([]byte(id))
}

func (t recordTx) List(kind, prefix, after string, limit int) ([]store.Record, error) {
	b, err := t.kind(kind, false)
	if err != nil || b == nil {
		return nil, err
	}
	var out []store.Record
	c := b.Cursor()
	start := []byte(prefix)
	if after >= prefix {
		start = []byte(after)
	}
	k, v := c.Seek(start)
	if after != "" && bytes.Equal(k, []byte(after)) {
		k, v = c.Next()
	}
	for ; k != nil && bytes.HasPrefix(k, []byte(prefix)); k, v = c.Next() {
		if limit > 0 && len(out) >= limit {
			break
		}
		out = append(out, store.Record{ID: string(k), Value: append([]byte{}, v...)})
	}
	return out, nil
}

// ViewRecords implements store.Store.
func (s *Store) ViewRecords(ctx context.Context, fn func(tx store.RecordTx) error) error {
	return s.view(ctx, func(tx Tx) error { return fn(recordTx{tx: tx}) })
}

// UpdateRecords implements store.Store. An engine that shares
// transactions (bbolt's group commit) runs fn in one of its own, through
// UpdateAlone, so only a retry of a failed commit runs it twice.
func (s *Store) UpdateRecords(ctx context.Context, fn func(tx store.RecordTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	run := func(tx Tx) error {
		return Safely(func(tx Tx) error { return fn(recordTx{tx: tx, writable: true}) }, tx)
	}
	start := time.Now()
	if e, ok := s.eng.(interface {
		UpdateAlone(context.Context, func(Tx) error) error
	}); ok {
		return s.observed(start, e.UpdateAlone(ctx, run))
	}
	return s.observed(start, s.eng.Update(ctx, run))
}
