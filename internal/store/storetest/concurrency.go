package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/sekisho/sekisho/internal/store"
)

// Concurrency cases: several writers on the same records at once. A
// backend may serialize them (bbolt's one writer) or run them together
// and retry the losers of a serialization failure (PostgreSQL); either
// way no update is lost and no check is bypassed.

const writers, rounds = 8, 25

// testLostUpdates: read-modify-write increments of one record, one
// object's metadata and one bucket's config from several writers at once
// all land.
func testLostUpdates(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	if _, err := s.PutObject(ctx, obj("b", "k"), nil); err != nil {
		t.Fatal(err)
	}
	incr := func(v string) string {
		n, _ := strconv.Atoi(v)
		return strconv.Itoa(n + 1)
	}
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				err := s.UpdateRecords(ctx, func(tx store.RecordTx) error {
					v, err := tx.Get("counter", "c")
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						return err
					}
					return tx.Put("counter", "c", []byte(incr(string(v))))
				})
				if err != nil {
					t.Error(err)
					return
				}
				if err := s.UpdateObject(ctx, "b", "k", func(o *store.Object) error {
					o.Metadata["n"] = incr(o.Metadata["n"])
					return nil
				}); err != nil {
					t.Error(err)
					return
				}
				if err := s.UpdateBucket(ctx, "b", func(b *store.Bucket) error {
					if b.Config == nil {
						b.Config = map[string]string{}
					}
					b.Config["n"] = incr(b.Config["n"])
					return nil
				}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	want := strconv.Itoa(writers * rounds)
	var got []byte
	s.ViewRecords(ctx, func(tx store.RecordTx) error {
		got, _ = tx.Get("counter", "c")
		return nil
	})
	o, _ := s.GetObject(ctx, "b", "k")
	b, _ := s.GetBucket(ctx, "b")
	if string(got) != want || o.Metadata["n"] != want || b.Config["n"] != want {
		t.Fatalf("record %s, object %s, bucket %s; want %s each", got, o.Metadata["n"], b.Config["n"], want)
	}
}

// testConcurrentCreates: of several writers creating the same bucket, the
// same record behind an existence check, or the same upload id, exactly
// one succeeds.
func testConcurrentCreates(t *testing.T, s store.Store) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := map[string]int{}
	win := func(what string) {
		mu.Lock()
		won[what]++
		mu.Unlock()
	}
	mustBucket(t, s, "up")
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch err := s.CreateBucket(ctx, store.Bucket{Name: "same", Owner: fmt.Sprint(w)}); {
			case err == nil:
				win("bucket")
			case !errors.Is(err, store.ErrAlreadyExists):
				t.Error(err)
			}
			err := s.UpdateRecords(ctx, func(tx store.RecordTx) error {
				if _, err := tx.Get("user", "alice"); err == nil {
					return store.ErrAlreadyExists
				}
				// Names are unique too: a second index record.
				if _, err := tx.Get("user.name", "Alice"); err == nil {
					return store.ErrAlreadyExists
				}
				if err := tx.Put("user", "alice", []byte(fmt.Sprint(w))); err != nil {
					return err
				}
				return tx.Put("user.name", "Alice", []byte(fmt.Sprint(w)))
			})
			switch {
			case err == nil:
				win("record")
			case !errors.Is(err, store.ErrAlreadyExists):
				t.Error(err)
			}
			switch err := s.CreateUpload(ctx, store.Upload{Bucket: "up", Key: "k", ID: "same-id"}); {
			case err == nil:
				win("upload")
			case !errors.Is(err, store.ErrAlreadyExists):
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won["bucket"] != 1 || won["record"] != 1 || won["upload"] != 1 {
		t.Fatalf("winners: %v, want one of each", won)
	}
	var a, b []byte
	s.ViewRecords(ctx, func(tx store.RecordTx) error {
		a, _ = tx.Get("user", "alice")
		b, _ = tx.Get("user.name", "Alice")
		return nil
	})
	if string(a) != string(b) {
		t.Fatalf("the two records of one create disagree: %s %s", a, b)
	}
}

// testConcurrentMultipart: parts uploaded at once to one upload, then a
// completion racing an abort: every part is kept, and exactly one of the
// two wins.
func testConcurrentMultipart(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	if err := s.CreateUpload(ctx, store.Upload{Bucket: "b", Key: "k", ID: "u1"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for n := 1; n <= 2*writers; n++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.PutPart(ctx, "b", "k", "u1", store.Part{Number: n, BlobID: fmt.Sprint("p", n), Size: 1}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	parts, err := s.ListParts(ctx, "b", "k", "u1", 0, 0)
	if err != nil || len(parts) != 2*writers {
		t.Fatalf("%d parts, %v", len(parts), err)
	}
	var cerr, aerr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, _, _, cerr = s.CompleteUpload(ctx, "b", "k", "u1", func(u store.Upload, ps []store.Part, old *store.Object) (store.Object, error) {
			return store.Object{Parts: ps, Size: int64(len(ps))}, nil
		})
	}()
	go func() {
		defer wg.Done()
		_, aerr = s.AbortUpload(ctx, "b", "k", "u1")
	}()
	wg.Wait()
	if (cerr == nil) == (aerr == nil) {
		t.Fatalf("complete: %v, abort: %v; want exactly one to win", cerr, aerr)
	}
	o, err := s.GetObject(ctx, "b", "k")
	if cerr == nil && (err != nil || len(o.Parts) != 2*writers) || aerr == nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after the race: %+v %v (complete %v, abort %v)", o, err, cerr, aerr)
	}
}
