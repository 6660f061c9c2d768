package s3

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// ListInput is a ListObjects or ListObjectsV2 request.
type ListInput struct {
	Bucket, Prefix, Delimiter string
	// StartAfter and ContinuationToken are V2's; Marker is V1's.
	StartAfter, ContinuationToken, Marker string
	MaxKeys                               int
}

// ListOutput is a page of objects and common prefixes.
type ListOutput struct {
	Objects               []store.Object
	CommonPrefixes        []string
	IsTruncated           bool
	NextContinuationToken string
	// NextMarker is V1's: the last key or common prefix of the page.
	NextMarker string
}

// ListObjectsV2 lists a page of a bucket's keys in UTF-8 byte order,
// rolling keys that contain Delimiter after Prefix up into common
// prefixes. MaxKeys counts objects and prefixes together.
func (s *Service) ListObjectsV2(ctx context.Context, in ListInput) (ListOutput, error) {
	after := in.StartAfter
	if in.ContinuationToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.ContinuationToken)
		if err != nil || len(b) == 0 {
			return ListOutput{}, errInvalidArgument("The continuation token provided is incorrect", "continuation-token", in.ContinuationToken)
		}
		after = string(b)
	}
	return s.list(ctx, in, after, "")
}

// ListObjects lists a page in the V1 way: from a marker, which may be a
// common prefix returned as NextMarker.
func (s *Service) ListObjects(ctx context.Context, in ListInput) (ListOutput, error) {
	skip := ""
	if in.Delimiter != "" {
		skip = in.Marker
	}
	return s.list(ctx, in, in.Marker, skip)
}

// list pages through keys after `after`. Common prefixes that contain
// skip (a V1 marker) were returned on an earlier page and are left out.
func (s *Service) list(ctx context.Context, in ListInput, after, skip string) (ListOutput, error) {
	if _, err := s.Bucket(ctx, in.Bucket); err != nil {
		return ListOutput{}, err
	}
	if in.MaxKeys < 0 || in.MaxKeys > 1000 {
		in.MaxKeys = 1000
	}
	var out ListOutput
	if in.MaxKeys == 0 {
		return out, nil
	}
	count := 0
	for {
		page, err := s.Meta.ListObjects(ctx, in.Bucket, store.ListOptions{Prefix: in.Prefix, After: after, Limit: 1000})
		if err != nil {
			return ListOutput{}, err
		}
		rolled := false
		for _, o := range page {
			cp := ""
			if in.Delimiter != "" {
				if i := strings.Index(o.Key[len(in.Prefix):], in.Delimiter); i >= 0 {
					cp = o.Key[:len(in.Prefix)+i+len(in.Delimiter)]
				}
			}
			if cp != "" && skip != "" && strings.HasPrefix(skip, cp) {
				after, rolled = cp+"\xff", true
				break
			}
			if count == in.MaxKeys {
				out.IsTruncated = true
				out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(after))
				return out, nil
			}
			count++
			if cp != "" {
				out.CommonPrefixes = append(out.CommonPrefixes, cp)
				out.NextMarker = cp
				// Keys are UTF-8 and never hold 0xff, so this skips every
				// key under cp and nothing else.
				after, rolled = cp+"\xff", true
				break
			}
			out.Objects = append(out.Objects, o)
			out.NextMarker = o.Key
			after = o.Key
		}
		if !rolled && len(page) < 1000 {
			return out, nil
		}
	}
}

// UploadListInput is a ListMultipartUploads request.
type UploadListInput struct {
	Bucket, Prefix, Delimiter, KeyMarker, UploadIDMarker string
	MaxUploads                                           int
}

// UploadListOutput is a page of uploads.
type UploadListOutput struct {
	Uploads                           []store.Upload
	CommonPrefixes                    []string
	IsTruncated                       bool
	NextKeyMarker, NextUploadIDMarker string
}

// ListMultipartUploads lists a bucket's uploads in progress by key, then
// by age.
func (s *Service) ListMultipartUploads(ctx context.Context, in UploadListInput) (UploadListOutput, error) {
	if _, err := s.Bucket(ctx, in.Bucket); err != nil {
		return UploadListOutput{}, err
	}
	if in.MaxUploads <= 0 || in.MaxUploads > 1000 {
		in.MaxUploads = 1000
	}
	if in.KeyMarker == "" {
		// S3 ignores an upload-id-marker without a key-marker.
		in.UploadIDMarker = ""
	} else if in.UploadIDMarker != "" {
		// It must name an upload of that key (one in progress).
		if _, err := s.Meta.GetUpload(ctx, in.Bucket, in.KeyMarker, in.UploadIDMarker); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return UploadListOutput{}, awserr.New(400, "InvalidArgument", "Invalid uploadId marker").With("ArgumentName", "upload-id-marker").With("ArgumentValue", in.UploadIDMarker)
			}
			return UploadListOutput{}, err
		}
	}
	opt := store.UploadListOptions{Prefix: in.Prefix, AfterKey: in.KeyMarker, AfterID: in.UploadIDMarker, Limit: 1000}
	var out UploadListOutput
	count := 0
	for {
		page, err := s.Meta.ListUploads(ctx, in.Bucket, opt)
		if err != nil {
			return UploadListOutput{}, err
		}
		rolled := false
		for _, u := range page {
			if count == in.MaxUploads {
				out.IsTruncated = true
				return out, nil
			}
			count++
			if in.Delimiter != "" {
				if i := strings.Index(u.Key[len(in.Prefix):], in.Delimiter); i >= 0 {
					cp := u.Key[:len(in.Prefix)+i+len(in.Delimiter)]
					out.CommonPrefixes = append(out.CommonPrefixes, cp)
					out.NextKeyMarker, out.NextUploadIDMarker = cp, ""
					opt.AfterKey, opt.AfterID, rolled = cp+"\xff", "", true
					break
				}
			}
			out.Uploads = append(out.Uploads, u)
			out.NextKeyMarker, out.NextUploadIDMarker = u.Key, u.ID
			opt.AfterKey, opt.AfterID = u.Key, u.ID
		}
		if !rolled && len(page) < 1000 {
			return out, nil
		}
	}
}
