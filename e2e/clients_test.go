package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func forBothSchemes(t *testing.T, fn func(t *testing.T, s *server)) {
	for _, tlsOn := range []bool{false, true} {
		name := "http"
		if tlsOn {
			name = "https"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, startServer(t, serverOpts{TLS: tlsOn}))
		})
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestGoSDK(t *testing.T) {
	t.Parallel()
	forBothSchemes(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		id, err := sts.NewFromConfig(s.awsConfig(s.KeyID, s.Secret)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if *id.Arn != "arn:aws:iam::000000000000:root" || *id.Account != "000000000000" || *id.UserId != "000000000000" {
			t.Fatalf("identity %s %s %s", *id.Arn, *id.Account, *id.UserId)
		}
		_, err = sts.NewFromConfig(s.awsConfig(s.KeyID, "wrong")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if apiCode(err) != "SignatureDoesNotMatch" {
			t.Fatalf("bad secret: %v", err)
		}
		_, err = sts.NewFromConfig(s.awsConfig("AKIAUNKNOWNKEY000000", "x")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if apiCode(err) != "InvalidClientTokenId" {
			t.Fatalf("unknown key: %v", err)
		}
		c := s3.NewFromConfig(s.awsConfig(s.KeyID, s.Secret), func(o *s3.Options) { o.UsePathStyle = true })
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("go-sdk")}); err != nil {
			t.Fatal(err)
		}
		data := bytes.Repeat([]byte("go sdk body "), 200000) // 2.4 MB
		for _, alg := range []types.ChecksumAlgorithm{"", "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"} {
			key := "dir/κλειδί " + string(alg)
			in := &s3.PutObjectInput{Bucket: aws.String("go-sdk"), Key: aws.String(key), Body: bytes.NewReader(data)}
			if alg != "" {
				in.ChecksumAlgorithm = alg
			}
			if _, err := c.PutObject(ctx, in); err != nil {
				t.Fatalf("put %s: %v", alg, err)
			}
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("go-sdk"), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if !bytes.Equal(got, data) {
				t.Fatalf("%s: got %d bytes back", alg, len(got))
			}
		}
		// A presigned GET works without credentials; an expired one does not.
		ps := s3.NewPresignClient(c)
		req, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("go-sdk"), Key: aws.String("dir/κλειδί ")}, s3.WithPresignExpires(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := s.client.Get(req.URL)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, data) {
			t.Fatalf("presigned GET: %d, %d bytes", resp.StatusCode, len(got))
		}
		// Unknown operation: a clear S3 error naming it.
		_, err = c.GetBucketMetadataTableConfiguration(ctx, &s3.GetBucketMetadataTableConfigurationInput{Bucket: aws.String("go-sdk")})
		if apiCode(err) != "NotImplemented" || !strings.Contains(err.Error(), "GetBucketMetadataTableConfiguration") {
			t.Fatalf("unknown operation: %v", err)
		}
	})
}

func TestAWSCLI(t *testing.T) {
	t.Parallel()
	aws := need(t, "aws")
	forBothSchemes(t, func(t *testing.T, s *server) {
		env := s.cliEnv(s.KeyID, s.Secret)
		out, stderr, err := run(t, env, aws, "sts", "get-caller-identity")
		if err != nil {
			t.Fatalf("get-caller-identity: %v\n%s", err, stderr)
		}
		var id struct{ Arn, Account, UserId string }
		json.Unmarshal([]byte(out), &id)
		if id.Arn != "arn:aws:iam::000000000000:root" {
			t.Fatalf("identity: %s", out)
		}
		_, stderr, err = run(t, s.cliEnv(s.KeyID, "not-the-secret"), aws, "sts", "get-caller-identity")
		if err == nil || !strings.Contains(stderr, "SignatureDoesNotMatch") {
			t.Fatalf("bad secret: %v %s", err, stderr)
		}
		_, stderr, err = run(t, s.cliEnv("AKIAUNKNOWNKEY000000", "x"), aws, "sts", "get-caller-identity")
		if err == nil || !strings.Contains(stderr, "InvalidClientTokenId") {
			t.Fatalf("unknown key: %v %s", err, stderr)
		}
		_, stderr, err = run(t, env, aws, "iam", "generate-organizations-access-report", "--entity-path", "o-a1b2c3d4e5/r-f6g7h8i9j0example")
		if err == nil || !strings.Contains(stderr, "InvalidAction") || !strings.Contains(stderr, "GenerateOrganizationsAccessReport") {
			t.Fatalf("unknown operation: %v %s", err, stderr)
		}
		_, stderr, err = run(t, env, aws, "dynamodb", "list-tables")
		if err == nil || !strings.Contains(stderr, "UnknownOperationException") {
			t.Fatalf("unknown service: %v %s", err, stderr)
		}
		// Uploads: over HTTP the CLI sends a signed body with
		// x-amz-checksum-crc32; over HTTPS, aws-chunked with a trailing
		// checksum. Both must round-trip. (Multipart: s3_test.go.)
		if _, stderr, err := run(t, env, aws, "s3", "mb", "s3://cli-bucket"); err != nil {
			t.Fatalf("mb: %v %s", err, stderr)
		}
		dir := t.TempDir()
		src := filepath.Join(dir, "src.bin")
		data := bytes.Repeat([]byte("0123456789abcdef"), 300000) // 4.8 MB, below the multipart threshold
		os.WriteFile(src, data, 0o600)
		if _, stderr, err := run(t, env, aws, "s3", "cp", src, "s3://cli-bucket/dir/a file:日本.bin"); err != nil {
			t.Fatalf("cp up: %v %s\n%s", err, stderr, s.Logs())
		}
		dst := filepath.Join(dir, "dst.bin")
		if _, stderr, err := run(t, env, aws, "s3", "cp", "s3://cli-bucket/dir/a file:日本.bin", dst); err != nil {
			t.Fatalf("cp down: %v %s", err, stderr)
		}
		got, _ := os.ReadFile(dst)
		if sha256.Sum256(got) != sha256.Sum256(data) {
			t.Fatalf("downloaded %d bytes, differ", len(got))
		}
		out, _, err = run(t, env, aws, "s3", "ls", "s3://cli-bucket/dir/")
		if err != nil || !strings.Contains(out, "a file:日本.bin") {
			t.Fatalf("ls: %v %s", err, out)
		}
		// A presigned URL from the CLI (SigV2 or SigV4, whichever it makes).
		out, stderr, err = run(t, env, aws, "s3", "presign", "s3://cli-bucket/dir/a file:日本.bin")
		if err != nil {
			t.Fatalf("presign: %v %s", err, stderr)
		}
		resp, err := s.client.Get(strings.TrimSpace(out))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(body, data) {
			t.Fatalf("presigned GET %s: %d %s", out, resp.StatusCode, body[:min(len(body), 300)])
		}
	})
}

const boto3Script = `
import json, sys, urllib.request, ssl, os, boto3, botocore
from botocore.config import Config
out = {}
sts = boto3.client("sts")
out["arn"] = sts.get_caller_identity()["Arn"]
bad = boto3.client("sts", aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="wrong")
try:
    bad.get_caller_identity()
except botocore.exceptions.ClientError as e:
    out["bad_secret"] = e.response["Error"]["Code"]
unk = boto3.client("sts", aws_access_key_id="AKIAUNKNOWNKEY000000", aws_secret_access_key="x")
try:
    unk.get_caller_identity()
except botocore.exceptions.ClientError as e:
    out["unknown_key"] = e.response["Error"]["Code"]
try:
    boto3.client("iam").generate_organizations_access_report(EntityPath="o-a1b2c3d4e5/r-f6g7h8i9j0example")
except botocore.exceptions.ClientError as e:
    out["unknown_op"] = e.response["Error"]["Code"]
s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))
s3.create_bucket(Bucket="boto-bucket")
s3.put_object(Bucket="boto-bucket", Key="k/one", Body=b"boto3 body" * 1000)
out["get"] = len(s3.get_object(Bucket="boto-bucket", Key="k/one")["Body"].read())
s3.put_object(Bucket="boto-bucket", Key="meta", Body=b"m", Metadata={"owner": "alice", "Mixed-Case": "v"})
out["meta_get"] = s3.get_object(Bucket="boto-bucket", Key="meta")["Metadata"]
out["meta_head"] = s3.head_object(Bucket="boto-bucket", Key="meta")["Metadata"]
s3.copy_object(Bucket="boto-bucket", Key="meta2", CopySource={"Bucket": "boto-bucket", "Key": "meta"})
out["meta_copy"] = s3.head_object(Bucket="boto-bucket", Key="meta2")["Metadata"]
ctx = ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE")) if os.environ.get("AWS_CA_BUNDLE") else None
for sig in ["s3", "s3v4"]:
    c = boto3.client("s3", config=Config(signature_version=sig, s3={"addressing_style": "path"}))
    url = c.generate_presigned_url("get_object", Params={"Bucket": "boto-bucket", "Key": "k/one"}, ExpiresIn=300)
    out["presign_" + sig] = len(urllib.request.urlopen(url, context=ctx).read())
print(json.dumps(out))
`

func TestBoto3(t *testing.T) {
	t.Parallel()
	py := need(t, "python3")
	forBothSchemes(t, func(t *testing.T, s *server) {
		out, stderr, err := run(t, s.cliEnv(s.KeyID, s.Secret), py, "-c", boto3Script)
		if err != nil {
			t.Fatalf("boto3: %v\n%s\n%s", err, stderr, s.Logs())
		}
		var res map[string]any
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		want := map[string]any{
			"arn": "arn:aws:iam::000000000000:root", "bad_secret": "SignatureDoesNotMatch",
			"unknown_key": "InvalidClientTokenId", "unknown_op": "InvalidAction",
			"get": 10000.0, "presign_s3": 10000.0, "presign_s3v4": 10000.0,
		}
		for k, v := range want {
			if res[k] != v {
				t.Errorf("%s = %v, want %v", k, res[k], v)
			}
		}
		// User metadata names come back lower case, as S3 sends them.
		for _, k := range []string{"meta_get", "meta_head", "meta_copy"} {
			if got := fmt.Sprint(res[k]); got != "map[mixed-case:v owner:alice]" {
				t.Errorf("%s = %s, want owner and mixed-case lower case", k, got)
			}
		}
	})
}
