package front_test

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sekisho/sekisho/internal/front"
	"github.com/sekisho/sekisho/internal/seal"
)

// sealedServer is a front server whose S3 service has a master key, as the
// binary's has.
func sealedServer(t *testing.T) (*s3.Client, string) {
	raw := make([]byte, seal.KeySize)
	rand.Read(raw)
	k, err := seal.NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	srv, _, blobs := frontServer(t, func(c *front.Config) { c.S3.Keys = k })
	return s3Client(srv), blobs
}

func body(t *testing.T, out *s3.GetObjectOutput, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func getVersion(t *testing.T, c *s3.Client, bucket, key, v string) string {
	t.Helper()
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if v != "" {
		in.VersionId = aws.String(v)
	}
	out, err := c.GetObject(ctx, in)
	return body(t, out, err)
}

func putString(t *testing.T, c *s3.Client, bucket, key, data string) *s3.PutObjectOutput {
	t.Helper()
	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func listVersions(t *testing.T, c *s3.Client, bucket string) []string {
	t.Helper()
	var out []string
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1)}
	for {
		page, err := c.ListObjectVersions(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		// Merge the page's versions and markers in (key, age) order as S3
		// interleaves them; a page here holds one entry.
		type entry struct {
			key, id, what string
			latest        bool
			mod           time.Time
		}
		var es []entry
		for _, v := range page.Versions {
			es = append(es, entry{*v.Key, *v.VersionId, "v", *v.IsLatest, *v.LastModified})
		}
		for _, m := range page.DeleteMarkers {
			es = append(es, entry{*m.Key, *m.VersionId, "dm", *m.IsLatest, *m.LastModified})
		}
		for _, e := range es {
			s := e.key + ":" + e.what
			if e.latest {
				s += "*"
			}
			out = append(out, s)
		}
		if !*page.IsTruncated {
			return out
		}
		in.KeyMarker, in.VersionIdMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
}

// TestS3Versioning walks a key through S3's versioning states with the
// SDK: the null version of the unversioned era, versions, delete markers,
// reads, deletes and copies by version id, suspension, listings and
// their pages, and the blobs freed when versions go for good.
func TestS3Versioning(t *testing.T) {
	srv, blobs := newS3Server(t)
	c := s3Client(srv)
	b := aws.String("vers")
	mustBucket(t, c, "vers")
	if out, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); err != nil || out.Status != "" {
		t.Fatalf("new bucket versioning: %v %v", out, err)
	}
	big := strings.Repeat("0", 40<<10) // a blob, not inline
	if out := putString(t, c, "vers", "k", big); out.VersionId != nil {
		t.Errorf("unversioned put reported version %q", *out.VersionId)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if out, _ := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); out.Status != types.BucketVersioningStatusEnabled {
		t.Fatalf("status %q", out.Status)
	}
	v1 := *putString(t, c, "vers", "k", "one").VersionId
	v2 := *putString(t, c, "vers", "k", "two").VersionId
	if v1 == v2 || len(v1) != 32 {
		t.Fatalf("version ids %q %q", v1, v2)
	}
	if got := getVersion(t, c, "vers", "k", ""); got != "two" {
		t.Errorf("current: %q", got)
	}
	if got := getVersion(t, c, "vers", "k", v1); got != "one" {
		t.Errorf("v1: %q", got)
	}
	if got := getVersion(t, c, "vers", "k", "null"); got != big {
		t.Errorf("null version: %d bytes", len(got))
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(v1)})
	if err != nil || *head.VersionId != v1 || *head.ContentLength != 3 {
		t.Errorf("head v1: %+v %v", head, err)
	}
	if got := listVersions(t, c, "vers"); strings.Join(got, " ") != "k:v* k:v k:v" {
		t.Errorf("versions: %v", got)
	}
	// A delete makes a marker; the key is gone from reads and listings.
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k")})
	if err != nil || del.DeleteMarker == nil || !*del.DeleteMarker || del.VersionId == nil {
		t.Fatalf("delete: %+v %v", del, err)
	}
	marker := *del.VersionId
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")}); code(err) != "NoSuchKey" {
		t.Errorf("get after delete: %v", err)
	}
	resp, _ := http.Get(srv.URL + "/vers/k") // anonymous: 403, but the marker is not the point
	resp.Body.Close()
	if l, _ := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b}); len(l.Contents) != 0 {
		t.Errorf("listed after delete: %d", len(l.Contents))
	}
	if got := listVersions(t, c, "vers"); strings.Join(got, " ") != "k:dm* k:v k:v k:v" {
		t.Errorf("versions after delete: %v", got)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(marker)}); code(err) != "MethodNotAllowed" {
		t.Errorf("get of a delete marker: %v", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("x"), CopySource: aws.String("vers/k?versionId=" + marker)}); code(err) != "InvalidRequest" {
		t.Errorf("copy of a delete marker: %v", err)
	}
	// Removing the marker brings the key back; removing v2 exposes v1.
	if out, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(marker)}); err != nil || !*out.DeleteMarker {
		t.Fatalf("delete marker: %+v %v", out, err)
	}
	if got := getVersion(t, c, "vers", "k", ""); got != "two" {
		t.Errorf("after removing the marker: %q", got)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(v2)}); err != nil {
		t.Fatal(err)
	}
	if got := getVersion(t, c, "vers", "k", ""); got != "one" {
		t.Errorf("after removing v2: %q", got)
	}
	// Bad and unknown ids.
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String("nope")}); code(err) != "InvalidArgument" {
		t.Errorf("malformed id: %v", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(strings.Repeat("a", 32))}); code(err) != "NoSuchVersion" {
		t.Errorf("unknown id: %v", err)
	}
	// Copy from a version; tags by version.
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("copy"), CopySource: aws.String("vers/k?versionId=null")})
	if err != nil || cp.VersionId == nil || cp.CopySourceVersionId == nil || *cp.CopySourceVersionId != "null" {
		t.Fatalf("copy: %+v %v", cp, err)
	}
	if got := getVersion(t, c, "vers", "copy", ""); got != big {
		t.Errorf("copy of the null version: %d bytes", len(got))
	}
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String("null"), Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("old"), Value: aws.String("yes")}}}}); err != nil {
		t.Fatal(err)
	}
	if tg, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String("null")}); err != nil || len(tg.TagSet) != 1 || *tg.VersionId != "null" {
		t.Errorf("tags of the null version: %+v %v", tg, err)
	}
	if tg, _ := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("k")}); len(tg.TagSet) != 0 {
		t.Errorf("the current version got the null version's tags")
	}
	// Suspended: writes replace the null version.
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}}); err != nil {
		t.Fatal(err)
	}
	if out := putString(t, c, "vers", "k", "three"); out.VersionId != nil {
		// S3 answers a suspended write without x-amz-version-id.
		t.Errorf("suspended put version %q", *out.VersionId)
	}
	if got := getVersion(t, c, "vers", "k", "null"); got != "three" {
		t.Errorf("null version after suspended put: %q", got)
	}
	if got := listVersions(t, c, "vers"); strings.Join(got, " ") != "copy:v* k:v* k:v" {
		t.Errorf("versions when suspended: %v", got)
	}
	// A bucket with versions is not empty; deleting every version empties
	// it and frees every blob.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("copy")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b}); code(err) != "BucketNotEmpty" {
		t.Errorf("delete bucket with versions: %v", err)
	}
	all, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	var ids []types.ObjectIdentifier
	for _, v := range all.Versions {
		ids = append(ids, types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
	}
	for _, m := range all.DeleteMarkers {
		ids = append(ids, types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
	}
	dout, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: b, Delete: &types.Delete{Objects: ids}})
	if err != nil || len(dout.Deleted) != len(ids) || len(dout.Errors) != 0 {
		t.Fatalf("delete versions: %+v %v", dout, err)
	}
	if n := blobCount(t, blobs); n != 0 {
		t.Errorf("%d blobs left after every version went", n)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b}); err != nil {
		t.Errorf("delete emptied bucket: %v", err)
	}
}

// TestS3VersionListing: ListObjectVersions pages through many versions
// and keys, with prefixes and delimiters, in S3's order.
func TestS3VersionListing(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	b := aws.String("vlist")
	mustBucket(t, c, "vlist")
	c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	var want []string
	for _, k := range []string{"a", "d/1", "d/2", "z"} {
		for i := range 3 {
			putString(t, c, "vlist", k, k+string(rune('0'+i)))
		}
		want = append(want, k+":v*", k+":v", k+":v")
	}
	c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("z")})
	want = append(want[:len(want)-3], "z:dm*", "z:v", "z:v", "z:v")
	if got := listVersions(t, c, "vlist"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("paged versions:\n got %v\nwant %v", got, want)
	}
	out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b, Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.CommonPrefixes) != 1 || *out.CommonPrefixes[0].Prefix != "d/" || len(out.Versions) != 6 || len(out.DeleteMarkers) != 1 {
		t.Errorf("delimited: %d prefixes, %d versions, %d markers", len(out.CommonPrefixes), len(out.Versions), len(out.DeleteMarkers))
	}
	out, err = c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b, Prefix: aws.String("d/"), KeyMarker: aws.String("d/1")})
	if err != nil || len(out.Versions) != 3 || *out.Versions[0].Key != "d/2" || !*out.Versions[0].IsLatest {
		t.Errorf("prefix and key marker: %+v %v", out.Versions, err)
	}
}

// TestS3ObjectLock: WORM as S3 keeps it — retention modes, the
// governance bypass, legal holds, default retention, and the bucket
// states that refuse it.
func TestS3ObjectLock(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	b := aws.String("worm")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b, ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if out, _ := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); out.Status != types.BucketVersioningStatusEnabled {
		t.Errorf("lock bucket versioning: %q", out.Status)
	}
	if out, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: b}); err != nil || out.ObjectLockConfiguration.ObjectLockEnabled != types.ObjectLockEnabledEnabled {
		t.Errorf("lock configuration: %+v %v", out, err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}}); code(err) != "InvalidBucketState" {
		t.Errorf("suspending a lock bucket: %v", err)
	}
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	gov, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("g"), Body: strings.NewReader("g"),
		ObjectLockMode: types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: &until})
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("g")})
	if err != nil || h.ObjectLockMode != types.ObjectLockModeGovernance || !h.ObjectLockRetainUntilDate.Equal(until) {
		t.Errorf("head of a locked object: %+v %v", h, err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("g"), VersionId: gov.VersionId}); code(err) != "AccessDenied" {
		t.Errorf("delete under governance: %v", err)
	}
	// A delete marker is fine: it removes nothing.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("g")}); err != nil {
		t.Errorf("delete marker in a lock bucket: %v", err)
	}
	if _, err := c.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: b, Key: aws.String("g"), VersionId: gov.VersionId,
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(until.Add(-time.Minute))}}); code(err) != "AccessDenied" {
		t.Errorf("shortening governance without bypass: %v", err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("g"), VersionId: gov.VersionId, BypassGovernanceRetention: aws.Bool(true)}); err != nil {
		t.Errorf("delete with bypass: %v", err)
	}
	comp, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("c"), Body: strings.NewReader("c"),
		ObjectLockMode: types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: &until})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("c"), VersionId: comp.VersionId, BypassGovernanceRetention: aws.Bool(true)}); code(err) != "AccessDenied" {
		t.Errorf("delete under compliance with bypass: %v", err)
	}
	if _, err := c.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: b, Key: aws.String("c"), VersionId: comp.VersionId, BypassGovernanceRetention: aws.Bool(true),
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: &until}}); code(err) != "AccessDenied" {
		t.Errorf("weakening compliance: %v", err)
	}
	longer := until.Add(24 * time.Hour)
	if _, err := c.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: b, Key: aws.String("c"), VersionId: comp.VersionId,
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeCompliance, RetainUntilDate: &longer}}); err != nil {
		t.Errorf("extending compliance: %v", err)
	}
	if r, err := c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: b, Key: aws.String("c")}); err != nil || !r.Retention.RetainUntilDate.Equal(longer) {
		t.Errorf("retention read back: %+v %v", r, err)
	}
	// Legal hold.
	plain := putString(t, c, "worm", "h", "h")
	if _, err := c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: b, Key: aws.String("h")}); code(err) != "NoSuchObjectLockConfiguration" {
		t.Errorf("retention of an unlocked object: %v", err)
	}
	if _, err := c.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: b, Key: aws.String("h"), LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOn}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("h"), VersionId: plain.VersionId, BypassGovernanceRetention: aws.Bool(true)}); code(err) != "AccessDenied" {
		t.Errorf("delete under legal hold: %v", err)
	}
	if lh, err := c.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: b, Key: aws.String("h")}); err != nil || lh.LegalHold.Status != types.ObjectLockLegalHoldStatusOn {
		t.Errorf("legal hold read back: %+v %v", lh, err)
	}
	c.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: b, Key: aws.String("h"), LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOff}})
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("h"), VersionId: plain.VersionId}); err != nil {
		t.Errorf("delete after the hold is lifted: %v", err)
	}
	// Default retention.
	if _, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: b, ObjectLockConfiguration: &types.ObjectLockConfiguration{
		ObjectLockEnabled: types.ObjectLockEnabledEnabled,
		Rule:              &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1)}}}}); err != nil {
		t.Fatal(err)
	}
	d := putString(t, c, "worm", "d", "d")
	if r, err := c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: b, Key: aws.String("d"), VersionId: d.VersionId}); err != nil || r.Retention.Mode != types.ObjectLockRetentionModeGovernance {
		t.Errorf("default retention: %+v %v", r, err)
	}
	for name, rule := range map[string]*types.DefaultRetention{
		"zero days":  {Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(0)},
		"both":       {Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1), Years: aws.Int32(1)},
		"bad mode":   {Mode: "FOREVER", Days: aws.Int32(1)},
		"no period":  {Mode: types.ObjectLockRetentionModeGovernance},
		"negative y": {Mode: types.ObjectLockRetentionModeCompliance, Years: aws.Int32(-1)},
	} {
		want := "MalformedXML"
		if name == "zero days" || name == "negative y" {
			want = "InvalidArgument"
		}
		if _, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: b, ObjectLockConfiguration: &types.ObjectLockConfiguration{
			ObjectLockEnabled: types.ObjectLockEnabledEnabled, Rule: &types.ObjectLockRule{DefaultRetention: rule}}}); code(err) != want {
			t.Errorf("lock configuration with %s: %v, want %s", name, err, want)
		}
	}
	// Buckets without lock refuse it.
	mustBucket(t, c, "plainb")
	if _, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("plainb"), ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}}); code(err) != "InvalidBucketState" {
		t.Errorf("lock on an unversioned bucket: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("plainb"), Key: aws.String("x"), Body: strings.NewReader("x"), ObjectLockMode: types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: &until}); code(err) != "InvalidRequest" {
		t.Errorf("lock headers on a plain bucket: %v", err)
	}
}

func ssec(key []byte) (alg, k, sum *string) {
	m := md5.Sum(key)
	return aws.String("AES256"), aws.String(base64.StdEncoding.EncodeToString(key)), aws.String(base64.StdEncoding.EncodeToString(m[:]))
}

// containsOnDisk reports whether any file under dir holds needle.
func containsOnDisk(t *testing.T, dir string, needle []byte) bool {
	found := false
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, needle) {
				found = true
			}
		}
		return nil
	})
	return found
}

// TestS3Encryption: SSE-S3, SSE-KMS and SSE-C encrypt the stored bytes
// for real (the plaintext is nowhere on disk, the metadata store
// included), report themselves as S3 does, and an SSE-C object cannot be
// read without its key.
func TestS3Encryption(t *testing.T) {
	c, blobs := sealedServer(t)
	dir := filepath.Dir(blobs)
	b := aws.String("enc")
	mustBucket(t, c, "enc")
	secret := "the-plaintext-marker-" + strings.Repeat("x", 50<<10) // a blob
	small := "small-plaintext-marker"                               // inline
	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("s3"), Body: strings.NewReader(secret), ServerSideEncryption: types.ServerSideEncryptionAes256})
	if err != nil || out.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("SSE-S3 put: %+v %v", out, err)
	}
	if sum := md5.Sum([]byte(secret)); out.ETag == nil || *out.ETag != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Errorf("SSE-S3 ETag %v is not the MD5 of the data", out.ETag)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("small"), Body: strings.NewReader(small), ServerSideEncryption: types.ServerSideEncryptionAes256}); err != nil {
		t.Fatal(err)
	}
	g, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("s3")})
	if g != nil && g.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Errorf("get did not report AES256")
	}
	if got := body(t, g, err); got != secret {
		t.Errorf("SSE-S3 read back %d bytes", len(got))
	}
	if got := getVersion(t, c, "enc", "small", ""); got != small {
		t.Errorf("small SSE-S3 object: %q", got)
	}
	rg, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("s3"), Range: aws.String("bytes=40000-40009")})
	if got := body(t, rg, err); got != secret[40000:40010] {
		t.Errorf("range of an SSE-S3 object: %q", got)
	}
	for _, m := range []string{"the-plaintext-marker-", small} {
		if containsOnDisk(t, dir, []byte(m)) {
			t.Errorf("%q is stored in the clear", m)
		}
	}
	// Default bucket encryption.
	if _, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b}); code(err) != "ServerSideEncryptionConfigurationNotFoundError" {
		t.Errorf("encryption of a new bucket: %v", err)
	}
	if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
		Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256}}}}}); err != nil {
		t.Fatal(err)
	}
	if ge, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b}); err != nil || ge.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
		t.Errorf("bucket encryption read back: %+v %v", ge, err)
	}
	if out := putString(t, c, "enc", "default", "by-default-marker"); out.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Errorf("default encryption not applied: %q", out.ServerSideEncryption)
	}
	if containsOnDisk(t, dir, []byte("by-default-marker")) {
		t.Errorf("a default-encrypted object is stored in the clear")
	}
	c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: b})
	// SSE-KMS with the built-in key; other keys do not exist.
	kms, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("kms"), Body: strings.NewReader("kms"), ServerSideEncryption: types.ServerSideEncryptionAwsKms})
	if err != nil || kms.SSEKMSKeyId == nil || !strings.Contains(*kms.SSEKMSKeyId, ":key/") {
		t.Errorf("SSE-KMS put: %+v %v", kms, err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("kms2"), Body: strings.NewReader("x"), ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("alias/mine")}); code(err) != "KMS.NotFoundException" {
		t.Errorf("unknown KMS key: %v", err)
	}
	// SSE-C.
	key := bytes.Repeat([]byte{7}, 32)
	other := bytes.Repeat([]byte{8}, 32)
	alg, k, sum := ssec(key)
	_, ko, so := ssec(other)
	cdata := "customer-marker-" + strings.Repeat("c", 70<<10)
	cput, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("c"), Body: strings.NewReader(cdata), SSECustomerAlgorithm: alg, SSECustomerKey: k, SSECustomerKeyMD5: sum})
	if err != nil {
		t.Fatal(err)
	}
	if m := md5.Sum([]byte(cdata)); *cput.ETag == `"`+hex.EncodeToString(m[:])+`"` {
		t.Errorf("an SSE-C ETag is the MD5 of the plaintext")
	}
	if containsOnDisk(t, dir, []byte("customer-marker-")) || containsOnDisk(t, dir, key) {
		t.Errorf("an SSE-C object or its key is stored in the clear")
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("c")}); code(err) != "InvalidRequest" {
		t.Errorf("SSE-C get without the key: %v", err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("c")}); err == nil {
		t.Errorf("SSE-C head without the key succeeded")
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("c"), SSECustomerAlgorithm: alg, SSECustomerKey: ko, SSECustomerKeyMD5: so}); code(err) != "AccessDenied" {
		t.Errorf("SSE-C get with another key: %v", err)
	}
	attrs := []types.ObjectAttributes{types.ObjectAttributesObjectSize, types.ObjectAttributesEtag}
	if _, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: b, Key: aws.String("c"), ObjectAttributes: attrs}); code(err) != "InvalidRequest" {
		t.Errorf("attributes of SSE-C without the key: %v", err)
	}
	if _, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: b, Key: aws.String("c"), ObjectAttributes: attrs, SSECustomerAlgorithm: alg, SSECustomerKey: ko, SSECustomerKeyMD5: so}); code(err) != "AccessDenied" {
		t.Errorf("attributes of SSE-C with another key: %v", err)
	}
	if a, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: b, Key: aws.String("c"), ObjectAttributes: attrs, SSECustomerAlgorithm: alg, SSECustomerKey: k, SSECustomerKeyMD5: sum}); err != nil || *a.ObjectSize != int64(len(cdata)) {
		t.Errorf("attributes of SSE-C with its key: %+v %v", a, err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("c"), SSECustomerAlgorithm: alg, SSECustomerKey: k, SSECustomerKeyMD5: so}); code(err) != "InvalidArgument" {
		t.Errorf("SSE-C key with the wrong MD5: %v", err)
	}
	cg, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("c"), SSECustomerAlgorithm: alg, SSECustomerKey: k, SSECustomerKeyMD5: sum, Range: aws.String("bytes=65530-65545")})
	if cg != nil && (cg.SSECustomerKeyMD5 == nil || *cg.SSECustomerKeyMD5 != *sum) {
		t.Errorf("SSE-C get did not echo the key MD5")
	}
	if got := body(t, cg, err); got != cdata[65530:65546] {
		t.Errorf("SSE-C range across a chunk boundary: %q", got)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("s3"), SSECustomerAlgorithm: alg, SSECustomerKey: k, SSECustomerKeyMD5: sum}); code(err) != "InvalidRequest" {
		t.Errorf("SSE-C key on an SSE-S3 object: %v", err)
	}
	// Copy needs the source key; the copy takes the new encryption.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("c2"), CopySource: aws.String("enc/c")}); code(err) != "InvalidRequest" {
		t.Errorf("copy of SSE-C without the source key: %v", err)
	}
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("c2"), CopySource: aws.String("enc/c"),
		CopySourceSSECustomerAlgorithm: alg, CopySourceSSECustomerKey: k, CopySourceSSECustomerKeyMD5: sum,
		SSECustomerAlgorithm: alg, SSECustomerKey: ko, SSECustomerKeyMD5: so})
	if err != nil {
		t.Fatal(err)
	}
	_ = cp
	c2, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("c2"), SSECustomerAlgorithm: alg, SSECustomerKey: ko, SSECustomerKeyMD5: so})
	if got := body(t, c2, err); got != cdata {
		t.Errorf("copy re-keyed: %d bytes", len(got))
	}
	// Multipart with SSE-C: every part needs the key.
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("mp"), SSECustomerAlgorithm: alg, SSECustomerKey: k, SSECustomerKeyMD5: sum})
	if err != nil {
		t.Fatal(err)
	}
	p1 := strings.Repeat("1", 2000)
	p2 := strings.Repeat("2", 1500)
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader(p1)}); code(err) != "InvalidRequest" {
		t.Errorf("part without the key: %v", err)
	}
	var parts []types.CompletedPart
	for i, p := range []string{p1, p2} {
		up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: strings.NewReader(p),
			SSECustomerAlgorithm: alg, SSECustomerKey: k, SSECustomerKeyMD5: sum})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: up.ETag})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String("mp"), UploadId: mp.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	mg, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("mp"), SSECustomerAlgorithm: alg, SSECustomerKey: k, SSECustomerKeyMD5: sum, Range: aws.String("bytes=1990-2009")})
	if got := body(t, mg, err); got != (p1 + p2)[1990:2010] {
		t.Errorf("SSE-C multipart range: %q", got)
	}
	// Bad requests.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("bad"), Body: strings.NewReader("x"), ServerSideEncryption: "AES512"}); code(err) != "InvalidArgument" {
		t.Errorf("unknown algorithm: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("bad"), Body: strings.NewReader("x"), SSECustomerAlgorithm: aws.String("AES128"), SSECustomerKey: k, SSECustomerKeyMD5: sum}); code(err) != "InvalidEncryptionAlgorithmError" {
		t.Errorf("SSE-C algorithm: %v", err)
	}
}

// TestS3CompleteTwice: a repeated CompleteMultipartUpload of a finished
// upload answers 200 with the same ETag, as S3 does; a different part
// list, or another upload id, is still NoSuchUpload.
func TestS3CompleteTwice(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	mustBucket(t, c, "twice")
	b, k := aws.String("twice"), aws.String("k")
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: k})
	if err != nil {
		t.Fatal(err)
	}
	up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: k, UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("only part")})
	if err != nil {
		t.Fatal(err)
	}
	parts := &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: up.ETag}}}
	first, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: k, UploadId: mp.UploadId, MultipartUpload: parts})
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: k, UploadId: mp.UploadId, MultipartUpload: parts})
	if err != nil || *again.ETag != *first.ETag {
		t.Errorf("repeated complete: %+v %v", again, err)
	}
	other := &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(2), ETag: up.ETag}}}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: k, UploadId: mp.UploadId, MultipartUpload: other}); code(err) != "NoSuchUpload" {
		t.Errorf("repeated complete with other parts: %v", err)
	}
}
