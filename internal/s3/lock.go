package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Object lock (WORM). A bucket created with object lock, or a versioned
// bucket given a lock configuration, keeps the configuration document
// ConfigObjectLock; its versioning can no longer be suspended. Each
// version may carry a retention and a legal hold (store.Object). The
// store refuses nothing by itself: every path that removes a version for
// good (DeleteVersion) checks the lock inside the store's transaction, so
// the check and the removal commit together, and a restart or a crash
// cannot lose a lock — it is in the version's durable record.

// ConfigObjectLock is the bucket configuration document holding the
// object lock configuration, as JSON.
const ConfigObjectLock = "objectLock"

// Lock modes.
const (
	LockGovernance = "GOVERNANCE"
	LockCompliance = "COMPLIANCE"
)

// ObjectLockConfig is a bucket's object lock configuration.
type ObjectLockConfig struct {
	// Mode, Days and Years are the default retention, if Mode is set.
	Mode  string `json:",omitempty"`
	Days  int    `json:",omitempty"`
	Years int    `json:",omitempty"`
}

func lockConfig(b store.Bucket) (ObjectLockConfig, bool, error) {
	v := b.Config[ConfigObjectLock]
	if v == "" {
		return ObjectLockConfig{}, false, nil
	}
	var c ObjectLockConfig
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return c, false, fmt.Errorf("s3: bucket %s: object lock configuration: %w", b.Name, err)
	}
	return c, true, nil
}

func errNoLockConfig() error {
	return awserr.New(400, "InvalidRequest", "Bucket is missing Object Lock Configuration")
}

// WithObjectLock creates a bucket with object lock (CreateBucket's
// x-amz-bucket-object-lock-enabled), hence with versioning, in the same
// transaction.
func WithObjectLock(b *store.Bucket) {
	if b.Config == nil {
		b.Config = map[string]string{}
	}
	b.Config[ConfigVersioning] = VersioningEnabled
	b.Config[ConfigObjectLock] = "{}"
}

// PutObjectLockConfiguration sets a bucket's object lock configuration
// and default retention; the bucket must have versioning enabled.
func (s *Service) PutObjectLockConfiguration(ctx context.Context, bucket string, c ObjectLockConfig) error {
	switch {
	case c.Mode == "" && (c.Days != 0 || c.Years != 0):
		return errMalformedXML()
	case c.Mode != "" && c.Mode != LockGovernance && c.Mode != LockCompliance:
		return errMalformedXML()
	case c.Mode != "" && (c.Days != 0) == (c.Years != 0):
		return errMalformedXML()
	case c.Days < 0 || c.Years < 0 || c.Mode != "" && c.Days == 0 && c.Years == 0:
		return awserr.New(400, "InvalidArgument", "Default retention period must be a positive integer value.").With("ArgumentName", "Days")
	case c.Days > 36500 || c.Years > 100:
		return awserr.New(400, "InvalidArgument", "Default retention period is too large.").With("ArgumentName", "Days")
	}
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.setConfig(ctx, bucket, ConfigObjectLock, string(v), func(b *store.Bucket) error {
		if b.Config[ConfigObjectLock] == "" && versioning(*b) != VersioningEnabled {
			return awserr.New(409, "InvalidBucketState", "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
		}
		return nil
	})
}

// GetObjectLockConfiguration returns a bucket's object lock
// configuration, or ObjectLockConfigurationNotFoundError.
func (s *Service) GetObjectLockConfiguration(ctx context.Context, bucket string) (ObjectLockConfig, error) {
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return ObjectLockConfig{}, err
	}
	c, ok, err := lockConfig(b)
	if err == nil && !ok {
		err = awserr.New(404, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket").With("BucketName", bucket)
	}
	return c, err
}

// LockRequest is the object lock a write asks for (x-amz-object-lock-*).
type LockRequest struct {
	Mode      string
	Until     time.Time
	LegalHold string // "", "ON" or "OFF"
}

// applyLock gives a new version in bucket b its lock: the request's, or
// the bucket's default retention.
func (s *Service) applyLock(b store.Bucket, req LockRequest, o *store.Object) error {
	c, ok, err := lockConfig(b)
	if err != nil {
		return err
	}
	if !ok {
		if req != (LockRequest{}) {
			return errNoLockConfig()
		}
		return nil
	}
	switch req.LegalHold {
	case "":
	case "ON":
		o.LegalHold = true
	case "OFF":
	default:
		return awserr.New(400, "InvalidArgument", "Legal Hold must be either of 'ON' or 'OFF'").With("ArgumentName", "x-amz-object-lock-legal-hold")
	}
	if req.Mode != "" || !req.Until.IsZero() {
		if req.Mode == "" || req.Until.IsZero() {
			return awserr.New(400, "InvalidArgument", "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied")
		}
		if req.Mode != LockGovernance && req.Mode != LockCompliance {
			return awserr.New(400, "InvalidArgument", "Unknown wormMode directive.").With("ArgumentName", "x-amz-object-lock-mode").With("ArgumentValue", req.Mode)
		}
		if !req.Until.After(s.now()) {
			return awserr.New(400, "InvalidArgument", "The retain until date must be in the future!")
		}
		o.Retention = &store.Retention{Mode: req.Mode, Until: req.Until.UTC()}
		return nil
	}
	if c.Mode != "" {
		until := s.now().UTC().AddDate(c.Years, 0, c.Days)
		o.Retention = &store.Retention{Mode: c.Mode, Until: until}
	}
	return nil
}

// locked reports whether a version's retention is still running.
func locked(o *store.Object, now time.Time) bool {
	return o.Retention != nil && o.Retention.Until.After(now)
}

// checkLockedDelete refuses removing a locked version for good: a legal
// hold or a running COMPLIANCE retention always, a running GOVERNANCE
// retention unless the caller bypasses it.
func checkLockedDelete(o *store.Object, bypass bool, now time.Time) error {
	if o.LegalHold || locked(o, now) && (o.Retention.Mode != LockGovernance || !bypass) {
		return awserr.New(403, "AccessDenied", "Access Denied because object protected by object lock.")
	}
	return nil
}

// PutObjectRetention sets a version's retention. A COMPLIANCE retention
// can only be extended; a GOVERNANCE one can be shortened or removed only
// with bypass.
func (s *Service) PutObjectRetention(ctx context.Context, bucket, key, versionID string, r *store.Retention, bypass bool) error {
	if err := checkVersionID(versionID); err != nil {
		return err
	}
	if _, err := s.lockBucket(ctx, bucket); err != nil {
		return err
	}
	now := s.now()
	if r != nil {
		if r.Mode != LockGovernance && r.Mode != LockCompliance {
			return errMalformedXML()
		}
		if !r.Until.After(now) {
			return awserr.New(400, "InvalidArgument", "The retain until date must be in the future!")
		}
	}
	err := s.Meta.UpdateVersion(ctx, bucket, key, versionID, func(o *store.Object) error {
		if o.DeleteMarker {
			return awserr.New(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		}
		if old := o.Retention; old != nil && locked(o, now) {
			weaker := r == nil || r.Until.Before(old.Until) || r.Mode != old.Mode
			if weaker && (old.Mode == LockCompliance || !bypass) {
				return awserr.New(403, "AccessDenied", "Access Denied because object protected by object lock.")
			}
		}
		o.Retention = r
		return nil
	})
	return s.versionErr(ctx, err, bucket, key, versionID)
}

// versionErr names a store error of an operation on one version.
func (s *Service) versionErr(ctx context.Context, err error, bucket, key, versionID string) error {
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if _, berr := s.Bucket(ctx, bucket); berr != nil {
		return berr
	}
	if versionID != "" {
		return errNoSuchVersion(key, versionID)
	}
	return errNoSuchKey(key)
}

// GetObjectRetention returns a version's retention, or
// NoSuchObjectLockConfiguration.
func (s *Service) GetObjectRetention(ctx context.Context, bucket, key, versionID string) (store.Retention, error) {
	o, err := s.lockedVersion(ctx, bucket, key, versionID)
	if err != nil {
		return store.Retention{}, err
	}
	if o.Retention == nil {
		return store.Retention{}, awserr.New(404, "NoSuchObjectLockConfiguration", "The specified object does not have a ObjectLock configuration")
	}
	return *o.Retention, nil
}

func (s *Service) lockedVersion(ctx context.Context, bucket, key, versionID string) (store.Object, error) {
	if _, err := s.lockBucket(ctx, bucket); err != nil {
		return store.Object{}, err
	}
	return s.version(ctx, bucket, key, versionID)
}

// lockBucket returns a bucket that has object lock, or the error S3
// gives for one without.
func (s *Service) lockBucket(ctx context.Context, bucket string) (store.Bucket, error) {
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return b, err
	}
	if _, ok, err := lockConfig(b); err != nil || !ok {
		if err == nil {
			err = errNoLockConfig()
		}
		return b, err
	}
	return b, nil
}

// PutObjectLegalHold sets or clears a version's legal hold.
func (s *Service) PutObjectLegalHold(ctx context.Context, bucket, key, versionID, status string) error {
	if err := checkVersionID(versionID); err != nil {
		return err
	}
	if status != "ON" && status != "OFF" {
		return errMalformedXML()
	}
	if _, err := s.lockBucket(ctx, bucket); err != nil {
		return err
	}
	err := s.Meta.UpdateVersion(ctx, bucket, key, versionID, func(o *store.Object) error {
		if o.DeleteMarker {
			return awserr.New(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		}
		o.LegalHold = status == "ON"
		return nil
	})
	return s.versionErr(ctx, err, bucket, key, versionID)
}

// GetObjectLegalHold returns a version's legal hold status.
func (s *Service) GetObjectLegalHold(ctx context.Context, bucket, key, versionID string) (string, error) {
	o, err := s.lockedVersion(ctx, bucket, key, versionID)
	if err != nil {
		return "", err
	}
	if o.LegalHold {
		return "ON", nil
	}
	return "OFF", nil
}
