package s3

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/store"
)

// MaxBucketPolicySize is the largest bucket policy S3 accepts, in bytes.
const MaxBucketPolicySize = 20 << 10

// setConfig stores (or, if value is empty, removes) one configuration
// document. check, if not nil, sees the bucket first and may refuse.
func (s *Service) setConfig(ctx context.Context, bucket, name, value string, check func(*store.Bucket) error) error {
	err := s.Meta.UpdateBucket(ctx, bucket, func(b *store.Bucket) error {
		if check != nil {
			if err := check(b); err != nil {
				return err
			}
		}
		if value == "" {
			delete(b.Config, name)
			return nil
		}
		if b.Config == nil {
			b.Config = map[string]string{}
		}
		b.Config[name] = value
		return nil
	})
	s.bucketChanged()
	if errors.Is(err, store.ErrNotFound) {
		return errNoSuchBucket(bucket)
	}
	return err
}

// setConfigFn changes a bucket's configuration documents through fn,
// which sees b.Config allocated.
func (s *Service) setConfigFn(ctx context.Context, bucket string, fn func(b *store.Bucket) error) error {
	err := s.Meta.UpdateBucket(ctx, bucket, func(b *store.Bucket) error {
		if b.Config == nil {
			b.Config = map[string]string{}
		}
		return fn(b)
	})
	s.bucketChanged()
	if errors.Is(err, store.ErrNotFound) {
		return errNoSuchBucket(bucket)
	}
	return err
}

func (s *Service) config(ctx context.Context, bucket, name string) (string, error) {
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return "", err
	}
	return b.Config[name], nil
}

// ErrPublicPolicyBlocked: PutBucketPolicy was given a public policy for a
// bucket whose public access block has BlockPublicPolicy set. The caller
// words the AccessDenied error, which names the principal.
var ErrPublicPolicyBlocked = errors.New("s3: public policies are blocked by BlockPublicPolicy")

// PutBucketPolicy validates a bucket policy with the IAM policy engine and
// stores it, refusing a public one while BlockPublicPolicy is set.
func (s *Service) PutBucketPolicy(ctx context.Context, bucket, text string) error {
	if len(text) > MaxBucketPolicySize {
		return awserr.New(400, "PolicyTooLarge", "Policy exceeds the maximum allowed document size.")
	}
	doc, err := policy.Parse([]byte(text), policy.Resource)
	if err != nil {
		return awserr.New(400, "MalformedPolicy", err.Error())
	}
	// A bucket policy speaks of its own bucket and objects only: each
	// resource must name them, or be a pattern that matches the bucket
	// or an object in it ("arn:aws:s3:::*/*" does).
	own := "arn:aws:s3:::" + bucket
	for _, st := range doc.Statements {
		for _, r := range st.Resources() {
			if r != own && !strings.HasPrefix(r, own+"/") && !policy.MatchesARN(r, own) && !policy.MatchesARN(r, own+"/x") {
				return awserr.New(400, "MalformedPolicy", "Policy has invalid resource")
			}
		}
	}
	return s.setConfig(ctx, bucket, store.ConfigPolicy, text, func(b *store.Bucket) error {
		if PublicAccessBlockOf(b).BlockPublicPolicy && doc.IsPublic() {
			return ErrPublicPolicyBlocked
		}
		return nil
	})
}

// GetBucketPolicy returns a bucket's policy, or NoSuchBucketPolicy.
func (s *Service) GetBucketPolicy(ctx context.Context, bucket string) (string, error) {
	p, err := s.config(ctx, bucket, store.ConfigPolicy)
	if err == nil && p == "" {
		err = awserr.New(404, "NoSuchBucketPolicy", "The bucket policy does not exist").With("BucketName", bucket)
	}
	return p, err
}

// DeleteBucketPolicy removes a bucket's policy.
func (s *Service) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	return s.setConfig(ctx, bucket, store.ConfigPolicy, "", nil)
}

// BucketPolicyIsPublic reports whether a bucket's policy grants access to
// everyone (see policy.Document.IsPublic).
func (s *Service) BucketPolicyIsPublic(ctx context.Context, bucket string) (bool, error) {
	text, err := s.GetBucketPolicy(ctx, bucket)
	if err != nil {
		return false, err
	}
	doc, err := policy.Parse([]byte(text), policy.Resource)
	return err == nil && doc.IsPublic(), nil
}

// PublicAccessBlock is a bucket's public access block configuration.
type PublicAccessBlock struct {
	BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets bool
}

// PublicAccessBlockOf returns the public access block stored on a bucket
// record; a bucket without one blocks nothing. A stored block that cannot
// be read blocks everything: authorization fails closed.
func PublicAccessBlockOf(b *store.Bucket) PublicAccessBlock {
	var c PublicAccessBlock
	if v := b.Config[store.ConfigPublicAccessBlock]; v != "" {
		if err := json.Unmarshal([]byte(v), &c); err != nil {
			return PublicAccessBlock{true, true, true, true}
		}
	}
	return c
}

// PutPublicAccessBlock stores a bucket's public access block.
func (s *Service) PutPublicAccessBlock(ctx context.Context, bucket string, c PublicAccessBlock) error {
	b, _ := json.Marshal(c)
	return s.setConfig(ctx, bucket, store.ConfigPublicAccessBlock, string(b), nil)
}

// GetPublicAccessBlock returns a bucket's public access block.
func (s *Service) GetPublicAccessBlock(ctx context.Context, bucket string) (PublicAccessBlock, error) {
	var c PublicAccessBlock
	v, err := s.config(ctx, bucket, store.ConfigPublicAccessBlock)
	if err != nil {
		return c, err
	}
	if v == "" {
		return c, awserr.New(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found").With("BucketName", bucket)
	}
	err = json.Unmarshal([]byte(v), &c)
	return c, err
}

// DeletePublicAccessBlock removes a bucket's public access block.
func (s *Service) DeletePublicAccessBlock(ctx context.Context, bucket string) error {
	return s.setConfig(ctx, bucket, store.ConfigPublicAccessBlock, "", nil)
}

// CORSRule is one rule of a bucket's CORS configuration.
type CORSRule struct {
	ID             string   `json:",omitempty"`
	AllowedHeaders []string `json:",omitempty"`
	AllowedMethods []string `json:",omitempty"`
	AllowedOrigins []string `json:",omitempty"`
	ExposeHeaders  []string `json:",omitempty"`
	MaxAgeSeconds  *int     `json:",omitempty"`
}

var corsMethods = map[string]bool{"GET": true, "PUT": true, "POST": true, "DELETE": true, "HEAD": true}

// PutBucketCORS validates and stores a bucket's CORS rules.
func (s *Service) PutBucketCORS(ctx context.Context, bucket string, rules []CORSRule) error {
	if len(rules) == 0 || len(rules) > 100 {
		return errMalformedXML()
	}
	for _, r := range rules {
		if len(r.AllowedOrigins) == 0 || len(r.AllowedMethods) == 0 {
			return errMalformedXML()
		}
		for _, m := range r.AllowedMethods {
			if !corsMethods[m] {
				return awserr.Newf(400, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is %s", m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return awserr.Newf(400, "InvalidRequest", "AllowedOrigin \"%s\" can not have more than one wildcard.", o)
			}
		}
		for _, h := range r.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return awserr.Newf(400, "InvalidRequest", "AllowedHeader \"%s\" can not have more than one wildcard.", h)
			}
		}
	}
	b, _ := json.Marshal(rules)
	return s.setConfig(ctx, bucket, store.ConfigCORS, string(b), nil)
}

// GetBucketCORS returns a bucket's CORS rules, or NoSuchCORSConfiguration.
func (s *Service) GetBucketCORS(ctx context.Context, bucket string) ([]CORSRule, error) {
	v, err := s.config(ctx, bucket, store.ConfigCORS)
	if err != nil {
		return nil, err
	}
	if v == "" {
		return nil, awserr.New(404, "NoSuchCORSConfiguration", "The CORS configuration does not exist").With("BucketName", bucket)
	}
	var rules []CORSRule
	err = json.Unmarshal([]byte(v), &rules)
	return rules, err
}

// DeleteBucketCORS removes a bucket's CORS rules.
func (s *Service) DeleteBucketCORS(ctx context.Context, bucket string) error {
	return s.setConfig(ctx, bucket, store.ConfigCORS, "", nil)
}

// wildcard matches s against a pattern with at most one '*'.
func wildcard(pattern, s string) bool {
	before, after, ok := strings.Cut(pattern, "*")
	if !ok {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

// MatchCORS returns the first CORS rule of a bucket that allows a request
// from origin with method and (for a preflight) the request headers, or
// nil. Header names compare case-insensitively.
func (s *Service) MatchCORS(ctx context.Context, bucket, origin, method string, headers []string) (*CORSRule, error) {
	v, err := s.config(ctx, bucket, store.ConfigCORS)
	if err != nil || v == "" {
		return nil, err
	}
	var rules []CORSRule
	if err := json.Unmarshal([]byte(v), &rules); err != nil {
		return nil, err
	}
rules:
	for i, r := range rules {
		okOrigin, okMethod := false, false
		for _, o := range r.AllowedOrigins {
			okOrigin = okOrigin || wildcard(o, origin)
		}
		for _, m := range r.AllowedMethods {
			okMethod = okMethod || m == method
		}
		if !okOrigin || !okMethod {
			continue
		}
		for _, h := range headers {
			allowed := false
			for _, a := range r.AllowedHeaders {
				allowed = allowed || wildcard(strings.ToLower(a), strings.ToLower(h))
			}
			if !allowed {
				continue rules
			}
		}
		return &rules[i], nil
	}
	return nil, nil
}

// MaxBucketTags is the most tags a bucket may have.
const MaxBucketTags = 50

// PutBucketTagging replaces a bucket's tags, which are stored in the order
// given. An empty set is refused as S3 refuses it: DeleteBucketTagging
// removes tags.
func (s *Service) PutBucketTagging(ctx context.Context, bucket string, tags []Tag) error {
	if len(tags) > MaxBucketTags {
		return awserr.New(400, "InvalidTag", "Bucket tag count cannot be greater than 50")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if seen[t.Key] {
			return awserr.New(400, "InvalidTag", "Cannot provide multiple Tags with the same key").With("TagKey", t.Key)
		}
		seen[t.Key] = true
		if err := validateTag(t.Key, t.Value); err != nil {
			return err
		}
	}
	if len(tags) == 0 {
		return awserr.New(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	b, err := json.Marshal(tags)
	if err != nil {
		return err
	}
	return s.setConfig(ctx, bucket, store.ConfigTagging, string(b), nil)
}

// GetBucketTagging returns a bucket's tags, or NoSuchTagSet.
func (s *Service) GetBucketTagging(ctx context.Context, bucket string) ([]Tag, error) {
	v, err := s.config(ctx, bucket, store.ConfigTagging)
	if err != nil {
		return nil, err
	}
	if v == "" {
		return nil, awserr.New(404, "NoSuchTagSet", "The TagSet does not exist").With("BucketName", bucket)
	}
	var tags []Tag
	err = json.Unmarshal([]byte(v), &tags)
	return tags, err
}

// DeleteBucketTagging removes a bucket's tags.
func (s *Service) DeleteBucketTagging(ctx context.Context, bucket string) error {
	return s.setConfig(ctx, bucket, store.ConfigTagging, "", nil)
}
