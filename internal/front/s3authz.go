package front

import (
	"fmt"
	"strings"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/sigv4"
	"github.com/sekisho/sekisho/internal/store"
)

func bucketARN(b string) string    { return "arn:aws:s3:::" + b }
func objectARN(b, k string) string { return "arn:aws:s3:::" + b + "/" + k }

// bucketAuthz is what authorization needs of a bucket.
type bucketAuthz struct {
	policy        *policy.Document // nil if none
	pab           s3.PublicAccessBlock
	owner         string
	requesterPays bool
}

// bucketPolicy returns a bucket's compiled policy, its Block Public Access
// settings, its owner and whether its requesters pay (all zero for no
// bucket). Any failure to read or compile them is an error, which denies:
// an unreadable policy might have held an explicit Deny.
func (h *Handler) bucketPolicy(q *s3Request, bucket string) (bucketAuthz, error) {
	if bucket == "" {
		return bucketAuthz{}, nil
	}
	b, ok, err := h.cfg.S3.BucketForAuthz(q.r.Context(), bucket)
	if err != nil {
		return bucketAuthz{}, fmt.Errorf("reading bucket %s for authorization: %w", bucket, err)
	}
	if !ok {
		return bucketAuthz{}, nil // the operation answers NoSuchBucket
	}
	ba := bucketAuthz{pab: s3.PublicAccessBlockOf(&b), owner: b.Owner, requesterPays: s3.RequesterPays(&b)}
	doc := b.Config[store.ConfigPolicy]
	if doc == "" {
		return ba, nil
	}
	if h.cfg.IAM != nil {
		ba.policy, err = h.cfg.IAM.Compile(doc, policy.Resource) // cached by text
	} else {
		ba.policy, err = policy.Parse([]byte(doc), policy.Resource)
	}
	if err != nil {
		return bucketAuthz{}, fmt.Errorf("compiling the policy of bucket %s: %w", bucket, err)
	}
	return ba, nil
}

// authorizeS3 checks an S3 action on a bucket or object for the request's
// principal, with the bucket's policy and S3's condition keys.
func (h *Handler) authorizeS3(q *s3Request, action, bucket, resource string) error {
	return h.authorizeS3As(q, q.p, action, bucket, resource, nil)
}

func (h *Handler) authorizeS3As(q *s3Request, p *auth.Principal, action, bucket, resource string, extra func(r *policy.Request)) error {
	ba, err := h.bucketPolicy(q, bucket)
	if err != nil {
		return err // not an *awserr.Error: 500 InternalError, never an Allow
	}
	if action == "s3:CreateBucket" {
		// A bucket is made in the caller's account: an existing bucket's
		// owner and policy have no say (S3 then answers
		// BucketAlreadyExists or BucketAlreadyOwnedByYou).
		ba = bucketAuthz{owner: p.Account}
	}
	pab, owner := ba.pab, ba.owner
	c := authzCheck{action: action, resource: resource, resourcePolicy: ba.policy, restrictPublic: pab.RestrictPublicBuckets, owner: owner}
	c.acl = func(p *auth.Principal) (bool, error) { return h.aclAllows(q, p, action, bucket, resource, pab) }
	c.keys = func(r *policy.Request, uses func(string) bool) error {
		if err := h.s3Keys(q, r, action, bucket, resource, uses); err != nil {
			return err
		}
		if extra != nil {
			extra(r)
		}
		return nil
	}
	err = h.authorize(q.r.Context(), q.r, p, c)
	if e, ok := awserr.As(err); ok && e.Code == "AccessDenied" && p.Kind == auth.Anonymous {
		return awserr.New(403, "AccessDenied", "Access Denied")
	}
	if err == nil && ba.requesterPays {
		// Requester Pays: a request from outside the owner's account must
		// acknowledge the charge; anonymous ones cannot.
		ack := strings.EqualFold(q.r.Header.Get("x-amz-request-payer"), "requester") || strings.EqualFold(q.get("x-amz-request-payer"), "requester")
		if p.Kind == auth.Anonymous || p.Account != owner && !ack {
			return awserr.New(403, "AccessDenied", "Access Denied")
		}
		if ack {
			q.w.Header().Set("x-amz-request-charged", "requester")
		}
	}
	return err
}

// s3Keys sets S3's condition keys for a request.
func (h *Handler) s3Keys(q *s3Request, r *policy.Request, action, bucket, resource string, uses func(string) bool) error {
	if q.res != nil && q.res.Auth != nil {
		switch q.res.Auth.Scheme {
		case sigv4.HeaderV4:
			r.Set("s3:authType", "REST-HEADER")
			r.Set("s3:signatureversion", "AWS4-HMAC-SHA256")
		case sigv4.QueryV4:
			r.Set("s3:authType", "REST-QUERY-STRING")
			r.Set("s3:signatureversion", "AWS4-HMAC-SHA256")
		case sigv4.HeaderV2:
			r.Set("s3:authType", "REST-HEADER")
			r.Set("s3:signatureversion", "AWS")
		case sigv4.QueryV2:
			r.Set("s3:authType", "REST-QUERY-STRING")
			r.Set("s3:signatureversion", "AWS")
		}
	}
	if v := q.r.Header.Get("x-amz-content-sha256"); v != "" {
		r.Set("s3:x-amz-content-sha256", v)
	}
	for _, hname := range []string{"x-amz-acl", "x-amz-server-side-encryption", "x-amz-storage-class", "x-amz-metadata-directive", "x-amz-copy-source"} {
		if v := q.r.Header.Get(hname); v != "" {
			r.Set("s3:"+hname, v)
		}
	}
	r.Set("s3:ResourceAccount", h.cfg.Account)
	switch action {
	case "s3:ListBucket":
		if q.route.Operation == "ListObjects" || q.route.Operation == "ListObjectsV2" {
			r.Set("s3:prefix", q.get("prefix"))
			if q.has("delimiter") {
				r.Set("s3:delimiter", q.get("delimiter"))
			}
			if q.has("max-keys") {
				r.Set("s3:max-keys", q.get("max-keys"))
			}
		}
	case "s3:GetObject", "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObjectTagging", "s3:DeleteObject", "s3:GetObjectAttributes", "s3:GetObjectAcl",
		"s3:GetObjectVersion", "s3:GetObjectVersionTagging", "s3:PutObjectVersionTagging", "s3:DeleteObjectVersionTagging", "s3:DeleteObjectVersion",
		"s3:GetObjectVersionAttributes", "s3:GetObjectVersionAcl":
		version := ""
		if resource == objectARN(q.route.Bucket, q.route.Key) {
			version = q.get("versionId")
			if version != "" {
				r.Set("s3:versionid", version)
			}
		}
		if !uses("s3:existingobjecttag/") {
			break // reading the object's tags costs a lookup no policy needs
		}
		key := strings.TrimPrefix(resource, bucketARN(bucket)+"/")
		tags, err := h.cfg.S3.ObjectTagsForAuthz(q.r.Context(), bucket, key, version)
		if err != nil {
			// Tags a Deny may test could not be read: deny.
			return fmt.Errorf("reading the tags of %s for authorization: %w", resource, err)
		}
		for k, v := range tags {
			r.Set("s3:ExistingObjectTag/"+k, v)
		}
	}
	if action == "s3:PutObject" && q.route.Operation != "CopyObject" || action == "s3:PutObject" && q.r.Header.Get("x-amz-tagging-directive") == "REPLACE" {
		if tags, err := parseTagging(q.r.Header.Get("x-amz-tagging")); err == nil && len(tags) > 0 {
			var keys []string
			for k, v := range tags {
				r.Set("s3:RequestObjectTag/"+k, v)
				keys = append(keys, k)
			}
			r.Set("s3:RequestObjectTagKeys", keys...)
		}
	}
	return nil
}

// aclAllows reports whether a bucket's ACL, or for an object action the
// object's, grants action to p. Buckets with BucketOwnerEnforced have no
// ACLs to consult.
func (h *Handler) aclAllows(q *s3Request, p *auth.Principal, action, bucket, resource string, pab s3.PublicAccessBlock) (bool, error) {
	if bucket == "" {
		return false, nil
	}
	b, ok, err := h.cfg.S3.BucketForAuthz(q.r.Context(), bucket)
	if err != nil || !ok || !s3.ACLsEnabled(b) {
		return false, err
	}
	account := ""
	if p.Kind != auth.Anonymous {
		account = p.Account
	}
	bacl, err := s3.BucketACLOf(b)
	if err != nil {
		return false, err
	}
	if bacl.Allows(action, account, true, pab.IgnorePublicAcls) {
		return true, nil
	}
	key, isObject := strings.CutPrefix(resource, bucketARN(bucket)+"/")
	if !isObject {
		return false, nil
	}
	version := ""
	if resource == objectARN(q.route.Bucket, q.route.Key) {
		version = q.get("versionId")
	}
	oacl, err := h.cfg.S3.ObjectACLForAuthz(q.r.Context(), b, key, version)
	if err != nil {
		return false, fmt.Errorf("reading the ACL of %s for authorization: %w", resource, err)
	}
	return oacl.Allows(action, account, false, pab.IgnorePublicAcls), nil
}
