package front

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/s3"
)

func (h *Handler) s3ListBuckets(q *s3Request) error {
	maxBuckets, err := intParam(q, "max-buckets", 10000)
	if err != nil {
		return err
	}
	if maxBuckets < 1 || maxBuckets > 10000 {
		return awserr.New(400, "InvalidArgument", "Argument max-buckets must be an integer between 1 and 10000.").With("ArgumentName", "max-buckets").With("ArgumentValue", q.get("max-buckets"))
	}
	after := ""
	if tok := q.get("continuation-token"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			return awserr.New(400, "InvalidArgument", "The continuation token provided is incorrect").With("ArgumentName", "continuation-token")
		}
		after = string(b)
	}
	buckets, err := h.cfg.S3.ListBuckets(q.r.Context())
	if err != nil {
		return err
	}
	type bucket struct {
		Name         string `xml:"Name"`
		CreationDate string `xml:"CreationDate"`
		BucketRegion string `xml:"BucketRegion"`
	}
	out := struct {
		XMLName           xml.Name `xml:"ListAllMyBucketsResult"`
		Xmlns             string   `xml:"xmlns,attr"`
		Owner             owner    `xml:"Owner"`
		Buckets           []bucket `xml:"Buckets>Bucket"`
		ContinuationToken string   `xml:"ContinuationToken,omitempty"`
		Prefix            string   `xml:"Prefix,omitempty"`
	}{Xmlns: s3Xmlns, Owner: owner{ID: q.p.Account}, Prefix: q.get("prefix")}
	region := q.get("bucket-region")
	for _, b := range buckets {
		// Each account lists its own buckets (names are global, as in S3).
		if b.Owner != q.p.Account || b.Name <= after || !strings.HasPrefix(b.Name, out.Prefix) || region != "" && b.Region != region {
			continue
		}
		if len(out.Buckets) == maxBuckets {
			out.ContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(out.Buckets[len(out.Buckets)-1].Name))
			break
		}
		out.Buckets = append(out.Buckets, bucket{b.Name, s3Time(b.Created), b.Region})
	}
	return writeS3XML(q.w, out)
}

func (h *Handler) s3CreateBucket(q *s3Request) error {
	var cfg struct {
		LocationConstraint string `xml:"LocationConstraint"`
	}
	body, err := readXMLBody(q, false)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := xml.Unmarshal(body, &cfg); err != nil {
			return awserr.New(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
	}
	// A regional endpoint makes buckets in its own region only: S3 refuses
	// another region's constraint there, and an unspecified one (which
	// means us-east-1). The server's own region keeps taking an
	// unspecified constraint as itself.
	if signed := scopeRegion(q.r); signed != "" && signed != "us-east-1" {
		loc := cfg.LocationConstraint
		switch {
		case loc == "" && signed != h.cfg.Region:
			return awserr.New(400, "IllegalLocationConstraintException", "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
		case loc != "" && loc != signed && !(loc == "EU" && signed == "eu-west-1"):
			return awserr.Newf(400, "IllegalLocationConstraintException", "The %s location constraint is incompatible for the region specific endpoint this request was sent to.", loc)
		}
	}
	var opts []s3.BucketOption
	switch v := strings.ToLower(q.r.Header.Get("x-amz-bucket-object-lock-enabled")); v {
	case "", "false":
	case "true":
		// S3 asks for these too when a bucket is made with object lock.
		for _, a := range []string{"s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"} {
			if err := h.authorizeS3(q, a, q.route.Bucket, bucketARN(q.route.Bucket)); err != nil {
				return err
			}
		}
		opts = append(opts, s3.WithObjectLock)
	default:
		return awserr.New(400, "InvalidArgument", "x-amz-bucket-object-lock-enabled must be true or false").With("ArgumentName", "x-amz-bucket-object-lock-enabled").With("ArgumentValue", v)
	}
	acl, err := aclRequest(q.r)
	if err != nil {
		return err
	}
	setting := q.r.Header.Get("x-amz-object-ownership")
	if err := s3.CheckNewBucket(setting, acl, q.p.Account); err != nil {
		return err
	}
	if setting != "" || acl != nil {
		for a, asked := range map[string]bool{"s3:PutBucketAcl": acl != nil, "s3:PutBucketOwnershipControls": setting != ""} {
			if !asked {
				continue
			}
			if err := h.authorizeS3(q, a, q.route.Bucket, bucketARN(q.route.Bucket)); err != nil {
				return err
			}
		}
		opts = append(opts, s3.WithOwnership(setting, acl))
	}
	if err := h.cfg.S3.CreateBucket(q.r.Context(), q.route.Bucket, cfg.LocationConstraint, q.p.Account, opts...); err != nil {
		return err
	}
	q.w.Header().Set("Location", "/"+q.route.Bucket)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3HeadBucket(q *s3Request) error {
	b, err := h.cfg.S3.Bucket(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	q.w.Header().Set("x-amz-bucket-region", b.Region)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetBucketLocation(q *s3Request) error {
	b, err := h.cfg.S3.Bucket(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	loc := b.Region
	if loc == "us-east-1" {
		loc = ""
	}
	return writeS3XML(q.w, struct {
		XMLName xml.Name `xml:"LocationConstraint"`
		Xmlns   string   `xml:"xmlns,attr"`
		Value   string   `xml:",chardata"`
	}{Xmlns: s3Xmlns, Value: loc})
}

func (h *Handler) s3DeleteBucket(q *s3Request) error {
	if err := h.cfg.S3.DeleteBucket(q.r.Context(), q.route.Bucket); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// s3Encoder returns the key encoder for encoding-type.
func s3Encoder(q *s3Request) (string, func(string) string, error) {
	encType := q.get("encoding-type")
	if encType != "" && encType != "url" {
		return "", nil, awserr.New(400, "InvalidArgument", "Invalid Encoding Method specified in Request").With("ArgumentName", "encoding-type").With("ArgumentValue", encType)
	}
	return encType, func(s string) string {
		if encType == "url" {
			// QueryEscape writes a space as "+" (a literal "+" as
			// "%2B"); S3 writes it "%20", which every client decodes.
			return strings.NewReplacer("%2F", "/", "+", "%20").Replace(url.QueryEscape(s))
		}
		return s
	}, nil
}

// s3ListObjects serves ListObjects (V1) and ListObjectsV2.
func (h *Handler) s3ListObjects(q *s3Request) error {
	v2 := q.route.Operation == "ListObjectsV2"
	maxKeys, err := intParam(q, "max-keys", 1000)
	if err != nil {
		return err
	}
	in := s3.ListInput{
		Bucket: q.route.Bucket, Prefix: q.get("prefix"), Delimiter: q.get("delimiter"),
		StartAfter: q.get("start-after"), ContinuationToken: q.get("continuation-token"),
		Marker: q.get("marker"), MaxKeys: min(maxKeys, 1000),
	}
	encType, enc, err := s3Encoder(q)
	if err != nil {
		return err
	}
	if v2 && q.has("continuation-token") && in.ContinuationToken == "" {
		// An empty token is no token S3 gave out (AWS-validated; s3-tests
		// expects it echoed, but S3 refuses it).
		return awserr.New(400, "InvalidArgument", "The continuation token provided is incorrect").With("ArgumentName", "continuation-token").With("ArgumentValue", "")
	}
	var out s3.ListOutput
	if v2 {
		out, err = h.cfg.S3.ListObjectsV2(q.r.Context(), in)
	} else {
		out, err = h.cfg.S3.ListObjects(q.r.Context(), in)
	}
	if err != nil {
		return err
	}
	type content struct {
		Key          string `xml:"Key"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		xmlChecksums
		ChecksumAlgorithm string `xml:"ChecksumAlgorithm,omitempty"`
		ChecksumType      string `xml:"ChecksumType,omitempty"`
		Size              int64  `xml:"Size"`
		StorageClass      string `xml:"StorageClass"`
		Owner             *owner `xml:"Owner,omitempty"`
	}
	type prefix struct {
		Prefix string `xml:"Prefix"`
	}
	res := struct {
		XMLName               xml.Name  `xml:"ListBucketResult"`
		Xmlns                 string    `xml:"xmlns,attr"`
		Name                  string    `xml:"Name"`
		Prefix                string    `xml:"Prefix"`
		Marker                *string   `xml:"Marker"`
		NextMarker            string    `xml:"NextMarker,omitempty"`
		Delimiter             string    `xml:"Delimiter,omitempty"`
		MaxKeys               int       `xml:"MaxKeys"`
		EncodingType          string    `xml:"EncodingType,omitempty"`
		KeyCount              *int      `xml:"KeyCount"`
		IsTruncated           bool      `xml:"IsTruncated"`
		ContinuationToken     *string   `xml:"ContinuationToken"`
		NextContinuationToken string    `xml:"NextContinuationToken,omitempty"`
		StartAfter            string    `xml:"StartAfter,omitempty"`
		Contents              []content `xml:"Contents"`
		CommonPrefixes        []prefix  `xml:"CommonPrefixes"`
	}{
		Xmlns: s3Xmlns, Name: in.Bucket, Prefix: enc(in.Prefix), Delimiter: enc(in.Delimiter), MaxKeys: in.MaxKeys,
		EncodingType: encType, IsTruncated: out.IsTruncated,
	}
	if !v2 {
		// ListObjects (V1) echoes its prefix as given even with
		// encoding-type=url (botocore decodes V1's Marker, NextMarker
		// and Delimiter, not its Prefix; V2 encodes all of them).
		res.Prefix = in.Prefix
	}
	fetchOwner := !v2 || q.get("fetch-owner") == "true"
	bucketOwner := q.p.Account
	if b, err := h.cfg.S3.Bucket(q.r.Context(), in.Bucket); err == nil {
		bucketOwner = b.Owner
	}
	if v2 {
		n := len(out.Objects) + len(out.CommonPrefixes)
		res.KeyCount = &n
		res.NextContinuationToken, res.StartAfter = out.NextContinuationToken, enc(in.StartAfter)
		if in.ContinuationToken != "" {
			res.ContinuationToken = &in.ContinuationToken
		}
	} else {
		m := enc(in.Marker)
		res.Marker = &m
		if out.IsTruncated && in.Delimiter != "" {
			res.NextMarker = enc(out.NextMarker)
		}
	}
	for _, o := range out.Objects {
		c := content{Key: enc(o.Key), LastModified: s3Time(o.Modified), ETag: o.ETag, Size: o.Size, StorageClass: storageClassOf(o.Headers)}
		for a := range o.Checksums {
			c.ChecksumAlgorithm, c.ChecksumType = a, o.ChecksumType
		}
		if fetchOwner {
			c.Owner = &owner{ID: bucketOwner}
		}
		res.Contents = append(res.Contents, c)
	}
	for _, p := range out.CommonPrefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, prefix{enc(p)})
	}
	return writeS3XML(q.w, res)
}

func (h *Handler) s3GetBucketPolicy(q *s3Request) error {
	p, err := h.cfg.S3.GetBucketPolicy(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "application/json")
	q.w.Header().Set("Content-Length", strconv.Itoa(len(p)))
	_, err = io.WriteString(q.w, p)
	return err
}

func (h *Handler) s3PutBucketPolicy(q *s3Request) error {
	body, err := readXMLBody(q, false)
	if err != nil {
		return err
	}
	err = h.cfg.S3.PutBucketPolicy(q.r.Context(), q.route.Bucket, string(body))
	if errors.Is(err, s3.ErrPublicPolicyBlocked) {
		return awserr.Newf(403, "AccessDenied", "User: %s is not authorized to perform: s3:PutBucketPolicy on resource: %s because public policies are blocked by the BlockPublicPolicy block public access setting.", q.p.ARN, bucketARN(q.route.Bucket))
	}
	if err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) s3DeleteBucketPolicy(q *s3Request) error {
	if err := h.cfg.S3.DeleteBucketPolicy(q.r.Context(), q.route.Bucket); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) s3GetBucketPolicyStatus(q *s3Request) error {
	public, err := h.cfg.S3.BucketPolicyIsPublic(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	return writeS3XML(q.w, struct {
		XMLName  xml.Name `xml:"PolicyStatus"`
		Xmlns    string   `xml:"xmlns,attr"`
		IsPublic bool     `xml:"IsPublic"`
	}{Xmlns: s3Xmlns, IsPublic: public})
}

type xmlPublicAccessBlock struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	Xmlns                 string   `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets"`
}

func (h *Handler) s3GetPublicAccessBlock(q *s3Request) error {
	c, err := h.cfg.S3.GetPublicAccessBlock(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	return writeS3XML(q.w, xmlPublicAccessBlock{Xmlns: s3Xmlns, BlockPublicAcls: c.BlockPublicAcls, IgnorePublicAcls: c.IgnorePublicAcls, BlockPublicPolicy: c.BlockPublicPolicy, RestrictPublicBuckets: c.RestrictPublicBuckets})
}

func (h *Handler) s3PutPublicAccessBlock(q *s3Request) error {
	var x xmlPublicAccessBlock
	if err := decodeXML(q, false, &x); err != nil {
		return err
	}
	c := s3.PublicAccessBlock{BlockPublicAcls: x.BlockPublicAcls, IgnorePublicAcls: x.IgnorePublicAcls, BlockPublicPolicy: x.BlockPublicPolicy, RestrictPublicBuckets: x.RestrictPublicBuckets}
	if err := h.cfg.S3.PutPublicAccessBlock(q.r.Context(), q.route.Bucket, c); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3DeletePublicAccessBlock(q *s3Request) error {
	if err := h.cfg.S3.DeletePublicAccessBlock(q.r.Context(), q.route.Bucket); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

type xmlCORSRule struct {
	ID             string   `xml:"ID,omitempty"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedOrigins []string `xml:"AllowedOrigin"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *int     `xml:"MaxAgeSeconds,omitempty"`
}

type xmlCORS struct {
	XMLName xml.Name      `xml:"CORSConfiguration"`
	Xmlns   string        `xml:"xmlns,attr,omitempty"`
	Rules   []xmlCORSRule `xml:"CORSRule"`
}

func (h *Handler) s3GetBucketCors(q *s3Request) error {
	rules, err := h.cfg.S3.GetBucketCORS(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	out := xmlCORS{Xmlns: s3Xmlns}
	for _, r := range rules {
		out.Rules = append(out.Rules, xmlCORSRule(r))
	}
	return writeS3XML(q.w, out)
}

func (h *Handler) s3PutBucketCors(q *s3Request) error {
	var x xmlCORS
	if err := decodeXML(q, true, &x); err != nil {
		return err
	}
	var rules []s3.CORSRule
	for _, r := range x.Rules {
		rules = append(rules, s3.CORSRule(r))
	}
	if err := h.cfg.S3.PutBucketCORS(q.r.Context(), q.route.Bucket, rules); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3DeleteBucketCors(q *s3Request) error {
	if err := h.cfg.S3.DeleteBucketCORS(q.r.Context(), q.route.Bucket); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// s3Preflight answers a CORS preflight (OPTIONS) from the bucket's rules.
func (h *Handler) s3Preflight(q *s3Request) error {
	origin := q.r.Header.Get("Origin")
	method := q.r.Header.Get("Access-Control-Request-Method")
	if origin == "" {
		return awserr.New(400, "BadRequest", "Insufficient information. Origin request header needed.")
	}
	if method == "" {
		return awserr.New(400, "BadRequest", "Invalid Access-Control-Request-Method: null")
	}
	var headers []string
	for _, v := range q.r.Header.Values("Access-Control-Request-Headers") {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				headers = append(headers, h)
			}
		}
	}
	if _, err := h.cfg.S3.GetBucketCORS(q.r.Context(), q.route.Bucket); err != nil {
		if awserr.Is(err, "NoSuchCORSConfiguration") {
			return awserr.New(403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.").With("Method", method).With("ResourceType", "BUCKET")
		}
		return err
	}
	rule, err := h.cfg.S3.MatchCORS(q.r.Context(), q.route.Bucket, origin, method, headers)
	if err != nil {
		return err
	}
	if rule == nil {
		return awserr.New(403, "AccessForbidden", "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.").With("Method", method).With("ResourceType", "OBJECT")
	}
	hd := q.w.Header()
	setCORS(hd, rule, origin)
	if len(headers) > 0 {
		hd.Set("Access-Control-Allow-Headers", strings.ToLower(strings.Join(headers, ", ")))
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func setCORS(hd http.Header, rule *s3.CORSRule, origin string) {
	allowAll := false
	for _, o := range rule.AllowedOrigins {
		allowAll = allowAll || o == "*"
	}
	if allowAll {
		hd.Set("Access-Control-Allow-Origin", "*")
	} else {
		hd.Set("Access-Control-Allow-Origin", origin)
		hd.Set("Access-Control-Allow-Credentials", "true")
	}
	hd.Set("Access-Control-Allow-Methods", strings.Join(rule.AllowedMethods, ", "))
	if len(rule.ExposeHeaders) > 0 {
		hd.Set("Access-Control-Expose-Headers", strings.Join(rule.ExposeHeaders, ", "))
	}
	if rule.MaxAgeSeconds != nil {
		hd.Set("Access-Control-Max-Age", strconv.Itoa(*rule.MaxAgeSeconds))
	}
	hd.Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
}

// s3CORSHeaders adds CORS response headers to an actual (non-preflight)
// request from a browser when a bucket rule allows it.
func (h *Handler) s3CORSHeaders(q *s3Request) {
	rule, err := h.cfg.S3.MatchCORS(q.r.Context(), q.route.Bucket, q.r.Header.Get("Origin"), q.r.Method, nil)
	if err == nil && rule != nil {
		setCORS(q.w.Header(), rule, q.r.Header.Get("Origin"))
	}
}

func (h *Handler) s3GetBucketTagging(q *s3Request) error {
	tags, err := h.cfg.S3.GetBucketTagging(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	out := xmlTagging{Xmlns: s3Xmlns, Tags: []xmlTag{}}
	for _, t := range tags {
		out.Tags = append(out.Tags, xmlTag{t.Key, t.Value})
	}
	return writeS3XML(q.w, out)
}

func (h *Handler) s3PutBucketTagging(q *s3Request) error {
	var x xmlTagging
	if err := decodeXML(q, true, &x); err != nil {
		return err
	}
	tags := []s3.Tag{}
	for _, t := range x.Tags {
		tags = append(tags, s3.Tag{Key: t.Key, Value: t.Value})
	}
	if err := h.cfg.S3.PutBucketTagging(q.r.Context(), q.route.Bucket, tags); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) s3DeleteBucketTagging(q *s3Request) error {
	if err := h.cfg.S3.DeleteBucketTagging(q.r.Context(), q.route.Bucket); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}
