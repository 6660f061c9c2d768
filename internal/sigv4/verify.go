// Package sigv4 verifies AWS Signature Version 4 requests — in the
// Authorization header, in presigned URLs and in aws-chunked streaming
// bodies — and S3's SigV2 presigned URLs. It is written once and used by
// every service the server speaks.
//
// Verification happens in two steps: Parse reads the authentication a
// request carries (so the front can route by credential scope), and
// Verifier.Verify checks it against the secret that an auth.Source holds.
// For S3, Verify returns a body that verifies itself while it is read: a
// signed payload hash or chunk signature that fails makes Read return an
// *Error, so a consumer that stops at the first error never acts on forged
// bytes.
package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
)

// Payload hash values of x-amz-content-sha256 that are not digests.
const (
	UnsignedPayload          = "UNSIGNED-PAYLOAD"
	StreamingSigned          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingSignedTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// DefaultMaxSkew is how far a request's signing time may be from the
// server's clock, as AWS allows.
const DefaultMaxSkew = 15 * time.Minute

// Verifier checks request signatures. The zero value is not usable; set
// Credentials.
type Verifier struct {
	// Credentials finds the secret behind an access key id.
	Credentials auth.Source
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// MaxSkew bounds clock skew for header-signed requests;
	// DefaultMaxSkew when zero.
	MaxSkew time.Duration

	keys keyCache
}

// Options describe the request being verified.
type Options struct {
	// S3 applies S3's rules: the path is signed exactly as sent, header
	// signatures must carry x-amz-content-sha256, the body streams, and
	// SigV2 presigned URLs are accepted.
	S3 bool
	// Payload is the whole body of a non-S3 request, already read by the
	// caller. It is ignored when S3 is set.
	Payload []byte
	// Bucket is the bucket named by a virtual-hosted S3 Host header; SigV2
	// signs the path with it in front.
	Bucket string
}

// Result is a verified request.
type Result struct {
	// Principal is the caller; auth.AnonymousPrincipal for unsigned
	// requests.
	Principal *auth.Principal
	Auth      *Auth
	// Body is the request body to read instead of r.Body (S3 only). It
	// decodes aws-chunked framing and checks payload hashes, chunk
	// signatures and trailing checksums as it goes.
	Body io.ReadCloser
	// ContentLength is the length of Body, or -1 when unknown.
	ContentLength int64
	// Chunked is the aws-chunked decoder when the body used that framing;
	// its Trailer holds the trailing headers once Body has been read to EOF.
	Chunked *ChunkedReader
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return DefaultMaxSkew
}

// Verify checks the authentication a (from Parse) of r. On success the
// result names the principal; unsigned requests verify as anonymous, and
// the caller decides whether anonymity is allowed.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, a *Auth, opt Options) (*Result, error) {
	res := &Result{Auth: a, Principal: auth.AnonymousPrincipal, Body: r.Body, ContentLength: r.ContentLength}
	var (
		payloadHash string
		cred        auth.Credential
		key         []byte
		err         error
	)
	now := v.now()
	switch a.Scheme {
	case Unsigned:
		if opt.S3 {
			return res, v.s3Body(r, res, r.Header.Get("X-Amz-Content-Sha256"), nil)
		}
		return res, nil
	case QueryV2:
		if !opt.S3 {
			return nil, errorf(KindUnsupported, "Signature Version 2 is only supported for S3 presigned URLs.")
		}
		if now.After(a.Time) {
			return nil, errorf(KindExpired, "Request has expired")
		}
		if cred, err = v.lookup(ctx, a); err != nil {
			return nil, err
		}
		mac := hmac.New(sha1.New, []byte(cred.SecretAccessKey))
		mac.Write([]byte(stringToSignV2(r, a, opt.Bucket)))
		if !hmac.Equal(mac.Sum(nil), a.Signature) {
			return nil, errorf(KindSignatureMismatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		}
		res.Principal = principalFor(cred, a)
		return res, v.s3Body(r, res, UnsignedPayload, nil)
	case HeaderV2:
		if !opt.S3 {
			return nil, errorf(KindUnsupported, "Signature Version 2 is only supported for S3.")
		}
		if d := now.Sub(a.Time); d > v.maxSkew() || d < -v.maxSkew() {
			return nil, errorf(KindSkewed, "The difference between the request time and the current time is too large.")
		}
		if cred, err = v.lookup(ctx, a); err != nil {
			return nil, err
		}
		if !v2Matches(r, a, opt.Bucket, cred.SecretAccessKey) {
			return nil, errorf(KindSignatureMismatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		}
		res.Principal = principalFor(cred, a)
		return res, v.s3Body(r, res, UnsignedPayload, nil)
	case QueryV4:
		if a.Time.After(now.Add(v.maxSkew())) {
			return nil, errorf(KindNotYetValid, "Request is not valid yet")
		}
		if !now.Before(a.Time.Add(a.Expires)) && (a.Expires == 0 || now.After(a.Time.Add(a.Expires))) {
			// X-Amz-Expires=0 is valid for no time at all.
			return nil, errorf(KindExpired, "Request has expired")
		}
		payloadHash = UnsignedPayload
		for _, p := range a.params {
			if p.Key == "X-Amz-Content-Sha256" {
				payloadHash = p.Value
			}
		}
		if !opt.S3 && payloadHash == UnsignedPayload {
			payloadHash = hashHex(opt.Payload)
		}
	case HeaderV4:
		if d := now.Sub(a.Time); d > v.maxSkew() || d < -v.maxSkew() {
			return nil, errorf(KindSkewed, "The difference between the request time and the current time is too large.")
		}
		payloadHash = r.Header.Get("X-Amz-Content-Sha256")
		if opt.S3 {
			if payloadHash == "" {
				return nil, errorf(KindMissingContentSHA256, "Missing required header for this request: x-amz-content-sha256")
			}
			for name := range r.Header {
				l := strings.ToLower(name)
				if strings.HasPrefix(l, "x-amz-") && !contains(a.SignedHeaders, l) {
					return nil, errorf(KindHeadersNotSigned, "There were headers present in the request which were not signed")
				}
			}
		} else {
			sum := hashHex(opt.Payload)
			if payloadHash == "" {
				payloadHash = sum
			} else if isHexSHA256(payloadHash) && payloadHash != sum {
				return nil, errorf(KindContentSHA256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
			}
		}
	}
	if opt.S3 && !validPayloadHash(payloadHash) {
		return nil, errorf(KindInvalidContentSHA256, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
	}
	if cred, err = v.lookup(ctx, a); err != nil {
		return nil, err
	}
	key = v.keys.get(cred.SecretAccessKey, a.Scope)
	canon := canonicalRequest(r, a, payloadHash, opt.S3)
	sts := stringToSign(a.amzDate, a.Scope, canon)
	if !hmac.Equal(hmacSHA256(key, sts), a.Signature) {
		return nil, errorf(KindSignatureMismatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	}
	res.Principal = principalFor(cred, a)
	if !opt.S3 {
		return res, nil
	}
	var signer *chunkSigner
	if payloadHash == StreamingSigned || payloadHash == StreamingSignedTrailer {
		if a.Scheme != HeaderV4 {
			return nil, errorf(KindInvalidContentSHA256, "Streaming signatures require the Authorization header.")
		}
		signer = &chunkSigner{key: key, date: a.amzDate, scope: a.Scope.String(), prev: a.Signature}
	}
	return res, v.s3Body(r, res, payloadHash, signer)
}

func (v *Verifier) lookup(ctx context.Context, a *Auth) (auth.Credential, error) {
	cred, err := v.Credentials.Credential(ctx, a.AccessKeyID, a.SessionToken)
	switch {
	case err == nil:
		return cred, nil
	case errors.Is(err, auth.ErrUnknownAccessKey):
		return cred, errorf(KindUnknownKey, "The AWS Access Key Id you provided does not exist in our records.")
	case errors.Is(err, auth.ErrExpiredToken):
		return cred, errorf(KindExpiredToken, "The provided token has expired.")
	case errors.Is(err, auth.ErrInvalidToken):
		return cred, errorf(KindInvalidToken, "The provided token is malformed or otherwise invalid.")
	}
	return cred, err
}

func principalFor(c auth.Credential, a *Auth) *auth.Principal {
	if c.Principal.AccessKeyID == a.AccessKeyID {
		return c.Principal
	}
	p := *c.Principal
	p.AccessKeyID = a.AccessKeyID
	return &p
}

// s3Body installs the body reader for the payload mode.
func (v *Verifier) s3Body(r *http.Request, res *Result, payloadHash string, signer *chunkSigner) error {
	switch {
	case payloadHash == StreamingSigned || payloadHash == StreamingSignedTrailer || payloadHash == StreamingUnsignedTrailer:
		decoded := int64(-1)
		if s := r.Header.Get("X-Amz-Decoded-Content-Length"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return errorf(KindIncompleteBody, "x-amz-decoded-content-length is not a valid length.")
			}
			decoded = n
		} else if payloadHash != StreamingUnsignedTrailer {
			return errorf(KindIncompleteBody, "You must provide the x-amz-decoded-content-length header for streaming uploads.")
		}
		trailer := payloadHash != StreamingSigned
		cr, err := NewChunkedReader(r.Body, ChunkedOptions{
			Signer:        signer,
			Trailer:       trailer,
			TrailerNames:  r.Header.Values("X-Amz-Trailer"),
			DecodedLength: decoded,
		})
		if err != nil {
			return err
		}
		res.Body, res.Chunked, res.ContentLength = cr, cr, decoded
	case isHexSHA256(payloadHash):
		want, _ := hex.DecodeString(payloadHash)
		res.Body = &hashReader{r: r.Body, h: sha256.New(), want: want}
	}
	return nil
}

func validPayloadHash(s string) bool {
	switch s {
	case UnsignedPayload, StreamingSigned, StreamingSignedTrailer, StreamingUnsignedTrailer:
		return true
	}
	return isHexSHA256(s)
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if _, ok := unhex(s[i]); !ok {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalRequest builds the SigV4 canonical request.
func canonicalRequest(r *http.Request, a *Auth, payloadHash string, s3 bool) string {
	path := rawPath(r)
	if !s3 {
		// Other services sign the path escaped once more.
		path = Escape(path, true)
	}
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(path)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(a.params, a.Scheme == QueryV4))
	b.WriteByte('\n')
	b.WriteString(canonicalHeaders(r, a.SignedHeaders))
	b.WriteByte('\n')
	b.WriteString(strings.Join(a.SignedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

func stringToSign(amzDate string, scope Scope, canonical string) string {
	h := sha256.Sum256([]byte(canonical))
	return algorithmV4 + "\n" + amzDate + "\n" + scope.String() + "\n" + hex.EncodeToString(h[:])
}

// v2Matches checks a SigV2 signature. A path-style request for a bucket
// itself ("/bucket") is also accepted signed as "/bucket/", the resource
// S3 documents for a bucket and botocore signs.
func v2Matches(r *http.Request, a *Auth, bucket, secret string) bool {
	sts := stringToSignV2(r, a, bucket)
	ok := func(s string) bool {
		mac := hmac.New(sha1.New, []byte(secret))
		mac.Write([]byte(s))
		return hmac.Equal(mac.Sum(nil), a.Signature)
	}
	if ok(sts) {
		return true
	}
	p := rawPath(r)
	if bucket == "" && len(p) > 1 && strings.Count(p, "/") == 1 {
		return ok(strings.Replace(sts, "\n"+p, "\n"+p+"/", 1))
	}
	return false
}

// v2SubResources are the query parameters SigV2 signs as part of the
// resource.
var v2SubResources = map[string]bool{
	"accelerate": true, "acl": true, "cors": true, "defaultObjectAcl": true,
	"delete": true, "lifecycle": true, "location": true, "logging": true,
	"notification": true, "partNumber": true, "policy": true,
	"requestPayment": true, "response-cache-control": true,
	"response-content-disposition": true, "response-content-encoding": true,
	"response-content-language": true, "response-content-type": true,
	"response-expires": true, "restore": true, "storageClass": true,
	"tagging": true, "torrent": true, "uploadId": true, "uploads": true,
	"versionId": true, "versioning": true, "versions": true, "website": true,
	"replication": true, "analytics": true, "metrics": true,
	"inventory": true, "select": true, "select-type": true,
	"object-lock": true,
}

// stringToSignV2 builds S3's SigV2 string to sign for a presigned URL.
func stringToSignV2(r *http.Request, a *Auth, bucket string) string {
	qv := func(k string) (string, bool) {
		for _, p := range a.params {
			if p.Key == k {
				return p.Value, true
			}
		}
		return "", false
	}
	hv := func(name string) string {
		if v := r.Header.Get(name); v != "" {
			return strings.TrimSpace(v)
		}
		v, _ := qv(strings.ToLower(name))
		return v
	}
	amz := map[string]string{}
	for name, vals := range r.Header {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "x-amz-") {
			t := make([]string, len(vals))
			for i, v := range vals {
				t[i] = strings.TrimSpace(v)
			}
			amz[l] = strings.Join(t, ",")
		}
	}
	var subs []QueryParam
	for _, p := range a.params {
		l := strings.ToLower(p.Key)
		if strings.HasPrefix(l, "x-amz-") {
			amz[l] = p.Value
		}
		if v2SubResources[p.Key] {
			subs = append(subs, p)
		}
	}
	keys := make([]string, 0, len(amz))
	for k := range amz {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(hv("Content-Md5") + "\n")
	b.WriteString(hv("Content-Type") + "\n")
	b.WriteString(a.v2exp + "\n")
	for _, k := range keys {
		b.WriteString(k + ":" + amz[k] + "\n")
	}
	if bucket != "" {
		b.WriteString("/" + bucket)
	}
	b.WriteString(rawPath(r))
	sort.SliceStable(subs, func(i, j int) bool { return subs[i].Key < subs[j].Key })
	for i, p := range subs {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(p.Key)
		if p.Value != "" {
			b.WriteString("=" + p.Value)
		}
	}
	return b.String()
}

// keyCache memoizes derived signing keys, which cost four HMACs each.
type keyCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (c *keyCache) get(secret string, s Scope) []byte {
	k := secret + "\x00" + s.Date + "\x00" + s.Region + "\x00" + s.Service
	c.mu.Lock()
	key, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return key
	}
	key = DeriveKey(secret, s)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= 4096 {
		c.m = make(map[string][]byte)
	}
	c.m[k] = key
	c.mu.Unlock()
	return key
}

// DeriveKey computes the SigV4 signing key for a secret and scope.
func DeriveKey(secret string, s Scope) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), s.Date)
	k = hmacSHA256(k, s.Region)
	k = hmacSHA256(k, s.Service)
	return hmacSHA256(k, "aws4_request")
}

// hashReader passes a body through and fails at EOF when its SHA-256 is
// not the signed one.
type hashReader struct {
	r io.ReadCloser
	h interface {
		Write([]byte) (int, error)
		Sum([]byte) []byte
	}
	want []byte
	err  error
}

func (h *hashReader) Read(p []byte) (int, error) {
	if h.err != nil {
		return 0, h.err
	}
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	if err == io.EOF && !hmac.Equal(h.h.Sum(nil), h.want) {
		h.err = errorf(KindContentSHA256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
		return n, h.err
	}
	if err != nil {
		h.err = err
	}
	return n, err
}

func (h *hashReader) Close() error { return h.r.Close() }
