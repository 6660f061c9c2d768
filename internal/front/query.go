package front

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/sigv4"
)

// queryOp is one query-protocol operation.
type queryOp struct {
	Unauthenticated bool
	Call            func(ctx context.Context, p *auth.Principal, form url.Values) (any, error)
	// Action, if set, is the IAM action the caller must be allowed on the
	// entity the call names (iam:CreateRole, …).
	Action string
}

// queryService is a query-protocol service (STS, IAM).
type queryService struct {
	Name    string // signing name: "sts", "iam"
	Version string
	Xmlns   string
	Ops     map[string]queryOp
}

var queryNamespaces = map[string]string{
	"sts": "https://sts.amazonaws.com/doc/2011-06-15/",
	"iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}

func queryServices(cfg Config) map[string]*queryService {
	iamTable := map[string]queryOp{}
	if cfg.IAM != nil {
		iamTable = iamOps(cfg.IAM)
	}
	return map[string]*queryService{
		"sts": {Name: "sts", Version: "2011-06-15", Xmlns: queryNamespaces["sts"], Ops: stsOps(cfg)},
		"iam": {Name: "iam", Version: "2010-05-08", Xmlns: queryNamespaces["iam"], Ops: iamTable},
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

func (h *Handler) serveQuery(w http.ResponseWriter, r *http.Request) {
	ri := info(r.Context())
	fail := func(err error) { h.writeError(w, r, protoQuery, err) }
	var body []byte
	if r.Method == http.MethodPost {
		var err error
		bodyDeadline(r, APIBodyDeadline)
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, MaxAPIBody))
		if err != nil {
			fail(awserr.New(413, "RequestEntityTooLarge", "The request body is too large."))
			return
		}
	}
	form, err := DecodeQuery(r, body)
	if err != nil {
		fail(err)
		return
	}
	action := form.Get("Action")
	ri.operation = action
	a, err := sigv4.Parse(r)
	if err != nil {
		fail(queryAuthError(err))
		return
	}
	svcName := a.Scope.Service
	if a.Scheme == sigv4.Unsigned {
		svcName = unsignedQueryActions[action]
	}
	ri.service = svcName
	p := auth.AnonymousPrincipal
	if a.Scheme != sigv4.Unsigned {
		res, err := h.cfg.Verifier.Verify(r.Context(), r, a, sigv4.Options{Payload: body})
		if err != nil {
			fail(queryAuthError(err))
			return
		}
		p = res.Principal
	}
	ri.setPrincipal(p)
	if action == "" {
		fail(awserr.New(400, "MissingAction", "Missing Action"))
		return
	}
	svc := h.query[svcName]
	var op queryOp
	known := false
	if svc != nil {
		op, known = svc.Ops[action]
	}
	if !known {
		if a.Scheme == sigv4.Unsigned {
			fail(awserr.New(403, "MissingAuthenticationToken", "Request is missing Authentication Token"))
			return
		}
		fail(awserr.Newf(400, "InvalidAction", "Could not find operation %s for version %s of service %s.", action, form.Get("Version"), svcName))
		return
	}
	if a.Scheme == sigv4.Unsigned && !op.Unauthenticated {
		fail(awserr.New(403, "MissingAuthenticationToken", "Request is missing Authentication Token"))
		return
	}
	if op.Action != "" {
		if err := h.authorize(r.Context(), r, p, authzCheck{action: op.Action, resource: h.iamResource(form), keys: h.iamKeys(r.Context(), form)}); err != nil {
			fail(err)
			return
		}
	}
	ctx := context.WithValue(r.Context(), requestKey{}, r)
	out, err := op.Call(ctx, p, form)
	if err != nil {
		fail(err)
		return
	}
	writeQueryResult(w, ri.id, svc, action, out)
}

// writeQueryResult wraps out as <ActionResponse><ActionResult>…
// </ActionResult><ResponseMetadata/></ActionResponse>.
func writeQueryResult(w http.ResponseWriter, id string, svc *queryService, action string, out any) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<" + action + "Response xmlns=\"" + svc.Xmlns + "\">")
	if out != nil {
		enc := xml.NewEncoder(&b)
		if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			writeQueryError(w, id, svc.Name, awserr.New(500, "InternalFailure", "could not encode the response"))
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
