package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/store/bolt"
)

// TestStartupAtMillionObjects: start-up does not wait for anything that
// grows with the number of objects. A data dir with 1,000,000 object
// records (plus an orphaned blob, as a crash leaves) answers its first
// request within a bound; the orphan is swept in the background.
func TestStartupAtMillionObjects(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		skip(t, "-short: builds a million records")
	}
	dir := t.TempDir()
	meta, err := bolt.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := meta.CreateBucket(ctx, store.Bucket{Name: "many", Owner: "000000000000", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	const n, batch = 1000000, 50000
	t0 := time.Now()
	objs := make([]store.Object, 0, batch)
	for i := 0; i < n; i++ {
		objs = append(objs, store.Object{Bucket: "many", Key: fmt.Sprintf("k/%07d", i), BlobID: fmt.Sprintf("%032x", i+1), Size: 40000, ETag: `"x"`, Modified: t0})
		if len(objs) == batch || i == n-1 {
			if err := meta.ImportObjects(ctx, objs); err != nil {
				t.Fatal(err)
			}
			objs = objs[:0]
		}
	}
	meta.Close()
	t.Logf("%d records written in %v", n, time.Since(t0).Round(time.Millisecond))
	orphan := filepath.Join(dir, "blobs", "objects", "ab", "abababababababababababababababab")
	os.MkdirAll(filepath.Dir(orphan), 0o700)
	os.WriteFile(orphan, []byte("left by a crash"), 0o600)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(orphan, old, old)

	start := time.Now()
	s := startServer(t, serverOpts{DataDir: dir})
	c := s3.NewFromConfig(s.awsConfig(s.KeyID, s.Secret), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("many"), Key: aws.String("k/0999999")}); err != nil {
		t.Fatal(err)
	}
	ready := time.Since(start)
	t.Logf("first answer %v after start at %d objects", ready.Round(time.Millisecond), n)
	if ready > 5*time.Second {
		t.Errorf("start-up took %v at %d objects", ready, n)
	}
	s.waitLog("swept orphaned blobs", 5*time.Minute)
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("the orphan survived the background sweep: %v", err)
	}
}
