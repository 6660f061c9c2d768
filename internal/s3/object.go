package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/blob"
	"github.com/sekisho/sekisho/internal/checksum"
	"github.com/sekisho/sekisho/internal/objcrypt"
	"github.com/sekisho/sekisho/internal/store"
)

// Conditions are a request's HTTP preconditions.
type Conditions struct {
	IfMatch, IfNoneMatch               string
	IfModifiedSince, IfUnmodifiedSince time.Time // zero: absent
}

func errPrecondition(cond string) error {
	return awserr.New(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold").With("Condition", cond)
}

// errNotModified is not an error to the client but the 304 answer; the
// front renders it without a body.
var errNotModified = awserr.New(304, "NotModified", "Not Modified")

// IsNotModified reports whether err is the 304 answer to a conditional
// read.
func IsNotModified(err error) bool { return awserr.Is(err, "NotModified") }

func etagMatches(list, etag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.Trim(t, `"`) == strings.Trim(etag, `"`) {
			return true
		}
	}
	return false
}

// check decides a conditional read of o as S3 does: If-Match overrides
// If-Unmodified-Since, and If-None-Match overrides If-Modified-Since.
func (c Conditions) check(o store.Object) error {
	if c.IfMatch != "" {
		if !etagMatches(c.IfMatch, o.ETag) {
			return errPrecondition("If-Match")
		}
	} else if !c.IfUnmodifiedSince.IsZero() && o.Modified.After(c.IfUnmodifiedSince) {
		return errPrecondition("If-Unmodified-Since")
	}
	if c.IfNoneMatch != "" {
		if etagMatches(c.IfNoneMatch, o.ETag) {
			return errNotModified.With("Condition", "If-None-Match")
		}
	} else if !c.IfModifiedSince.IsZero() && !o.Modified.After(c.IfModifiedSince) {
		return errNotModified.With("Condition", "If-Modified-Since")
	}
	return nil
}

// checkWrite decides a conditional write over the current object old:
// If-None-Match: * demands no object, If-Match an object with that ETag.
func (c Conditions) checkWrite(key string, old *store.Object) error {
	if c.IfNoneMatch != "" {
		if c.IfNoneMatch != "*" {
			return awserr.New(501, "NotImplemented", "A header you provided implies functionality that is not implemented").With("Header", "If-None-Match")
		}
		if old != nil {
			return errPrecondition("If-None-Match")
		}
	}
	if c.IfMatch != "" {
		if old == nil {
			return errNoSuchKey(key)
		}
		if !etagMatches(c.IfMatch, old.ETag) {
			return errPrecondition("If-Match")
		}
	}
	return nil
}

// ObjectAttrs are what a writer sets on a new object besides its bytes.
type ObjectAttrs struct {
	Headers  map[string]string
	Metadata map[string]string
	Tags     map[string]string
}

// PutInput is a PutObject request.
type PutInput struct {
	Bucket, Key string
	Body
	ObjectAttrs
	Cond Conditions
	SSE  SSERequest
	Lock LockRequest
	ACL  *ACLRequest
}

// PutObject stores an object. The bytes become durable before the
// metadata that points at them commits, so a crash never exposes a partial
// object; the replaced object's bytes are freed after the commit.
func (s *Service) PutObject(ctx context.Context, in PutInput) (store.Object, error) {
	if err := checkKey(in.Key); err != nil {
		return store.Object{}, err
	}
	b, err := s.Bucket(ctx, in.Bucket)
	if err != nil {
		return store.Object{}, err
	}
	enc, key, err := s.newEncryption(b, in.SSE)
	if err != nil {
		return store.Object{}, err
	}
	acl, err := aclForWrite(b, in.ACL)
	if err != nil {
		return store.Object{}, err
	}
	if in.Cond != (Conditions{}) {
		// Fail early when we can; the commit checks again.
		if err := s.checkWriteNow(ctx, in.Bucket, in.Key, in.Cond); err != nil {
			return store.Object{}, err
		}
	}
	w, err := s.write(ctx, in.Body, "", true, key)
	if err != nil {
		return store.Object{}, err
	}
	opaqueETag(&w, enc, key)
	o := store.Object{
		Bucket: in.Bucket, Key: in.Key, BlobID: w.blobID, Inline: w.inline, Size: w.size, ETag: w.etag(),
		Modified: s.now().UTC().Truncate(time.Second), Checksums: w.checksums, ChecksumType: "FULL_OBJECT",
		Headers: in.Headers, Metadata: in.Metadata, Tags: in.Tags, SSE: enc, ACL: acl,
	}
	s.stamp(b, &o)
	if err := s.applyLock(b, in.Lock, &o); err != nil {
		s.freeBlobs(ctx, w.blobID)
		return store.Object{}, err
	}
	return s.commit(ctx, o, in.Cond, w.blobID)
}

func (s *Service) checkWriteNow(ctx context.Context, bucket, key string, c Conditions) error {
	old, err := s.Meta.GetObject(ctx, bucket, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return c.checkWrite(key, nil)
	case err != nil:
		return err
	}
	return c.checkWrite(key, &old)
}

// commit stores o under its key if cond holds, freeing the bytes of the
// object it replaces, or freeing o's own blobs if it fails.
func (s *Service) commit(ctx context.Context, o store.Object, cond Conditions, own ...string) (store.Object, error) {
	var check func(*store.Object) error
	if cond != (Conditions{}) {
		check = func(old *store.Object) error { return cond.checkWrite(o.Key, old) }
	}
	prev, err := s.Meta.PutObject(context.WithoutCancel(ctx), o, check)
	if err != nil {
		s.freeBlobs(ctx, own...)
		if errors.Is(err, store.ErrNotFound) {
			return store.Object{}, errNoSuchBucket(o.Bucket)
		}
		return store.Object{}, err
	}
	s.freeBlobs(ctx, objectBlobs(prev)...)
	return o, nil
}

// HeadObject returns the metadata of an object's current version.
func (s *Service) HeadObject(ctx context.Context, bucket, key string) (store.Object, error) {
	return s.version(ctx, bucket, key, "")
}

// ObjectAttributes returns the metadata of a version ("" the current
// one) for GetObjectAttributes: an SSE-C object's only with its key, as
// its size and parts are about its plaintext.
func (s *Service) ObjectAttributes(ctx context.Context, bucket, key, versionID string, ck *CustomerKey) (store.Object, error) {
	o, err := s.version(ctx, bucket, key, versionID)
	if err != nil {
		return o, err
	}
	if _, err := s.readKey(o.SSE, ck); err != nil {
		return store.Object{}, err
	}
	return o, nil
}

// GetInput is a GetObject or HeadObject request.
type GetInput struct {
	Bucket, Key string
	// Range is the Range header, if any.
	Range string
	// PartNumber selects one part (1-based) if not 0.
	PartNumber int
	Cond       Conditions
	// Head asks for metadata only: Body stays nil.
	Head bool
	// SSE is the request's SSE-C key, if any.
	SSE *CustomerKey
	// VersionID selects a version ("" the current one).
	VersionID string
}

// GetOutput is an object, or the part of it asked for.
type GetOutput struct {
	Object store.Object
	// Start and Length give the bytes served; Partial is true for a range
	// or part (206), with ContentRange its Content-Range.
	Start, Length int64
	Partial       bool
	ContentRange  string
	// PartsCount is the object's part count when a part was asked for.
	PartsCount int
	// Body reads the bytes; the caller closes it.
	Body io.ReadCloser
}

// GetObject returns an object's metadata and, unless in.Head, a reader of
// the bytes asked for. The reader holds the blobs open, so a concurrent
// overwrite does not disturb a read in progress.
func (s *Service) GetObject(ctx context.Context, in GetInput) (GetOutput, error) {
	for range 3 {
		out, err := s.getOnce(ctx, in)
		if errors.Is(err, blob.ErrNotFound) {
			continue // replaced between the two reads; look again
		}
		return out, err
	}
	return GetOutput{}, awserr.New(503, "SlowDown", "Please reduce your request rate.")
}

func (s *Service) getOnce(ctx context.Context, in GetInput) (GetOutput, error) {
	o, err := s.version(ctx, in.Bucket, in.Key, in.VersionID)
	if err != nil {
		return GetOutput{}, err
	}
	if !in.Head && s.archived(o) {
		return GetOutput{}, errArchived(o)
	}
	key, err := s.readKey(o.SSE, in.SSE)
	if err != nil {
		return GetOutput{}, err
	}
	if in.Cond.IfModifiedSince.After(s.now()) {
		// S3 ignores an If-Modified-Since in the future, as HTTP says
		// a server should.
		in.Cond.IfModifiedSince = time.Time{}
	}
	if err := in.Cond.check(o); err != nil {
		return GetOutput{Object: o}, err
	}
	out := GetOutput{Object: o, Length: o.Size}
	switch {
	case in.PartNumber > 0:
		if in.Range != "" {
			return out, awserr.New(400, "InvalidRequest", "Cannot specify both Range header and partNumber query parameter")
		}
		count := max(len(o.Parts), 1)
		if in.PartNumber > count {
			return out, awserr.New(416, "InvalidPartNumber", "The requested partnumber is not satisfiable").With("PartNumberRequested", strconv.Itoa(in.PartNumber)).With("ActualPartCount", strconv.Itoa(count))
		}
		out.PartsCount = count
		if len(o.Parts) > 0 {
			for _, p := range o.Parts[:in.PartNumber-1] {
				out.Start += p.Size
			}
			out.Length = o.Parts[in.PartNumber-1].Size
			out.Partial = true
		}
	case in.Range != "":
		start, length, ok, err := ParseRange(in.Range, o.Size)
		if err != nil {
			return out, err
		}
		if ok {
			out.Start, out.Length, out.Partial = start, length, true
		}
	}
	if out.Partial {
		out.ContentRange = fmt.Sprintf("bytes %d-%d/%d", out.Start, out.Start+out.Length-1, o.Size)
		if out.Length == 0 {
			out.ContentRange = fmt.Sprintf("bytes */%d", o.Size)
		}
	}
	if in.Head {
		return out, nil
	}
	out.Body, err = s.open(ctx, o, out.Start, out.Length, key)
	return out, err
}

// ParseRange parses a single HTTP byte range against size. ok is false
// when the header is to be ignored (several ranges, another unit, bad
// syntax), as S3 does; an unsatisfiable range is InvalidRange.
func ParseRange(h string, size int64) (start, length int64, ok bool, err error) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, nil
	}
	invalid := awserr.New(416, "InvalidRange", "The requested range is not satisfiable").With("RangeRequested", h).With("ActualObjectSize", strconv.FormatInt(size, 10))
	if a == "" {
		n, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || n < 0 {
			return 0, 0, false, nil
		}
		if n == 0 || size == 0 {
			return 0, 0, false, invalid
		}
		n = min(n, size)
		return size - n, n, true, nil
	}
	s, perr := strconv.ParseInt(a, 10, 64)
	if perr != nil || s < 0 {
		return 0, 0, false, nil
	}
	e := size - 1
	if b != "" {
		v, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || v < s {
			return 0, 0, false, nil
		}
		e = min(v, size-1)
	}
	if s >= size {
		return 0, 0, false, invalid
	}
	return s, e - s + 1, true, nil
}

// segment is the bytes [off, off+n) of one blob, whose plaintext is size
// bytes long.
type segment struct {
	id           string
	off, n, size int64
}

// segments maps [start, start+length) of o onto its blobs.
func segments(o store.Object, start, length int64) []segment {
	if len(o.Parts) == 0 {
		return []segment{{o.BlobID, start, length, o.Size}}
	}
	var out []segment
	pos := int64(0)
	for _, p := range o.Parts {
		end := pos + p.Size
		if length > 0 && end > start {
			off := max(start-pos, 0)
			n := min(p.Size-off, length)
			out = append(out, segment{p.BlobID, off, n, p.Size})
			start += n
			length -= n
		}
		pos = end
	}
	return out
}

// open opens the blobs behind a byte range of o. It opens all of them at
// once so that freeing them after an overwrite cannot cut a read short.
// key is o's data key if it is encrypted (see readKey).
func (s *Service) open(ctx context.Context, o store.Object, start, length int64, key []byte) (io.ReadCloser, error) {
	if o.Inline != nil {
		if key == nil {
			return io.NopCloser(bytes.NewReader(o.Inline[start : start+length])), nil
		}
		d, err := objcrypt.Open(key, bytes.NewReader(o.Inline), o.Size)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(d.Range(start, length)), nil
	}
	r := &multiReader{}
	for _, sg := range segments(o, start, length) {
		f, err := s.Blobs.Open(ctx, sg.id)
		if err != nil {
			r.Close()
			return nil, err
		}
		r.files = append(r.files, f)
		if key != nil {
			d, err := objcrypt.Open(key, f, sg.size)
			if err != nil {
				r.Close()
				return nil, err
			}
			r.readers = append(r.readers, &io.LimitedReader{R: d.Range(sg.off, sg.n), N: sg.n})
			r.exact = append(r.exact, true)
			continue
		}
		if _, err := f.Seek(sg.off, io.SeekStart); err != nil {
			r.Close()
			return nil, err
		}
		r.readers = append(r.readers, &io.LimitedReader{R: f, N: sg.n})
		r.exact = append(r.exact, false)
	}
	return r, nil
}

// multiReader reads segments of blobs in turn. Each segment is a
// LimitedReader over a seeked file, the shape net/http turns into
// sendfile(2).
type multiReader struct {
	files   []blob.File
	readers []*io.LimitedReader
	// exact marks segments whose reader writes exactly its range
	// (objcrypt's Range). A file's own WriteTo (*os.File has one) writes
	// to its end, past the segment: those go through io.Copy and the
	// LimitedReader.
	exact []bool
}

func (m *multiReader) Read(p []byte) (int, error) {
	for len(m.readers) > 0 {
		n, err := m.readers[0].Read(p)
		if err == io.EOF {
			if m.readers[0].N > 0 {
				return n, io.ErrUnexpectedEOF // the blob is shorter than its record
			}
			m.readers, m.exact = m.readers[1:], m.exact[1:]
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
	return 0, io.EOF
}

// WriteTo hands each segment to w in one io.Copy.
func (m *multiReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for len(m.readers) > 0 {
		r := m.readers[0]
		var n int64
		var err error
		if wt, ok := r.R.(io.WriterTo); ok && m.exact[0] {
			// An encrypted segment writes its own plaintext, exactly
			// its length (objcrypt's Range).
			n, err = wt.WriteTo(w)
			r.N -= n
		} else {
			n, err = io.Copy(w, r)
		}
		total += n
		if err != nil {
			return total, err
		}
		if r.N > 0 {
			return total, io.ErrUnexpectedEOF
		}
		m.readers, m.exact = m.readers[1:], m.exact[1:]
	}
	return total, nil
}

func (m *multiReader) Close() error {
	for _, f := range m.files {
		f.Close()
	}
	m.files, m.readers, m.exact = nil, nil, nil
	return nil
}

// DeleteObject deletes an object; deleting a missing key succeeds, as in S3.
func (s *Service) DeleteObject(ctx context.Context, bucket, key string) error {
	if _, err := s.Bucket(ctx, bucket); err != nil {
		return err
	}
	o, err := s.Meta.DeleteObject(context.WithoutCancel(ctx), bucket, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	s.freeBlobs(ctx, objectBlobs(&o)...)
	return nil
}

// DeleteResult is the outcome of one key of DeleteObjects.
type DeleteResult struct {
	Key string
	DeleteOutput
	Err *awserr.Error // nil: deleted
}

// ObjectID names a key, or one version of it.
type ObjectID struct {
	Key, VersionID string
}

// DeleteObjects deletes up to 1,000 keys or versions, reporting each
// outcome.
func (s *Service) DeleteObjects(ctx context.Context, bucket string, ids []ObjectID, bypassGovernance bool) ([]DeleteResult, error) {
	if len(ids) == 0 || len(ids) > 1000 {
		return nil, errMalformedXML()
	}
	if _, err := s.Bucket(ctx, bucket); err != nil {
		return nil, err
	}
	out := make([]DeleteResult, 0, len(ids))
	for _, id := range ids {
		r := DeleteResult{Key: id.Key}
		var err error
		if err = checkKey(id.Key); err == nil {
			r.DeleteOutput, err = s.Delete(ctx, DeleteInput{Bucket: bucket, Key: id.Key, VersionID: id.VersionID, BypassGovernance: bypassGovernance})
		}
		if err != nil {
			e, ok := awserr.As(err)
			if !ok {
				e = awserr.New(500, "InternalError", "We encountered an internal error. Please try again.")
				if s.Log != nil {
					s.Log.Error("delete object", "bucket", bucket, "key", id.Key, "err", err)
				}
			}
			r.Err = e
			r.DeleteOutput = DeleteOutput{VersionID: id.VersionID}
		}
		out = append(out, r)
	}
	return out, nil
}

// CopyInput is a CopyObject request.
type CopyInput struct {
	Bucket, Key       string
	SrcBucket, SrcKey string
	SrcCond           Conditions
	ReplaceMetadata   bool // x-amz-metadata-directive: REPLACE
	ReplaceTags       bool // x-amz-tagging-directive: REPLACE
	ObjectAttrs            // used when replacing
	ChecksumAlgorithm checksum.Algorithm
	Cond              Conditions // on the destination
	// StorageClass is the copy's class ("" for STANDARD): the request's,
	// whatever the directive, as in S3.
	StorageClass string
	// SrcVersionID selects a version of the source ("" the current one).
	SrcVersionID string
	// SrcSSE is the source's SSE-C key; SSE the copy's encryption (the
	// bucket's default if none is asked).
	SrcSSE *CustomerKey
	SSE    SSERequest
	Lock   LockRequest
	ACL    *ACLRequest
}

// CopyOutput is a copy and the source version it copied.
type CopyOutput struct {
	store.Object
	// VersionID and SrcVersionID are the copy's and the source's version
	// ids as responses report them ("" for none).
	VersionID, SrcVersionID string
}

// storageClasses are the storage classes S3 accepts on writes. sekisho
// keeps every object on the same disks; the class is recorded and
// reported, as tools and lifecycle rules read it.
var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "OUTPOSTS": true,
	"GLACIER_IR": true, "SNOW": true, "EXPRESS_ONEZONE": true, "FSX_OPENZFS": true,
}

// ValidStorageClass reports whether S3 accepts a storage class name.
func ValidStorageClass(c string) bool { return storageClasses[c] }

// StorageClassHeader is where an object's storage class is kept among
// its stored headers; it is absent for STANDARD, as S3 omits it then.
const StorageClassHeader = "X-Amz-Storage-Class"

// withHeader returns headers (copied) with name set to value.
func withHeader(headers map[string]string, name, value string) map[string]string {
	h := maps.Clone(headers)
	if h == nil {
		h = map[string]string{}
	}
	h[name] = value
	return h
}

// withStorageClass returns headers (copied) with class set, or removed
// for STANDARD, and no restored copy.
func withStorageClass(headers map[string]string, class string) map[string]string {
	h := maps.Clone(headers)
	if h == nil {
		h = map[string]string{}
	}
	delete(h, StorageClassHeader)
	delete(h, RestoreHeader)
	if class != "" && class != "STANDARD" {
		h[StorageClassHeader] = class
	}
	return h
}

// CopyObject copies an object, or rewrites an object's metadata when
// copied onto itself.
func (s *Service) CopyObject(ctx context.Context, in CopyInput) (CopyOutput, error) {
	o, src, err := s.copyObject(ctx, in)
	if err != nil {
		return CopyOutput{}, err
	}
	out := CopyOutput{Object: o}
	if b, err := s.Bucket(ctx, in.Bucket); err == nil {
		out.VersionID = ReportedVersion(b, o)
	}
	if sb, err := s.Bucket(ctx, in.SrcBucket); err == nil {
		out.SrcVersionID = ReportedVersion(sb, src)
	}
	return out, nil
}

func (s *Service) copyObject(ctx context.Context, in CopyInput) (store.Object, store.Object, error) {
	if err := checkKey(in.Key); err != nil {
		return store.Object{}, store.Object{}, err
	}
	b, err := s.Bucket(ctx, in.Bucket)
	if err != nil {
		return store.Object{}, store.Object{}, err
	}
	src, err := s.GetObject(ctx, GetInput{Bucket: in.SrcBucket, Key: in.SrcKey, VersionID: in.SrcVersionID, Cond: in.SrcCond, Head: true, SSE: in.SrcSSE})
	err = copySourceErr(err)
	if err != nil {
		return store.Object{}, store.Object{}, err
	}
	so := src.Object
	if s.archived(so) {
		return store.Object{}, store.Object{}, errArchived(so)
	}
	o := store.Object{
		Bucket: in.Bucket, Key: in.Key, Headers: so.Headers, Metadata: so.Metadata, Tags: so.Tags,
		Modified: s.now().UTC().Truncate(time.Second),
	}
	if in.ReplaceMetadata {
		o.Headers, o.Metadata = in.Headers, in.Metadata
	}
	if in.ReplaceTags {
		o.Tags = in.Tags
	}
	o.Headers = withStorageClass(o.Headers, in.StorageClass)
	// A copy is a new object: not a replica, nor yet replicated.
	delete(o.Headers, ReplicationStatusHeader)
	classChanged := o.Headers[StorageClassHeader] != so.Headers[StorageClassHeader]
	alg := in.ChecksumAlgorithm
	if alg == "" {
		for a := range so.Checksums {
			alg = checksum.Algorithm(a)
		}
	}
	if in.Bucket == in.SrcBucket && in.Key == in.SrcKey {
		if !in.ReplaceMetadata && !in.ReplaceTags && in.ChecksumAlgorithm == "" && !classChanged && in.SSE.IsZero() {
			return store.Object{}, store.Object{}, awserr.New(400, "InvalidRequest", "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
		}
		if _, has := so.Checksums[string(alg)]; (alg == "" || has) && sameEncryption(so.SSE, in.SSE) && !versioned(b) {
			// Same bytes: rewrite the record only, if the object is still
			// the one we looked at.
			err := s.Meta.UpdateObject(ctx, in.Bucket, in.Key, func(cur *store.Object) error {
				if cur.ETag != so.ETag || cur.Modified != so.Modified {
					return errPrecondition("x-amz-copy-source-If-Match")
				}
				if err := in.Cond.checkWrite(in.Key, cur); err != nil {
					return err
				}
				cur.Headers, cur.Metadata, cur.Tags, cur.Modified = o.Headers, o.Metadata, o.Tags, o.Modified
				o = *cur
				return nil
			})
			return o, so, err
		}
	}
	if so.Size > MaxPutSize {
		return store.Object{}, store.Object{}, awserr.New(400, "InvalidRequest", "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
	}
	sk, err := s.readKey(so.SSE, in.SrcSSE)
	if err != nil {
		return store.Object{}, store.Object{}, err
	}
	enc, dk, err := s.newEncryption(b, in.SSE)
	if err != nil {
		return store.Object{}, store.Object{}, err
	}
	r, err := s.open(ctx, so, 0, so.Size, sk)
	if err != nil {
		return store.Object{}, store.Object{}, err
	}
	defer r.Close()
	w, err := s.write(ctx, Body{R: r, Size: so.Size}, alg, true, dk)
	if err != nil {
		return store.Object{}, store.Object{}, err
	}
	opaqueETag(&w, enc, dk)
	o.BlobID, o.Inline, o.Size, o.ETag, o.Checksums, o.ChecksumType = w.blobID, w.inline, w.size, w.etag(), w.checksums, "FULL_OBJECT"
	o.SSE = enc
	if o.ACL, err = aclForWrite(b, in.ACL); err != nil {
		s.freeBlobs(ctx, w.blobID)
		return store.Object{}, store.Object{}, err
	}
	s.stamp(b, &o)
	if err := s.applyLock(b, in.Lock, &o); err != nil {
		s.freeBlobs(ctx, w.blobID)
		return store.Object{}, store.Object{}, err
	}
	o, err = s.commit(ctx, o, in.Cond, w.blobID)
	return o, so, err
}

// copySourceErr words a failure to read a copy's source as S3 does.
func copySourceErr(err error) error {
	if e, ok := awserr.As(err); ok && (e.Code == "NotModified" || e.Code == "PreconditionFailed") {
		// Every failed copy-source condition is 412, named by its
		// header.
		for _, f := range e.Fields {
			if f.Name == "Condition" {
				return errPrecondition("x-amz-copy-source-" + f.Value)
			}
		}
	}
	switch {
	case IsNotModified(err):
		return errPrecondition("x-amz-copy-source-If-None-Match")
	case awserr.Is(err, "MethodNotAllowed"):
		return awserr.New(400, "InvalidRequest", "The source of a copy request may not specifically refer to a delete marker by version id.")
	}
	return err
}

// Tag set limits.
const (
	maxTags        = 10
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

// ValidateTags checks a tag set against S3's limits.
func ValidateTags(tags map[string]string) error {
	if len(tags) > maxTags {
		return awserr.New(400, "BadRequest", "Object tags cannot be greater than 10")
	}
	for k, v := range tags {
		if err := validateTag(k, v); err != nil {
			return err
		}
	}
	return nil
}

// Tag is one key and value of a bucket's tag set.
type Tag struct {
	Key, Value string
}

// validateTag checks one object or bucket tag against S3's rules.
func validateTag(k, v string) error {
	if k == "" || len([]rune(k)) > maxTagKeyLen {
		return awserr.New(400, "InvalidTag", "The TagKey you have provided is invalid").With("TagKey", k)
	}
	if len([]rune(v)) > maxTagValueLen {
		return awserr.New(400, "InvalidTag", "The TagValue you have provided is invalid").With("TagKey", k).With("TagValue", v)
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return awserr.New(400, "InvalidTag", "Your TagKey cannot be prefixed with aws:").With("TagKey", k)
	}
	return nil
}

// GetObjectTagging returns the tags of a version ("" the current one)
// and its id as responses report it.
func (s *Service) GetObjectTagging(ctx context.Context, bucket, key, versionID string) (map[string]string, string, error) {
	o, err := s.version(ctx, bucket, key, versionID)
	if err != nil {
		return nil, "", err
	}
	b, err := s.Bucket(ctx, bucket)
	return o.Tags, ReportedVersion(b, o), err
}

// PutObjectTagging replaces a version's tags (nil removes them) and
// returns its id as responses report it.
func (s *Service) PutObjectTagging(ctx context.Context, bucket, key, versionID string, tags map[string]string) (string, error) {
	if err := ValidateTags(tags); err != nil {
		return "", err
	}
	if err := checkVersionID(versionID); err != nil {
		return "", err
	}
	var v store.Object
	err := s.Meta.UpdateVersion(ctx, bucket, key, versionID, func(o *store.Object) error {
		if o.DeleteMarker {
			return store.ErrNotFound
		}
		o.Tags = maps.Clone(tags)
		v = *o
		return nil
	})
	if err != nil {
		if versionID == "" && errors.Is(err, store.ErrNotFound) {
			_, err = s.HeadObject(ctx, bucket, key)
			return "", err
		}
		return "", s.versionErr(ctx, err, bucket, key, versionID)
	}
	b, err := s.Bucket(ctx, bucket)
	return ReportedVersion(b, v), err
}
