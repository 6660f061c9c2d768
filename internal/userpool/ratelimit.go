package userpool

import (
	"context"
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

// Source limits on code guessing: a source (client IP) may get
// sourceCodeFailures codes wrong per sourceCodeWindow, across all users
// and pools, so that spreading guesses over many users or codes gains
// nothing.
const (
	sourceCodeFailures = 20
	sourceCodeWindow   = 15 * time.Minute
	// maxSources bounds the guard's memory; past it, sources with nothing
	// against them are forgotten first.
	maxSources = 100000
)

// codeGuard counts wrong codes per source with a leaky bucket.
type codeGuard struct {
	mu      sync.Mutex
	sources map[string]*bucket // tokens = failures still allowed
}

func (g *codeGuard) refill(b *bucket, now time.Time) {
	rate := float64(sourceCodeFailures) / sourceCodeWindow.Seconds()
	b.tokens = min(sourceCodeFailures, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
}

// check refuses a source that has used up its failures.
func (g *codeGuard) check(src string, now time.Time) error {
	if src == "" {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.sources[src]
	if b == nil {
		return nil
	}
	g.refill(b, now)
	if b.tokens < 1 {
		return errCodeAttempts()
	}
	return nil
}

// fail counts a wrong code against a source.
func (g *codeGuard) fail(src string, now time.Time) {
	if src == "" {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.sources == nil {
		g.sources = map[string]*bucket{}
	}
	b := g.sources[src]
	if b == nil {
		if len(g.sources) >= maxSources {
			for k, o := range g.sources {
				if g.refill(o, now); o.tokens >= sourceCodeFailures {
					delete(g.sources, k)
				}
			}
		}
		b = &bucket{tokens: sourceCodeFailures, last: now}
		g.sources[src] = b
	}
	g.refill(b, now)
	b.tokens--
}

type sourceKey struct{}

// WithSourceIP returns a context that carries the caller's IP address,
// by which the service limits guessing across users.
func WithSourceIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, sourceKey{}, ip)
}

func sourceIP(ctx context.Context) string {
	ip, _ := ctx.Value(sourceKey{}).(string)
	return ip
}
