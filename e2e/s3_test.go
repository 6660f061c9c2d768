package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// writeTree creates a directory of files to sync: nested directories,
// names with spaces, colons and non-ASCII, an empty file, and one file
// of bigSize bytes (above the clients' 8 MiB multipart threshold).
func writeTree(t *testing.T, dir string, bigSize int) map[string][32]byte {
	rng := rand.New(rand.NewSource(int64(bigSize)))
	files := map[string][]byte{
		"readme.txt":                         []byte("hello sekisho\n"),
		"empty":                              {},
		"photos/2024/ap-northeast-1:abc.jpg": make([]byte, 70000),
		"docs/日本語 ファイル.md":                   []byte("# 関所\n"),
		"docs/a b/c d.txt":                   []byte("spaces"),
		"big/blob.bin":                       make([]byte, bigSize),
	}
	rng.Read(files["photos/2024/ap-northeast-1:abc.jpg"])
	rng.Read(files["big/blob.bin"])
	sums := map[string][32]byte{}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		// Older than any upload, so that sync's size-and-time comparison
		// sees the uploaded copies as current.
		old := time.Now().Add(-time.Hour)
		os.Chtimes(p, old, old)
		sums[name] = sha256.Sum256(data)
	}
	return sums
}

// treeSums hashes every file under dir by slash-separated relative name.
func treeSums(t *testing.T, dir string) map[string][32]byte {
	sums := map[string][32]byte{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		sums[filepath.ToSlash(rel)] = sha256.Sum256(data)
		return nil
	})
	return sums
}

func sameTree(t *testing.T, what string, got, want map[string][32]byte) {
	t.Helper()
	var names []string
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(got) != len(want) {
		t.Errorf("%s: %d files, want %d", what, len(got), len(want))
	}
	for _, n := range names {
		if got[n] != want[n] {
			t.Errorf("%s: %s differs or is missing", what, n)
		}
	}
}

func TestAWSCLIS3(t *testing.T) {
	t.Parallel()
	awsCLI := need(t, "aws")
	forBothSchemes(t, func(t *testing.T, s *server) {
		env := s.cliEnv(s.KeyID, s.Secret)
		cli := func(args ...string) string {
			t.Helper()
			start := time.Now()
			out, stderr, err := run(t, env, awsCLI, args...)
			if d := time.Since(start); d > 2*time.Second {
				t.Logf("SLOW %v: aws %s\n%s", d, strings.Join(args, " "), s.Logs())
			}
			if err != nil {
				t.Fatalf("aws %s: %v\n%s\n%s", strings.Join(args, " "), err, stderr, s.Logs())
			}
			return out
		}
		cliErr := func(args ...string) string {
			t.Helper()
			_, stderr, err := run(t, env, awsCLI, args...)
			if err == nil {
				t.Fatalf("aws %s succeeded", strings.Join(args, " "))
			}
			return stderr
		}
		cli("s3", "mb", "s3://cli-s3")
		src, back := t.TempDir(), t.TempDir()
		want := writeTree(t, src, 20<<20+12345)
		cli("s3", "sync", src, "s3://cli-s3/tree/")
		ls := cli("s3", "ls", "--recursive", "s3://cli-s3/tree/")
		for name := range want {
			if !strings.Contains(ls, "tree/"+name) {
				t.Errorf("ls --recursive lacks %s:\n%s", name, ls)
			}
		}
		// A second sync finds nothing to do.
		if out := cli("s3", "sync", src, "s3://cli-s3/tree/"); strings.TrimSpace(out) != "" {
			t.Errorf("second sync uploaded again: %s", out)
		}
		cli("s3", "sync", "s3://cli-s3/tree/", back)
		sameTree(t, "sync down", treeSums(t, back), want)

		// The big file went multipart, with the CLI's CRC32 per part.
		var head struct {
			ETag, ChecksumCRC32, ChecksumType string
			ContentLength                     int64
		}
		json.Unmarshal([]byte(cli("s3api", "head-object", "--bucket", "cli-s3", "--key", "tree/big/blob.bin", "--checksum-mode", "ENABLED")), &head)
		if !strings.Contains(head.ETag, "-") || head.ContentLength != 20<<20+12345 {
			t.Errorf("big object: %+v", head)
		}
		// mv of a big object copies it server-side (UploadPartCopy) and
		// deletes the source.
		cli("s3", "mv", "s3://cli-s3/tree/big/blob.bin", "s3://cli-s3/moved/blob.bin")
		dl := filepath.Join(t.TempDir(), "moved.bin")
		cli("s3", "cp", "s3://cli-s3/moved/blob.bin", dl)
		if data, _ := os.ReadFile(dl); sha256.Sum256(data) != want["big/blob.bin"] {
			t.Errorf("moved object differs")
		}
		if e := cliErr("s3api", "head-object", "--bucket", "cli-s3", "--key", "tree/big/blob.bin"); !strings.Contains(e, "404") {
			t.Errorf("mv left the source: %s", e)
		}
		cli("s3", "rm", "--recursive", "s3://cli-s3/tree/")
		if out := cli("s3api", "list-objects-v2", "--bucket", "cli-s3", "--prefix", "tree/"); strings.Contains(out, "Key") {
			t.Errorf("rm --recursive left: %s", out)
		}

		// s3api for the operations the seeds and apps use.
		cli("s3api", "put-object", "--bucket", "cli-s3", "--key", "api/obj", "--body", filepath.Join(src, "readme.txt"), "--tagging", "owner=alice&team=gate", "--metadata", "k=v")
		var tags struct{ TagSet []struct{ Key, Value string } }
		json.Unmarshal([]byte(cli("s3api", "get-object-tagging", "--bucket", "cli-s3", "--key", "api/obj")), &tags)
		if len(tags.TagSet) != 2 || tags.TagSet[0].Key != "owner" {
			t.Errorf("tags: %+v", tags)
		}
		cli("s3api", "put-object-tagging", "--bucket", "cli-s3", "--key", "api/obj", "--tagging", `TagSet=[{Key=x,Value=y}]`)
		cli("s3api", "copy-object", "--bucket", "cli-s3", "--key", "api/copy", "--copy-source", "cli-s3/api/obj")
		var attrs struct {
			ETag       string
			ObjectSize int64
		}
		json.Unmarshal([]byte(cli("s3api", "get-object-attributes", "--bucket", "cli-s3", "--key", "api/copy", "--object-attributes", "ETag", "ObjectSize")), &attrs)
		if attrs.ObjectSize != 14 || attrs.ETag == "" {
			t.Errorf("attributes: %+v", attrs)
		}
		var v1 struct{ Contents []struct{ Key string } }
		json.Unmarshal([]byte(cli("s3api", "list-objects", "--bucket", "cli-s3", "--prefix", "api/")), &v1)
		if len(v1.Contents) != 2 {
			t.Errorf("list-objects: %+v", v1)
		}
		var del struct{ Deleted []struct{ Key string } }
		json.Unmarshal([]byte(cli("s3api", "delete-objects", "--bucket", "cli-s3", "--delete", `{"Objects":[{"Key":"api/obj"},{"Key":"api/copy"}]}`)), &del)
		if len(del.Deleted) != 2 {
			t.Errorf("delete-objects: %+v", del)
		}
		cli("s3api", "put-bucket-cors", "--bucket", "cli-s3", "--cors-configuration", `{"CORSRules":[{"AllowedOrigins":["http://localhost:3000"],"AllowedMethods":["GET","PUT"],"AllowedHeaders":["*"]}]}`)
		if out := cli("s3api", "get-bucket-cors", "--bucket", "cli-s3"); !strings.Contains(out, "localhost:3000") {
			t.Errorf("get-bucket-cors: %s", out)
		}
		policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:*","Resource":"arn:aws:s3:::cli-s3/*"}]}`
		cli("s3api", "put-bucket-policy", "--bucket", "cli-s3", "--policy", policy)
		if out := cli("s3api", "get-bucket-policy", "--bucket", "cli-s3"); !strings.Contains(out, "s3:*") {
			t.Errorf("get-bucket-policy: %s", out)
		}
		cli("s3api", "put-public-access-block", "--bucket", "cli-s3", "--public-access-block-configuration", "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")
		if out := cli("s3api", "get-public-access-block", "--bucket", "cli-s3"); !strings.Contains(out, `"BlockPublicPolicy": true`) {
			t.Errorf("get-public-access-block: %s", out)
		}
		var up struct{ UploadId string }
		json.Unmarshal([]byte(cli("s3api", "create-multipart-upload", "--bucket", "cli-s3", "--key", "pending")), &up)
		if out := cli("s3api", "list-multipart-uploads", "--bucket", "cli-s3"); !strings.Contains(out, up.UploadId) {
			t.Errorf("list-multipart-uploads: %s", out)
		}
		if e := cliErr("s3api", "get-object", "--bucket", "cli-s3", "--key", "missing", filepath.Join(t.TempDir(), "x")); !strings.Contains(e, "NoSuchKey") {
			t.Errorf("missing key: %s", e)
		}
		if e := cliErr("s3", "rb", "s3://cli-s3"); !strings.Contains(e, "BucketNotEmpty") {
			t.Errorf("rb of a non-empty bucket: %s", e)
		}
		cli("s3", "rb", "--force", "s3://cli-s3")
		if e := cliErr("s3api", "head-bucket", "--bucket", "cli-s3"); !strings.Contains(e, "404") {
			t.Errorf("bucket survived rb --force: %s", e)
		}
	})
}

const boto3Transfers = `
import json, os, sys, boto3, botocore, requests
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
src, dst = sys.argv[1], sys.argv[2]
verify = os.environ.get("AWS_CA_BUNDLE", True)
s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))
s3.create_bucket(Bucket="boto-tx")
cfg = TransferConfig(multipart_threshold=8 << 20, multipart_chunksize=8 << 20, max_concurrency=8)
s3.upload_file(src, "boto-tx", "up/big.bin", Config=cfg)
out = {"etag": s3.head_object(Bucket="boto-tx", Key="up/big.bin")["ETag"]}
s3.download_file("boto-tx", "up/big.bin", dst, Config=cfg)
# A managed copy of a big object: UploadPartCopy, threaded.
s3.copy({"Bucket": "boto-tx", "Key": "up/big.bin"}, "boto-tx", "up/copy.bin", Config=cfg)
out["copy_size"] = s3.head_object(Bucket="boto-tx", Key="up/copy.bin")["ContentLength"]
# Browser-style form upload with a signed POST policy, signed the SigV2
# way (boto3's default) and the SigV4 way.
for sig in ["s3", "s3v4"]:
    c = boto3.client("s3", config=Config(signature_version=sig, s3={"addressing_style": "path"}))
    post = c.generate_presigned_post("boto-tx", "uploads/" + sig + "/${filename}",
        Fields={"Content-Type": "text/plain"},
        Conditions=[["starts-with", "$key", "uploads/"], {"Content-Type": "text/plain"}, ["content-length-range", 1, 100]],
        ExpiresIn=300)
    r = requests.post(post["url"], data=post["fields"], files={"file": ("note.txt", b"posted body")}, verify=verify)
    res = {"post": r.status_code}
    res["posted"] = s3.get_object(Bucket="boto-tx", Key="uploads/" + sig + "/note.txt")["Body"].read().decode()
    r = requests.post(post["url"], data=post["fields"], files={"file": ("big.txt", b"x" * 101)}, verify=verify)
    res["too_big"] = [r.status_code, "EntityTooLarge" in r.text]
    fields = dict(post["fields"]); fields["key"] = "elsewhere/x"
    r = requests.post(post["url"], data=fields, files={"file": ("x", b"x")}, verify=verify)
    res["wrong_key"] = [r.status_code, "AccessDenied" in r.text]
    fields = dict(post["fields"])
    name = "x-amz-signature" if "x-amz-signature" in fields else "signature"
    fields[name] = "0" * 64 if sig == "s3v4" else "AAAAAAAAAAAAAAAAAAAAAAAAAAA="
    r = requests.post(post["url"], data=fields, files={"file": ("x", b"x")}, verify=verify)
    res["bad_sig"] = [r.status_code, "SignatureDoesNotMatch" in r.text]
    try:
        s3.head_object(Bucket="boto-tx", Key="uploads/" + sig + "/big.txt")
        res["too_big_stored"] = True
    except botocore.exceptions.ClientError:
        res["too_big_stored"] = False
    out["post_" + sig] = res
print(json.dumps(out))
`

func TestBoto3S3(t *testing.T) {
	t.Parallel()
	py := need(t, "python3")
	forBothSchemes(t, func(t *testing.T, s *server) {
		dir := t.TempDir()
		src, dst := filepath.Join(dir, "src.bin"), filepath.Join(dir, "dst.bin")
		data := make([]byte, 30<<20+99)
		rand.New(rand.NewSource(3)).Read(data)
		os.WriteFile(src, data, 0o600)
		out, stderr, err := run(t, s.cliEnv(s.KeyID, s.Secret), py, "-c", boto3Transfers, src, dst)
		if err != nil {
			t.Fatalf("boto3: %v\n%s\n%s", err, stderr, s.Logs())
		}
		var res map[string]any
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
			t.Errorf("download_file: %d bytes, differ", len(got))
		}
		if etag, _ := res["etag"].(string); !strings.HasSuffix(etag, `-4"`) {
			t.Errorf("upload_file etag %v, want 4 parts", res["etag"])
		}
		want := map[string]string{
			"copy_size": fmt.Sprint(float64(len(data))),
			"post_s3":   "map[bad_sig:[403 true] post:204 posted:posted body too_big:[400 true] too_big_stored:false wrong_key:[403 true]]",
			"post_s3v4": "map[bad_sig:[403 true] post:204 posted:posted body too_big:[400 true] too_big_stored:false wrong_key:[403 true]]",
		}
		for k, v := range want {
			if got := fmt.Sprint(res[k]); got != v {
				t.Errorf("%s = %s, want %s", k, got, v)
			}
		}
	})
}

func TestRclone(t *testing.T) {
	t.Parallel()
	rclone := need(t, "rclone")
	s := startServer(t, serverOpts{})
	env := append(s.cliEnv(s.KeyID, s.Secret),
		"RCLONE_CONFIG=/dev/null",
		"RCLONE_CONFIG_SEK_TYPE=s3",
		"RCLONE_CONFIG_SEK_PROVIDER=Other",
		"RCLONE_CONFIG_SEK_ENDPOINT="+s.URL,
		"RCLONE_CONFIG_SEK_ACCESS_KEY_ID="+s.KeyID,
		"RCLONE_CONFIG_SEK_SECRET_ACCESS_KEY="+s.Secret,
		"RCLONE_CONFIG_SEK_REGION=us-east-1",
		// Small cutoffs so the big file goes multipart.
		"RCLONE_S3_UPLOAD_CUTOFF=5M", "RCLONE_S3_CHUNK_SIZE=5M", "RCLONE_S3_COPY_CUTOFF=5M",
	)
	rc := func(args ...string) string {
		t.Helper()
		out, stderr, err := run(t, env, rclone, args...)
		if err != nil {
			t.Fatalf("rclone %s: %v\n%s\n%s\n%s", strings.Join(args, " "), err, out, stderr, s.Logs())
		}
		return out + stderr
	}
	src, back := t.TempDir(), t.TempDir()
	want := writeTree(t, src, 12<<20+3)
	rc("mkdir", "sek:rclone-bucket")
	rc("copy", src, "sek:rclone-bucket/tree")
	rc("check", src, "sek:rclone-bucket/tree")
	rc("sync", "sek:rclone-bucket/tree", back)
	sameTree(t, "rclone sync down", treeSums(t, back), want)
	// Change the local tree and sync up: additions, changes and deletions.
	os.Remove(filepath.Join(src, "readme.txt"))
	os.WriteFile(filepath.Join(src, "docs", "a b", "c d.txt"), []byte("changed"), 0o600)
	os.WriteFile(filepath.Join(src, "new.txt"), []byte("new"), 0o600)
	rc("sync", src, "sek:rclone-bucket/tree")
	rc("check", src, "sek:rclone-bucket/tree")
	// Server-side copy within the remote, then compare.
	rc("copy", "sek:rclone-bucket/tree", "sek:rclone-bucket/copy")
	rc("check", src, "sek:rclone-bucket/copy")
	if out := rc("lsf", "-R", "sek:rclone-bucket/copy"); !strings.Contains(out, "new.txt") || strings.Contains(out, "readme.txt") {
		t.Errorf("lsf: %s", out)
	}
	rc("purge", "sek:rclone-bucket")
}
