package s3

import (
	"context"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Bucket configuration documents of transfer acceleration and Requester
// Pays.
const (
	ConfigAccelerate     = "accelerate"
	ConfigRequestPayment = "requestPayment"
)

// PutBucketAccelerate sets a bucket's transfer acceleration state,
// Enabled or Suspended. sekisho's one endpoint serves accelerated and
// plain requests alike; the state is kept and reported as S3 reports it.
func (s *Service) PutBucketAccelerate(ctx context.Context, bucket, status string) error {
	if status != "Enabled" && status != "Suspended" {
		return errMalformedXML()
	}
	if strings.Contains(bucket, ".") {
		return awserr.New(400, "InvalidRequest", "S3 Transfer Acceleration is not supported for buckets with periods (.) in their names")
	}
	return s.setConfig(ctx, bucket, ConfigAccelerate, status, nil)
}

// GetBucketAccelerate returns a bucket's transfer acceleration state, ""
// if it was never set.
func (s *Service) GetBucketAccelerate(ctx context.Context, bucket string) (string, error) {
	return s.config(ctx, bucket, ConfigAccelerate)
}

// PutBucketRequestPayment sets who pays for a bucket's requests:
// BucketOwner, or Requester, which makes every request from outside the
// owner's account acknowledge the charge with x-amz-request-payer.
func (s *Service) PutBucketRequestPayment(ctx context.Context, bucket, payer string) error {
	switch payer {
	case "BucketOwner":
		payer = ""
	case "Requester":
	default:
		return errMalformedXML()
	}
	return s.setConfig(ctx, bucket, ConfigRequestPayment, payer, nil)
}

// GetBucketRequestPayment returns BucketOwner or Requester.
func (s *Service) GetBucketRequestPayment(ctx context.Context, bucket string) (string, error) {
	v, err := s.config(ctx, bucket, ConfigRequestPayment)
	if v == "" {
		v = "BucketOwner"
	}
	return v, err
}

// RequesterPays reports whether b's requesters pay.
func RequesterPays(b *store.Bucket) bool { return b.Config[ConfigRequestPayment] == "Requester" }
