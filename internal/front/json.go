package front

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/sigv4"
	"github.com/sekisho/sekisho/internal/userpool"
)

// jsonOp is one JSON 1.1 operation.
type jsonOp struct {
	// Unauthenticated operations accept unsigned requests, as AWS marks
	// them (InitiateAuth, GetId, …).
	Unauthenticated bool
	// Call decodes the body, calls the service and returns the result to
	// encode.
	Call func(ctx context.Context, p *auth.Principal, body []byte) (any, error)
	// Action, if set, is the IAM action a signed caller must be allowed,
	// on the user pool the body names.
	Action string
}

// jsonService is a JSON 1.1 service: the X-Amz-Target prefix and its
// operations.
type jsonService struct {
	Name string // signing name, e.g. "cognito-idp"
	Ops  map[string]jsonOp
}

// jsonServices lists the JSON services by target prefix.
func jsonServices(cfg Config) map[string]*jsonService {
	idp, identity := map[string]jsonOp{}, map[string]jsonOp{}
	if cfg.UserPools != nil {
		idp = cognitoIdpOps(cfg.UserPools)
	}
	if cfg.IdentityPools != nil {
		identity = cognitoIdentityOps(cfg.IdentityPools)
	}
	return map[string]*jsonService{
		"AWSCognitoIdentityProviderService": {Name: "cognito-idp", Ops: idp},
		"AWSCognitoIdentityService":         {Name: "cognito-identity", Ops: identity},
	}
}

// DecodeJSON decodes a JSON 1.1 request body into v. An empty body is an
// empty object. Errors are SerializationException, as AWS returns them.
func DecodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return awserr.Newf(400, "SerializationException", "Unexpected value type for field %q.", te.Field)
		}
		return awserr.New(400, "SerializationException", "The request body is not valid JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return awserr.New(400, "SerializationException", "Unexpected data after the JSON request body.")
	}
	return nil
}

func (h *Handler) serveJSON(w http.ResponseWriter, r *http.Request) {
	ri := info(r.Context())
	fail := func(err error) { h.writeError(w, r, protoJSON, err) }
	target := r.Header.Get("X-Amz-Target")
	prefix, opName, _ := strings.Cut(target, ".")
	ri.operation = opName
	svc, ok := h.json[prefix]
	if !ok {
		ri.service = prefix
		fail(awserr.Newf(400, "UnknownOperationException", "sekisho does not implement the service %s (X-Amz-Target %q).", prefix, target))
		return
	}
	ri.service = svc.Name
	if r.Method != http.MethodPost {
		fail(awserr.New(405, "UnknownOperationException", "JSON protocol requests must use POST."))
		return
	}
	bodyDeadline(r, APIBodyDeadline)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxAPIBody))
	if err != nil {
		fail(awserr.New(413, "SerializationException", "The request body is too large."))
		return
	}
	a, err := sigv4.Parse(r)
	if err != nil {
		fail(jsonAuthError(err))
		return
	}
	op, known := svc.Ops[opName]
	p := auth.AnonymousPrincipal
	if a.Scheme != sigv4.Unsigned {
		res, err := h.cfg.Verifier.Verify(r.Context(), r, a, sigv4.Options{Payload: body})
		if err != nil {
			fail(jsonAuthError(err))
			return
		}
		p = res.Principal
	} else if known && !op.Unauthenticated {
		fail(awserr.New(400, "MissingAuthenticationTokenException", "Missing Authentication Token"))
		return
	}
	ri.setPrincipal(p)
	if !known {
		fail(awserr.Newf(400, "UnknownOperationException", "sekisho does not implement the operation %s of %s.", opName, prefix))
		return
	}
	if op.Action != "" {
		var ref struct{ UserPoolId, IdentityPoolId string }
		json.Unmarshal(body, &ref)
		resource := "*"
		switch {
		case ref.UserPoolId != "":
			resource = "arn:aws:cognito-idp:" + h.cfg.Region + ":" + h.cfg.Account + ":userpool/" + ref.UserPoolId
		case ref.IdentityPoolId != "":
			resource = "arn:aws:cognito-identity:" + h.cfg.Region + ":" + h.cfg.Account + ":identitypool/" + ref.IdentityPoolId
		}
		if err := h.authorize(r.Context(), r, p, authzCheck{action: op.Action, resource: resource}); err != nil {
			fail(err)
			return
		}
	}
	ctx := r.Context()
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ctx = userpool.WithSourceIP(ctx, host)
	}
	out, err := op.Call(ctx, p, body)
	if err != nil {
		fail(err)
		return
	}
	if out == nil {
		out = struct{}{}
	}
	writeJSON(w, ri.id, http.StatusOK, out)
}
