// Package lambdainvoke calls Lambda functions through the standard Invoke
// API (POST /2015-03-31/functions/<name>/invocations), SigV4-signed for the
// service "lambda": AWS Lambda itself, `sam local start-lambda`, the Lambda
// Runtime Interface Emulator, or any emulator of the API. It is what runs
// user pools' triggers.
package lambdainvoke

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sekisho/sekisho/internal/userpool"
)

// Timeout is how long a trigger may take, as Cognito allows.
const Timeout = 5 * time.Second

// maxResponse bounds what a function may answer (Lambda's own limit for a
// synchronous response is 6 MB).
const maxResponse = 6 << 20

// Client invokes functions.
type Client struct {
	// Endpoint is the Invoke API's base URL ("" : none, every invocation
	// fails as one Cognito cannot make).
	Endpoint string
	// Overrides are base URLs by function name (a URL with a path is used
	// as it is, for the Runtime Interface Emulator's fixed path).
	Overrides map[string]string
	// Credentials sign the requests (unsigned if nil).
	Credentials aws.CredentialsProvider
	// Region signs requests for functions named without one.
	Region string
	// HTTP is the client (a keep-alive client with Timeout if nil).
	HTTP *http.Client
}

// New makes a client with a transport that reuses connections.
func New(endpoint string, overrides map[string]string, creds aws.CredentialsProvider, region string) *Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: Timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     90 * time.Second,
	}
	return &Client{Endpoint: endpoint, Overrides: overrides, Credentials: creds, Region: region, HTTP: &http.Client{Transport: tr, Timeout: Timeout}}
}

// name splits a function ARN (or a bare name) into its name, qualifier
// and region.
func name(function string) (fn, qualifier, region string) {
	if !strings.HasPrefix(function, "arn:") {
		fn, qualifier, _ = strings.Cut(function, ":")
		return fn, qualifier, ""
	}
	// arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
	parts := strings.Split(function, ":")
	if len(parts) >= 7 {
		fn = parts[6]
		if len(parts) >= 8 {
			qualifier = parts[7]
		}
		return fn, qualifier, parts[3]
	}
	return function, "", ""
}

// Reaches reports whether the client has somewhere to send function's
// invocations: an endpoint, or an override for its name.
func (c *Client) Reaches(function string) bool {
	fn, _, _ := name(function)
	_, ok := c.Overrides[fn]
	return c.Endpoint != "" || ok
}

// Invoke implements userpool.Lambda.
func (c *Client) Invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	fn, qualifier, region := name(function)
	base := c.Endpoint
	target := ""
	if o, ok := c.Overrides[fn]; ok {
		base = o
		if u, err := url.Parse(o); err == nil && strings.Trim(u.Path, "/") != "" {
			target = o
		}
	}
	if base == "" {
		return nil, &userpool.LambdaError{Message: "AccessDeniedException"}
	}
	if target == "" {
		target = strings.TrimSuffix(base, "/") + "/2015-03-31/functions/" + url.PathEscape(fn) + "/invocations"
		if qualifier != "" {
			target += "?Qualifier=" + url.QueryEscape(qualifier)
		}
	}
	if region == "" {
		region = c.Region
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(payload))
	if err != nil {
		return nil, &userpool.LambdaError{Message: "InvalidEndpoint"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Invocation-Type", "RequestResponse")
	if c.Credentials != nil {
		cred, err := c.Credentials.Retrieve(ctx)
		if err != nil {
			return nil, &userpool.LambdaError{Message: "AccessDeniedException"}
		}
		sum := sha256.Sum256(payload)
		if err := v4.NewSigner().SignHTTP(ctx, cred, req, hex.EncodeToString(sum[:]), "lambda", region, time.Now()); err != nil {
			return nil, &userpool.LambdaError{Message: "AccessDeniedException"}
		}
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return nil, &userpool.LambdaError{Message: "Socket timeout while invoking Lambda function"}
		}
		return nil, &userpool.LambdaError{Message: "Connection failed while invoking Lambda function"}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return nil, &userpool.LambdaError{Message: "Socket timeout while invoking Lambda function"}
		}
		return nil, &userpool.LambdaError{Message: "Connection failed while invoking Lambda function"}
	}
	if len(body) > maxResponse {
		return nil, &userpool.LambdaError{Message: "ResponseSizeTooLarge"}
	}
	if resp.StatusCode/100 != 2 {
		// The Invoke API's own error: its type names it.
		kind := resp.Header.Get("X-Amzn-Errortype")
		if i := strings.IndexByte(kind, ':'); i >= 0 {
			kind = kind[:i]
		}
		if kind == "" {
			var e struct{ Type, Code, Message string }
			json.Unmarshal(body, &e)
			kind = e.Type
			if kind == "" {
				kind = e.Code
			}
		}
		if kind == "" {
			kind = fmt.Sprintf("HTTP %d", resp.StatusCode)
		}
		return nil, &userpool.LambdaError{Message: kind}
	}
	if resp.Header.Get("X-Amz-Function-Error") != "" {
		var e struct {
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		}
		if json.Unmarshal(body, &e) != nil || e.ErrorMessage == "" {
			e.ErrorMessage = strings.TrimSpace(string(body))
		}
		return nil, &userpool.LambdaError{Function: true, Message: e.ErrorMessage}
	}
	return body, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
