// Package s3 is the object store service: buckets and objects over the
// metadata store and the blob store. It knows nothing of HTTP; the front
// decodes S3 REST requests into these calls and encodes the results.
package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/blob"
	"github.com/sekisho/sekisho/internal/checksum"
	"github.com/sekisho/sekisho/internal/store"
)

// MaxKeyLength is the longest key S3 accepts, in bytes.
const MaxKeyLength = 1024

// MaxPutSize is the largest single PUT S3 accepts (5 GiB).
const MaxPutSize = 5 << 30

// Service is S3.
type Service struct {
	Meta   store.Store
	Blobs  blob.Store
	Region string
	Log    *slog.Logger
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Errors in S3's words.
func errNoSuchBucket(b string) error {
	return awserr.New(404, "NoSuchBucket", "The specified bucket does not exist").With("BucketName", b)
}

func errNoSuchKey(k string) error {
	return awserr.New(404, "NoSuchKey", "The specified key does not exist.").With("Key", k)
}

// ValidBucketName reports whether name follows S3's bucket naming rules.
func ValidBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	alnum := func(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return false
	}
	if strings.Contains(name, "..") || strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return false
	}
	if net.ParseIP(name) != nil || strings.HasPrefix(name, "xn--") || strings.HasSuffix(name, "-s3alias") {
		return false
	}
	return true
}

// CreateBucket creates a bucket owned by account.
func (s *Service) CreateBucket(ctx context.Context, name, region, account string) error {
	if !ValidBucketName(name) {
		return awserr.New(400, "InvalidBucketName", "The specified bucket is not valid.").With("BucketName", name)
	}
	if region == "" {
		region = s.Region
	}
	err := s.Meta.CreateBucket(ctx, store.Bucket{Name: name, Region: region, Owner: account, Created: s.now().UTC()})
	if errors.Is(err, store.ErrAlreadyExists) {
		b, gerr := s.Meta.GetBucket(ctx, name)
		if gerr == nil && b.Owner == account {
			return awserr.New(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.").With("BucketName", name)
		}
		return awserr.New(409, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.").With("BucketName", name)
	}
	return err
}

// Bucket returns a bucket, or NoSuchBucket.
func (s *Service) Bucket(ctx context.Context, name string) (store.Bucket, error) {
	b, err := s.Meta.GetBucket(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return b, errNoSuchBucket(name)
	}
	return b, err
}

// ListBuckets lists every bucket.
func (s *Service) ListBuckets(ctx context.Context) ([]store.Bucket, error) {
	return s.Meta.ListBuckets(ctx)
}

// DeleteBucket deletes an empty bucket.
func (s *Service) DeleteBucket(ctx context.Context, name string) error {
	err := s.Meta.DeleteBucket(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errNoSuchBucket(name)
	case errors.Is(err, store.ErrNotEmpty):
		return awserr.New(409, "BucketNotEmpty", "The bucket you tried to delete is not empty").With("BucketName", name)
	}
	return err
}

// PutInput is a PutObject request.
type PutInput struct {
	Bucket, Key string
	Body        io.Reader
	// Size is the body length, or -1 when unknown (aws-chunked without a
	// decoded length).
	Size int64
	// ContentMD5 is the Content-MD5 header, if any.
	ContentMD5 string
	// Checksums are x-amz-checksum-* header values to verify.
	Checksums map[checksum.Algorithm]string
	// TrailerAlgorithm names the checksum an aws-chunked trailer carries;
	// Trailer returns its (already verified) value after Body's EOF.
	TrailerAlgorithm checksum.Algorithm
	Trailer          func() string
	Headers          map[string]string
	Metadata         map[string]string
}

// PutObject stores an object. The bytes become durable before the
// metadata that points at them commits, so a crash never exposes a partial
// object; the replaced object's bytes are freed after the commit.
func (s *Service) PutObject(ctx context.Context, in PutInput) (store.Object, error) {
	if len(in.Key) > MaxKeyLength {
		return store.Object{}, awserr.New(400, "KeyTooLongError", "Your key is too long").With("Size", fmt.Sprint(len(in.Key))).With("MaxSizeAllowed", fmt.Sprint(MaxKeyLength))
	}
	if in.Size > MaxPutSize {
		return store.Object{}, awserr.New(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size").With("ProposedSize", fmt.Sprint(in.Size)).With("MaxSizeAllowed", fmt.Sprint(MaxPutSize))
	}
	if _, err := s.Bucket(ctx, in.Bucket); err != nil {
		return store.Object{}, err
	}
	var wantMD5 []byte
	if in.ContentMD5 != "" {
		b, err := base64.StdEncoding.DecodeString(in.ContentMD5)
		if err != nil || len(b) != md5.Size {
			return store.Object{}, awserr.New(400, "InvalidDigest", "The Content-MD5 you specified is not valid.")
		}
		wantMD5 = b
	}
	hashes := map[checksum.Algorithm]hash.Hash{}
	for a, v := range in.Checksums {
		if !a.Valid(v) {
			return store.Object{}, awserr.Newf(400, "InvalidRequest", "Value for %s header is invalid.", a.Header())
		}
		hashes[a] = a.New()
	}
	if len(hashes) > 1 {
		return store.Object{}, awserr.New(400, "InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	md := md5.New()
	writers := []io.Writer{md}
	for _, h := range hashes {
		writers = append(writers, h)
	}
	body := io.TeeReader(io.LimitReader(in.Body, MaxPutSize+1), io.MultiWriter(writers...))
	id, n, err := s.Blobs.Put(ctx, body)
	if err != nil {
		return store.Object{}, err
	}
	fail := func(e error) (store.Object, error) {
		s.Blobs.Remove(context.WithoutCancel(ctx), id)
		return store.Object{}, e
	}
	if n > MaxPutSize {
		return fail(awserr.New(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"))
	}
	if in.Size >= 0 && n != in.Size {
		return fail(awserr.New(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header"))
	}
	sum := md.Sum(nil)
	if wantMD5 != nil && !bytes.Equal(sum, wantMD5) {
		return fail(awserr.New(400, "BadDigest", "The Content-MD5 you specified did not match what we received."))
	}
	checks := map[string]string{}
	for a, h := range hashes {
		got := checksum.Encode(h.Sum(nil))
		if got != in.Checksums[a] {
			return fail(awserr.Newf(400, "BadDigest", "The %s you specified did not match the calculated checksum.", a))
		}
		checks[string(a)] = got
	}
	if in.TrailerAlgorithm != "" && in.Trailer != nil {
		checks[string(in.TrailerAlgorithm)] = in.Trailer()
	}
	o := store.Object{
		Bucket: in.Bucket, Key: in.Key, BlobID: id, Size: n,
		ETag:     `"` + hex.EncodeToString(sum) + `"`,
		Modified: s.now().UTC().Truncate(time.Second),
		Headers:  in.Headers, Metadata: in.Metadata, Checksums: checks,
	}
	prev, err := s.Meta.PutObject(context.WithoutCancel(ctx), o, nil)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fail(errNoSuchBucket(in.Bucket))
		}
		return fail(err)
	}
	if prev != nil {
		s.freeBlob(ctx, prev.BlobID)
	}
	return o, nil
}

func (s *Service) freeBlob(ctx context.Context, id string) {
	if err := s.Blobs.Remove(context.WithoutCancel(ctx), id); err != nil && s.Log != nil {
		s.Log.Warn("free replaced blob", "blob", id, "err", err)
	}
}

// HeadObject returns an object's metadata.
func (s *Service) HeadObject(ctx context.Context, bucket, key string) (store.Object, error) {
	o, err := s.Meta.GetObject(ctx, bucket, key)
	if errors.Is(err, store.ErrNotFound) {
		if _, berr := s.Bucket(ctx, bucket); berr != nil {
			return o, berr
		}
		return o, errNoSuchKey(key)
	}
	return o, err
}

// GetObject returns an object's metadata and its open bytes.
func (s *Service) GetObject(ctx context.Context, bucket, key string) (store.Object, blob.File, error) {
	for range 3 {
		o, err := s.HeadObject(ctx, bucket, key)
		if err != nil {
			return o, nil, err
		}
		f, err := s.Blobs.Open(ctx, o.BlobID)
		if errors.Is(err, blob.ErrNotFound) {
			continue // replaced between the two reads; look again
		}
		return o, f, err
	}
	return store.Object{}, nil, awserr.New(http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
}

// DeleteObject deletes an object; deleting a missing key succeeds, as in S3.
func (s *Service) DeleteObject(ctx context.Context, bucket, key string) error {
	if _, err := s.Bucket(ctx, bucket); err != nil {
		return err
	}
	o, err := s.Meta.DeleteObject(ctx, bucket, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	s.freeBlob(ctx, o.BlobID)
	return nil
}

// ListInput is a ListObjectsV2 request.
type ListInput struct {
	Bucket, Prefix, Delimiter, StartAfter, ContinuationToken string
	MaxKeys                                                  int
}

// ListOutput is a page of objects and common prefixes.
type ListOutput struct {
	Objects               []store.Object
	CommonPrefixes        []string
	IsTruncated           bool
	NextContinuationToken string
}

// ListObjectsV2 lists a page of a bucket's keys in UTF-8 byte order,
// rolling keys that contain Delimiter after Prefix up into common
// prefixes. MaxKeys counts objects and prefixes together.
func (s *Service) ListObjectsV2(ctx context.Context, in ListInput) (ListOutput, error) {
	if _, err := s.Bucket(ctx, in.Bucket); err != nil {
		return ListOutput{}, err
	}
	after := in.StartAfter
	if in.ContinuationToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.ContinuationToken)
		if err != nil {
			return ListOutput{}, awserr.New(400, "InvalidArgument", "The continuation token provided is incorrect").With("ArgumentName", "continuation-token")
		}
		after = string(b)
	}
	if in.MaxKeys < 0 || in.MaxKeys > 1000 {
		in.MaxKeys = 1000
	}
	var out ListOutput
	count := 0
	for {
		page, err := s.Meta.ListObjects(ctx, in.Bucket, store.ListOptions{Prefix: in.Prefix, After: after, Limit: 1000})
		if err != nil {
			return ListOutput{}, err
		}
		for _, o := range page {
			if count == in.MaxKeys {
				out.IsTruncated = true
				out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(after))
				return out, nil
			}
			if in.Delimiter != "" {
				rest := o.Key[len(in.Prefix):]
				if i := strings.Index(rest, in.Delimiter); i >= 0 {
					cp := in.Prefix + rest[:i+len(in.Delimiter)]
					out.CommonPrefixes = append(out.CommonPrefixes, cp)
					count++
					// Keys are UTF-8 and never hold 0xff, so this skips
					// every key under cp and nothing else.
					after = cp + "\xff"
					break
				}
			}
			out.Objects = append(out.Objects, o)
			count++
			after = o.Key
		}
		if len(page) == 0 || (in.Delimiter == "" && len(page) < 1000) {
			return out, nil
		}
	}
}

// Recover removes blobs no object refers to and temporary files, left by a
// crash. Call it before serving.
func (s *Service) Recover(ctx context.Context) (int, error) {
	live := map[string]bool{}
	if err := s.Meta.BlobIDs(ctx, func(id string) error { live[id] = true; return nil }); err != nil {
		return 0, err
	}
	return s.Blobs.Sweep(ctx, func(id string) bool { return live[id] })
}
