package lambdainvoke

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/sekisho/sekisho/internal/lambdatest"
	"github.com/sekisho/sekisho/internal/userpool"
)

func server(t testing.TB) *lambdatest.Server {
	s, err := lambdatest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.Handle("echo", func(ev map[string]any) ([]byte, error) { return nil, nil })
	s.Handle("throws", func(ev map[string]any) ([]byte, error) { return nil, errors.New("no entry") })
	return s
}

// TestInvoke: names and qualifiers in the path, signing, a function's
// error, the Invoke API's own error, an endpoint that is down, none set.
func TestInvoke(t *testing.T) {
	s := server(t)
	c := New(s.URL, nil, credentials.NewStaticCredentialsProvider("AKID", "secret", ""), "us-east-1")
	out, err := c.Invoke(context.Background(), "arn:aws:lambda:ap-northeast-1:123456789012:function:echo:live", []byte(`{"a":1}`))
	if err != nil || string(out) != `{"a":1}` {
		t.Fatalf("echo: %s %v", out, err)
	}
	if calls := s.Calls("echo"); len(calls) != 1 || !calls[0].Signed {
		t.Errorf("calls: %+v", calls)
	}
	var le *userpool.LambdaError
	if _, err := c.Invoke(context.Background(), "throws", []byte(`{}`)); !errors.As(err, &le) || !le.Function || le.Message != "no entry" {
		t.Errorf("a function error: %v", err)
	}
	if _, err := c.Invoke(context.Background(), "absent", []byte(`{}`)); !errors.As(err, &le) || le.Function || le.Message != "ResourceNotFoundException" {
		t.Errorf("a missing function: %v", err)
	}
	down := New("http://127.0.0.1:1", nil, nil, "us-east-1")
	if _, err := down.Invoke(context.Background(), "echo", []byte(`{}`)); !errors.As(err, &le) || le.Function || !strings.Contains(le.Message, "invoking Lambda") {
		t.Errorf("an endpoint that is down: %v", err)
	}
	if _, err := New("", nil, nil, "us-east-1").Invoke(context.Background(), "echo", []byte(`{}`)); !errors.As(err, &le) || le.Message != "AccessDeniedException" {
		t.Errorf("no endpoint: %v", err)
	}
	// A per-function endpoint with a path (the Runtime Interface
	// Emulator's fixed one) is used as it is.
	o := New("http://127.0.0.1:1", map[string]string{"echo": s.URL + "/2015-03-31/functions/echo/invocations"}, nil, "us-east-1")
	if out, err := o.Invoke(context.Background(), "echo", []byte(`{"b":2}`)); err != nil || string(out) != `{"b":2}` {
		t.Errorf("override: %s %v", out, err)
	}
	// A hang ends at the timeout.
	s.Handle("hang", func(ev map[string]any) ([]byte, error) { time.Sleep(Timeout + time.Second); return nil, nil })
	start := time.Now()
	if _, err := c.Invoke(context.Background(), "hang", []byte(`{}`)); !errors.As(err, &le) || !strings.Contains(le.Message, "timeout") || time.Since(start) > Timeout+500*time.Millisecond {
		t.Errorf("a hang: %v after %v", err, time.Since(start))
	}
}

// BenchmarkInvoke is one signed invocation of a function that returns its
// event at once, over loopback with a kept-alive connection: the overhead
// a trigger adds beyond the function's own time.
func BenchmarkInvoke(b *testing.B) {
	s := server(b)
	c := New(s.URL, nil, credentials.NewStaticCredentialsProvider("AKID", "secret", ""), "us-east-1")
	payload := []byte(`{"version":"1","triggerSource":"PreAuthentication_Authentication","region":"us-east-1","userPoolId":"us-east-1_abc","userName":"bench","callerContext":{"awsSdkVersion":"aws-sdk-unknown-unknown","clientId":"c"},"request":{"userAttributes":{"sub":"x","email":"bench@example.com"}},"response":{}}`)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Invoke(ctx, "echo", payload); err != nil {
			b.Fatal(err)
		}
	}
}
