package userpool

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sekisho/sekisho/internal/blob"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/store/bolt"
)

// sharedStore is a user-pool service and an S3 service over one store, as
// the server runs them.
func sharedStore(b *testing.B) (*Service, *s3.Service, Pool) {
	dir := b.TempDir()
	meta, err := bolt.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { meta.Close() })
	blobs, _ := blob.OpenFS(filepath.Join(dir, "blobs"))
	key, _ := seal.NewKey(make([]byte, 32))
	pools := &Service{Store: meta, Key: key, Account: "123456789012", Region: "ap-northeast-1", AuthRate: -1,
		Issuer: func(p string) string { return "https://cognito-idp.ap-northeast-1.amazonaws.com/" + p }}
	p, err := pools.CreatePool(ctx, Pool{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	objects := &s3.Service{Meta: meta, Blobs: blobs, Region: "ap-northeast-1"}
	if err := objects.CreateBucket(ctx, "bench-bucket", "", "123456789012"); err != nil {
		b.Fatal(err)
	}
	return pools, objects, p
}

func put4k(b *testing.B, objects *s3.Service, i int) {
	body := bytes.Repeat([]byte("x"), 4096)
	if _, err := objects.PutObject(ctx, s3.PutInput{Bucket: "bench-bucket", Key: fmt.Sprint("k", i), Body: s3.Body{R: bytes.NewReader(body), Size: 4096}}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkS3PutAlone is one client's 4 KiB PUTs on an idle store: the
// baseline of BenchmarkS3PutWhileCreatingUsers.
func BenchmarkS3PutAlone(b *testing.B) {
	_, objects, _ := sharedStore(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		put4k(b, objects, i)
	}
}

// BenchmarkS3PutWhileCreatingUsers is the same PUTs while 8 clients create
// users: password hashing happens outside the write transaction, so the
// PUTs keep (goal) at least 80% of their rate alone.
func BenchmarkS3PutWhileCreatingUsers(b *testing.B) {
	pools, objects, p := sharedStore(b)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var created atomic.Int64
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				if _, err := pools.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: fmt.Sprintf("u%d-%d", c, i), TemporaryPassword: "Temp#Pass12", MessageAction: "SUPPRESS"}); err == nil {
					created.Add(1)
				}
			}
		}()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		put4k(b, objects, i)
	}
	b.StopTimer()
	cancel()
	wg.Wait()
	b.ReportMetric(float64(created.Load()), "users")
}

// BenchmarkAdminCreateUserParallel creates users from GOMAXPROCS
// goroutines: with hashing outside the writer it scales with cores.
func BenchmarkAdminCreateUserParallel(b *testing.B) {
	pools, _, p := sharedStore(b)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := pools.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: fmt.Sprint("u", n.Add(1)), TemporaryPassword: "Temp#Pass12", MessageAction: "SUPPRESS"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
