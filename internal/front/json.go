package front

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/sigv4"
)

// jsonServices lists the JSON 1.1 services' tables by X-Amz-Target prefix.
func jsonServices(cfg Config) map[string]*table {
	idp, identity := map[string]*op{}, map[string]*op{}
	if cfg.UserPools != nil {
		idp = cognitoIdpOps(cfg.UserPools, cfg.PublicURL)
	}
	if cfg.IdentityPools != nil {
		identity = cognitoIdentityOps(cfg.IdentityPools)
	}
	org := map[string]*op{}
	if cfg.Accounts != nil {
		org = organizationsOps(cfg.Accounts, cfg.Account)
	}
	return map[string]*table{
		"AWSCognitoIdentityProviderService": {Service: "cognito-idp", Ops: idp},
		"AWSCognitoIdentityService":         {Service: "cognito-identity", Ops: identity},
		"AWSOrganizationsV20161128":         {Service: "organizations", Ops: org},
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

// jsonInput decodes a JSON 1.1 body.
type jsonInput []byte

func (b jsonInput) Decode(v any) error { return DecodeJSON(b, v) }

// jsonCodec is the JSON 1.1 protocol: the operation in X-Amz-Target, the
// parameters a JSON object, errors {"__type", "message"}.
type jsonCodec struct{ policyOnly }

func (jsonCodec) protocol() protocol { return protoJSON }

func (jsonCodec) read(h *Handler, c *apiCall) error {
	target := c.r.Header.Get("X-Amz-Target")
	prefix, name, _ := strings.Cut(target, ".")
	c.target, c.name = prefix, name
	t, ok := h.json[prefix]
	if !ok {
		c.service = prefix
		return awserr.Newf(400, "UnknownOperationException", "sekisho does not implement the service %s (X-Amz-Target %q).", prefix, target)
	}
	c.service = t.Service
	if c.r.Method != http.MethodPost {
		return awserr.New(405, "UnknownOperationException", "JSON protocol requests must use POST.")
	}
	bodyDeadline(c.r, APIBodyDeadline)
	body, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, MaxAPIBody))
	if err != nil {
		return awserr.New(413, "SerializationException", "The request body is too large.")
	}
	c.body, c.in, c.verify = body, jsonInput(body), sigv4.Options{Payload: body}
	return nil
}

func (jsonCodec) scope(*Handler, *apiCall, *sigv4.Auth) {}

func (jsonCodec) unknown(c *apiCall) error {
	return awserr.Newf(400, "UnknownOperationException", "sekisho does not implement the operation %s of %s.", c.name, c.target)
}

func (jsonCodec) missingAuth() error {
	return awserr.New(400, "MissingAuthenticationTokenException", "Missing Authentication Token")
}

func (jsonCodec) authError(err error) error { return jsonAuthError(err) }

func (jsonCodec) encode(h *Handler, c *apiCall, out any) {
	if out == nil {
		out = struct{}{}
	}
	writeJSON(c.w, info(c.r.Context()).id, http.StatusOK, out)
}

// poolResource is the ARN of the pool a Cognito call names: the
// ResourceArn it gives, else the service's own ARN (arnOf) of the pool id
// in its UserPoolId, or with identity its IdentityPoolId. It reads the
// body as the method will decode it (field names matched the same,
// case-insensitive way), so the pool authorized is the pool acted on.
func poolResource(arnOf func(id string) string, identity bool) func(c *apiCall) string {
	return func(c *apiCall) string {
		var ref struct{ UserPoolId, IdentityPoolId, ResourceArn string }
		json.Unmarshal(c.body, &ref) // a malformed body fails the method's decode
		id := ref.UserPoolId
		if identity {
			id = ref.IdentityPoolId
		}
		switch {
		case ref.ResourceArn != "":
			return ref.ResourceArn
		case id != "":
			return arnOf(id)
		}
		return "*"
	}
}
