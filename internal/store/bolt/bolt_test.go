package bolt

import (
	"path/filepath"
	"testing"

	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(filepath.Join(t.TempDir(), "meta.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(t.Context(), store.Bucket{Name: "kept"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetBucket(t.Context(), "kept"); err != nil {
		t.Fatal(err)
	}
}

// TestConformancePrefixed runs the suite through a record namespace (as
// a member account's services see the store), and checks two namespaces
// and the plain store keep their records apart.
func TestConformancePrefixed(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(filepath.Join(t.TempDir(), "meta.db"))
		if err != nil {
			t.Fatal(err)
		}
		return store.WithRecordPrefix(s, "acct:111111111111/")
	})
	s, err := Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, b := store.WithRecordPrefix(s, "acct:1/"), store.WithRecordPrefix(s, "acct:2/")
	put := func(st store.Store, v string) {
		if err := st.UpdateRecords(t.Context(), func(tx store.RecordTx) error { return tx.Put("iam.user", "alice", []byte(v)) }); err != nil {
			t.Fatal(err)
		}
	}
	put(s, "plain")
	put(a, "one")
	put(b, "two")
	for st, want := range map[store.Store]string{s: "plain", a: "one", b: "two"} {
		var got []byte
		st.ViewRecords(t.Context(), func(tx store.RecordTx) error {
			got, _ = tx.Get("iam.user", "alice")
			list, _ := tx.List("iam.user", "", "", 0)
			if len(list) != 1 {
				t.Errorf("%s: %d records listed", want, len(list))
			}
			return nil
		})
		if string(got) != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store {
		s, err := Open(filepath.Join(b.TempDir(), "meta.db"))
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
