package userpool

import (
	"sync"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
)

// DefaultAuthRate is the sign-in and sign-up requests a pool accepts per
// second before TooManyRequestsException (Cognito's default quota for
// UserAuthentication is 120 per second), with twice that as burst.
const DefaultAuthRate = 120

// limiter is a token bucket per pool.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func (s *Service) allow(pool string) error {
	rate := float64(s.AuthRate)
	if rate == 0 {
		rate = DefaultAuthRate
	}
	if rate < 0 {
		return nil
	}
	l := &s.limits
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	now := s.now()
	b := l.buckets[pool]
	if b == nil {
		b = &bucket{tokens: 2 * rate, last: now}
		l.buckets[pool] = b
	}
	b.tokens = min(2*rate, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens < 1 {
		return awserr.New(400, "TooManyRequestsException", "Rate exceeded")
	}
	b.tokens--
	return nil
}
