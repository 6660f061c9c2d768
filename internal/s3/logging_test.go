package s3

import (
	"context"
	"strings"
	"testing"

	"github.com/sekisho/sekisho/internal/awserr"
)

// TestAccessLogTargets: a target of another owner is refused in S3's
// words; with ACLs enabled, a WRITE grant to the LogDelivery group lets
// logs in, and a Deny in the target's policy keeps them out.
func TestAccessLogTargets(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	for _, b := range []struct{ name, owner string }{{"src", "111111111111"}, {"mine", "111111111111"}, {"theirs", "222222222222"}} {
		if err := s.CreateBucket(ctx, b.name, "", b.owner); err != nil {
			t.Fatal(err)
		}
	}
	err := s.PutBucketLogging(ctx, "src", &LoggingConfig{TargetBucket: "theirs"})
	if e, ok := awserr.As(err); !ok || e.Code != "InvalidTargetBucketForLogging" || !strings.Contains(e.Message, "must be the same") {
		t.Fatalf("another owner's target: %v", err)
	}
	for _, bad := range []LoggingConfig{
		{TargetBucket: "mine", KeyFormat: PartitionedPrefix, DateSource: "Yesterday"},
		{TargetBucket: "mine", KeyFormat: SimplePrefix, DateSource: "EventTime"},
		{TargetBucket: "mine", TargetGrants: []Grant{{ID: "x", URI: LogDelivery, Permission: PermRead}}},
		{TargetBucket: ""},
	} {
		if err := s.PutBucketLogging(ctx, "src", &bad); !awserr.Is(err, "MalformedXML") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if err := s.PutBucketLogging(ctx, "src", &LoggingConfig{TargetBucket: "mine", TargetPrefix: "src/"}); err != nil {
		t.Fatal(err)
	}
	logOne := func() AccessLogStats {
		t.Helper()
		s.LogAccess(ctx, AccessRecord{Bucket: "src", Operation: "REST.GET.BUCKET", Status: 200, TurnAround: -1})
		s.LogAccess(ctx, AccessRecord{Bucket: "mine", Operation: "REST.GET.BUCKET", Status: 200}) // does not log
		st, err := s.DeliverAccessLogs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := logOne(); st.Objects != 0 || st.Refused != 1 {
		t.Errorf("no grant, no policy: %+v", st)
	}
	if err := s.PutOwnershipControls(ctx, "mine", ObjectWriter); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBucketACL(ctx, "mine", &ACLRequest{Grants: []Grant{{URI: LogDelivery, Permission: PermWrite}}}); err != nil {
		t.Fatal(err)
	}
	if st := logOne(); st.Objects != 1 || st.Lines != 1 {
		t.Errorf("LogDelivery WRITE grant: %+v", st)
	}
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::mine/*"}]}`
	if err := s.PutBucketPolicy(ctx, "mine", deny); err != nil {
		t.Fatal(err)
	}
	if st := logOne(); st.Objects != 0 || st.Refused != 1 {
		t.Errorf("a Deny beats the grant: %+v", st)
	}
	out, err := s.ListObjectsV2(ctx, ListInput{Bucket: "mine", MaxKeys: 1000})
	if err != nil || len(out.Objects) != 1 || !strings.HasPrefix(out.Objects[0].Key, "src/") {
		t.Fatalf("log objects: %+v %v", out, err)
	}
	// A bucket that is gone takes its waiting lines with it.
	s.LogAccess(ctx, AccessRecord{Bucket: "src", Status: 200})
	if err := s.DeleteBucket(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	if st, err := s.DeliverAccessLogs(ctx); err != nil || st.Objects != 0 {
		t.Errorf("deleted source: %+v %v", st, err)
	}
}

// TestAccessLogLine: the fields of S3's format, "-" for what is missing,
// quotes kept inside quoted fields.
func TestAccessLogLine(t *testing.T) {
	r := AccessRecord{Bucket: "b", RequestID: "ID", Operation: "REST.GET.OBJECT", Key: "a b/ü", RequestURI: `GET /b/a "x" HTTP/1.1`,
		Status: 200, BytesSent: 5, ObjectSize: 5, TotalTime: 3e6, TurnAround: -1, UserAgent: "ua"}
	got := r.line("111111111111")
	want := `111111111111 b [01/Jan/0001:00:00:00 +0000] - - ID REST.GET.OBJECT a%20b/%C3%BC "GET /b/a \"x\" HTTP/1.1" 200 - 5 5 3 - "-" "ua" - - - - - - - - -` + "\n"
	if got != want {
		t.Errorf("line:\n%s\nwant\n%s", got, want)
	}
}

// BenchmarkLogAccess: keeping one request's log line for a bucket that
// logs (the check is cached; formatting and appending remain).
func BenchmarkLogAccess(b *testing.B) {
	ctx := context.Background()
	s, _ := newService(b)
	for _, name := range []string{"src", "logs"} {
		if err := s.CreateBucket(ctx, name, "", "111111111111"); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.PutBucketLogging(ctx, "src", &LoggingConfig{TargetBucket: "logs"}); err != nil {
		b.Fatal(err)
	}
	rec := AccessRecord{Bucket: "src", RequestID: "0123456789ABCDEF", Operation: "REST.GET.OBJECT", Key: "photos/2026/cat.jpg",
		RequestURI: "GET /src/photos/2026/cat.jpg HTTP/1.1", Status: 200, BytesSent: 4096, ObjectSize: 4096, UserAgent: "aws-cli/2"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.LogAccess(ctx, rec)
		if i%100000 == 99999 {
			s.accessLogs.mu.Lock()
			s.accessLogs.pending, s.accessLogs.size = nil, 0
			s.accessLogs.mu.Unlock()
		}
	}
}
