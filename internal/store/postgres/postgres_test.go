package postgres

import (
	"fmt"
	"os"
	"testing"

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
