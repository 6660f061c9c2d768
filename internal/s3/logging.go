package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/store"
)

// Server access logging.
//
// A bucket's logging configuration (ConfigLogging) names a target bucket
// of the same owner in the same region. The front hands every request to
// a bucket to LogAccess, which keeps the bucket's log lines in memory
// when the bucket logs; DeliverAccessLogs, run every few minutes and at
// shutdown, writes each bucket's lines as one object in its target
// bucket. As in S3, delivery is best effort: the target must allow it
// (a bucket policy allowing the logging.s3.amazonaws.com service
// s3:PutObject, or, where ACLs are enabled, a WRITE grant to the
// LogDelivery group), lines are dropped when it does not, and lines not
// yet delivered when the process dies are lost.

// ConfigLogging is the configuration document of a bucket's logging.
const ConfigLogging = "logging"

// LoggingService is the service principal that delivers access logs.
const LoggingService = "logging.s3.amazonaws.com"

// LoggingConfig is where a bucket's access logs go.
type LoggingConfig struct {
	TargetBucket string
	TargetPrefix string
	TargetGrants []Grant `json:",omitempty"`
	// KeyFormat is "" (none given), "SimplePrefix" or "PartitionedPrefix";
	// DateSource, for the latter, is "EventTime" or "DeliveryTime" ("" if
	// not given: EventTime).
	KeyFormat  string `json:",omitempty"`
	DateSource string `json:",omitempty"`
}

// logging key formats.
const (
	SimplePrefix      = "SimplePrefix"
	PartitionedPrefix = "PartitionedPrefix"
)

func errLoggingTarget(msg, target string) error {
	return awserr.New(400, "InvalidTargetBucketForLogging", msg).With("TargetBucket", target)
}

// PutBucketLogging enables (c != nil) or disables (c == nil) a bucket's
// access logging.
func (s *Service) PutBucketLogging(ctx context.Context, bucket string, c *LoggingConfig) error {
	if c == nil {
		return s.setConfig(ctx, bucket, ConfigLogging, "", nil)
	}
	for _, g := range c.TargetGrants {
		switch g.Permission {
		case PermFullControl, PermRead, PermWrite:
		default:
			return errMalformedXML()
		}
		if (g.ID == "") == (g.URI == "") {
			return errMalformedXML()
		}
	}
	switch {
	case c.KeyFormat == "" && c.DateSource == "", c.KeyFormat == SimplePrefix && c.DateSource == "":
	case c.KeyFormat == PartitionedPrefix && (c.DateSource == "" || c.DateSource == "EventTime" || c.DateSource == "DeliveryTime"):
	default:
		return errMalformedXML()
	}
	if c.TargetBucket == "" {
		return errMalformedXML()
	}
	target, err := s.Bucket(ctx, c.TargetBucket)
	if awserr.Is(err, "NoSuchBucket") {
		return errLoggingTarget("The target bucket for logging does not exist", c.TargetBucket)
	}
	if err != nil {
		return err
	}
	doc, _ := json.Marshal(c)
	return s.setConfig(ctx, bucket, ConfigLogging, string(doc), func(b *store.Bucket) error {
		if b.Owner != target.Owner {
			return errLoggingTarget("The owner for the bucket to be logged and the target bucket must be the same.", c.TargetBucket)
		}
		if b.Region != target.Region {
			return awserr.New(400, "CrossLocationLoggingProhibitted", "Cross S3 location logging not allowed. ").
				With("SourceBucketLocation", b.Region).With("TargetBucketLocation", target.Region)
		}
		return nil
	})
}

// GetBucketLogging returns a bucket's logging configuration, nil if it
// does not log.
func (s *Service) GetBucketLogging(ctx context.Context, bucket string) (*LoggingConfig, error) {
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return loggingOf(b)
}

func loggingOf(b store.Bucket) (*LoggingConfig, error) {
	v := b.Config[ConfigLogging]
	if v == "" {
		return nil, nil
	}
	var c LoggingConfig
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return nil, fmt.Errorf("bucket %s: reading its logging configuration: %w", b.Name, err)
	}
	return &c, nil
}

// AccessRecord is one request to a bucket, in the fields of S3's server
// access log. Empty strings and negative numbers are written as "-".
type AccessRecord struct {
	Bucket    string
	Time      time.Time
	RemoteIP  string
	Requester string
	RequestID string
	// Operation is REST.METHOD.TYPE (REST.GET.OBJECT, REST.PUT.ACL, …).
	Operation  string
	Key        string
	RequestURI string // "GET /bucket/key?query HTTP/1.1", secrets removed
	Status     int
	ErrorCode  string
	BytesSent  int64
	ObjectSize int64
	// TotalTime and TurnAround (to the response's first byte) are
	// written in milliseconds; negative is "-".
	TotalTime  time.Duration
	TurnAround time.Duration
	Referer    string
	UserAgent  string
	VersionID  string
	HostID     string
	SigVersion string // SigV2, SigV4
	Cipher     string
	AuthType   string // AuthHeader, QueryString
	Host       string
	TLSVersion string
}

// MaxPendingAccessLogs bounds the log lines kept in memory between
// deliveries; lines beyond it are dropped (and counted).
const MaxPendingAccessLogs = 32 << 20

type accessLogs struct {
	mu      sync.Mutex
	pending map[string]*pendingLog
	size    int
	dropped int64
}

type pendingLog struct {
	buf   bytes.Buffer
	first time.Time
}

// LogAccess keeps a request's log line if its bucket logs.
func (s *Service) LogAccess(ctx context.Context, rec AccessRecord) {
	if rec.Bucket == "" || !s.LogsAccess(ctx, rec.Bucket) {
		return
	}
	b, err := s.getBucket(ctx, rec.Bucket)
	if err != nil {
		return
	}
	line := rec.line(b.Owner)
	a := &s.accessLogs
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.size+len(line) > MaxPendingAccessLogs {
		a.dropped++
		return
	}
	if a.pending == nil {
		a.pending = map[string]*pendingLog{}
	}
	p := a.pending[rec.Bucket]
	if p == nil {
		p = &pendingLog{first: rec.Time}
		a.pending[rec.Bucket] = p
	}
	p.buf.WriteString(line)
	a.size += len(line)
}

// AccessLogStats says what a delivery did.
type AccessLogStats struct {
	Objects, Lines int
	// Refused counts buckets whose lines were dropped: logging was turned
	// off, or the target is gone or does not allow delivery.
	Refused int
	// Dropped counts lines dropped since the last delivery because too
	// many were waiting.
	Dropped int64
}

// DeliverAccessLogs writes the log lines kept so far, one object per
// source bucket, into the buckets' targets.
func (s *Service) DeliverAccessLogs(ctx context.Context) (AccessLogStats, error) {
	a := &s.accessLogs
	a.mu.Lock()
	pending := a.pending
	st := AccessLogStats{Dropped: a.dropped}
	a.pending, a.size, a.dropped = nil, 0, 0
	a.mu.Unlock()
	names := make([]string, 0, len(pending))
	for name := range pending {
		names = append(names, name)
	}
	sort.Strings(names)
	var firstErr error
	for _, name := range names {
		p := pending[name]
		n := bytes.Count(p.buf.Bytes(), []byte{'\n'})
		ok, err := s.deliver(ctx, name, p)
		switch {
		case err != nil:
			if firstErr == nil {
				firstErr = err
			}
			st.Refused++
		case ok:
			st.Objects++
			st.Lines += n
		default:
			st.Refused++
		}
	}
	return st, firstErr
}

func (s *Service) deliver(ctx context.Context, source string, p *pendingLog) (bool, error) {
	src, err := s.Meta.GetBucket(ctx, source)
	if err != nil {
		return false, nil // the bucket is gone, and its logging with it
	}
	c, err := loggingOf(src)
	if err != nil || c == nil {
		return false, err
	}
	target, err := s.Meta.GetBucket(ctx, c.TargetBucket)
	if err != nil || target.Owner != src.Owner || target.Region != src.Region {
		return false, nil
	}
	now := s.now().UTC()
	key := c.TargetPrefix + logObjectName(c, src, p.first.UTC(), now)
	if !serviceMayWrite(target, src, LoggingService, key, true) {
		if s.Log != nil {
			s.Log.Warn("access logs not delivered: the target bucket does not allow the logging service to write",
				"bucket", source, "target", c.TargetBucket)
		}
		return false, nil
	}
	_, err = s.PutObject(ctx, PutInput{
		Bucket: c.TargetBucket, Key: key,
		Body:        Body{R: bytes.NewReader(p.buf.Bytes()), Size: int64(p.buf.Len())},
		ObjectAttrs: ObjectAttrs{Headers: map[string]string{"Content-Type": "text/plain"}},
	})
	if err != nil {
		return false, fmt.Errorf("delivering the access logs of bucket %s to %s: %w", source, c.TargetBucket, err)
	}
	return true, nil
}

// logObjectName is a log object's key after the prefix:
// YYYY-mm-DD-HH-MM-SS-UniqueString, under
// account/region/bucket/YYYY/mm/DD/ for a partitioned prefix.
func logObjectName(c *LoggingConfig, src store.Bucket, event, delivery time.Time) string {
	var u [8]byte
	_, _ = rand.Read(u[:])
	name := delivery.Format("2006-01-02-15-04-05") + "-" + strings.ToUpper(hex.EncodeToString(u[:]))
	if c.KeyFormat != PartitionedPrefix {
		return name
	}
	day := event
	if c.DateSource == "DeliveryTime" {
		day = delivery
	}
	return src.Owner + "/" + src.Region + "/" + src.Name + "/" + day.Format("2006/01/02") + "/" + name
}

// serviceMayWrite reports whether the target bucket lets an AWS service
// write key on behalf of the source bucket: its policy allows the service
// s3:PutObject (and no statement denies it), or, for log delivery
// (logDelivery), ACLs are enabled and grant the LogDelivery group WRITE.
// Anything unreadable refuses.
func serviceMayWrite(target, src store.Bucket, service, key string, logDelivery bool) bool {
	decision := policy.ImplicitDeny
	if text := target.Config[store.ConfigPolicy]; text != "" {
		doc, err := policy.Parse([]byte(text), policy.Resource)
		if err != nil {
			return false
		}
		r := &policy.Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::" + target.Name + "/" + key,
			Principal: &policy.Principal{Service: service}}
		r.Set("aws:SourceArn", "arn:aws:s3:::"+src.Name)
		r.Set("aws:SourceAccount", src.Owner)
		r.Set("aws:PrincipalServiceName", service)
		decision, _ = doc.Evaluate(r)
	}
	switch decision {
	case policy.Allowed:
		return true
	case policy.ExplicitDeny:
		return false
	}
	if o := ownership(target); !logDelivery || o == "" || o == OwnerEnforced {
		return false
	}
	acl, err := bucketACL(target)
	if err != nil {
		return false
	}
	for _, g := range acl.Grants {
		if g.URI == LogDelivery && (g.Permission == PermWrite || g.Permission == PermFullControl) {
			return true
		}
	}
	return false
}

// line formats a record as one line of S3's server access log.
func (r AccessRecord) line(owner string) string {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	num := func(n int64) string {
		if n <= 0 {
			return "-"
		}
		return strconv.FormatInt(n, 10)
	}
	quoted := func(s string) string {
		if s == "" {
			return `"-"`
		}
		return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
	}
	ms := func(d time.Duration) string {
		if d < 0 {
			return "-"
		}
		return strconv.FormatInt(d.Milliseconds(), 10)
	}
	key := "-"
	if r.Key != "" {
		key = strings.ReplaceAll(url.PathEscape(r.Key), "%2F", "/")
	}
	fields := []string{
		owner, r.Bucket, r.Time.UTC().Format("[02/Jan/2006:15:04:05 -0700]"), dash(r.RemoteIP), dash(r.Requester),
		dash(r.RequestID), dash(r.Operation), key, quoted(r.RequestURI), strconv.Itoa(r.Status), dash(r.ErrorCode),
		num(r.BytesSent), num(r.ObjectSize), ms(r.TotalTime), ms(r.TurnAround), quoted(r.Referer), quoted(r.UserAgent),
		dash(r.VersionID), dash(r.HostID), dash(r.SigVersion), dash(r.Cipher), dash(r.AuthType), dash(r.Host),
		// The access point ARN and aclRequired: sekisho has no access
		// points, and does not record whether an ACL decided.
		dash(r.TLSVersion), "-", "-",
	}
	return strings.Join(fields, " ") + "\n"
}
