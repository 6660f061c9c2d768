package postgres

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/store/postgres/pgtest"
	"github.com/sekisho/sekisho/internal/store/storetest"
)

var cluster *pgtest.Cluster

// TestMain starts one throwaway cluster for the package; each test gets a
// database of its own. Without PostgreSQL the tests skip, except in CI
// (CI=true), where scripts/deps must have installed it.
func TestMain(m *testing.M) {
	var err error
	cluster, err = pgtest.Start()
	if err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "postgres tests skip:", err)
	}
	code := m.Run()
	cluster.Stop()
	os.Exit(code)
}

func open(t testing.TB) *Store {
	t.Helper()
	if cluster == nil {
		t.Skip("no PostgreSQL")
	}
	url, err := cluster.NewDatabase(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}

// The record-prefix wrapper's conformance is the bolt package's to show:
// it sits above any backend.

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store { return open(b) })
}

// TestMigrateConcurrently: nodes starting at once on an empty database
// all start, and the schema is applied once.
func TestMigrateConcurrently(t *testing.T) {
	if cluster == nil {
		t.Skip("no PostgreSQL")
	}
	url, err := cluster.NewDatabase(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 4)
	stores := make([]*Store, 4)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(t.Context(), url, Options{})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	var n, max int
	if err := stores[0].eng.pool.QueryRow(t.Context(), `SELECT count(*), max(version) FROM sekisho_schema`).Scan(&n, &max); err != nil || n != SchemaVersion || max != SchemaVersion {
		t.Fatalf("schema rows %d, version %d, %v", n, max, err)
	}
	// A schema newer than this build knows: refused, clearly.
	if _, err := stores[0].eng.pool.Exec(t.Context(), `INSERT INTO sekisho_schema (version) VALUES (99)`); err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), url, Options{ConnectTimeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "newer than this build") {
		t.Fatalf("a newer schema: %v", err)
	}
}

// TestTwoNodes: two stores on one database (two nodes) incrementing the
// same record lose no update, and each sees the other's writes at once.
func TestTwoNodes(t *testing.T) {
	a := open(t)
	defer a.Close()
	url := a.eng.pool.Config().ConnString()
	b, err := Open(t.Context(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var wg sync.WaitGroup
	for _, s := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				err := s.UpdateRecords(t.Context(), func(tx store.RecordTx) error {
					v, _ := tx.Get("c", "n")
					n, _ := strconv.Atoi(string(v))
					return tx.Put("c", "n", []byte(strconv.Itoa(n+1)))
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	var got []byte
	b.ViewRecords(t.Context(), func(tx store.RecordTx) error { got, _ = tx.Get("c", "n"); return nil })
	if string(got) != "100" {
		t.Fatalf("counter %s, want 100", got)
	}
}
