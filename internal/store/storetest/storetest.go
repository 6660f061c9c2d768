// Package storetest is the conformance suite of store.Store. Every backend
// calls Run from its own tests with a factory that returns a fresh, empty
// store; a backend is correct when the suite passes unchanged.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sekisho/sekisho/internal/store"
)

// Run runs the whole suite. newStore returns a fresh empty store; Run
// closes it.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Buckets", testBuckets},
		{"Objects", testObjects},
		{"PutCheck", testPutCheck},
		{"ListOrder", testListOrder},
		{"ListModel", testListModel},
		{"BlobIDs", testBlobIDs},
		{"ConcurrentPuts", testConcurrentPuts},
		{"ConcurrentChecks", testConcurrentChecks},
		{"LostUpdates", testLostUpdates},
		{"ConcurrentCreates", testConcurrentCreates},
		{"ConcurrentMultipart", testConcurrentMultipart},
		{"UpdateBucket", testUpdateBucket},
		{"UpdateObject", testUpdateObject},
		{"Uploads", testUploads},
		{"UploadList", testUploadList},
		{"CompleteUpload", testCompleteUpload},
		{"Inline", testInline},
		{"VersionsModel", testVersionsModel},
		{"Records", testRecords},
		{"Panics", testPanics},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			defer s.Close()
			tc.fn(t, s)
		})
	}
}

var ctx = context.Background()

func mustBucket(t *testing.T, s store.Store, name string) {
	t.Helper()
	if err := s.CreateBucket(ctx, store.Bucket{Name: name, Region: "us-east-1", Owner: "000000000000", Created: time.Now().UTC().Truncate(time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
}

func obj(bucket, key string) store.Object {
	return store.Object{
		Bucket: bucket, Key: key, BlobID: "blob-" + key, Size: int64(len(key)),
		ETag: `"0123"`, Modified: time.Now().UTC().Truncate(time.Millisecond),
		Headers:   map[string]string{"Content-Type": "text/plain"},
		Metadata:  map[string]string{"a": "b"},
		Checksums: map[string]string{"CRC32": "AAAAAA=="},
	}
}

func testBuckets(t *testing.T, s store.Store) {
	if _, err := s.GetBucket(ctx, "b1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetBucket missing: %v", err)
	}
	want := store.Bucket{Name: "b1", Region: "ap-northeast-1", Owner: "123456789012", Created: time.Now().UTC().Truncate(time.Millisecond)}
	if err := s.CreateBucket(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(ctx, want); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("duplicate CreateBucket: %v", err)
	}
	got, err := s.GetBucket(ctx, "b1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetBucket = %+v, %v; want %+v", got, err, want)
	}
	mustBucket(t, s, "a0")
	list, err := s.ListBuckets(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "a0" || list[1].Name != "b1" {
		t.Fatalf("ListBuckets = %+v, %v", list, err)
	}
	if _, err := s.PutObject(ctx, obj("b1", "k"), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBucket(ctx, "b1"); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("DeleteBucket non-empty: %v", err)
	}
	if _, err := s.DeleteObject(ctx, "b1", "k"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBucket(ctx, "b1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBucket(ctx, "b1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteBucket twice: %v", err)
	}
	// A re-created bucket starts empty.
	mustBucket(t, s, "b1")
	if l, _ := s.ListObjects(ctx, "b1", store.ListOptions{}); len(l) != 0 {
		t.Fatalf("re-created bucket has %d objects", len(l))
	}
}

func testObjects(t *testing.T, s store.Store) {
	if _, err := s.PutObject(ctx, obj("nob", "k"), nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("PutObject without bucket: %v", err)
	}
	mustBucket(t, s, "b")
	if _, err := s.GetObject(ctx, "b", "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetObject missing: %v", err)
	}
	o := obj("b", "dir/ key:日本")
	prev, err := s.PutObject(ctx, o, nil)
	if err != nil || prev != nil {
		t.Fatalf("first PutObject = %v, %v", prev, err)
	}
	got, err := s.GetObject(ctx, "b", o.Key)
	if err != nil || !reflect.DeepEqual(got, o) {
		t.Fatalf("GetObject = %+v, %v; want %+v", got, err, o)
	}
	o2 := o
	o2.BlobID, o2.Size = "blob-2", 99
	prev, err = s.PutObject(ctx, o2, nil)
	if err != nil || prev == nil || prev.BlobID != o.BlobID {
		t.Fatalf("overwrite PutObject = %+v, %v", prev, err)
	}
	del, err := s.DeleteObject(ctx, "b", o.Key)
	if err != nil || del.BlobID != "blob-2" {
		t.Fatalf("DeleteObject = %+v, %v", del, err)
	}
	if _, err := s.DeleteObject(ctx, "b", o.Key); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteObject twice: %v", err)
	}
	if _, err := s.GetObject(ctx, "nob", "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetObject without bucket: %v", err)
	}
}

func testPutCheck(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	errPre := errors.New("precondition")
	// The check sees nil for a new key, and its error aborts the put.
	_, err := s.PutObject(ctx, obj("b", "k"), func(old *store.Object) error {
		if old != nil {
			t.Errorf("old = %+v, want nil", old)
		}
		return errPre
	})
	if err != errPre {
		t.Fatalf("PutObject = %v, want the check's error", err)
	}
	if _, err := s.GetObject(ctx, "b", "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("aborted put left an object: %v", err)
	}
	s.PutObject(ctx, obj("b", "k"), nil)
	_, err = s.PutObject(ctx, obj("b", "k"), func(old *store.Object) error {
		if old == nil || old.BlobID != "blob-k" {
			t.Errorf("old = %+v", old)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testListOrder(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	keys := []string{"a", "a/b", "a/c", "a0", "b", "é", "日本", "\x7f", "A", "a b", "a%2F", "~"}
	for _, k := range keys {
		if _, err := s.PutObject(ctx, obj("b", k), nil); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(keys) // Go compares strings bytewise: UTF-8 byte order.
	list, err := s.ListObjects(ctx, "b", store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range list {
		got = append(got, o.Key)
	}
	if !reflect.DeepEqual(got, keys) {
		t.Fatalf("order = %q, want %q", got, keys)
	}
	if _, err := s.ListObjects(ctx, "nob", store.ListOptions{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ListObjects without bucket: %v", err)
	}
}

// testListModel compares random listings against an in-memory model.
func testListModel(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	rng := rand.New(rand.NewSource(2))
	alphabet := []string{"a", "b", "/", "é", "0"}
	model := map[string]bool{}
	for i := 0; i < 200; i++ {
		k := ""
		for j := rng.Intn(5); j >= 0; j-- {
			k += alphabet[rng.Intn(len(alphabet))]
		}
		if rng.Intn(4) == 0 && model[k] {
			s.DeleteObject(ctx, "b", k)
			delete(model, k)
			continue
		}
		s.PutObject(ctx, obj("b", k), nil)
		model[k] = true
	}
	var all []string
	for k := range model {
		all = append(all, k)
	}
	sort.Strings(all)
	for i := 0; i < 300; i++ {
		opt := store.ListOptions{Limit: rng.Intn(10)}
		if rng.Intn(2) == 0 {
			opt.Prefix = alphabet[rng.Intn(len(alphabet))]
		}
		if rng.Intn(2) == 0 {
			opt.After = all[rng.Intn(len(all))]
		}
		var want []string
		for _, k := range all {
			if len(k) >= len(opt.Prefix) && k[:len(opt.Prefix)] == opt.Prefix && k > opt.After {
				if opt.Limit == 0 || len(want) < opt.Limit {
					want = append(want, k)
				}
			}
		}
		list, err := s.ListObjects(ctx, "b", opt)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range list {
			got = append(got, o.Key)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("ListObjects(%+v) = %q, want %q", opt, got, want)
		}
	}
}

func testBlobIDs(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	mustBucket(t, s, "c")
	s.PutObject(ctx, obj("b", "1"), nil)
	s.PutObject(ctx, obj("c", "2"), nil)
	var ids []string
	if err := s.BlobIDs(ctx, func(id string) error { ids = append(ids, id); return nil }); err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	if fmt.Sprint(ids) != "[blob-1 blob-2]" {
		t.Fatalf("BlobIDs = %v", ids)
	}
}

// testConcurrentPuts: concurrent puts to one key leave exactly one of them,
// and every put but the first sees a previous object.
func testConcurrentPuts(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts := 0
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := obj("b", "k")
			o.BlobID = fmt.Sprint("blob-", i)
			prev, err := s.PutObject(ctx, o, nil)
			if err != nil {
				t.Error(err)
			}
			if prev == nil {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firsts != 1 {
		t.Fatalf("%d puts saw no previous object, want 1", firsts)
	}
	if _, err := s.GetObject(ctx, "b", "k"); err != nil {
		t.Fatal(err)
	}
}

// testPanics: a transaction function that panics fails its own call with
// ErrPanicked, changes nothing, and leaves the store and concurrent
// writers working.
func testPanics(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.UpdateBucket(ctx, "b", func(b *store.Bucket) error {
				if i%4 == 0 {
					var m map[string]string
					m["boom"] = "x" // a bug in one caller
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if i%4 == 0 && !errors.Is(err, store.ErrPanicked) || i%4 != 0 && err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	err := s.UpdateRecords(ctx, func(tx store.RecordTx) error {
		if err := tx.Put("k", "half", []byte("x")); err != nil {
			return err
		}
		panic("bug")
	})
	if !errors.Is(err, store.ErrPanicked) {
		t.Errorf("UpdateRecords that panics: %v", err)
	}
	s.ViewRecords(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get("k", "half"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a panicked transaction left its write: %v", err)
		}
		return nil
	})
	if err := s.CreateBucket(ctx, store.Bucket{Name: "after"}); err != nil {
		t.Errorf("the store after panics: %v", err)
	}
}

func testClosed(t *testing.T, s store.Store) {
	s.Close()
	if _, err := s.GetBucket(ctx, "x"); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("GetBucket after Close: %v", err)
	}
	if err := s.CreateBucket(ctx, store.Bucket{Name: "x"}); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("CreateBucket after Close: %v", err)
	}
}
