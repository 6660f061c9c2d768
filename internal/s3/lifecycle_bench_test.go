package s3

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/store/bolt"
)

// BenchmarkLifecycleExpiry100k expires 100,000 objects with one rule
// while a foreground client PUTs and GETs small objects in another
// bucket, and reports the expiry's duration and the foreground
// latencies during it (fg-p50/p99/max, µs) beside those of the same
// foreground load alone (base-…).
//
//	go test -run=NONE -bench=LifecycleExpiry100k -benchtime=1x ./internal/s3/
func BenchmarkLifecycleExpiry100k(b *testing.B) {
	for range b.N {
		b.StopTimer()
		ctx := context.Background()
		s, _ := newService(b)
		now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		s.CreateBucket(ctx, "expiring", "", "000000000000")
		s.CreateBucket(ctx, "busy", "", "000000000000")
		objs := make([]store.Object, 100000)
		for i := range objs {
			objs[i] = store.Object{Bucket: "expiring", Key: fmt.Sprintf("logs/%06d", i), Inline: []byte("x"), Size: 1, ETag: `"9dd4e461268c8034f5c8564e155c67a6"`, Modified: now}
		}
		if err := s.Meta.(*bolt.Store).ImportObjects(ctx, objs); err != nil {
			b.Fatal(err)
		}
		if err := s.PutBucketLifecycle(ctx, "expiring", []LifecycleRule{{ID: "logs", Status: "Enabled", Filter: LifecycleFilter{Prefix: "logs/"}, ExpirationDays: 1}}); err != nil {
			b.Fatal(err)
		}
		foreground := func(stop <-chan struct{}) []time.Duration {
			var lat []time.Duration
			body := strings.Repeat("y", 4096)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return lat
				default:
				}
				t := time.Now()
				k := fmt.Sprint("k", i%100)
				if _, err := s.PutObject(ctx, PutInput{Bucket: "busy", Key: k, Body: Body{R: strings.NewReader(body), Size: 4096}}); err != nil {
					b.Fatal(err)
				}
				if _, err := s.HeadObject(ctx, "busy", k); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t))
			}
		}
		stop := make(chan struct{})
		done := make(chan []time.Duration)
		go func() { done <- foreground(stop) }()
		time.Sleep(2 * time.Second)
		close(stop)
		base := <-done
		now = now.Add(48 * time.Hour)
		stop = make(chan struct{})
		go func() { done <- foreground(stop) }()
		b.StartTimer()
		t0 := time.Now()
		st, err := s.ApplyLifecycle(ctx)
		took := time.Since(t0)
		b.StopTimer()
		close(stop)
		during := <-done
		if err != nil || st.Expired != 100000 {
			b.Fatalf("expired %d: %v", st.Expired, err)
		}
		pct := func(l []time.Duration, p float64) float64 {
			sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
			return float64(l[min(len(l)-1, int(p*float64(len(l))))].Microseconds())
		}
		b.ReportMetric(took.Seconds(), "expiry-s")
		b.ReportMetric(pct(base, 0.5), "base-p50-µs")
		b.ReportMetric(pct(base, 0.99), "base-p99-µs")
		b.ReportMetric(pct(during, 0.5), "fg-p50-µs")
		b.ReportMetric(pct(during, 0.99), "fg-p99-µs")
		b.ReportMetric(pct(during, 1), "fg-max-µs")
		b.ReportMetric(float64(len(during))/took.Seconds(), "fg-ops/s")
	}
}
