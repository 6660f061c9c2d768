// Package lambdatest is a small Lambda Invoke API server for tests: each
// function is a Go func that reads the Cognito trigger event and fills its
// response, and every invocation is recorded (the event as sent, and
// whether it was signed), so tests compare events with AWS's documented
// shapes and responses with their effects. Point sekisho at it with
// --lambda-endpoint.
package lambdatest

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Func answers one invocation: it may change event["response"] (the event
// is then returned as the function's result), return an error (a
// function error, as a thrown exception), or return Raw to answer those
// bytes instead.
type Func func(event map[string]any) (Raw []byte, err error)

// Invocation is one recorded call.
type Invocation struct {
	Function string
	Event    map[string]any
	Signed   bool // the request carried a SigV4 Authorization for lambda
}

// Server is the Invoke API.
type Server struct {
	URL string

	mu    sync.Mutex
	funcs map[string]Func
	calls []Invocation
	srv   *http.Server
	ln    net.Listener
}

// Start listens on a loopback port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), funcs: map[string]Func{}, ln: ln}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Handle sets the function of a name.
func (s *Server) Handle(name string, fn Func) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.funcs[name] = fn
}

// Calls returns the recorded invocations of a function ("" for all).
func (s *Server) Calls(name string) []Invocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Invocation
	for _, c := range s.calls {
		if name == "" || c.Function == name {
			out = append(out, c)
		}
	}
	return out
}

// Reset forgets the recorded invocations.
func (s *Server) Reset() {
	s.mu.Lock()
	s.calls = nil
	s.mu.Unlock()
}

// Response is a convenience for a Func: the event's response object.
func Response(event map[string]any) map[string]any {
	r, _ := event["response"].(map[string]any)
	if r == nil {
		r = map[string]any{}
		event["response"] = r
	}
	return r
}

// ServeHTTP implements the Invoke API's one route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/2015-03-31/functions/")
	rest, ok2 := strings.CutSuffix(rest, "/invocations")
	if !ok || !ok2 || r.Method != http.MethodPost {
		w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
		http.Error(w, `{"Type":"User","message":"not found"}`, http.StatusNotFound)
		return
	}
	name, _ := url.PathUnescape(rest)
	if i := strings.LastIndex(name, ":function:"); i >= 0 { // an ARN
		name = strings.SplitN(name[i+len(":function:"):], ":", 2)[0]
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 6<<20))
	if err != nil {
		return
	}
	var event map[string]any
	if err := json.Unmarshal(body, &event); err != nil {
		w.Header().Set("X-Amzn-Errortype", "InvalidRequestContentException")
		http.Error(w, `{"Type":"User","message":"Could not parse request body into json"}`, http.StatusBadRequest)
		return
	}
	signed := strings.Contains(r.Header.Get("Authorization"), "/lambda/aws4_request")
	s.mu.Lock()
	fn := s.funcs[name]
	s.calls = append(s.calls, Invocation{Function: name, Event: clone(event), Signed: signed})
	s.mu.Unlock()
	if fn == nil {
		w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"Type":"User","Message":"Function not found: ` + name + `"}`))
		return
	}
	raw, err := fn(event)
	w.Header().Set("Content-Type", "application/json")
	var fe *FunctionError
	switch {
	case errors.As(err, &fe) || err != nil:
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		b, _ := json.Marshal(map[string]any{"errorType": "Error", "errorMessage": err.Error()})
		w.Write(b)
	case raw != nil:
		w.Write(raw)
	default:
		b, _ := json.Marshal(event)
		w.Write(b)
	}
}

// FunctionError is an error a Func returns to be a thrown exception.
type FunctionError struct{ Message string }

func (e *FunctionError) Error() string { return e.Message }

func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}
