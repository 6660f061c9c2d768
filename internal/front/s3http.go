package front

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/checksum"
	"github.com/sekisho/sekisho/internal/s3"
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

// s3Request is an S3 call: the pipeline's call with the route and the
// query parameters.
type s3Request struct {
	*apiCall
	route s3route.Route
	query map[string][]string
	// website is true for a request to a bucket's website endpoint.
	website bool
	// events are what the request did to objects, for the bucket's
	// event notifications (see emit).
	events []s3.ObjectEvent
}

// Decode reads and decodes the XML body into v.
func (q *s3Request) Decode(v any) error { return decodeXML(q, false, v) }

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
	handle func(h *Handler, q *s3Request) error
	// action is the IAM action the operation needs on its bucket or
	// object ("" when the handler authorizes itself, as DeleteObjects
	// does per key); res says which.
	action string
	res    s3Resource
}

type s3Resource uint8

const (
	resNone   s3Resource = iota // "*"
	resBucket                   // arn:aws:s3:::bucket
	resObject                   // arn:aws:s3:::bucket/key
)

// s3Ops maps operation names (as s3route names them, after the botocore
// model) to handlers.
var s3Ops = map[string]s3Op{
	"ListBuckets":                     {(*Handler).s3ListBuckets, "s3:ListAllMyBuckets", resNone},
	"CreateBucket":                    {(*Handler).s3CreateBucket, "s3:CreateBucket", resBucket},
	"HeadBucket":                      {(*Handler).s3HeadBucket, "s3:ListBucket", resBucket},
	"GetBucketLocation":               {(*Handler).s3GetBucketLocation, "s3:GetBucketLocation", resBucket},
	"DeleteBucket":                    {(*Handler).s3DeleteBucket, "s3:DeleteBucket", resBucket},
	"ListObjects":                     {(*Handler).s3ListObjects, "s3:ListBucket", resBucket},
	"ListObjectsV2":                   {(*Handler).s3ListObjects, "s3:ListBucket", resBucket},
	"ListMultipartUploads":            {(*Handler).s3ListMultipartUploads, "s3:ListBucketMultipartUploads", resBucket},
	"GetBucketPolicy":                 {(*Handler).s3GetBucketPolicy, "s3:GetBucketPolicy", resBucket},
	"PutBucketPolicy":                 {(*Handler).s3PutBucketPolicy, "s3:PutBucketPolicy", resBucket},
	"DeleteBucketPolicy":              {(*Handler).s3DeleteBucketPolicy, "s3:DeleteBucketPolicy", resBucket},
	"GetBucketPolicyStatus":           {(*Handler).s3GetBucketPolicyStatus, "s3:GetBucketPolicyStatus", resBucket},
	"GetPublicAccessBlock":            {(*Handler).s3GetPublicAccessBlock, "s3:GetBucketPublicAccessBlock", resBucket},
	"PutPublicAccessBlock":            {(*Handler).s3PutPublicAccessBlock, "s3:PutBucketPublicAccessBlock", resBucket},
	"DeletePublicAccessBlock":         {(*Handler).s3DeletePublicAccessBlock, "s3:PutBucketPublicAccessBlock", resBucket},
	"GetBucketCors":                   {(*Handler).s3GetBucketCors, "s3:GetBucketCORS", resBucket},
	"PutBucketCors":                   {(*Handler).s3PutBucketCors, "s3:PutBucketCORS", resBucket},
	"DeleteBucketCors":                {(*Handler).s3DeleteBucketCors, "s3:PutBucketCORS", resBucket},
	"GetBucketVersioning":             {(*Handler).s3GetBucketVersioning, "s3:GetBucketVersioning", resBucket},
	"GetBucketLifecycleConfiguration": {(*Handler).s3GetBucketLifecycle, "s3:GetLifecycleConfiguration", resBucket},
	"PutBucketLifecycleConfiguration": {(*Handler).s3PutBucketLifecycle, "s3:PutLifecycleConfiguration", resBucket},
	"DeleteBucketLifecycle":           {(*Handler).s3DeleteBucketLifecycle, "s3:PutLifecycleConfiguration", resBucket},
	"PutBucketVersioning":             {(*Handler).s3PutBucketVersioning, "s3:PutBucketVersioning", resBucket},
	"ListObjectVersions":              {(*Handler).s3ListObjectVersions, "s3:ListBucketVersions", resBucket},
	"GetBucketEncryption":             {(*Handler).s3GetBucketEncryption, "s3:GetEncryptionConfiguration", resBucket},
	"PutBucketEncryption":             {(*Handler).s3PutBucketEncryption, "s3:PutEncryptionConfiguration", resBucket},
	"DeleteBucketEncryption":          {(*Handler).s3DeleteBucketEncryption, "s3:PutEncryptionConfiguration", resBucket},

	"GetObjectLockConfiguration": {(*Handler).s3GetObjectLockConfiguration, "s3:GetBucketObjectLockConfiguration", resBucket},
	"PutObjectLockConfiguration": {(*Handler).s3PutObjectLockConfiguration, "s3:PutBucketObjectLockConfiguration", resBucket},
	"GetObjectRetention":         {(*Handler).s3GetObjectRetention, "s3:GetObjectRetention", resObject},
	"PutObjectRetention":         {(*Handler).s3PutObjectRetention, "s3:PutObjectRetention", resObject},
	"GetObjectLegalHold":         {(*Handler).s3GetObjectLegalHold, "s3:GetObjectLegalHold", resObject},
	"PutObjectLegalHold":         {(*Handler).s3PutObjectLegalHold, "s3:PutObjectLegalHold", resObject},

	"GetBucketTagging":                   {(*Handler).s3GetBucketTagging, "s3:GetBucketTagging", resBucket},
	"GetBucketAccelerateConfiguration":   {(*Handler).s3GetBucketAccelerate, "s3:GetAccelerateConfiguration", resBucket},
	"PutBucketAccelerateConfiguration":   {(*Handler).s3PutBucketAccelerate, "s3:PutAccelerateConfiguration", resBucket},
	"GetBucketRequestPayment":            {(*Handler).s3GetBucketRequestPayment, "s3:GetBucketRequestPayment", resBucket},
	"PutBucketRequestPayment":            {(*Handler).s3PutBucketRequestPayment, "s3:PutBucketRequestPayment", resBucket},
	"PutBucketTagging":                   {(*Handler).s3PutBucketTagging, "s3:PutBucketTagging", resBucket},
	"GetBucketLogging":                   {(*Handler).s3GetBucketLogging, "s3:GetBucketLogging", resBucket},
	"GetBucketWebsite":                   {(*Handler).s3GetBucketWebsite, "s3:GetBucketWebsite", resBucket},
	"GetBucketNotificationConfiguration": {(*Handler).s3GetBucketNotification, "s3:GetBucketNotification", resBucket},
	"GetBucketReplication":               {(*Handler).s3GetBucketReplication, "s3:GetReplicationConfiguration", resBucket},
	"PutBucketReplication":               {(*Handler).s3PutBucketReplication, "s3:PutReplicationConfiguration", resBucket},
	"DeleteBucketReplication":            {(*Handler).s3DeleteBucketReplication, "s3:PutReplicationConfiguration", resBucket},
	"PutBucketNotificationConfiguration": {(*Handler).s3PutBucketNotification, "s3:PutBucketNotification", resBucket},
	"PutBucketWebsite":                   {(*Handler).s3PutBucketWebsite, "s3:PutBucketWebsite", resBucket},
	"DeleteBucketWebsite":                {(*Handler).s3DeleteBucketWebsite, "s3:DeleteBucketWebsite", resBucket},
	"PutBucketLogging":                   {(*Handler).s3PutBucketLogging, "s3:PutBucketLogging", resBucket},
	"DeleteBucketTagging":                {(*Handler).s3DeleteBucketTagging, "s3:PutBucketTagging", resBucket},
	"GetBucketAcl":                       {(*Handler).s3GetAcl, "s3:GetBucketAcl", resBucket},
	"GetObjectAcl":                       {(*Handler).s3GetAcl, "s3:GetObjectAcl", resObject},
	"PutBucketAcl":                       {(*Handler).s3PutAcl, "s3:PutBucketAcl", resBucket},
	"PutObjectAcl":                       {(*Handler).s3PutAcl, "s3:PutObjectAcl", resObject},

	"GetBucketOwnershipControls":    {(*Handler).s3GetBucketOwnershipControls, "s3:GetBucketOwnershipControls", resBucket},
	"PutBucketOwnershipControls":    {(*Handler).s3PutBucketOwnershipControls, "s3:PutBucketOwnershipControls", resBucket},
	"DeleteBucketOwnershipControls": {(*Handler).s3DeleteBucketOwnershipControls, "s3:PutBucketOwnershipControls", resBucket},
	"PreflightRequest":              {(*Handler).s3Preflight, "", resNone},
	"PostObject":                    {(*Handler).s3PostObject, "", resNone},
	"PutObject":                     {(*Handler).s3PutObject, "s3:PutObject", resObject},
	"GetObject":                     {(*Handler).s3GetObject, "s3:GetObject", resObject},
	"HeadObject":                    {(*Handler).s3GetObject, "s3:GetObject", resObject},
	"DeleteObject":                  {(*Handler).s3DeleteObject, "s3:DeleteObject", resObject},
	"DeleteObjects":                 {(*Handler).s3DeleteObjects, "", resNone},
	"CopyObject":                    {(*Handler).s3CopyObject, "s3:PutObject", resObject},
	"GetObjectAttributes":           {(*Handler).s3GetObjectAttributes, "s3:GetObjectAttributes", resObject},
	"RestoreObject":                 {(*Handler).s3RestoreObject, "s3:RestoreObject", resObject},
	"GetObjectTagging":              {(*Handler).s3GetObjectTagging, "s3:GetObjectTagging", resObject},
	"PutObjectTagging":              {(*Handler).s3PutObjectTagging, "s3:PutObjectTagging", resObject},
	"DeleteObjectTagging":           {(*Handler).s3DeleteObjectTagging, "s3:DeleteObjectTagging", resObject},
	"CreateMultipartUpload":         {(*Handler).s3CreateMultipartUpload, "s3:PutObject", resObject},
	"UploadPart":                    {(*Handler).s3UploadPart, "s3:PutObject", resObject},
	"UploadPartCopy":                {(*Handler).s3UploadPartCopy, "s3:PutObject", resObject},
	"CompleteMultipartUpload":       {(*Handler).s3CompleteMultipartUpload, "s3:PutObject", resObject},
	"AbortMultipartUpload":          {(*Handler).s3AbortMultipartUpload, "s3:AbortMultipartUpload", resObject},
	"ListParts":                     {(*Handler).s3ListParts, "s3:ListMultipartUploadParts", resObject},
}

// s3Rows are the S3 table's rows. Every S3 operation accepts unsigned
// callers: a bucket policy may allow anyone, and the handlers of the rows
// without an action authenticate or authorize for themselves.
func (h *Handler) s3Rows() map[string]*op {
	out := map[string]*op{}
	all := maps.Clone(s3Ops)
	maps.Copy(all, s3IDConfigOps())
	for name, o := range all {
		handle, res := o.handle, o.res
		out[name] = &op{
			Unsigned: true,
			Action:   o.action,
			Resource: func(c *apiCall) string {
				switch res {
				case resBucket:
					return bucketARN(c.s3.route.Bucket)
				case resObject:
					return objectARN(c.s3.route.Bucket, c.s3.route.Key)
				}
				return "*"
			},
			Method: func(ctx context.Context, in input) (any, error) {
				return nil, handle(h, in.(*s3Request))
			},
		}
	}
	return out
}

func (h *Handler) serveS3(w http.ResponseWriter, r *http.Request) { h.serveAPI(w, r, s3Codec{}) }

// s3Codec is S3's REST-XML protocol: the operation in the method, path and
// query; bodies streamed; errors as <Error>.
type s3Codec struct{}

func (s3Codec) protocol() protocol { return protoS3 }

func (s3Codec) read(h *Handler, c *apiCall) error {
	w, r := c.w, c.r
	c.service = "s3"
	id := info(r.Context()).id
	w.Header().Set("x-amz-request-id", id)
	w.Header().Set("x-amz-id-2", id)
	if r.ContentLength == 0 && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		// net/http sends "100 Continue" only when a handler reads a
		// non-empty body. S3 sends it for empty ones too, and botocore,
		// seeing a final response first, leaves its connection in a state
		// that hangs the next upload on it.
		w.WriteHeader(http.StatusContinue)
	}
	params, ok := sigv4.ParseQuery(r.URL.RawQuery)
	if !ok {
		return awserr.New(400, "InvalidArgument", "The query string is malformed.")
	}
	query := map[string][]string{}
	for _, p := range params {
		query[p.Key] = append(query[p.Key], p.Value)
	}
	route := s3route.Parse(r, query, h.cfg.Domains)
	c.name = route.Operation
	if route.Operation == "" {
		return awserr.Newf(405, "MethodNotAllowed", "The specified method is not allowed against this resource.").With("Method", r.Method)
	}
	o, known := h.tables["s3"].Ops[route.Operation]
	if !known {
		return awserr.Newf(501, "NotImplemented", "sekisho does not implement the S3 operation %s yet.", route.Operation)
	}
	if route.Key != "" && !keyParses(route.Key) {
		return awserr.New(400, "InvalidURI", "Couldn't parse the specified URI.").With("URI", r.URL.EscapedPath())
	}
	q := &s3Request{apiCall: c, route: route, query: query}
	info(r.Context()).s3 = q
	if va, ok := versionActions[o.Action]; ok && q.has("versionId") {
		// The same row, authorized as the version's action.
		vo := *o
		vo.Action = va
		o = &vo
	}
	c.s3, c.in, c.op, c.tbl = q, q, o, h.tables["s3"]
	if route.Operation != "PreflightRequest" && route.Bucket != "" && r.Header.Get("Origin") != "" {
		h.s3CORSHeaders(q)
	}
	// A preflight is answered from the bucket's CORS rules alone: the
	// query of a presigned URL it carries is not checked (browsers send
	// it as is, without the method it was signed for).
	c.anonymous = route.Operation == "PreflightRequest"
	c.verify = sigv4.Options{S3: true}
	if route.VirtualHost {
		c.verify.Bucket = route.Bucket
	}
	return nil
}

// keyParses reports whether S3 takes key from a URI: valid UTF-8 without
// C1 control characters (U+0080–U+009F), which S3 answers with InvalidURI
// (s3-tests' object_read_unreadable, "\xae\x8a-").
func keyParses(key string) bool {
	if !utf8.ValidString(key) {
		return false
	}
	for _, r := range key {
		if r >= 0x80 && r <= 0x9f {
			return false
		}
	}
	return true
}

func (s3Codec) scope(*Handler, *apiCall, *sigv4.Auth) {}

func (s3Codec) unknown(c *apiCall) error {
	return awserr.Newf(501, "NotImplemented", "sekisho does not implement the S3 operation %s yet.", c.name)
}

func (s3Codec) missingAuth() error {
	return awserr.New(403, "AccessDenied", "Access Denied")
}

func (s3Codec) authError(err error) error { return s3AuthError(err) }

func (s3Codec) authorize(h *Handler, c *apiCall, check authzCheck) error {
	return h.authorizeS3(c.s3, check.action, c.s3.route.Bucket, check.resource)
}

// encode has nothing to write: S3 handlers stream their own responses.
func (s3Codec) encode(*Handler, *apiCall, any) {}

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
