package s3

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/blob"
	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/store/bolt"
)

// TestLockSurvivesRestart: a COMPLIANCE retention and a legal hold are in
// the versions' durable records, so a server that restarts (here: the
// store closed and opened again, a new service over it) refuses to delete
// or weaken them just as the old one did. The clock is injected: the lock
// holds until its date, and not after.
func TestLockSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	open := func() (*Service, func()) {
		meta, err := bolt.Open(filepath.Join(dir, "meta.db"))
		if err != nil {
			t.Fatal(err)
		}
		blobs, _ := blob.OpenFS(filepath.Join(dir, "blobs"))
		return &Service{Meta: meta, Blobs: blobs, Region: "us-east-1", Now: func() time.Time { return now }}, func() { meta.Close() }
	}
	s, closeStore := open()
	if err := s.CreateBucket(ctx, "worm", "", "000000000000", WithObjectLock); err != nil {
		t.Fatal(err)
	}
	until := now.Add(24 * time.Hour)
	o, err := s.PutObject(ctx, PutInput{Bucket: "worm", Key: "k", Body: Body{R: strings.NewReader("kept"), Size: 4},
		Lock: LockRequest{Mode: LockCompliance, Until: until}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.PutObject(ctx, PutInput{Bucket: "worm", Key: "h", Body: Body{R: strings.NewReader("held"), Size: 4}, Lock: LockRequest{LegalHold: "ON"}})
	if err != nil {
		t.Fatal(err)
	}
	closeStore()

	s, closeStore = open()
	defer closeStore()
	denied := func(err error) bool { return awserr.Is(err, "AccessDenied") }
	if _, err := s.Delete(ctx, DeleteInput{Bucket: "worm", Key: "k", VersionID: o.VersionID, BypassGovernance: true}); !denied(err) {
		t.Errorf("delete after restart: %v", err)
	}
	if err := s.PutObjectRetention(ctx, "worm", "k", o.VersionID, &store.Retention{Mode: LockCompliance, Until: until.Add(-time.Hour)}, true); !denied(err) {
		t.Errorf("shorten after restart: %v", err)
	}
	if err := s.PutObjectRetention(ctx, "worm", "k", o.VersionID, nil, true); !denied(err) {
		t.Errorf("remove after restart: %v", err)
	}
	if _, err := s.Delete(ctx, DeleteInput{Bucket: "worm", Key: "h", VersionID: h.VersionID}); !denied(err) {
		t.Errorf("delete held version after restart: %v", err)
	}
	if err := s.PutBucketVersioning(ctx, "worm", VersioningSuspended, ""); !awserr.Is(err, "InvalidBucketState") {
		t.Errorf("suspend after restart: %v", err)
	}
	now = until.Add(time.Second)
	if _, err := s.Delete(ctx, DeleteInput{Bucket: "worm", Key: "k", VersionID: o.VersionID}); err != nil {
		t.Errorf("delete once the retention ran out: %v", err)
	}
}
