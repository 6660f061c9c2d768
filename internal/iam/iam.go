// Package iam is Identity and Access Management: roles, users and their
// access keys, inline and managed policies, and OpenID Connect providers,
// kept as records in the metadata store. It knows nothing of HTTP.
//
// It also answers the two questions the rest of the server asks of IAM:
// which secret stands behind an access key (Service.Credential, an
// auth.Source), and which compiled policies apply to a principal
// (Service.IdentityPolicies).
package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/store"
)

// Record kinds in the store.
const (
	kindRole      = "iam.role"
	kindUser      = "iam.user"
	kindAccessKey = "iam.accesskey"
	kindPolicy    = "iam.policy"
	kindOIDC      = "iam.oidc"
)

// Service is IAM for one account.
type Service struct {
	Store   store.Store
	Account string
	// Key seals access-key secrets at rest.
	Key *seal.Key
	Now func() time.Time
	// NewKeyID makes access key ids (auth.NewAccessKeyID("AKIA") if nil);
	// member accounts' name their account, so a lookup finds its IAM.
	NewKeyID func() string

	// NoCache reads every lookup from the store: for nodes sharing a
	// store, where another node's write must apply at once. (Compiled
	// policies stay cached: they are keyed by their text.)
	NoCache bool

	mu     sync.Mutex
	gen    uint64 // bumped by every write; cached lookups check it
	docs   map[string]*policy.Document
	cache  map[string]cached
	keyUse map[string]keyUse // long-term keys' last use
	uses   serviceUses       // users' and roles' last call to each service
}

type cached struct {
	gen uint64
	v   any
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now().UTC()
}

// Errors in IAM's words.
func errNoSuchEntity(format string, args ...any) error {
	return awserr.Newf(404, "NoSuchEntity", format, args...)
}

func errExists(format string, args ...any) error {
	return awserr.Newf(409, "EntityAlreadyExists", format, args...)
}

func errValidation(format string, args ...any) error {
	return awserr.Newf(400, "ValidationError", format, args...)
}

func errMalformed(err error) error {
	return awserr.New(400, "MalformedPolicyDocument", err.Error())
}

var nameRE = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)

func checkName(what, name string, max int) error {
	if !nameRE.MatchString(name) || len(name) > max {
		return errValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length at most %d", name, what, max)
	}
	return nil
}

func checkPath(path string) (string, error) {
	if path == "" {
		return "/", nil
	}
	if !strings.HasPrefix(path, "/") || !strings.HasSuffix(path, "/") || len(path) > 512 {
		return "", errValidation("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	return path, nil
}

// newID returns an IAM unique id: a 4-letter prefix and 17 characters.
func newID(prefix string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, 17)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// Tag is an IAM tag.
type Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func checkTags(tags []Tag) error {
	if len(tags) > 50 {
		return awserr.New(400, "LimitExceeded", "Cannot exceed quota for TagsPerRole: 50")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 || strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return errValidation("1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length less than or equal to 128 and must not begin with aws:", t.Key)
		}
		if seen[strings.ToLower(t.Key)] {
			return awserr.New(400, "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(t.Key)] = true
	}
	return nil
}

func mergeTags(old, add []Tag) []Tag {
	out := append([]Tag{}, old...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i], replaced = t, true
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	return out
}

func removeTags(old []Tag, keys []string) []Tag {
	var out []Tag
	for _, t := range old {
		drop := false
		for _, k := range keys {
			drop = drop || strings.EqualFold(k, t.Key)
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// URLEncode is how IAM returns policy documents: URL-encoded JSON, with
// spaces as %20 (clients decode with a plain unquote, which leaves '+').
func URLEncode(doc string) string { return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20") }

// compile parses a document, caching by its text.
func (s *Service) compile(doc string, kind policy.Kind) (*policy.Document, error) {
	key := fmt.Sprint(kind) + doc
	s.mu.Lock()
	d, ok := s.docs[key]
	s.mu.Unlock()
	if ok {
		return d, nil
	}
	d, err := policy.Parse([]byte(doc), kind)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.docs == nil || len(s.docs) > 10000 {
		s.docs = map[string]*policy.Document{}
	}
	s.docs[key] = d
	s.mu.Unlock()
	return d, nil
}

// IAM's size quotas, counted as AWS counts them: characters other than
// white space.
const (
	maxManagedPolicy   = 6144  // a managed policy version
	maxTrustPolicy     = 2048  // a role's trust policy (the default quota)
	maxRoleInlineTotal = 10240 // all of a role's inline policies together
	maxUserInlineTotal = 2048  // all of a user's inline policies together
)

// policySize is a document's size as IAM's quotas count it.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// inlineTotal is the size of a set of inline policies with one replaced.
func inlineTotal(inline map[string]string, name, doc string) int {
	n := policySize(doc)
	for k, v := range inline {
		if k != name {
			n += policySize(v)
		}
	}
	return n
}

// validate checks a document on write and returns it as stored.
func (s *Service) validate(doc string, kind policy.Kind) (string, error) {
	if len(doc) > 10240 {
		return "", awserr.New(400, "LimitExceeded", "Cannot exceed quota for PolicySize: 10240")
	}
	if strings.HasPrefix(strings.TrimSpace(doc), "%7B") || strings.HasPrefix(strings.TrimSpace(doc), "%7b") {
		if d, err := url.QueryUnescape(doc); err == nil {
			doc = d
		}
	}
	if kind == policy.Trust && policySize(doc) > maxTrustPolicy {
		return "", awserr.Newf(409, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: %d", maxTrustPolicy)
	}
	if kind != policy.Resource {
		if err := checkDocument(doc, kind); err != nil {
			return "", errMalformed(err)
		}
	}
	if _, err := s.compile(doc, kind); err != nil {
		var pe *policy.Error
		if errors.As(err, &pe) {
			return "", errMalformed(err)
		}
		return "", err
	}
	return doc, nil
}

// update runs a write and invalidates cached lookups.
func (s *Service) update(ctx context.Context, fn func(tx store.RecordTx) error) error {
	err := s.Store.UpdateRecords(ctx, fn)
	s.mu.Lock()
	s.gen++
	s.mu.Unlock()
	return err
}

func (s *Service) view(ctx context.Context, fn func(tx store.RecordTx) error) error {
	return s.Store.ViewRecords(ctx, fn)
}

// lookup returns a cached value computed by load, recomputed after any
// write.
func (s *Service) lookup(key string, load func() (any, error)) (any, error) {
	s.mu.Lock()
	c, ok := s.cache[key]
	gen := s.gen
	s.mu.Unlock()
	if ok && c.gen == gen && !s.NoCache {
		return c.v, nil
	}
	if s.NoCache {
		return load()
	}
	v, err := load()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.cache == nil || len(s.cache) > 10000 {
		s.cache = map[string]cached{}
	}
	s.cache[key] = cached{gen, v}
	s.mu.Unlock()
	return v, nil
}

func (s *Service) arn(kind, path, name string) string {
	return "arn:aws:iam::" + s.Account + ":" + kind + path + name
}

// ListPage is the Marker/MaxItems paging every IAM List call uses.
type ListPage struct {
	Marker   string
	MaxItems int
}

func (p ListPage) limit() int {
	if p.MaxItems <= 0 || p.MaxItems > 1000 {
		return 100
	}
	return p.MaxItems
}

// paged cuts a list of ids for a page; next is the marker of the next
// page, "" at the end.
func paged[T any](items []T, id func(T) string, p ListPage) (page []T, next string) {
	start := 0
	if p.Marker != "" {
		for start < len(items) && id(items[start]) <= p.Marker {
			start++
		}
	}
	items = items[start:]
	if len(items) > p.limit() {
		return items[:p.limit()], id(items[p.limit()-1])
	}
	return items, ""
}
