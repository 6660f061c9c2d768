package s3

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestReplicationAfterCrash: a version committed just before the process
// died — its copy never queued — is PENDING in its own record, and the
// next process copies it at start.
func TestReplicationAfterCrash(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	for _, b := range []string{"src", "dst"} {
		if err := s.CreateBucket(ctx, b, "", "000000000000"); err != nil {
			t.Fatal(err)
		}
		if err := s.PutBucketVersioning(ctx, b, VersioningEnabled, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutBucketReplication(ctx, "src", &ReplicationConfig{Role: "arn:aws:iam::000000000000:role/r", Rules: []ReplicationRule{
		{Status: "Enabled", Destination: ReplicationDestination{Bucket: "arn:aws:s3:::dst"}}}}); err != nil {
		t.Fatal(err)
	}
	o, err := s.PutObject(ctx, PutInput{Bucket: "src", Key: "k", Body: Body{R: strings.NewReader("data"), Size: 4}})
	if err != nil {
		t.Fatal(err)
	}
	// Committed, never queued: this process "dies" here.
	if v, _ := s.Meta.GetVersion(ctx, "src", "k", o.VersionID); v.Headers[ReplicationStatusHeader] != "PENDING" {
		t.Fatalf("status before the crash: %q", v.Headers[ReplicationStatusHeader])
	}

	next := &Service{Meta: s.Meta, Blobs: s.Blobs, Region: "us-east-1",
		ReplicationAuthz: func(context.Context, string, string, string, string) error { return nil }}
	run, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { next.RunReplication(run); close(done) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		v, _ := s.Meta.GetVersion(ctx, "src", "k", o.VersionID)
		if v.Headers[ReplicationStatusHeader] == "COMPLETED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status after the restart: %q", v.Headers[ReplicationStatusHeader])
		}
	}
	r, err := next.Meta.GetVersion(ctx, "dst", "k", o.VersionID)
	if err != nil || r.Headers[ReplicationStatusHeader] != "REPLICA" || r.ETag != o.ETag {
		t.Fatalf("replica: %+v %v", r, err)
	}
}
