package s3bench_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/blob"
	"github.com/sekisho/sekisho/internal/front"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/s3bench"
	"github.com/sekisho/sekisho/internal/sigv4"
	"github.com/sekisho/sekisho/internal/store/bolt"
)

// TestRun drives the real handler briefly through every phase.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	meta, err := bolt.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer meta.Close()
	blobs, _ := blob.OpenFS(filepath.Join(dir, "blobs"))
	h := front.New(front.Config{
		Verifier: &sigv4.Verifier{Credentials: auth.Static{"AKIABENCH": {SecretAccessKey: "s", Principal: auth.RootPrincipal("000000000000", "AKIABENCH")}}},
		Account:  "000000000000", Region: "us-east-1",
		S3: &s3.Service{Meta: meta, Blobs: blobs, Region: "us-east-1"},
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	var out strings.Builder
	res, err := s3bench.Run(context.Background(), s3bench.Config{
		Endpoint: srv.URL, Region: "us-east-1", AccessKeyID: "AKIABENCH", SecretAccessKey: "s", Bucket: "bench",
		Clients: []int{1, 2}, Sizes: []int64{4 << 10, 40 << 10}, Duration: 200 * time.Millisecond,
		ListKeys: 300, ListPage: 100, ListRounds: 5, Checksum: true,
	}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 9 {
		t.Fatalf("%d results, want 9:\n%s", len(res), out.String())
	}
	for _, r := range res {
		if r.Ops == 0 || r.Errors != 0 {
			t.Errorf("%s %d x%d: %d ops, %d errors", r.Op, r.Size, r.Clients, r.Ops, r.Errors)
		}
	}
	if sz, err := s3bench.ParseSize("64MiB"); err != nil || sz != 64<<20 {
		t.Fatalf("ParseSize = %d, %v", sz, err)
	}
}
