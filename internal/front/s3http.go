package front

import (
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/blob"
	"github.com/sekisho/sekisho/internal/checksum"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/s3route"
	"github.com/sekisho/sekisho/internal/sigv4"
	"github.com/sekisho/sekisho/internal/store"
)

const s3Xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"

// virtualBucket returns the bucket of a virtual-hosted request, or "".
func (h *Handler) virtualBucket(r *http.Request) string {
	host := r.Host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		host = hh
	}
	host = strings.ToLower(host)
	for _, d := range h.cfg.Domains {
		if d != "" && strings.HasSuffix(host, "."+d) {
			return strings.TrimSuffix(host, "."+d)
		}
	}
	return ""
}

type s3Request struct {
	w     http.ResponseWriter
	r     *http.Request
	route s3route.Route
	query map[string][]string
	res   *sigv4.Result
	p     *auth.Principal
}

func (q *s3Request) get(k string) string {
	if v := q.query[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (h *Handler) serveS3(w http.ResponseWriter, r *http.Request) {
	ri := info(r.Context())
	ri.service = "s3"
	w.Header().Set("x-amz-request-id", ri.id)
	w.Header().Set("x-amz-id-2", ri.id)
	fail := func(err error) { h.writeError(w, r, protoS3, err) }
	params, ok := sigv4.ParseQuery(r.URL.RawQuery)
	if !ok {
		fail(awserr.New(400, "InvalidArgument", "The query string is malformed."))
		return
	}
	query := map[string][]string{}
	for _, p := range params {
		query[p.Key] = append(query[p.Key], p.Value)
	}
	route := s3route.Parse(r, query, h.cfg.Domains)
	ri.operation = route.Operation
	a, err := sigv4.Parse(r)
	if err != nil {
		fail(s3AuthError(err))
		return
	}
	opt := sigv4.Options{S3: true}
	if route.VirtualHost {
		opt.Bucket = route.Bucket
	}
	res, err := h.cfg.Verifier.Verify(r.Context(), r, a, opt)
	if err != nil {
		fail(s3AuthError(err))
		return
	}
	ri.principal = res.Principal
	// Until the policy engine arrives, signed principals of the account may
	// do everything and anonymous callers nothing.
	if res.Principal.Kind == auth.Anonymous {
		fail(awserr.New(403, "AccessDenied", "Access Denied"))
		return
	}
	q := &s3Request{w: w, r: r, route: route, query: query, res: res, p: res.Principal}
	if route.Key != "" && !utf8.ValidString(route.Key) {
		fail(awserr.New(400, "InvalidArgument", "Object keys must be valid UTF-8."))
		return
	}
	var handler func(*s3Request) error
	switch route.Operation {
	case "ListBuckets":
		handler = h.s3ListBuckets
	case "CreateBucket":
		handler = h.s3CreateBucket
	case "HeadBucket":
		handler = h.s3HeadBucket
	case "GetBucketLocation":
		handler = h.s3GetBucketLocation
	case "DeleteBucket":
		handler = h.s3DeleteBucket
	case "ListObjectsV2":
		handler = h.s3ListObjectsV2
	case "PutObject":
		handler = h.s3PutObject
	case "GetObject", "HeadObject":
		handler = h.s3GetObject
	case "DeleteObject":
		handler = h.s3DeleteObject
	case "":
		fail(awserr.Newf(405, "MethodNotAllowed", "The specified method is not allowed against this resource.").With("Method", r.Method))
		return
	default:
		fail(awserr.Newf(501, "NotImplemented", "sekisho does not implement the S3 operation %s yet.", route.Operation))
		return
	}
	if err := handler(q); err != nil {
		fail(err)
	}
}

type s3ErrorBody struct {
	XMLName xml.Name `xml:"Error"`
	Code    string   `xml:"Code"`
	Message string   `xml:"Message"`
	Fields  []xmlField
	Res     string `xml:"Resource,omitempty"`
	ReqID   string `xml:"RequestId"`
	HostID  string `xml:"HostId"`
}

type xmlField struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

func writeS3Error(w http.ResponseWriter, r *http.Request, id string, e *awserr.Error) {
	body := s3ErrorBody{Code: e.Code, Message: e.Message, Res: r.URL.Path, ReqID: id, HostID: id}
	for _, f := range e.Fields {
		body.Fields = append(body.Fields, xmlField{XMLName: xml.Name{Local: f.Name}, Value: f.Value})
	}
	w.Header().Set("x-amz-request-id", id)
	if r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	b, _ := xml.Marshal(body)
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(b)))
	w.WriteHeader(e.Status)
	io.WriteString(w, xml.Header)
	w.Write(b)
}

func writeS3XML(w http.ResponseWriter, v any) error {
	b, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(b)))
	io.WriteString(w, xml.Header)
	_, err = w.Write(b)
	return err
}

func s3Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

func (h *Handler) s3ListBuckets(q *s3Request) error {
	buckets, err := h.cfg.S3.ListBuckets(q.r.Context())
	if err != nil {
		return err
	}
	type bucket struct {
		Name         string `xml:"Name"`
		CreationDate string `xml:"CreationDate"`
		BucketRegion string `xml:"BucketRegion"`
	}
	out := struct {
		XMLName xml.Name `xml:"ListAllMyBucketsResult"`
		Xmlns   string   `xml:"xmlns,attr"`
		Owner   owner    `xml:"Owner"`
		Buckets []bucket `xml:"Buckets>Bucket"`
	}{Xmlns: s3Xmlns, Owner: owner{ID: q.p.Account}}
	for _, b := range buckets {
		out.Buckets = append(out.Buckets, bucket{b.Name, s3Time(b.Created), b.Region})
	}
	return writeS3XML(q.w, out)
}

func (h *Handler) s3CreateBucket(q *s3Request) error {
	region := ""
	body, err := io.ReadAll(io.LimitReader(q.res.Body, MaxAPIBody+1))
	if err != nil {
		return s3AuthError(err)
	}
	if len(body) > MaxAPIBody {
		return awserr.New(400, "MaxMessageLengthExceeded", "Your request was too big.")
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		var cfg struct {
			LocationConstraint string `xml:"LocationConstraint"`
		}
		if err := xml.Unmarshal(body, &cfg); err != nil {
			return awserr.New(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
		region = cfg.LocationConstraint
	}
	if err := h.cfg.S3.CreateBucket(q.r.Context(), q.route.Bucket, region, q.p.Account); err != nil {
		return err
	}
	q.w.Header().Set("Location", "/"+q.route.Bucket)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3HeadBucket(q *s3Request) error {
	b, err := h.cfg.S3.Bucket(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	q.w.Header().Set("x-amz-bucket-region", b.Region)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetBucketLocation(q *s3Request) error {
	b, err := h.cfg.S3.Bucket(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	loc := b.Region
	if loc == "us-east-1" {
		loc = ""
	}
	return writeS3XML(q.w, struct {
		XMLName xml.Name `xml:"LocationConstraint"`
		Xmlns   string   `xml:"xmlns,attr"`
		Value   string   `xml:",chardata"`
	}{Xmlns: s3Xmlns, Value: loc})
}

func (h *Handler) s3DeleteBucket(q *s3Request) error {
	if err := h.cfg.S3.DeleteBucket(q.r.Context(), q.route.Bucket); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) s3ListObjectsV2(q *s3Request) error {
	in := s3.ListInput{
		Bucket: q.route.Bucket, Prefix: q.get("prefix"), Delimiter: q.get("delimiter"),
		StartAfter: q.get("start-after"), ContinuationToken: q.get("continuation-token"), MaxKeys: 1000,
	}
	if v, ok := q.query["max-keys"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 {
			return awserr.New(400, "InvalidArgument", "Provided max-keys not an integer or within integer range").With("ArgumentName", "max-keys").With("ArgumentValue", v[0])
		}
		in.MaxKeys = min(n, 1000)
	}
	encType := q.get("encoding-type")
	if encType != "" && encType != "url" {
		return awserr.New(400, "InvalidArgument", "Invalid Encoding Method specified in Request").With("ArgumentName", "encoding-type")
	}
	enc := func(s string) string {
		if encType == "url" {
			return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
		}
		return s
	}
	out, err := h.cfg.S3.ListObjectsV2(q.r.Context(), in)
	if err != nil {
		return err
	}
	type content struct {
		Key          string `xml:"Key"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		Size         int64  `xml:"Size"`
		StorageClass string `xml:"StorageClass"`
		Owner        *owner `xml:"Owner,omitempty"`
	}
	type prefix struct {
		Prefix string `xml:"Prefix"`
	}
	res := struct {
		XMLName               xml.Name  `xml:"ListBucketResult"`
		Xmlns                 string    `xml:"xmlns,attr"`
		Name                  string    `xml:"Name"`
		Prefix                string    `xml:"Prefix"`
		Delimiter             string    `xml:"Delimiter,omitempty"`
		MaxKeys               int       `xml:"MaxKeys"`
		EncodingType          string    `xml:"EncodingType,omitempty"`
		KeyCount              int       `xml:"KeyCount"`
		IsTruncated           bool      `xml:"IsTruncated"`
		ContinuationToken     string    `xml:"ContinuationToken,omitempty"`
		NextContinuationToken string    `xml:"NextContinuationToken,omitempty"`
		StartAfter            string    `xml:"StartAfter,omitempty"`
		Contents              []content `xml:"Contents"`
		CommonPrefixes        []prefix  `xml:"CommonPrefixes"`
	}{
		Xmlns: s3Xmlns, Name: in.Bucket, Prefix: enc(in.Prefix), Delimiter: enc(in.Delimiter), MaxKeys: in.MaxKeys,
		EncodingType: encType, KeyCount: len(out.Objects) + len(out.CommonPrefixes), IsTruncated: out.IsTruncated,
		ContinuationToken: in.ContinuationToken, NextContinuationToken: out.NextContinuationToken, StartAfter: enc(in.StartAfter),
	}
	fetchOwner := q.get("fetch-owner") == "true"
	for _, o := range out.Objects {
		c := content{Key: enc(o.Key), LastModified: s3Time(o.Modified), ETag: o.ETag, Size: o.Size, StorageClass: "STANDARD"}
		if fetchOwner {
			c.Owner = &owner{ID: q.p.Account}
		}
		res.Contents = append(res.Contents, c)
	}
	for _, p := range out.CommonPrefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, prefix{enc(p)})
	}
	return writeS3XML(q.w, res)
}

// storedHeaders are the representation headers PutObject keeps and
// GetObject returns.
var storedHeaders = []string{"Content-Type", "Content-Encoding", "Content-Disposition", "Content-Language", "Cache-Control", "Expires"}

func (h *Handler) s3PutObject(q *s3Request) error {
	r := q.r
	size := q.res.ContentLength
	if q.res.Chunked == nil && size < 0 {
		return awserr.New(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
	}
	in := s3.PutInput{
		Bucket: q.route.Bucket, Key: q.route.Key, Body: q.res.Body, Size: size,
		ContentMD5: r.Header.Get("Content-MD5"),
		Checksums:  map[checksum.Algorithm]string{},
		Headers:    map[string]string{},
		Metadata:   map[string]string{},
	}
	if c := q.res.Chunked; c != nil && c.Algorithm() != "" {
		in.TrailerAlgorithm = c.Algorithm()
		in.Trailer = func() string { return c.Trailer().Get(c.Algorithm().Header()) }
	}
	metaSize := 0
	for name, vals := range r.Header {
		l := strings.ToLower(name)
		if a, ok := checksum.FromHeader(l); ok {
			in.Checksums[a] = vals[0]
		} else if strings.HasPrefix(l, "x-amz-checksum-") && l != "x-amz-checksum-algorithm" && l != "x-amz-checksum-type" {
			return awserr.New(400, "InvalidRequest", "The checksum algorithm in "+l+" is not supported.")
		}
		if m, ok := strings.CutPrefix(l, "x-amz-meta-"); ok {
			in.Metadata[m] = strings.Join(vals, ",")
			metaSize += len(m) + len(in.Metadata[m])
		}
	}
	if metaSize > 2048 {
		return awserr.New(400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size").With("MaxSizeAllowed", "2048")
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
			in.Headers[hname] = v
		}
	}
	if in.Headers["Content-Type"] == "" {
		in.Headers["Content-Type"] = "binary/octet-stream"
	}
	o, err := h.cfg.S3.PutObject(r.Context(), in)
	if err != nil {
		return s3AuthError(err)
	}
	q.w.Header().Set("ETag", o.ETag)
	for a, v := range o.Checksums {
		q.w.Header().Set(checksum.Algorithm(a).Header(), v)
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetObject(q *s3Request) error {
	ctx := q.r.Context()
	var (
		o    store.Object
		file blob.File
		err  error
	)
	if q.route.Operation == "HeadObject" {
		o, err = h.cfg.S3.HeadObject(ctx, q.route.Bucket, q.route.Key)
	} else {
		o, file, err = h.cfg.S3.GetObject(ctx, q.route.Bucket, q.route.Key)
	}
	if err != nil {
		return err
	}
	if file != nil {
		defer file.Close()
	}
	hd := q.w.Header()
	for k, v := range o.Headers {
		hd.Set(k, v)
	}
	for k, v := range o.Metadata {
		hd.Set("x-amz-meta-"+k, v)
	}
	hd.Set("ETag", o.ETag)
	hd.Set("Last-Modified", o.Modified.UTC().Format(http.TimeFormat))
	hd.Set("Accept-Ranges", "bytes")
	if strings.EqualFold(q.r.Header.Get("x-amz-checksum-mode"), "ENABLED") {
		for a, v := range o.Checksums {
			hd.Set(checksum.Algorithm(a).Header(), v)
		}
	}
	// response-* query parameters override stored headers on GET.
	if q.route.Operation == "GetObject" {
		for _, hname := range storedHeaders {
			if v, ok := q.query["response-"+strings.ToLower(hname)]; ok {
				hd.Set(hname, v[0])
			}
		}
	}
	start, length := int64(0), o.Size
	status := http.StatusOK
	if rg := q.r.Header.Get("Range"); rg != "" {
		s, l, ok, err := parseRange(rg, o.Size)
		if err != nil {
			return err
		}
		if ok {
			start, length, status = s, l, http.StatusPartialContent
			hd.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", s, s+l-1, o.Size))
		}
	}
	hd.Set("Content-Length", strconv.FormatInt(length, 10))
	q.w.WriteHeader(status)
	if file == nil {
		return nil
	}
	if start > 0 {
		if _, err := file.Seek(start, io.SeekStart); err != nil {
			return nil
		}
	}
	io.Copy(q.w, io.LimitReader(file, length))
	return nil
}

// parseRange parses a single HTTP byte range against size. ok is false
// when the header should be ignored (multiple ranges or another unit), as S3
// does.
func parseRange(h string, size int64) (start, length int64, ok bool, err error) {
	spec, found := strings.CutPrefix(h, "bytes=")
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
	if s >= size {
		return 0, 0, false, invalid
	}
	e := size - 1
	if b != "" {
		v, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || v < s {
			return 0, 0, false, nil
		}
		e = min(v, size-1)
	}
	return s, e - s + 1, true, nil
}

func (h *Handler) s3DeleteObject(q *s3Request) error {
	if err := h.cfg.S3.DeleteObject(q.r.Context(), q.route.Bucket, q.route.Key); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}
