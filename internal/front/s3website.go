package front

import (
	"encoding/xml"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/awsregion"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/s3route"
)

// Static website hosting: the ?website calls, and the website endpoint,
// <bucket>.s3-website.<domain> (also s3-website-<region> and
// s3-website.<region>, as S3 names its endpoints), which answers
// anonymous GET and HEAD requests (and CORS preflights, from the
// bucket's CORS rules) from the bucket's website configuration: index and error documents, routing rules, redirects of
// every request, and objects' x-amz-website-redirect-location. Every
// object it serves is authorized as s3:GetObject for an anonymous caller,
// so only what the bucket makes public is served. Errors are HTML pages.

type xmlWebsite struct {
	XMLName     xml.Name        `xml:"WebsiteConfiguration"`
	Xmlns       string          `xml:"xmlns,attr,omitempty"`
	RedirectAll *xmlRedirectAll `xml:"RedirectAllRequestsTo"`
	Index       *struct {
		Suffix string `xml:"Suffix"`
	} `xml:"IndexDocument"`
	Error *struct {
		Key string `xml:"Key"`
	} `xml:"ErrorDocument"`
	Rules []xmlRoutingRule `xml:"RoutingRules>RoutingRule"`
}

type xmlRedirectAll struct {
	HostName string `xml:"HostName"`
	Protocol string `xml:"Protocol,omitempty"`
}

type xmlRoutingRule struct {
	Condition *struct {
		HttpErrorCodeReturnedEquals string  `xml:"HttpErrorCodeReturnedEquals,omitempty"`
		KeyPrefixEquals             *string `xml:"KeyPrefixEquals"`
	} `xml:"Condition"`
	Redirect *struct {
		HostName             string  `xml:"HostName,omitempty"`
		HttpRedirectCode     string  `xml:"HttpRedirectCode,omitempty"`
		Protocol             string  `xml:"Protocol,omitempty"`
		ReplaceKeyPrefixWith *string `xml:"ReplaceKeyPrefixWith"`
		ReplaceKeyWith       *string `xml:"ReplaceKeyWith"`
	} `xml:"Redirect"`
}

func (h *Handler) s3PutBucketWebsite(q *s3Request) error {
	var x xmlWebsite
	if err := decodeXML(q, true, &x); err != nil {
		return err
	}
	c := &s3.WebsiteConfig{}
	if x.RedirectAll != nil {
		c.RedirectAll = &s3.Redirect{HostName: x.RedirectAll.HostName, Protocol: x.RedirectAll.Protocol}
	}
	if x.Index != nil {
		c.IndexSuffix = x.Index.Suffix
	}
	if x.Error != nil {
		c.ErrorDocument = x.Error.Key
	}
	for _, r := range x.Rules {
		if r.Redirect == nil {
			return awserr.New(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
		d := r.Redirect
		rule := s3.RoutingRule{Redirect: s3.Redirect{HostName: d.HostName, HttpRedirectCode: d.HttpRedirectCode, Protocol: d.Protocol,
			ReplaceKeyPrefixWith: d.ReplaceKeyPrefixWith, ReplaceKeyWith: d.ReplaceKeyWith}}
		if r.Condition != nil {
			rule.KeyPrefixEquals, rule.HttpErrorCodeReturnedEquals = r.Condition.KeyPrefixEquals, r.Condition.HttpErrorCodeReturnedEquals
		}
		c.RoutingRules = append(c.RoutingRules, rule)
	}
	if err := h.cfg.S3.PutBucketWebsite(q.r.Context(), q.route.Bucket, c); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetBucketWebsite(q *s3Request) error {
	c, err := h.cfg.S3.GetBucketWebsite(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	x := xmlWebsite{Xmlns: s3Xmlns}
	if c.RedirectAll != nil {
		x.RedirectAll = &xmlRedirectAll{HostName: c.RedirectAll.HostName, Protocol: c.RedirectAll.Protocol}
	}
	if c.IndexSuffix != "" {
		x.Index = &struct {
			Suffix string `xml:"Suffix"`
		}{c.IndexSuffix}
	}
	if c.ErrorDocument != "" {
		x.Error = &struct {
			Key string `xml:"Key"`
		}{c.ErrorDocument}
	}
	for _, r := range c.RoutingRules {
		var xr xmlRoutingRule
		xr.Redirect = &struct {
			HostName             string  `xml:"HostName,omitempty"`
			HttpRedirectCode     string  `xml:"HttpRedirectCode,omitempty"`
			Protocol             string  `xml:"Protocol,omitempty"`
			ReplaceKeyPrefixWith *string `xml:"ReplaceKeyPrefixWith"`
			ReplaceKeyWith       *string `xml:"ReplaceKeyWith"`
		}{r.Redirect.HostName, r.Redirect.HttpRedirectCode, r.Redirect.Protocol, r.Redirect.ReplaceKeyPrefixWith, r.Redirect.ReplaceKeyWith}
		if r.KeyPrefixEquals != nil || r.HttpErrorCodeReturnedEquals != "" {
			xr.Condition = &struct {
				HttpErrorCodeReturnedEquals string  `xml:"HttpErrorCodeReturnedEquals,omitempty"`
				KeyPrefixEquals             *string `xml:"KeyPrefixEquals"`
			}{r.HttpErrorCodeReturnedEquals, r.KeyPrefixEquals}
		}
		x.Rules = append(x.Rules, xr)
	}
	return writeS3XML(q.w, x)
}

func (h *Handler) s3DeleteBucketWebsite(q *s3Request) error {
	if err := h.cfg.S3.DeleteBucketWebsite(q.r.Context(), q.route.Bucket); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// websiteRedirectHeader keeps an object's x-amz-website-redirect-location
// among its stored headers.
const websiteRedirectHeader = "X-Amz-Website-Redirect-Location"

// websiteBucket returns the bucket a website endpoint's host names, or "".
func (h *Handler) websiteBucket(r *http.Request) string {
	v := h.virtualBucket(r)
	i := strings.LastIndex(v, ".s3-website")
	if i <= 0 {
		return ""
	}
	switch rest := v[i+len(".s3-website"):]; {
	case rest == "":
	case (rest[0] == '-' || rest[0] == '.') && awsregion.Valid(rest[1:]):
	default:
		return ""
	}
	return v[:i]
}

// serveWebsite answers a request to a bucket's website endpoint.
func (h *Handler) serveWebsite(w http.ResponseWriter, r *http.Request, bucket string) {
	ctx := r.Context()
	ri := info(ctx)
	ri.service, ri.operation = "s3", "WebsiteGetObject"
	key := strings.TrimPrefix(r.URL.Path, "/")
	q := &s3Request{apiCall: &apiCall{w: w, r: r, p: auth.AnonymousPrincipal, service: "s3", name: "GetObject"},
		route: s3route.Route{Operation: "GetObject", Bucket: bucket, Key: key}, query: map[string][]string{}, website: true}
	ri.s3 = q
	if r.Method == http.MethodHead {
		q.route.Operation = "HeadObject"
	}
	if r.Method == http.MethodOptions {
		// A CORS preflight, answered from the bucket's CORS rules as the
		// API endpoint answers it.
		ri.operation = "WebsitePreflight"
		if err := h.s3Preflight(q); err != nil {
			h.websiteError(q, err)
		}
		return
	}
	if r.Header.Get("Origin") != "" {
		h.s3CORSHeaders(q)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.websiteError(q, awserr.New(405, "MethodNotAllowed", "The specified method is not allowed against this resource.").With("Method", r.Method).With("ResourceType", "OBJECT"))
		return
	}
	if !keyParses(key) {
		h.websiteError(q, awserr.New(400, "InvalidURI", "Couldn't parse the specified URI."))
		return
	}
	c, err := h.cfg.S3.GetBucketWebsite(ctx, bucket)
	if err != nil {
		h.websiteError(q, err)
		return
	}
	if ra := c.RedirectAll; ra != nil {
		websiteRedirect(q, s3.Redirect{HostName: ra.HostName, Protocol: ra.Protocol}, key)
		return
	}
	if rule, to := c.Route(key, 0); rule != nil {
		websiteRedirect(q, rule.Redirect, to)
		return
	}
	err = h.websiteObject(q, key, c.IndexSuffix)
	if err == nil {
		return
	}
	status := http.StatusInternalServerError
	if e, ok := awserr.As(err); ok {
		status = e.Status
	}
	if rule, to := c.Route(key, status); rule != nil {
		websiteRedirect(q, rule.Redirect, to)
		return
	}
	if c.ErrorDocument != "" && status >= 400 && status < 500 && h.websiteErrorDocument(q, c.ErrorDocument, status) {
		ri.err = err
		return
	}
	h.websiteError(q, err)
}

// websiteObject serves key, or its index document when key names a
// folder; "photos" with no such object but a "photos/<index>" is sent
// to "photos/".
func (h *Handler) websiteObject(q *s3Request, key, index string) error {
	k := key
	if k == "" || strings.HasSuffix(k, "/") {
		k += index
	}
	err := h.websiteGet(q, k)
	if awserr.Is(err, "NoSuchKey") && k == key {
		if ok, _ := h.websiteReadable(q, key+"/"+index); ok {
			q.w.Header().Set("Location", (&url.URL{Path: "/" + key + "/"}).EscapedPath())
			q.w.WriteHeader(http.StatusFound)
			return nil
		}
	}
	return err
}

// websiteReadable reports whether an anonymous caller may read key and
// it exists, and returns its redirect location if it has one.
func (h *Handler) websiteReadable(q *s3Request, key string) (bool, string) {
	if h.authorizeS3As(q, auth.AnonymousPrincipal, "s3:GetObject", q.route.Bucket, objectARN(q.route.Bucket, key), nil) != nil {
		return false, ""
	}
	o, err := h.cfg.S3.HeadObject(q.r.Context(), q.route.Bucket, key)
	return err == nil, o.Headers[websiteRedirectHeader]
}

// websiteGet serves one object to an anonymous caller, or follows its
// website redirect location.
func (h *Handler) websiteGet(q *s3Request, key string) error {
	if err := h.authorizeS3As(q, auth.AnonymousPrincipal, "s3:GetObject", q.route.Bucket, objectARN(q.route.Bucket, key), nil); err != nil {
		return err
	}
	o, err := h.cfg.S3.HeadObject(q.r.Context(), q.route.Bucket, key)
	if err != nil {
		return err
	}
	if loc := o.Headers[websiteRedirectHeader]; loc != "" {
		q.w.Header().Set("Location", loc)
		q.w.WriteHeader(http.StatusMovedPermanently)
		return nil
	}
	q.route.Key = key
	return h.s3GetObject(q)
}

// websiteErrorDocument serves the error document with the error's status,
// if an anonymous caller may read it.
func (h *Handler) websiteErrorDocument(q *s3Request, key string, status int) bool {
	ok, redirect := h.websiteReadable(q, key)
	if !ok {
		return false
	}
	if redirect != "" {
		q.w.Header().Set("Location", redirect)
		q.w.WriteHeader(http.StatusMovedPermanently)
		return true
	}
	out, err := h.cfg.S3.GetObject(q.r.Context(), s3.GetInput{Bucket: q.route.Bucket, Key: key, Head: q.r.Method == http.MethodHead})
	if err != nil {
		return false
	}
	if out.Body != nil {
		defer out.Body.Close()
	}
	hd := q.w.Header()
	for _, name := range storedHeaders {
		if v := out.Object.Headers[name]; v != "" {
			hd.Set(name, v)
		}
	}
	hd.Set("ETag", out.Object.ETag)
	hd.Set("Content-Length", strconv.FormatInt(out.Length, 10))
	q.w.WriteHeader(status)
	if out.Body != nil {
		if _, err := io.Copy(q.w, out.Body); err != nil {
			panic(http.ErrAbortHandler)
		}
	}
	return true
}

// websiteRedirect sends a request to where a routing rule says.
func websiteRedirect(q *s3Request, d s3.Redirect, key string) {
	proto := d.Protocol
	if proto == "" {
		proto = "http"
		if q.r.TLS != nil {
			proto = "https"
		}
	}
	host := d.HostName
	if host == "" {
		host = q.r.Host
	}
	code := http.StatusMovedPermanently
	if n, err := strconv.Atoi(d.HttpRedirectCode); err == nil {
		code = n
	}
	q.w.Header().Set("Location", proto+"://"+host+(&url.URL{Path: "/" + key}).EscapedPath())
	q.w.WriteHeader(code)
}

// websiteError answers with S3's HTML error page.
func (h *Handler) websiteError(q *s3Request, err error) {
	ri := info(q.r.Context())
	ri.err = err
	e, ok := awserr.As(err)
	if !ok {
		h.cfg.Log.Error("website request failed", "id", ri.id, "bucket", q.route.Bucket, "err", err)
		e = awserr.New(500, "InternalError", "We encountered an internal error. Please try again.")
	}
	title := strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	var b strings.Builder
	b.WriteString("<html>\n<head><title>" + title + "</title></head>\n<body>\n<h1>" + title + "</h1>\n<ul>\n")
	b.WriteString("<li>Code: " + html.EscapeString(e.Code) + "</li>\n<li>Message: " + html.EscapeString(e.Message) + "</li>\n")
	for _, f := range e.Fields {
		if f.Name == "BucketName" || f.Name == "Key" {
			b.WriteString("<li>" + f.Name + ": " + html.EscapeString(f.Value) + "</li>\n")
		}
	}
	b.WriteString("<li>RequestId: " + ri.id + "</li>\n<li>HostId: " + ri.id + "</li>\n</ul>\n<hr/>\n</body>\n</html>\n")
	hd := q.w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Length", strconv.Itoa(b.Len()))
	hd.Set("x-amz-error-code", e.Code)
	hd.Set("x-amz-error-message", e.Message)
	q.w.WriteHeader(e.Status)
	if q.r.Method != http.MethodHead {
		io.WriteString(q.w, b.String())
	}
}
