package s3

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/sekisho/sekisho/internal/store"
)

// TestBucketCacheCoherent: a write through the service is seen by the
// next read, and readers racing writers never leave a replaced record in
// the cache.
func TestBucketCacheCoherent(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	if err := s.CreateBucket(ctx, "cache-bucket", "", "000000000000"); err != nil {
		t.Fatal(err)
	}
	set := func(v string) {
		if err := s.setConfig(ctx, "cache-bucket", store.ConfigCORS, v, nil); err != nil {
			t.Error(err)
		}
	}
	get := func() string {
		b, err := s.Bucket(ctx, "cache-bucket")
		if err != nil {
			t.Error(err)
		}
		return b.Config[store.ConfigCORS]
	}
	get()
	set("one")
	if v := get(); v != "one" {
		t.Fatalf("after a write, read %q", v)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				get()
			}
		}()
	}
	for i := range 100 {
		set(fmt.Sprint("v", i))
	}
	wg.Wait()
	if v := get(); v != "v99" {
		t.Fatalf("after racing readers, read %q, want the last write", v)
	}
	if err := s.DeleteBucket(ctx, "cache-bucket"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bucket(ctx, "cache-bucket"); err == nil {
		t.Fatal("a deleted bucket is still served from the cache")
	}
}
