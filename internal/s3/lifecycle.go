package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Lifecycle. A bucket's rules are the configuration document
// ConfigLifecycle; ApplyLifecycle (which the server runs in the
// background every --lifecycle-interval) carries them out: expiring
// current versions (a delete marker in a versioned bucket), removing
// noncurrent versions and expired delete markers, aborting old multipart
// uploads, and moving objects to the storage class of a transition. It
// works in pages, each change its own short transaction, so foreground
// requests never wait behind it; versions under object lock are skipped.

// ConfigLifecycle is the bucket configuration document holding the
// lifecycle rules, as JSON.
const ConfigLifecycle = "lifecycle"

// DefaultLifecycleDay is the length of a lifecycle "day".
const DefaultLifecycleDay = 24 * time.Hour

// LifecycleFilter selects the objects a rule applies to.
type LifecycleFilter struct {
	Prefix                string            `json:",omitempty"`
	Tags                  map[string]string `json:",omitempty"`
	ObjectSizeGreaterThan int64             `json:",omitempty"`
	ObjectSizeLessThan    int64             `json:",omitempty"`
}

// LifecycleRule is one rule.
type LifecycleRule struct {
	ID     string
	Status string // "Enabled" or "Disabled"
	Filter LifecycleFilter
	// FilterGiven and PrefixGiven record how the rule named its filter,
	// to give it back the same way.
	FilterGiven, LegacyPrefix bool `json:",omitempty"`

	ExpirationDays            int                   `json:",omitempty"`
	ExpirationDate            time.Time             `json:",omitempty"`
	ExpiredObjectDeleteMarker bool                  `json:",omitempty"`
	NoncurrentDays            int                   `json:",omitempty"`
	NewerNoncurrentVersions   int                   `json:",omitempty"`
	AbortIncompleteDays       int                   `json:",omitempty"`
	Transitions               []LifecycleTransition `json:",omitempty"`
	NoncurrentTransitions     []LifecycleTransition `json:",omitempty"`
}

// LifecycleTransition moves objects to a storage class after Days (or on
// Date).
type LifecycleTransition struct {
	Days         int       `json:",omitempty"`
	Date         time.Time `json:",omitempty"`
	StorageClass string
}

func (r LifecycleRule) hasAction() bool {
	return r.ExpirationDays > 0 || !r.ExpirationDate.IsZero() || r.ExpiredObjectDeleteMarker || r.NoncurrentDays > 0 ||
		r.AbortIncompleteDays > 0 || len(r.Transitions) > 0 || len(r.NoncurrentTransitions) > 0
}

// matches reports whether the rule's filter selects o.
func (f LifecycleFilter) matches(o *store.Object) bool {
	if !strings.HasPrefix(o.Key, f.Prefix) {
		return false
	}
	for k, v := range f.Tags {
		if o.Tags[k] != v {
			return false
		}
	}
	if f.ObjectSizeGreaterThan > 0 && o.Size <= f.ObjectSizeGreaterThan {
		return false
	}
	if f.ObjectSizeLessThan > 0 && o.Size >= f.ObjectSizeLessThan {
		return false
	}
	return true
}

func errLifecycleArg(msg string) error {
	return awserr.New(400, "InvalidArgument", msg)
}

// PutBucketLifecycle validates and stores a bucket's lifecycle rules.
func (s *Service) PutBucketLifecycle(ctx context.Context, bucket string, rules []LifecycleRule) error {
	if len(rules) == 0 || len(rules) > 1000 {
		return errMalformedXML()
	}
	ids := map[string]bool{}
	for i := range rules {
		r := &rules[i]
		if r.ID == "" {
			r.ID = fmt.Sprintf("rule-%d", i+1)
		}
		if len(r.ID) > 255 {
			return errLifecycleArg("ID length should not exceed allowed limit of 255")
		}
		if ids[r.ID] {
			return errLifecycleArg("Rule ID must be unique. Found same ID for more than one rule")
		}
		ids[r.ID] = true
		if r.Status != "Enabled" && r.Status != "Disabled" {
			return errMalformedXML()
		}
		if !r.hasAction() {
			return awserr.New(400, "InvalidRequest", "At least one action needs to be specified in a rule")
		}
		if r.ExpirationDays < 0 || r.ExpirationDays > 0 && !r.ExpirationDate.IsZero() {
			return errLifecycleArg("'Days' for Expiration action must be a positive integer")
		}
		if !r.ExpirationDate.IsZero() && !r.ExpirationDate.Equal(r.ExpirationDate.UTC().Truncate(24*time.Hour)) {
			return errLifecycleArg("'Date' must be at midnight GMT")
		}
		if r.ExpiredObjectDeleteMarker && (r.ExpirationDays > 0 || !r.ExpirationDate.IsZero()) {
			return errMalformedXML()
		}
		if r.ExpiredObjectDeleteMarker && len(r.Filter.Tags) > 0 {
			return errLifecycleArg("ExpiredObjectDeleteMarker cannot be specified with object tags")
		}
		if r.NoncurrentDays < 0 || r.NewerNoncurrentVersions < 0 || r.AbortIncompleteDays < 0 {
			return errLifecycleArg("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
		}
		if r.AbortIncompleteDays > 0 && len(r.Filter.Tags) > 0 {
			return errLifecycleArg("Tag-based filter cannot be used with AbortIncompleteMultipartUpload action")
		}
		for _, t := range append(append([]LifecycleTransition{}, r.Transitions...), r.NoncurrentTransitions...) {
			if t.StorageClass == "" || t.StorageClass == "STANDARD" || !ValidStorageClass(t.StorageClass) {
				return errMalformedXML()
			}
			if t.Days < 0 {
				return errLifecycleArg("'Days' in Transition action must be nonnegative")
			}
			if !t.Date.IsZero() && !t.Date.Equal(t.Date.UTC().Truncate(24*time.Hour)) {
				return errLifecycleArg("'Date' must be at midnight GMT")
			}
		}
	}
	v, err := json.Marshal(rules)
	if err != nil {
		return err
	}
	return s.setConfig(ctx, bucket, ConfigLifecycle, string(v), nil)
}

// GetBucketLifecycle returns a bucket's lifecycle rules, or
// NoSuchLifecycleConfiguration.
func (s *Service) GetBucketLifecycle(ctx context.Context, bucket string) ([]LifecycleRule, error) {
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	rules, err := lifecycleRules(b)
	if err == nil && rules == nil {
		err = awserr.New(404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist").With("BucketName", bucket)
	}
	return rules, err
}

// DeleteBucketLifecycle removes a bucket's lifecycle rules.
func (s *Service) DeleteBucketLifecycle(ctx context.Context, bucket string) error {
	return s.setConfig(ctx, bucket, ConfigLifecycle, "", nil)
}

func lifecycleRules(b store.Bucket) ([]LifecycleRule, error) {
	v := b.Config[ConfigLifecycle]
	if v == "" {
		return nil, nil
	}
	var rules []LifecycleRule
	if err := json.Unmarshal([]byte(v), &rules); err != nil {
		return nil, fmt.Errorf("s3: bucket %s: lifecycle: %w", b.Name, err)
	}
	return rules, nil
}

func (s *Service) lifecycleDay() time.Duration {
	if s.LifecycleDay > 0 {
		return s.LifecycleDay
	}
	return DefaultLifecycleDay
}

// after is when days lifecycle days have passed since t: with real days,
// rounded up to the next midnight UTC, as S3 does.
func (s *Service) after(t time.Time, days int) time.Time {
	day := s.lifecycleDay()
	at := t.Add(time.Duration(days) * day)
	if day == DefaultLifecycleDay {
		if m := at.UTC().Truncate(24 * time.Hour); !m.Equal(at) {
			at = m.Add(24 * time.Hour)
		}
	}
	return at
}

// Expiration is when the current version o expires under bucket b's
// rules and the rule that says so; zero if it does not.
func (s *Service) Expiration(b store.Bucket, o store.Object) (time.Time, string) {
	rules, err := lifecycleRules(b)
	if err != nil || o.DeleteMarker {
		return time.Time{}, ""
	}
	var at time.Time
	id := ""
	for _, r := range rules {
		if r.Status != "Enabled" || !r.Filter.matches(&o) {
			continue
		}
		var t time.Time
		switch {
		case r.ExpirationDays > 0:
			t = s.after(o.Modified, r.ExpirationDays)
		case !r.ExpirationDate.IsZero():
			t = r.ExpirationDate
		default:
			continue
		}
		if at.IsZero() || t.Before(at) {
			at, id = t, r.ID
		}
	}
	return at, id
}

// LifecycleStats counts what one ApplyLifecycle did.
type LifecycleStats struct {
	Expired, NoncurrentRemoved, MarkersRemoved, UploadsAborted, Transitioned int
}

// ApplyLifecycle carries out every bucket's lifecycle rules once, as of
// now.
func (s *Service) ApplyLifecycle(ctx context.Context) (LifecycleStats, error) {
	var st LifecycleStats
	buckets, err := s.Meta.ListBuckets(ctx)
	if err != nil {
		return st, err
	}
	var errs []error
	for _, b := range buckets {
		rules, err := lifecycleRules(b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range rules {
			if r.Status != "Enabled" {
				continue
			}
			if err := s.applyRule(ctx, b, r, &st); err != nil {
				if ctx.Err() != nil {
					return st, ctx.Err()
				}
				errs = append(errs, fmt.Errorf("bucket %s rule %s: %w", b.Name, r.ID, err))
			}
		}
	}
	return st, errors.Join(errs...)
}

func (s *Service) applyRule(ctx context.Context, b store.Bucket, r LifecycleRule, st *LifecycleStats) error {
	now := s.now()
	if r.AbortIncompleteDays > 0 {
		opt := store.UploadListOptions{Prefix: r.Filter.Prefix, Limit: 1000}
		for {
			ups, err := s.Meta.ListUploads(ctx, b.Name, opt)
			if err != nil || len(ups) == 0 {
				break
			}
			for _, u := range ups {
				if !s.after(u.Initiated, r.AbortIncompleteDays).After(now) {
					if err := s.AbortMultipartUpload(ctx, b.Name, u.Key, u.ID); err == nil {
						st.UploadsAborted++
					}
				}
			}
			last := ups[len(ups)-1]
			opt.AfterKey, opt.AfterID = last.Key, last.ID
		}
	}
	current := r.ExpirationDays > 0 || !r.ExpirationDate.IsZero() || len(r.Transitions) > 0
	if current {
		after := ""
		for {
			page, err := s.Meta.ListObjects(ctx, b.Name, store.ListOptions{Prefix: r.Filter.Prefix, After: after, Limit: 1000})
			if err != nil {
				return err
			}
			for i := range page {
				o := &page[i]
				if err := ctx.Err(); err != nil {
					return err
				}
				if !r.Filter.matches(o) {
					continue
				}
				if s.expires(r, o, now) {
					if out, err := s.Delete(ctx, DeleteInput{Bucket: b.Name, Key: o.Key, Cond: Conditions{IfMatch: o.ETag}}); err == nil {
						st.Expired++
						ev := ObjectEvent{Name: "LifecycleExpiration:Delete", Key: o.Key, VersionID: out.VersionID}
						if out.DeleteMarker {
							ev.Name = "LifecycleExpiration:DeleteMarkerCreated"
						}
						s.lifecycleEvent(ctx, b.Name, now, ev)
					}
					continue
				}
				if class := s.transition(r.Transitions, o.Modified, now, o.Headers); class != "" {
					if s.setClass(ctx, b.Name, o.Key, o.VersionID, class) == nil {
						st.Transitioned++
						s.lifecycleEvent(ctx, b.Name, now, ObjectEvent{Name: "LifecycleTransition", Key: o.Key, Size: o.Size, ETag: o.ETag, VersionID: o.VersionID})
					}
				}
			}
			if len(page) < 1000 {
				break
			}
			after = page[len(page)-1].Key
		}
	}
	if r.NoncurrentDays > 0 || r.ExpiredObjectDeleteMarker || len(r.NoncurrentTransitions) > 0 {
		return s.applyNoncurrent(ctx, b, r, now, st)
	}
	return nil
}

// lifecycleEvent notifies what a lifecycle rule did, as S3 itself.
func (s *Service) lifecycleEvent(ctx context.Context, bucket string, now time.Time, ev ObjectEvent) {
	s.Notify(ctx, bucket, EventSource{Time: now, PrincipalID: "s3.amazonaws.com", SourceIP: "s3.amazonaws.com"}, []ObjectEvent{ev})
}

// expires reports whether a current version is due under r.
func (s *Service) expires(r LifecycleRule, o *store.Object, now time.Time) bool {
	switch {
	case r.ExpirationDays > 0:
		return !s.after(o.Modified, r.ExpirationDays).After(now)
	case !r.ExpirationDate.IsZero():
		return !r.ExpirationDate.After(now)
	}
	return false
}

// transition returns the class an object made at since is due for, if
// it is not in it yet.
func (s *Service) transition(ts []LifecycleTransition, since, now time.Time, headers map[string]string) string {
	class := ""
	var due time.Time
	for _, t := range ts {
		at := t.Date
		if at.IsZero() {
			at = s.after(since, t.Days)
		}
		if !at.After(now) && (class == "" || at.After(due)) {
			class, due = t.StorageClass, at
		}
	}
	if class == "" || headers[StorageClassHeader] == class {
		return ""
	}
	return class
}

func (s *Service) setClass(ctx context.Context, bucket, key, versionID, class string) error {
	if versionID == "" {
		versionID = "null"
	}
	return s.Meta.UpdateVersion(ctx, bucket, key, versionID, func(o *store.Object) error {
		o.Headers = withStorageClass(o.Headers, class)
		return nil
	})
}

// applyNoncurrent removes noncurrent versions NoncurrentDays after they
// became noncurrent (keeping the NewerNoncurrentVersions newest), and
// delete markers left with no versions behind them.
func (s *Service) applyNoncurrent(ctx context.Context, b store.Bucket, r LifecycleRule, now time.Time, st *LifecycleStats) error {
	opt := store.VersionListOptions{Prefix: r.Filter.Prefix, Limit: 1000}
	var (
		key       string
		newer     time.Time // when the version after this one was made
		kept      int       // noncurrent versions of key seen so far
		onlyEntry bool
		pending   *store.Object // a latest delete marker, decided at the key's end
	)
	flushMarker := func() {
		if pending != nil && onlyEntry && r.ExpiredObjectDeleteMarker {
			if _, err := s.Meta.DeleteVersion(ctx, b.Name, pending.Key, pending.VersionID, func(o *store.Object) error {
				if !o.DeleteMarker {
					return errors.New("changed")
				}
				return nil
			}); err == nil {
				st.MarkersRemoved++
				s.lifecycleEvent(ctx, b.Name, now, ObjectEvent{Name: "LifecycleExpiration:Delete", Key: pending.Key, VersionID: pending.VersionID})
			}
		}
		pending = nil
	}
	for {
		page, err := s.Meta.ListVersions(ctx, b.Name, opt)
		if err != nil {
			return err
		}
		for i := range page {
			o := &page[i]
			if err := ctx.Err(); err != nil {
				return err
			}
			if o.Key != key {
				flushMarker()
				key, kept, onlyEntry = o.Key, 0, true
				if o.DeleteMarker {
					pending = o
				}
				newer = o.Modified
				continue
			}
			onlyEntry = false
			since := newer
			newer = o.Modified
			if o.DeleteMarker || !r.Filter.matches(o) {
				continue
			}
			kept++
			if r.NoncurrentDays > 0 && kept > r.NewerNoncurrentVersions && !s.after(since, r.NoncurrentDays).After(now) {
				vid := o.VersionID
				if vid == "" {
					vid = "null"
				}
				if _, err := s.Delete(ctx, DeleteInput{Bucket: b.Name, Key: o.Key, VersionID: vid}); err == nil {
					st.NoncurrentRemoved++
					s.lifecycleEvent(ctx, b.Name, now, ObjectEvent{Name: "LifecycleExpiration:Delete", Key: o.Key, VersionID: o.VersionID})
				}
				continue
			}
			if class := s.transition(r.NoncurrentTransitions, since, now, o.Headers); class != "" {
				if s.setClass(ctx, b.Name, o.Key, o.VersionID, class) == nil {
					st.Transitioned++
					s.lifecycleEvent(ctx, b.Name, now, ObjectEvent{Name: "LifecycleTransition", Key: o.Key, Size: o.Size, ETag: o.ETag, VersionID: o.VersionID})
				}
			}
		}
		if len(page) < opt.Limit {
			break
		}
		last := page[len(page)-1]
		opt.AfterKey, opt.AfterVersion = last.Key, last.VersionID
		if opt.AfterVersion == "" {
			opt.AfterVersion = "null"
		}
	}
	flushMarker()
	return nil
}
