package s3

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Versioning. A bucket's state is the configuration document
// ConfigVersioning: absent (never enabled), "Enabled" or "Suspended";
// once enabled it never goes back to absent. The store keeps the versions
// (see store.Store.PutObject); the service decides each write's version
// id from the bucket's state:
//
//   - never enabled: "" (one version per key, replaced in place);
//   - Enabled: a new id, and the version it replaces stays;
//   - Suspended: "null", replacing the null version.

// ConfigVersioning is the bucket configuration document holding the
// versioning state.
const ConfigVersioning = "versioning"

// Versioning states.
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// versioning is a bucket's versioning state: "", Enabled or Suspended.
func versioning(b store.Bucket) string { return b.Config[ConfigVersioning] }

// versioned reports whether a bucket has ever had versioning.
func versioned(b store.Bucket) bool { return versioning(b) != "" }

// versionClock hands out increasing sequence numbers for versions: the
// wall clock in nanoseconds, nudged forward when two writes share a tick.
type versionClock struct {
	mu   sync.Mutex
	last int64
}

func (c *versionClock) next(now int64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now <= c.last {
		now = c.last + 1
	}
	c.last = now
	return now
}

// stamp gives o the version id and sequence number a write to bucket b
// gets now.
func (s *Service) stamp(b store.Bucket, o *store.Object) {
	o.Seq = s.versions.next(s.now().UnixNano())
	switch versioning(b) {
	case VersioningEnabled:
		o.VersionID = newVersionID(o.Seq)
	case VersioningSuspended:
		o.VersionID = "null"
	default:
		o.VersionID = ""
	}
	s.markReplication(b, o)
}

// eachVersion calls fn with every version of the keys under prefix, key
// by key, newest first, a page at a time; an error from fn stops it.
func (s *Service) eachVersion(ctx context.Context, bucket, prefix string, fn func(o *store.Object) error) error {
	opt := store.VersionListOptions{Prefix: prefix, Limit: 1000}
	for {
		page, err := s.Meta.ListVersions(ctx, bucket, opt)
		if err != nil {
			return err
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				return err
			}
		}
		if len(page) < opt.Limit {
			return nil
		}
		last := page[len(page)-1]
		opt.AfterKey, opt.AfterVersion = last.Key, last.VersionID
		if opt.AfterVersion == "" {
			opt.AfterVersion = "null"
		}
	}
}

// newVersionID returns a version id: 16 hex digits of seq (so the store
// finds a version from its id alone) and 16 random ones.
func newVersionID(seq int64) string {
	r := make([]byte, 8)
	rand.Read(r)
	return fmt.Sprintf("%016x%s", uint64(seq), hex.EncodeToString(r))
}

// checkVersionID refuses a versionId that no version can have.
func checkVersionID(id string) error {
	if id == "" || id == "null" {
		return nil
	}
	if len(id) == 32 {
		if _, err := hex.DecodeString(id); err == nil {
			return nil
		}
	}
	return errInvalidArgument("Invalid version id specified", "versionId", id)
}

func errNoSuchVersion(key, id string) error {
	return awserr.New(404, "NoSuchVersion", "The specified version does not exist.").With("Key", key).With("VersionId", id)
}

// ReportedVersion is the version id responses give for o in bucket b: ""
// (no header) in a bucket that never had versioning, "null" for its null
// version.
func ReportedVersion(b store.Bucket, o store.Object) string {
	if o.VersionID == "" && versioned(b) {
		return "null"
	}
	return o.VersionID
}

// PutBucketVersioning sets a bucket's versioning state. MFA delete is not
// supported (sekisho has no MFA devices for the root user).
func (s *Service) PutBucketVersioning(ctx context.Context, bucket, status, mfaDelete string) error {
	switch status {
	case VersioningEnabled, VersioningSuspended:
	default:
		return errMalformedXML()
	}
	switch mfaDelete {
	case "", "Disabled":
	case "Enabled":
		return awserr.New(501, "NotImplemented", "sekisho does not implement MFA delete: versioning can be Enabled or Suspended with MfaDelete Disabled.").With("Header", "x-amz-mfa")
	default:
		return errMalformedXML()
	}
	return s.setConfig(ctx, bucket, ConfigVersioning, status, func(b *store.Bucket) error {
		if status == VersioningSuspended && b.Config[ConfigObjectLock] != "" {
			return awserr.New(409, "InvalidBucketState", "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
		}
		if status == VersioningSuspended && b.Config[ConfigReplication] != "" {
			return awserr.New(409, "InvalidBucketState", "A replication configuration is present on this bucket, so the versioning state cannot be changed.")
		}
		return nil
	})
}

// GetBucketVersioning returns a bucket's versioning state ("" if never
// enabled).
func (s *Service) GetBucketVersioning(ctx context.Context, bucket string) (string, error) {
	b, err := s.Bucket(ctx, bucket)
	return versioning(b), err
}

// DeleteOutput is what DeleteObject did.
type DeleteOutput struct {
	// VersionID is the version deleted, or of the delete marker made.
	VersionID string
	// DeleteMarker is true when a delete marker was made, or the version
	// deleted was one.
	DeleteMarker bool
}

// DeleteInput is a DeleteObject request.
type DeleteInput struct {
	Bucket, Key string
	// VersionID deletes one version for good ("" the key: a delete
	// marker in a versioned bucket).
	VersionID string
	// BypassGovernance is x-amz-bypass-governance-retention, already
	// authorized (s3:BypassGovernanceRetention).
	BypassGovernance bool
	Cond             Conditions
}

// Delete deletes an object or one version of it, as S3 does for the
// bucket's versioning state: without a version id, a versioned bucket
// gets a delete marker; deleting a missing key succeeds.
func (s *Service) Delete(ctx context.Context, in DeleteInput) (DeleteOutput, error) {
	if err := checkVersionID(in.VersionID); err != nil {
		return DeleteOutput{}, err
	}
	b, err := s.Bucket(ctx, in.Bucket)
	if err != nil {
		return DeleteOutput{}, err
	}
	ctx = context.WithoutCancel(ctx)
	if in.VersionID != "" {
		now := s.now()
		o, err := s.Meta.DeleteVersion(ctx, in.Bucket, in.Key, in.VersionID, func(o *store.Object) error {
			if err := in.Cond.checkDelete(o); err != nil {
				return err
			}
			return checkLockedDelete(o, in.BypassGovernance, now)
		})
		if errors.Is(err, store.ErrNotFound) {
			// Deleting a version that does not exist succeeds, as in S3.
			return DeleteOutput{VersionID: in.VersionID}, nil
		}
		if err != nil {
			return DeleteOutput{}, err
		}
		s.freeBlobs(ctx, objectBlobs(&o)...)
		return DeleteOutput{VersionID: ReportedVersion(b, o), DeleteMarker: o.DeleteMarker}, nil
	}
	if !versioned(b) {
		if in.Cond != (Conditions{}) {
			if err := s.checkDeleteNow(ctx, in.Bucket, in.Key, in.Cond); err != nil {
				return DeleteOutput{}, err
			}
		}
		return DeleteOutput{}, s.DeleteObject(ctx, in.Bucket, in.Key)
	}
	if in.Cond != (Conditions{}) {
		if err := s.checkDeleteNow(ctx, in.Bucket, in.Key, in.Cond); err != nil {
			return DeleteOutput{}, err
		}
	}
	m := store.Object{Bucket: in.Bucket, Key: in.Key, Modified: s.now().UTC().Truncate(time.Millisecond), DeleteMarker: true}
	s.stamp(b, &m)
	gone, err := s.Meta.PutDeleteMarker(ctx, m)
	if errors.Is(err, store.ErrNotFound) {
		return DeleteOutput{}, errNoSuchBucket(in.Bucket)
	}
	if err != nil {
		return DeleteOutput{}, err
	}
	s.freeBlobs(ctx, objectBlobs(gone)...)
	return DeleteOutput{VersionID: m.VersionID, DeleteMarker: true}, nil
}

// checkDelete applies a conditional delete's If-Match to the version.
func (c Conditions) checkDelete(o *store.Object) error {
	if c.IfMatch != "" && (o.DeleteMarker || !etagMatches(c.IfMatch, o.ETag)) {
		return errPrecondition("If-Match")
	}
	return nil
}

func (s *Service) checkDeleteNow(ctx context.Context, bucket, key string, c Conditions) error {
	if c.IfMatch == "" {
		return nil
	}
	o, err := s.Meta.GetObject(ctx, bucket, key)
	if errors.Is(err, store.ErrNotFound) {
		return errNoSuchKey(key)
	}
	if err != nil {
		return err
	}
	return c.checkDelete(&o)
}

// version reads the version a request names: versionID "" the current
// object (NoSuchKey, saying whether a delete marker hides it), else that
// version (NoSuchVersion; a delete marker is 405 MethodNotAllowed).
func (s *Service) version(ctx context.Context, bucket, key, versionID string) (store.Object, error) {
	if err := checkVersionID(versionID); err != nil {
		return store.Object{}, err
	}
	o, err := s.lookup(ctx, bucket, key, versionID)
	if errors.Is(err, store.ErrNotFound) {
		b, berr := s.Bucket(ctx, bucket)
		if berr != nil {
			return o, berr
		}
		if versionID != "" {
			return o, errNoSuchVersion(key, versionID)
		}
		e := errNoSuchKey(key).(*awserr.Error)
		if versioned(b) {
			if m, merr := s.Meta.GetVersion(ctx, bucket, key, ""); merr == nil && m.DeleteMarker {
				e.WithHeader("x-amz-delete-marker", "true").WithHeader("x-amz-version-id", ReportedVersion(b, m))
			}
		}
		return o, e
	}
	if err != nil {
		return o, err
	}
	if o.DeleteMarker {
		b, _ := s.Bucket(ctx, bucket)
		return o, awserr.New(405, "MethodNotAllowed", "The specified method is not allowed against this resource.").
			With("Method", "GET").With("ResourceType", "DeleteMarker").
			WithHeader("x-amz-delete-marker", "true").WithHeader("x-amz-version-id", ReportedVersion(b, o)).
			WithHeader("Last-Modified", o.Modified.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")).
			WithHeader("Allow", "DELETE")
	}
	return o, nil
}

// lookup reads the current object (versionID "") or one version from the
// store, with the store's errors.
func (s *Service) lookup(ctx context.Context, bucket, key, versionID string) (store.Object, error) {
	if versionID == "" {
		return s.Meta.GetObject(ctx, bucket, key)
	}
	return s.Meta.GetVersion(ctx, bucket, key, versionID)
}

// VersionListInput is a ListObjectVersions request.
type VersionListInput struct {
	Bucket, Prefix, Delimiter  string
	KeyMarker, VersionIDMarker string
	MaxKeys                    int
}

// VersionListOutput is a page of versions.
type VersionListOutput struct {
	Bucket store.Bucket
	// Versions are versions and delete markers in order, with IsLatest.
	Versions       []ListedVersion
	CommonPrefixes []string
	IsTruncated    bool
	// NextKeyMarker and NextVersionIDMarker resume a truncated listing.
	NextKeyMarker, NextVersionIDMarker string
}

// ListedVersion is one entry of a version listing.
type ListedVersion struct {
	store.Object
	IsLatest bool
}

// ListObjectVersions lists a bucket's versions. Each page reads at most
// MaxKeys+1 entries beyond those rolled into common prefixes, however
// large the bucket.
func (s *Service) ListObjectVersions(ctx context.Context, in VersionListInput) (VersionListOutput, error) {
	b, err := s.Bucket(ctx, in.Bucket)
	if err != nil {
		return VersionListOutput{}, err
	}
	if in.VersionIDMarker != "" && in.KeyMarker == "" {
		return VersionListOutput{}, errInvalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker", in.VersionIDMarker)
	}
	if in.VersionIDMarker != "" {
		if err := checkVersionID(in.VersionIDMarker); err != nil {
			return VersionListOutput{}, errInvalidArgument("Invalid version id specified", "version-id-marker", in.VersionIDMarker)
		}
	}
	max := in.MaxKeys
	if max < 0 || max > 1000 {
		max = 1000
	}
	out := VersionListOutput{Bucket: b}
	if max == 0 {
		return out, nil
	}
	opt := store.VersionListOptions{Prefix: in.Prefix, AfterKey: in.KeyMarker, AfterVersion: in.VersionIDMarker, Limit: 1000}
	// An entry is its key's latest when it is the first of its key; a
	// page that resumes within a key (a version marker) starts past it.
	prevKey := in.KeyMarker
	skip := ""
	if in.Delimiter != "" {
		skip = in.KeyMarker // a common prefix returned on an earlier page
	}
	count := 0
	for {
		page, err := s.Meta.ListVersions(ctx, in.Bucket, opt)
		if errors.Is(err, store.ErrNotFound) {
			return out, errNoSuchBucket(in.Bucket)
		}
		if err != nil {
			return out, err
		}
		rolled := false
		for _, o := range page {
			latest := o.Key != prevKey
			prevKey = o.Key
			cp := ""
			if in.Delimiter != "" {
				if i := strings.Index(o.Key[len(in.Prefix):], in.Delimiter); i >= 0 {
					cp = o.Key[:len(in.Prefix)+i+len(in.Delimiter)]
				}
			}
			if cp != "" && skip != "" && strings.HasPrefix(skip, cp) {
				opt.AfterKey, opt.AfterVersion, rolled = cp+"\xff", "", true
				break
			}
			if count == max {
				out.IsTruncated = true
				return out, nil
			}
			count++
			if cp != "" {
				out.CommonPrefixes = append(out.CommonPrefixes, cp)
				out.NextKeyMarker, out.NextVersionIDMarker = cp, ""
				// Keys are UTF-8 and never hold 0xff: this skips every key
				// under cp and nothing else.
				opt.AfterKey, opt.AfterVersion, rolled = cp+"\xff", "", true
				break
			}
			v := ReportedVersion(b, o)
			out.Versions = append(out.Versions, ListedVersion{o, latest})
			out.NextKeyMarker, out.NextVersionIDMarker = o.Key, v
			opt.AfterKey, opt.AfterVersion = o.Key, v
		}
		if !rolled && len(page) < opt.Limit {
			return out, nil
		}
	}
}
