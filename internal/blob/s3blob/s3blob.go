// Package s3blob is a blob.Store on an S3-compatible service (Ceph RGW,
// MinIO, Garage, AWS S3, or another sekisho), so that sekisho can put
// Cognito and IAM in front of an object store that already exists.
//
// A blob is the object <prefix><xx>/<id> of one bucket, written once: small
// blobs with one PutObject, larger ones as a multipart upload of 8 MiB
// parts, two at a time (so an upload holds about 24 MiB, whatever its size).
// The object is visible only when its PutObject or
// CompleteMultipartUpload returns — S3's own atomicity — so a crash never
// leaves a torn blob under an id; a crash mid-upload leaves an incomplete
// multipart upload, which Sweep aborts.
//
// Reads are ranged GETs: a File streams from where it was last read or
// sought, and ReadAt issues a GET of the range it needs.
package s3blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/sekisho/sekisho/internal/blob"
)

// Config names the bucket and how to reach it.
type Config struct {
	// URL is s3://bucket/prefix (the prefix may be empty).
	URL string
	// Endpoint is the service's URL (empty: AWS S3 in Region).
	Endpoint string
	Region   string
	// AccessKeyID and SecretAccessKey sign requests (empty: the
	// environment's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
	// AWS_SESSION_TOKEN).
	AccessKeyID, SecretAccessKey string
	// PathStyle addresses the bucket in the path (most self-hosted
	// services need it).
	PathStyle bool
	// HTTPClient, if set, carries the requests.
	HTTPClient *http.Client
}

// Store is a blob.Store in one bucket.
type Store struct {
	c      *s3.Client
	up     *manager.Uploader
	bucket string
	prefix string
}

var _ blob.Store = (*Store)(nil)

// PartSize and Concurrency bound an upload's memory.
const (
	PartSize    = 8 << 20
	Concurrency = 2
)

// Open returns the store; it checks that the bucket answers.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	u := strings.TrimPrefix(cfg.URL, "s3://")
	if u == cfg.URL || u == "" {
		return nil, fmt.Errorf("blob store %q: want s3://bucket/prefix", cfg.URL)
	}
	bucket, prefix, _ := strings.Cut(u, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	opts := s3.Options{
		Region:       cfg.Region,
		UsePathStyle: cfg.PathStyle,
		// Checksums only when the operation needs them: not every
		// S3-compatible service takes the SDK's newer trailing ones.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	token := ""
	if cfg.AccessKeyID == "" {
		cfg.AccessKeyID, cfg.SecretAccessKey, token = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
	}
	if cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
		return nil, errors.New("blob store: no access key (--blob-store-access-key-id, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
	}
	opts.Credentials = credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, token)
	if cfg.HTTPClient != nil {
		opts.HTTPClient = cfg.HTTPClient
	} else {
		opts.HTTPClient = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ResponseHeaderTimeout: 60 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   64,
		}}
	}
	c := s3.New(opts)
	s := &Store{c: c, bucket: bucket, prefix: prefix, up: manager.NewUploader(c, func(u *manager.Uploader) {
		u.PartSize = PartSize
		u.Concurrency = Concurrency
	})}
	hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := c.HeadBucket(hctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return nil, fmt.Errorf("blob store bucket %s: %w", bucket, err)
	}
	return s, nil
}

var idRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func (s *Store) key(id string) string { return s.prefix + id[:2] + "/" + id }

// countingReader counts what Put read.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readerError remembers the body's own failure, so Put returns it rather
// than the SDK's wrapping of it.
type readerError struct {
	r   io.Reader
	err error
}

func (r *readerError) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// Put implements blob.Store.
func (s *Store) Put(ctx context.Context, r io.Reader) (string, int64, error) {
	b := make([]byte, 16)
	rand.Read(b)
	id := hex.EncodeToString(b)
	cr := &countingReader{r: r}
	re := &readerError{r: cr}
	_, err := s.up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(id)), Body: re,
		ContentType: aws.String("application/octet-stream")})
	if re.err != nil {
		return "", 0, re.err
	}
	if err != nil {
		return "", 0, fmt.Errorf("blob store: put: %w", err)
	}
	return id, cr.n, nil
}

// Open implements blob.Store.
func (s *Store) Open(ctx context.Context, id string) (blob.File, error) {
	if !idRE.MatchString(id) {
		return nil, blob.ErrNotFound
	}
	h, err := s.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(id))})
	if notFound(err) {
		return nil, blob.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("blob store: open: %w", err)
	}
	return &file{s: s, ctx: context.WithoutCancel(ctx), key: s.key(id), size: aws.ToInt64(h.ContentLength), etag: aws.ToString(h.ETag)}, nil
}

func notFound(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NotFound", "NoSuchKey", "404":
			return true
		}
	}
	var nk *types.NoSuchKey
	var nf *types.NotFound
	return errors.As(err, &nk) || errors.As(err, &nf)
}

// file is an open blob. Sequential reads stream one GET from the offset;
// a Seek elsewhere drops it. ReadAt is safe for concurrent use.
type file struct {
	s    *Store
	ctx  context.Context
	key  string
	size int64
	etag string

	mu   sync.Mutex
	off  int64
	body io.ReadCloser
	// win caches the last window ReadAt fetched for a small read, so
	// small reads near one another cost one GET.
	winMu  sync.Mutex
	winOff int64
	win    []byte
}

// window is the span a small ReadAt fetches around what it needs.
const window = 64 << 10

func (f *file) get(off, end int64) (io.ReadCloser, error) {
	out, err := f.s.c.GetObject(f.ctx, &s3.GetObjectInput{Bucket: aws.String(f.s.bucket), Key: aws.String(f.key),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, end-1))})
	if err != nil {
		return nil, fmt.Errorf("blob store: read: %w", err)
	}
	return out.Body, nil
}

func (f *file) Read(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.off >= f.size {
		return 0, io.EOF
	}
	if f.body == nil {
		b, err := f.get(f.off, f.size)
		if err != nil {
			return 0, err
		}
		f.body = b
	}
	n, err := f.body.Read(p)
	f.off += int64(n)
	if err == io.EOF && f.off < f.size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil && err != io.EOF {
		f.body.Close()
		f.body = nil
	}
	return n, err
}

func (f *file) Seek(offset int64, whence int) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var to int64
	switch whence {
	case io.SeekStart:
		to = offset
	case io.SeekCurrent:
		to = f.off + offset
	case io.SeekEnd:
		to = f.size + offset
	default:
		return 0, errors.New("blob store: bad whence")
	}
	if to < 0 {
		return 0, errors.New("blob store: negative position")
	}
	if to != f.off && f.body != nil {
		f.body.Close()
		f.body = nil
	}
	f.off = to
	return to, nil
}

func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("blob store: negative offset")
	}
	if off >= f.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), f.size)
	if int64(len(p)) < window {
		f.winMu.Lock()
		defer f.winMu.Unlock()
		if f.win == nil || off < f.winOff || end > f.winOff+int64(len(f.win)) {
			wo := off &^ (window - 1)
			we := min(wo+2*window, f.size) // two windows: a read may straddle one edge
			b, err := f.get(wo, we)
			if err != nil {
				return 0, err
			}
			buf := make([]byte, we-wo)
			_, err = io.ReadFull(b, buf)
			b.Close()
			if err != nil {
				f.win = nil
				return 0, fmt.Errorf("blob store: read: %w", err)
			}
			f.winOff, f.win = wo, buf
		}
		n := copy(p, f.win[off-f.winOff:end-f.winOff])
		if end-off < int64(len(p)) {
			return n, io.EOF
		}
		return n, nil
	}
	b, err := f.get(off, end)
	if err != nil {
		return 0, err
	}
	defer b.Close()
	n, err := io.ReadFull(b, p[:end-off])
	if err == nil && end-off < int64(len(p)) {
		err = io.EOF
	}
	return n, err
}

func (f *file) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.body != nil {
		f.body.Close()
		f.body = nil
	}
	return nil
}

// Remove implements blob.Store.
func (s *Store) Remove(ctx context.Context, id string) error {
	if !idRE.MatchString(id) {
		return nil
	}
	_, err := s.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(id))})
	if err != nil && !notFound(err) {
		return fmt.Errorf("blob store: remove: %w", err)
	}
	return nil
}

// Sweep implements blob.Store. S3 dates have whole seconds, so a blob
// counts as written before before only if its second ended by then; the
// service's clock is taken to agree with ours (the caller's grace covers
// small skews). Incomplete multipart uploads begun before before are
// aborted: they are puts a crash interrupted.
func (s *Store) Sweep(ctx context.Context, before time.Time, keep func(id string) bool) (int, error) {
	removed := 0
	p := s3.NewListObjectsV2Paginator(s.c, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return removed, fmt.Errorf("blob store: sweep: %w", err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			id := key[strings.LastIndex(key, "/")+1:]
			if !idRE.MatchString(id) || o.LastModified == nil || o.LastModified.Add(time.Second).After(before) || keep(id) {
				continue
			}
			if err := s.Remove(ctx, id); err != nil {
				return removed, err
			}
			removed++
		}
	}
	up := s3.NewListMultipartUploadsPaginator(s.c, &s3.ListMultipartUploadsInput{Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix)})
	for up.HasMorePages() {
		page, err := up.NextPage(ctx)
		if err != nil {
			return removed, fmt.Errorf("blob store: sweep uploads: %w", err)
		}
		for _, u := range page.Uploads {
			if u.Initiated == nil || !u.Initiated.Add(time.Second).Before(before) {
				continue
			}
			s.c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(s.bucket), Key: u.Key, UploadId: u.UploadId})
		}
	}
	return removed, nil
}
