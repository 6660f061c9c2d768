package front_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

var ctx = context.Background()

func s3Client(srv *httptest.Server) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
	})
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return "not an API error: " + err.Error()
	}
	return ""
}

func mustBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, c *s3.Client, bucket, key string) []byte {
	t.Helper()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// blobCount counts the blob files in a blob directory.
func blobCount(t *testing.T, dir string) int {
	n := 0
	filepath.WalkDir(filepath.Join(dir, "objects"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestS3Multipart(t *testing.T) {
	srv, blobs := newS3Server(t)
	c := s3Client(srv)
	mustBucket(t, c, "mpu")
	parts := [][]byte{bytes.Repeat([]byte("a"), 2000), bytes.Repeat([]byte("b"), 3000), []byte("tail")}
	create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String("mpu"), Key: aws.String("user:1/obj"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		Metadata: map[string]string{"who": "me"}, ContentType: aws.String("text/plain"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	md := md5.New()
	for i, p := range parts {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String("mpu"), Key: aws.String("user:1/obj"), UploadId: create.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		})
		if err != nil {
			t.Fatalf("part %d: %v", i+1, err)
		}
		sum := md5.Sum(p)
		if *out.ETag != `"`+hex.EncodeToString(sum[:])+`"` || out.ChecksumCRC32 == nil {
			t.Fatalf("part %d: etag %s crc %v", i+1, *out.ETag, out.ChecksumCRC32)
		}
		md.Write(sum[:])
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("user:1/obj"), UploadId: create.UploadId, MaxParts: aws.Int32(2)})
	if err != nil || len(lp.Parts) != 2 || !*lp.IsTruncated || *lp.NextPartNumberMarker != "2" {
		t.Fatalf("ListParts: %+v %v", lp, err)
	}
	lu, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu")})
	if err != nil || len(lu.Uploads) != 1 || *lu.Uploads[0].UploadId != *create.UploadId {
		t.Fatalf("ListMultipartUploads: %+v %v", lu, err)
	}
	// Out of order, a wrong ETag, and a small part in the middle fail.
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("user:1/obj"), UploadId: create.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{done[1], done[0]}}})
	if code(err) != "InvalidPartOrder" {
		t.Fatalf("out of order: %v", err)
	}
	bad := done[0]
	bad.ETag = aws.String(`"00000000000000000000000000000000"`)
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("user:1/obj"), UploadId: create.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{bad, done[1]}}})
	if code(err) != "InvalidPart" {
		t.Fatalf("bad etag: %v", err)
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("user:1/obj"), UploadId: create.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{done[0], done[2], {PartNumber: aws.Int32(5), ETag: done[1].ETag}}}})
	if code(err) != "InvalidPart" {
		t.Fatalf("missing part: %v", err)
	}
	comp, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("user:1/obj"), UploadId: create.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	if err != nil {
		t.Fatal(err)
	}
	wantETag := fmt.Sprintf(`"%x-3"`, md.Sum(nil))
	if *comp.ETag != wantETag || comp.ChecksumCRC32 == nil || !strings.HasSuffix(*comp.ChecksumCRC32, "-3") || comp.ChecksumType != types.ChecksumTypeComposite {
		t.Fatalf("complete: etag %s want %s, crc %v type %s", *comp.ETag, wantETag, aws.ToString(comp.ChecksumCRC32), comp.ChecksumType)
	}
	whole := bytes.Join(parts, nil)
	if got := get(t, c, "mpu", "user:1/obj"); !bytes.Equal(got, whole) {
		t.Fatalf("body: %d bytes, want %d", len(got), len(whole))
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mpu"), Key: aws.String("user:1/obj"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil || *head.ETag != wantETag || head.Metadata["who"] != "me" || *head.ContentType != "text/plain" || aws.ToString(head.ChecksumCRC32) != *comp.ChecksumCRC32 {
		t.Fatalf("head: %+v %v", head, err)
	}
	// One part by number, and a range across part boundaries.
	p2, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String("user:1/obj"), PartNumber: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(p2.Body)
	if !bytes.Equal(b, parts[1]) || aws.ToInt32(p2.PartsCount) != 3 || *p2.ContentRange != "bytes 2000-4999/5004" {
		t.Fatalf("part 2: %d bytes, count %d, range %s", len(b), aws.ToInt32(p2.PartsCount), aws.ToString(p2.ContentRange))
	}
	rg, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String("user:1/obj"), Range: aws.String("bytes=1990-5001")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(rg.Body)
	if !bytes.Equal(b, whole[1990:5002]) {
		t.Fatalf("range across parts: %d bytes", len(b))
	}
	attrs, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("mpu"), Key: aws.String("user:1/obj"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesObjectParts, types.ObjectAttributesObjectSize, types.ObjectAttributesChecksum}})
	if err != nil || aws.ToInt32(attrs.ObjectParts.TotalPartsCount) != 3 || aws.ToInt64(attrs.ObjectSize) != 5004 || "\""+aws.ToString(attrs.ETag)+"\"" != wantETag {
		t.Fatalf("attributes: parts %v size %v etag %v, %v", aws.ToInt32(attrs.ObjectParts.TotalPartsCount), aws.ToInt64(attrs.ObjectSize), aws.ToString(attrs.ETag), err)
	}
	// Only the three part blobs remain.
	if n := blobCount(t, blobs); n != 3 {
		t.Fatalf("%d blobs after completion, want 3", n)
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("user:1/obj"), UploadId: create.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("x")}); code(err) != "NoSuchUpload" {
		t.Fatalf("part after completion: %v", err)
	}

	// UploadPartCopy from a range of the object, then abort: nothing stays.
	up, _ := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("copy")})
	pc, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mpu"), Key: aws.String("copy"), UploadId: up.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String("mpu/user:1/obj"), CopySourceRange: aws.String("bytes=1000-2999")})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(whole[1000:3000])
	if *pc.CopyPartResult.ETag != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Fatalf("UploadPartCopy etag %s", *pc.CopyPartResult.ETag)
	}
	if _, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mpu"), Key: aws.String("copy"), UploadId: up.UploadId, PartNumber: aws.Int32(2),
		CopySource: aws.String("mpu/user:1/obj"), CopySourceRange: aws.String("bytes=0-99999")}); code(err) != "InvalidRange" {
		t.Fatalf("range past the end: %v", err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("copy"), UploadId: up.UploadId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("copy"), UploadId: up.UploadId}); code(err) != "NoSuchUpload" {
		t.Fatalf("second abort: %v", err)
	}
	if n := blobCount(t, blobs); n != 3 {
		t.Fatalf("%d blobs after abort, want 3", n)
	}
	// A small part that is not last is refused.
	up, _ = c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("small")})
	var small []types.CompletedPart
	for i := 1; i <= 2; i++ {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("small"), UploadId: up.UploadId, PartNumber: aws.Int32(int32(i)), Body: strings.NewReader("tiny")})
		if err != nil {
			t.Fatal(err)
		}
		small = append(small, types.CompletedPart{PartNumber: aws.Int32(int32(i)), ETag: out.ETag})
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("small"), UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: small}})
	if code(err) != "EntityTooSmall" {
		t.Fatalf("small part: %v", err)
	}
	// Deleting the bucket with an upload in progress and no objects works
	// (the upload is aborted); with objects it does not.
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("mpu")}); code(err) != "BucketNotEmpty" {
		t.Fatalf("delete non-empty bucket: %v", err)
	}
}

func TestS3FullObjectChecksum(t *testing.T) {
	srv, _ := newS3Server(t)
	c := s3Client(srv)
	mustBucket(t, c, "full")
	parts := [][]byte{bytes.Repeat([]byte("x"), 1500), []byte("yz")}
	create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("full"), Key: aws.String("k"),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32, ChecksumType: types.ChecksumTypeFullObject})
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	for i, p := range parts {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("full"), Key: aws.String("k"), UploadId: create.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
	}
	whole := crc32.ChecksumIEEE(bytes.Join(parts, nil))
	want := b64(binaryBE(whole))
	comp, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("full"), Key: aws.String("k"), UploadId: create.UploadId,
		ChecksumCRC32: aws.String(want), ChecksumType: types.ChecksumTypeFullObject, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(comp.ChecksumCRC32) != want || comp.ChecksumType != types.ChecksumTypeFullObject {
		t.Fatalf("full-object crc %s, want %s (%s)", aws.ToString(comp.ChecksumCRC32), want, comp.ChecksumType)
	}
}

func TestS3UploadManager(t *testing.T) {
	srv, _ := newS3Server(t)
	c := s3Client(srv)
	mustBucket(t, c, "upmgr")
	data := make([]byte, 23<<20+7)
	rand.New(rand.NewSource(1)).Read(data)
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20; u.Concurrency = 4 })
	out, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("upmgr"), Key: aws.String("big/file.bin"), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(out.ETag), `-5"`) {
		t.Fatalf("etag %s", aws.ToString(out.ETag))
	}
	buf := manager.NewWriteAtBuffer(nil)
	dl := manager.NewDownloader(c, func(d *manager.Downloader) { d.PartSize = 4 << 20; d.Concurrency = 4 })
	n, err := dl.Download(ctx, buf, &s3.GetObjectInput{Bucket: aws.String("upmgr"), Key: aws.String("big/file.bin")})
	if err != nil || n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("download: %d bytes, %v", n, err)
	}
}

func TestS3Conditional(t *testing.T) {
	srv, _ := newS3Server(t)
	c := s3Client(srv)
	mustBucket(t, c, "cond")
	put := func(in *s3.PutObjectInput) (*s3.PutObjectOutput, error) {
		in.Bucket, in.Key = aws.String("cond"), aws.String("k")
		if in.Body == nil {
			in.Body = strings.NewReader("0123456789")
		}
		return c.PutObject(ctx, in)
	}
	if _, err := put(&s3.PutObjectInput{IfMatch: aws.String(`"abc"`)}); code(err) != "NoSuchKey" {
		t.Fatalf("If-Match on a missing key: %v", err)
	}
	first, err := put(&s3.PutObjectInput{IfNoneMatch: aws.String("*")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := put(&s3.PutObjectInput{IfNoneMatch: aws.String("*")}); code(err) != "PreconditionFailed" {
		t.Fatalf("If-None-Match * over an object: %v", err)
	}
	if _, err := put(&s3.PutObjectInput{IfMatch: aws.String(`"nope"`)}); code(err) != "PreconditionFailed" {
		t.Fatalf("If-Match mismatch: %v", err)
	}
	if _, err := put(&s3.PutObjectInput{IfMatch: first.ETag, Body: strings.NewReader("abcdefghij")}); err != nil {
		t.Fatalf("If-Match match: %v", err)
	}
	g := func(in *s3.GetObjectInput) (string, error) {
		in.Bucket, in.Key = aws.String("cond"), aws.String("k")
		out, err := c.GetObject(ctx, in)
		if err != nil {
			return "", err
		}
		b, _ := io.ReadAll(out.Body)
		return string(b), nil
	}
	head, _ := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cond"), Key: aws.String("k")})
	cases := []struct {
		in   s3.GetObjectInput
		want string // body, or error code
	}{
		{s3.GetObjectInput{IfMatch: head.ETag}, "abcdefghij"},
		{s3.GetObjectInput{IfMatch: aws.String(`"x"`)}, "PreconditionFailed"},
		{s3.GetObjectInput{IfNoneMatch: head.ETag}, "NotModified"},
		{s3.GetObjectInput{IfModifiedSince: aws.Time(time.Now().Add(time.Second))}, "abcdefghij"}, // in the future: ignored
		{s3.GetObjectInput{IfModifiedSince: head.LastModified}, "NotModified"},
		{s3.GetObjectInput{IfModifiedSince: aws.Time(time.Now().Add(-time.Hour))}, "abcdefghij"},
		{s3.GetObjectInput{IfUnmodifiedSince: aws.Time(time.Now().Add(-time.Hour))}, "PreconditionFailed"},
		// If-Match wins over a failing If-Unmodified-Since.
		{s3.GetObjectInput{IfMatch: head.ETag, IfUnmodifiedSince: aws.Time(time.Now().Add(-time.Hour))}, "abcdefghij"},
		{s3.GetObjectInput{Range: aws.String("bytes=-3")}, "hij"},
		{s3.GetObjectInput{Range: aws.String("bytes=7-")}, "hij"},
		{s3.GetObjectInput{Range: aws.String("bytes=2-4")}, "cde"},
		{s3.GetObjectInput{Range: aws.String("bytes=8-100")}, "ij"},
		{s3.GetObjectInput{Range: aws.String("bytes=10-")}, "InvalidRange"},
		{s3.GetObjectInput{Range: aws.String("bytes=0-1,3-4")}, "abcdefghij"},
		{s3.GetObjectInput{ResponseContentType: aws.String("text/x-override")}, "abcdefghij"},
	}
	for _, tc := range cases {
		got, err := g(&tc.in)
		if err != nil {
			got = code(err)
		}
		if got != tc.want {
			t.Errorf("GetObject(%+v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestS3CopyAndTags(t *testing.T) {
	srv, _ := newS3Server(t)
	c := s3Client(srv)
	mustBucket(t, c, "src")
	mustBucket(t, c, "dst")
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("src"), Key: aws.String("a b/ü.txt"), Body: strings.NewReader("hello"),
		ContentType: aws.String("text/plain"), Metadata: map[string]string{"m": "1"}, Tagging: aws.String("project=x&owner=me"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy"), CopySource: aws.String("src/a%20b/%C3%BC.txt")})
	if err != nil {
		t.Fatal(err)
	}
	if cp.CopyObjectResult.ChecksumSHA256 == nil {
		t.Errorf("copy lost the checksum algorithm")
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy")})
	if err != nil || h.Metadata["m"] != "1" || *h.ContentType != "text/plain" || aws.ToInt32(h.TagCount) != 2 || *h.ETag != *cp.CopyObjectResult.ETag {
		t.Fatalf("copied head: %+v %v", h, err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy"), CopySource: aws.String("dst/copy")})
	if code(err) != "InvalidRequest" {
		t.Fatalf("copy onto itself without changes: %v", err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy"), CopySource: aws.String("dst/copy"),
		MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"n": "2"}, ContentType: aws.String("text/html")})
	if err != nil {
		t.Fatal(err)
	}
	h, _ = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy")})
	if h.Metadata["m"] != "" || h.Metadata["n"] != "2" || *h.ContentType != "text/html" || string(get(t, c, "dst", "copy")) != "hello" {
		t.Fatalf("metadata replaced in place: %+v", h)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c2"), CopySource: aws.String("src/a%20b/%C3%BC.txt"), CopySourceIfMatch: aws.String(`"nope"`)})
	if code(err) != "PreconditionFailed" {
		t.Fatalf("copy-source-if-match: %v", err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c2"), CopySource: aws.String("src/missing")})
	if code(err) != "NoSuchKey" {
		t.Fatalf("copy of a missing key: %v", err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c3"), CopySource: aws.String("src/a%20b/%C3%BC.txt"),
		TaggingDirective: types.TaggingDirectiveReplace, Tagging: aws.String("only=one")})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("dst"), Key: aws.String("c3")})
	if err != nil || len(tags.TagSet) != 1 || *tags.TagSet[0].Key != "only" {
		t.Fatalf("replaced tags: %+v %v", tags, err)
	}
	_, err = c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("dst"), Key: aws.String("c3"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}}})
	if err != nil {
		t.Fatal(err)
	}
	tags, _ = c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("dst"), Key: aws.String("c3")})
	if len(tags.TagSet) != 2 || *tags.TagSet[0].Key != "a" {
		t.Fatalf("put tags: %+v", tags.TagSet)
	}
	var many []types.Tag
	for i := 0; i < 11; i++ {
		many = append(many, types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")})
	}
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("dst"), Key: aws.String("c3"), Tagging: &types.Tagging{TagSet: many}}); code(err) != "BadRequest" {
		t.Fatalf("11 tags: %v", err)
	}
	if _, err := c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String("dst"), Key: aws.String("c3")}); err != nil {
		t.Fatal(err)
	}
	tags, _ = c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("dst"), Key: aws.String("c3")})
	if len(tags.TagSet) != 0 {
		t.Fatalf("tags after delete: %+v", tags.TagSet)
	}
}

func TestS3DeleteObjects(t *testing.T) {
	srv, blobs := newS3Server(t)
	c := s3Client(srv)
	mustBucket(t, c, "del")
	var ids []types.ObjectIdentifier
	for i := 0; i < 5; i++ {
		k := fmt.Sprint("k", i)
		c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("del"), Key: aws.String(k), Body: strings.NewReader(k)})
		ids = append(ids, types.ObjectIdentifier{Key: aws.String(k)})
	}
	ids = append(ids, types.ObjectIdentifier{Key: aws.String("never-existed")}, types.ObjectIdentifier{Key: aws.String(strings.Repeat("x", 1025))})
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("del"), Delete: &types.Delete{Objects: ids}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 6 || len(out.Errors) != 1 || *out.Errors[0].Code != "KeyTooLongError" {
		t.Fatalf("deleted %d, errors %+v", len(out.Deleted), out.Errors)
	}
	out, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("del"), Delete: &types.Delete{Objects: ids[:2], Quiet: aws.Bool(true)}})
	if err != nil || len(out.Deleted) != 0 || len(out.Errors) != 0 {
		t.Fatalf("quiet: %+v %v", out, err)
	}
	if n := blobCount(t, blobs); n != 0 {
		t.Fatalf("%d blobs left", n)
	}
}

func TestS3BucketConfig(t *testing.T) {
	srv, _ := newS3Server(t)
	c := s3Client(srv)
	mustBucket(t, c, "cfg")
	if _, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("cfg")}); code(err) != "NoSuchBucketPolicy" {
		t.Fatalf("no policy: %v", err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::cfg/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("cfg"), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("cfg"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`)}); code(err) != "MalformedPolicy" {
		t.Errorf("a policy about another bucket: %v", err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("cfg"), Policy: aws.String("{not json")}); code(err) != "MalformedPolicy" {
		t.Fatalf("bad policy: %v", err)
	}
	gp, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("cfg")})
	if err != nil || *gp.Policy != policy {
		t.Fatalf("policy = %v, %v", gp, err)
	}
	st, err := c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("cfg")})
	if err != nil || !*st.PolicyStatus.IsPublic {
		t.Fatalf("policy status: %+v %v", st, err)
	}
	c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("cfg")})
	if _, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("cfg")}); code(err) != "NoSuchBucketPolicy" {
		t.Fatalf("deleted policy: %v", err)
	}
	if _, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("cfg")}); code(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Fatalf("no PAB: %v", err)
	}
	_, err = c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("cfg"), PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("cfg")})
	if err != nil || !*pab.PublicAccessBlockConfiguration.BlockPublicAcls || *pab.PublicAccessBlockConfiguration.BlockPublicPolicy || !*pab.PublicAccessBlockConfiguration.RestrictPublicBuckets {
		t.Fatalf("PAB: %+v %v", pab, err)
	}
	// CORS: stored, returned, and answered on preflight and actual requests.
	preflight := func(origin, method, headers string) *http.Response {
		req, _ := http.NewRequest("OPTIONS", srv.URL+"/cfg/some/key", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", method)
		if headers != "" {
			req.Header.Set("Access-Control-Request-Headers", headers)
		}
		resp, _ := do(t, req)
		return resp
	}
	if r := preflight("https://app.example", "PUT", ""); r.StatusCode != 403 {
		t.Fatalf("preflight without CORS: %d", r.StatusCode)
	}
	_, err = c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("cfg"), CORSConfiguration: &types.CORSConfiguration{CORSRules: []types.CORSRule{{
		AllowedOrigins: []string{"https://*.example"}, AllowedMethods: []string{"GET", "PUT"}, AllowedHeaders: []string{"*"},
		ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(300),
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("cfg")})
	if err != nil || len(gc.CORSRules) != 1 || gc.CORSRules[0].AllowedOrigins[0] != "https://*.example" || aws.ToInt32(gc.CORSRules[0].MaxAgeSeconds) != 300 {
		t.Fatalf("GetBucketCors: %+v %v", gc, err)
	}
	r := preflight("https://app.example", "PUT", "content-type, x-amz-date")
	if r.StatusCode != 200 || r.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || !strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), "PUT") ||
		r.Header.Get("Access-Control-Max-Age") != "300" || r.Header.Get("Access-Control-Allow-Headers") == "" {
		t.Fatalf("preflight: %d %v", r.StatusCode, r.Header)
	}
	if r := preflight("https://evil.test", "PUT", ""); r.StatusCode != 403 {
		t.Fatalf("preflight from another origin: %d", r.StatusCode)
	}
	if r := preflight("https://app.example", "DELETE", ""); r.StatusCode != 403 {
		t.Fatalf("preflight for another method: %d", r.StatusCode)
	}
	c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cfg"), Key: aws.String("k"), Body: strings.NewReader("v")})
	presigned, _ := s3.NewPresignClient(c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("cfg"), Key: aws.String("k")})
	req, _ := http.NewRequest("GET", presigned.URL, nil)
	req.Header.Set("Origin", "https://app.example")
	resp, body := do(t, req)
	if resp.StatusCode != 200 || string(body) != "v" || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || resp.Header.Get("Access-Control-Expose-Headers") != "ETag" {
		t.Fatalf("actual CORS request: %d %v", resp.StatusCode, resp.Header)
	}
	c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String("cfg")})
	if _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("cfg")}); code(err) != "NoSuchCORSConfiguration" {
		t.Fatalf("deleted CORS: %v", err)
	}
}

func TestS3BucketErrors(t *testing.T) {
	srv, _ := newS3Server(t)
	c := s3Client(srv)
	for _, bad := range []string{"ab", "UPPER", "a..b", "192.168.0.1", "-start", "xn--punycode", strings.Repeat("a", 64)} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bad)}); code(err) != "InvalidBucketName" {
			t.Errorf("CreateBucket(%q): %v", bad, err)
		}
	}
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("tokyo"), CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "ap-northeast-1"}})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("tokyo")})
	if err != nil || loc.LocationConstraint != "ap-northeast-1" {
		t.Fatalf("location: %+v %v", loc, err)
	}
	mustBucket(t, c, "zz-second")
	page, err := c.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(1)})
	if err != nil || len(page.Buckets) != 1 || *page.Buckets[0].Name != "tokyo" || page.ContinuationToken == nil {
		t.Fatalf("ListBuckets page 1: %+v %v", page, err)
	}
	page, err = c.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(1), ContinuationToken: page.ContinuationToken})
	if err != nil || len(page.Buckets) != 1 || *page.Buckets[0].Name != "zz-second" || page.ContinuationToken != nil {
		t.Fatalf("ListBuckets page 2: %+v %v", page, err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("tokyo")}); code(err) != "BucketAlreadyOwnedByYou" {
		t.Fatalf("recreate: %v", err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("nobucket")}); err == nil {
		t.Fatal("HeadBucket of a missing bucket succeeded")
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("nobucket"), Key: aws.String("k")}); code(err) != "NoSuchBucket" {
		t.Fatalf("GetObject without bucket: %v", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tokyo"), Key: aws.String("k")}); code(err) != "NoSuchKey" {
		t.Fatalf("GetObject without key: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tokyo"), Key: aws.String(strings.Repeat("k", 1025)), Body: strings.NewReader("x")}); code(err) != "KeyTooLongError" {
		t.Fatalf("long key: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tokyo"), Key: aws.String("k"), Body: strings.NewReader("x"), ContentMD5: aws.String("AAAAAAAAAAAAAAAAAAAAAA==")}); code(err) != "BadDigest" {
		t.Fatalf("bad MD5: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tokyo"), Key: aws.String("k"), Body: strings.NewReader("x"), ContentMD5: aws.String("nope")}); code(err) != "InvalidDigest" {
		t.Fatalf("invalid MD5: %v", err)
	}
	if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("tokyo"), ContinuationToken: aws.String("!!!")}); code(err) != "InvalidArgument" {
		t.Fatalf("bad continuation token: %v", err)
	}
}

// TestS3Keys: keys of any UTF-8 round-trip and never become paths.
func TestS3Keys(t *testing.T) {
	srv, blobs := newS3Server(t)
	c := s3Client(srv)
	mustBucket(t, c, "keys")
	keys := []string{"../../../etc/passwd", "..", "a/../b", "ap-northeast-1:0f6a-4e1c/photo.jpg", "with space", "日本語/キー", "%2F%00", "a//b", "trailing/", "+plus&amp=eq?q#h", strings.Repeat("長", 341)}
	for _, k := range keys {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("keys"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
	}
	for _, k := range keys {
		if got := string(get(t, c, "keys", k)); got != k {
			t.Errorf("get %q = %q", k, got)
		}
	}
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("keys"), EncodingType: types.EncodingTypeUrl})
	if err != nil || len(out.Contents) != len(keys) {
		t.Fatalf("list: %d, %v", len(out.Contents), err)
	}
	filepath.WalkDir(filepath.Dir(blobs), func(p string, d fs.DirEntry, err error) error {
		if strings.Contains(p, "passwd") || strings.Contains(p, "日本") {
			t.Errorf("a key became a path: %s", p)
		}
		return nil
	})
}

// TestS3ListModel pages through random listings and compares each page
// with a sorted in-memory model, V1 and V2, with and without delimiters.
func TestS3ListModel(t *testing.T) {
	srv, _ := newS3Server(t)
	c := s3Client(srv)
	mustBucket(t, c, "model")
	rng := rand.New(rand.NewSource(7))
	alphabet := []string{"a", "b", "/", "é", "0", "-", "日"}
	keys := map[string]bool{}
	for len(keys) < 300 {
		k := ""
		for j := rng.Intn(6); j >= 0; j-- {
			k += alphabet[rng.Intn(len(alphabet))]
		}
		keys[k] = true
	}
	var sorted []string
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for k := range keys {
		sorted = append(sorted, k)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("model"), Key: aws.String(k), Body: strings.NewReader("")}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	sort.Strings(sorted)
	// model lists everything under prefix, rolled up at delimiter.
	model := func(prefix, delim string) []string {
		var out []string
		seen := map[string]bool{}
		for _, k := range sorted {
			if !strings.HasPrefix(k, prefix) {
				continue
			}
			if delim != "" {
				if i := strings.Index(k[len(prefix):], delim); i >= 0 {
					cp := k[:len(prefix)+i+len(delim)]
					if !seen[cp] {
						seen[cp] = true
						out = append(out, "P:"+cp)
					}
					continue
				}
			}
			out = append(out, "K:"+k)
		}
		return out
	}
	for i := 0; i < 40; i++ {
		prefix, delim := "", ""
		if rng.Intn(2) == 0 {
			prefix = alphabet[rng.Intn(len(alphabet))]
		}
		if rng.Intn(2) == 0 {
			delim = alphabet[rng.Intn(len(alphabet))]
		}
		maxKeys := int32(1 + rng.Intn(40))
		want := model(prefix, delim)
		// V2, page by page.
		var got []string
		var token *string
		for pages := 0; ; pages++ {
			out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("model"), Prefix: aws.String(prefix), Delimiter: aws.String(delim), MaxKeys: aws.Int32(maxKeys), ContinuationToken: token})
			if err != nil {
				t.Fatal(err)
			}
			page := mergePage(out.Contents, out.CommonPrefixes)
			if int32(len(page)) > maxKeys || aws.ToInt32(out.KeyCount) != int32(len(page)) {
				t.Fatalf("V2 page of %d entries, KeyCount %d, max %d", len(page), aws.ToInt32(out.KeyCount), maxKeys)
			}
			got = append(got, page...)
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			if len(page) != int(maxKeys) {
				t.Fatalf("truncated V2 page holds %d of %d", len(page), maxKeys)
			}
			token = out.NextContinuationToken
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("V2 prefix %q delim %q max %d:\n got %q\nwant %q", prefix, delim, maxKeys, got, want)
		}
		// V1 with markers.
		got = nil
		var marker *string
		for {
			out, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("model"), Prefix: aws.String(prefix), Delimiter: aws.String(delim), MaxKeys: aws.Int32(maxKeys), Marker: marker})
			if err != nil {
				t.Fatal(err)
			}
			page := mergePage(out.Contents, out.CommonPrefixes)
			got = append(got, page...)
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			if out.NextMarker != nil {
				marker = out.NextMarker
			} else {
				marker = out.Contents[len(out.Contents)-1].Key
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("V1 prefix %q delim %q max %d:\n got %q\nwant %q", prefix, delim, maxKeys, got, want)
		}
	}
}

// mergePage interleaves a page's keys and prefixes in byte order.
func mergePage(objs []types.Object, cps []types.CommonPrefix) []string {
	var out []string
	for _, o := range objs {
		out = append(out, "K:"+*o.Key)
	}
	for _, p := range cps {
		out = append(out, "P:"+*p.Prefix)
	}
	sort.Slice(out, func(i, j int) bool { return out[i][2:] < out[j][2:] })
	return out
}

// TestS3ConcurrentPuts: racing PUTs to one key leave exactly one of the
// bodies, whole, and no blob of the losers.
func TestS3ConcurrentPuts(t *testing.T) {
	srv, blobs := newS3Server(t)
	c := s3Client(srv)
	mustBucket(t, c, "race")
	bodies := map[string]bool{}
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		body := strings.Repeat(fmt.Sprintf("writer %02d ", i), 20000)
		bodies[body] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("race"), Key: aws.String("k"), Body: strings.NewReader(body)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := string(get(t, c, "race", "k")); !bodies[got] {
		t.Fatalf("body is none of the written ones (%d bytes)", len(got))
	}
	if n := blobCount(t, blobs); n != 1 {
		t.Fatalf("%d blobs after racing puts, want 1", n)
	}
}

func binaryBE(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TestWellKnownOnlyPathStyle: /.well-known/ paths on a virtual-hosted
// bucket are object keys, not token key sets.
func TestWellKnownOnlyPathStyle(t *testing.T) {
	srv, _ := newS3Server(t)
	for _, path := range []string{"/a_b/.well-known/jwks.json", "/.well-known/jwks_uri"} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Host = "vh-bucket.localhost"
		resp, body := do(t, req)
		if resp.StatusCode != 403 || !strings.Contains(string(body), "<Code>AccessDenied</Code>") {
			t.Errorf("virtual-hosted GET %s: %d %s", path, resp.StatusCode, body)
		}
	}
}
