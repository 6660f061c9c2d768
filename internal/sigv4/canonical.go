package sigv4

import (
	"net/http"
	"sort"
	"strings"
)

// QueryParam is one key=value pair of a raw query string, decoded.
type QueryParam struct{ Key, Value string }

// ParseQuery splits a raw query string into decoded pairs, keeping order and
// repeats. Unlike url.ParseQuery it leaves '+' as a plus sign, which is how
// AWS canonicalizes it. It fails on a malformed percent escape.
func ParseQuery(raw string) ([]QueryParam, bool) {
	var out []QueryParam
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, ok1 := unescape(k)
		dv, ok2 := unescape(v)
		if !ok1 || !ok2 {
			return nil, false
		}
		out = append(out, QueryParam{dk, dv})
	}
	return out, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// unescape decodes %XX escapes; '+' is kept as is.
func unescape(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		h, ok1 := unhex(s[i+1])
		l, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b = append(b, h<<4|l)
		i += 2
	}
	return string(b), true
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

const upperhex = "0123456789ABCDEF"

// Escape URI-encodes s as SigV4 requires: every byte except the unreserved
// characters becomes %XX with upper-case hex; '/' is kept when keepSlash.
func Escape(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && !(keepSlash && s[i] == '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperhex[c>>4])
		b.WriteByte(upperhex[c&15])
	}
	return b.String()
}

// canonicalQuery renders pairs in SigV4 canonical form, leaving out
// X-Amz-Signature when presigned.
func canonicalQuery(params []QueryParam, presigned bool) string {
	enc := make([]QueryParam, 0, len(params))
	for _, p := range params {
		if presigned && p.Key == "X-Amz-Signature" {
			continue
		}
		enc = append(enc, QueryParam{Escape(p.Key, false), Escape(p.Value, false)})
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i].Key != enc[j].Key {
			return enc[i].Key < enc[j].Key
		}
		return enc[i].Value < enc[j].Value
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.Key)
		b.WriteByte('=')
		b.WriteString(p.Value)
	}
	return b.String()
}

// headerValues returns the values of a header as the client sent them.
// net/http moves Host and Transfer-Encoding out of the header map, so they
// are put back here.
func headerValues(r *http.Request, name string) []string {
	switch name {
	case "host":
		return []string{r.Host}
	case "transfer-encoding":
		return r.TransferEncoding
	}
	return r.Header.Values(name)
}

// trimAll trims a header value and collapses inner runs of spaces and tabs
// to one space, as SigV4 canonicalization does.
func trimAll(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") && !strings.ContainsAny(s, "\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// canonicalHeaders renders the signed headers, in their signed order, as
// "name:value\n" lines.
func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range headerValues(r, name) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(trimAll(v))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// rawPath returns the request path exactly as it appeared on the request
// line, which is what S3 clients sign.
func rawPath(r *http.Request) string {
	p := r.RequestURI
	if p == "" || p == "*" {
		p = r.URL.EscapedPath()
	}
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	// An absolute-form request target (proxy style) carries scheme and host.
	if strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://") {
		p = r.URL.EscapedPath()
	}
	if p == "" {
		p = "/"
	}
	return p
}

// rawQuery returns the query exactly as it appeared on the request line.
func rawQuery(r *http.Request) string { return r.URL.RawQuery }
