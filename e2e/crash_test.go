package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	s3svc "github.com/sekisho/sekisho/internal/s3"
)

// TestCrashRecovery kills the server with SIGKILL while clients write,
// restarts it on the same data dir, and checks that every acknowledged
// write is there with its exact bytes, that nothing half-written is
// visible, and that start-up swept the leftovers of interrupted writes.
func TestCrashRecovery(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	addr := freeAddr(t)
	s := startServer(t, serverOpts{DataDir: dataDir, Addr: addr})
	ctx := context.Background()
	c := s3.NewFromConfig(s.awsConfig(s.KeyID, s.Secret), func(o *s3.Options) {
		o.UsePathStyle = true
		o.RetryMaxAttempts = 1
	})
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("crash")}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acked := map[string][]byte{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("w%d/%05d", w, i)
				// Every fourth key is overwritten, so replaced blobs are in
				// play too.
				if i%4 == 3 {
					key = fmt.Sprintf("w%d/%05d", w, i-3)
				}
				data := crashBody(key, i)
				_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("crash"), Key: aws.String(key), Body: bytes.NewReader(data)})
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked[key] = data
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	s.kill()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}
	s2 := startServer(t, serverOpts{DataDir: dataDir, Addr: addr})
	s2.waitLog("swept orphaned blobs", 30*time.Second) // in the background
	c2 := s3.NewFromConfig(s2.awsConfig(s2.KeyID, s2.Secret), func(o *s3.Options) { o.UsePathStyle = true })
	for key, want := range acked {
		out, err := c2.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("crash"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("acknowledged %s lost: %v", key, err)
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		// An acknowledged key may since have been overwritten by a later
		// write that completed but whose ack was lost in the kill; it must
		// still be one whole body written for that key.
		if !bytes.Equal(got, want) && !wholeBodyFor(key, got) {
			t.Fatalf("%s: %d bytes that are not a whole body written for it", key, len(got))
		}
	}
	// Every listed object reads back whole: nothing torn is visible.
	var token *string
	listed, inBlobs := 0, 0
	for {
		page, err := c2.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("crash"), ContinuationToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			out, err := c2.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("crash"), Key: o.Key})
			if err != nil {
				t.Fatalf("listed %s unreadable: %v", *o.Key, err)
			}
			n, _ := io.Copy(io.Discard, out.Body)
			out.Body.Close()
			if n != *o.Size {
				t.Fatalf("%s: read %d bytes, listed %d", *o.Key, n, *o.Size)
			}
			listed++
			if n > s3svc.InlineLimit {
				inBlobs++
			}
		}
		if !*page.IsTruncated {
			break
		}
		token = page.NextContinuationToken
	}
	if listed < len(acked) {
		t.Fatalf("listed %d objects, acknowledged %d", listed, len(acked))
	}
	// Start-up recovery left no unfinished (.tmp) files and no orphaned
	// blobs: every file on disk is an object's.
	blobs := 0
	filepath.WalkDir(filepath.Join(dataDir, "blobs", "objects"), func(_ string, d os.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			blobs++
		}
		return nil
	})
	if blobs != inBlobs {
		t.Fatalf("%d blobs on disk for %d objects stored as blobs (%d in all)", blobs, inBlobs, listed)
	}
	t.Logf("%d acknowledged writes survived SIGKILL; %d objects, %d blobs after recovery", len(acked), listed, blobs)
}

// TestGracefulShutdown: SIGTERM lets an in-flight upload finish.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOpts{})
	ctx := context.Background()
	c := s3.NewFromConfig(s.awsConfig(s.KeyID, s.Secret), func(o *s3.Options) { o.UsePathStyle = true })
	c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("graceful")})
	pr, pw := io.Pipe()
	data := bytes.Repeat([]byte("x"), 4<<20)
	done := make(chan error, 1)
	ps, err := s3.NewPresignClient(c).PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("graceful"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		req, _ := http.NewRequest("PUT", ps.URL, pr)
		req.ContentLength = int64(len(data))
		resp, err := s.client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		done <- err
	}()
	pw.Write(data[:1<<20])
	time.Sleep(300 * time.Millisecond)
	go s.stop()
	time.Sleep(300 * time.Millisecond)
	pw.Write(data[1<<20:])
	pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("in-flight upload failed during shutdown: %v", err)
	}
	<-s.exited
	if s.cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("exit code %d", s.cmd.ProcessState.ExitCode())
	}
}

// crashBody is the i-th body a crash-test writer puts under key: the unit
// "<key><i>;" repeated a length that depends on i.
func crashBody(key string, i int) []byte {
	return bytes.Repeat([]byte(key+fmt.Sprint(i)+";"), 2000+i%7*30000)
}

// wholeBodyFor reports whether got is exactly crashBody(key, i) for some i,
// so that a torn (truncated or mixed) body is caught.
func wholeBodyFor(key string, got []byte) bool {
	unit, _, ok := bytes.Cut(got, []byte(";"))
	if !ok || !bytes.HasPrefix(unit, []byte(key)) {
		return false
	}
	var i int
	if _, err := fmt.Sscan(string(unit[len(key):]), &i); err != nil {
		return false
	}
	return bytes.Equal(got, crashBody(key, i))
}
