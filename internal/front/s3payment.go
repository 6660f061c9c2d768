package front

import (
	"encoding/xml"
	"net/http"
)

// Requester Pays and transfer acceleration, bucket settings the s3
// service keeps (see s3.PutBucketRequestPayment and
// s3.PutBucketAccelerate).

type xmlRequestPayment struct {
	XMLName xml.Name `xml:"RequestPaymentConfiguration"`
	Xmlns   string   `xml:"xmlns,attr"`
	Payer   string   `xml:"Payer"`
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
