package front

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/checksum"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/store"
)

// storedHeaders are the representation headers PutObject keeps and
// GetObject returns.
var storedHeaders = []string{"Content-Type", "Content-Encoding", "Content-Disposition", "Content-Language", "Cache-Control", "Expires"}

// storageClassHeader is where an object's storage class is kept among its
// stored headers (absent for STANDARD).
const storageClassHeader = s3.StorageClassHeader

// storageClassOf is an object's storage class.
func storageClassOf(headers map[string]string) string {
	if sc := headers[storageClassHeader]; sc != "" {
		return sc
	}
	return "STANDARD"
}

// maxMetadataSize bounds the user metadata of an object, as in S3.
const maxMetadataSize = 2048

// parseTagging parses an x-amz-tagging header (a URL query string).
func parseTagging(v string) (map[string]string, error) {
	if v == "" {
		return nil, nil
	}
	vals, err := url.ParseQuery(v)
	if err != nil {
		return nil, awserr.New(400, "InvalidArgument", "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.").With("ArgumentName", "x-amz-tagging")
	}
	tags := map[string]string{}
	for k, vs := range vals {
		if len(vs) > 1 {
			return nil, awserr.New(400, "InvalidArgument", "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.").With("ArgumentName", "x-amz-tagging")
		}
		tags[k] = vs[0]
	}
	return tags, s3.ValidateTags(tags)
}

// objectAttrs reads the representation headers, x-amz-meta-* metadata and
// x-amz-tagging of a request that creates an object.
func objectAttrs(r *http.Request) (s3.ObjectAttrs, error) {
	a := s3.ObjectAttrs{Headers: map[string]string{}, Metadata: map[string]string{}}
	size := 0
	for name, vals := range r.Header {
		if m, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-meta-"); ok {
			a.Metadata[m] = strings.Join(vals, ",")
			size += len(m) + len(a.Metadata[m])
		}
	}
	if size > maxMetadataSize {
		return a, awserr.New(400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size").With("Size", strconv.Itoa(size)).With("MaxSizeAllowed", strconv.Itoa(maxMetadataSize))
	}
	for _, hname := range storedHeaders {
		v := r.Header.Get(hname)
		if hname == "Content-Encoding" {
			var parts []string
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" && p != "aws-chunked" {
					parts = append(parts, p)
				}
			}
			v = strings.Join(parts, ",")
		}
		if v != "" {
			a.Headers[hname] = v
		}
	}
	if a.Headers["Content-Type"] == "" {
		a.Headers["Content-Type"] = "binary/octet-stream"
	}
	if sc := r.Header.Get("x-amz-storage-class"); sc != "" {
		if !s3.ValidStorageClass(sc) {
			return a, awserr.New(400, "InvalidStorageClass", "The storage class you specified is not valid").With("StorageClassRequested", sc)
		}
		if sc != "STANDARD" {
			// Kept and sent back as S3 does: only when not STANDARD.
			a.Headers[storageClassHeader] = sc
		}
	}
	if loc := r.Header.Get("x-amz-website-redirect-location"); loc != "" {
		if !strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "http://") && !strings.HasPrefix(loc, "https://") || len(loc) > 2048 {
			return a, awserr.New(400, "InvalidRedirectLocation", "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.")
		}
		a.Headers[websiteRedirectHeader] = loc
	}
	var err error
	a.Tags, err = parseTagging(r.Header.Get("x-amz-tagging"))
	return a, err
}

// requestBody describes the verified request body and its digests.
func requestBody(q *s3Request) (s3.Body, error) {
	b := s3.Body{R: q.res.Body, Size: q.res.ContentLength, ContentMD5: q.r.Header.Get("Content-MD5"), Checksums: map[checksum.Algorithm]string{}}
	if b.ContentMD5 == "" && len(q.r.Header.Values("Content-MD5")) > 0 {
		// Present but empty is no digest (S3: InvalidDigest), not none.
		return b, awserr.New(400, "InvalidDigest", "The Content-MD5 you specified is not valid.").With("Content-MD5", "")
	}
	if q.res.Chunked == nil && b.Size < 0 {
		return b, awserr.New(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
	}
	if c := q.res.Chunked; c != nil && c.Algorithm() != "" {
		b.TrailerAlgorithm = c.Algorithm()
		b.Trailer = func() string { return c.Trailer().Get(c.Algorithm().Header()) }
	}
	for name, vals := range q.r.Header {
		l := strings.ToLower(name)
		if a, ok := checksum.FromHeader(l); ok {
			b.Checksums[a] = vals[0]
		} else if strings.HasPrefix(l, "x-amz-checksum-") && l != "x-amz-checksum-algorithm" && l != "x-amz-checksum-type" {
			return b, awserr.New(400, "InvalidRequest", "The checksum algorithm in "+l+" is not supported.")
		}
	}
	return b, nil
}

func writeConditions(r *http.Request) s3.Conditions {
	return s3.Conditions{IfMatch: r.Header.Get("If-Match"), IfNoneMatch: r.Header.Get("If-None-Match")}
}

func readConditions(r *http.Request, prefix string) s3.Conditions {
	c := s3.Conditions{IfMatch: r.Header.Get(prefix + "If-Match"), IfNoneMatch: r.Header.Get(prefix + "If-None-Match")}
	c.IfModifiedSince, _ = parseHTTPTime("", r.Header.Get(prefix+"If-Modified-Since"))
	c.IfUnmodifiedSince, _ = parseHTTPTime("", r.Header.Get(prefix+"If-Unmodified-Since"))
	return c
}

func setChecksumHeaders(hd http.Header, sums map[string]string, ctype string) {
	for a, v := range sums {
		hd.Set(checksum.Algorithm(a).Header(), v)
	}
	if len(sums) > 0 && ctype != "" {
		hd.Set("x-amz-checksum-type", ctype)
	}
}

func (h *Handler) s3PutObject(q *s3Request) error {
	body, err := requestBody(q)
	if err != nil {
		return err
	}
	attrs, err := objectAttrs(q.r)
	if err != nil {
		return err
	}
	in := s3.PutInput{Bucket: q.route.Bucket, Key: q.route.Key, Body: body, ObjectAttrs: attrs, Cond: writeConditions(q.r)}
	if in.SSE, err = sseRequest(q.r); err != nil {
		return err
	}
	if in.Lock, err = lockRequest(q.r); err != nil {
		return err
	}
	if in.ACL, err = aclRequest(q.r); err != nil {
		return err
	}
	if in.ACL != nil {
		// Setting an ACL on a write needs s3:PutObjectAcl too, as in S3.
		if err := h.authorizeS3(q, "s3:PutObjectAcl", q.route.Bucket, objectARN(q.route.Bucket, q.route.Key)); err != nil {
			return err
		}
	}
	o, err := h.cfg.S3.PutObject(q.r.Context(), in)
	if err != nil {
		return s3AuthError(err)
	}
	q.w.Header().Set("ETag", o.ETag)
	setChecksumHeaders(q.w.Header(), o.Checksums, o.ChecksumType)
	setSSEHeaders(q.w.Header(), o.SSE)
	h.setObjectVersion(q, o)
	q.emit("ObjectCreated:Put", o)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetObject(q *s3Request) error {
	in := s3.GetInput{
		Bucket: q.route.Bucket, Key: q.route.Key, Range: q.r.Header.Get("Range"),
		Cond: readConditions(q.r, ""), Head: q.route.Operation == "HeadObject",
		VersionID: q.get("versionId"),
	}
	for _, hd := range []string{"x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id"} {
		// A read names no server-side encryption: S3 decrypts what it
		// encrypted (SSE-C keys come in their own headers).
		if q.r.Header.Get(hd) != "" {
			return awserr.Newf(400, "InvalidArgument", "%s header is not supported for this operation.", hd).With("ArgumentName", hd).With("ArgumentValue", q.r.Header.Get(hd))
		}
	}
	var err error
	if in.SSE, err = customerKey(q.r, "x-amz-"); err != nil {
		return err
	}
	if q.has("partNumber") {
		n, err := strconv.Atoi(q.get("partNumber"))
		if err != nil || n < 1 || n > s3.MaxParts {
			return awserr.New(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive").With("ArgumentName", "partNumber").With("ArgumentValue", q.get("partNumber"))
		}
		in.PartNumber = n
	}
	out, err := h.cfg.S3.GetObject(q.r.Context(), in)
	if s3.IsNotModified(err) {
		q.w.Header().Set("ETag", out.Object.ETag)
		q.w.Header().Set("Last-Modified", out.Object.Modified.UTC().Format(http.TimeFormat))
	}
	if err != nil {
		return err
	}
	if out.Body != nil {
		defer out.Body.Close()
	}
	o := out.Object
	hd := q.w.Header()
	for k, v := range o.Headers {
		hd.Set(k, v)
	}
	setSSEHeaders(hd, o.SSE)
	setLockHeaders(hd, o)
	h.setObjectVersion(q, o)
	for k, v := range o.Metadata {
		// Lower case, as S3 sends them: Set would canonicalise
		// x-amz-meta-owner to X-Amz-Meta-Owner, and clients read the
		// suffix as sent (boto3 would report "Owner").
		hd["x-amz-meta-"+k] = []string{v}
	}
	hd.Set("ETag", o.ETag)
	hd.Set("Last-Modified", o.Modified.UTC().Format(http.TimeFormat))
	hd.Set("Accept-Ranges", "bytes")
	if len(o.Tags) > 0 {
		hd.Set("x-amz-tagging-count", strconv.Itoa(len(o.Tags)))
	}
	if out.PartsCount > 0 && len(o.Parts) > 0 {
		hd.Set("x-amz-mp-parts-count", strconv.Itoa(out.PartsCount))
	}
	if strings.EqualFold(q.r.Header.Get("x-amz-checksum-mode"), "ENABLED") {
		switch {
		case in.PartNumber > 0 && len(o.Parts) > 0:
			setChecksumHeaders(hd, o.Parts[in.PartNumber-1].Checksums, "")
		case !out.Partial || o.ChecksumType == "COMPOSITE":
			// A range's bytes have no checksum of their own, but S3 still
			// reports a composite one, which clients do not validate.
			setChecksumHeaders(hd, o.Checksums, o.ChecksumType)
		}
	}
	if q.route.Operation == "GetObject" {
		for _, hname := range storedHeaders {
			if v, ok := q.query["response-"+strings.ToLower(hname)]; ok {
				hd.Set(hname, v[0])
			}
		}
	}
	status := http.StatusOK
	if out.Partial {
		status = http.StatusPartialContent
		hd.Set("Content-Range", out.ContentRange)
	}
	hd.Set("Content-Length", strconv.FormatInt(out.Length, 10))
	q.w.WriteHeader(status)
	if out.Body != nil {
		if _, err := io.Copy(q.w, out.Body); err != nil {
			// The status is sent; all we can do is cut the connection so
			// the client sees a short body rather than a complete one.
			panic(http.ErrAbortHandler)
		}
	}
	return nil
}

// setObjectVersion reports an object's version id, if its bucket has
// versioning, and for the current version when its lifecycle rules
// expire it.
func (h *Handler) setObjectVersion(q *s3Request, o store.Object) {
	b, err := h.cfg.S3.Bucket(q.r.Context(), o.Bucket)
	if err != nil {
		return
	}
	v := s3.ReportedVersion(b, o)
	if v == "null" && q.r.Method != http.MethodGet && q.r.Method != http.MethodHead {
		// A write to a suspended bucket makes the null version, and S3
		// answers it without x-amz-version-id (reads name it "null").
		v = ""
	}
	setVersionHeader(q.w.Header(), v)
	if q.get("versionId") == "" {
		setExpiration(q.w.Header(), h.cfg.S3, b, o)
	}
}

func (h *Handler) s3DeleteObject(q *s3Request) error {
	bypass, err := h.bypassGovernance(q)
	if err != nil {
		return err
	}
	in := s3.DeleteInput{Bucket: q.route.Bucket, Key: q.route.Key, VersionID: q.get("versionId"), BypassGovernance: bypass}
	if q.r.Header.Get("If-Match") != "" {
		in.Cond.IfMatch = q.r.Header.Get("If-Match")
	}
	out, err := h.cfg.S3.Delete(q.r.Context(), in)
	if err != nil {
		return err
	}
	setVersionHeader(q.w.Header(), out.VersionID)
	if out.DeleteMarker {
		q.w.Header().Set("x-amz-delete-marker", "true")
	}
	q.emit(removedEvent(in.VersionID, out.DeleteMarker), store.Object{Key: q.route.Key})
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// removedEvent names a delete's event: removing a version (asked) or a
// key that was not versioned, or adding a delete marker.
func removedEvent(asked string, marker bool) string {
	if marker && asked == "" {
		return "ObjectRemoved:DeleteMarkerCreated"
	}
	return "ObjectRemoved:Delete"
}

func (h *Handler) s3DeleteObjects(q *s3Request) error {
	var req struct {
		Quiet   bool `xml:"Quiet"`
		Objects []struct {
			Key       string `xml:"Key"`
			VersionID string `xml:"VersionId"`
		} `xml:"Object"`
	}
	if err := decodeXML(q, true, &req); err != nil {
		return err
	}
	if len(req.Objects) == 0 || len(req.Objects) > 1000 {
		return awserr.New(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	bypass, err := h.bypassGovernance(q)
	if err != nil {
		return err
	}
	// Each key needs s3:DeleteObject (a version s3:DeleteObjectVersion)
	// of its own.
	var ids []s3.ObjectID
	denied := map[int]*awserr.Error{}
	for i, o := range req.Objects {
		action := "s3:DeleteObject"
		if o.VersionID != "" {
			action = "s3:DeleteObjectVersion"
		}
		if err := h.authorizeS3(q, action, q.route.Bucket, objectARN(q.route.Bucket, o.Key)); err != nil {
			e, ok := awserr.As(err)
			if !ok {
				return err
			}
			denied[i] = e
			continue
		}
		ids = append(ids, s3.ObjectID{Key: o.Key, VersionID: o.VersionID})
	}
	var allowed []s3.DeleteResult
	if len(ids) > 0 {
		if allowed, err = h.cfg.S3.DeleteObjects(q.r.Context(), q.route.Bucket, ids, bypass); err != nil {
			return err
		}
	} else if _, err := h.cfg.S3.Bucket(q.r.Context(), q.route.Bucket); err != nil {
		return err
	}
	var results []s3.DeleteResult
	for i, o := range req.Objects {
		if e, ok := denied[i]; ok {
			results = append(results, s3.DeleteResult{Key: o.Key, Err: e, DeleteOutput: s3.DeleteOutput{VersionID: o.VersionID}})
			continue
		}
		results = append(results, allowed[0])
		allowed = allowed[1:]
	}
	type deleted struct {
		Key                   string `xml:"Key"`
		VersionID             string `xml:"VersionId,omitempty"`
		DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
		DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
	}
	type failed struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId,omitempty"`
		Code      string `xml:"Code"`
		Message   string `xml:"Message"`
	}
	out := struct {
		XMLName xml.Name  `xml:"DeleteResult"`
		Xmlns   string    `xml:"xmlns,attr"`
		Deleted []deleted `xml:"Deleted"`
		Errors  []failed  `xml:"Error"`
	}{Xmlns: s3Xmlns}
	for i, r := range results {
		asked := req.Objects[i].VersionID
		if r.Err == nil {
			v := r.VersionID
			if asked != "" {
				v = asked
			}
			q.events = append(q.events, s3.ObjectEvent{Name: removedEvent(asked, r.DeleteMarker), Key: r.Key, VersionID: v})
		}
		switch {
		case r.Err != nil:
			out.Errors = append(out.Errors, failed{r.Key, asked, r.Err.Code, r.Err.Message})
		case req.Quiet:
		case asked != "":
			d := deleted{Key: r.Key, VersionID: asked, DeleteMarker: r.DeleteMarker}
			if r.DeleteMarker {
				d.DeleteMarkerVersionID = asked
			}
			out.Deleted = append(out.Deleted, d)
		case r.DeleteMarker:
			out.Deleted = append(out.Deleted, deleted{Key: r.Key, DeleteMarker: true, DeleteMarkerVersionID: r.VersionID})
		default:
			out.Deleted = append(out.Deleted, deleted{Key: r.Key})
		}
	}
	return writeS3XML(q.w, out)
}

// copySource parses x-amz-copy-source: "bucket/key" or "/bucket/key",
// URL-encoded, optionally with ?versionId=.
func copySource(q *s3Request) (bucket, key, version string, err error) {
	v := q.r.Header.Get("x-amz-copy-source")
	if i := strings.Index(v, "?"); i >= 0 {
		vals, perr := url.ParseQuery(v[i+1:])
		version = vals.Get("versionId")
		if perr != nil || version == "" || len(vals) != 1 {
			return "", "", "", awserr.New(400, "InvalidArgument", "Invalid version id specified").With("ArgumentName", "x-amz-copy-source").With("ArgumentValue", v)
		}
		v = v[:i]
	}
	src, uerr := url.PathUnescape(strings.TrimPrefix(v, "/"))
	bucket, key, ok := strings.Cut(src, "/")
	if uerr != nil || !ok || bucket == "" || key == "" {
		return "", "", "", awserr.New(400, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey").With("ArgumentName", "x-amz-copy-source").With("ArgumentValue", v)
	}
	return bucket, key, version, nil
}

// authorizeCopySource checks the caller may read a copy's source (a
// version of it: s3:GetObjectVersion).
func (h *Handler) authorizeCopySource(q *s3Request, bucket, key, version string) error {
	action := "s3:GetObject"
	if version != "" {
		action = "s3:GetObjectVersion"
	}
	return h.authorizeS3(q, action, bucket, objectARN(bucket, key))
}

func (h *Handler) s3CopyObject(q *s3Request) error {
	sb, sk, sv, err := copySource(q)
	if err != nil {
		return err
	}
	if err := h.authorizeCopySource(q, sb, sk, sv); err != nil {
		return err
	}
	in := s3.CopyInput{
		Bucket: q.route.Bucket, Key: q.route.Key, SrcBucket: sb, SrcKey: sk, SrcVersionID: sv,
		SrcCond: readConditions(q.r, "x-amz-copy-source-"), Cond: writeConditions(q.r),
	}
	if in.SSE, err = sseRequest(q.r); err != nil {
		return err
	}
	if in.SrcSSE, err = customerKey(q.r, "x-amz-copy-source-"); err != nil {
		return err
	}
	if in.Lock, err = lockRequest(q.r); err != nil {
		return err
	}
	if in.ACL, err = aclRequest(q.r); err != nil {
		return err
	}
	switch d := q.r.Header.Get("x-amz-metadata-directive"); d {
	case "", "COPY":
	case "REPLACE":
		in.ReplaceMetadata = true
	default:
		return awserr.New(400, "InvalidArgument", "Unknown metadata directive.").With("ArgumentName", "x-amz-metadata-directive").With("ArgumentValue", d)
	}
	switch d := q.r.Header.Get("x-amz-tagging-directive"); d {
	case "", "COPY":
	case "REPLACE":
		in.ReplaceTags = true
	default:
		return awserr.New(400, "InvalidArgument", "Unknown tagging directive.").With("ArgumentName", "x-amz-tagging-directive").With("ArgumentValue", d)
	}
	if in.ObjectAttrs, err = objectAttrs(q.r); err != nil {
		return err
	}
	in.StorageClass = in.ObjectAttrs.Headers[storageClassHeader]
	if v := q.r.Header.Get("x-amz-checksum-algorithm"); v != "" {
		a, ok := checksum.Parse(v)
		if !ok {
			return awserr.New(400, "InvalidRequest", "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		in.ChecksumAlgorithm = a
	}
	out, err := h.cfg.S3.CopyObject(q.r.Context(), in)
	if err != nil {
		return err
	}
	o := out.Object
	setSSEHeaders(q.w.Header(), o.SSE)
	if out.VersionID != "null" {
		setVersionHeader(q.w.Header(), out.VersionID)
	}
	if out.SrcVersionID != "" {
		q.w.Header().Set("x-amz-copy-source-version-id", out.SrcVersionID)
	}
	q.emit("ObjectCreated:Copy", o)
	return writeS3XML(q.w, struct {
		XMLName      xml.Name `xml:"CopyObjectResult"`
		Xmlns        string   `xml:"xmlns,attr"`
		LastModified string   `xml:"LastModified"`
		ETag         string   `xml:"ETag"`
		ChecksumType string   `xml:"ChecksumType,omitempty"`
		xmlChecksums
	}{Xmlns: s3Xmlns, LastModified: s3Time(o.Modified), ETag: o.ETag, ChecksumType: checksumType(o), xmlChecksums: toXMLChecksums(o.Checksums)})
}

func checksumType(o store.Object) string {
	if len(o.Checksums) == 0 {
		return ""
	}
	return o.ChecksumType
}

type xmlTagging struct {
	XMLName xml.Name `xml:"Tagging"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Tags    []xmlTag `xml:"TagSet>Tag"`
}

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func (h *Handler) s3GetObjectTagging(q *s3Request) error {
	tags, v, err := h.cfg.S3.GetObjectTagging(q.r.Context(), q.route.Bucket, q.route.Key, q.get("versionId"))
	if err != nil {
		return err
	}
	setVersionHeader(q.w.Header(), v)
	out := xmlTagging{Xmlns: s3Xmlns, Tags: []xmlTag{}}
	for k, v := range tags {
		out.Tags = append(out.Tags, xmlTag{k, v})
	}
	sort.Slice(out.Tags, func(i, j int) bool { return out.Tags[i].Key < out.Tags[j].Key })
	return writeS3XML(q.w, out)
}

func (h *Handler) s3PutObjectTagging(q *s3Request) error {
	var x xmlTagging
	if err := decodeXML(q, false, &x); err != nil {
		return err
	}
	tags := map[string]string{}
	for _, t := range x.Tags {
		if _, dup := tags[t.Key]; dup {
			return awserr.New(400, "InvalidTag", "Cannot provide multiple Tags with the same key").With("TagKey", t.Key)
		}
		tags[t.Key] = t.Value
	}
	v, err := h.cfg.S3.PutObjectTagging(q.r.Context(), q.route.Bucket, q.route.Key, q.get("versionId"), tags)
	if err != nil {
		return err
	}
	setVersionHeader(q.w.Header(), v)
	q.emit("ObjectTagging:Put", store.Object{Key: q.route.Key})
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3DeleteObjectTagging(q *s3Request) error {
	v, err := h.cfg.S3.PutObjectTagging(q.r.Context(), q.route.Bucket, q.route.Key, q.get("versionId"), nil)
	if err != nil {
		return err
	}
	setVersionHeader(q.w.Header(), v)
	q.emit("ObjectTagging:Delete", store.Object{Key: q.route.Key})
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) s3GetObjectAttributes(q *s3Request) error {
	want := map[string]bool{}
	for _, v := range q.r.Header.Values("x-amz-object-attributes") {
		for _, a := range strings.Split(v, ",") {
			want[strings.TrimSpace(a)] = true
		}
	}
	if len(want) == 0 {
		return awserr.New(400, "InvalidArgument", "Invalid attribute name specified.").With("ArgumentName", "x-amz-object-attributes")
	}
	ck, err := customerKey(q.r, "x-amz-")
	if err != nil {
		return err
	}
	o, err := h.cfg.S3.ObjectAttributes(q.r.Context(), q.route.Bucket, q.route.Key, q.get("versionId"), ck)
	if err != nil {
		return err
	}
	h.setObjectVersion(q, o)
	maxParts, err := strconv.Atoi(q.r.Header.Get("x-amz-max-parts"))
	if err != nil || maxParts <= 0 || maxParts > 1000 {
		maxParts = 1000
	}
	marker, _ := strconv.Atoi(q.r.Header.Get("x-amz-part-number-marker"))
	type part struct {
		PartNumber int   `xml:"PartNumber"`
		Size       int64 `xml:"Size"`
		xmlChecksums
	}
	type parts struct {
		TotalPartsCount      int    `xml:"PartsCount"`
		PartNumberMarker     int    `xml:"PartNumberMarker"`
		NextPartNumberMarker int    `xml:"NextPartNumberMarker"`
		MaxParts             int    `xml:"MaxParts"`
		IsTruncated          bool   `xml:"IsTruncated"`
		Parts                []part `xml:"Part"`
	}
	type sums struct {
		xmlChecksums
		ChecksumType string `xml:"ChecksumType,omitempty"`
	}
	out := struct {
		XMLName      xml.Name `xml:"GetObjectAttributesResponse"`
		Xmlns        string   `xml:"xmlns,attr"`
		ETag         string   `xml:"ETag,omitempty"`
		Checksum     *sums    `xml:"Checksum,omitempty"`
		ObjectParts  *parts   `xml:"ObjectParts,omitempty"`
		StorageClass string   `xml:"StorageClass,omitempty"`
		ObjectSize   *int64   `xml:"ObjectSize,omitempty"`
	}{Xmlns: s3Xmlns}
	if want["ETag"] {
		out.ETag = strings.Trim(o.ETag, `"`)
	}
	if want["Checksum"] && len(o.Checksums) > 0 {
		c := sums{toXMLChecksums(o.Checksums), o.ChecksumType}
		if o.ChecksumType == "COMPOSITE" {
			// GetObjectAttributes reports the composite value without its
			// "-N" suffix.
			m := map[string]string{}
			for a, v := range o.Checksums {
				m[a], _, _ = strings.Cut(v, "-")
			}
			c.xmlChecksums = toXMLChecksums(m)
		}
		out.Checksum = &c
	}
	if want["ObjectParts"] && len(o.Parts) > 0 {
		p := &parts{TotalPartsCount: len(o.Parts), PartNumberMarker: marker, MaxParts: maxParts}
		for _, op := range o.Parts {
			if op.Number <= marker {
				continue
			}
			if len(p.Parts) == maxParts {
				p.IsTruncated = true
				break
			}
			p.Parts = append(p.Parts, part{op.Number, op.Size, toXMLChecksums(op.Checksums)})
			p.NextPartNumberMarker = op.Number
		}
		out.ObjectParts = p
	}
	if want["StorageClass"] {
		out.StorageClass = storageClassOf(o.Headers)
	}
	if want["ObjectSize"] {
		out.ObjectSize = &o.Size
	}
	q.w.Header().Set("Last-Modified", o.Modified.UTC().Format(http.TimeFormat))
	return writeS3XML(q.w, out)
}

func (h *Handler) s3RestoreObject(q *s3Request) error {
	var x struct {
		XMLName xml.Name `xml:"RestoreRequest"`
		Days    int      `xml:"Days"`
		Type    string   `xml:"Type"`
		Tier    string   `xml:"Tier"`
		Glacier *struct {
			Tier string `xml:"Tier"`
		} `xml:"GlacierJobParameters"`
		Select *struct{} `xml:"SelectParameters"`
	}
	if err := decodeXML(q, false, &x); err != nil {
		return err
	}
	if x.Type != "" || x.Select != nil {
		return awserr.New(501, "NotImplemented", "sekisho does not implement S3 Select restores.")
	}
	in := s3.RestoreInput{Bucket: q.route.Bucket, Key: q.route.Key, VersionID: q.get("versionId"), Days: x.Days, Tier: x.Tier}
	if x.Glacier != nil {
		in.Tier = x.Glacier.Tier
	}
	fresh, err := h.cfg.S3.RestoreObject(q.r.Context(), in)
	if err != nil {
		return err
	}
	if fresh {
		q.w.WriteHeader(http.StatusAccepted)
	} else {
		q.w.WriteHeader(http.StatusOK)
	}
	return nil
}
