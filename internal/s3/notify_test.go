package s3

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a Lambda that keeps what it was sent: the Invoke API's far
// side, which the front's tests drive for real.
type recorder struct {
	mu    sync.Mutex
	calls []map[string]any
}

func (r *recorder) Invoke(_ context.Context, fn string, payload []byte) ([]byte, error) {
	var ev map[string]any
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	rec := ev["Records"].([]any)[0].(map[string]any)
	rec["function"] = fn
	r.mu.Lock()
	r.calls = append(r.calls, rec)
	r.mu.Unlock()
	return []byte("null"), nil
}

// TestLifecycleNotifications: what lifecycle rules do is notified as S3
// notifies it, by s3.amazonaws.com.
func TestLifecycleNotifications(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, _ := newService(t)
	lam := &recorder{}
	s.Lambda = lam
	done := make(chan struct{})
	go func() { s.RunNotifications(ctx, 1); close(done) }()
	defer func() { cancel(); <-done }()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if err := s.CreateBucket(ctx, "lcn", "", "000000000000"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"logs/a", "cold/b"} {
		if _, err := s.PutObject(ctx, PutInput{Bucket: "lcn", Key: k, Body: Body{R: strings.NewReader("x"), Size: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutBucketLifecycle(ctx, "lcn", []LifecycleRule{
		{ID: "logs", Status: "Enabled", Filter: LifecycleFilter{Prefix: "logs/"}, ExpirationDays: 1},
		{ID: "cold", Status: "Enabled", Filter: LifecycleFilter{Prefix: "cold/"}, Transitions: []LifecycleTransition{{Days: 1, StorageClass: "GLACIER"}}},
	}); err != nil {
		t.Fatal(err)
	}
	fn := "arn:aws:lambda:us-east-1:000000000000:function:rules"
	if err := s.PutBucketNotification(ctx, "lcn", &NotificationConfig{Functions: []NotificationTarget{
		{ARN: fn, Events: []string{"s3:LifecycleExpiration:*", "s3:LifecycleTransition"}}}}, false); err != nil {
		t.Fatal(err)
	}
	now = now.Add(72 * time.Hour)
	if _, err := s.ApplyLifecycle(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		lam.mu.Lock()
		n := len(lam.calls)
		lam.mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	lam.mu.Lock()
	defer lam.mu.Unlock()
	got := map[string]string{}
	for _, c := range lam.calls {
		key := c["s3"].(map[string]any)["object"].(map[string]any)["key"].(string)
		got[key] = c["eventName"].(string) + " " + c["userIdentity"].(map[string]any)["principalId"].(string) + " " + c["function"].(string)
	}
	if got["logs/a"] != "LifecycleExpiration:Delete s3.amazonaws.com "+fn || got["cold/b"] != "LifecycleTransition s3.amazonaws.com "+fn {
		t.Errorf("lifecycle events: %v", got)
	}
}

// TestNotificationDestinations: with no Lambda endpoint a function is
// refused, as S3 refuses a destination it cannot validate, unless
// validation is skipped.
func TestNotificationDestinations(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	if err := s.CreateBucket(ctx, "dests", "", "000000000000"); err != nil {
		t.Fatal(err)
	}
	c := &NotificationConfig{Functions: []NotificationTarget{{ARN: "arn:aws:lambda:us-east-1:000000000000:function:f", Events: []string{"s3:ObjectCreated:*"}}}}
	if err := s.PutBucketNotification(ctx, "dests", c, false); err == nil || !strings.Contains(err.Error(), "Unable to validate") {
		t.Errorf("no endpoint: %v", err)
	}
	if err := s.PutBucketNotification(ctx, "dests", c, true); err != nil {
		t.Errorf("validation skipped: %v", err)
	}
}
