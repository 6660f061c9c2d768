// Package postgres is the metadata store on PostgreSQL, for several
// stateless sekisho nodes sharing one database: the store logic of package
// kv over an engine whose buckets are rows of two tables.
//
//	sekisho_schema (version, applied)    migrations applied, newest highest
//	kv_bucket (path)                     nested buckets that exist
//	kv (path, k, v)                      keys and values, by bucket path
//
// A bucket's path is its top-level name, or that name, a NUL and the
// nested bucket's name; keys are bytea, which PostgreSQL orders byte by
// byte — S3's listing order — so a cursor is an index range scan on the
// primary key and a listing's cost does not grow with the bucket.
//
// Read-write transactions are SERIALIZABLE and retried on serialization
// failures and deadlocks (kv's callbacks may run more than once); reads are
// REPEATABLE READ, READ ONLY snapshots. Only plain SQL is used — no
// advisory locks, no LISTEN-only designs, no PL/pgSQL — so that CockroachDB
// and YugabyteDB, which take the same statements, are candidates too.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/store/kv"
)

// Store is a store.Store on PostgreSQL.
type Store struct {
	*kv.Store
	eng *engine
}

var _ store.Store = (*Store)(nil)

// Options tune the connection pool and transactions.
type Options struct {
	// MaxConns bounds the pool (0: pgxpool's default, 4 per CPU or the
	// URL's pool_max_conns).
	MaxConns int32
	// TxTimeout bounds one transaction, retries included (0: 30 s), so a
	// lost database fails a request instead of hanging it.
	TxTimeout time.Duration
	// ConnectTimeout bounds opening the pool and migrating (0: 30 s);
	// Open retries until it passes.
	ConnectTimeout time.Duration
}

// Open connects to the database at url (postgres://…), applies the
// migrations it lacks, and returns the store. It retries a database that
// is not up yet until ConnectTimeout.
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store URL: %w", err)
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = opt.MaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > 10*time.Second {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	if opt.TxTimeout == 0 {
		opt.TxTimeout = 30 * time.Second
	}
	if opt.ConnectTimeout == 0 {
		opt.ConnectTimeout = 30 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	deadline := time.Now().Add(opt.ConnectTimeout)
	for {
		err = Migrate(ctx, pool)
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			pool.Close()
			return nil, fmt.Errorf("store: %s: %w", cfg.ConnConfig.Host, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	e := &engine{pool: pool, txTimeout: opt.TxTimeout}
	return &Store{Store: kv.New(e), eng: e}, nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.eng.pool.Ping(ctx); err != nil {
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return nil
}

// Wipe removes every record, bucket and object (dev mode's reset).
func (s *Store) Wipe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := s.eng.pool.Exec(ctx, `TRUNCATE kv, kv_bucket`)
	return err
}

// Stats returns the pool's figures: connections in use, idle and total.
func (s *Store) Stats() (inUse, idle, total int32) {
	st := s.eng.pool.Stat()
	return st.AcquiredConns(), st.IdleConns(), st.TotalConns()
}

// migrations are applied in order, each in one transaction with its
// version row; a node that finds a newer schema than it knows refuses to
// start rather than write to it.
var migrations = []string{
	1: `CREATE TABLE kv_bucket (path bytea PRIMARY KEY);
CREATE TABLE kv (path bytea NOT NULL, k bytea NOT NULL, v bytea NOT NULL, PRIMARY KEY (path, k))`,
}

// SchemaVersion is the schema this build writes.
var SchemaVersion = len(migrations) - 1

// Migrate applies the migrations the database lacks. Several nodes may
// run it at once: each migration commits with its version row, and a
// node that loses the race (a unique violation, a serialization failure)
// starts again and finds the work done.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	for attempt := 0; ; attempt++ {
		err := migrateOnce(ctx, pool)
		if err == nil || !retryable(err) || attempt == 20 {
			return err
		}
		backoff(attempt)
	}
}

func migrateOnce(ctx context.Context, pool *pgxpool.Pool) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS sekisho_schema (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return err
	}
	for {
		done, err := migrateStep(ctx, pool)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the next migration; done when there is none.
func migrateStep(ctx context.Context, pool *pgxpool.Pool) (done bool, err error) {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return false, err
	}
	defer tx.Rollback(ctx)
	var have int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM sekisho_schema`).Scan(&have); err != nil {
		return false, err
	}
	if have > SchemaVersion {
		return false, fmt.Errorf("the database's schema is version %d, newer than this build's %d: upgrade sekisho", have, SchemaVersion)
	}
	if have == SchemaVersion {
		return true, nil
	}
	next := have + 1
	if _, err := tx.Exec(ctx, `INSERT INTO sekisho_schema (version) VALUES ($1)`, next); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, migrations[next]); err != nil {
		return false, fmt.Errorf("migration %d: %w", next, err)
	}
	return false, tx.Commit(ctx)
}

// retryable reports a failure that running the transaction again may
// cure: a serialization failure, a deadlock, a unique violation between
// racing creators, a concurrent DDL.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01", "23505", "42P07":
			return true
		}
	}
	return false
}

func backoff(attempt int) {
	d := time.Millisecond << min(attempt, 7)
	time.Sleep(d/2 + rand.N(d))
}

// engine is the kv.Engine on a connection pool.
type engine struct {
	pool      *pgxpool.Pool
	txTimeout time.Duration
	closed    atomic.Bool
	// existing remembers nested buckets seen to exist, for read-only
	// transactions: path → time.Time seen. Buckets are created once and
	// deleted rarely, and a read of a bucket another node has just
	// deleted finds no rows anyway; writes always ask the database, so
	// their serializable check covers the bucket.
	existing sync.Map
}

// existingTTL bounds how long a read trusts a bucket it saw exist.
const existingTTL = time.Second

// Update implements kv.Engine: a SERIALIZABLE transaction, retried.
func (e *engine) Update(ctx context.Context, fn func(kv.Tx) error) error {
	return e.run(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, fn)
}

// View implements kv.Engine.
func (e *engine) View(ctx context.Context, fn func(kv.Tx) error) error {
	return e.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// Close implements kv.Engine.
func (e *engine) Close() error {
	e.closed.Store(true)
	e.pool.Close()
	return nil
}

func (e *engine) run(ctx context.Context, opts pgx.TxOptions, fn func(kv.Tx) error) error {
	if e.closed.Load() {
		return store.ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, e.txTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		err := e.once(ctx, opts, fn)
		if err == nil {
			return nil
		}
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") && ctx.Err() == nil {
			backoff(attempt)
			continue
		}
		return err
	}
}

// dbError marks a failure of the database itself (not of fn).
type dbError struct{ err error }

func (d *dbError) Error() string { return d.err.Error() }
func (d *dbError) Unwrap() error { return d.err }

func (e *engine) once(ctx context.Context, opts pgx.TxOptions, fn func(kv.Tx) error) error {
	tx, err := e.pool.BeginTx(ctx, opts)
	if err != nil {
		return unavailable(err)
	}
	t := &pgTx{ctx: ctx, tx: tx, buckets: map[string]bool{}, eng: e, readOnly: opts.AccessMode == pgx.ReadOnly}
	ferr := fn(t)
	if t.err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return unavailable(t.err)
	}
	if ferr != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return ferr
	}
	if err := tx.Commit(ctx); err != nil {
		return unavailable(err)
	}
	return nil
}

// unavailable wraps what is not an answer of the database (a lost
// connection, a timeout) in store.ErrUnavailable; the database's own errors
// (a serialization failure) stay as they are.
func unavailable(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code != "57P01" && pe.Code != "57P02" && pe.Code != "57P03" && pe.Code[:2] != "08" {
		return err
	}
	return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
}

// pgTx is one transaction. Its first failure sticks: later calls do
// nothing, and the engine fails the transaction with it.
type pgTx struct {
	ctx      context.Context
	tx       pgx.Tx
	err      error
	buckets  map[string]bool // nested bucket paths known to exist or not
	eng      *engine
	readOnly bool
}

func (t *pgTx) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

// Bucket implements kv.Tx: top-level buckets always exist.
func (t *pgTx) Bucket(name []byte) kv.Bucket { return &pgBucket{t: t, path: name} }

// CreateBucketIfNotExists implements kv.Tx.
func (t *pgTx) CreateBucketIfNotExists(name []byte) (kv.Bucket, error) {
	return t.Bucket(name), nil
}

type pgBucket struct {
	t    *pgTx
	path []byte
}

func (b *pgBucket) Get(key []byte) []byte {
	if b.t.err != nil {
		return nil
	}
	var v []byte
	err := b.t.tx.QueryRow(b.t.ctx, `SELECT v FROM kv WHERE path = $1 AND k = $2`, b.path, key).Scan(&v)
	if err == pgx.ErrNoRows {
		return nil
	}
	if err != nil {
		b.t.fail(err)
		return nil
	}
	if v == nil {
		v = []byte{}
	}
	return v
}

func (b *pgBucket) Put(key, value []byte) error {
	if b.t.err != nil {
		return b.t.err
	}
	if value == nil {
		value = []byte{}
	}
	_, err := b.t.tx.Exec(b.t.ctx, `INSERT INTO kv (path, k, v) VALUES ($1, $2, $3) ON CONFLICT (path, k) DO UPDATE SET v = excluded.v`, b.path, key, value)
	if err != nil {
		b.t.fail(err)
	}
	return err
}

func (b *pgBucket) Delete(key []byte) error {
	if b.t.err != nil {
		return b.t.err
	}
	_, err := b.t.tx.Exec(b.t.ctx, `DELETE FROM kv WHERE path = $1 AND k = $2`, b.path, key)
	if err != nil {
		b.t.fail(err)
	}
	return err
}

func (b *pgBucket) Cursor() kv.Cursor { return &cursor{b: b} }

func (b *pgBucket) ForEach(fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return b.t.err
}

func (b *pgBucket) child(name []byte) []byte {
	p := append(append(append([]byte(nil), b.path...), 0), name...)
	return p
}

func (b *pgBucket) ForEachBucket(fn func(name []byte) error) error {
	if b.t.err != nil {
		return b.t.err
	}
	lo := append(append([]byte(nil), b.path...), 0)
	hi := append(append([]byte(nil), b.path...), 1)
	rows, err := b.t.tx.Query(b.t.ctx, `SELECT path FROM kv_bucket WHERE path > $1 AND path < $2 ORDER BY path`, lo, hi)
	if err != nil {
		b.t.fail(err)
		return err
	}
	var names [][]byte
	for rows.Next() {
		var p []byte
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			b.t.fail(err)
			return err
		}
		names = append(names, p[len(lo):])
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		b.t.fail(err)
		return err
	}
	for _, n := range names {
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}

func (b *pgBucket) Bucket(name []byte) kv.Bucket {
	if b.t.err != nil {
		return nil
	}
	p := b.child(name)
	exists, known := b.t.buckets[string(p)]
	if !known && b.t.readOnly {
		if seen, ok := b.t.eng.existing.Load(string(p)); ok && time.Since(seen.(time.Time)) < existingTTL {
			exists, known = true, true
		}
	}
	if !known {
		err := b.t.tx.QueryRow(b.t.ctx, `SELECT true FROM kv_bucket WHERE path = $1`, p).Scan(&exists)
		if err != nil && err != pgx.ErrNoRows {
			b.t.fail(err)
			return nil
		}
		b.t.buckets[string(p)] = exists
		if exists {
			b.t.eng.existing.Store(string(p), time.Now())
		}
	}
	if !exists {
		return nil
	}
	return &pgBucket{t: b.t, path: p}
}

// errBucketExists is bbolt's answer to creating a bucket twice.
var errBucketExists = errors.New("bucket already exists")

func (b *pgBucket) CreateBucket(name []byte) (kv.Bucket, error) {
	if b.Bucket(name) != nil {
		return nil, errBucketExists
	}
	return b.CreateBucketIfNotExists(name)
}

func (b *pgBucket) CreateBucketIfNotExists(name []byte) (kv.Bucket, error) {
	if b.t.err != nil {
		return nil, b.t.err
	}
	p := b.child(name)
	if !b.t.buckets[string(p)] {
		if _, err := b.t.tx.Exec(b.t.ctx, `INSERT INTO kv_bucket (path) VALUES ($1) ON CONFLICT (path) DO NOTHING`, p); err != nil {
			b.t.fail(err)
			return nil, err
		}
		b.t.buckets[string(p)] = true
	}
	return &pgBucket{t: b.t, path: p}, nil
}

func (b *pgBucket) DeleteBucket(name []byte) error {
	if b.t.err != nil {
		return b.t.err
	}
	p := b.child(name)
	if _, err := b.t.tx.Exec(b.t.ctx, `DELETE FROM kv WHERE path = $1`, p); err != nil {
		b.t.fail(err)
		return err
	}
	if _, err := b.t.tx.Exec(b.t.ctx, `DELETE FROM kv_bucket WHERE path = $1`, p); err != nil {
		b.t.fail(err)
		return err
	}
	b.t.buckets[string(p)] = false
	b.t.eng.existing.Delete(string(p))
	return nil
}

// cursor reads a bucket's keys in pages that grow from 16 to 1024 rows:
// a lookup reads one small page, a listing few round trips.
type cursor struct {
	b    *pgBucket
	page []row
	i    int
	size int
	more bool // the last page was full: there may be more
}

type row struct{ k, v []byte }

func (c *cursor) First() ([]byte, []byte) { return c.Seek(nil) }

func (c *cursor) Seek(key []byte) ([]byte, []byte) {
	c.size = 16
	if key == nil {
		key = []byte{}
	}
	c.fetch(`SELECT k, v FROM kv WHERE path = $1 AND k >= $2 ORDER BY k LIMIT $3`, key)
	return c.at()
}

func (c *cursor) Next() ([]byte, []byte) {
	c.i++
	if c.i >= len(c.page) && c.more {
		last := c.page[len(c.page)-1].k
		c.size = min(c.size*4, 1024)
		c.fetch(`SELECT k, v FROM kv WHERE path = $1 AND k > $2 ORDER BY k LIMIT $3`, last)
	}
	return c.at()
}

func (c *cursor) at() ([]byte, []byte) {
	if c.i < len(c.page) {
		r := c.page[c.i]
		return r.k, r.v
	}
	return nil, nil
}

func (c *cursor) fetch(q string, from []byte) {
	c.page, c.i, c.more = c.page[:0:0], 0, false
	t := c.b.t
	if t.err != nil {
		return
	}
	rows, err := t.tx.Query(t.ctx, q, c.b.path, from, c.size)
	if err != nil {
		t.fail(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.k, &r.v); err != nil {
			t.fail(err)
			c.page = nil
			return
		}
		if r.v == nil {
			r.v = []byte{}
		}
		c.page = append(c.page, r)
	}
	if err := rows.Err(); err != nil {
		t.fail(err)
		c.page = nil
		return
	}
	c.more = len(c.page) == c.size
}
