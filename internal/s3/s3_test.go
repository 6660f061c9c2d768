package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sekisho/sekisho/internal/blob"
	"github.com/sekisho/sekisho/internal/store/bolt"
)

func newService(t testing.TB) (*Service, string) {
	dir := t.TempDir()
	meta, err := bolt.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { meta.Close() })
	blobs, err := blob.OpenFS(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return &Service{Meta: meta, Blobs: blobs, Region: "us-east-1", MinPartSize: 1}, filepath.Join(dir, "blobs")
}

func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// TestExpiredUploads: uploads older than the cutoff are aborted and their
// parts' bytes freed; younger ones stay.
func TestExpiredUploads(t *testing.T) {
	s, dir := newService(t)
	ctx := context.Background()
	if err := s.CreateBucket(ctx, "bkt", "", "000000000000"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s.Now = func() time.Time { return now.Add(-10 * 24 * time.Hour) }
	old, err := s.CreateMultipartUpload(ctx, CreateUploadInput{Bucket: "bkt", Key: "old"})
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 3; n++ {
		if _, err := s.UploadPart(ctx, "bkt", "old", old.ID, n, Body{R: strings.NewReader("part"), Size: 4}, nil); err != nil {
			t.Fatal(err)
		}
	}
	s.Now = nil
	young, _ := s.CreateMultipartUpload(ctx, CreateUploadInput{Bucket: "bkt", Key: "young"})
	s.UploadPart(ctx, "bkt", "young", young.ID, 1, Body{R: strings.NewReader("part"), Size: 4}, nil)
	if n := countFiles(dir); n != 4 {
		t.Fatalf("%d part files before expiry, want 4", n)
	}
	n, err := s.AbortExpiredUploads(ctx, now.Add(-7*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("AbortExpiredUploads = %d, %v", n, err)
	}
	if n := countFiles(dir); n != 1 {
		t.Fatalf("%d part files after expiry, want 1", n)
	}
	if _, err := s.ListParts(ctx, "bkt", "old", old.ID, 0, 0); err == nil {
		t.Fatal("expired upload still lists parts")
	}
	if _, err := s.CompleteMultipartUpload(ctx, CompleteInput{Bucket: "bkt", Key: "young", UploadID: young.ID, ObjectSize: -1,
		Parts: []CompletedPart{{Number: 1, ETag: `"` + md5hex("part") + `"`}}}); err != nil {
		t.Fatalf("young upload: %v", err)
	}
}

// TestRecoverKeepsParts: the start-up sweep keeps the blobs of objects,
// multipart objects and uploads in progress, and drops the rest.
func TestRecoverKeepsParts(t *testing.T) {
	s, dir := newService(t)
	ctx := context.Background()
	s.CreateBucket(ctx, "bkt", "", "000000000000")
	big := bytes.Repeat([]byte("x"), InlineLimit+1)
	s.PutObject(ctx, PutInput{Bucket: "bkt", Key: "single", Body: Body{R: bytes.NewReader(big), Size: int64(len(big))}})
	s.PutObject(ctx, PutInput{Bucket: "bkt", Key: "inline", Body: Body{R: strings.NewReader("small"), Size: 5}})
	u, _ := s.CreateMultipartUpload(ctx, CreateUploadInput{Bucket: "bkt", Key: "mp"})
	p1, _ := s.UploadPart(ctx, "bkt", "mp", u.ID, 1, Body{R: strings.NewReader("one"), Size: 3}, nil)
	p2, _ := s.UploadPart(ctx, "bkt", "mp", u.ID, 2, Body{R: strings.NewReader("two"), Size: 3}, nil)
	if _, err := s.CompleteMultipartUpload(ctx, CompleteInput{Bucket: "bkt", Key: "mp", UploadID: u.ID, ObjectSize: -1,
		Parts: []CompletedPart{{Number: 1, ETag: p1.ETag}, {Number: 2, ETag: p2.ETag}}}); err != nil {
		t.Fatal(err)
	}
	pending, _ := s.CreateMultipartUpload(ctx, CreateUploadInput{Bucket: "bkt", Key: "pending"})
	s.UploadPart(ctx, "bkt", "pending", pending.ID, 1, Body{R: strings.NewReader("p"), Size: 1}, nil)
	// An orphan, as a crash between blob and commit leaves.
	s.Blobs.Put(ctx, strings.NewReader("orphan"))
	if n := countFiles(dir); n != 5 {
		t.Fatalf("%d files before recovery, want 5", n)
	}
	removed, err := s.Recover(ctx, time.Now().Add(time.Minute))
	if err != nil || removed != 1 || countFiles(dir) != 4 {
		t.Fatalf("Recover removed %d (%v); %d files left", removed, err, countFiles(dir))
	}
	out, err := s.GetObject(ctx, GetInput{Bucket: "bkt", Key: "mp"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(out.Body)
	out.Body.Close()
	if b.String() != "onetwo" {
		t.Fatalf("multipart object reads %q", b.String())
	}
}

func md5hex(s string) string {
	w := written{}
	h := md5.Sum([]byte(s))
	w.md5 = h[:]
	return strings.Trim(w.etag(), `"`)
}

// TestRangeOfBlob: a range of an object kept in a blob (not inline, not
// encrypted) yields exactly its bytes through WriteTo, the path io.Copy
// and net/http take — *os.File's own WriteTo would run to the file's end.
func TestRangeOfBlob(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	if err := s.CreateBucket(ctx, "bkt", "", "000000000000"); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789"), 50000)
	if _, err := s.PutObject(ctx, PutInput{Bucket: "bkt", Key: "k", Body: Body{R: bytes.NewReader(data), Size: int64(len(data))}}); err != nil {
		t.Fatal(err)
	}
	for _, rg := range []struct {
		hdr        string
		start, end int
	}{{"bytes=0-1", 0, 2}, {"bytes=5-5", 5, 6}, {"bytes=100-200000", 100, 200001}, {"bytes=-3", len(data) - 3, len(data)}} {
		out, err := s.GetObject(ctx, GetInput{Bucket: "bkt", Key: "k", Range: rg.hdr})
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		_, err = io.Copy(&got, out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(got.Bytes(), data[rg.start:rg.end]) {
			t.Errorf("%s: %d bytes, %v; want %d", rg.hdr, got.Len(), err, rg.end-rg.start)
		}
	}
}
