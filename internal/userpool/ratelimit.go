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

// peers is how many nodes share the store (Peers, at least 1). Limits
// kept per node are divided among them, so that behind a balancer the
// cluster as a whole admits what one node would.
func (s *Service) peers() float64 {
	if s.Peers == nil {
		return 1
	}
	return float64(max(1, s.Peers()))
}

func (s *Service) allow(pool string) error {
	rate := float64(s.AuthRate)
	if rate == 0 {
		rate = DefaultAuthRate
	}
	if rate < 0 {
		return nil
	}
	rate = max(1, rate/s.peers())
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

// codeGuard counts wrong codes per source with a leaky bucket. On a
// cluster each node allows its share (budget).
type codeGuard struct {
	mu      sync.Mutex
	sources map[string]*bucket // tokens = failures still allowed
	// peers is how many nodes split the budget (0 or 1: one).
	peers float64
}

func (g *codeGuard) budget() float64 {
	return max(1, float64(sourceCodeFailures)/max(1, g.peers))
}

func (g *codeGuard) refill(b *bucket, now time.Time) {
	budget := g.budget()
	rate := budget / sourceCodeWindow.Seconds()
	b.tokens = min(budget, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
}

// check refuses a source that has used up its failures.
func (g *codeGuard) check(src string, now time.Time, peers float64) error {
	if src == "" {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.peers = peers
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
func (g *codeGuard) fail(src string, now time.Time, peers float64) {
	if src == "" {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.peers = peers
	if g.sources == nil {
		g.sources = map[string]*bucket{}
	}
	b := g.sources[src]
	if b == nil {
		if len(g.sources) >= maxSources {
			for k, o := range g.sources {
				if g.refill(o, now); o.tokens >= g.budget() {
					delete(g.sources, k)
				}
			}
		}
		b = &bucket{tokens: g.budget(), last: now}
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
