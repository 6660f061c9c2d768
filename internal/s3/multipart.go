package s3

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/checksum"
	"github.com/sekisho/sekisho/internal/store"
)

// MaxParts is the highest part number S3 accepts.
const MaxParts = 10000

// newUploadID returns a URL-safe id that sorts by creation time.
func newUploadID(now time.Time) string {
	b := binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano()))
	r := make([]byte, 24)
	rand.Read(r)
	return base64.RawURLEncoding.EncodeToString(append(b, r...))
}

// CreateUploadInput is a CreateMultipartUpload request.
type CreateUploadInput struct {
	Bucket, Key string
	ObjectAttrs
	Owner             string
	ChecksumAlgorithm checksum.Algorithm
	// ChecksumType is "COMPOSITE", "FULL_OBJECT" or "" (the algorithm's
	// default).
	ChecksumType string
	// SSE is the encryption the object gets; an SSE-C key must then come
	// with every part.
	SSE SSERequest
	// ACL is the object's.
	ACL *ACLRequest
}

// CreateMultipartUpload starts a multipart upload and returns it.
func (s *Service) CreateMultipartUpload(ctx context.Context, in CreateUploadInput) (store.Upload, error) {
	if err := checkKey(in.Key); err != nil {
		return store.Upload{}, err
	}
	ctype := in.ChecksumType
	switch {
	case in.ChecksumAlgorithm == "" && ctype != "":
		return store.Upload{}, awserr.New(400, "InvalidRequest", "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
	case ctype == "" && in.ChecksumAlgorithm == checksum.CRC64NVME:
		ctype = "FULL_OBJECT"
	case ctype == "" && in.ChecksumAlgorithm != "":
		ctype = "COMPOSITE"
	case ctype == "FULL_OBJECT" && !in.ChecksumAlgorithm.Combinable(),
		ctype == "COMPOSITE" && in.ChecksumAlgorithm == checksum.CRC64NVME:
		return store.Upload{}, awserr.Newf(400, "InvalidRequest", "The %s checksum type cannot be used with the %s checksum algorithm.", strings.ToLower(ctype), lower(in.ChecksumAlgorithm))
	case ctype != "" && ctype != "FULL_OBJECT" && ctype != "COMPOSITE":
		return store.Upload{}, awserr.New(400, "InvalidRequest", "Value for x-amz-checksum-type header is invalid.")
	}
	b, err := s.Bucket(ctx, in.Bucket)
	if err != nil {
		return store.Upload{}, err
	}
	enc, _, err := s.newEncryption(b, in.SSE)
	if err != nil {
		return store.Upload{}, err
	}
	acl, err := aclForWrite(b, in.ACL)
	if err != nil {
		return store.Upload{}, err
	}
	now := s.now().UTC()
	u := store.Upload{
		Bucket: in.Bucket, Key: in.Key, ID: newUploadID(now), Initiated: now.Truncate(time.Millisecond), Owner: in.Owner,
		Headers: in.Headers, Metadata: in.Metadata, Tags: in.Tags,
		ChecksumAlgorithm: string(in.ChecksumAlgorithm), ChecksumType: ctype, SSE: enc, ACL: acl,
	}
	err = s.Meta.CreateUpload(ctx, u)
	if errors.Is(err, store.ErrNotFound) {
		return u, errNoSuchBucket(in.Bucket)
	}
	return u, err
}

func (s *Service) upload(ctx context.Context, bucket, key, id string) (store.Upload, error) {
	u, err := s.Meta.GetUpload(ctx, bucket, key, id)
	if errors.Is(err, store.ErrNotFound) {
		if _, berr := s.Bucket(ctx, bucket); berr != nil {
			return u, berr
		}
		return u, errNoSuchUpload(id)
	}
	return u, err
}

func checkPartNumber(n int) error {
	if n < 1 || n > MaxParts {
		return errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", strconv.Itoa(n))
	}
	return nil
}

// uploadKey returns the data key an upload's parts are encrypted under
// (nil: none), given the part request's SSE-C key.
func (s *Service) uploadKey(u store.Upload, ck *CustomerKey) ([]byte, error) {
	if u.SSE != nil && u.SSE.CustomerKeyMD5 != "" {
		if ck == nil {
			return nil, awserr.New(400, "InvalidRequest", "The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.")
		}
		k, err := s.readKey(u.SSE, ck)
		if err != nil {
			return nil, awserr.New(400, "InvalidRequest", "The provided encryption parameters did not match the ones used originally.")
		}
		return k, nil
	}
	if ck != nil {
		return nil, awserr.New(400, "InvalidRequest", "The multipart upload initiate did not request encryption with a customer-provided key; the part request must not carry one.")
	}
	return s.readKey(u.SSE, nil)
}

// UploadPart stores one part of an upload. ck is the request's SSE-C
// key, which must be the upload's if it has one.
func (s *Service) UploadPart(ctx context.Context, bucket, key, id string, number int, b Body, ck *CustomerKey) (store.Part, error) {
	if err := checkPartNumber(number); err != nil {
		return store.Part{}, err
	}
	u, err := s.upload(ctx, bucket, key, id)
	if err != nil {
		return store.Part{}, err
	}
	dk, err := s.uploadKey(u, ck)
	if err != nil {
		return store.Part{}, err
	}
	w, err := s.write(ctx, b, checksum.Algorithm(u.ChecksumAlgorithm), false, dk)
	if err != nil {
		return store.Part{}, err
	}
	opaqueETag(&w, u.SSE, dk)
	return s.putPart(ctx, u, number, w)
}

func (s *Service) putPart(ctx context.Context, u store.Upload, number int, w written) (store.Part, error) {
	p := store.Part{Number: number, BlobID: w.blobID, Size: w.size, ETag: w.etag(), Modified: s.now().UTC().Truncate(time.Second), Checksums: w.checksums}
	prev, err := s.Meta.PutPart(context.WithoutCancel(ctx), u.Bucket, u.Key, u.ID, p)
	if err != nil {
		s.freeBlobs(ctx, w.blobID)
		if errors.Is(err, store.ErrNotFound) {
			return p, errNoSuchUpload(u.ID)
		}
		return p, err
	}
	if prev != nil {
		s.freeBlobs(ctx, prev.BlobID)
	}
	return p, nil
}

// PartCopyInput is an UploadPartCopy request.
type PartCopyInput struct {
	Bucket, Key, UploadID string
	Number                int
	SrcBucket, SrcKey     string
	// SrcVersionID selects a version of the source ("" the current one).
	SrcVersionID string
	SrcRange     string
	SrcCond      Conditions
	// SrcSSE and SSE are the source's and the upload's SSE-C keys.
	SrcSSE, SSE *CustomerKey
}

// UploadPartCopy stores a part copied from a byte range (or all) of an
// existing object.
func (s *Service) UploadPartCopy(ctx context.Context, in PartCopyInput) (store.Part, error) {
	number, srcRange := in.Number, in.SrcRange
	if err := checkPartNumber(number); err != nil {
		return store.Part{}, err
	}
	u, err := s.upload(ctx, in.Bucket, in.Key, in.UploadID)
	if err != nil {
		return store.Part{}, err
	}
	dk, err := s.uploadKey(u, in.SSE)
	if err != nil {
		return store.Part{}, err
	}
	src, err := s.GetObject(ctx, GetInput{Bucket: in.SrcBucket, Key: in.SrcKey, VersionID: in.SrcVersionID, Cond: in.SrcCond, Head: true, SSE: in.SrcSSE})
	err = copySourceErr(err)
	if err != nil {
		return store.Part{}, err
	}
	so := src.Object
	if s.archived(so) {
		return store.Part{}, errArchived(so)
	}
	start, length := int64(0), so.Size
	if srcRange != "" {
		st, l, ok, _ := ParseRange(srcRange, so.Size)
		if !ok || st+l > so.Size || !strings.HasPrefix(srcRange, "bytes=") || strings.HasPrefix(srcRange, "bytes=-") || strings.HasSuffix(srcRange, "-") {
			return store.Part{}, awserr.New(400, "InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy").With("ArgumentName", "x-amz-copy-source-range").With("ArgumentValue", srcRange)
		}
		if _, e, _ := strings.Cut(srcRange, "-"); mustInt(e) >= so.Size {
			return store.Part{}, awserr.New(416, "InvalidRange", "The requested range is not satisfiable").With("RangeRequested", srcRange).With("ActualObjectSize", strconv.FormatInt(so.Size, 10))
		}
		start, length = st, l
	}
	if length > MaxPutSize {
		return store.Part{}, errTooLarge(length)
	}
	sk, err := s.readKey(so.SSE, in.SrcSSE)
	if err != nil {
		return store.Part{}, err
	}
	r, err := s.open(ctx, so, start, length, sk)
	if err != nil {
		return store.Part{}, err
	}
	defer r.Close()
	w, err := s.write(ctx, Body{R: r, Size: length}, checksum.Algorithm(u.ChecksumAlgorithm), false, dk)
	if err != nil {
		return store.Part{}, err
	}
	opaqueETag(&w, u.SSE, dk)
	return s.putPart(ctx, u, number, w)
}

func mustInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// CompletedPart is one entry of a CompleteMultipartUpload request.
type CompletedPart struct {
	Number    int
	ETag      string
	Checksums map[string]string
}

// CompleteInput is a CompleteMultipartUpload request.
type CompleteInput struct {
	Bucket, Key, UploadID string
	Parts                 []CompletedPart
	// Checksums are whole-object checksums the client sent to verify, and
	// ChecksumType the type it claims.
	Checksums    map[checksum.Algorithm]string
	ChecksumType string
	// ObjectSize is x-amz-mp-object-size, or -1.
	ObjectSize int64
	Cond       Conditions
}

func errInvalidPart(n int) error {
	return awserr.New(400, "InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.").With("PartNumber", strconv.Itoa(n))
}

// CompleteMultipartUpload assembles an upload's parts into an object. The
// object's bytes are its parts' blobs in order; parts not listed are freed.
func (s *Service) CompleteMultipartUpload(ctx context.Context, in CompleteInput) (store.Object, error) {
	if len(in.Parts) == 0 {
		return store.Object{}, errMalformedXML()
	}
	for i, p := range in.Parts {
		if err := checkPartNumber(p.Number); err != nil {
			return store.Object{}, err
		}
		if i > 0 && p.Number <= in.Parts[i-1].Number {
			return store.Object{}, awserr.New(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.").With("UploadId", in.UploadID)
		}
	}
	if _, err := s.upload(ctx, in.Bucket, in.Key, in.UploadID); err != nil {
		if done, ok := s.completed(ctx, in); ok && awserr.Is(err, "NoSuchUpload") {
			return done, nil
		}
		return store.Object{}, err
	}
	b, err := s.Bucket(ctx, in.Bucket)
	if err != nil {
		return store.Object{}, err
	}
	now := s.now().UTC().Truncate(time.Second)
	build := func(u store.Upload, stored []store.Part, old *store.Object) (store.Object, error) {
		if err := in.Cond.checkWrite(in.Key, old); err != nil {
			return store.Object{}, err
		}
		byNum := map[int]store.Part{}
		for _, p := range stored {
			byNum[p.Number] = p
		}
		o := store.Object{
			Bucket: in.Bucket, Key: in.Key, Modified: now,
			Headers: u.Headers, Metadata: u.Metadata, Tags: u.Tags, SSE: u.SSE, ACL: u.ACL, UploadID: u.ID,
		}
		md := md5.New()
		for _, cp := range in.Parts {
			p, ok := byNum[cp.Number]
			if !ok || strings.Trim(cp.ETag, `"`) != strings.Trim(p.ETag, `"`) {
				return o, errInvalidPart(cp.Number)
			}
			for a, v := range cp.Checksums {
				if p.Checksums[a] != v {
					return o, errInvalidPart(cp.Number)
				}
			}
			if u.ChecksumAlgorithm != "" && u.ChecksumType == "COMPOSITE" && cp.Checksums[u.ChecksumAlgorithm] == "" {
				return o, awserr.Newf(400, "InvalidRequest", "The upload was created using a %s checksum. The complete request must include the checksum for each part. It was missing for part %d in the request.", strings.ToLower(u.ChecksumAlgorithm), cp.Number)
			}
		}
		for i, cp := range in.Parts {
			p := byNum[cp.Number]
			if i < len(in.Parts)-1 && p.Size < s.minPartSize() {
				return o, awserr.New(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.").
					With("ProposedSize", strconv.FormatInt(p.Size, 10)).With("MinSizeAllowed", strconv.FormatInt(s.minPartSize(), 10)).
					With("PartNumber", strconv.Itoa(p.Number)).With("ETag", p.ETag)
			}
			raw, err := hexDecode(strings.Trim(p.ETag, `"`))
			if err != nil {
				return o, err
			}
			md.Write(raw)
			o.Size += p.Size
			o.Parts = append(o.Parts, p)
		}
		if in.ObjectSize >= 0 && in.ObjectSize != o.Size {
			return o, awserr.Newf(400, "InvalidRequest", "The provided 'x-amz-mp-object-size' header value %d does not match what was computed: %d", in.ObjectSize, o.Size)
		}
		o.ETag = fmt.Sprintf(`"%x-%d"`, md.Sum(nil), len(o.Parts))
		sums, ctype, err := partChecksums(u, o.Parts, in)
		if err != nil {
			return o, err
		}
		o.Checksums, o.ChecksumType = sums, ctype
		s.stamp(b, &o)
		return o, s.applyLock(b, LockRequest{}, &o)
	}
	o, prev, parts, err := s.Meta.CompleteUpload(context.WithoutCancel(ctx), in.Bucket, in.Key, in.UploadID, build)
	if errors.Is(err, store.ErrNotFound) {
		return o, errNoSuchUpload(in.UploadID)
	}
	if err != nil {
		return o, err
	}
	used := map[string]bool{}
	for _, p := range o.Parts {
		used[p.BlobID] = true
	}
	for _, p := range parts {
		if !used[p.BlobID] {
			s.freeBlobs(ctx, p.BlobID)
		}
	}
	s.freeBlobs(ctx, objectBlobs(prev)...)
	return o, nil
}

// completed returns the object a finished upload made, if it is still
// the key's current version and the request lists the same parts: S3
// answers a repeated CompleteMultipartUpload with the first one's result.
func (s *Service) completed(ctx context.Context, in CompleteInput) (store.Object, bool) {
	o, err := s.Meta.GetObject(ctx, in.Bucket, in.Key)
	if err != nil || o.UploadID != in.UploadID || len(o.Parts) != len(in.Parts) {
		return store.Object{}, false
	}
	for i, p := range in.Parts {
		if o.Parts[i].Number != p.Number || strings.Trim(o.Parts[i].ETag, `"`) != strings.Trim(p.ETag, `"`) {
			return store.Object{}, false
		}
	}
	return o, true
}

func hexDecode(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != md5.Size {
		return nil, fmt.Errorf("s3: stored part etag %q is not an md5", s)
	}
	return b, nil
}

// partChecksums computes an object's checksum from its parts': for
// COMPOSITE, the checksum of the concatenated part checksums, suffixed
// with the part count; for FULL_OBJECT, the CRCs combined into the CRC of
// the whole. Whole-object checksums the client sent are verified.
func partChecksums(u store.Upload, parts []store.Part, in CompleteInput) (map[string]string, string, error) {
	alg := checksum.Algorithm(u.ChecksumAlgorithm)
	ctype := u.ChecksumType
	if in.ChecksumType != "" && in.ChecksumType != ctype && alg != "" {
		return nil, "", awserr.Newf(400, "InvalidRequest", "The upload was created using the %s checksum mode. The complete request must use the same checksum mode.", strings.ToLower(ctype))
	}
	if alg == "" {
		// No algorithm was chosen: a full-object CRC the client sends
		// (botocore does so with FULL_OBJECT) is verified from the parts
		// when they all carry that CRC.
		for a := range in.Checksums {
			alg, ctype = a, "FULL_OBJECT"
		}
		if alg == "" {
			return nil, "", nil
		}
	}
	raws := make([][]byte, len(parts))
	for i, p := range parts {
		raw, ok := alg.Decode(p.Checksums[string(alg)])
		if !ok {
			if u.ChecksumAlgorithm == "" {
				return nil, "", awserr.Newf(400, "InvalidRequest", "The upload was not created with a %s checksum, so a full-object checksum cannot be verified.", lower(alg))
			}
			return nil, "", awserr.Newf(400, "InvalidRequest", "The upload was created using a %s checksum. The complete request must include the checksum for each part. It was missing for part %d in the request.", lower(alg), p.Number)
		}
		raws[i] = raw
	}
	var value string
	if ctype == "FULL_OBJECT" {
		sum := raws[0]
		for i := 1; i < len(raws); i++ {
			var err error
			if sum, err = alg.Combine(sum, raws[i], parts[i].Size); err != nil {
				return nil, "", awserr.Newf(400, "InvalidRequest", "The %s checksum cannot be computed for the whole object.", lower(alg))
			}
		}
		value = checksum.Encode(sum)
	} else {
		h := alg.New()
		for _, r := range raws {
			h.Write(r)
		}
		value = fmt.Sprintf("%s-%d", checksum.Encode(h.Sum(nil)), len(parts))
	}
	if want, ok := in.Checksums[alg]; ok && want != value {
		return nil, "", awserr.Newf(400, "BadDigest", "The %s you specified did not match the calculated checksum.", lower(alg))
	}
	return map[string]string{string(alg): value}, ctype, nil
}

// AbortMultipartUpload removes an upload and frees its parts.
func (s *Service) AbortMultipartUpload(ctx context.Context, bucket, key, id string) error {
	parts, err := s.Meta.AbortUpload(context.WithoutCancel(ctx), bucket, key, id)
	if errors.Is(err, store.ErrNotFound) {
		if _, berr := s.Bucket(ctx, bucket); berr != nil {
			return berr
		}
		return errNoSuchUpload(id)
	}
	if err != nil {
		return err
	}
	for _, p := range parts {
		s.freeBlobs(ctx, p.BlobID)
	}
	return nil
}

// ListPartsOutput is a page of an upload's parts.
type ListPartsOutput struct {
	Upload      store.Upload
	Parts       []store.Part
	IsTruncated bool
	NextMarker  int
}

// ListParts lists an upload's parts numbered above marker.
func (s *Service) ListParts(ctx context.Context, bucket, key, id string, marker, maxParts int) (ListPartsOutput, error) {
	u, err := s.upload(ctx, bucket, key, id)
	if err != nil {
		return ListPartsOutput{}, err
	}
	if maxParts <= 0 || maxParts > 1000 {
		maxParts = 1000
	}
	parts, err := s.Meta.ListParts(ctx, bucket, key, id, marker, maxParts+1)
	if errors.Is(err, store.ErrNotFound) {
		return ListPartsOutput{}, errNoSuchUpload(id)
	}
	if err != nil {
		return ListPartsOutput{}, err
	}
	out := ListPartsOutput{Upload: u, Parts: parts}
	if len(parts) > maxParts {
		out.Parts, out.IsTruncated = parts[:maxParts], true
	}
	if n := len(out.Parts); n > 0 {
		out.NextMarker = out.Parts[n-1].Number
	}
	return out, nil
}

// AbortExpiredUploads aborts uploads initiated before cutoff, freeing their
// parts, as S3's AbortIncompleteMultipartUpload lifecycle rule does. It
// returns how many it aborted.
func (s *Service) AbortExpiredUploads(ctx context.Context, cutoff time.Time) (int, error) {
	buckets, err := s.Meta.ListBuckets(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range buckets {
		var opt store.UploadListOptions
		opt.Limit = 1000
		for {
			ups, err := s.Meta.ListUploads(ctx, b.Name, opt)
			if err != nil || len(ups) == 0 {
				break
			}
			for _, u := range ups {
				if u.Initiated.Before(cutoff) {
					if err := s.AbortMultipartUpload(ctx, u.Bucket, u.Key, u.ID); err == nil {
						n++
					}
				}
			}
			last := ups[len(ups)-1]
			opt.AfterKey, opt.AfterID = last.Key, last.ID
		}
	}
	return n, nil
}
