package app

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestClientAddr(t *testing.T) {
	proxies, err := parseTrusted("10.0.0.0/8, 127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		peer, xff, want string
	}{
		{"10.1.2.3:5000", "203.0.113.9", "203.0.113.9"},
		{"10.1.2.3:5000", "127.0.0.1, 203.0.113.9", "203.0.113.9"},   // a forged first hop is ignored
		{"10.1.2.3:5000", "203.0.113.9, 10.9.9.9", "203.0.113.9"},    // through two proxies
		{"10.1.2.3:5000", "", ""},                                    // no header: the peer
		{"198.51.100.7:5000", "203.0.113.9", ""},                     // an untrusted peer: ignored
		{"10.1.2.3:5000", "nonsense", ""},                            // garbled: the peer
		{"[::ffff:10.1.2.3]:5000", "2001:db8::1", "[2001:db8::1]:0"}, // IPv6
		{"127.0.0.1:5000", "10.0.0.1, 10.0.0.2", "10.0.0.1"},         // all trusted: the first
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		got := ""
		withRealIP(proxies, httpHandlerFunc(func(addr string) {
			if addr != c.peer {
				got = addr
			}
		})).ServeHTTP(httptest.NewRecorder(), r)
		want := c.want
		if want != "" && want[0] != '[' {
			want += ":0"
		}
		if got != want {
			t.Errorf("peer %s, X-Forwarded-For %q: %q, want %q", c.peer, c.xff, got, want)
		}
	}
	if _, err := parseTrusted("10.0.0.0/8, banana"); err == nil {
		t.Error("a bad entry was accepted")
	}
}

type httpHandlerFunc func(addr string)

func (f httpHandlerFunc) ServeHTTP(_ http.ResponseWriter, r *http.Request) { f(r.RemoteAddr) }
