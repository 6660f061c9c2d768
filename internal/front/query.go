package front

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/sigv4"
)

var queryNamespaces = map[string]string{
	"sts": "https://sts.amazonaws.com/doc/2011-06-15/",
	"iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}

// queryServices lists the query-protocol services' tables by signing name.
func queryServices(cfg Config) map[string]*table {
	iamTable := map[string]*op{}
	if cfg.IAM != nil {
		iamTable = iamOps(cfg.IAM, cfg.Account, cfg.PublicURL)
	}
	return map[string]*table{
		"sts": {Service: "sts", Version: "2011-06-15", Xmlns: queryNamespaces["sts"], Ops: stsOps(cfg)},
		"iam": {Service: "iam", Version: "2010-05-08", Xmlns: queryNamespaces["iam"], Ops: iamTable},
	}
}

// unsignedQueryActions are the actions AWS accepts without a signature,
// and the service each belongs to; an unsigned request has no credential
// scope to route by.
var unsignedQueryActions = map[string]string{
	"AssumeRoleWithWebIdentity": "sts",
	"AssumeRoleWithSAML":        "sts",
}

// DecodeQuery parses a query-protocol request: the form body of a POST, or
// the URL query. Errors are MalformedQueryString.
func DecodeQuery(r *http.Request, body []byte) (url.Values, error) {
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		raw = string(body)
	}
	form, err := url.ParseQuery(raw)
	if err != nil {
		return nil, awserr.New(400, "MalformedQueryString", "The query string is malformed: "+err.Error())
	}
	return form, nil
}

// formInput decodes a query-protocol form.
type formInput url.Values

func (f formInput) Decode(v any) error { return decodeForm(url.Values(f), v) }

// queryCodec is the query protocol of STS and IAM: Action and parameters
// in a form, the service named only by the signature's scope, results
// and errors in XML.
type queryCodec struct{ policyOnly }

func (queryCodec) protocol() protocol { return protoQuery }

func (queryCodec) read(h *Handler, c *apiCall) error {
	if c.r.Method == http.MethodPost {
		var err error
		bodyDeadline(c.r, APIBodyDeadline)
		c.body, err = io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, MaxAPIBody))
		if err != nil {
			return awserr.New(413, "RequestEntityTooLarge", "The request body is too large.")
		}
	}
	form, err := DecodeQuery(c.r, c.body)
	if err != nil {
		return err
	}
	c.form, c.in, c.name = form, formInput(form), form.Get("Action")
	c.verify = sigv4.Options{Payload: c.body}
	return nil
}

func (queryCodec) scope(h *Handler, c *apiCall, a *sigv4.Auth) {
	c.service = a.Scope.Service
	if a.Scheme == sigv4.Unsigned {
		c.service = unsignedQueryActions[c.name]
	}
}

func (q queryCodec) unknown(c *apiCall) error {
	switch {
	case c.name == "":
		return awserr.New(400, "MissingAction", "Missing Action")
	case c.res.Auth.Scheme == sigv4.Unsigned:
		return q.missingAuth()
	}
	return awserr.Newf(400, "InvalidAction", "Could not find operation %s for version %s of service %s.", c.name, url.Values(c.form).Get("Version"), c.service)
}

func (queryCodec) missingAuth() error {
	return awserr.New(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
}

func (queryCodec) authError(err error) error { return queryAuthError(err) }

func (queryCodec) encode(h *Handler, c *apiCall, out any) {
	writeQueryResult(c.w, info(c.r.Context()).id, c.tbl, c.name, out)
}

// writeQueryResult wraps out as <ActionResponse><ActionResult>…
// </ActionResult><ResponseMetadata/></ActionResponse>.
func writeQueryResult(w http.ResponseWriter, id string, svc *table, action string, out any) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<" + action + "Response xmlns=\"" + svc.Xmlns + "\">")
	if out != nil {
		enc := xml.NewEncoder(&b)
		if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			writeQueryError(w, id, svc.Service, awserr.New(500, "InternalFailure", "could not encode the response"))
			return
		}
	}
	b.WriteString("<ResponseMetadata><RequestId>" + id + "</RequestId></ResponseMetadata>")
	b.WriteString("</" + action + "Response>")
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", id)
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}
