package front

import (
	"encoding/xml"

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
	"GetBucketReplication": {s3PlainBucket(nil, awserr.New(404, "ReplicationConfigurationNotFoundError", "The replication configuration was not found")),
		"s3:GetReplicationConfiguration", resBucket},
}
