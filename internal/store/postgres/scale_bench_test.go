package postgres

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sekisho/sekisho/internal/store"
)

// BenchmarkListAtScale reads a page of 1,000 keys from the middle of a
// bucket of 10k and of 1M keys: the cost should not grow with the bucket
// (an index range scan on (path, k)). The bucket is loaded with COPY in
// the store's own layout (objects/<bucket> key → the JSON record), which
// is what PutObject writes for an object kept in a blob.
func BenchmarkListAtScale(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := open(b)
			defer s.Close()
			ctx := b.Context()
			if err := s.CreateBucket(ctx, store.Bucket{Name: "b", Owner: "000000000000"}); err != nil {
				b.Fatal(err)
			}
			path := []byte("objects\x00b")
			now := time.Now().UTC()
			rows := make([][]any, 0, n)
			for i := range n {
				o := store.Object{Bucket: "b", Key: fmt.Sprintf("users/%04d/photos/%08d.jpg", i%1000, i), BlobID: fmt.Sprint("blob", i), Size: 1000,
					ETag: `"9e107d9d372bb6826bd81d3542a419d6"`, Modified: now, Headers: map[string]string{"Content-Type": "image/jpeg"}}
				v, _ := json.Marshal(o)
				rows = append(rows, []any{path, []byte(o.Key), v})
			}
			if _, err := s.eng.pool.CopyFrom(ctx, pgx.Identifier{"kv"}, []string{"path", "k", "v"}, pgx.CopyFromRows(rows)); err != nil {
				b.Fatal(err)
			}
			s.eng.pool.Exec(ctx, "ANALYZE kv")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				out, err := s.ListObjects(ctx, "b", store.ListOptions{After: fmt.Sprintf("users/%04d", 500+i%400), Limit: 1000})
				if err != nil || len(out) != 1000 {
					b.Fatal(len(out), err)
				}
			}
		})
	}
}
