package s3

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// MaxBucketPolicySize is the largest bucket policy S3 accepts, in bytes.
const MaxBucketPolicySize = 20 << 10

func (s *Service) setConfig(ctx context.Context, bucket, name, value string) error {
	err := s.Meta.UpdateBucket(ctx, bucket, func(b *store.Bucket) error {
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

// PutBucketPolicy stores a bucket policy. It checks the document's shape
// here; the IAM policy engine interprets it.
func (s *Service) PutBucketPolicy(ctx context.Context, bucket, policy string) error {
	if len(policy) > MaxBucketPolicySize {
		return awserr.New(400, "PolicyTooLarge", "Policy exceeds the maximum allowed document size.")
	}
	var doc struct {
		Version   string
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return awserr.New(400, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")
	}
	if len(doc.Statement) == 0 || string(doc.Statement) == "null" || string(doc.Statement) == "[]" {
		return awserr.New(400, "MalformedPolicy", "Missing required field Statement")
	}
	return s.setConfig(ctx, bucket, store.ConfigPolicy, policy)
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
	return s.setConfig(ctx, bucket, store.ConfigPolicy, "")
}

// BucketPolicyIsPublic reports whether a bucket's policy grants anything
// to everyone: an Allow statement whose principal is "*" (or AWS "*")
// without conditions.
func (s *Service) BucketPolicyIsPublic(ctx context.Context, bucket string) (bool, error) {
	p, err := s.GetBucketPolicy(ctx, bucket)
	if err != nil {
		return false, err
	}
	var doc struct{ Statement json.RawMessage }
	json.Unmarshal([]byte(p), &doc)
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(doc.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		json.Unmarshal(doc.Statement, &one)
		stmts = append(stmts, one)
	}
	for _, st := range stmts {
		var effect string
		json.Unmarshal(st["Effect"], &effect)
		if effect != "Allow" || st["Condition"] != nil {
			continue
		}
		var pr any
		json.Unmarshal(st["Principal"], &pr)
		if isStar(pr) {
			return true, nil
		}
		if m, ok := pr.(map[string]any); ok && isStar(m["AWS"]) {
			return true, nil
		}
	}
	return false, nil
}

func isStar(v any) bool {
	switch v := v.(type) {
	case string:
		return v == "*"
	case []any:
		for _, x := range v {
			if x == "*" {
				return true
			}
		}
	}
	return false
}

// PublicAccessBlock is a bucket's public access block configuration.
type PublicAccessBlock struct {
	BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets bool
}

// PutPublicAccessBlock stores a bucket's public access block.
func (s *Service) PutPublicAccessBlock(ctx context.Context, bucket string, c PublicAccessBlock) error {
	b, _ := json.Marshal(c)
	return s.setConfig(ctx, bucket, store.ConfigPublicAccessBlock, string(b))
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
	return s.setConfig(ctx, bucket, store.ConfigPublicAccessBlock, "")
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
	return s.setConfig(ctx, bucket, store.ConfigCORS, string(b))
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
	return s.setConfig(ctx, bucket, store.ConfigCORS, "")
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
