package store

import "context"

// WithRecordPrefix returns s with its records seen through a namespace:
// every record kind is prefix+kind underneath, so services built over it
// (one account's IAM, say) keep records apart from the same services over
// s itself or another prefix. Buckets, objects and uploads are shared.
func WithRecordPrefix(s Store, prefix string) Store {
	return prefixed{s, prefix}
}

type prefixed struct {
	Store
	prefix string
}

func (p prefixed) ViewRecords(ctx context.Context, fn func(tx RecordTx) error) error {
	return p.Store.ViewRecords(ctx, func(tx RecordTx) error { return fn(prefixTx{tx, p.prefix}) })
}

func (p prefixed) UpdateRecords(ctx context.Context, fn func(tx RecordTx) error) error {
	return p.Store.UpdateRecords(ctx, func(tx RecordTx) error { return fn(prefixTx{tx, p.prefix}) })
}

type prefixTx struct {
	tx     RecordTx
	prefix string
}

func (t prefixTx) Get(kind, id string) ([]byte, error) { return t.tx.Get(t.prefix+kind, id) }

func (t prefixTx) Put(kind, id string, value []byte) error {
	return t.tx.Put(t.prefix+kind, id, value)
}

func (t prefixTx) Delete(kind, id string) error { return t.tx.Delete(t.prefix+kind, id) }

func (t prefixTx) List(kind, prefix, after string, limit int) ([]Record, error) {
	return t.tx.List(t.prefix+kind, prefix, after, limit)
}
