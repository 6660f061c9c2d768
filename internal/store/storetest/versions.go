package storetest

import (
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/sekisho/sekisho/internal/store"
)

// modelVersion is a version in testVersionsModel's model of a bucket.
type modelVersion struct {
	id     string
	marker bool
	blob   string
	inline string // the bytes of an inline version
}

// testVersionsModel drives versioned writes, delete markers and version
// deletes at random and checks every read and listing against a model: a
// list of versions per key, newest first.
func testVersionsModel(t *testing.T, s store.Store) {
	mustBucket(t, s, "b")
	rng := rand.New(rand.NewSource(7))
	model := map[string][]modelVersion{}
	keys := []string{"a", "a/b", "ab", "b", "c/d/e"}
	seq := int64(1)
	freed := map[string]bool{}
	idOf := func(seq int64, null bool) string {
		if null {
			return "null"
		}
		return fmt.Sprintf("%016x%016x", seq, rng.Uint64())
	}
	// Keys written before the bucket had versioning: their versions are
	// "" (the null version), inline or in a blob.
	for i, k := range keys {
		if i%2 == 1 {
			continue
		}
		seq++
		o := obj("b", k)
		o.Seq, o.BlobID = seq, fmt.Sprint("blob-", seq)
		if i%4 == 0 {
			o.BlobID, o.Inline = "", []byte(fmt.Sprint("legacy-", seq))
		}
		if _, err := s.PutObject(ctx, o, nil); err != nil {
			t.Fatal(err)
		}
		model[k] = []modelVersion{{id: "null", blob: o.BlobID, inline: string(o.Inline)}}
	}
	for step := 0; step < 600; step++ {
		k := keys[rng.Intn(len(keys))]
		seq++
		switch op := rng.Intn(10); {
		case op < 5: // put an object
			null := rng.Intn(4) == 0
			o := obj("b", k)
			o.VersionID, o.Seq, o.BlobID = idOf(seq, null), seq, fmt.Sprint("blob-", seq)
			if rng.Intn(2) == 0 {
				o.BlobID, o.Inline = "", []byte(fmt.Sprint("inline-", seq))
			}
			var seen *store.Object
			gone, err := s.PutObject(ctx, o, func(old *store.Object) error { seen = old; return nil })
			if err != nil {
				t.Fatal(err)
			}
			vs := model[k]
			if len(vs) > 0 && !vs[0].marker {
				if seen == nil || vid(seen) != vs[0].id {
					t.Fatalf("step %d: check saw %v, want the current version %s", step, seen, vs[0].id)
				}
			} else if seen != nil {
				t.Fatalf("step %d: check saw %s with no current version", step, seen.VersionID)
			}
			model[k] = putModel(t, step, vs, modelVersion{id: o.VersionID, blob: o.BlobID, inline: string(o.Inline)}, gone, freed)
		case op < 7: // a delete marker
			null := rng.Intn(3) == 0
			m := store.Object{Bucket: "b", Key: k, VersionID: idOf(seq, null), Seq: seq, DeleteMarker: true}
			gone, err := s.PutDeleteMarker(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			model[k] = putModel(t, step, model[k], modelVersion{id: m.VersionID, marker: true}, gone, freed)
		default: // delete one version, or one that is not there
			vs := model[k]
			id := "0000000000000001ffffffffffffffff"
			if len(vs) > 0 && rng.Intn(5) > 0 {
				id = vs[rng.Intn(len(vs))].id
			}
			o, err := s.DeleteVersion(ctx, "b", k, id, nil)
			i := indexOf(vs, id)
			if i < 0 {
				if !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("step %d: deleting a missing version: %v", step, err)
				}
				continue
			}
			if err != nil || vid(&o) != id || o.DeleteMarker != vs[i].marker {
				t.Fatalf("step %d: delete %s: %+v %v", step, id, o, err)
			}
			model[k] = append(vs[:i:i], vs[i+1:]...)
		}
		checkModel(t, step, s, model, keys, rng)
	}
	// Every blob a version holds is reported, and none that went.
	live := map[string]bool{}
	if err := s.BlobIDs(ctx, func(id string) error { live[id] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, vs := range model {
		for _, v := range vs {
			if !v.marker && v.blob != "" && !live[v.blob] {
				t.Errorf("BlobIDs missed %s", v.blob)
			}
			delete(live, v.blob)
		}
	}
	for id := range live {
		if freed[id] {
			t.Errorf("BlobIDs reports %s, which a write returned as gone", id)
		}
	}
	if err := s.DeleteBucket(ctx, "b"); !errors.Is(err, store.ErrNotEmpty) && len(model) > 0 {
		t.Errorf("deleting a bucket with versions: %v", err)
	}
}

// vid is a version's id as the model names it ("null" for "").
func vid(o *store.Object) string {
	if o.IsNull() {
		return "null"
	}
	return o.VersionID
}

func indexOf(vs []modelVersion, id string) int {
	for i, v := range vs {
		if v.id == id {
			return i
		}
	}
	return -1
}

// putModel applies a new latest version to a key's model and checks what
// the store said is gone: the replaced null version for a null write.
func putModel(t *testing.T, step int, vs []modelVersion, v modelVersion, gone *store.Object, freed map[string]bool) []modelVersion {
	t.Helper()
	if v.id == "null" {
		if i := indexOf(vs, "null"); i >= 0 {
			if gone == nil || vid(gone) != "null" || gone.BlobID != vs[i].blob || string(gone.Inline) != vs[i].inline {
				t.Fatalf("step %d: null write replaced %v, want the null version", step, gone)
			}
			freed[vs[i].blob] = true
			vs = append(vs[:i:i], vs[i+1:]...)
			return append([]modelVersion{v}, vs...)
		}
	}
	if gone != nil {
		t.Fatalf("step %d: a write of %s said %s is gone", step, v.id, gone.VersionID)
	}
	return append([]modelVersion{v}, vs...)
}

func checkModel(t *testing.T, step int, s store.Store, model map[string][]modelVersion, keys []string, rng *rand.Rand) {
	t.Helper()
	var want []string
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	for _, k := range sorted {
		vs := model[k]
		for _, v := range vs {
			want = append(want, k+"@"+v.id)
		}
		cur, err := s.GetObject(ctx, "b", k)
		switch {
		case len(vs) > 0 && !vs[0].marker:
			if err != nil || vid(&cur) != vs[0].id || string(cur.Inline) != vs[0].inline {
				t.Fatalf("step %d: current of %s: %s %q %v, want %s %q", step, k, cur.VersionID, cur.Inline, err, vs[0].id, vs[0].inline)
			}
		case !errors.Is(err, store.ErrNotFound):
			t.Fatalf("step %d: current of %s: %v, want none", step, k, err)
		}
		latest, err := s.GetVersion(ctx, "b", k, "")
		if len(vs) == 0 {
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("step %d: latest of %s: %v", step, k, err)
			}
		} else if err != nil || vid(&latest) != vs[0].id || latest.DeleteMarker != vs[0].marker {
			t.Fatalf("step %d: latest of %s: %+v %v", step, k, latest, err)
		}
		for _, v := range vs {
			o, err := s.GetVersion(ctx, "b", k, v.id)
			if err != nil || vid(&o) != v.id || o.BlobID != v.blob || string(o.Inline) != v.inline {
				t.Fatalf("step %d: version %s of %s: %+v %v", step, v.id, k, o, err)
			}
		}
	}
	// The whole listing, in pages of a random size resumed from the last
	// entry of each.
	var got []string
	opt := store.VersionListOptions{Limit: 1 + rng.Intn(4)}
	for {
		page, err := s.ListVersions(ctx, "b", opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page {
			got = append(got, o.Key+"@"+vid(&o))
		}
		if len(page) < opt.Limit {
			break
		}
		last := page[len(page)-1]
		opt.AfterKey, opt.AfterVersion = last.Key, vid(&last)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("step %d: listing\n got %v\nwant %v", step, got, want)
	}
	// A prefix.
	page, err := s.ListVersions(ctx, "b", store.VersionListOptions{Prefix: "a/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != len(model["a/b"]) {
		t.Fatalf("step %d: prefix a/: %d versions, want %d", step, len(page), len(model["a/b"]))
	}
}
