package front_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sekisho/sekisho/internal/front"
	s3svc "github.com/sekisho/sekisho/internal/s3"
)

// TestS3AccessLogging: PutBucketLogging's checks in S3's words, the
// configuration read back, and requests to a logging bucket delivered as
// S3 server access log lines into its target, only once the target's
// policy lets the logging service write.
func TestS3AccessLogging(t *testing.T) {
	var svc *s3svc.Service
	srv, _, _ := frontServer(t, func(c *front.Config) { svc = c.S3 })
	c := s3Client(srv)
	mustBucket(t, c, "site")
	mustBucket(t, c, "site-logs")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("far-logs"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}); err != nil {
		t.Fatal(err)
	}
	site := aws.String("site")
	out, err := c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: site})
	if err != nil || out.LoggingEnabled != nil {
		t.Fatalf("no logging yet: %+v %v", out, err)
	}
	put := func(e *types.LoggingEnabled) error {
		_, err := c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: site, BucketLoggingStatus: &types.BucketLoggingStatus{LoggingEnabled: e}})
		return err
	}
	for _, tc := range []struct {
		e    *types.LoggingEnabled
		code string
	}{
		{&types.LoggingEnabled{TargetBucket: aws.String("no-such-logs"), TargetPrefix: aws.String("")}, "InvalidTargetBucketForLogging"},
		{&types.LoggingEnabled{TargetBucket: aws.String("far-logs"), TargetPrefix: aws.String("")}, "CrossLocationLoggingProhibitted"},
		{&types.LoggingEnabled{TargetBucket: aws.String("site-logs"), TargetPrefix: aws.String(""), TargetGrants: []types.TargetGrant{
			{Grantee: &types.Grantee{Type: types.TypeCanonicalUser, ID: aws.String("000000000000")}, Permission: "NOTAREALPERM"}}}, "MalformedXML"},
	} {
		if err := put(tc.e); code(err) != tc.code {
			t.Errorf("PutBucketLogging to %s: %v, want %s", *tc.e.TargetBucket, err, tc.code)
		}
	}
	if _, err := c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: aws.String("nope"), BucketLoggingStatus: &types.BucketLoggingStatus{
		LoggingEnabled: &types.LoggingEnabled{TargetBucket: aws.String("site-logs"), TargetPrefix: aws.String("")}}}); code(err) != "NoSuchBucket" {
		t.Errorf("logging of a missing bucket: %v", err)
	}
	err = put(&types.LoggingEnabled{TargetBucket: aws.String("site-logs"), TargetPrefix: aws.String("logs/"),
		TargetGrants:          []types.TargetGrant{{Grantee: &types.Grantee{Type: types.TypeGroup, URI: aws.String("http://acs.amazonaws.com/groups/global/AuthenticatedUsers")}, Permission: types.BucketLogsPermissionRead}},
		TargetObjectKeyFormat: &types.TargetObjectKeyFormat{PartitionedPrefix: &types.PartitionedPrefix{PartitionDateSource: types.PartitionDateSourceEventTime}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err = c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: site})
	if err != nil || out.LoggingEnabled == nil || *out.LoggingEnabled.TargetBucket != "site-logs" || *out.LoggingEnabled.TargetPrefix != "logs/" ||
		len(out.LoggingEnabled.TargetGrants) != 1 || out.LoggingEnabled.TargetGrants[0].Permission != types.BucketLogsPermissionRead ||
		out.LoggingEnabled.TargetObjectKeyFormat.PartitionedPrefix.PartitionDateSource != types.PartitionDateSourceEventTime {
		t.Fatalf("logging read back: %+v %v", out.LoggingEnabled, err)
	}

	// traffic makes six requests, and returns the signature of the
	// presigned URL it used, which must never reach a log.
	traffic := func() string {
		t.Helper()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: site, Key: aws.String("index page.html"), Body: strings.NewReader("<h1>hi</h1>")}); err != nil {
			t.Fatal(err)
		}
		get(t, c, "site", "index page.html")
		if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: site, Key: aws.String("missing")}); code(err) != "NoSuchKey" {
			t.Fatalf("missing key: %v", err)
		}
		if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: site}); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(srv.URL + "/site/index%20page.html")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		pre, err := s3.NewPresignClient(c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: site, Key: aws.String("index page.html")})
		if err != nil {
			t.Fatal(err)
		}
		if resp, err = http.Get(pre.URL); err != nil || resp.StatusCode != 200 {
			t.Fatalf("presigned GET: %v %v", resp, err)
		}
		resp.Body.Close()
		_, sig, _ := strings.Cut(pre.URL, "X-Amz-Signature=")
		return sig
	}
	logObjects := func() []string {
		t.Helper()
		l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("site-logs")})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range l.Contents {
			keys = append(keys, *o.Key)
		}
		return keys
	}

	// Without the target's permission nothing is delivered.
	traffic()
	st, err := svc.DeliverAccessLogs(ctx)
	if err != nil || st.Objects != 0 || st.Refused != 1 || len(logObjects()) != 0 {
		t.Fatalf("delivery the target does not allow: %+v %v %v", st, err, logObjects())
	}

	// The policy S3's documentation gives for log delivery.
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject",
		"Resource":"arn:aws:s3:::site-logs/logs/*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::site"},"StringEquals":{"aws:SourceAccount":"000000000000"}}}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("site-logs"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	sig := traffic()
	st, err = svc.DeliverAccessLogs(ctx)
	if err != nil || st.Objects != 1 || st.Lines != 6 {
		t.Fatalf("delivery: %+v %v", st, err)
	}
	keys := logObjects()
	day := time.Now().UTC().Format("2006/01/02")
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "logs/000000000000/us-east-1/site/"+day+"/") {
		t.Fatalf("log objects: %v", keys)
	}
	body := string(get(t, c, "site-logs", keys[0]))
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines:\n%s", len(lines), body)
	}
	want := []struct{ op, key, status, errCode, requester, auth string }{
		{"REST.PUT.OBJECT", "index%20page.html", "200", "-", "000000000000", "AuthHeader"},
		{"REST.GET.OBJECT", "index%20page.html", "200", "-", "000000000000", "AuthHeader"},
		{"REST.GET.OBJECT", "missing", "404", "NoSuchKey", "000000000000", "AuthHeader"},
		{"REST.GET.BUCKET", "-", "200", "-", "000000000000", "AuthHeader"},
		{"REST.GET.OBJECT", "index%20page.html", "403", "AccessDenied", "-", "-"},
		{"REST.GET.OBJECT", "index%20page.html", "200", "-", "000000000000", "QueryString"},
	}
	for i, l := range lines {
		f := logFields(l)
		if len(f) != 26 {
			t.Fatalf("line %d has %d fields: %s", i, len(f), l)
		}
		w := want[i]
		if f[0] != "000000000000" || f[1] != "site" || f[6] != w.op || f[7] != w.key || f[9] != w.status || f[10] != w.errCode ||
			f[4] != w.requester || f[21] != w.auth || f[3] != "127.0.0.1" || len(f[5]) != 16 {
			t.Errorf("line %d: %q", i, f)
		}
		if size := map[string]string{"200": "11", "404": "-", "403": "-"}[w.status]; w.key != "-" && f[12] != size {
			t.Errorf("line %d: object size %s, want %s", i, f[12], size)
		}
		if _, err := time.Parse("[02/Jan/2006:15:04:05 -0700]", f[2]); err != nil {
			t.Errorf("time %q: %v", f[2], err)
		}
	}
	if sig == "" || strings.Contains(body, sig) || !strings.Contains(lines[5], "X-Amz-Signature=REDACTED") {
		t.Errorf("a presigned URL's signature reached the log: %s", lines[5])
	}
	// The target's own reads are not logged: it does not log.
	if st, _ := svc.DeliverAccessLogs(ctx); st.Objects != 0 {
		t.Errorf("nothing waiting, yet: %+v", st)
	}

	// Disabled: no more lines.
	if _, err := c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: site, BucketLoggingStatus: &types.BucketLoggingStatus{}}); err != nil {
		t.Fatal(err)
	}
	if out, err := c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: site}); err != nil || out.LoggingEnabled != nil {
		t.Fatalf("disabled: %+v %v", out, err)
	}
	traffic()
	if st, err := svc.DeliverAccessLogs(ctx); err != nil || st.Objects != 0 || st.Refused != 0 {
		t.Errorf("after disabling: %+v %v", st, err)
	}
}

// logFields splits an access log line: fields are separated by spaces;
// [time] and "quoted" fields may hold spaces.
func logFields(l string) []string {
	var out []string
	for len(l) > 0 {
		var f string
		switch l[0] {
		case '[':
			end := strings.IndexByte(l, ']')
			f, l = l[:end+1], l[end+1:]
		case '"':
			end := 1
			for end < len(l) && (l[end] != '"' || l[end-1] == '\\') {
				end++
			}
			f, l = l[:end+1], l[end+1:]
		default:
			end := strings.IndexByte(l, ' ')
			if end < 0 {
				end = len(l)
			}
			f, l = l[:end], l[end:]
		}
		out = append(out, f)
		l = strings.TrimPrefix(l, " ")
	}
	return out
}
