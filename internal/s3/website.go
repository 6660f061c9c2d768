package s3

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Static website hosting: a bucket's website configuration
// (ConfigWebsite), which the front's website endpoint follows. The
// endpoint itself answers anonymous GET and HEAD requests only, each
// authorized as s3:GetObject by an anonymous caller.

// ConfigWebsite is the configuration document of a bucket's website.
const ConfigWebsite = "website"

// MaxRoutingRules is the most routing rules a website may have.
const MaxRoutingRules = 50

// WebsiteConfig is a bucket's website: an index document (and an error
// document and routing rules), or a redirect of every request.
type WebsiteConfig struct {
	RedirectAll   *Redirect     `json:",omitempty"` // HostName and Protocol only
	IndexSuffix   string        `json:",omitempty"`
	ErrorDocument string        `json:",omitempty"`
	RoutingRules  []RoutingRule `json:",omitempty"`
}

// RoutingRule redirects requests that match its condition: keys with a
// prefix, responses with an error status, or both. A rule without a
// condition matches every request.
type RoutingRule struct {
	KeyPrefixEquals             *string `json:",omitempty"`
	HttpErrorCodeReturnedEquals string  `json:",omitempty"`
	Redirect                    Redirect
}

// Redirect is where a routing rule (or RedirectAllRequestsTo) sends a
// request.
type Redirect struct {
	HostName             string  `json:",omitempty"`
	Protocol             string  `json:",omitempty"`
	HttpRedirectCode     string  `json:",omitempty"`
	ReplaceKeyPrefixWith *string `json:",omitempty"`
	ReplaceKeyWith       *string `json:",omitempty"`
}

func errWebsite(msg string) error { return awserr.New(400, "InvalidArgument", msg) }

// Validate checks a website configuration as S3 does.
func (c *WebsiteConfig) Validate() error {
	if c.RedirectAll != nil {
		if c.IndexSuffix != "" || c.ErrorDocument != "" || len(c.RoutingRules) > 0 {
			return errWebsite("RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.")
		}
		if c.RedirectAll.HostName == "" {
			return errWebsite("A value for RedirectAllRequestsTo HostName must be provided.")
		}
		return validProtocol(c.RedirectAll.Protocol)
	}
	if c.IndexSuffix == "" {
		return errWebsite("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty")
	}
	if strings.Contains(c.IndexSuffix, "/") {
		return errWebsite("The IndexDocument Suffix is not well formed")
	}
	if len(c.RoutingRules) > MaxRoutingRules {
		return errWebsite(fmt.Sprintf("The number of routing rules must not exceed %d.", MaxRoutingRules))
	}
	for _, r := range c.RoutingRules {
		if e := r.HttpErrorCodeReturnedEquals; e != "" {
			if n, err := strconv.Atoi(e); err != nil || n < 400 || n > 599 {
				return errWebsite("The provided HTTP error code (" + e + ") is not valid. Valid codes are 4XX or 5XX.")
			}
		}
		d := r.Redirect
		if d.ReplaceKeyPrefixWith != nil && d.ReplaceKeyWith != nil {
			return errWebsite("You can only define ReplaceKeyPrefix or ReplaceKey but not both.")
		}
		if d.HostName == "" && d.Protocol == "" && d.HttpRedirectCode == "" && d.ReplaceKeyPrefixWith == nil && d.ReplaceKeyWith == nil {
			return errWebsite("Redirect must contain at least one of the following: HostName, Protocol, HttpRedirectCode, ReplaceKeyPrefixWith, ReplaceKeyWith.")
		}
		if c := d.HttpRedirectCode; c != "" {
			if n, err := strconv.Atoi(c); err != nil || n < 300 || n > 399 || n == 300 {
				return errWebsite("The provided HTTP redirect code (" + c + ") is not valid. Valid codes are 3XX except 300.")
			}
		}
		if err := validProtocol(d.Protocol); err != nil {
			return err
		}
	}
	return nil
}

func validProtocol(p string) error {
	switch p {
	case "", "http", "https":
		return nil
	}
	return errWebsite("Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.")
}

// PutBucketWebsite sets a bucket's website configuration.
func (s *Service) PutBucketWebsite(ctx context.Context, bucket string, c *WebsiteConfig) error {
	if err := c.Validate(); err != nil {
		return err
	}
	doc, _ := json.Marshal(c)
	return s.setConfig(ctx, bucket, ConfigWebsite, string(doc), nil)
}

// GetBucketWebsite returns a bucket's website configuration, or
// NoSuchWebsiteConfiguration.
func (s *Service) GetBucketWebsite(ctx context.Context, bucket string) (*WebsiteConfig, error) {
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return websiteOf(b)
}

func websiteOf(b store.Bucket) (*WebsiteConfig, error) {
	v := b.Config[ConfigWebsite]
	if v == "" {
		return nil, awserr.New(404, "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration").With("BucketName", b.Name)
	}
	var c WebsiteConfig
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return nil, fmt.Errorf("bucket %s: reading its website configuration: %w", b.Name, err)
	}
	return &c, nil
}

// DeleteBucketWebsite removes a bucket's website configuration.
func (s *Service) DeleteBucketWebsite(ctx context.Context, bucket string) error {
	return s.setConfig(ctx, bucket, ConfigWebsite, "", nil)
}

// Route returns the routing rule that applies to a request for key,
// before the object is read (status 0) or after it failed with an error
// status, and the key it redirects to. A rule with an error condition
// applies only to that error; one with only a prefix, only before.
func (c *WebsiteConfig) Route(key string, status int) (*RoutingRule, string) {
	for i := range c.RoutingRules {
		r := &c.RoutingRules[i]
		if r.KeyPrefixEquals != nil && !strings.HasPrefix(key, *r.KeyPrefixEquals) {
			continue
		}
		if (r.HttpErrorCodeReturnedEquals != "") != (status != 0) {
			continue
		}
		if status != 0 && r.HttpErrorCodeReturnedEquals != strconv.Itoa(status) {
			continue
		}
		to := key
		switch d := r.Redirect; {
		case d.ReplaceKeyWith != nil:
			to = *d.ReplaceKeyWith
		case d.ReplaceKeyPrefixWith != nil:
			prefix := ""
			if r.KeyPrefixEquals != nil {
				prefix = *r.KeyPrefixEquals
			}
			to = *d.ReplaceKeyPrefixWith + strings.TrimPrefix(key, prefix)
		}
		return r, to
	}
	return nil, ""
}
