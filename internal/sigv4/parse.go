package sigv4

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Scheme says how a request is authenticated.
type Scheme int

// The schemes a request can use.
const (
	// Unsigned requests carry no signature at all.
	Unsigned Scheme = iota
	// HeaderV4 is SigV4 in the Authorization header.
	HeaderV4
	// QueryV4 is a SigV4 presigned URL (X-Amz-Signature in the query).
	QueryV4
	// QueryV2 is an S3 SigV2 presigned URL (AWSAccessKeyId, Signature and
	// Expires in the query).
	QueryV2
	// HeaderV2 is S3's SigV2 in the Authorization header ("AWS
	// AccessKeyId:Signature"), which legacy clients still send.
	HeaderV2
)

const (
	algorithmV4   = "AWS4-HMAC-SHA256"
	timeFormat    = "20060102T150405Z"
	shortFormat   = "20060102"
	maxPresignAge = 7 * 24 * time.Hour
)

// Scope is a SigV4 credential scope.
type Scope struct {
	Date, Region, Service string
}

func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/aws4_request"
}

// Auth is the parsed, not yet verified, authentication of a request.
type Auth struct {
	Scheme       Scheme
	AccessKeyID  string
	SessionToken string
	// Scope is the SigV4 credential scope (zero for V2 and Unsigned).
	Scope Scope
	// Time is when the request was signed (V4) or, for V2, when it expires.
	Time time.Time
	// Expires is the validity of a V4 presigned URL.
	Expires       time.Duration
	SignedHeaders []string
	Signature     []byte

	amzDate string // the signing time exactly as the client sent it
	params  []QueryParam
	v2exp   string
}

// Parse extracts the authentication of r without verifying it. It returns
// Unsigned auth when r carries no signature. It fails with an *Error when a
// signature is present but malformed.
func Parse(r *http.Request) (*Auth, error) {
	params, ok := ParseQuery(rawQuery(r))
	if !ok {
		return nil, errorf(KindMalformedQuery, "The query string contains a malformed percent-encoding.")
	}
	token := r.Header.Get("X-Amz-Security-Token")
	if h := r.Header.Get("Authorization"); h != "" {
		a, err := parseHeader(r, h)
		if err != nil {
			return nil, err
		}
		a.params, a.SessionToken = params, token
		return a, nil
	}
	get := func(k string) (string, bool) {
		for _, p := range params {
			if p.Key == k {
				return p.Value, true
			}
		}
		return "", false
	}
	if _, ok := get("X-Amz-Signature"); ok {
		return parsePresignV4(params, get)
	}
	if _, ok := get("X-Amz-Credential"); ok {
		return nil, errorf(KindMalformedQuery, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
	}
	if _, ok := get("Signature"); ok {
		if _, ok := get("AWSAccessKeyId"); ok {
			return parsePresignV2(params, get, token)
		}
	}
	if _, ok := get("AWSAccessKeyId"); ok {
		return nil, errorf(KindMalformedQuery, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
	}
	return &Auth{Scheme: Unsigned, params: params, SessionToken: token}, nil
}

func parseCredential(s string, kind Kind) (string, Scope, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 || parts[0] == "" || parts[4] != "aws4_request" || len(parts[1]) != 8 || parts[2] == "" || parts[3] == "" {
		return "", Scope{}, errorf(kind, "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
	}
	return parts[0], Scope{parts[1], parts[2], parts[3]}, nil
}

func parseSignedHeaders(s string, kind Kind) ([]string, error) {
	if s == "" {
		return nil, errorf(kind, "the SignedHeaders parameter is empty.")
	}
	names := strings.Split(s, ";")
	host := false
	for _, n := range names {
		if n == "" || n != strings.ToLower(n) {
			return nil, errorf(kind, "the SignedHeaders parameter is malformed.")
		}
		if n == "host" {
			host = true
		}
	}
	if !host {
		return nil, errorf(kind, "the host header must be signed.")
	}
	return names, nil
}

func parseSignature(s string, kind Kind) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, errorf(kind, "the Signature is not a 64-digit hex string.")
	}
	return b, nil
}

func parseHeader(r *http.Request, h string) (*Auth, error) {
	alg, rest, _ := strings.Cut(h, " ")
	switch {
	case alg == algorithmV4:
	case alg == "AWS":
		return parseHeaderV2(r, rest)
	default:
		return nil, errorf(KindUnsupported, "Unsupported Authorization Type")
	}
	fields := map[string]string{}
	for _, f := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok {
			return nil, errorf(KindMalformedHeader, "the authorization header is malformed; %q is not a key=value pair.", strings.TrimSpace(f))
		}
		fields[k] = v
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if _, ok := fields[k]; !ok {
			return nil, errorf(KindMalformedHeader, "Authorization header requires '%s' parameter.", k)
		}
	}
	a := &Auth{Scheme: HeaderV4}
	var err error
	if a.AccessKeyID, a.Scope, err = parseCredential(fields["Credential"], KindMalformedHeader); err != nil {
		return nil, err
	}
	if a.SignedHeaders, err = parseSignedHeaders(fields["SignedHeaders"], KindMalformedHeader); err != nil {
		return nil, err
	}
	if a.Signature, err = parseSignature(fields["Signature"], KindMalformedHeader); err != nil {
		return nil, err
	}
	if d := r.Header.Get("X-Amz-Date"); d != "" {
		t, err := time.Parse(timeFormat, d)
		if err != nil {
			return nil, errorf(KindMissingDate, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
		}
		a.Time, a.amzDate = t, d
	} else if d := r.Header.Get("Date"); d != "" {
		t, err := parseHTTPDate(d)
		if err != nil {
			return nil, errorf(KindMissingDate, "AWS authentication requires a valid Date or x-amz-date header")
		}
		a.Time = t.UTC()
		a.amzDate = a.Time.Format(timeFormat)
	} else {
		return nil, errorf(KindMissingDate, "AWS authentication requires a valid Date or x-amz-date header")
	}
	if a.amzDate[:8] != a.Scope.Date {
		return nil, errorf(KindMalformedHeader, "Invalid credential date. Date is not the same as X-Amz-Date.")
	}
	return a, nil
}

func parsePresignV4(params []QueryParam, get func(string) (string, bool)) (*Auth, error) {
	need := func(k string) (string, error) {
		v, ok := get(k)
		if !ok {
			return "", errorf(KindMalformedQuery, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
		return v, nil
	}
	a := &Auth{Scheme: QueryV4, params: params}
	alg, err := need("X-Amz-Algorithm")
	if err != nil {
		return nil, err
	}
	if alg != algorithmV4 {
		return nil, errorf(KindMalformedQuery, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
	}
	cred, err := need("X-Amz-Credential")
	if err != nil {
		return nil, err
	}
	if a.AccessKeyID, a.Scope, err = parseCredential(cred, KindMalformedQuery); err != nil {
		return nil, err
	}
	date, err := need("X-Amz-Date")
	if err != nil {
		return nil, err
	}
	if a.Time, err = time.Parse(timeFormat, date); err != nil {
		return nil, errorf(KindMalformedQuery, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	a.amzDate = date
	if date[:8] != a.Scope.Date {
		return nil, errorf(KindMalformedQuery, "Invalid credential date. Date is not the same as X-Amz-Date.")
	}
	exp, err := need("X-Amz-Expires")
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return nil, errorf(KindMalformedQuery, "X-Amz-Expires should be a number")
	}
	if n < 0 {
		// Out of range below as above: 403 (s3-tests'
		// x_amz_expires_out_positive_range).
		return nil, errorf(KindExpired, "X-Amz-Expires must be non-negative")
	}
	if n > int64(maxPresignAge/time.Second) {
		// S3 answers 403, as for an expired URL (s3-tests'
		// x_amz_expires_out_max_range), not a malformed-query 400.
		return nil, errorf(KindExpired, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	a.Expires = time.Duration(n) * time.Second
	sh, err := need("X-Amz-SignedHeaders")
	if err != nil {
		return nil, err
	}
	if a.SignedHeaders, err = parseSignedHeaders(sh, KindMalformedQuery); err != nil {
		return nil, err
	}
	sig, _ := get("X-Amz-Signature")
	if a.Signature, err = parseSignature(sig, KindMalformedQuery); err != nil {
		return nil, err
	}
	a.SessionToken, _ = get("X-Amz-Security-Token")
	return a, nil
}

func parsePresignV2(params []QueryParam, get func(string) (string, bool), headerToken string) (*Auth, error) {
	a := &Auth{Scheme: QueryV2, params: params}
	a.AccessKeyID, _ = get("AWSAccessKeyId")
	sig, _ := get("Signature")
	b, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(b) != 20 || a.AccessKeyID == "" {
		return nil, errorf(KindMalformedQuery, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
	}
	a.Signature = b
	exp, ok := get("Expires")
	if !ok {
		return nil, errorf(KindMalformedQuery, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return nil, errorf(KindMalformedQuery, "Invalid date (should be seconds since epoch): %s", exp)
	}
	a.Time, a.v2exp = time.Unix(n, 0).UTC(), exp
	a.SessionToken = headerToken
	if t, ok := get("x-amz-security-token"); ok {
		a.SessionToken = t
	}
	return a, nil
}

// parseHeaderV2 parses "AWS AccessKeyId:Signature" and the request's date:
// X-Amz-Date if present (the date line then signs empty), else Date.
func parseHeaderV2(r *http.Request, rest string) (*Auth, error) {
	id, sig, ok := strings.Cut(strings.TrimSpace(rest), ":")
	b, err := base64.StdEncoding.DecodeString(sig)
	if !ok || id == "" || err != nil || len(b) != 20 {
		return nil, errorf(KindMalformedV2Header, "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature")
	}
	a := &Auth{Scheme: HeaderV2, AccessKeyID: id, Signature: b}
	date, amz := r.Header.Get("X-Amz-Date"), len(r.Header.Values("X-Amz-Date")) > 0
	if !amz {
		date = r.Header.Get("Date")
		a.v2exp = date
	}
	t, err := parseHTTPDate(date)
	if err != nil {
		t, err = time.Parse(timeFormat, date)
	}
	// An empty x-amz-date does not fall back to Date, and a time before
	// the epoch is no valid date (S3 answers both so, not as skew).
	if date == "" || err != nil || t.Year() < 1970 {
		return nil, errorf(KindMissingDate, "AWS authentication requires a valid Date or x-amz-date header")
	}
	a.Time = t.UTC()
	return a, nil
}

// parseHTTPDate parses an HTTP date (RFC 1123 with GMT, RFC 850, asctime)
// or RFC 1123 with a numeric zone ("-0000"), which botocore sends.
func parseHTTPDate(s string) (time.Time, error) {
	t, err := http.ParseTime(s)
	if err != nil {
		t, err = time.Parse(time.RFC1123Z, s)
	}
	return t, err
}
