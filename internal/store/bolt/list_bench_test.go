package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sekisho/sekisho/internal/store"
)

// benchBucket fills a bucket with n keys, one version each (versioned
// ids when versioned), as a listing benchmark's ground.
func benchBucket(b *testing.B, n int, versioned bool) *Store {
	s, err := Open(filepath.Join(b.TempDir(), "meta.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	ctx := context.Background()
	s.CreateBucket(ctx, store.Bucket{Name: "b", Owner: "000000000000"})
	objs := make([]store.Object, 0, n)
	for i := range n {
		o := store.Object{Bucket: "b", Key: fmt.Sprintf("users/%04d/photos/%08d.jpg", i%1000, i), BlobID: fmt.Sprint("blob", i), Size: 1000,
			ETag: `"9e107d9d372bb6826bd81d3542a419d6"`, Modified: time.Now().UTC(), Headers: map[string]string{"Content-Type": "image/jpeg"}}
		if versioned {
			o.VersionID, o.Seq = fmt.Sprintf("%016x%016x", i+1, i), int64(i+1)
		}
		objs = append(objs, o)
	}
	if err := s.ImportObjects(ctx, objs); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkListObjects1000 and BenchmarkListVersions1000 read a page of
// 1,000 from the middle of a 20,000-key bucket: ListVersions merges the
// current and noncurrent trees, and should cost about what ListObjects
// does.
func BenchmarkListObjects1000(b *testing.B) {
	s := benchBucket(b, 20000, false)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := s.ListObjects(ctx, "b", store.ListOptions{After: "users/0500", Limit: 1000})
		if err != nil || len(out) != 1000 {
			b.Fatal(len(out), err)
		}
	}
}

func BenchmarkListVersions1000(b *testing.B) {
	s := benchBucket(b, 20000, true)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := s.ListVersions(ctx, "b", store.VersionListOptions{AfterKey: "users/0500", Limit: 1000})
		if err != nil || len(out) != 1000 {
			b.Fatal(len(out), err)
		}
	}
}
