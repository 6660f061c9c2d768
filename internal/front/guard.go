package front

import (
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
)

// Defaults for Config.BodyIdleTimeout and Config.MaxUnauthenticated.
const (
	DefaultBodyIdleTimeout    = 30 * time.Second
	DefaultMaxUnauthenticated = 512
)

// idleBody is a request body whose reads time out when the client sends
// nothing for idle: each Read pushes the connection's read deadline
// forward, so a slow upload that keeps moving is never cut, while a client
// that stops sending is disconnected.
type idleBody struct {
	io.ReadCloser
	ctl  *http.ResponseController
	idle time.Duration
	// until, if set, is a deadline no Read extends past.
	until time.Time
	done  bool
}

func (b *idleBody) Read(p []byte) (int, error) {
	if b.done {
		return b.ReadCloser.Read(p)
	}
	dl := time.Now().Add(b.idle)
	if !b.until.IsZero() && b.until.Before(dl) {
		dl = b.until
	}
	if err := b.ctl.SetReadDeadline(dl); err != nil {
		// The connection cannot take a deadline (a test recorder): read
		// without one rather than fail.
		b.done = true
	}
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		// The body is over: leave the connection's deadline to the
		// server, so that slow work after the body is not cut. (After a
		// timeout the deadline stays past, and the server closes the
		// connection instead of waiting for the rest of the body.)
		b.done = true
		b.ctl.SetReadDeadline(time.Time{})
	}
	return n, err
}

// finish bounds the server's own reads of an unread rest of the body.
func (b *idleBody) finish() {
	if !b.done {
		b.ctl.SetReadDeadline(time.Now().Add(b.idle))
	}
}

// preauth bounds the requests in progress that have not proved who sent
// them: unsigned requests for all of their life, signed ones until their
// signature checks out. Idle or slow attackers then cannot hold every
// connection the server can serve.
type preauth struct {
	slots chan struct{}
}

func newPreauth(n int) *preauth {
	if n <= 0 {
		return nil
	}
	return &preauth{slots: make(chan struct{}, n)}
}

// enter takes a slot, or reports that none is free.
func (p *preauth) enter() (release func(), ok bool) {
	if p == nil {
		return func() {}, true
	}
	select {
	case p.slots <- struct{}{}:
	default:
		return nil, false
	}
	var once sync.Once
	return func() { once.Do(func() { <-p.slots }) }, true
}

// setPrincipal records who made the request; a caller who proved who they
// are gives up its unauthenticated slot.
func (ri *reqInfo) setPrincipal(p *auth.Principal) {
	ri.principal = p
	if p != nil && p.Kind != auth.Anonymous && ri.release != nil {
		ri.release()
	}
}

// claimsSignature reports whether a request carries a signature (header
// or presigned query), right or wrong.
func claimsSignature(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return true
	}
	q := r.URL.Query()
	return q.Has("X-Amz-Signature") || q.Has("Signature")
}

// APIBodyDeadline bounds the time a JSON or query-protocol body (at most
// MaxAPIBody) may take to arrive, however it trickles.
const APIBodyDeadline = 60 * time.Second

// bodyDeadline caps the time left to read r's body.
func bodyDeadline(r *http.Request, d time.Duration) {
	if b, ok := r.Body.(*idleBody); ok {
		b.until = time.Now().Add(d)
	}
}
