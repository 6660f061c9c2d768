package app

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Behind load balancers, the peer of every request is a balancer. With
// --trusted-proxies, a request whose peer is one of them is taken to come
// from the client X-Forwarded-For names: the rightmost address that is
// not itself a trusted proxy (earlier entries are the client's to forge).
// Everything downstream — aws:SourceIp, the per-source wrong-code budget,
// logs and the audit trail — then sees the client. Without the setting,
// X-Forwarded-For is ignored.

// parseTrusted parses a comma-separated list of addresses and prefixes.
func parseTrusted(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is not an address or CIDR prefix", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func trusted(list []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr returns the address r comes from, given the trusted proxies.
func clientAddr(r *http.Request, proxies []netip.Prefix) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !trusted(proxies, peer) {
		return netip.Addr{}, false
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}, false // a garbled chain: keep the peer
		}
		if !trusted(proxies, a) || i == 0 {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// withRealIP rewrites RemoteAddr to the client's for requests that come
// through a trusted proxy.
func withRealIP(proxies []netip.Prefix, next http.Handler) http.Handler {
	if len(proxies) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, ok := clientAddr(r, proxies); ok {
			r2 := *r
			r2.RemoteAddr = netip.AddrPortFrom(a, 0).String()
			r = &r2
		}
		next.ServeHTTP(w, r)
	})
}
