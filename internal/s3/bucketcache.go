package s3

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sekisho/sekisho/internal/store"
)

// BucketCacheTTL bounds how long a cached bucket record is used. Every
// write to a bucket record through this Service drops the cache at once;
// the TTL bounds how long a write made by another process on the same
// store (another node) can go unseen.
const BucketCacheTTL = time.Second

// bucketCache holds decoded bucket records: every S3 request reads its
// bucket (for authorization, then for the operation), buckets change
// rarely, and decoding the record is a good part of a small GET's cost.
//
// A reader notes gen before it reads the store and keeps what it read
// only if gen is unchanged, so a read that raced a write never caches the
// record the write replaced.
type bucketCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]cachedBucket
}

type cachedBucket struct {
	b       store.Bucket
	expires time.Time
}

// getBucket reads a bucket through the cache. The result shares its Config
// map with the cache: callers must only read it.
func (s *Service) getBucket(ctx context.Context, name string) (store.Bucket, error) {
	if s.NoBucketCache {
		return s.Meta.GetBucket(ctx, name)
	}
	c := &s.buckets
	now := s.now()
	c.mu.Lock()
	e, ok := c.m[name]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.b, nil
	}
	b, err := s.Meta.GetBucket(ctx, name)
	if err != nil {
		return b, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.m == nil || len(c.m) >= 10000 {
			c.m = map[string]cachedBucket{}
		}
		c.m[name] = cachedBucket{b, now.Add(BucketCacheTTL)}
	}
	c.mu.Unlock()
	return b, nil
}

// bucketChanged drops the cache after a write to a bucket record (whether
// or not it succeeded: a failed commit may still have landed).
func (s *Service) bucketChanged() {
	c := &s.buckets
	c.mu.Lock()
	c.gen++
	clear(c.m)
	c.mu.Unlock()
	f := &s.flagCache
	f.mu.Lock()
	clear(f.m)
	f.mu.Unlock()
}

// flagCache remembers, per bucket and for a few seconds, what the front
// asks after every request: whether the bucket logs requests, notifies
// events or replicates (a request must not cost a store read for them).
type flagCache struct {
	mu sync.Mutex
	m  map[string]cachedFlags
}

// bucketFlags say whether a bucket logs requests, notifies events and
// replicates new versions.
type bucketFlags struct{ logs, notifies, replicates bool }

type cachedFlags struct {
	bucketFlags
	expires time.Time
}

// flagCacheTTL is how long the flags are remembered (S3 itself says a
// logging change may take an hour to apply).
const flagCacheTTL = 10 * time.Second

// LogsAccess reports whether bucket keeps access logs, from a
// short-lived cache: a request's log check must not cost a store read.
func (s *Service) LogsAccess(ctx context.Context, bucket string) bool {
	return s.flags(ctx, bucket).logs
}

// flags returns what the front asks of every request's bucket after
// answering it.
func (s *Service) flags(ctx context.Context, bucket string) bucketFlags {
	a := &s.flagCache
	now := s.now()
	a.mu.Lock()
	e, ok := a.m[bucket]
	a.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.bucketFlags
	}
	b, err := s.getBucket(ctx, bucket)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return bucketFlags{} // not remembered: ask again next time
	}
	f := bucketFlags{logs: err == nil && b.Config[ConfigLogging] != "", notifies: err == nil && b.Config[ConfigNotification] != "",
		replicates: err == nil && b.Config[ConfigReplication] != ""}
	a.mu.Lock()
	if a.m == nil || len(a.m) >= 10000 {
		a.m = map[string]cachedFlags{}
	}
	a.m[bucket] = cachedFlags{f, now.Add(flagCacheTTL)}
	a.mu.Unlock()
	return f
}
