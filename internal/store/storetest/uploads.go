package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sekisho/sekisho/internal/store"
)

var errCheck = errors.New("check refused")

// testConcurrentChecks: concurrent writers whose checks refuse some of them
// get exactly their own outcome, and the refused ones change nothing.
func testConcurrentChecks(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	var wg sync.WaitGroup
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := obj("b", fmt.Sprint("k", i))
			_, err := s.PutObject(ctx, o, func(*store.Object) error {
				if i%3 == 0 {
					return errCheck
				}
				return nil
			})
			if (i%3 == 0) != errors.Is(err, errCheck) {
				t.Errorf("put %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	list, err := s.ListObjects(ctx, "b", store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 64-22 {
		t.Fatalf("%d objects, want %d", len(list), 64-22)
	}
	for _, o := range list {
		var i int
		fmt.Sscanf(o.Key, "k%d", &i)
		if i%3 == 0 {
			t.Fatalf("refused put %s was stored", o.Key)
		}
	}
}

func testUpdateBucket(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	err := s.UpdateBucket(ctx, "b", func(b *store.Bucket) error {
		b.Config = map[string]string{store.ConfigPolicy: `{"Version":"2012-10-17"}`}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.GetBucket(ctx, "b")
	if b.Config[store.ConfigPolicy] != `{"Version":"2012-10-17"}` {
		t.Fatalf("config = %v", b.Config)
	}
	err = s.UpdateBucket(ctx, "b", func(b *store.Bucket) error {
		delete(b.Config, store.ConfigPolicy)
		return errCheck
	})
	if !errors.Is(err, errCheck) {
		t.Fatalf("refused update: %v", err)
	}
	if b, _ := s.GetBucket(ctx, "b"); b.Config[store.ConfigPolicy] == "" {
		t.Fatal("refused update changed the bucket")
	}
	if err := s.UpdateBucket(ctx, "nob", func(*store.Bucket) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateBucket missing: %v", err)
	}
}

func testUpdateObject(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	s.PutObject(ctx, obj("b", "k"), nil)
	err := s.UpdateObject(ctx, "b", "k", func(o *store.Object) error {
		o.Tags = map[string]string{"owner": "me"}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	o, _ := s.GetObject(ctx, "b", "k")
	if o.Tags["owner"] != "me" || o.BlobID != "blob-k" {
		t.Fatalf("object = %+v", o)
	}
	if err := s.UpdateObject(ctx, "b", "k", func(*store.Object) error { return errCheck }); !errors.Is(err, errCheck) {
		t.Fatalf("refused update: %v", err)
	}
	if err := s.UpdateObject(ctx, "b", "nok", func(*store.Object) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateObject missing: %v", err)
	}
}

func upload(bucket, key, id string) store.Upload {
	return store.Upload{
		Bucket: bucket, Key: key, ID: id, Initiated: time.Now().UTC().Truncate(time.Millisecond), Owner: "000000000000",
		Headers: map[string]string{"Content-Type": "text/plain"}, ChecksumAlgorithm: "CRC32",
	}
}

func part(n int, blob string) store.Part {
	return store.Part{Number: n, BlobID: blob, Size: 5, ETag: `"p"`, Modified: time.Now().UTC().Truncate(time.Millisecond), Checksums: map[string]string{"CRC32": "AAAAAA=="}}
}

func testUploads(t *testing.T, s store.Store) {
	if err := s.CreateUpload(ctx, upload("b", "k", "u1")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("CreateUpload without bucket: %v", err)
	}
	mustBucket(t, s, "b")
	want := upload("b", "k", "u1")
	if err := s.CreateUpload(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUpload(ctx, want); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("duplicate CreateUpload: %v", err)
	}
	got, err := s.GetUpload(ctx, "b", "k", "u1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetUpload = %+v, %v; want %+v", got, err, want)
	}
	if _, err := s.GetUpload(ctx, "b", "other", "u1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetUpload with another key: %v", err)
	}
	if _, err := s.PutPart(ctx, "b", "k", "nou", part(1, "x")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("PutPart without upload: %v", err)
	}
	for _, n := range []int{3, 1, 10000, 2} {
		if prev, err := s.PutPart(ctx, "b", "k", "u1", part(n, fmt.Sprint("p", n))); err != nil || prev != nil {
			t.Fatalf("PutPart %d: %v, %v", n, prev, err)
		}
	}
	prev, err := s.PutPart(ctx, "b", "k", "u1", part(2, "p2b"))
	if err != nil || prev == nil || prev.BlobID != "p2" {
		t.Fatalf("replacing PutPart = %+v, %v", prev, err)
	}
	parts, err := s.ListParts(ctx, "b", "k", "u1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var nums []int
	for _, p := range parts {
		nums = append(nums, p.Number)
	}
	if fmt.Sprint(nums) != "[1 2 3 10000]" || parts[1].BlobID != "p2b" || !reflect.DeepEqual(parts[0], part(1, "p1")) && parts[0].BlobID != "p1" {
		t.Fatalf("ListParts = %+v", parts)
	}
	if page, _ := s.ListParts(ctx, "b", "k", "u1", 1, 2); len(page) != 2 || page[0].Number != 2 || page[1].Number != 3 {
		t.Fatalf("ListParts page = %+v", page)
	}
	if err := s.DeleteBucket(ctx, "b"); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("DeleteBucket with an upload: %v", err)
	}
	var ids []string
	s.BlobIDs(ctx, func(id string) error { ids = append(ids, id); return nil })
	sort.Strings(ids)
	if fmt.Sprint(ids) != "[p1 p10000 p2b p3]" {
		t.Fatalf("BlobIDs = %v", ids)
	}
	dropped, err := s.AbortUpload(ctx, "b", "k", "u1")
	if err != nil || len(dropped) != 4 {
		t.Fatalf("AbortUpload = %d parts, %v", len(dropped), err)
	}
	if _, err := s.AbortUpload(ctx, "b", "k", "u1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second AbortUpload: %v", err)
	}
	if _, err := s.ListParts(ctx, "b", "k", "u1", 0, 0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ListParts after abort: %v", err)
	}
	if err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Fatalf("DeleteBucket after abort: %v", err)
	}
}

func testUploadList(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	type ku struct{ key, id string }
	all := []ku{{"a", "u1"}, {"a", "u2"}, {"a/b", "u3"}, {"b", "u4"}, {"a", "u5"}, {"é", "u6"}}
	for _, x := range all {
		if err := s.CreateUpload(ctx, upload("b", x.key, x.id)); err != nil {
			t.Fatal(err)
		}
	}
	list := func(opt store.UploadListOptions) string {
		us, err := s.ListUploads(ctx, "b", opt)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range us {
			out = append(out, u.Key+":"+u.ID)
		}
		return fmt.Sprint(out)
	}
	cases := []struct {
		opt  store.UploadListOptions
		want string
	}{
		{store.UploadListOptions{}, "[a:u1 a:u2 a:u5 a/b:u3 b:u4 é:u6]"},
		{store.UploadListOptions{Prefix: "a"}, "[a:u1 a:u2 a:u5 a/b:u3]"},
		{store.UploadListOptions{AfterKey: "a"}, "[a/b:u3 b:u4 é:u6]"},
		{store.UploadListOptions{AfterKey: "a", AfterID: "u2"}, "[a:u5 a/b:u3 b:u4 é:u6]"},
		{store.UploadListOptions{Limit: 2}, "[a:u1 a:u2]"},
		{store.UploadListOptions{Prefix: "a/", AfterKey: "a"}, "[a/b:u3]"},
		{store.UploadListOptions{Prefix: "b", AfterKey: "c"}, "[]"},
	}
	for _, c := range cases {
		if got := list(c.opt); got != c.want {
			t.Errorf("ListUploads(%+v) = %s, want %s", c.opt, got, c.want)
		}
	}
	if _, err := s.ListUploads(ctx, "nob", store.UploadListOptions{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ListUploads without bucket: %v", err)
	}
}

func testCompleteUpload(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	s.PutObject(ctx, obj("b", "k"), nil)
	s.CreateUpload(ctx, upload("b", "k", "u1"))
	s.PutPart(ctx, "b", "k", "u1", part(1, "p1"))
	s.PutPart(ctx, "b", "k", "u1", part(2, "p2"))
	s.PutPart(ctx, "b", "k", "u1", part(3, "p3"))
	_, _, _, err := s.CompleteUpload(ctx, "b", "k", "u1", func(store.Upload, []store.Part, *store.Object) (store.Object, error) {
		return store.Object{}, errCheck
	})
	if !errors.Is(err, errCheck) {
		t.Fatalf("refused CompleteUpload: %v", err)
	}
	if _, err := s.GetUpload(ctx, "b", "k", "u1"); err != nil {
		t.Fatalf("refused CompleteUpload removed the upload: %v", err)
	}
	o, prev, parts, err := s.CompleteUpload(ctx, "b", "k", "u1", func(u store.Upload, parts []store.Part, old *store.Object) (store.Object, error) {
		if u.ID != "u1" || len(parts) != 3 || old == nil || old.BlobID != "blob-k" {
			t.Errorf("build got %+v, %d parts, %+v", u, len(parts), old)
		}
		return store.Object{Bucket: "b", Key: "k", Size: 10, ETag: `"x-2"`, Parts: parts[:2], Headers: u.Headers}, nil
	})
	if err != nil || prev == nil || prev.BlobID != "blob-k" || len(parts) != 3 || len(o.Parts) != 2 {
		t.Fatalf("CompleteUpload = %+v, %+v, %d parts, %v", o, prev, len(parts), err)
	}
	got, _ := s.GetObject(ctx, "b", "k")
	if !reflect.DeepEqual(got, o) {
		t.Fatalf("GetObject = %+v, want %+v", got, o)
	}
	if _, err := s.GetUpload(ctx, "b", "k", "u1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("upload after completion: %v", err)
	}
	var ids []string
	s.BlobIDs(ctx, func(id string) error { ids = append(ids, id); return nil })
	sort.Strings(ids)
	if fmt.Sprint(ids) != "[p1 p2]" {
		t.Fatalf("BlobIDs = %v", ids)
	}
	if _, _, _, err := s.CompleteUpload(ctx, "b", "k", "u1", nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second CompleteUpload: %v", err)
	}
}

// testInline: inline bytes travel with their record, not with listings,
// survive metadata updates, and go when replaced or deleted.
func testInline(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	o := obj("b", "small")
	o.BlobID, o.Inline = "", []byte("tiny body")
	if _, err := s.PutObject(ctx, o, nil); err != nil {
		t.Fatal(err)
	}
	empty := obj("b", "empty")
	empty.BlobID, empty.Inline = "", []byte{}
	s.PutObject(ctx, empty, nil)
	if got, _ := s.GetObject(ctx, "b", "small"); string(got.Inline) != "tiny body" {
		t.Fatalf("inline = %q", got.Inline)
	}
	if got, _ := s.GetObject(ctx, "b", "empty"); got.Inline == nil || len(got.Inline) != 0 {
		t.Fatalf("empty inline = %#v", got.Inline)
	}
	list, _ := s.ListObjects(ctx, "b", store.ListOptions{})
	for _, l := range list {
		if l.Inline != nil {
			t.Fatalf("listing carries inline bytes of %s", l.Key)
		}
	}
	s.UpdateObject(ctx, "b", "small", func(o *store.Object) error {
		if string(o.Inline) != "tiny body" {
			t.Errorf("UpdateObject sees inline %q", o.Inline)
		}
		o.Tags = map[string]string{"a": "b"}
		return nil
	})
	if got, _ := s.GetObject(ctx, "b", "small"); string(got.Inline) != "tiny body" || got.Tags["a"] != "b" {
		t.Fatalf("after update: %+v", got)
	}
	prev, err := s.PutObject(ctx, obj("b", "small"), func(old *store.Object) error {
		if old == nil || string(old.Inline) != "tiny body" {
			t.Errorf("check sees %+v", old)
		}
		return nil
	})
	if err != nil || prev == nil || string(prev.Inline) != "tiny body" {
		t.Fatalf("replacing put: %+v %v", prev, err)
	}
	if got, _ := s.GetObject(ctx, "b", "small"); got.Inline != nil || got.BlobID != "blob-small" {
		t.Fatalf("replaced by a blob object: %+v", got)
	}
	d, err := s.DeleteObject(ctx, "b", "empty")
	if err != nil || d.Inline == nil {
		t.Fatalf("DeleteObject = %+v, %v", d, err)
	}
	s.PutObject(ctx, obj("b", "empty"), nil)
	if got, _ := s.GetObject(ctx, "b", "empty"); got.Inline != nil {
		t.Fatalf("deleted inline bytes came back: %q", got.Inline)
	}
}

// testRecords: records round-trip by kind and id, list in id order by
// prefix, commit or roll back with their transaction, and refuse writes in
// a read-only one.
func testRecords(t *testing.T, s store.Store) {
	err := s.UpdateRecords(ctx, func(tx store.RecordTx) error {
		for _, id := range []string{"role/b", "role/a", "user/x", "role/c"} {
			if err := tx.Put("iam", id, []byte("v-"+id)); err != nil {
				return err
			}
		}
		return tx.Put("other", "role/a", []byte("elsewhere"))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.ViewRecords(ctx, func(tx store.RecordTx) error {
		if v, err := tx.Get("iam", "role/a"); err != nil || string(v) != "v-role/a" {
			t.Errorf("Get = %q, %v", v, err)
		}
		if _, err := tx.Get("iam", "role/z"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get missing: %v", err)
		}
		if _, err := tx.Get("nokind", "x"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get in a missing kind: %v", err)
		}
		list, err := tx.List("iam", "role/", "", 0)
		if err != nil || len(list) != 3 || list[0].ID != "role/a" || list[2].ID != "role/c" {
			t.Errorf("List = %v, %v", list, err)
		}
		page, _ := tx.List("iam", "role/", "role/a", 1)
		if len(page) != 1 || page[0].ID != "role/b" {
			t.Errorf("List page = %v", page)
		}
		if err := tx.Put("iam", "x", nil); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("Put in a view: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.UpdateRecords(ctx, func(tx store.RecordTx) error {
		tx.Delete("iam", "role/a")
		tx.Put("iam", "role/d", []byte("d"))
		return errCheck
	})
	if !errors.Is(err, errCheck) {
		t.Fatalf("failed update: %v", err)
	}
	s.ViewRecords(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get("iam", "role/a"); err != nil {
			t.Errorf("rolled-back delete took effect: %v", err)
		}
		if _, err := tx.Get("iam", "role/d"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rolled-back put took effect: %v", err)
		}
		return nil
	})
	s.UpdateRecords(ctx, func(tx store.RecordTx) error { return tx.Delete("iam", "role/a") })
	s.ViewRecords(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get("iam", "role/a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted record: %v", err)
		}
		return nil
	})
}
