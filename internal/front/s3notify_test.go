package front_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sekisho/sekisho/internal/front"
	"github.com/sekisho/sekisho/internal/lambdainvoke"
	"github.com/sekisho/sekisho/internal/lambdatest"
)

// TestS3Notifications: a notification configuration is checked as S3
// checks it and read back; object writes and deletes invoke the named
// Lambda function (for real, through the Invoke API) with S3's event
// message, filtered by event type and key, and a failing function is
// retried.
func TestS3Notifications(t *testing.T) {
	lam, err := lambdatest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer lam.Close()
	var failures atomic.Int32
	lam.Handle("thumbs", func(map[string]any) ([]byte, error) { return []byte("null"), nil })
	lam.Handle("audit", func(map[string]any) ([]byte, error) { return []byte("null"), nil })
	lam.Handle("flaky", func(map[string]any) ([]byte, error) {
		if failures.Add(1) == 1 {
			return nil, &lambdatest.FunctionError{Message: "first call fails"}
		}
		return []byte("null"), nil
	})
	srv, _, _ := frontServer(t, func(c *front.Config) {
		c.S3.Lambda = lambdainvoke.New(lam.URL, nil, nil, "us-east-1")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { c.S3.RunNotifications(ctx, 2); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
	})
	c := s3Client(srv)
	mustBucket(t, c, "photos")
	b := aws.String("photos")
	fn := func(name string) *string { return aws.String("arn:aws:lambda:us-east-1:000000000000:function:" + name) }
	rule := func(name, value string) types.FilterRule {
		return types.FilterRule{Name: types.FilterRuleName(name), Value: aws.String(value)}
	}
	put := func(cfg *types.NotificationConfiguration, skip bool) error {
		in := &s3.PutBucketNotificationConfigurationInput{Bucket: b, NotificationConfiguration: cfg}
		if skip {
			in.SkipDestinationValidation = aws.Bool(true)
		}
		_, err := c.PutBucketNotificationConfiguration(ctx, in)
		return err
	}
	for name, bad := range map[string]*types.NotificationConfiguration{
		"a queue, validated": {QueueConfigurations: []types.QueueConfiguration{{QueueArn: aws.String("arn:aws:sqs:us-east-1:000000000000:q"), Events: []types.Event{"s3:ObjectCreated:*"}}}},
		"a bad ARN":          {LambdaFunctionConfigurations: []types.LambdaFunctionConfiguration{{LambdaFunctionArn: aws.String("thumbs"), Events: []types.Event{"s3:ObjectCreated:*"}}}},
		"another region":     {LambdaFunctionConfigurations: []types.LambdaFunctionConfiguration{{LambdaFunctionArn: aws.String("arn:aws:lambda:eu-west-1:000000000000:function:thumbs"), Events: []types.Event{"s3:ObjectCreated:*"}}}},
		"an unknown event":   {LambdaFunctionConfigurations: []types.LambdaFunctionConfiguration{{LambdaFunctionArn: fn("thumbs"), Events: []types.Event{"s3:ObjectEaten:*"}}}},
		"overlapping": {LambdaFunctionConfigurations: []types.LambdaFunctionConfiguration{
			{LambdaFunctionArn: fn("thumbs"), Events: []types.Event{"s3:ObjectCreated:*"}, Filter: &types.NotificationConfigurationFilter{Key: &types.S3KeyFilter{FilterRules: []types.FilterRule{rule("prefix", "img/")}}}},
			{LambdaFunctionArn: fn("audit"), Events: []types.Event{"s3:ObjectCreated:Put"}, Filter: &types.NotificationConfigurationFilter{Key: &types.S3KeyFilter{FilterRules: []types.FilterRule{rule("prefix", "img/raw/")}}}}}},
		"two prefixes": {LambdaFunctionConfigurations: []types.LambdaFunctionConfiguration{{LambdaFunctionArn: fn("thumbs"), Events: []types.Event{"s3:ObjectCreated:*"},
			Filter: &types.NotificationConfigurationFilter{Key: &types.S3KeyFilter{FilterRules: []types.FilterRule{rule("prefix", "a"), rule("Prefix", "b")}}}}}},
	} {
		if err := put(bad, false); code(err) != "InvalidArgument" {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A queue is kept when validation is skipped (and never sent anything).
	if err := put(&types.NotificationConfiguration{QueueConfigurations: []types.QueueConfiguration{{QueueArn: aws.String("arn:aws:sqs:us-east-1:000000000000:q"), Events: []types.Event{"s3:ObjectCreated:*"}}}}, true); err != nil {
		t.Fatal(err)
	}
	cfg := &types.NotificationConfiguration{LambdaFunctionConfigurations: []types.LambdaFunctionConfiguration{
		{Id: aws.String("thumbnails"), LambdaFunctionArn: fn("thumbs"), Events: []types.Event{"s3:ObjectCreated:*"},
			Filter: &types.NotificationConfigurationFilter{Key: &types.S3KeyFilter{FilterRules: []types.FilterRule{rule("prefix", "img/"), rule("suffix", ".jpg")}}}},
		{LambdaFunctionArn: fn("audit"), Events: []types.Event{"s3:ObjectRemoved:*", "s3:ObjectTagging:Put"}},
		{LambdaFunctionArn: fn("flaky"), Events: []types.Event{"s3:ObjectCreated:Copy"}, Filter: &types.NotificationConfigurationFilter{Key: &types.S3KeyFilter{FilterRules: []types.FilterRule{rule("prefix", "copy")}}}},
	}}
	if err := put(cfg, false); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: b})
	if err != nil || len(got.LambdaFunctionConfigurations) != 3 || len(got.QueueConfigurations) != 0 || *got.LambdaFunctionConfigurations[0].Id != "thumbnails" ||
		got.LambdaFunctionConfigurations[1].Id == nil || len(got.LambdaFunctionConfigurations[0].Filter.Key.FilterRules) != 2 ||
		got.LambdaFunctionConfigurations[0].Filter.Key.FilterRules[0].Name != "Prefix" {
		t.Fatalf("configuration read back: %+v %v", got, err)
	}

	for _, k := range []string{"img/cat.jpg", "img/cat.png", "doc/a b.jpg"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String(k), Body: strings.NewReader("meow")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("copy.txt"), CopySource: aws.String("photos/img/cat.png")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: b, Key: aws.String("copy.txt"), Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("img/cat.png")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: b, Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("doc/a b.jpg")}, {Key: aws.String("copy.txt")}}}}); err != nil {
		t.Fatal(err)
	}
	// A failed write notifies nobody.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("img/x.jpg"), Body: strings.NewReader("x"), IfNoneMatch: aws.String("*")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("img/x.jpg"), Body: strings.NewReader("x"), IfNoneMatch: aws.String("*")}); code(err) != "PreconditionFailed" {
		t.Fatalf("second conditional put: %v", err)
	}

	wait := func(name string, n int) []lambdatest.Invocation {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			calls := lam.Calls(name)
			if len(calls) >= n || time.Now().After(deadline) {
				return calls
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	record := func(inv lambdatest.Invocation) map[string]any {
		recs, _ := inv.Event["Records"].([]any)
		if len(recs) != 1 {
			t.Fatalf("records: %v", inv.Event)
		}
		return recs[0].(map[string]any)
	}
	objOf := func(rec map[string]any) map[string]any { return rec["s3"].(map[string]any)["object"].(map[string]any) }

	thumbs := wait("thumbs", 2)
	if len(thumbs) != 2 {
		t.Fatalf("thumbs called %d times", len(thumbs))
	}
	r := record(thumbs[0])
	s3part := r["s3"].(map[string]any)
	if r["eventName"] != "ObjectCreated:Put" || r["eventSource"] != "aws:s3" || r["eventVersion"] != "2.1" || r["awsRegion"] != "us-east-1" ||
		s3part["configurationId"] != "thumbnails" || s3part["bucket"].(map[string]any)["arn"] != "arn:aws:s3:::photos" ||
		objOf(r)["key"] != "img/cat.jpg" || objOf(r)["size"] != float64(4) || len(fmt.Sprint(objOf(r)["eTag"])) != 32 ||
		r["userIdentity"].(map[string]any)["principalId"] != "000000000000" {
		t.Errorf("thumbs event: %v", r)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", r["eventTime"].(string)); err != nil {
		t.Errorf("eventTime: %v", err)
	}
	if k := objOf(record(thumbs[1]))["key"]; k != "img/x.jpg" {
		t.Errorf("second thumbnail: %v", k)
	}
	audit := wait("audit", 4)
	var seen []string
	for _, inv := range audit {
		r := record(inv)
		seen = append(seen, fmt.Sprint(r["eventName"], " ", objOf(r)["key"]))
	}
	want := "ObjectTagging:Put copy.txt|ObjectRemoved:Delete img/cat.png|ObjectRemoved:Delete doc/a+b.jpg|ObjectRemoved:Delete copy.txt"
	if strings.Join(seen, "|") != want {
		t.Errorf("audit events:\n%s\nwant\n%s", strings.Join(seen, "|"), want)
	}
	// The flaky function failed once and was called again.
	if calls := wait("flaky", 2); len(calls) != 2 || record(calls[1])["eventName"] != "ObjectCreated:Copy" {
		t.Errorf("flaky calls: %d", len(calls))
	}
	// Notifications off: nothing more.
	if err := put(&types.NotificationConfiguration{}, false); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: b}); err != nil || len(got.LambdaFunctionConfigurations) != 0 {
		t.Fatalf("after turning off: %+v %v", got, err)
	}
	lam.Reset()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("img/dog.jpg"), Body: strings.NewReader("woof")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if calls := lam.Calls(""); len(calls) != 0 {
		t.Errorf("calls after turning notifications off: %d", len(calls))
	}
}
