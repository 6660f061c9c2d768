package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sekisho/sekisho/internal/lambdatest"
)

// boto3Features drives the S3 features the conformance suites exercise
// beyond plain objects — versioning, object lock, SSE-S3/KMS/C, ACLs,
// lifecycle and SigV2 — with boto3 against the built binary, and prints
// what it saw as JSON.
const boto3Features = `
import base64, datetime, hashlib, json, os, time, boto3, botocore, requests
from botocore.config import Config
from botocore.exceptions import ClientError
s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))
out = {}
def err(f):
    try:
        f()
        return "ok"
    except ClientError as e:
        return "%s %d" % (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])

# Versioning.
s3.create_bucket(Bucket="feat-versions")
s3.put_bucket_versioning(Bucket="feat-versions", VersioningConfiguration={"Status": "Enabled"})
v1 = s3.put_object(Bucket="feat-versions", Key="k", Body=b"one")["VersionId"]
v2 = s3.put_object(Bucket="feat-versions", Key="k", Body=b"two")["VersionId"]
out["v1"] = s3.get_object(Bucket="feat-versions", Key="k", VersionId=v1)["Body"].read().decode()
d = s3.delete_object(Bucket="feat-versions", Key="k")
out["marker"] = d.get("DeleteMarker")
out["get_deleted"] = err(lambda: s3.get_object(Bucket="feat-versions", Key="k"))
lv = s3.list_object_versions(Bucket="feat-versions")
out["listed"] = [len(lv["Versions"]), len(lv["DeleteMarkers"]), lv["DeleteMarkers"][0]["IsLatest"]]
s3.delete_object(Bucket="feat-versions", Key="k", VersionId=d["VersionId"])
out["restored"] = s3.get_object(Bucket="feat-versions", Key="k")["Body"].read().decode()
out["bad_version"] = err(lambda: s3.get_object(Bucket="feat-versions", Key="k", VersionId="x"))

# Object lock.
s3.create_bucket(Bucket="feat-lock", ObjectLockEnabledForBucket=True)
until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
lv1 = s3.put_object(Bucket="feat-lock", Key="k", Body=b"x", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)["VersionId"]
out["lock_delete"] = err(lambda: s3.delete_object(Bucket="feat-lock", Key="k", VersionId=lv1, BypassGovernanceRetention=True))
out["lock_mode"] = s3.head_object(Bucket="feat-lock", Key="k")["ObjectLockMode"]

# Encryption.
s3.create_bucket(Bucket="feat-enc")
key = os.urandom(32)
ck = dict(SSECustomerAlgorithm="AES256", SSECustomerKey=key)
s3.put_object(Bucket="feat-enc", Key="c", Body=b"customer", **ck)
out["ssec_nokey"] = err(lambda: s3.get_object(Bucket="feat-enc", Key="c"))
out["ssec_wrongkey"] = err(lambda: s3.get_object(Bucket="feat-enc", Key="c", SSECustomerAlgorithm="AES256", SSECustomerKey=os.urandom(32)))
out["ssec"] = s3.get_object(Bucket="feat-enc", Key="c", **ck)["Body"].read().decode()
out["sse_s3"] = s3.put_object(Bucket="feat-enc", Key="s", Body=b"s", ServerSideEncryption="AES256")["ServerSideEncryption"]
out["sse_kms"] = s3.put_object(Bucket="feat-enc", Key="k", Body=b"k", ServerSideEncryption="aws:kms")["ServerSideEncryption"]
s3.put_bucket_encryption(Bucket="feat-enc", ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
out["sse_default"] = s3.head_object(Bucket="feat-enc", Key=(s3.put_object(Bucket="feat-enc", Key="d", Body=b"d") and "d"))["ServerSideEncryption"]

# ACLs.
s3.create_bucket(Bucket="feat-acl", ObjectOwnership="ObjectWriter")
s3.put_object(Bucket="feat-acl", Key="pub", Body=b"public", ACL="public-read")
s3.put_object(Bucket="feat-acl", Key="priv", Body=b"private")
url = os.environ["AWS_ENDPOINT_URL"] + "/feat-acl/"
verify = os.environ.get("AWS_CA_BUNDLE", True)
out["anon"] = [requests.get(url + "pub", verify=verify).status_code, requests.get(url + "priv", verify=verify).status_code]
out["acl_grants"] = len(s3.get_object_acl(Bucket="feat-acl", Key="pub")["Grants"])
out["acl_bad"] = err(lambda: s3.put_object(Bucket="feat-versions", Key="p", Body=b"x", ACL="public-read"))

# Lifecycle, with a one-second day.
s3.create_bucket(Bucket="feat-lc")
s3.put_bucket_lifecycle_configuration(Bucket="feat-lc", LifecycleConfiguration={"Rules": [
    {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}}]})
s3.put_object(Bucket="feat-lc", Key="tmp/a", Body=b"a")
s3.put_object(Bucket="feat-lc", Key="keep/b", Body=b"b")
deadline = time.time() + 15
while time.time() < deadline and s3.list_objects_v2(Bucket="feat-lc").get("KeyCount") != 1:
    time.sleep(0.2)
out["lifecycle_left"] = [o["Key"] for o in s3.list_objects_v2(Bucket="feat-lc").get("Contents", [])]

# SigV2 in the Authorization header.
v2 = boto3.client("s3", config=Config(signature_version="s3", s3={"addressing_style": "path"}))
v2.put_object(Bucket="feat-enc", Key="v2", Body=b"sigv2")
out["sigv2"] = v2.get_object(Bucket="feat-enc", Key="v2")["Body"].read().decode()
print(json.dumps(out))
`

func TestBoto3S3Features(t *testing.T) {
	t.Parallel()
	py := need(t, "python3")
	s := startServer(t, serverOpts{Env: []string{"SEKISHO_LIFECYCLE_INTERVAL=200ms", "SEKISHO_LIFECYCLE_DAY=1s"}})
	stdout, stderr, err := run(t, s.cliEnv(s.KeyID, s.Secret), py, "-c", boto3Features)
	if err != nil {
		t.Fatalf("boto3: %v\n%s\n%s", err, stderr, s.Logs())
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	want := map[string]string{
		"v1": "one", "marker": "true", "get_deleted": "NoSuchKey 404", "listed": "[2 1 true]", "restored": "two",
		"bad_version":    "InvalidArgument 400",
		"lock_delete":    "AccessDenied 403",
		"lock_mode":      "COMPLIANCE",
		"ssec_nokey":     "InvalidRequest 400",
		"ssec_wrongkey":  "AccessDenied 403",
		"ssec":           "customer",
		"sse_s3":         "AES256",
		"sse_kms":        "aws:kms",
		"sse_default":    "AES256",
		"anon":           "[200 403]",
		"acl_grants":     "2",
		"acl_bad":        "AccessControlListNotSupported 400",
		"lifecycle_left": "[keep/b]",
		"sigv2":          "sigv2",
	}
	for k, v := range want {
		if got := fmt.Sprint(res[k]); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
}

// TestCLIVersioning: the AWS CLI's versioning and encryption commands.
func TestCLIVersioning(t *testing.T) {
	t.Parallel()
	aws := need(t, "aws")
	s := startServer(t, serverOpts{})
	env := s.cliEnv(s.KeyID, s.Secret)
	cli := func(args ...string) string {
		t.Helper()
		out, stderr, err := run(t, env, aws, args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return out
	}
	cli("s3api", "create-bucket", "--bucket", "cli-vers")
	cli("s3api", "put-bucket-versioning", "--bucket", "cli-vers", "--versioning-configuration", "Status=Enabled")
	if out := cli("s3api", "get-bucket-versioning", "--bucket", "cli-vers"); !strings.Contains(out, `"Enabled"`) {
		t.Errorf("get-bucket-versioning: %s", out)
	}
	cli("s3api", "put-object", "--bucket", "cli-vers", "--key", "k", "--body", "/etc/hostname")
	cli("s3api", "put-object", "--bucket", "cli-vers", "--key", "k", "--body", "/etc/hostname")
	cli("s3", "rm", "s3://cli-vers/k")
	var lv struct {
		Versions      []struct{ VersionId string }
		DeleteMarkers []struct{ IsLatest bool }
	}
	if err := json.Unmarshal([]byte(cli("s3api", "list-object-versions", "--bucket", "cli-vers")), &lv); err != nil {
		t.Fatal(err)
	}
	if len(lv.Versions) != 2 || len(lv.DeleteMarkers) != 1 || !lv.DeleteMarkers[0].IsLatest {
		t.Errorf("list-object-versions: %+v", lv)
	}
	cli("s3api", "put-bucket-encryption", "--bucket", "cli-vers", "--server-side-encryption-configuration", `{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"}}]}`)
	if out := cli("s3api", "get-bucket-encryption", "--bucket", "cli-vers"); !strings.Contains(out, "aws:kms") {
		t.Errorf("get-bucket-encryption: %s", out)
	}
}

// TestAccountCLI: `sekisho account create` against the running binary
// prints a member account's root keys; with them the AWS CLI works in that
// account (its own buckets, IAM and user pools), and `sekisho credentials
// --account` prints the same keys again.
func TestAccountCLI(t *testing.T) {
	t.Parallel()
	awsCLI := need(t, "aws")
	s := startServer(t, serverOpts{})
	out, stderr, err := run(t, nil, binary, "account", "create", "tenant-b", "--email", "b@example.com", "--data-dir", s.dataDir, "--public-url", s.URL)
	if err != nil {
		t.Fatalf("account create: %v\n%s", err, stderr)
	}
	var acct, exports string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Account" {
			acct = f[1]
		}
		if strings.HasPrefix(line, "export ") {
			exports = line
		}
	}
	again, _, err := run(t, nil, binary, "credentials", "--account", acct, "--data-dir", s.dataDir, "--public-url", s.URL)
	if err != nil || strings.TrimSpace(again) != exports {
		t.Fatalf("credentials --account: %v\n%q\n%q", err, again, exports)
	}
	var id, secret string
	for _, kv := range strings.Fields(exports) {
		if v, ok := strings.CutPrefix(kv, "AWS_ACCESS_KEY_ID="); ok {
			id = v
		}
		if v, ok := strings.CutPrefix(kv, "AWS_SECRET_ACCESS_KEY="); ok {
			secret = v
		}
	}
	cli := func(env []string, args ...string) string {
		t.Helper()
		out, stderr, err := run(t, env, awsCLI, args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return out
	}
	b := s.cliEnv(id, secret)
	if who := cli(b, "sts", "get-caller-identity", "--query", "Arn", "--output", "text"); strings.TrimSpace(who) != "arn:aws:iam::"+acct+":root" {
		t.Errorf("member identity: %s", who)
	}
	cli(b, "s3", "mb", "s3://tenant-b-bucket")
	cli(b, "iam", "create-user", "--user-name", "bee")
	pool := cli(b, "cognito-idp", "create-user-pool", "--pool-name", "b-pool", "--query", "UserPool.Id", "--output", "text")
	main := s.cliEnv(s.KeyID, s.Secret)
	if out := cli(main, "s3", "ls"); strings.Contains(out, "tenant-b-bucket") {
		t.Errorf("the management account lists the member's bucket: %s", out)
	}
	if out := cli(main, "iam", "list-users"); strings.Contains(out, "bee") {
		t.Errorf("the management account lists the member's user: %s", out)
	}
	if _, stderr, err := run(t, main, awsCLI, "cognito-idp", "describe-user-pool", "--user-pool-id", strings.TrimSpace(pool)); err == nil || !strings.Contains(stderr, "ResourceNotFoundException") {
		t.Errorf("the management account describing the member's pool: %v %s", err, stderr)
	}
	if out := cli(main, "organizations", "list-accounts"); !strings.Contains(out, acct) {
		t.Errorf("list-accounts: %s", out)
	}
}

// TestCLIAccessLogging: server access logging set up with the AWS CLI as
// S3's documentation does it (a bucket policy for the logging service,
// then put-bucket-logging), and the log lines of `aws s3` traffic arriving
// in the target bucket.
func TestCLIAccessLogging(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOpts{Env: []string{"SEKISHO_ACCESS_LOG_INTERVAL=200ms"}})
	cli := awsCLI(t, s.cliEnv(s.KeyID, s.Secret))
	cli("s3api", "create-bucket", "--bucket", "cli-site")
	cli("s3api", "create-bucket", "--bucket", "cli-site-logs")
	cli("s3api", "put-bucket-policy", "--bucket", "cli-site-logs", "--policy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::cli-site-logs/*","Condition":{"StringEquals":{"aws:SourceAccount":"000000000000"}}}]}`)
	cli("s3api", "put-bucket-logging", "--bucket", "cli-site", "--bucket-logging-status",
		`{"LoggingEnabled":{"TargetBucket":"cli-site-logs","TargetPrefix":"access/"}}`)
	if out := cli("s3api", "get-bucket-logging", "--bucket", "cli-site"); !strings.Contains(out, `"TargetPrefix": "access/"`) {
		t.Errorf("get-bucket-logging: %s", out)
	}
	cli("s3", "cp", "/etc/hostname", "s3://cli-site/hello.txt")
	cli("s3", "ls", "s3://cli-site/")
	var keys string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if keys = cli("s3api", "list-objects-v2", "--bucket", "cli-site-logs", "--query", "Contents[].Key", "--output", "text"); keys != "None" && keys != "" {
			break
		}
	}
	var logs strings.Builder
	for _, k := range strings.Fields(keys) {
		if !strings.HasPrefix(k, "access/") {
			t.Errorf("log object %s is not under the prefix", k)
		}
		logs.WriteString(cli("s3", "cp", "s3://cli-site-logs/"+k, "-") + "\n")
	}
	for _, want := range []string{"000000000000 cli-site [", " REST.PUT.OBJECT hello.txt ", " REST.GET.BUCKET - ", " SigV4 "} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the logs lack %q:\n%s", want, logs.String())
		}
	}
}

// TestCLIWebsite: `aws s3 website` configures a bucket's website, `aws s3
// sync` publishes it, and the website endpoint of the built binary serves
// it to anonymous visitors once a bucket policy makes it public — to
// headless Chromium too (e2e/js/website.mjs).
func TestCLIWebsite(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOpts{})
	cli := awsCLI(t, s.cliEnv(s.KeyID, s.Secret))
	dir := t.TempDir()
	for name, body := range map[string]string{"index.html": "<h1>welcome</h1>", "error.html": "<h1>not here</h1>", "blog/index.html": "<h1>blog</h1>"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cli("s3", "mb", "s3://cli-web")
	cli("s3", "sync", dir, "s3://cli-web/")
	cli("s3", "website", "s3://cli-web/", "--index-document", "index.html", "--error-document", "error.html")
	if out := cli("s3api", "get-bucket-website", "--bucket", "cli-web"); !strings.Contains(out, `"Suffix": "index.html"`) || !strings.Contains(out, `"Key": "error.html"`) {
		t.Errorf("get-bucket-website: %s", out)
	}
	u, _ := url.Parse(s.URL)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	visit := func(path string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		req.Host = "cli-web.s3-website.localhost:" + u.Port()
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("Location")
	}
	if st, body, _ := visit("/"); st != 403 || !strings.Contains(body, "AccessDenied") {
		t.Errorf("before the policy: %d %s", st, body)
	}
	cli("s3api", "put-bucket-policy", "--bucket", "cli-web", "--policy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::cli-web/*"}]}`)
	// A real browser resolves <bucket>.s3-website.localhost itself.
	node, chromium := needJS(t), needChromium(t)
	res := runJS(t, s, node, append(os.Environ(), "CHROMIUM="+chromium, "SITE=http://cli-web.s3-website.localhost:"+u.Port()), "website.mjs")
	wantJS(t, res, map[string]string{
		"home":    "[200 / welcome]",
		"folder":  "[200 /blog/ blog]",
		"missing": "[404 /nope not here]",
	})
	for _, tc := range []struct {
		path   string
		status int
		body   string
		loc    string
	}{
		{"/", 200, "<h1>welcome</h1>", ""},
		{"/blog", 302, "", "/blog/"},
		{"/blog/", 200, "<h1>blog</h1>", ""},
		{"/nope", 404, "<h1>not here</h1>", ""},
	} {
		if st, body, loc := visit(tc.path); st != tc.status || body != tc.body && tc.body != "" || loc != tc.loc {
			t.Errorf("GET %s: %d %q %q", tc.path, st, body, loc)
		}
	}
}

// TestCLINotifications: the AWS CLI sets a bucket's notifications to a
// Lambda function, and `aws s3 cp` and `aws s3 rm` on the built binary
// invoke it through the Invoke API with S3's event messages.
func TestCLINotifications(t *testing.T) {
	t.Parallel()
	fns, err := lambdatest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fns.Close() })
	fns.Handle("on-upload", func(map[string]any) ([]byte, error) { return []byte("null"), nil })
	s := startServer(t, serverOpts{Env: []string{"SEKISHO_LAMBDA_ENDPOINT=" + fns.URL}})
	cli := awsCLI(t, s.cliEnv(s.KeyID, s.Secret))
	cli("s3", "mb", "s3://cli-events")
	cli("s3api", "put-bucket-notification-configuration", "--bucket", "cli-events", "--notification-configuration",
		`{"LambdaFunctionConfigurations":[{"Id":"uploads","LambdaFunctionArn":"arn:aws:lambda:us-east-1:000000000000:function:on-upload","Events":["s3:ObjectCreated:*","s3:ObjectRemoved:*"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"in/"}]}}}]}`)
	if out := cli("s3api", "get-bucket-notification-configuration", "--bucket", "cli-events"); !strings.Contains(out, `"Id": "uploads"`) || !strings.Contains(out, `"Value": "in/"`) {
		t.Errorf("get-bucket-notification-configuration: %s", out)
	}
	cli("s3", "cp", "/etc/hostname", "s3://cli-events/in/host.txt")
	cli("s3", "cp", "/etc/hostname", "s3://cli-events/out/host.txt")
	cli("s3", "rm", "s3://cli-events/in/host.txt")
	var names []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && len(names) < 2; time.Sleep(50 * time.Millisecond) {
		names = names[:0]
		for _, c := range fns.Calls("on-upload") {
			recs, _ := c.Event["Records"].([]any)
			for _, r := range recs {
				r := r.(map[string]any)
				names = append(names, fmt.Sprint(r["eventName"], " ", r["s3"].(map[string]any)["object"].(map[string]any)["key"]))
			}
		}
	}
	if strings.Join(names, ", ") != "ObjectCreated:Put in/host.txt, ObjectRemoved:Delete in/host.txt" {
		t.Errorf("events: %v", names)
	}
}

// TestCLIInventory: an inventory configured with the AWS CLI is written
// by the built binary into its destination as S3 lays it out, once the
// destination's policy lets S3 write it.
func TestCLIInventory(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOpts{Env: []string{"SEKISHO_LIFECYCLE_INTERVAL=200ms", "SEKISHO_LIFECYCLE_DAY=1h"}})
	cli := awsCLI(t, s.cliEnv(s.KeyID, s.Secret))
	cli("s3", "mb", "s3://cli-stock")
	cli("s3", "mb", "s3://cli-reports")
	cli("s3", "cp", "/etc/hostname", "s3://cli-stock/items/one.txt")
	cli("s3api", "put-bucket-policy", "--bucket", "cli-reports", "--policy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::cli-reports/*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::cli-stock"}}}]}`)
	cli("s3api", "put-bucket-inventory-configuration", "--bucket", "cli-stock", "--id", "daily", "--inventory-configuration",
		`{"Id":"daily","IsEnabled":true,"IncludedObjectVersions":"Current","Schedule":{"Frequency":"Daily"},"OptionalFields":["Size","ETag"],"Destination":{"S3BucketDestination":{"Bucket":"arn:aws:s3:::cli-reports","Format":"CSV","Prefix":"inv"}}}`)
	if out := cli("s3api", "list-bucket-inventory-configurations", "--bucket", "cli-stock"); !strings.Contains(out, `"Id": "daily"`) {
		t.Errorf("list-bucket-inventory-configurations: %s", out)
	}
	var keys string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		keys = cli("s3api", "list-objects-v2", "--bucket", "cli-reports", "--query", "Contents[].Key", "--output", "text")
		if strings.Contains(keys, "manifest.json") {
			break
		}
	}
	var manifest string
	for _, k := range strings.Fields(keys) {
		if strings.HasSuffix(k, "manifest.json") {
			manifest = cli("s3", "cp", "s3://cli-reports/"+k, "-")
		}
	}
	if !strings.Contains(manifest, `"fileSchema": "Bucket, Key, Size, ETag"`) || !strings.Contains(manifest, "inv/cli-stock/daily/data/") {
		t.Errorf("manifest: %s\nkeys: %s", manifest, keys)
	}
}
