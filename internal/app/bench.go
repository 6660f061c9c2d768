package app

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/sekisho/sekisho/internal/s3bench"
)

const benchUsage = `Usage: sekisho bench [flags]

Drives an S3 endpoint (this server or any other) with concurrent clients
and prints ops/s, MiB/s and latency percentiles for PUT and GET of each
size at each concurrency, then for ListObjectsV2 pages of a large bucket.
Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.

`

// Bench runs `sekisho bench`.
func Bench(ctx context.Context, args []string, getenv func(string) string, out *os.File) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { fmt.Fprint(out, benchUsage); fs.PrintDefaults() }
	endpoint := getenv("AWS_ENDPOINT_URL")
	if endpoint == "" {
		endpoint = "http://127.0.0.1:9500"
	}
	region := getenv("AWS_DEFAULT_REGION")
	if region == "" {
		region = "us-east-1"
	}
	c := s3bench.Config{AccessKeyID: getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY")}
	fs.StringVar(&c.Endpoint, "endpoint", endpoint, "S3 endpoint URL")
	fs.StringVar(&c.Region, "region", region, "region to sign for")
	fs.StringVar(&c.Bucket, "bucket", "sekisho-bench", "bucket to use (created if missing)")
	clients := fs.String("clients", "1,8", "comma-separated concurrency levels")
	sizes := fs.String("sizes", "4KiB,1MiB,64MiB", "comma-separated object sizes")
	fs.DurationVar(&c.Duration, "duration", 10e9, "length of each PUT and GET phase")
	fs.IntVar(&c.ListKeys, "list-keys", 100000, "keys in the listing bucket (0 skips listing)")
	fs.IntVar(&c.ListPage, "list-page", 1000, "keys per ListObjectsV2 page")
	fs.IntVar(&c.ListRounds, "list-rounds", 200, "ListObjectsV2 calls to time")
	fs.BoolVar(&c.SignPayload, "sign-payload", false, "hash and sign bodies, as the AWS CLI does over HTTP")
	fs.BoolVar(&c.Checksum, "checksum", false, "send a CRC32 of each body, as current SDKs do by default")
	fs.BoolVar(&c.Versioned, "versioned", false, "turn versioning on for the buckets and time ListObjectVersions")
	fs.StringVar(&c.SSE, "sse", "", "server-side encryption PUTs ask for (AES256 or aws:kms)")
	cognito := fs.Bool("cognito", false, "instead: measure identity-pool credential vending (GetId + GetCredentialsForIdentity) and 4 KiB GETs signed with the vended credentials")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return fmt.Errorf("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (sekisho credentials prints them)")
	}
	for _, s := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("bad --clients value %q", s)
		}
		c.Clients = append(c.Clients, n)
	}
	for _, s := range strings.Split(*sizes, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := s3bench.ParseSize(s)
		if err != nil {
			return err
		}
		c.Sizes = append(c.Sizes, n)
	}
	fmt.Fprintf(out, "endpoint %s, bucket %s, %v per phase, signed payload %v, checksum %v, versioned %v, sse %q\n\n", c.Endpoint, c.Bucket, c.Duration, c.SignPayload, c.Checksum, c.Versioned, c.SSE)
	if *cognito {
		_, err := s3bench.RunCognito(ctx, c, out)
		return err
	}
	_, err := s3bench.Run(ctx, c, out)
	return err
}
