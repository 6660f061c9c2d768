package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/sekisho/sekisho/internal/store"
)

// Bench runs the store benchmarks every backend reports in
// docs/benchmarks.md: a small object's put and get (4 KiB, kept inline),
// a record read-modify-write, and a page of 1000 keys from a bucket of
// 10 000 — each from 8 goroutines at once, as a server's requests are.
func Bench(b *testing.B, newStore func(b *testing.B) store.Store) {
	body := make([]byte, 4096)
	b.Run("PutObject4KiB", func(b *testing.B) {
		s := newStore(b)
		defer s.Close()
		mustBucketB(b, s, "b")
		var n atomic.Int64
		b.SetParallelism(4) // 4 × GOMAXPROCS writers
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				o := obj("b", fmt.Sprint("k", n.Add(1)))
				o.BlobID, o.Inline = "", body
				if _, err := s.PutObject(ctx, o, nil); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("GetObject4KiB", func(b *testing.B) {
		s := newStore(b)
		defer s.Close()
		mustBucketB(b, s, "b")
		for i := 0; i < 100; i++ {
			o := obj("b", fmt.Sprint("k", i))
			o.BlobID, o.Inline = "", body
			if _, err := s.PutObject(ctx, o, nil); err != nil {
				b.Fatal(err)
			}
		}
		var n atomic.Int64
		b.SetParallelism(4)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.GetObject(ctx, "b", fmt.Sprint("k", n.Add(1)%100)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("UpdateRecord", func(b *testing.B) {
		s := newStore(b)
		defer s.Close()
		var n atomic.Int64
		b.SetParallelism(4)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				id := fmt.Sprint("u", n.Add(1)%1000)
				err := s.UpdateRecords(ctx, func(tx store.RecordTx) error {
					v, _ := tx.Get("user", id)
					return tx.Put("user", id, append(v[:len(v):len(v)], 'x'))
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("List1000Of10000", func(b *testing.B) {
		s := newStore(b)
		defer s.Close()
		mustBucketB(b, s, "b")
		for i := 0; i < 10000; i++ {
			o := obj("b", fmt.Sprintf("k%06d", i))
			if _, err := s.PutObject(ctx, o, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			page, err := s.ListObjects(ctx, "b", store.ListOptions{After: fmt.Sprintf("k%06d", i*997%9000), Limit: 1000})
			if err != nil || len(page) != 1000 {
				b.Fatal(len(page), err)
			}
		}
	})
}

func mustBucketB(b *testing.B, s store.Store, name string) {
	if err := s.CreateBucket(ctx, store.Bucket{Name: name}); err != nil {
		b.Fatal(err)
	}
}
