// Package s3bench is a load generator for any S3 endpoint: N concurrent
// clients PUT and GET objects of given sizes for a while, then LIST pages
// of a large bucket, and it reports operations and bytes per second and
// latency percentiles. `sekisho bench` runs it.
//
// It drives the endpoint through aws-sdk-go-v2, as applications do, so
// its figures include a real client's cost (signing, HTTP) on the same
// machine as the server when both share it.
package s3bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Config is one benchmark run.
type Config struct {
	Endpoint, Region, AccessKeyID, SecretAccessKey string
	// Bucket is created if missing; objects the run writes are left in it.
	Bucket string
	// Clients lists the concurrency levels to measure.
	Clients []int
	// Sizes lists object sizes in bytes.
	Sizes []int64
	// Duration is how long each PUT or GET phase runs.
	Duration time.Duration
	// ListKeys, if positive, fills a bucket with that many keys and
	// times ListObjectsV2 pages of ListPage keys.
	ListKeys, ListPage, ListRounds int
	// SignPayload makes clients hash and sign bodies (as the AWS CLI does
	// over HTTP) instead of sending UNSIGNED-PAYLOAD.
	SignPayload bool
	// Checksum makes clients send a CRC32 of each body (the SDKs' default
	// since 2025).
	Checksum bool
	// Versioned turns versioning on for the buckets (every PUT then keeps
	// the version it replaces), and times ListObjectVersions instead of
	// ListObjectsV2.
	Versioned bool
	// SSE is the server-side encryption PUTs ask for ("" none, "AES256").
	SSE string
}

// Result is one measured phase.
type Result struct {
	Op                 string
	Size               int64
	Clients            int
	Ops                int
	Elapsed            time.Duration
	P50, P90, P99, Max time.Duration
	Errors             int
}

// OpsPerSec is the phase's throughput in operations.
func (r Result) OpsPerSec() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// MiBPerSec is the phase's throughput in bytes.
func (r Result) MiBPerSec() float64 { return r.OpsPerSec() * float64(r.Size) / (1 << 20) }

func (c *Config) httpClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 1024, 1024
	return &http.Client{Transport: tr}
}

// s3Options are the S3 client options of the run (checksums, payload
// signing).
func (c *Config) s3Options() []func(*s3.Options) {
	opts := []func(*s3.Options){func(o *s3.Options) {
		if c.Checksum {
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
		} else {
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		}
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	}}
	if !c.SignPayload {
		opts = append(opts, s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware))
	}
	return opts
}

func (c *Config) client() *s3.Client {
	return s3.New(s3.Options{
		Region: c.Region, BaseEndpoint: aws.String(c.Endpoint), UsePathStyle: true, HTTPClient: c.httpClient(),
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, ""),
	}, c.s3Options()...)
}

// Run runs every phase and writes a table of results to w as it goes.
func Run(ctx context.Context, c Config, w io.Writer) ([]Result, error) {
	cl := c.client()
	if err := c.makeBucket(ctx, cl, c.Bucket); err != nil {
		return nil, err
	}
	var maxSize int64
	for _, s := range c.Sizes {
		maxSize = max(maxSize, s)
	}
	payload := make([]byte, maxSize)
	rand.New(rand.NewSource(1)).Read(payload)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\tsize\tclients\tops/s\tMiB/s\tp50\tp90\tp99\tmax\terrors\t")
	var results []Result
	report := func(r Result) {
		results = append(results, r)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.1f\t%s\t%s\t%s\t%s\t%d\t\n", r.Op, sizeName(r.Size), r.Clients, r.OpsPerSec(), r.MiBPerSec(),
			round(r.P50), round(r.P90), round(r.P99), round(r.Max), r.Errors)
		tw.Flush()
	}
	for _, size := range c.Sizes {
		for _, n := range c.Clients {
			prefix := fmt.Sprintf("bench/%s/%d/", sizeName(size), n)
			var written atomic.Int64
			r := phase(ctx, c.Duration, n, func(rng *rand.Rand) error {
				k := prefix + fmt.Sprint((written.Add(1)-1)%1024)
				_, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(c.Bucket), Key: aws.String(k), Body: bytes.NewReader(payload[:size]), ContentLength: aws.Int64(size),
					ServerSideEncryption: types.ServerSideEncryption(c.SSE)})
				return err
			})
			r.Op, r.Size = "PUT", size
			report(r)
			keys := min(written.Load(), 1024)
			if keys == 0 {
				continue
			}
			r = phase(ctx, c.Duration, n, func(rng *rand.Rand) error {
				k := prefix + fmt.Sprint(rng.Int63n(keys))
				out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(c.Bucket), Key: aws.String(k)})
				if err != nil {
					return err
				}
				defer out.Body.Close()
				m, err := io.Copy(io.Discard, out.Body)
				if err == nil && m != size {
					err = fmt.Errorf("GET %s: %d bytes, want %d", k, m, size)
				}
				return err
			})
			r.Op, r.Size = "GET", size
			report(r)
		}
	}
	if c.ListKeys > 0 {
		r, err := listPhase(ctx, cl, c)
		if err != nil {
			return results, err
		}
		report(r)
	}
	return results, nil
}

// makeBucket creates a bucket if missing, with versioning if the run
// asks for it.
func (c *Config) makeBucket(ctx context.Context, cl *s3.Client, bucket string) error {
	if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil && !strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") {
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	if c.Versioned {
		if _, err := cl.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
			return fmt.Errorf("versioning on %s: %w", bucket, err)
		}
	}
	return nil
}

// phase runs op from n goroutines for d and measures it.
func phase(ctx context.Context, d time.Duration, n int, op func(*rand.Rand) error) Result {
	var (
		mu   sync.Mutex
		lats []time.Duration
		errs int
		wg   sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(i)))
			var mine []time.Duration
			bad := 0
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t := time.Now()
				if err := op(rng); err != nil {
					bad++
					if bad == 1 {
						fmt.Println("s3bench:", err)
					}
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lats = append(lats, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	r := summarize(lats, time.Since(start))
	r.Clients, r.Errors = n, errs
	return r
}

func summarize(lats []time.Duration, elapsed time.Duration) Result {
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	r := Result{Ops: len(lats), Elapsed: elapsed}
	if len(lats) > 0 {
		pct := func(p float64) time.Duration { return lats[min(len(lats)-1, int(p*float64(len(lats))))] }
		r.P50, r.P90, r.P99, r.Max = pct(0.5), pct(0.9), pct(0.99), lats[len(lats)-1]
	}
	return r
}

// listPhase fills a bucket with c.ListKeys keys (if it has fewer) and
// times ListObjectsV2 pages starting at random keys.
func listPhase(ctx context.Context, cl *s3.Client, c Config) (Result, error) {
	bucket := fmt.Sprintf("%s-list-%d", c.Bucket, c.ListKeys)
	if c.Versioned {
		bucket += "-v"
	}
	if err := c.makeBucket(ctx, cl, bucket); err != nil {
		return Result{}, err
	}
	key := func(i int) string { return fmt.Sprintf("users/%04d/photos/%08d.jpg", i%1000, i) }
	// Keys are written in order by 32 writers, so the last one existing
	// means an earlier run filled the bucket.
	if _, err := cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key(c.ListKeys - 1))}); err != nil {
		var next atomic.Int64
		var wg sync.WaitGroup
		var firstErr error
		var once sync.Once
		for g := 0; g < 32; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= c.ListKeys || ctx.Err() != nil {
						return
					}
					_, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key(i)), Body: bytes.NewReader(nil)})
					if err != nil {
						once.Do(func() { firstErr = err })
						return
					}
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return Result{}, firstErr
		}
	}
	rng := rand.New(rand.NewSource(9))
	var lats []time.Duration
	start := time.Now()
	for i := 0; i < c.ListRounds; i++ {
		t := time.Now()
		n := 0
		if c.Versioned {
			out, err := cl.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), KeyMarker: aws.String(key(rng.Intn(c.ListKeys))), MaxKeys: aws.Int32(int32(c.ListPage))})
			if err != nil {
				return Result{}, err
			}
			n = len(out.Versions)
		} else {
			out, err := cl.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), StartAfter: aws.String(key(rng.Intn(c.ListKeys))), MaxKeys: aws.Int32(int32(c.ListPage))})
			if err != nil {
				return Result{}, err
			}
			n = len(out.Contents)
		}
		if n == 0 {
			return Result{}, errors.New("s3bench: empty listing page")
		}
		lats = append(lats, time.Since(t))
	}
	r := summarize(lats, time.Since(start))
	r.Op, r.Clients = fmt.Sprintf("LIST%d/%d", c.ListPage, c.ListKeys), 1
	if c.Versioned {
		r.Op = fmt.Sprintf("VERSIONS%d/%d", c.ListPage, c.ListKeys)
	}
	return r, nil
}

func sizeName(n int64) string {
	switch {
	case n == 0:
		return "-"
	case n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprint(n)
}

// ParseSize parses "4KiB", "1MiB", "64MiB" or a byte count.
func ParseSize(s string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30} {
		if v, ok := strings.CutSuffix(s, suffix); ok {
			s, mult = v, m
			break
		}
	}
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

func round(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(10 * time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
