package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sekisho/sekisho/internal/store/postgres/pgtest"
)

// Several nodes on one PostgreSQL. A throwaway cluster (pgtest) starts on
// first use and stops when the tests end; each test gets a database.

var pg struct {
	once sync.Once
	c    *pgtest.Cluster
	err  error
}

func postgresURL(t *testing.T) string {
	t.Helper()
	pg.once.Do(func() { pg.c, pg.err = pgtest.Start() })
	if pg.err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required in CI: %v", pg.err)
		}
		skip(t, pg.err.Error())
	}
	u, err := pg.c.NewDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func stopPostgres() {
	if pg.c != nil {
		pg.c.Stop()
	}
}

// cluster is n nodes sharing a database and a data dir (blobs, master
// key), behind a round-robin proxy that sends each request to the next
// node: consecutive requests of one client alternate between nodes.
type cluster struct {
	*server // the proxy's URL, with the root keys
	nodes   []*server
	env     []string
	dataDir string
	served  []atomic.Int64 // requests each node got through the proxy
}

func startCluster(t *testing.T, n int, env ...string) *cluster {
	t.Helper()
	dbURL := postgresURL(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxyURL := "http://" + ln.Addr().String()
	c := &cluster{dataDir: t.TempDir(), served: make([]atomic.Int64, n),
		env: append([]string{"SEKISHO_STORE_URL=" + dbURL, "SEKISHO_PUBLIC_URL=" + proxyURL}, env...)}
	for i := 0; i < n; i++ {
		c.nodes = append(c.nodes, startServer(t, serverOpts{Env: c.env, DataDir: c.dataDir}))
	}
	var next atomic.Int64
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			i := int(next.Add(1)-1) % n
			c.served[i].Add(1)
			u, _ := url.Parse(c.nodes[i].URL)
			r.SetURL(u)
			r.Out.Host = r.In.Host // signatures cover the host the client used
		},
		FlushInterval: -1,
	}
	hs := &http.Server{Handler: proxy}
	go hs.Serve(ln)
	t.Cleanup(func() {
		hs.Close()
		if t.Failed() {
			for i, nd := range c.nodes {
				t.Logf("node %d logs:\n%s", i, nd.Logs())
			}
		}
	})
	a := c.nodes[0]
	c.server = &server{t: t, URL: proxyURL, KeyID: a.KeyID, Secret: a.Secret, client: &http.Client{Timeout: 30 * time.Second},
		dataDir: c.dataDir, addr: ln.Addr().String(), exited: a.exited, env: c.env}
	for _, nd := range c.nodes[1:] {
		if nd.KeyID != a.KeyID || nd.Secret != a.Secret {
			t.Fatalf("the nodes have different root keys: %s and %s", a.KeyID, nd.KeyID)
		}
	}
	return c
}

// TestCluster runs the seeds' end-to-end tests against two nodes: every
// request of every client (boto3, the AWS CLI) alternates between them,
// so a sign-in's SRP steps, an identity's token and credentials, and the
// S3 calls with them each cross nodes.
func TestCluster(t *testing.T) {
	t.Parallel()
	for name, fn := range map[string]func(*testing.T){
		"Seed000": TestSeed000, "Seed001": TestSeed001, "Seed002": TestSeed002, "Seed003": TestSeed003, "Seed004": TestSeed004,
		"SeedFiles": TestSeedFiles, "Apply": TestApply,
	} {
		t.Run(name, fn)
	}
}

// appServer is the server of the tests TestCluster runs again: one node,
// or under TestCluster two nodes behind the round-robin proxy.
func appServer(t *testing.T, o serverOpts) *server {
	if strings.HasPrefix(t.Name(), "TestCluster/") {
		return startCluster(t, 2, o.Env...).server
	}
	return startServer(t, o)
}

// TestClusterCoherence: what one node changes, the other enforces at once
// or within a second — a role's policy, a bucket policy — and a node
// with another master key refuses to start.
func TestClusterCoherence(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	ctx := context.Background()
	a, b := c.nodes[0], c.nodes[1]
	// Each node counts the live nodes by their heartbeats (and divides
	// its per-node limits by them).
	for deadline := time.Now().Add(15 * time.Second); ; {
		resp, err := http.Get(a.URL + "/_sekisho/health")
		if err != nil {
			t.Fatal(err)
		}
		var h struct {
			StoreInfo struct{ Nodes int }
		}
		json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if h.StoreInfo.Nodes == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node A counts %d live nodes, want 2", h.StoreInfo.Nodes)
		}
		time.Sleep(500 * time.Millisecond)
	}
	ia := iam.NewFromConfig(a.awsConfig(a.KeyID, a.Secret))
	// A user with a key, allowed s3:ListAllMyBuckets through node A.
	if _, err := ia.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	k, err := ia.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u")})
	if err != nil {
		t.Fatal(err)
	}
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`
	if _, err := ia.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allow)}); err != nil {
		t.Fatal(err)
	}
	sb := s3.NewFromConfig(b.awsConfig(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey), func(o *s3.Options) { o.UsePathStyle = true; o.RetryMaxAttempts = 1 })
	if _, err := sb.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("node B with a key made on node A: %v", err)
	}
	// Revoke on A: the very next request, on B, is denied.
	if _, err := ia.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.ListBuckets(ctx, &s3.ListBucketsInput{}); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("node B right after the policy went on node A: %v", err)
	}
	// A bucket policy put on A applies on B at once, and so does its
	// removal.
	sa := s3.NewFromConfig(a.awsConfig(a.KeyID, a.Secret), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := sa.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("doc"), Body: strings.NewReader("hi")}); err != nil {
		t.Fatal(err)
	}
	anonGet := func() int {
		resp, err := http.Get(b.URL + "/shared/doc")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := anonGet(); code != 403 {
		t.Errorf("anonymous before any policy: %d", code)
	}
	if _, err := sa.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("shared"), PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
		BlockPublicAcls: aws.Bool(false), IgnorePublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`
	if _, err := sa.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("shared"), Policy: aws.String(public)}); err != nil {
		t.Fatal(err)
	}
	if code := anonGet(); code != 200 {
		t.Errorf("anonymous on B right after a public policy on A: %d", code)
	}
	if _, err := sa.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("shared")}); err != nil {
		t.Fatal(err)
	}
	if code := anonGet(); code != 403 {
		t.Errorf("anonymous on B right after the policy went on A: %d", code)
	}
	// A challenge answered on node A cannot be answered again on node B.
	idpA := cip.NewFromConfig(a.awsConfig(a.KeyID, a.Secret))
	idpB := cip.NewFromConfig(b.awsConfig(a.KeyID, a.Secret))
	pool, err := idpA.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := idpA.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool.UserPool.Id, ClientName: aws.String("c"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowUserPasswordAuth, ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := idpA.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool.UserPool.Id, Username: aws.String("taro"),
		TemporaryPassword: aws.String("Temp#Pass123"), MessageAction: ciptypes.MessageActionTypeSuppress}); err != nil {
		t.Fatal(err)
	}
	init, err := idpB.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cl.UserPoolClient.ClientId, AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "taro", "PASSWORD": "Temp#Pass123"}})
	if err != nil || init.ChallengeName != ciptypes.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("initiate: %v %v", err, init)
	}
	answer := &cip.RespondToAuthChallengeInput{ClientId: cl.UserPoolClient.ClientId, ChallengeName: init.ChallengeName, Session: init.Session,
		ChallengeResponses: map[string]string{"USERNAME": "taro", "NEW_PASSWORD": "Taro#Pass1234"}}
	if _, err := idpA.RespondToAuthChallenge(ctx, answer); err != nil {
		t.Fatalf("answer on A: %v", err)
	}
	if _, err := idpB.RespondToAuthChallenge(ctx, answer); err == nil || !strings.Contains(err.Error(), "NotAuthorizedException") {
		t.Errorf("the same answer again on B: %v", err)
	}
	// A third node with another master key refuses to start.
	other := append(append([]string(nil), c.env...), "SEKISHO_MASTER_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	_, stderr, err := run(t, other, binary, "serve", "--data-dir", t.TempDir(), "--addr", freeAddr(t))
	if err == nil || !strings.Contains(stderr, "master key") {
		t.Errorf("a node with another master key: %v\n%s", err, stderr)
	}
	// Health names the database.
	resp, err := http.Get(b.URL + "/_sekisho/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"backend":"postgres"`) {
		t.Errorf("health: %d %s", resp.StatusCode, body)
	}
}

// TestClusterCrash kills one node with SIGKILL while both take writes:
// the other keeps serving, and every write either node acknowledged is
// there, whole, read through the survivor and through the restarted node.
func TestClusterCrash(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	ctx := context.Background()
	client := func(s *server) *s3.Client {
		return s3.NewFromConfig(s.awsConfig(c.KeyID, c.Secret), func(o *s3.Options) { o.UsePathStyle = true; o.RetryMaxAttempts = 1 })
	}
	if _, err := client(c.nodes[0]).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("crash")}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acked := map[string][]byte{}
	survivorErrs := 0
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		node := w % 2
		s3c := client(c.nodes[node])
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("n%d/w%d/%05d", node, w, i)
				data := crashBody(key, i) // 30 KB to 3.6 MB
				if i%3 == 2 {
					data = []byte(key) // and small, inline ones
				}
				_, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("crash"), Key: aws.String(key), Body: bytes.NewReader(data)})
				if err != nil {
					if node == 1 {
						mu.Lock()
						survivorErrs++
						mu.Unlock()
						t.Errorf("the surviving node failed a write: %v", err)
					}
					return
				}
				mu.Lock()
				acked[key] = data
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	c.nodes[0].kill()
	killedAt := len(acked)
	time.Sleep(700 * time.Millisecond) // node B goes on alone
	close(stop)
	wg.Wait()
	if killedAt == 0 || len(acked) <= killedAt {
		t.Fatalf("acknowledged %d writes before the kill and %d in all", killedAt, len(acked))
	}
	verify := func(s *server) {
		s3c := client(s)
		for key, want := range acked {
			out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("crash"), Key: aws.String(key)})
			if err != nil {
				t.Fatalf("acknowledged %s lost: %v", key, err)
			}
			got, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: %d bytes, want %d", key, len(got), len(want))
			}
		}
	}
	verify(c.nodes[1])
	restarted := startServer(t, serverOpts{Env: c.env, DataDir: c.dataDir})
	verify(restarted)
	t.Logf("%d writes acknowledged, %d before the kill; all read back through both nodes", len(acked), killedAt)
}

// TestClusterDatabaseLost: a node started while its database is down
// waits for it; when the database goes while it serves, requests fail
// with 503 ServiceUnavailable (and health says so) and nothing
// acknowledged is lost; when it is back, the node serves again without a
// restart.
func TestClusterDatabaseLost(t *testing.T) {
	t.Parallel()
	if _, err := pgtest.BinDir(); err != nil {
		postgresURL(t) // fails in CI, skips elsewhere
	}
	own, err := pgtest.Start() // a cluster of its own, to stop and start
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(own.Stop)
	dbURL, err := own.NewDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := own.Halt(); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(2 * time.Second)
		if err := own.Resume(); err != nil {
			t.Error(err)
		}
	}()
	s := startServer(t, serverOpts{Env: []string{"SEKISHO_STORE_URL=" + dbURL}}) // waits for the database
	ctx := context.Background()
	c := s3.NewFromConfig(s.awsConfig(s.KeyID, s.Secret), func(o *s3.Options) { o.UsePathStyle = true; o.RetryMaxAttempts = 1 })
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kept"), Key: aws.String("a"), Body: strings.NewReader("before")}); err != nil {
		t.Fatal(err)
	}
	if err := own.Halt(); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kept"), Key: aws.String("b"), Body: strings.NewReader("during")})
	if err == nil || !strings.Contains(err.Error(), "StatusCode: 503") || !strings.Contains(err.Error(), "ServiceUnavailable") {
		t.Errorf("a write while the database is down: %v", err)
	}
	resp, err := http.Get(s.URL + "/_sekisho/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("health while the database is down: %d", resp.StatusCode)
	}
	if err := own.Resume(); err != nil {
		t.Fatal(err)
	}
	var out *s3.GetObjectOutput
	for i := 0; ; i++ {
		out, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("kept"), Key: aws.String("a")})
		if err == nil || i == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("after the database came back: %v", err)
	}
	body, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(body) != "before" {
		t.Errorf("read back %q", body)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kept"), Key: aws.String("b"), Body: strings.NewReader("after")}); err != nil {
		t.Errorf("a write after the database came back: %v", err)
	}
}

// TestBlobStoreS3: a node keeps object bytes in a bucket of another
// sekisho (standing in for Ceph RGW, MinIO or AWS S3): small and
// multipart objects, whole and ranged reads, and a node that cannot reach
// its bucket refuses to start.
func TestBlobStoreS3(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	backing := startServer(t, serverOpts{})
	bc := s3.NewFromConfig(backing.awsConfig(backing.KeyID, backing.Secret), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := bc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("backing")}); err != nil {
		t.Fatal(err)
	}
	env := []string{"SEKISHO_BLOB_STORE=s3://backing/sekisho", "SEKISHO_BLOB_STORE_ENDPOINT=" + backing.URL,
		"SEKISHO_BLOB_STORE_ACCESS_KEY_ID=" + backing.KeyID, "SEKISHO_BLOB_STORE_SECRET_ACCESS_KEY=" + backing.Secret}
	s := startServer(t, serverOpts{Env: env})
	c := s3.NewFromConfig(s.awsConfig(s.KeyID, s.Secret), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("front")}); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 21<<20)
	for i := range big {
		big[i] = byte(i % 251)
	}
	small := bytes.Repeat([]byte("small but not inline "), 2000)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("front"), Key: aws.String("small"), Body: bytes.NewReader(small)}); err != nil {
		t.Fatal(err)
	}
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	if _, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("front"), Key: aws.String("big"), Body: bytes.NewReader(big)}); err != nil {
		t.Fatal(err)
	}
	read := func(key, rng string) []byte {
		in := &s3.GetObjectInput{Bucket: aws.String("front"), Key: aws.String(key)}
		if rng != "" {
			in.Range = aws.String(rng)
		}
		out, err := c.GetObject(ctx, in)
		if err != nil {
			t.Fatalf("get %s %s: %v", key, rng, err)
		}
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(read("small", ""), small) || !bytes.Equal(read("big", ""), big) {
		t.Fatal("objects did not read back whole")
	}
	if got := read("big", "bytes=5242870-5242899"); !bytes.Equal(got, big[5242870:5242900]) {
		t.Errorf("a range across parts: %d bytes", len(got))
	}
	if got := read("small", "bytes=3-9"); !bytes.Equal(got, small[3:10]) {
		t.Errorf("a small range: %q", got)
	}
	list, err := bc.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("backing"), Prefix: aws.String("sekisho/")})
	if err != nil || len(list.Contents) < 2 {
		t.Fatalf("the backing bucket holds %v, %v", list, err)
	}
	// Bad credentials for the backing bucket: a clear refusal to start.
	bad := append(append([]string(nil), env[:2]...), "SEKISHO_BLOB_STORE_ACCESS_KEY_ID="+backing.KeyID, "SEKISHO_BLOB_STORE_SECRET_ACCESS_KEY=wrong")
	_, stderr, err := run(t, bad, binary, "serve", "--data-dir", t.TempDir(), "--addr", freeAddr(t))
	if err == nil || !strings.Contains(stderr, "blob store bucket backing") {
		t.Errorf("wrong blob store keys: %v\n%s", err, stderr)
	}
}
