package front

import (
	"crypto/tls"
	"encoding/xml"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/s3"
)

// Server access logging on the wire: the ?logging calls, and the record
// of each S3 request handed to the service after it is answered.

type xmlLoggingStatus struct {
	XMLName xml.Name    `xml:"BucketLoggingStatus"`
	Xmlns   string      `xml:"xmlns,attr,omitempty"`
	Enabled *xmlLogging `xml:"LoggingEnabled"`
}

type xmlLogging struct {
	TargetBucket string `xml:"TargetBucket"`
	// TargetGrants is omitted when there are none, as S3 omits it.
	TargetGrants *xmlTargetGrants `xml:"TargetGrants"`
	TargetPrefix string           `xml:"TargetPrefix"`
	KeyFormat    *xmlKeyFormat    `xml:"TargetObjectKeyFormat"`
}

type xmlTargetGrants struct {
	Grants []xmlGrant `xml:"Grant"`
}

type xmlKeyFormat struct {
	Simple      *struct{}       `xml:"SimplePrefix"`
	Partitioned *xmlPartitioned `xml:"PartitionedPrefix"`
}

type xmlPartitioned struct {
	DateSource string `xml:"PartitionDateSource,omitempty"`
}

// inLogging is LoggingEnabled as clients send it: grantees typed in the
// XML Schema instance namespace, and TargetPrefix required.
type inLogging struct {
	XMLName xml.Name `xml:"BucketLoggingStatus"`
	Enabled *struct {
		TargetBucket string  `xml:"TargetBucket"`
		TargetPrefix *string `xml:"TargetPrefix"`
		TargetGrants []struct {
			Grantee    inGrantee `xml:"Grantee"`
			Permission string    `xml:"Permission"`
		} `xml:"TargetGrants>Grant"`
		KeyFormat *xmlKeyFormat `xml:"TargetObjectKeyFormat"`
	} `xml:"LoggingEnabled"`
}

func (h *Handler) s3PutBucketLogging(q *s3Request) error {
	var x inLogging
	if err := decodeXML(q, true, &x); err != nil {
		return err
	}
	var c *s3.LoggingConfig
	if e := x.Enabled; e != nil {
		if e.TargetPrefix == nil {
			return malformed()
		}
		c = &s3.LoggingConfig{TargetBucket: e.TargetBucket, TargetPrefix: *e.TargetPrefix}
		for _, g := range e.TargetGrants {
			gr, err := grantOf(g.Grantee, g.Permission, malformed())
			if err != nil {
				return err
			}
			c.TargetGrants = append(c.TargetGrants, gr)
		}
		if f := e.KeyFormat; f != nil {
			switch {
			case f.Simple != nil && f.Partitioned == nil:
				c.KeyFormat = s3.SimplePrefix
			case f.Partitioned != nil && f.Simple == nil:
				c.KeyFormat, c.DateSource = s3.PartitionedPrefix, f.Partitioned.DateSource
			default:
				return malformed()
			}
		}
	}
	if err := h.cfg.S3.PutBucketLogging(q.r.Context(), q.route.Bucket, c); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetBucketLogging(q *s3Request) error {
	c, err := h.cfg.S3.GetBucketLogging(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	out := xmlLoggingStatus{Xmlns: s3Xmlns}
	if c != nil {
		x := &xmlLogging{TargetBucket: c.TargetBucket, TargetPrefix: c.TargetPrefix}
		if len(c.TargetGrants) > 0 {
			x.TargetGrants = &xmlTargetGrants{}
		}
		for _, g := range c.TargetGrants {
			x.TargetGrants.Grants = append(x.TargetGrants.Grants, grantXML(g))
		}
		switch c.KeyFormat {
		case s3.SimplePrefix:
			x.KeyFormat = &xmlKeyFormat{Simple: &struct{}{}}
		case s3.PartitionedPrefix:
			x.KeyFormat = &xmlKeyFormat{Partitioned: &xmlPartitioned{c.DateSource}}
		}
		out.Enabled = x
	}
	return writeS3XML(q.w, out)
}

// s3LogOps are S3's access-log names of operations whose resource type is
// not simply OBJECT or BUCKET (REST.<method>.<type>).
var s3LogOps = map[string]string{
	"ListObjectVersions":      "BUCKETVERSIONS",
	"ListMultipartUploads":    "UPLOADS",
	"CreateMultipartUpload":   "UPLOADS",
	"UploadPart":              "PART",
	"UploadPartCopy":          "PART",
	"CompleteMultipartUpload": "UPLOAD",
	"AbortMultipartUpload":    "UPLOAD",
	"ListParts":               "UPLOAD",
	"DeleteObjects":           "MULTI_OBJECT_DELETE",
	"GetObjectTagging":        "OBJECT_TAGGING",
	"PutObjectTagging":        "OBJECT_TAGGING",
	"DeleteObjectTagging":     "OBJECT_TAGGING",
	"GetObjectAttributes":     "OBJECT_ATTRIBUTES",
	"GetBucketPolicy":         "BUCKETPOLICY",
	"PutBucketPolicy":         "BUCKETPOLICY",
	"DeleteBucketPolicy":      "BUCKETPOLICY",
	"GetBucketLogging":        "LOGGING_STATUS",
	"PutBucketLogging":        "LOGGING_STATUS",
	"PreflightRequest":        "PREFLIGHT",
}

// s3LogOperation names an S3 request as the access log does:
// REST.GET.OBJECT, REST.PUT.VERSIONING, REST.COPY.OBJECT, …
func s3LogOperation(q *s3Request) string {
	method := q.r.Method
	if q.website {
		return "WEBSITE." + method + ".OBJECT"
	}
	kind := s3LogOps[q.route.Operation]
	switch {
	case q.route.Operation == "CopyObject" || q.route.Operation == "UploadPartCopy":
		method = "COPY"
	case kind != "":
	case q.route.Key != "" && len(q.query) == 0 || q.route.Operation == "PostObject":
		kind = "OBJECT"
	case q.route.Key == "" && len(q.query) == 0:
		kind = "BUCKET"
	default:
		// A subresource: ?versioning is VERSIONING, ?acl ACL, …
		kind = "BUCKET"
		if q.route.Key != "" {
			kind = "OBJECT"
		}
		for _, k := range slices.Sorted(maps.Keys(q.query)) {
			if s3Subresources[k] {
				kind = strings.ToUpper(strings.ReplaceAll(k, "-", "_"))
				break
			}
		}
	}
	return "REST." + method + "." + kind
}

// s3Subresources are the query parameters that name what a request acts on.
var s3Subresources = map[string]bool{
	"acl": true, "accelerate": true, "analytics": true, "cors": true, "encryption": true, "intelligent-tiering": true,
	"inventory": true, "legal-hold": true, "lifecycle": true, "location": true, "metrics": true, "notification": true,
	"object-lock": true, "ownershipControls": true, "policyStatus": true, "publicAccessBlock": true, "replication": true,
	"requestPayment": true, "retention": true, "tagging": true, "versioning": true, "website": true,
}

// logS3Access hands an answered S3 request to the service's access log.
func (h *Handler) logS3Access(r *http.Request, ri *reqInfo, w *statusWriter, start time.Time) {
	q := ri.s3
	if q == nil || q.route.Bucket == "" || h.cfg.S3 == nil || !h.cfg.S3.LogsAccess(r.Context(), q.route.Bucket) {
		return
	}
	now := time.Now()
	rec := s3.AccessRecord{
		Bucket: q.route.Bucket, Time: start, RequestID: ri.id, HostID: ri.id, Operation: s3LogOperation(q), Key: q.route.Key,
		RequestURI: r.Method + " " + redactURI(r.URL.RequestURI()) + " " + r.Proto,
		Status:     w.status, BytesSent: w.bytes, ObjectSize: -1, TotalTime: now.Sub(start), TurnAround: -1,
		Referer: r.Referer(), UserAgent: r.UserAgent(), VersionID: q.get("versionId"), Host: r.Host,
	}
	if !w.headerAt.IsZero() {
		rec.TurnAround = w.headerAt.Sub(start)
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		rec.RemoteIP = host
	}
	if p := ri.principal; p != nil && p.Kind != auth.Anonymous {
		rec.Requester = p.ARN
		if p.Kind == auth.Root {
			rec.Requester = p.Account // the account's canonical id
		}
	}
	if ri.err != nil {
		if e, ok := awserr.As(ri.err); ok {
			rec.ErrorCode = e.Code
		} else {
			rec.ErrorCode = "InternalError"
		}
	}
	switch ok := w.status < 300; {
	case !ok:
	case q.route.Operation == "PutObject" || q.route.Operation == "UploadPart":
		rec.ObjectSize = r.ContentLength
		if n := parseSize(r.Header.Get("X-Amz-Decoded-Content-Length")); n >= 0 {
			rec.ObjectSize = n
		}
	case q.route.Operation == "GetObject" || q.route.Operation == "HeadObject":
		if _, total, ok := strings.Cut(w.Header().Get("Content-Range"), "/"); ok {
			rec.ObjectSize = parseSize(total)
		} else {
			rec.ObjectSize = parseSize(w.Header().Get("Content-Length"))
		}
	}
	switch auth := r.Header.Get("Authorization"); {
	case strings.HasPrefix(auth, "AWS4-"):
		rec.SigVersion, rec.AuthType = "SigV4", "AuthHeader"
	case strings.HasPrefix(auth, "AWS "):
		rec.SigVersion, rec.AuthType = "SigV2", "AuthHeader"
	case q.has("X-Amz-Signature"):
		rec.SigVersion, rec.AuthType = "SigV4", "QueryString"
	case q.has("Signature"):
		rec.SigVersion, rec.AuthType = "SigV2", "QueryString"
	}
	if r.TLS != nil {
		rec.Cipher = tls.CipherSuiteName(r.TLS.CipherSuite)
		rec.TLSVersion = strings.ReplaceAll(tls.VersionName(r.TLS.Version), "TLS 1", "TLSv1")
	}
	h.cfg.S3.LogAccess(r.Context(), rec)
}

// redactURI removes a presigned URL's signature and session token from a
// request URI before it is logged: until it expires, it is a credential.
func redactURI(uri string) string {
	path, query, ok := strings.Cut(uri, "?")
	if !ok {
		return uri
	}
	parts := strings.Split(query, "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		switch strings.ToLower(k) {
		case "x-amz-signature", "signature", "x-amz-security-token":
			parts[i] = k + "=REDACTED"
		}
	}
	return path + "?" + strings.Join(parts, "&")
}

// parseSize reads a byte count, -1 if there is none.
func parseSize(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
