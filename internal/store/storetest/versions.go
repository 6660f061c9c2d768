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
	for step := 0; step < 600; step++ {
		k := keys[rng.Intn(len(keys))]
		seq++
		switch op := rng.Intn(10); {
		case op < 5: // put an object
			null := rng.Intn(4) == 0
			o := obj("b", k)
			o.VersionID, o.Seq, o.BlobID = idOf(seq, null), seq, fmt.Sprint("blob-", seq)
			var seen *store.Object
			gone, err := s.PutObject(ctx, o, func(old *store.Object) error { seen = old; return nil })
			if err != nil {
				t.Fatal(err)
			}
			vs := model[k]
			if len(vs) > 0 && !vs[0].marker {
				if seen == nil || seen.VersionID != vs[0].id {
					t.Fatalf("step %d: check saw %v, want the current version %s", step, seen, vs[0].id)
				}
			} else if seen != nil {
				t.Fatalf("step %d: check saw %s with no current version", step, seen.VersionID)
			}
			model[k] = putModel(t, step, vs, modelVersion{id: o.VersionID, blob: o.BlobID}, gone, freed)
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
			if err != nil || o.VersionID != id || o.DeleteMarker != vs[i].marker {
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
			if !v.marker && !live[v.blob] {
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
			if gone == nil || gone.VersionID != "null" || gone.BlobID != vs[i].blob {
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
			if err != nil || cur.VersionID != vs[0].id {
				t.Fatalf("step %d: current of %s: %s %v, want %s", step, k, cur.VersionID, err, vs[0].id)
			}
		case !errors.Is(err, store.ErrNotFound):
			t.Fatalf("step %d: current of %s: %v, want none", step, k, err)
		}
		latest, err := s.GetVersion(ctx, "b", k, "")
		if len(vs) == 0 {
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("step %d: latest of %s: %v", step, k, err)
			}
		} else if err != nil || latest.VersionID != vs[0].id || latest.DeleteMarker != vs[0].marker {
			t.Fatalf("step %d: latest of %s: %+v %v", step, k, latest, err)
		}
		for _, v := range vs {
			o, err := s.GetVersion(ctx, "b", k, v.id)
			if err != nil || o.VersionID != v.id || o.BlobID != v.blob {
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
			got = append(got, o.Key+"@"+o.VersionID)
		}
		if len(page) < opt.Limit {
			break
		}
		last := page[len(page)-1]
		opt.AfterKey, opt.AfterVersion = last.Key, last.VersionID
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
