package front

import (
	"sort"
	"sync"
	"time"
)

// Trace is one authorization the server made: who asked to do what to
// which resource, with which condition keys, and what decided. The
// console's simulator shows recent ones ("why was this allowed or
// denied?") and can run one again.
type Trace struct {
	Time      time.Time
	RequestID string
	// Principal is the caller's ARN (an assumed-role session's for
	// temporary credentials).
	Principal        string
	Action, Resource string
	// Decision is "Allow", "ExplicitDeny" or "ImplicitDeny"; Source and
	// Statement name what decided ("identity", "resource", …, and the
	// statement's Sid or #index), empty when nothing matched.
	Decision, Source, Statement string
	// Context holds the request's condition keys and their values.
	Context map[string][]string
}

// traceRing keeps the most recent traces.
type traceRing struct {
	mu   sync.Mutex
	buf  []Trace
	next int
}

const traceRingSize = 256

func (r *traceRing) add(t Trace) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) < traceRingSize {
		r.buf = append(r.buf, t)
		return
	}
	r.buf[r.next] = t
	r.next = (r.next + 1) % traceRingSize
}

// RecentTraces returns the most recent authorizations, newest first.
func (h *Handler) RecentTraces() []Trace {
	r := &h.traces
	r.mu.Lock()
	out := append([]Trace(nil), r.buf...)
	r.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out
}
