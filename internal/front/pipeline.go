package front

import (
	"context"
	"github.com/sekisho/sekisho/internal/apimodel"
	"github.com/sekisho/sekisho/internal/awserr"
	"net"
	"net/http"
	"reflect"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awsregion"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/sigv4"
	"github.com/sekisho/sekisho/internal/userpool"
)

// The pipeline is the one path every AWS API call takes, whatever its
// protocol:
//
//  1. read      the codec names the service and operation, and reads
//     the body the signature covers (JSON and query; S3 streams it);
//  2. verify    the SigV4 (or V2) signature gives the principal;
//  3. resolve   the operation's row in its service's table;
//  4. authorize the row's IAM action on the resource the row names;
//  5. call      the row's method: the codec decodes its typed input;
//  6. encode    the codec writes the output, or the error, in the
//     protocol's shape.
//
// A codec (jsonCodec, queryCodec, s3Codec) supplies what differs: how a
// request names its operation, how errors are worded and rendered. Rows
// are data: which operation, whether it may be unsigned, what it
// authorizes, and the typed service method behind it.

// An op is one row of an operation table.
type op struct {
	// Unsigned operations accept requests without a signature, as AWS
	// marks them (InitiateAuth, GetId, AssumeRoleWithWebIdentity; every
	// S3 operation, which a bucket policy may open to anyone).
	Unsigned bool
	// Action, if set, is the IAM action the caller must be allowed on
	// Resource before the method runs. "" means the method needs no
	// authorization (self-service calls that prove a token or password)
	// or authorizes itself (S3's DeleteObjects, key by key).
	Action string
	// Resource forms the ARN Action is checked on; nil means "*".
	Resource func(c *apiCall) string
	// Keys, if set, adds the operation's condition keys.
	Keys func(c *apiCall) keysFunc
	// Grant, if set, is a policy the resource side adds to the decision
	// (IAM's password policy letting users change their own password):
	// it may allow, while explicit denies still deny.
	Grant func(c *apiCall) *policy.Document
	// Method decodes the input, calls the service and returns the output
	// to encode; nil output means an empty result, or that the method
	// wrote the response itself (S3's streaming operations).
	Method method
}

// keysFunc adds condition keys to an authorization request; uses reports
// whether any policy involved reads keys with a prefix, to skip costly
// ones. An error denies.
type keysFunc = func(r *policy.Request, uses func(prefix string) bool) error

// A method serves one operation behind its codec's decoding: see typed.
type method func(ctx context.Context, in input) (any, error)

// An input is a request's parameters in its protocol's encoding.
type input interface {
	// Decode fills the struct v points to: JSON 1.1 bodies by field name,
	// query forms as decodeForm reads them, S3 bodies as XML.
	Decode(v any) error
}

// typed adapts a typed method to a row: the codec decodes the request
// into a new In, and fn's result is encoded.
func typed[In, Out any](fn func(context.Context, *In) (Out, error)) method {
	return func(ctx context.Context, in input) (any, error) {
		v := new(In)
		if err := in.Decode(v); err != nil {
			return nil, err
		}
		out, err := fn(ctx, v)
		if rv := reflect.ValueOf(&out).Elem(); rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
			if rv.IsNil() {
				return nil, err
			}
		}
		return out, err
	}
}

// A table is one service's operations by name.
type table struct {
	// Service is the signing name: "cognito-idp", "sts", "s3", …
	Service string
	Ops     map[string]*op
	// Version and Xmlns are the query protocol's API version and the
	// namespace of its XML responses.
	Version, Xmlns string
}

// apiCall is one request on its way through the pipeline.
type apiCall struct {
	w http.ResponseWriter
	r *http.Request
	// service and name are the table's service and the operation;
	// target is the JSON X-Amz-Target prefix.
	service, name, target string
	tbl                   *table
	op                    *op
	// in decodes the parameters; body is what the signature covers
	// (JSON and query protocols), form the query protocol's parameters.
	in   input
	body []byte
	form map[string][]string
	// verify are the options the signature is checked with.
	verify sigv4.Options
	res    *sigv4.Result
	p      *auth.Principal
	// s3 is the S3 request, for the S3 codec.
	s3 *s3Request
	// anonymous skips verification: the call is answered as to an
	// anonymous caller whatever it carries (a CORS preflight, which
	// browsers send without credentials to a URL that may be presigned).
	anonymous bool
}

// A codec is what one protocol contributes to the pipeline.
type codec interface {
	protocol() protocol
	// read names c's service and operation and reads what the signature
	// covers; it may resolve c.op itself (S3 does, before the signature).
	read(h *Handler, c *apiCall) error
	// scope completes c.service from the signature's credential scope,
	// for protocols whose requests do not name their service.
	scope(h *Handler, c *apiCall, a *sigv4.Auth)
	// unknown is the error for an operation c's table does not have.
	unknown(c *apiCall) error
	// missingAuth is the error for an unsigned call of a signed-only row.
	missingAuth() error
	// authError words a signature failure in the protocol's terms.
	authError(err error) error
	// authorize answers check for c, with what the protocol adds (S3's
	// bucket policy and condition keys).
	authorize(h *Handler, c *apiCall, check authzCheck) error
	// encode writes a successful result.
	encode(h *Handler, c *apiCall, out any)
}

// policyOnly is the authorize of codecs whose calls are authorized by the
// caller's policies alone (JSON 1.1, query); codecs embed it.
type policyOnly struct{}

func (policyOnly) authorize(h *Handler, c *apiCall, check authzCheck) error {
	return h.authorize(c.r.Context(), c.r, c.p, check)
}

// serveAPI runs the pipeline for one request.
func (h *Handler) serveAPI(w http.ResponseWriter, r *http.Request, cd codec) {
	ri := info(r.Context())
	c := &apiCall{w: w, r: r, p: auth.AnonymousPrincipal}
	fail := func(err error) { h.writeError(w, r, cd.protocol(), err) }
	// 1. Read.
	err := cd.read(h, c)
	ri.service, ri.operation = c.service, c.name
	if err != nil {
		fail(err)
		return
	}
	// 2. Verify.
	a := &sigv4.Auth{Scheme: sigv4.Unsigned}
	if !c.anonymous {
		if a, err = sigv4.Parse(r); err != nil {
			fail(cd.authError(err))
			return
		}
	}
	cd.scope(h, c, a)
	ri.service = c.service
	res, err := h.cfg.Verifier.Verify(r.Context(), r, a, c.verify)
	if err != nil {
		fail(cd.authError(err))
		return
	}
	c.res, c.p = res, res.Principal
	ri.setPrincipal(c.p)
	// 3. Resolve.
	if c.op == nil {
		c.tbl = h.tables[c.service]
		if acct := h.callAccount(c); acct != "" && acct != h.cfg.Account && h.cfg.Tenant != nil {
			// A member account's IAM and Cognito are its own.
			t, err := h.memberTable(r.Context(), c.service, acct)
			switch {
			case err != nil && c.p.Kind != auth.Anonymous:
				fail(err)
				return
			case t != nil:
				c.tbl = t
			}
		}
		if c.tbl != nil {
			c.op = c.tbl.Ops[c.name]
		}
		if c.op == nil {
			fail(cd.unknown(c))
			return
		}
	}
	if a.Scheme == sigv4.Unsigned && !c.op.Unsigned {
		fail(cd.missingAuth())
		return
	}
	if err := h.memberAccountGate(c); err != nil {
		fail(err)
		return
	}
	// 4. Authorize.
	if c.op.Action != "" {
		check := authzCheck{action: c.op.Action, resource: "*"}
		if c.op.Resource != nil {
			check.resource = c.op.Resource(c)
		}
		if c.op.Keys != nil {
			check.keys = c.op.Keys(c)
		}
		if c.op.Grant != nil {
			check.resourcePolicy = c.op.Grant(c)
		}
		if err := cd.authorize(h, c, check); err != nil {
			fail(err)
			return
		}
	}
	// 5. Validate the parameters against the API model, as AWS's front
	// ends do before a call reaches the service.
	if err := modelCheck(c); err != nil {
		fail(err)
		return
	}
	// 6. Call. (S3 methods read the call from their input; the JSON and
	// query ones find it, and the source IP rate limits key on, in ctx.)
	ctx := r.Context()
	if c.s3 == nil {
		ctx = context.WithValue(ctx, callKey{}, c)
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			ctx = userpool.WithSourceIP(ctx, host)
		}
		// What a call creates is named in the region it was signed for.
		ctx = awsregion.With(ctx, c.region())
	}
	out, err := c.op.Method(ctx, c.in)
	if err != nil {
		fail(err)
		return
	}
	// 7. Encode.
	cd.encode(h, c, out)
}

type callKey struct{}

// region is the region the call was signed for, or "" (unsigned, SigV2).
func (c *apiCall) region() string {
	if c.res == nil || c.res.Auth == nil {
		return ""
	}
	return c.res.Auth.Scope.Region
}

// callOf returns the call a method runs in: its principal and request.
func callOf(ctx context.Context) *apiCall {
	c, _ := ctx.Value(callKey{}).(*apiCall)
	if c == nil {
		return &apiCall{p: auth.AnonymousPrincipal}
	}
	return c
}

// caller is the principal of the call a method runs in.
func caller(ctx context.Context) *auth.Principal { return callOf(ctx).p }

// rows builds a table's rows from named methods that share how they are
// authenticated and authorized: action prefixes the IAM action with the
// service ("iam:" + name) unless empty, which leaves the rows unauthorized.
func rows(dst map[string]*op, methods map[string]method, unsigned bool, action string, resource func(*apiCall) string, keys func(*apiCall) keysFunc) {
	for name, m := range methods {
		o := op{Unsigned: unsigned, Resource: resource, Keys: keys, Method: m}
		if action != "" {
			o.Action = action + name
		}
		dst[name] = &o
	}
}

// memberServices are the services a member account's principals may call:
// S3 (every account owns its buckets), IAM, STS, user pools and identity
// pools (each account has its own) and Organizations (which tells them
// they are not its management account). Any other service would act on
// the management account's data, so it is refused.
var memberServices = map[string]bool{"s3": true, "sts": true, "iam": true, "organizations": true, "cognito-idp": true, "cognito-identity": true}

func (h *Handler) memberAccountGate(c *apiCall) error {
	if c.p == nil || c.p.Account == "" || c.p.Account == h.cfg.Account || memberServices[c.service] && h.cfg.Tenant != nil || c.service == "s3" || c.service == "sts" || c.service == "organizations" {
		return nil
	}
	return awserr.Newf(501, "NotImplemented", "sekisho keeps %s resources only for the server's own account (%s) so far; account %s can use S3, IAM and STS.", c.service, h.cfg.Account, c.p.Account)
}

// validationCodes are the error codes each service's front end answers a
// model violation with.
var validationCodes = map[string]string{
	"iam":              "ValidationError",
	"sts":              "ValidationError",
	"cognito-idp":      "InvalidParameterException",
	"cognito-identity": "ValidationException",
}

// modelCheck checks a JSON 1.1 or query call's parameters against its
// service's API model (see apimodel).
func modelCheck(c *apiCall) error {
	code, ok := validationCodes[c.service]
	if !ok || c.s3 != nil {
		return nil
	}
	var errs []string
	if c.form != nil {
		errs = apimodel.CheckQuery(c.service, c.name, c.form)
	} else {
		errs = apimodel.CheckJSON(c.service, c.name, c.body)
	}
	if len(errs) == 0 {
		return nil
	}
	return awserr.New(400, code, apimodel.Message(errs))
}
