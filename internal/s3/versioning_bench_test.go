package s3

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/sekisho/sekisho/internal/seal"
)

// benchPutGet PUTs (or GETs) objects of size over 1,024 keys, in a plain
// bucket, a versioned one (each PUT keeps the version it replaces) or
// with SSE-S3, through the service: the cost each feature adds to the
// store and the bytes, without HTTP.
func benchPutGet(b *testing.B, mode string, size int, get bool) {
	ctx := context.Background()
	s, _ := newService(b)
	s.Keys = testKey(b)
	s.CreateBucket(ctx, "bench", "", "000000000000")
	if mode == "versioned" {
		s.PutBucketVersioning(ctx, "bench", VersioningEnabled, "")
	}
	data := bytes.Repeat([]byte("x"), size)
	put := func(i int) {
		in := PutInput{Bucket: "bench", Key: fmt.Sprint("k", i%1024), Body: Body{R: bytes.NewReader(data), Size: int64(size)}}
		if mode == "sse" {
			in.SSE.Algorithm = "AES256"
		}
		if _, err := s.PutObject(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	if get {
		for i := range 1024 {
			put(i)
		}
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !get {
			put(i)
			continue
		}
		out, err := s.GetObject(ctx, GetInput{Bucket: "bench", Key: fmt.Sprint("k", i%1024)})
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, out.Body)
		out.Body.Close()
	}
}

func BenchmarkPut4KiB(b *testing.B) {
	for _, m := range []string{"plain", "versioned", "sse"} {
		b.Run(m, func(b *testing.B) { benchPutGet(b, m, 4<<10, false) })
	}
}

func BenchmarkGet4KiB(b *testing.B) {
	for _, m := range []string{"plain", "versioned", "sse"} {
		b.Run(m, func(b *testing.B) { benchPutGet(b, m, 4<<10, true) })
	}
}

func BenchmarkPut1MiB(b *testing.B) {
	for _, m := range []string{"plain", "versioned", "sse"} {
		b.Run(m, func(b *testing.B) { benchPutGet(b, m, 1<<20, false) })
	}
}

func BenchmarkGet1MiB(b *testing.B) {
	for _, m := range []string{"plain", "versioned", "sse"} {
		b.Run(m, func(b *testing.B) { benchPutGet(b, m, 1<<20, true) })
	}
}

func testKey(tb testing.TB) *seal.Key {
	k, err := seal.NewKey(bytes.Repeat([]byte{1}, seal.KeySize))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}
