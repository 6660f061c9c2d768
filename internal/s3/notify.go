package s3

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Event notifications. A bucket's notification configuration
// (ConfigNotification) names destinations for the events of its objects.
// Lambda functions are invoked for real, through the Lambda Invoke API
// (the Lambda field: the same invoker that runs user pools' triggers),
// with S3's event message, asynchronously and with two retries, as S3
// invokes them. sekisho serves neither SQS nor SNS: a queue or topic is
// refused unless the caller skips destination validation, and is then
// kept but never sent anything; so is an EventBridge configuration.
//
// The front reports each successful write or delete (Notify) after it
// has answered; whether a bucket has notifications is cached for ten
// seconds with its logging flag, so the check costs no store read.
// Events wait in memory (MaxPendingEvents) for the workers that
// RunNotifications starts: like S3's, delivery is at least once at best,
// and events not yet delivered when the process dies are lost.

// ConfigNotification is the configuration document of a bucket's event
// notifications.
const ConfigNotification = "notification"

// MaxPendingEvents bounds the events waiting for delivery.
const MaxPendingEvents = 10000

// Lambda invokes functions by ARN with the Invoke API.
type Lambda interface {
	Invoke(ctx context.Context, function string, payload []byte) ([]byte, error)
}

// reacher is a Lambda that can tell whether a function is reachable at
// all (lambdainvoke.Client: an endpoint or an override is configured).
type reacher interface{ Reaches(function string) bool }

// NotificationConfig is a bucket's notification configuration.
type NotificationConfig struct {
	Topics, Queues, Functions []NotificationTarget `json:",omitempty"`
	EventBridge               bool                 `json:",omitempty"`
}

// NotificationTarget is one destination, the events it receives and the
// key filter that narrows them.
type NotificationTarget struct {
	ID     string
	ARN    string
	Events []string
	// Prefix and Suffix are the filter's rules (nil: none).
	Prefix, Suffix *string `json:",omitempty"`
}

// notificationEvents are the event types a configuration may name.
var notificationEvents = map[string]bool{}

func init() {
	for _, e := range strings.Fields(`s3:ReducedRedundancyLostObject s3:ObjectCreated:* s3:ObjectCreated:Put s3:ObjectCreated:Post
		s3:ObjectCreated:Copy s3:ObjectCreated:CompleteMultipartUpload s3:ObjectRemoved:* s3:ObjectRemoved:Delete
		s3:ObjectRemoved:DeleteMarkerCreated s3:ObjectRestore:* s3:ObjectRestore:Post s3:ObjectRestore:Completed s3:ObjectRestore:Delete
		s3:Replication:* s3:Replication:OperationFailedReplication s3:Replication:OperationNotTracked s3:Replication:OperationMissedThreshold
		s3:Replication:OperationReplicatedAfterThreshold s3:LifecycleTransition s3:IntelligentTiering s3:ObjectAcl:Put
		s3:LifecycleExpiration:* s3:LifecycleExpiration:Delete s3:LifecycleExpiration:DeleteMarkerCreated s3:ObjectTagging:*
		s3:ObjectTagging:Put s3:ObjectTagging:Delete`) {
		notificationEvents[e] = true
	}
}

var (
	lambdaARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$`)
	queueARNRE  = regexp.MustCompile(`^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,80}$`)
	topicARNRE  = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$`)
)

func errNotification(msg string) *awserr.Error { return awserr.New(400, "InvalidArgument", msg) }

// PutBucketNotification replaces a bucket's notification configuration
// (an empty one turns notifications off). skipValidation is the
// x-amz-skip-destination-validation header.
func (s *Service) PutBucketNotification(ctx context.Context, bucket string, c *NotificationConfig, skipValidation bool) error {
	type kind struct {
		targets []NotificationTarget
		re      *regexp.Regexp
		what    string
	}
	var all []*NotificationTarget
	ids := map[string]bool{}
	for _, k := range []kind{{c.Topics, topicARNRE, "topic"}, {c.Queues, queueARNRE, "queue"}, {c.Functions, lambdaARNRE, "function"}} {
		for i := range k.targets {
			t := &k.targets[i]
			if !k.re.MatchString(t.ARN) {
				return errNotification("The ARN is not well formed").With("ArgumentName", t.ARN)
			}
			if len(t.Events) == 0 {
				return errMalformedXML()
			}
			for _, e := range t.Events {
				if !notificationEvents[e] {
					return errNotification("The event is not supported for notifications").With("ArgumentName", e)
				}
			}
			if k.what != "function" && !skipValidation {
				return errNotification("Unable to validate the following destination configurations").
					With("ArgumentName1", t.ARN).With("ArgumentValue1", "sekisho serves neither Amazon SQS nor Amazon SNS, so it cannot deliver to this "+k.what)
			}
			if k.what == "function" && !skipValidation && !s.reaches(t.ARN) {
				return errNotification("Unable to validate the following destination configurations").
					With("ArgumentName1", t.ARN).With("ArgumentValue1", "No Lambda endpoint is configured for this function (sekisho serve --lambda-endpoint)")
			}
			if t.ID == "" {
				var b [24]byte
				_, _ = rand.Read(b[:])
				t.ID = base64.StdEncoding.EncodeToString(b[:])
			}
			if ids[t.ID] {
				return errNotification("Same ID used for multiple configurations").With("ArgumentName", t.ID)
			}
			ids[t.ID] = true
			all = append(all, t)
		}
	}
	for i, a := range all {
		for _, b := range all[:i] {
			if overlaps(a, b) {
				return errNotification("Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.")
			}
		}
	}
	doc := ""
	if len(all) > 0 || c.EventBridge {
		v, _ := json.Marshal(c)
		doc = string(v)
	}
	return s.setConfig(ctx, bucket, ConfigNotification, doc, func(b *store.Bucket) error {
		for _, t := range all {
			if parts := strings.Split(t.ARN, ":"); parts[3] != b.Region {
				return errNotification("The notification destination service region is not valid for the bucket location constraint").
					With("ArgumentName", t.ARN).With("ArgumentValue", parts[3])
			}
		}
		return nil
	})
}

// reaches reports whether function's invocations have somewhere to go.
func (s *Service) reaches(function string) bool {
	if s.Lambda == nil {
		return false
	}
	if r, ok := s.Lambda.(reacher); ok {
		return r.Reaches(function)
	}
	return true
}

// overlaps reports whether two destinations would both receive one event:
// a shared event type and filters that can both match one key.
func overlaps(a, b *NotificationTarget) bool {
	shared := false
	for _, x := range a.Events {
		for _, y := range b.Events {
			if eventCovers(x, y) || eventCovers(y, x) {
				shared = true
			}
		}
	}
	if !shared {
		return false
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	pa, pb, sa, sb := str(a.Prefix), str(b.Prefix), str(a.Suffix), str(b.Suffix)
	prefixes := strings.HasPrefix(pa, pb) || strings.HasPrefix(pb, pa)
	suffixes := strings.HasSuffix(sa, sb) || strings.HasSuffix(sb, sa)
	return prefixes && suffixes
}

// eventCovers reports whether the configured type pattern (maybe
// "s3:ObjectCreated:*") covers the type ev ("s3:ObjectCreated:Put").
func eventCovers(pattern, ev string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(ev, p)
	}
	return pattern == ev
}

// GetBucketNotification returns a bucket's notification configuration
// (empty if it has none).
func (s *Service) GetBucketNotification(ctx context.Context, bucket string) (*NotificationConfig, error) {
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return notificationOf(b)
}

func notificationOf(b store.Bucket) (*NotificationConfig, error) {
	var c NotificationConfig
	if v := b.Config[ConfigNotification]; v != "" {
		if err := json.Unmarshal([]byte(v), &c); err != nil {
			return nil, fmt.Errorf("bucket %s: reading its notification configuration: %w", b.Name, err)
		}
	}
	return &c, nil
}

// ObjectEvent is what happened to one object, as a notification tells it.
type ObjectEvent struct {
	// Name is the event type without "s3:" ("ObjectCreated:Put").
	Name      string
	Key       string
	Size      int64
	ETag      string // quoted, as stored
	VersionID string
}

// EventSource is the request that caused events.
type EventSource struct {
	Time                             time.Time
	PrincipalID, SourceIP, RequestID string
}

type delivery struct {
	function string
	payload  []byte
}

type notifier struct {
	queue    chan delivery
	sequence atomic.Uint64
	dropped  atomic.Int64
}

func (s *Service) events() chan delivery {
	s.notifyOnce.Do(func() { s.notify.queue = make(chan delivery, MaxPendingEvents) })
	return s.notify.queue
}

// Notify queues the notifications events on bucket cause, if its
// configuration asks for them.
func (s *Service) Notify(ctx context.Context, bucket string, src EventSource, events []ObjectEvent) {
	if len(events) == 0 || !s.flags(ctx, bucket).notifies {
		return
	}
	b, err := s.getBucket(ctx, bucket)
	if err != nil {
		return
	}
	c, err := notificationOf(b)
	if err != nil {
		if s.Log != nil {
			s.Log.Warn("event notifications", "bucket", bucket, "err", err)
		}
		return
	}
	for _, ev := range events {
		for _, t := range c.Functions {
			if !t.wants(ev) {
				continue
			}
			payload := s.eventMessage(b, t.ID, src, ev)
			select {
			case s.events() <- delivery{t.ARN, payload}:
			default:
				s.notify.dropped.Add(1)
			}
		}
	}
}

func (t *NotificationTarget) wants(ev ObjectEvent) bool {
	if t.Prefix != nil && !strings.HasPrefix(ev.Key, *t.Prefix) || t.Suffix != nil && !strings.HasSuffix(ev.Key, *t.Suffix) {
		return false
	}
	for _, e := range t.Events {
		if eventCovers(e, "s3:"+ev.Name) {
			return true
		}
	}
	return false
}

// eventMessage is S3's event message (version 2.1) for one event.
func (s *Service) eventMessage(b store.Bucket, configID string, src EventSource, ev ObjectEvent) []byte {
	key := strings.ReplaceAll(url.QueryEscape(ev.Key), "%2F", "/")
	obj := map[string]any{"key": key, "sequencer": fmt.Sprintf("%016X", s.notify.sequence.Add(1))}
	if ev.ETag != "" {
		obj["size"] = ev.Size
		obj["eTag"] = strings.Trim(ev.ETag, `"`)
	}
	if ev.VersionID != "" {
		obj["versionId"] = ev.VersionID
	}
	rec := map[string]any{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": b.Region,
		"eventTime": src.Time.UTC().Format("2006-01-02T15:04:05.000Z"), "eventName": ev.Name,
		"userIdentity":      map[string]any{"principalId": src.PrincipalID},
		"requestParameters": map[string]any{"sourceIPAddress": src.SourceIP},
		"responseElements":  map[string]any{"x-amz-request-id": src.RequestID, "x-amz-id-2": src.RequestID},
		"s3": map[string]any{
			"s3SchemaVersion": "1.0", "configurationId": configID,
			"bucket": map[string]any{"name": b.Name, "ownerIdentity": map[string]any{"principalId": b.Owner}, "arn": "arn:aws:s3:::" + b.Name},
			"object": obj,
		},
	}
	out, _ := json.Marshal(map[string]any{"Records": []any{rec}})
	return out
}

// notifyRetries are the waits before each retry of a failed invocation
// (Lambda retries asynchronous invocations twice).
var notifyRetries = []time.Duration{time.Second, 2 * time.Second}

// RunNotifications delivers queued events with workers until ctx ends,
// then for up to ten more seconds delivers what is already queued.
func (s *Service) RunNotifications(ctx context.Context, workers int) {
	q := s.events()
	done := make(chan struct{})
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case d := <-q:
					s.deliverEvent(ctx, d)
				case <-ctx.Done():
					drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
					defer cancel()
					for {
						select {
						case d := <-q:
							s.deliverEvent(drain, d)
						default:
							return
						}
						if drain.Err() != nil {
							return
						}
					}
				}
			}
		}()
	}
	for range workers {
		<-done
	}
}

func (s *Service) deliverEvent(ctx context.Context, d delivery) {
	var err error
	for attempt := 0; ; attempt++ {
		if s.Lambda == nil {
			err = fmt.Errorf("no Lambda endpoint is configured")
			break
		}
		if _, err = s.Lambda.Invoke(ctx, d.function, d.payload); err == nil {
			return
		}
		if attempt >= len(notifyRetries) {
			break
		}
		select {
		case <-time.After(notifyRetries[attempt]):
		case <-ctx.Done():
		}
	}
	if s.Log != nil {
		s.Log.Warn("event notification not delivered", "function", d.function, "err", err)
	}
}
