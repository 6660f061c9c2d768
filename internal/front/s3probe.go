package front

import (
	"encoding/xml"
	"net/http"

	"github.com/sekisho/sekisho/internal/awserr"
)

// The configuration calls SDKs and tools probe on every bucket, for
// features sekisho does not have yet: each answers what S3 answers for a
// plain bucket without that configuration (an empty document, or the
// feature's "not found" error), after checking that the bucket exists.

// xmlEmpty is an empty configuration document named name.
type xmlEmpty struct {
	XMLName xml.Name
	Xmlns   string `xml:"xmlns,attr"`
}

func emptyDoc(name string) xmlEmpty {
	return xmlEmpty{XMLName: xml.Name{Local: name}, Xmlns: s3Xmlns}
}

// s3PlainBucket answers a probe with body, or with err if body is nil.
func s3PlainBucket(body any, err *awserr.Error) func(h *Handler, q *s3Request) error {
	return func(h *Handler, q *s3Request) error {
		if _, e := h.cfg.S3.Bucket(q.r.Context(), q.route.Bucket); e != nil {
			return e
		}
		if body == nil {
			return err.With("BucketName", q.route.Bucket)
		}
		return writeS3XML(q.w, body)
	}
}

type xmlRequestPayment struct {
	XMLName xml.Name `xml:"RequestPaymentConfiguration"`
	Xmlns   string   `xml:"xmlns,attr"`
	Payer   string   `xml:"Payer"`
}

// xmlOwnershipControls is a bucket's ownership setting.
type xmlOwnershipControls struct {
	XMLName xml.Name `xml:"OwnershipControls"`
	Xmlns   string   `xml:"xmlns,attr"`
	Rule    struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	} `xml:"Rule"`
}

// s3ProbeOps are the probe rows of s3Ops.
var s3ProbeOps = map[string]s3Op{
	"GetBucketAccelerateConfiguration":   {(*Handler).s3GetBucketAccelerate, "s3:GetAccelerateConfiguration", resBucket},
	"PutBucketAccelerateConfiguration":   {(*Handler).s3PutBucketAccelerate, "s3:PutAccelerateConfiguration", resBucket},
	"GetBucketRequestPayment":            {(*Handler).s3GetBucketRequestPayment, "s3:GetBucketRequestPayment", resBucket},
	"PutBucketRequestPayment":            {(*Handler).s3PutBucketRequestPayment, "s3:PutBucketRequestPayment", resBucket},
	"GetBucketLogging":                   {s3PlainBucket(emptyDoc("BucketLoggingStatus"), nil), "s3:GetBucketLogging", resBucket},
	"GetBucketNotificationConfiguration": {s3PlainBucket(emptyDoc("NotificationConfiguration"), nil), "s3:GetBucketNotification", resBucket},
	"GetBucketWebsite": {s3PlainBucket(nil, awserr.New(404, "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration")),
		"s3:GetBucketWebsite", resBucket},
	"GetBucketReplication": {s3PlainBucket(nil, awserr.New(404, "ReplicationConfigurationNotFoundError", "The replication configuration was not found")),
		"s3:GetReplicationConfiguration", resBucket},
}

type xmlAccelerate struct {
	XMLName xml.Name `xml:"AccelerateConfiguration"`
	Xmlns   string   `xml:"xmlns,attr"`
	Status  string   `xml:"Status,omitempty"`
}

func (h *Handler) s3GetBucketAccelerate(q *s3Request) error {
	st, err := h.cfg.S3.GetBucketAccelerate(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	return writeS3XML(q.w, xmlAccelerate{Xmlns: s3Xmlns, Status: st})
}

func (h *Handler) s3PutBucketAccelerate(q *s3Request) error {
	var x xmlAccelerate
	if err := decodeXML(q, false, &x); err != nil {
		return err
	}
	if err := h.cfg.S3.PutBucketAccelerate(q.r.Context(), q.route.Bucket, x.Status); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetBucketRequestPayment(q *s3Request) error {
	payer, err := h.cfg.S3.GetBucketRequestPayment(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	return writeS3XML(q.w, xmlRequestPayment{Xmlns: s3Xmlns, Payer: payer})
}

func (h *Handler) s3PutBucketRequestPayment(q *s3Request) error {
	var x xmlRequestPayment
	if err := decodeXML(q, false, &x); err != nil {
		return err
	}
	if err := h.cfg.S3.PutBucketRequestPayment(q.r.Context(), q.route.Bucket, x.Payer); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}
