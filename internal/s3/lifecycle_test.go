package s3

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
)

// TestLifecycle runs rules on an injected clock: current versions expire
// by prefix and by tag, noncurrent versions go NoncurrentDays after they
// were replaced (the newest kept), a delete marker left alone goes, old
// uploads are aborted, transitions change the class, and nothing happens
// early.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	s, blobs := newService(t)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	put := func(bucket, key string, tags map[string]string) {
		t.Helper()
		body := strings.Repeat("x", 40<<10)
		if _, err := s.PutObject(ctx, PutInput{Bucket: bucket, Key: key, Body: Body{R: strings.NewReader(body), Size: int64(len(body))}, ObjectAttrs: ObjectAttrs{Tags: tags}}); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(bucket, key string) bool {
		_, err := s.HeadObject(ctx, bucket, key)
		if err != nil && !awserr.Is(err, "NoSuchKey") {
			t.Fatal(err)
		}
		return err == nil
	}
	if err := s.CreateBucket(ctx, "lcycle", "", "000000000000"); err != nil {
		t.Fatal(err)
	}
	put("lcycle", "logs/a", nil)
	put("lcycle", "data/b", map[string]string{"temp": "yes"})
	put("lcycle", "data/c", nil)
	put("lcycle", "cold/d", nil)
	rules := []LifecycleRule{
		{ID: "logs", Status: "Enabled", Filter: LifecycleFilter{Prefix: "logs/"}, ExpirationDays: 1},
		{ID: "temp", Status: "Enabled", Filter: LifecycleFilter{Tags: map[string]string{"temp": "yes"}}, ExpirationDays: 3},
		{ID: "cold", Status: "Enabled", Filter: LifecycleFilter{Prefix: "cold/"}, Transitions: []LifecycleTransition{{Days: 1, StorageClass: "GLACIER"}}},
		{ID: "off", Status: "Disabled", Filter: LifecycleFilter{Prefix: "data/"}, ExpirationDays: 1},
		{ID: "mpu", Status: "Enabled", AbortIncompleteDays: 2},
	}
	if err := s.PutBucketLifecycle(ctx, "lcycle", rules); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateMultipartUpload(ctx, CreateUploadInput{Bucket: "lcycle", Key: "mp"}); err != nil {
		t.Fatal(err)
	}
	b, _ := s.Bucket(ctx, "lcycle")
	o, _ := s.HeadObject(ctx, "lcycle", "logs/a")
	if at, id := s.Expiration(b, o); id != "logs" || !at.Equal(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("expiration of logs/a: %v %q (one day, rounded up to midnight)", at, id)
	}
	if st, err := s.ApplyLifecycle(ctx); err != nil || st != (LifecycleStats{}) {
		t.Fatalf("at once: %+v %v", st, err)
	}
	now = now.Add(40 * time.Hour) // past Dec 3, 00:00
	st, err := s.ApplyLifecycle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if exists("lcycle", "logs/a") || !exists("lcycle", "data/b") || !exists("lcycle", "data/c") || st.Expired != 1 || st.Transitioned != 1 {
		t.Errorf("after 40h: %+v", st)
	}
	if o, _ := s.HeadObject(ctx, "lcycle", "cold/d"); o.Headers[StorageClassHeader] != "GLACIER" {
		t.Errorf("cold/d not moved: %v", o.Headers)
	}
	now = now.Add(72 * time.Hour)
	if st, _ = s.ApplyLifecycle(ctx); exists("lcycle", "data/b") || !exists("lcycle", "data/c") || st.UploadsAborted != 1 {
		t.Errorf("after 112h: %+v", st)
	}

	// Versions.
	if err := s.CreateBucket(ctx, "lcver", "", "000000000000"); err != nil {
		t.Fatal(err)
	}
	s.PutBucketVersioning(ctx, "lcver", VersioningEnabled, "")
	for range 3 {
		put("lcver", "k", nil)
		now = now.Add(time.Hour)
	}
	put("lcver", "gone", nil)
	if _, err := s.Delete(ctx, DeleteInput{Bucket: "lcver", Key: "gone"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBucketLifecycle(ctx, "lcver", []LifecycleRule{
		{ID: "k", Status: "Enabled", Filter: LifecycleFilter{Prefix: "k"}, NoncurrentDays: 1, NewerNoncurrentVersions: 1},
		{ID: "gone", Status: "Enabled", Filter: LifecycleFilter{Prefix: "gone"}, NoncurrentDays: 1, ExpiredObjectDeleteMarker: true},
	}); err != nil {
		t.Fatal(err)
	}
	count := func() (versions, markers int) {
		out, err := s.ListObjectVersions(ctx, VersionListInput{Bucket: "lcver", MaxKeys: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.Versions {
			if v.DeleteMarker {
				markers++
			} else {
				versions++
			}
		}
		return
	}
	if v, m := count(); v != 4 || m != 1 {
		t.Fatalf("before: %d versions, %d markers", v, m)
	}
	now = now.Add(48 * time.Hour)
	s.ApplyLifecycle(ctx)
	s.ApplyLifecycle(ctx)
	if v, m := count(); v != 2 || m != 0 {
		t.Errorf("after: %d versions (want k's current and newest noncurrent), %d markers", v, m)
	}
	if n := countFiles(blobs); n != 4 {
		t.Errorf("%d blobs left, want 4 (data/c, cold/d, two versions of k)", n)
	}
}

// TestLifecycleValidation: rules S3 refuses.
func TestLifecycleValidation(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	s.CreateBucket(ctx, "lcycle", "", "000000000000")
	bad := map[string][]LifecycleRule{
		"no action":     {{ID: "a", Status: "Enabled"}},
		"bad status":    {{ID: "a", Status: "On", ExpirationDays: 1}},
		"duplicate id":  {{ID: "a", Status: "Enabled", ExpirationDays: 1}, {ID: "a", Status: "Enabled", ExpirationDays: 2}},
		"not midnight":  {{ID: "a", Status: "Enabled", ExpirationDate: time.Date(2027, 1, 1, 5, 0, 0, 0, time.UTC)}},
		"long id":       {{ID: strings.Repeat("i", 256), Status: "Enabled", ExpirationDays: 1}},
		"bad class":     {{ID: "a", Status: "Enabled", Transitions: []LifecycleTransition{{Days: 1, StorageClass: "COLD"}}}},
		"marker + days": {{ID: "a", Status: "Enabled", ExpirationDays: 1, ExpiredObjectDeleteMarker: true}},
	}
	for name, rules := range bad {
		err := s.PutBucketLifecycle(ctx, "lcycle", rules)
		if e, ok := awserr.As(err); !ok || e.Status != 400 {
			t.Errorf("%s: %v", name, err)
		}
	}
}
