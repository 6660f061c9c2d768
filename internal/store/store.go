// Package store defines the metadata store: the durable, transactional home
// of every record the server keeps except object bytes (see package blob).
//
// Store is a contract. Every backend — the embedded bbolt default in
// store/bolt, and PostgreSQL later — must pass the conformance suite in
// store/storetest unchanged. Methods take a context first, exchange records
// as values, and report the sentinel errors below (wrapped, so test them
// with errors.Is). A method that returns nil has made its change durable:
// it survives a crash of the process or the machine.
//
// Callbacks passed to a method (check, fn, build) run inside its
// transaction and may run more than once if the backend retries it; they
// must have no effect beyond their arguments and results.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors.
var (
	// ErrNotFound: the record does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadyExists: a create found a record with the same key.
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrNotEmpty: a bucket still holds objects.
	ErrNotEmpty = errors.New("store: bucket not empty")
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("store: closed")
	// ErrPanicked: a transaction function passed to an Update method
	// panicked. That transaction rolled back; the store and every other
	// writer carry on.
	ErrPanicked = errors.New("store: transaction function panicked")
)

// ErrUnavailable: the backend could not be reached (a database that is
// down or unreachable). Nothing was changed, or — if the connection went
// during a commit — the change may or may not have been made, as a client
// of any database learns; a retry is safe where the request is.
var ErrUnavailable = errors.New("store: unavailable")

// ErrReadOnly: a write inside ViewRecords.
var ErrReadOnly = errors.New("store: read-only transaction")

// RecordTx reads and writes records: small opaque values that services
// keep for themselves (IAM roles and users, user pools, identity pools),
// named by kind and id. Ids sort in byte order within a kind.
type RecordTx interface {
	// Get returns a record's value, or ErrNotFound.
	Get(kind, id string) ([]byte, error)
	// Put creates or replaces a record.
	Put(kind, id string, value []byte) error
	// Delete removes a record; deleting a missing record is not an error.
	Delete(kind, id string) error
	// List returns records of a kind whose ids start with prefix and sort
	// after after, in id order, at most limit of them (0: all).
	List(kind, prefix, after string, limit int) ([]Record, error)
}

// Record is one listed record.
type Record struct {
	ID    string
	Value []byte
}

// Bucket configuration documents kept in Bucket.Config, by name. The store
// keeps them opaque; the S3 service validates and interprets them.
const (
	ConfigPolicy            = "policy"
	ConfigCORS              = "cors"
	ConfigPublicAccessBlock = "publicAccessBlock"
	ConfigTagging           = "tagging"
)

// Bucket is an S3 bucket.
type Bucket struct {
	Name    string
	Region  string
	Owner   string // account id
	Created time.Time
	// Config holds the bucket's configuration documents (ConfigPolicy, …)
	// as the service stored them.
	Config map[string]string `json:",omitempty"`
}

// Object is the metadata of one S3 object. Its bytes live in the blob store
// under BlobID.
type Object struct {
	Bucket string
	Key    string
	BlobID string
	Size   int64
	// ETag is the quoted entity tag, e.g. "\"9e107d9d372bb6826bd81d3542a419d6\"".
	ETag     string
	Modified time.Time
	// Headers are the stored representation headers (Content-Type,
	// Content-Encoding, Cache-Control, …) by canonical name.
	Headers map[string]string
	// Metadata holds x-amz-meta-* values by lower-case name without the
	// prefix.
	Metadata map[string]string
	// Checksums holds base64 checksums by algorithm name ("CRC32", …).
	// For a multipart object they are composite ("…-N").
	Checksums map[string]string
	// ChecksumType is "COMPOSITE" for a multipart object with checksums,
	// "FULL_OBJECT" otherwise.
	ChecksumType string `json:",omitempty"`
	// Tags is the object's tag set.
	Tags map[string]string `json:",omitempty"`
	// Parts lists, in order, the parts of an object made by a multipart
	// upload; its bytes are the concatenation of their blobs and BlobID is
	// empty.
	Parts []Part `json:",omitempty"`
	// SSE says how the bytes are encrypted at rest; nil if they are not.
	SSE *Encryption `json:",omitempty"`
	// VersionID is the object's version: "" in a bucket that never had
	// versioning, "null" for the null version of a bucket whose
	// versioning is suspended, else an id the service made. It says how a
	// write treats the version it replaces (see PutObject).
	VersionID string `json:",omitempty"`
	// Seq orders the versions of a key, newest highest.
	Seq int64 `json:",omitempty"`
	// DeleteMarker marks a delete marker: a version without bytes that
	// hides the key.
	DeleteMarker bool `json:",omitempty"`
	// UploadID is the multipart upload that made the object, if one did
	// (a repeated CompleteMultipartUpload answers with it).
	UploadID string `json:",omitempty"`
	// ACL is the version's access control list as the service keeps it
	// ("" for the default, private).
	ACL string `json:",omitempty"`
	// Retention and LegalHold are the version's object lock.
	Retention *Retention `json:",omitempty"`
	LegalHold bool       `json:",omitempty"`
	// Inline holds the bytes of a small object kept with its record rather
	// than in a blob (BlobID and Parts are then empty). GetObject and the
	// callbacks of PutObject, UpdateObject and CompleteUpload see it;
	// ListObjects leaves it nil. A non-nil empty slice is an inline empty
	// object.
	Inline []byte `json:"-"`
}

// Upload is a multipart upload in progress.
type Upload struct {
	Bucket, Key string
	// ID is the upload id: URL-safe, unique across buckets, and sorting in
	// the order uploads were created.
	ID        string
	Initiated time.Time
	Owner     string // account id
	// Headers, Metadata and Tags become the object's on completion.
	Headers  map[string]string `json:",omitempty"`
	Metadata map[string]string `json:",omitempty"`
	Tags     map[string]string `json:",omitempty"`
	// ChecksumAlgorithm is the algorithm every part must carry, if any,
	// and ChecksumType how the object's checksum derives from the parts'
	// ("COMPOSITE" or "FULL_OBJECT").
	ChecksumAlgorithm string `json:",omitempty"`
	ChecksumType      string `json:",omitempty"`
	// SSE is the encryption every part and the object get.
	SSE *Encryption `json:",omitempty"`
	// ACL becomes the object's (see Object.ACL).
	ACL string `json:",omitempty"`
}

// Encryption is how an object's bytes are encrypted at rest (see package
// objcrypt): under a random data key, kept wrapped.
type Encryption struct {
	// Algorithm is the x-amz-server-side-encryption value, "AES256" or
	// "aws:kms"; empty for SSE-C.
	Algorithm string `json:",omitempty"`
	// KMSKeyID is the KMS key ARN, for "aws:kms".
	KMSKeyID string `json:",omitempty"`
	// BucketKeyEnabled is reported back for "aws:kms".
	BucketKeyEnabled bool `json:",omitempty"`
	// CustomerKeyMD5 is the base64 MD5 of the customer's key, for SSE-C.
	CustomerKeyMD5 string `json:",omitempty"`
	// Key is the data key, sealed under the master key, or for SSE-C
	// wrapped under the customer's key (which sekisho never keeps).
	Key string
}

// Retention is an object lock retention: the version cannot be deleted,
// nor (in COMPLIANCE mode) its retention shortened, before Until.
type Retention struct {
	Mode  string // "GOVERNANCE" or "COMPLIANCE"
	Until time.Time
}

// IsNull reports whether o is its key's null version (written while the
// bucket had no versioning, or had it suspended).
func (o *Object) IsNull() bool { return o.VersionID == "" || o.VersionID == "null" }

// VersionListOptions select a page of versions, ordered by key and then
// newest first.
type VersionListOptions struct {
	Prefix string
	// AfterKey returns only versions of keys greater than it; with
	// AfterVersion, the versions of AfterKey older than AfterVersion
	// come first.
	AfterKey, AfterVersion string
	Limit                  int
}

// Part is one uploaded part of a multipart upload, and later of the object
// it completed.
type Part struct {
	Number    int
	BlobID    string
	Size      int64
	ETag      string // quoted MD5 of the part
	Modified  time.Time
	Checksums map[string]string `json:",omitempty"`
}

// UploadListOptions select a page of multipart uploads, ordered by key and
// then by upload id.
type UploadListOptions struct {
	Prefix string
	// AfterKey and AfterID return only uploads after (AfterKey, AfterID);
	// with AfterID empty, only uploads of keys greater than AfterKey.
	AfterKey, AfterID string
	Limit             int
}

// ListOptions select a page of objects.
type ListOptions struct {
	// Prefix restricts keys to those starting with it.
	Prefix string
	// After returns only keys strictly greater than it (byte order).
	After string
	// Limit is the most objects to return; 0 means no limit.
	Limit int
}

// Store is the metadata store.
type Store interface {
	// CreateBucket creates b. ErrAlreadyExists if the name is taken.
	CreateBucket(ctx context.Context, b Bucket) error
	// GetBucket returns the bucket named name, or ErrNotFound.
	GetBucket(ctx context.Context, name string) (Bucket, error)
	// ListBuckets returns every bucket in name order.
	ListBuckets(ctx context.Context) ([]Bucket, error)
	// UpdateBucket calls fn with the bucket inside a transaction and stores
	// what fn leaves in it (the name cannot change); an error from fn aborts
	// the update and is returned as is. ErrNotFound if there is no bucket.
	UpdateBucket(ctx context.Context, name string, fn func(b *Bucket) error) error
	// DeleteBucket removes a bucket that holds no objects, no versions and
	// no uploads: ErrNotFound, ErrNotEmpty.
	DeleteBucket(ctx context.Context, name string) error

	// PutObject stores o as its key's current version and returns the
	// object that is gone for good (nil if none) so its blob can be freed.
	// o.VersionID says what happens to the versions already there:
	//   - "": the current object is replaced (and returned);
	//   - "null": the null version, current or not, is replaced (and
	//     returned); a current version with an id becomes noncurrent;
	//   - an id: the current version becomes noncurrent; nothing is gone.
	// Before writing it calls check, if not nil, with the current object
	// (nil if none, or if the latest version is a delete marker) inside
	// the same transaction; an error from check aborts the put and is
	// returned as is. ErrNotFound if the bucket does not exist.
	PutObject(ctx context.Context, o Object, check func(old *Object) error) (*Object, error)
	// PutDeleteMarker makes m (a delete marker, VersionID "null" or an id)
	// the latest version of its key, treating the versions there as
	// PutObject does, and returns the version gone for good (nil if none).
	// ErrNotFound if the bucket does not exist.
	PutDeleteMarker(ctx context.Context, m Object) (*Object, error)
	// GetVersion returns one version of a key, delete markers included:
	// versionID "" is the latest version, "null" the null version.
	// ErrNotFound if there is no such version or bucket.
	GetVersion(ctx context.Context, bucket, key, versionID string) (Object, error)
	// DeleteVersion removes one version (versionID as in GetVersion) for
	// good and returns it, after check (if not nil) accepts it inside the
	// transaction; an error from check aborts and is returned as is. If
	// it was the latest, the next newest version becomes the latest.
	// ErrNotFound if there is no such version.
	DeleteVersion(ctx context.Context, bucket, key, versionID string, check func(o *Object) error) (Object, error)
	// UpdateVersion is UpdateObject for one version (versionID as in
	// GetVersion; fn sees delete markers too).
	UpdateVersion(ctx context.Context, bucket, key, versionID string, fn func(o *Object) error) error
	// ListVersions returns a bucket's versions, delete markers included,
	// in key order and newest first within a key, without their inline
	// bytes; ErrNotFound if the bucket does not exist. Objects written
	// before the bucket had versioning appear as null versions.
	ListVersions(ctx context.Context, bucket string, opt VersionListOptions) ([]Object, error)
	// GetObject returns an object, or ErrNotFound.
	GetObject(ctx context.Context, bucket, key string) (Object, error)
	// DeleteObject removes the current object and returns it; ErrNotFound
	// if there is no such object or bucket. (Versioned buckets delete
	// through PutDeleteMarker and DeleteVersion.)
	DeleteObject(ctx context.Context, bucket, key string) (Object, error)
	// UpdateObject calls fn with an object inside a transaction and stores
	// what fn leaves in it (bucket and key cannot change); an error from fn
	// aborts the update and is returned as is. ErrNotFound if there is no
	// such object.
	UpdateObject(ctx context.Context, bucket, key string, fn func(o *Object) error) error
	// ListObjects returns objects of a bucket in UTF-8 byte order of their
	// keys; ErrNotFound if the bucket does not exist.
	ListObjects(ctx context.Context, bucket string, opt ListOptions) ([]Object, error)

	// CreateUpload records a new multipart upload; ErrNotFound if the
	// bucket does not exist, ErrAlreadyExists if the id is taken.
	CreateUpload(ctx context.Context, u Upload) error
	// GetUpload returns the upload with id for key in bucket, or
	// ErrNotFound.
	GetUpload(ctx context.Context, bucket, key, id string) (Upload, error)
	// ListUploads returns a bucket's uploads in (key, id) order;
	// ErrNotFound if the bucket does not exist.
	ListUploads(ctx context.Context, bucket string, opt UploadListOptions) ([]Upload, error)
	// PutPart stores part p of an upload, replacing a part with the same
	// number, and returns the replaced part (nil if none) so its blob can be
	// freed. ErrNotFound if the upload does not exist.
	PutPart(ctx context.Context, bucket, key, id string, p Part) (*Part, error)
	// ListParts returns an upload's parts numbered above after, in number
	// order, at most limit of them (0: all). ErrNotFound if the upload does
	// not exist.
	ListParts(ctx context.Context, bucket, key, id string, after, limit int) ([]Part, error)
	// CompleteUpload turns an upload into an object in one transaction. It
	// calls build with the upload, all its parts in number order and the
	// object currently under the key (nil if none); build returns the
	// object to store or an error that aborts and is returned as is. The
	// upload and its parts are removed. It returns the stored object, the
	// replaced object (nil if none) and every part the upload held, so the
	// caller can free the blobs the new object does not use. ErrNotFound
	// if the upload does not exist.
	CompleteUpload(ctx context.Context, bucket, key, id string, build func(u Upload, parts []Part, old *Object) (Object, error)) (Object, *Object, []Part, error)
	// AbortUpload removes an upload and returns its parts so the caller
	// can free their blobs; ErrNotFound if it does not exist.
	AbortUpload(ctx context.Context, bucket, key, id string) ([]Part, error)

	// ViewRecords runs fn in a read-only transaction over the records
	// store; Put and Delete fail there with ErrReadOnly.
	ViewRecords(ctx context.Context, fn func(tx RecordTx) error) error
	// UpdateRecords runs fn in a read-write transaction over the records
	// store, committed if fn returns nil and rolled back otherwise (fn's
	// error is returned as is).
	UpdateRecords(ctx context.Context, fn func(tx RecordTx) error) error

	// BlobIDs calls fn with every blob id that a record refers to
	// (objects and their noncurrent versions, their parts, and parts of
	// uploads in progress). The
	// server uses it, in the background after start-up, to remove blobs
	// that no record refers to (left behind by a crash between writing
	// bytes and committing metadata).
	//
	// It need not be one snapshot (a backend may read in short
	// transactions so writers are not held up), but every blob referred
	// to throughout the call is reported: uploads' parts are read before
	// objects, so a part that CompleteMultipartUpload moves into an object
	// meanwhile is seen in one place or the other.
	BlobIDs(ctx context.Context, fn func(id string) error) error

	// Close releases the store. Calls after Close return ErrClosed.
	Close() error
}
