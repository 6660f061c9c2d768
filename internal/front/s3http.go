package front

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/checksum"
	"github.com/sekisho/sekisho/internal/s3route"
	"github.com/sekisho/sekisho/internal/sigv4"
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

func (q *s3Request) has(k string) bool { _, ok := q.query[k]; return ok }

// s3Op is one S3 operation: its handler, and whether it accepts callers
// that did not sign (the handler then authenticates, or needs nobody).
type s3Op struct {
	handle    func(h *Handler, q *s3Request) error
	anonymous bool
}

// s3Ops maps operation names (as s3route names them, after the botocore
// model) to handlers.
var s3Ops = map[string]s3Op{
	"ListBuckets":             {handle: (*Handler).s3ListBuckets},
	"CreateBucket":            {handle: (*Handler).s3CreateBucket},
	"HeadBucket":              {handle: (*Handler).s3HeadBucket},
	"GetBucketLocation":       {handle: (*Handler).s3GetBucketLocation},
	"DeleteBucket":            {handle: (*Handler).s3DeleteBucket},
	"ListObjects":             {handle: (*Handler).s3ListObjects},
	"ListObjectsV2":           {handle: (*Handler).s3ListObjects},
	"ListMultipartUploads":    {handle: (*Handler).s3ListMultipartUploads},
	"GetBucketPolicy":         {handle: (*Handler).s3GetBucketPolicy},
	"PutBucketPolicy":         {handle: (*Handler).s3PutBucketPolicy},
	"DeleteBucketPolicy":      {handle: (*Handler).s3DeleteBucketPolicy},
	"GetBucketPolicyStatus":   {handle: (*Handler).s3GetBucketPolicyStatus},
	"GetPublicAccessBlock":    {handle: (*Handler).s3GetPublicAccessBlock},
	"PutPublicAccessBlock":    {handle: (*Handler).s3PutPublicAccessBlock},
	"DeletePublicAccessBlock": {handle: (*Handler).s3DeletePublicAccessBlock},
	"GetBucketCors":           {handle: (*Handler).s3GetBucketCors},
	"PutBucketCors":           {handle: (*Handler).s3PutBucketCors},
	"DeleteBucketCors":        {handle: (*Handler).s3DeleteBucketCors},
	"GetBucketVersioning":     {handle: (*Handler).s3GetBucketVersioning},
	"GetBucketAcl":            {handle: (*Handler).s3GetAcl},
	"GetObjectAcl":            {handle: (*Handler).s3GetAcl},
	"PreflightRequest":        {handle: (*Handler).s3Preflight, anonymous: true},
	"PostObject":              {handle: (*Handler).s3PostObject, anonymous: true},
	"PutObject":               {handle: (*Handler).s3PutObject},
	"GetObject":               {handle: (*Handler).s3GetObject},
	"HeadObject":              {handle: (*Handler).s3GetObject},
	"DeleteObject":            {handle: (*Handler).s3DeleteObject},
	"DeleteObjects":           {handle: (*Handler).s3DeleteObjects},
	"CopyObject":              {handle: (*Handler).s3CopyObject},
	"GetObjectAttributes":     {handle: (*Handler).s3GetObjectAttributes},
	"GetObjectTagging":        {handle: (*Handler).s3GetObjectTagging},
	"PutObjectTagging":        {handle: (*Handler).s3PutObjectTagging},
	"DeleteObjectTagging":     {handle: (*Handler).s3DeleteObjectTagging},
	"CreateMultipartUpload":   {handle: (*Handler).s3CreateMultipartUpload},
	"UploadPart":              {handle: (*Handler).s3UploadPart},
	"UploadPartCopy":          {handle: (*Handler).s3UploadPartCopy},
	"CompleteMultipartUpload": {handle: (*Handler).s3CompleteMultipartUpload},
	"AbortMultipartUpload":    {handle: (*Handler).s3AbortMultipartUpload},
	"ListParts":               {handle: (*Handler).s3ListParts},
}

func (h *Handler) serveS3(w http.ResponseWriter, r *http.Request) {
	ri := info(r.Context())
	ri.service = "s3"
	w.Header().Set("x-amz-request-id", ri.id)
	w.Header().Set("x-amz-id-2", ri.id)
	if r.ContentLength == 0 && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		// net/http sends "100 Continue" only when a handler reads a
		// non-empty body. S3 sends it for empty ones too, and botocore,
		// seeing a final response first, leaves its connection in a state
		// that hangs the next upload on it.
		w.WriteHeader(http.StatusContinue)
	}
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
	if route.Operation == "" {
		fail(awserr.Newf(405, "MethodNotAllowed", "The specified method is not allowed against this resource.").With("Method", r.Method))
		return
	}
	op, known := s3Ops[route.Operation]
	if !known {
		fail(awserr.Newf(501, "NotImplemented", "sekisho does not implement the S3 operation %s yet.", route.Operation))
		return
	}
	if route.Key != "" && !utf8.ValidString(route.Key) {
		fail(awserr.New(400, "InvalidArgument", "Object keys must be valid UTF-8."))
		return
	}
	q := &s3Request{w: w, r: r, route: route, query: query}
	if route.Operation != "PreflightRequest" && route.Bucket != "" && r.Header.Get("Origin") != "" {
		h.s3CORSHeaders(q)
	}
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
	q.res, q.p = res, res.Principal
	ri.principal = res.Principal
	// Until the policy engine arrives, signed principals of the account may
	// do everything and anonymous callers nothing.
	if res.Principal.Kind == auth.Anonymous && !op.anonymous {
		fail(awserr.New(403, "AccessDenied", "Access Denied"))
		return
	}
	if err := op.handle(h, q); err != nil {
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
	if r.Method == http.MethodHead || e.Status == http.StatusNotModified {
		w.Header().Del("Content-Length")
		w.Header().Del("Content-Type")
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

// xmlChecksums renders stored checksums as S3's Checksum* elements.
type xmlChecksums struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
}

func toXMLChecksums(m map[string]string) xmlChecksums {
	return xmlChecksums{m["CRC32"], m["CRC32C"], m["CRC64NVME"], m["SHA1"], m["SHA256"]}
}

func (x xmlChecksums) toMap() map[string]string {
	m := map[string]string{}
	for k, v := range map[string]string{"CRC32": x.ChecksumCRC32, "CRC32C": x.ChecksumCRC32C, "CRC64NVME": x.ChecksumCRC64NVME, "SHA1": x.ChecksumSHA1, "SHA256": x.ChecksumSHA256} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// readXMLBody reads a small request body and checks the Content-MD5 or
// x-amz-checksum-* header that covers it, if any; needDigest makes one of
// them mandatory, as S3 does for DeleteObjects and PutBucketCors. (A
// trailing checksum has been verified by the aws-chunked decoder.)
// CompleteMultipartUpload's x-amz-checksum-* headers are the object's,
// not the body's, so it reads with checksumHeaders false.
func readXMLBody(q *s3Request, needDigest bool) ([]byte, error) {
	return readBody(q, needDigest, true)
}

func readBody(q *s3Request, needDigest, checksumHeaders bool) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(q.res.Body, MaxAPIBody+1))
	if err != nil {
		return nil, s3AuthError(err)
	}
	if len(body) > MaxAPIBody {
		return nil, awserr.New(400, "MaxMessageLengthExceeded", "Your request was too big.")
	}
	digest := false
	if m := q.r.Header.Get("Content-MD5"); m != "" {
		want, err := base64.StdEncoding.DecodeString(m)
		if err != nil || len(want) != md5.Size {
			return nil, awserr.New(400, "InvalidDigest", "The Content-MD5 you specified is not valid.")
		}
		sum := md5.Sum(body)
		if !bytes.Equal(sum[:], want) {
			return nil, awserr.New(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")
		}
		digest = true
	}
	for name, vals := range q.r.Header {
		a, ok := checksum.FromHeader(name)
		if !ok || !checksumHeaders {
			continue
		}
		h := a.New()
		h.Write(body)
		if checksum.Encode(h.Sum(nil)) != vals[0] {
			return nil, awserr.Newf(400, "BadDigest", "The %s you specified did not match the calculated checksum.", a)
		}
		digest = true
	}
	if q.res.Chunked != nil && q.res.Chunked.Algorithm() != "" {
		digest = true
	}
	if needDigest && !digest {
		return nil, awserr.New(400, "InvalidRequest", "Missing required header for this request: Content-MD5 OR x-amz-checksum-*")
	}
	return body, nil
}

// decodeXML reads and decodes an XML request body into v.
func decodeXML(q *s3Request, needDigest bool, v any) error {
	return decodeBody(q, needDigest, true, v)
}

func decodeBody(q *s3Request, needDigest, checksumHeaders bool, v any) error {
	body, err := readBody(q, needDigest, checksumHeaders)
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return awserr.New(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	return nil
}

func parseHTTPTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := http.ParseTime(v)
	if err != nil {
		// S3 ignores a date it cannot parse.
		return time.Time{}, nil
	}
	return t, nil
}

func intParam(q *s3Request, name string, def int) (int, error) {
	v, ok := q.query[name]
	if !ok || v[0] == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 0 {
		return 0, awserr.New(400, "InvalidArgument", fmt.Sprintf("Provided %s not an integer or within integer range", name)).With("ArgumentName", name).With("ArgumentValue", v[0])
	}
	return n, nil
}
