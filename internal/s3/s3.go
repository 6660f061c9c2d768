// Package s3 is the object store service: buckets and objects over the
// metadata store and the blob store. It knows nothing of HTTP; the front
// decodes S3 REST requests into these calls and encodes the results. Errors
// are *awserr.Error values in S3's codes and words.
package s3

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/blob"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/store"
)

// MaxKeyLength is the longest key S3 accepts, in bytes.
const MaxKeyLength = 1024

// MaxPutSize is the largest single PUT, part or copy S3 accepts (5 GiB).
const MaxPutSize = 5 << 30

// DefaultMinPartSize is the smallest part but the last S3 accepts.
const DefaultMinPartSize = 5 << 20

// Service is S3.
type Service struct {
	Meta   store.Store
	Blobs  blob.Store
	Region string
	Log    *slog.Logger
	Now    func() time.Time
	// Keys seals the data keys of objects encrypted with SSE-S3 and
	// SSE-KMS; without it those are refused.
	Keys *seal.Key
	// LifecycleDay is the length of a lifecycle rule's day
	// (DefaultLifecycleDay if 0); tests shorten it.
	LifecycleDay time.Duration
	// MinPartSize overrides DefaultMinPartSize (tests use small parts).
	MinPartSize int64
	// NoBucketCache reads every bucket record from the store: for nodes
	// sharing a store, where another node's change must apply at once.
	NoBucketCache bool

	// Lambda invokes the functions event notifications name (nil: every
	// delivery fails, and is logged).
	Lambda Lambda
	// ReplicationAuthz authorizes replication copies as their role (nil:
	// every copy fails).
	ReplicationAuthz ReplicationAuthz

	buckets    bucketCache
	versions   versionClock
	accessLogs accessLogs
	flagCache  flagCache
	notify     notifier
	notifyOnce sync.Once
	repl       replicator
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) minPartSize() int64 {
	if s.MinPartSize > 0 {
		return s.MinPartSize
	}
	return DefaultMinPartSize
}

// Errors in S3's words.
func errNoSuchBucket(b string) error {
	return awserr.New(404, "NoSuchBucket", "The specified bucket does not exist").With("BucketName", b)
}

func errNoSuchKey(k string) error {
	return awserr.New(404, "NoSuchKey", "The specified key does not exist.").With("Key", k)
}

func errNoSuchUpload(id string) error {
	return awserr.New(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").With("UploadId", id)
}

func errMalformedXML() error {
	return awserr.New(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
}

func errInvalidArgument(msg, name, value string) error {
	return awserr.New(400, "InvalidArgument", msg).With("ArgumentName", name).With("ArgumentValue", value)
}

func checkKey(key string) error {
	if len(key) > MaxKeyLength {
		return awserr.New(400, "KeyTooLongError", "Your key is too long").With("MaxSizeAllowed", "1024")
	}
	if key == "" {
		return awserr.New(400, "InvalidArgument", "Object key must not be empty.")
	}
	if strings.IndexByte(key, 0) >= 0 {
		// The store separates a key from its version and upload ids with
		// NUL, and XML listings could not carry it.
		return awserr.New(400, "InvalidArgument", "Object keys must not contain the NUL character.")
	}
	return nil
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
	if net.ParseIP(name) != nil || strings.HasPrefix(name, "xn--") || strings.HasPrefix(name, "sthree-") ||
		strings.HasSuffix(name, "-s3alias") || strings.HasSuffix(name, "--ol-s3") {
		return false
	}
	return true
}

// validRegions are the location constraints CreateBucket accepts: AWS's
// region names, shaped as such (two letters, a direction, a digit).
func validRegion(r string) bool {
	parts := strings.Split(r, "-")
	if len(parts) < 3 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		for _, c := range p {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
				return false
			}
		}
	}
	return true
}

// BucketOption sets up a new bucket's configuration.
type BucketOption func(b *store.Bucket)

// CreateBucket creates a bucket owned by account. location is the
// request's LocationConstraint ("" for the default region).
func (s *Service) CreateBucket(ctx context.Context, name, location, account string, opts ...BucketOption) error {
	if !ValidBucketName(name) {
		return awserr.New(400, "InvalidBucketName", "The specified bucket is not valid.").With("BucketName", name)
	}
	region := location
	switch {
	case location == "" || location == "US":
		region = "us-east-1"
	case location == "EU":
		region = "eu-west-1"
	case location == "us-east-1":
		return awserr.New(400, "InvalidLocationConstraint", "The specified location-constraint is not valid").With("LocationConstraint", location)
	case !validRegion(location):
		return awserr.New(400, "InvalidLocationConstraint", "The specified location-constraint is not valid").With("LocationConstraint", location)
	}
	if location == "" {
		region = s.Region
	}
	// New buckets disable ACLs (BucketOwnerEnforced), as S3's do.
	nb := store.Bucket{Name: name, Region: region, Owner: account, Created: s.now().UTC(), Config: map[string]string{ConfigOwnership: OwnerEnforced}}
	for _, o := range opts {
		o(&nb)
	}
	err := s.Meta.CreateBucket(ctx, nb)
	s.bucketChanged()
	if errors.Is(err, store.ErrAlreadyExists) {
		b, gerr := s.Meta.GetBucket(ctx, name)
		if gerr == nil && b.Owner == account && b.Region == "us-east-1" && region == "us-east-1" {
			// S3's legacy behaviour in us-east-1: re-creating a bucket
			// you own there succeeds (and changes nothing).
			return nil
		}
		if gerr == nil && b.Owner == account {
			return awserr.New(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.").With("BucketName", name)
		}
		return awserr.New(409, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.").With("BucketName", name)
	}
	return err
}

// Bucket returns a bucket, or NoSuchBucket.
func (s *Service) Bucket(ctx context.Context, name string) (store.Bucket, error) {
	b, err := s.getBucket(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return b, errNoSuchBucket(name)
	}
	return b, err
}

// BucketForAuthz returns the bucket record authorizing a request reads
// (its policy, public access block and owner), or ok false if there is no
// such bucket (the operation then answers NoSuchBucket); any other error
// is returned, and must deny.
func (s *Service) BucketForAuthz(ctx context.Context, name string) (b store.Bucket, ok bool, err error) {
	b, err = s.getBucket(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return b, false, nil
	}
	return b, err == nil, err
}

// ObjectTagsForAuthz returns an object's tags for s3:ExistingObjectTag
// (none if there is no such object); any other error must deny.
func (s *Service) ObjectTagsForAuthz(ctx context.Context, bucket, key, versionID string) (map[string]string, error) {
	if checkVersionID(versionID) != nil {
		return nil, nil // the operation refuses the id
	}
	o, err := s.lookup(ctx, bucket, key, versionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return o.Tags, nil
}

// ListBuckets lists every bucket.
func (s *Service) ListBuckets(ctx context.Context) ([]store.Bucket, error) {
	return s.Meta.ListBuckets(ctx)
}

// DeleteBucket deletes a bucket without objects, aborting the multipart
// uploads still in it as S3 does.
func (s *Service) DeleteBucket(ctx context.Context, name string) error {
	for {
		ups, err := s.Meta.ListUploads(ctx, name, store.UploadListOptions{Limit: 1000})
		if errors.Is(err, store.ErrNotFound) {
			return errNoSuchBucket(name)
		}
		if err != nil {
			return err
		}
		if len(ups) == 0 {
			break
		}
		if objs, err := s.Meta.ListVersions(ctx, name, store.VersionListOptions{Limit: 1}); err == nil && len(objs) > 0 {
			break // not empty anyway (objects or versions); keep the uploads
		}
		for _, u := range ups {
			if err := s.AbortMultipartUpload(ctx, name, u.Key, u.ID); err != nil && !awserr.Is(err, "NoSuchUpload") {
				return err
			}
		}
	}
	err := s.Meta.DeleteBucket(ctx, name)
	s.bucketChanged()
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errNoSuchBucket(name)
	case errors.Is(err, store.ErrNotEmpty):
		return awserr.New(409, "BucketNotEmpty", "The bucket you tried to delete is not empty").With("BucketName", name)
	}
	return err
}

// freeBlobs removes blobs no record refers to any more. A failure only
// leaves garbage that the start-up sweep removes, so it is logged.
func (s *Service) freeBlobs(ctx context.Context, ids ...string) {
	for _, id := range ids {
		if id == "" {
			continue
		}
		if err := s.Blobs.Remove(context.WithoutCancel(ctx), id); err != nil && s.Log != nil {
			s.Log.Warn("free blob", "blob", id, "err", err)
		}
	}
}

// objectBlobs lists the blobs holding an object's bytes.
func objectBlobs(o *store.Object) []string {
	if o == nil {
		return nil
	}
	ids := []string{o.BlobID}
	for _, p := range o.Parts {
		ids = append(ids, p.BlobID)
	}
	return ids
}

// Recover removes blobs no object refers to and temporary files, left by a
// crash before started (the time the server began). It only looks at
// blobs written before then, so it runs in the background while the server
// serves: start-up does not wait for a scan of every object.
func (s *Service) Recover(ctx context.Context, started time.Time) (int, error) {
	live := map[string]bool{}
	if err := s.Meta.BlobIDs(ctx, func(id string) error { live[id] = true; return nil }); err != nil {
		return 0, err
	}
	return s.Blobs.Sweep(ctx, started, func(id string) bool { return live[id] })
}
