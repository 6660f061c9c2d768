// Package awserr defines the error value that every sekisho service returns
// to its callers and that the HTTP front renders in each protocol's shape.
//
// Services never write HTTP responses. They return an *Error carrying the
// AWS error code, a human message and the HTTP status AWS uses for that code;
// the front decides whether it becomes JSON, a query-protocol
// <ErrorResponse> or an S3 <Error> document. Errors that are not *Error are
// internal: the front logs them and answers InternalError without detail.
package awserr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS-shaped client or server error.
type Error struct {
	// Code is the AWS error code, e.g. "NoSuchBucket" or
	// "NotAuthorizedException".
	Code string
	// Message is the human-readable text AWS returns with Code.
	Message string
	// Status is the HTTP status code for the response.
	Status int
	// Sender is true when the fault is the caller's ("Sender" in the query
	// protocol's <Type>), false for server faults.
	Sender bool
	// Fields are extra elements some protocols add to the error body, such
	// as S3's <BucketName> or <Key>. Order is preserved.
	Fields []Field
	// Header holds extra response headers, such as S3's
	// x-amz-bucket-region or Allow for 405 responses.
	Header http.Header
	// Err is an underlying cause, kept for logs and errors.Is; it is never
	// shown to clients.
	Err error
}

// Field is one extra element of an error body.
type Field struct{ Name, Value string }

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s (%v)", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// With returns a copy of e that carries an extra body field.
func (e *Error) With(name, value string) *Error {
	c := *e
	c.Fields = append(append([]Field(nil), e.Fields...), Field{name, value})
	return &c
}

// WithHeader adds a response header (sent with the name as given) and
// returns e.
func (e *Error) WithHeader(name, value string) *Error {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header[name] = append(e.Header[name], value)
	return e
}

// WithErr returns a copy of e that wraps cause (for logs and errors.Is).
func (e *Error) WithErr(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// New returns a client error (Sender) with the given status.
func New(status int, code, message string) *Error {
	return &Error{Code: code, Message: message, Status: status, Sender: status < 500}
}

// Newf is New with a formatted message.
func Newf(status int, code, format string, args ...any) *Error {
	return New(status, code, fmt.Sprintf(format, args...))
}

// As reports whether err is (or wraps) an *Error and returns it.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Is reports whether err is an *Error with the given code.
func Is(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}
