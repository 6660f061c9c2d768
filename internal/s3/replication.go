package s3

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
	"sync"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Replication. A versioned bucket's replication configuration
// (ConfigReplication) names a role and rules that copy new object
// versions — and, when a rule says so, delete markers — into other
// versioned buckets of this server, as S3's same- and cross-region
// replication does: the replica keeps the version id, metadata, tags and
// last-modified time of the source version, is marked REPLICA, and the
// source version's x-amz-replication-status goes PENDING, then COMPLETED
// or FAILED.
//
// Each copy is authorized as S3 authorizes it: the role must trust
// s3.amazonaws.com, and a session of it must be allowed
// s3:GetObjectVersionForReplication on the source version and
// s3:ReplicateObject (s3:ReplicateDelete for a delete marker,
// s3:ReplicateTags for tags) on the destination, destination bucket
// policy included (ReplicationAuthz, which the front provides). Anything
// that cannot be decided fails the copy.
//
// The front hands each successful write to Replicate after answering
// (whether a bucket replicates is cached with its other flags); copies
// wait in memory (MaxPendingReplications) for RunReplication's workers,
// one queue per worker, chosen by key, so one key's versions are copied
// in order. Replicas are not replicated again; objects encrypted with
// SSE-KMS or SSE-C are not replicated (S3 needs extra configuration for
// those); existing objects are not replicated; deletes of versions never
// are, as in S3. Versions a crash left PENDING are copied when the server
// starts again; a delete marker whose copy a crash lost is not.

// ConfigReplication is the configuration document of a bucket's
// replication.
const ConfigReplication = "replication"

// ReplicationStatusHeader keeps a version's replication status among its
// stored headers, as S3 reports it.
const ReplicationStatusHeader = "X-Amz-Replication-Status"

// MaxPendingReplications bounds the copies waiting, per worker.
const MaxPendingReplications = 10000

// ReplicationConfig is a bucket's replication configuration.
type ReplicationConfig struct {
	Role  string
	Rules []ReplicationRule
}

// ReplicationRule is one rule. A rule with Filter set is of S3's second
// schema (priorities, delete marker replication stated); one with only a
// Prefix of the first (delete markers replicated).
type ReplicationRule struct {
	ID       string
	Priority *int `json:",omitempty"`
	Status   string
	// Prefix is the first schema's prefix.
	Prefix *string            `json:",omitempty"`
	Filter *ReplicationFilter `json:",omitempty"`
	// DeleteMarkerReplication and ExistingObjectReplication are
	// "Enabled", "Disabled" or "" (not given).
	DeleteMarkerReplication   string `json:",omitempty"`
	ExistingObjectReplication string `json:",omitempty"`
	Destination               ReplicationDestination
}

// ReplicationFilter narrows a rule to a prefix and tags; And says the
// filter was given as an And.
type ReplicationFilter struct {
	Prefix *string `json:",omitempty"`
	Tags   []Tag   `json:",omitempty"`
	And    bool    `json:",omitempty"`
}

// ReplicationDestination is where a rule copies to.
type ReplicationDestination struct {
	Bucket       string // an S3 bucket ARN
	Account      string `json:",omitempty"`
	StorageClass string `json:",omitempty"`
}

// ReplicationAuthz decides one action of a replication copy for a
// session of role: nil allows.
type ReplicationAuthz func(ctx context.Context, role, action, bucket, key string) error

var roleARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)

func errReplication(code, msg string) *awserr.Error { return awserr.New(400, code, msg) }

// destBucketName is the bucket a destination ARN names.
func destBucketName(arn string) (string, bool) {
	name, ok := strings.CutPrefix(arn, "arn:aws:s3:::")
	return name, ok && ValidBucketName(name)
}

// PutBucketReplication checks and stores a replication configuration.
func (s *Service) PutBucketReplication(ctx context.Context, bucket string, c *ReplicationConfig) error {
	if !roleARNRE.MatchString(c.Role) {
		return errReplication("InvalidArgument", "Invalid Role specified in replication configuration").With("ArgumentName", "Role").With("ArgumentValue", c.Role)
	}
	if len(c.Rules) == 0 || len(c.Rules) > 1000 {
		return errMalformedXML()
	}
	ids, priorities := map[string]bool{}, map[int]bool{}
	v2 := c.Rules[0].Filter != nil
	for i := range c.Rules {
		r := &c.Rules[i]
		if (r.Filter != nil) != v2 || r.Filter != nil && r.Prefix != nil || r.Status != "Enabled" && r.Status != "Disabled" {
			return errMalformedXML()
		}
		for _, v := range []string{r.DeleteMarkerReplication, r.ExistingObjectReplication} {
			if v != "" && v != "Enabled" && v != "Disabled" {
				return errMalformedXML()
			}
		}
		if v2 && r.DeleteMarkerReplication == "" {
			return errReplication("InvalidRequest", "DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.")
		}
		if !v2 && r.DeleteMarkerReplication != "" {
			return errReplication("InvalidRequest", "DeleteMarkerReplication cannot be specified for this version of Cross Region Replication configuration schema.")
		}
		if r.Priority != nil {
			if priorities[*r.Priority] {
				return errReplication("InvalidRequest", fmt.Sprintf("Found duplicate priority %d", *r.Priority))
			}
			priorities[*r.Priority] = true
		} else if v2 && len(c.Rules) > 1 {
			return errReplication("InvalidRequest", "Priority must be specified for this version of Cross Region Replication configuration schema.")
		}
		if r.ID == "" {
			var b [12]byte
			_, _ = rand.Read(b[:])
			r.ID = base64.StdEncoding.EncodeToString(b[:])
		}
		if len(r.ID) > 255 || ids[r.ID] {
			return errReplication("InvalidArgument", "Rule Id must be unique and at most 255 characters").With("ArgumentName", "ID").With("ArgumentValue", r.ID)
		}
		ids[r.ID] = true
		if r.Destination.StorageClass != "" && !ValidStorageClass(r.Destination.StorageClass) {
			return errMalformedXML()
		}
		dest, ok := destBucketName(r.Destination.Bucket)
		if !ok {
			return errReplication("InvalidArgument", "Invalid bucket ARN.").With("ArgumentName", "Bucket").With("ArgumentValue", r.Destination.Bucket)
		}
		if dest == bucket {
			return errReplication("InvalidRequest", "Destination bucket cannot be the same as the source bucket.")
		}
		db, err := s.Bucket(ctx, dest)
		if awserr.Is(err, "NoSuchBucket") {
			return errReplication("InvalidRequest", "Destination bucket must exist.")
		}
		if err != nil {
			return err
		}
		if versioning(db) != VersioningEnabled {
			return errReplication("InvalidRequest", "Destination bucket must have versioning enabled.")
		}
	}
	doc, _ := json.Marshal(c)
	return s.setConfig(ctx, bucket, ConfigReplication, string(doc), func(b *store.Bucket) error {
		if versioning(*b) != VersioningEnabled {
			return errReplication("InvalidRequest", "Versioning must be 'Enabled' on the bucket to apply a replication configuration")
		}
		return nil
	})
}

// GetBucketReplication returns a bucket's replication configuration.
func (s *Service) GetBucketReplication(ctx context.Context, bucket string) (*ReplicationConfig, error) {
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	c, err := replicationOf(b)
	if err == nil && c == nil {
		err = awserr.New(404, "ReplicationConfigurationNotFoundError", "The replication configuration was not found").With("BucketName", bucket)
	}
	return c, err
}

// DeleteBucketReplication removes a bucket's replication configuration.
func (s *Service) DeleteBucketReplication(ctx context.Context, bucket string) error {
	return s.setConfig(ctx, bucket, ConfigReplication, "", nil)
}

func replicationOf(b store.Bucket) (*ReplicationConfig, error) {
	v := b.Config[ConfigReplication]
	if v == "" {
		return nil, nil
	}
	var c ReplicationConfig
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return nil, fmt.Errorf("bucket %s: reading its replication configuration: %w", b.Name, err)
	}
	return &c, nil
}

// rule returns the enabled rule with the highest priority that applies to
// o, or nil.
func (c *ReplicationConfig) rule(o *store.Object) *ReplicationRule {
	var best *ReplicationRule
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.Status != "Enabled" {
			continue
		}
		prefix := ""
		var tags []Tag
		if r.Prefix != nil {
			prefix = *r.Prefix
		}
		if r.Filter != nil {
			if r.Filter.Prefix != nil {
				prefix = *r.Filter.Prefix
			}
			tags = r.Filter.Tags
		}
		if !strings.HasPrefix(o.Key, prefix) {
			continue
		}
		match := true
		for _, t := range tags {
			if o.DeleteMarker || o.Tags[t.Key] != t.Value {
				match = false
			}
		}
		if !match {
			continue
		}
		if o.DeleteMarker && r.Filter != nil && r.DeleteMarkerReplication != "Enabled" {
			continue
		}
		if best == nil || r.Priority != nil && best.Priority != nil && *r.Priority > *best.Priority {
			best = r
		}
	}
	return best
}

type replicationJob struct {
	bucket, key, versionID string
	role                   string
	rule                   ReplicationRule
}

type replicator struct {
	once   sync.Once
	queues []chan replicationJob
}

func (s *Service) replicationQueues() []chan replicationJob {
	s.repl.once.Do(func() {
		s.repl.queues = make([]chan replicationJob, replicationWorkers)
		for i := range s.repl.queues {
			s.repl.queues[i] = make(chan replicationJob, MaxPendingReplications)
		}
	})
	return s.repl.queues
}

// replicationWorkers is how many copies run at once.
const replicationWorkers = 4

// markReplication marks a new version PENDING, in the record its write
// commits, when the bucket's rules will copy it: a crash after the commit
// leaves it PENDING, and the next start copies it.
func (s *Service) markReplication(b store.Bucket, o *store.Object) {
	if o.DeleteMarker || b.Config[ConfigReplication] == "" || versioning(b) != VersioningEnabled || !replicable(o) {
		return
	}
	c, err := replicationOf(b)
	if err != nil || c == nil || c.rule(o) == nil {
		return
	}
	o.Headers = withHeader(o.Headers, ReplicationStatusHeader, "PENDING")
}

// replicable reports whether a version may be copied: not a replica, and
// not encrypted with SSE-KMS or SSE-C (S3 needs more configuration for
// those).
func replicable(o *store.Object) bool {
	return o.Headers[ReplicationStatusHeader] != "REPLICA" && (o.SSE == nil || o.SSE.Algorithm != "aws:kms" && o.SSE.CustomerKeyMD5 == "")
}

// Replicate queues the copies that events on bucket call for: the new
// versions their writes marked PENDING, and the delete markers the
// bucket's rules select.
func (s *Service) Replicate(ctx context.Context, bucket string, events []ObjectEvent) {
	if !s.flags(ctx, bucket).replicates {
		return
	}
	b, err := s.getBucket(ctx, bucket)
	if err != nil {
		return
	}
	c, err := replicationOf(b)
	if err != nil || c == nil {
		return
	}
	for _, ev := range events {
		created := strings.HasPrefix(ev.Name, "ObjectCreated:")
		if !created && ev.Name != "ObjectRemoved:DeleteMarkerCreated" || ev.VersionID == "" || ev.VersionID == "null" {
			continue
		}
		o, err := s.Meta.GetVersion(ctx, bucket, ev.Key, ev.VersionID)
		if err != nil || !o.DeleteMarker && o.Headers[ReplicationStatusHeader] != "PENDING" {
			continue
		}
		r := c.rule(&o)
		if r == nil {
			continue
		}
		select {
		case s.queueFor(bucket, ev.Key) <- replicationJob{bucket, ev.Key, ev.VersionID, c.Role, *r}:
		default:
			if s.Log != nil {
				s.Log.Warn("replication queue full: version left PENDING", "bucket", bucket, "key", ev.Key, "version", ev.VersionID)
			}
		}
	}
}

func (s *Service) setReplicationStatus(ctx context.Context, bucket, key, versionID, status string) error {
	return s.Meta.UpdateVersion(ctx, bucket, key, versionID, func(o *store.Object) error {
		o.Headers = withHeader(o.Headers, ReplicationStatusHeader, status)
		return nil
	})
}

// RunReplication copies queued versions until ctx ends. It first queues
// again the versions an earlier run left PENDING (a crash, a full queue),
// scanning the buckets that replicate, in the background.
func (s *Service) RunReplication(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if n, err := s.requeuePending(ctx); err != nil && ctx.Err() == nil && s.Log != nil {
			s.Log.Warn("replication: queueing pending versions again", "err", err)
		} else if n > 0 && s.Log != nil {
			s.Log.Info("replication: pending versions queued again", "versions", n)
		}
	}()
	for _, q := range s.replicationQueues() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case j := <-q:
					s.replicate(ctx, j)
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	wg.Wait()
}

// requeuePending queues the PENDING versions of every bucket that
// replicates.
func (s *Service) requeuePending(ctx context.Context) (int, error) {
	buckets, err := s.Meta.ListBuckets(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range buckets {
		c, err := replicationOf(b)
		if err != nil || c == nil {
			continue
		}
		err = s.eachVersion(ctx, b.Name, "", func(o *store.Object) error {
			if o.Headers[ReplicationStatusHeader] != "PENDING" {
				return nil
			}
			if r := c.rule(o); r != nil {
				select {
				case s.queueFor(b.Name, o.Key) <- replicationJob{b.Name, o.Key, o.VersionID, c.Role, *r}:
					n++
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// queueFor is the queue of a key's copies: one worker copies a key's
// versions, in order.
func (s *Service) queueFor(bucket, key string) chan replicationJob {
	h := fnv.New32a()
	h.Write([]byte(bucket + "/" + key))
	return s.replicationQueues()[h.Sum32()%replicationWorkers]
}

// replicate makes one copy and records how it went on the source.
func (s *Service) replicate(ctx context.Context, j replicationJob) {
	err := s.copyReplica(ctx, j)
	if err != nil && s.Log != nil {
		s.Log.Warn("replication failed", "bucket", j.bucket, "key", j.key, "version", j.versionID, "rule", j.rule.ID, "err", err)
	}
	o, gerr := s.Meta.GetVersion(ctx, j.bucket, j.key, j.versionID)
	if gerr != nil || o.DeleteMarker {
		return
	}
	status := "COMPLETED"
	if err != nil {
		status = "FAILED"
	}
	if uerr := s.setReplicationStatus(context.WithoutCancel(ctx), j.bucket, j.key, j.versionID, status); uerr != nil && s.Log != nil {
		s.Log.Warn("replication status", "bucket", j.bucket, "key", j.key, "err", uerr)
	}
}

var errNoReplicationAuthz = errors.New("replication: nothing can authorize the role")

func (s *Service) copyReplica(ctx context.Context, j replicationJob) error {
	if s.ReplicationAuthz == nil {
		return errNoReplicationAuthz
	}
	dest, _ := destBucketName(j.rule.Destination.Bucket)
	src, err := s.Meta.GetVersion(ctx, j.bucket, j.key, j.versionID)
	if err != nil {
		return err
	}
	db, err := s.Meta.GetBucket(ctx, dest)
	if err != nil {
		return fmt.Errorf("destination bucket %s: %w", dest, err)
	}
	if versioning(db) != VersioningEnabled {
		return fmt.Errorf("destination bucket %s is not versioned", dest)
	}
	if _, err := s.Meta.GetVersion(ctx, dest, j.key, j.versionID); err == nil {
		return nil // already there
	}
	if src.DeleteMarker {
		if err := s.ReplicationAuthz(ctx, j.role, "s3:ReplicateDelete", dest, j.key); err != nil {
			return err
		}
		m := store.Object{Bucket: dest, Key: j.key, VersionID: j.versionID, Seq: src.Seq, Modified: src.Modified, DeleteMarker: true}
		_, err := s.Meta.PutDeleteMarker(ctx, m)
		return err
	}
	for _, a := range []struct{ action, bucket string }{{"s3:GetObjectVersionForReplication", j.bucket}, {"s3:ReplicateObject", dest}} {
		if err := s.ReplicationAuthz(ctx, j.role, a.action, a.bucket, j.key); err != nil {
			return err
		}
	}
	tags := src.Tags
	if len(tags) > 0 && s.ReplicationAuthz(ctx, j.role, "s3:ReplicateTags", dest, j.key) != nil {
		tags = nil
	}
	var key []byte
	var enc *store.Encryption
	if src.SSE != nil {
		// SSE-S3: the replica is encrypted anew under its own data key.
		if enc, key, err = s.newEncryption(db, SSERequest{Algorithm: "AES256"}); err != nil {
			return err
		}
	}
	sk, err := s.readKey(src.SSE, nil)
	if err != nil {
		return err
	}
	r, err := s.open(ctx, src, 0, src.Size, sk)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := s.write(ctx, Body{R: r, Size: src.Size}, "", true, key)
	if err != nil {
		return err
	}
	class := src.Headers[StorageClassHeader]
	if c := j.rule.Destination.StorageClass; c != "" {
		class = c
	}
	headers := withStorageClass(src.Headers, class)
	headers[ReplicationStatusHeader] = "REPLICA"
	o := store.Object{
		Bucket: dest, Key: j.key, VersionID: j.versionID, Seq: src.Seq, Modified: src.Modified,
		BlobID: w.blobID, Inline: w.inline, Size: w.size, ETag: src.ETag, Checksums: src.Checksums, ChecksumType: src.ChecksumType,
		Headers: headers, Metadata: src.Metadata, Tags: tags, SSE: enc,
	}
	_, err = s.commit(ctx, o, Conditions{}, w.blobID)
	return err
}
